"""C, the controller of the chapter 12 world-models demo, and how it learns in the dream.

C is the book's single linear layer on [z_t, h_t], V's latent and M's hidden state: with
CartPole's two actions, push right when w·[z, h] + b > 0, else left. It has z_dim + HIDDEN + 1
numbers and no gradient to follow (the reward comes from whole episodes), so the book trains it
with CMA-ES, the covariance matrix adaptation evolution strategy: each generation samples a
population of weight vectors from a Gaussian, scores each by its return, and moves the mean
towards the best, adapts the covariance to the directions that paid, and grows or shrinks the
step size by how far the mean has been travelling. `CMAES` is a compact implementation of
Hansen's tutorial (weighted recombination, rank-one and rank-μ covariance updates, cumulative
step-size adaptation).

The score is the return *in the dream* (`dream_returns`): every candidate drives M from the
same real starting latents (the first frames of real episodes), M samples each next latent at
temperature τ and the end of the episode with the probability it gives; the return is the
number of steps before that (at most `DREAM_STEPS`). No real step is taken while C learns.

Imports numpy only.
"""

from __future__ import annotations

import math

import numpy as np

from demos.world_models_memory import MemoryStep, sample_next

DREAM_STEPS = 200
TEMPERATURE = 1.15
INITIAL_SIGMA = 0.5


def act(weights: np.ndarray, z: np.ndarray, h: np.ndarray) -> np.ndarray:
    """The controller's actions for a batch: `weights` is one flat vector [w..., b] or one row
    per sample."""
    features = np.concatenate([z, h], axis=1)
    weights = np.broadcast_to(weights, (len(features), features.shape[1] + 1))
    return ((features * weights[:, :-1]).sum(axis=1) + weights[:, -1] > 0).astype("int64")


def parameter_count(z_dim: int, hidden: int) -> int:
    return z_dim + hidden + 1


def dream_returns(
    candidates: np.ndarray,
    memory: MemoryStep,
    starts: np.ndarray,
    *,
    seed: int,
    temperature: float = TEMPERATURE,
    steps: int = DREAM_STEPS,
    record: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(mean dream return of each candidate over the starting latents `starts`, and with
    `record` the latents the first candidate dreamt from the first start, steps × z_dim)."""
    population, dreams = len(candidates), len(starts)
    weights = np.repeat(candidates, dreams, axis=0)
    z = np.tile(starts, (population, 1)).astype("float32")
    state = memory.initial_state(len(z))
    alive = np.ones(len(z), dtype=bool)
    returns = np.zeros(len(z))
    rng = np.random.default_rng(seed)
    trajectory = [z[0]] if record else None
    for _ in range(steps):
        actions = act(weights, z, state[0])
        outputs, state = memory(z, actions, state)
        z, done = sample_next(z, outputs, temperature=temperature, rng=rng)
        returns += alive
        alive &= rng.random(len(done)) >= done
        if trajectory is not None and alive[0]:
            trajectory.append(z[0])
        if not alive.any():
            break
    means = returns.reshape(population, dreams).mean(axis=1)
    return means, None if trajectory is None else np.stack(trajectory)


class CMAES:
    """Maximises a function of `dim` numbers with CMA-ES: `ask` a population, `tell` scores."""

    def __init__(
        self, dim: int, *, sigma: float = INITIAL_SIGMA, population: int | None = None, seed: int
    ) -> None:
        self.dim = dim
        self.population = population or 4 + int(3 * math.log(dim))
        self.parents = self.population // 2
        raw = math.log(self.parents + 0.5) - np.log(np.arange(1, self.parents + 1))
        self.weights = raw / raw.sum()
        self.mueff = 1.0 / float((self.weights**2).sum())
        n, mueff = dim, self.mueff
        self.cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n)
        self.cs = (mueff + 2) / (n + mueff + 5)
        self.c1 = 2 / ((n + 1.3) ** 2 + mueff)
        self.cmu = min(1 - self.c1, 2 * (mueff - 2 + 1 / mueff) / ((n + 2) ** 2 + mueff))
        self.damps = 1 + 2 * max(0.0, math.sqrt((mueff - 1) / (n + 1)) - 1) + self.cs
        self.chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        self.mean = np.zeros(n)
        self.sigma = sigma
        self.covariance = np.eye(n)
        self.basis, self.scales = np.eye(n), np.ones(n)
        self.path_c, self.path_s = np.zeros(n), np.zeros(n)
        self.generation = 0
        self.rng = np.random.default_rng(seed)

    def ask(self) -> np.ndarray:
        """A population of candidates, one per row: mean + σ · N(0, C)."""
        normal = self.rng.standard_normal((self.population, self.dim))
        return self.mean + self.sigma * (normal * self.scales) @ self.basis.T

    def tell(self, candidates: np.ndarray, scores: np.ndarray) -> None:
        """Move the search distribution towards the best-scoring candidates (higher is better)."""
        self.generation += 1
        best = candidates[np.argsort(-np.asarray(scores), kind="stable")[: self.parents]]
        old = self.mean
        self.mean = self.weights @ best
        step = (self.mean - old) / self.sigma
        inverse_root = self.basis @ np.diag(1 / self.scales) @ self.basis.T
        self.path_s = (1 - self.cs) * self.path_s + math.sqrt(
            self.cs * (2 - self.cs) * self.mueff
        ) * (inverse_root @ step)
        norm_s = float(np.linalg.norm(self.path_s))
        stalled = norm_s / math.sqrt(1 - (1 - self.cs) ** (2 * self.generation)) / self.chi_n
        h_sigma = float(stalled < 1.4 + 2 / (self.dim + 1))
        self.path_c = (1 - self.cc) * self.path_c + h_sigma * math.sqrt(
            self.cc * (2 - self.cc) * self.mueff
        ) * step
        moves = (best - old) / self.sigma
        self.covariance = (
            (1 - self.c1 - self.cmu) * self.covariance
            + self.c1
            * (
                np.outer(self.path_c, self.path_c)
                + (1 - h_sigma) * self.cc * (2 - self.cc) * self.covariance
            )
            + self.cmu * (moves.T * self.weights) @ moves
        )
        self.sigma *= math.exp((self.cs / self.damps) * (norm_s / self.chi_n - 1))
        self.covariance = (self.covariance + self.covariance.T) / 2
        eigenvalues, self.basis = np.linalg.eigh(self.covariance)
        self.scales = np.sqrt(np.maximum(eigenvalues, 1e-20))
