"""C, the controller of the chapter 12 world-models demo, and how it learns in the dream.

C is the book's single linear layer on [z_t, h_t], V's latent and M's hidden state: with
CartPole's two actions, push right when w·[z, h] + b > 0, else left. It has z_dim + HIDDEN + 1
numbers and no gradient to follow (the reward comes from whole episodes), so the book trains it
with CMA-ES, the covariance matrix adaptation evolution strategy: each generation samples a
population of weight vectors from a Gaussian, scores each by its return, and moves the mean
towards the best, adapts the covariance to the directions that paid, and grows or shrinks the
step size by how far the mean has been travelling. The strategy is Nikolaus Hansen's own
`cma` library (pycma), which the World Models code used too; `ControllerSearch` turns its
minimisation into the maximisation of a return.

The score is the return *in the dream* (`dream_returns`): every candidate drives M from the
same real starting latents (the first frames of real episodes), M samples each next latent at
temperature τ and the end of the episode with the probability it gives; the return is the
number of steps before that (at most `DREAM_STEPS`). No real step is taken while C learns.

Imports numpy and cma only.
"""

from __future__ import annotations

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


class ControllerSearch:
    """Maximises a function of `dim` numbers with CMA-ES: `ask` a population, `tell` scores."""

    def __init__(
        self, dim: int, *, sigma: float = INITIAL_SIGMA, population: int | None = None, seed: int
    ) -> None:
        import cma

        options: dict[str, object] = {"seed": seed + 1, "verbose": -9}  # pycma: seed 0 = clock
        if population is not None:
            options["popsize"] = population
        self.strategy = cma.CMAEvolutionStrategy(np.zeros(dim), sigma, options)

    @property
    def mean(self) -> np.ndarray:
        return np.asarray(self.strategy.mean)

    @property
    def sigma(self) -> float:
        return float(self.strategy.sigma)

    def ask(self) -> np.ndarray:
        """A population of candidates, one per row: mean + σ · N(0, C)."""
        return np.asarray(self.strategy.ask())

    def tell(self, candidates: np.ndarray, scores: np.ndarray) -> None:
        """Move the search distribution towards the best-scoring candidates (higher is better)."""
        self.strategy.tell(list(candidates), list(-np.asarray(scores, dtype=float)))
