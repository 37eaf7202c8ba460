"""M, the memory of the chapter 12 world-models demo: an MDN-RNN over V's latent codes.

At each step M reads the current latent z_t and the action a_t (one-hot) and predicts, through
an LSTM, the next latent z_{t+1} as a mixture of Gaussians per dimension (the book's MDN-RNN:
weights π, means μ and standard deviations σ of `MIXTURES` components) and, as in the paper's
VizDoom experiment, whether the episode ends (a logit for "done"). Unlike the book's M, the
mixture is over the *change* z_{t+1} − z_t: from one CartPole frame to the next the latent moves
a little, and a network that must first learn to copy z before it can learn how it moves does
worse than "nothing moves" for a long time; predicting the change makes that baseline the
starting point. Its hidden state h is the
agent's memory: a single frame shows where the pole is, h also knows how fast it is falling.

Training is teacher-forced on sequences of the random rollouts (`sequences` cuts episodes into
windows); the loss is the mixture's negative log-likelihood of the real next latent plus the
binary cross-entropy of "done", weighted by `DONE_WEIGHT` (the end is rare, and the dream's
returns are only as good as M's sense of it). Dreaming runs the same network step by step in numpy
(`MemoryStep`, built from the trained weights), which is faster than calling Keras once per
step for a whole population of controllers, and samples z_{t+1} with the temperature τ of the
paper (π sharpened or flattened by τ, σ scaled by √τ).

The book's M has 256 LSTM units and 5 mixtures over a 32-d z; here 32 units and 3 mixtures
over chapter 3's 2-d z. Imports numpy; keras only inside the functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from demos.world_models_env import ACTIONS, Rollouts

HIDDEN = 32
MIXTURES = 3
SEQUENCE_LENGTH = 32
LEARNING_RATE = 3e-3
#: How much the end-of-episode term counts beside the mixture's: an episode ends once in about
#: 22 random steps, so at weight 1 its gradient is drowned by the latent's and M learns little
#: more than the base rate (its dreams then end by chance, and a controller scored in them
#: learns nothing; 2026-12-05). Scaling a cross-entropy leaves its minimum, the calibrated
#: probability, where it was: it only makes M learn it (AUC 0.82 at 1, 0.94-0.99 at 30).
DONE_WEIGHT = 30.0


def output_size(z_dim: int) -> int:
    """π, μ and log σ for each of `MIXTURES` components of each z dimension, and one logit."""
    return 3 * MIXTURES * z_dim + 1


def split_outputs(outputs: Any, z_dim: int, ops: Any = np) -> tuple[Any, Any, Any, Any]:
    """(π logits, μ, log σ: each ...×z_dim×MIXTURES; the done logit: ...×1) of M's outputs."""
    block = MIXTURES * z_dim
    shape = (*tuple(ops.shape(outputs)[:-1]), z_dim, MIXTURES)

    def part(index: int) -> Any:
        return ops.reshape(outputs[..., index * block : (index + 1) * block], shape)

    return part(0), part(1), part(2), outputs[..., 3 * block :]


def mixture_nll(z_next: Any, outputs: Any, z_dim: int) -> Any:
    """−log p(z_next) under M's mixture, summed over the dimensions (keras.ops, ...×D → ...);
    `z_next` is whatever the mixture is over (the change of z, for M)."""
    from keras import ops

    logits, mean, log_sigma, _ = split_outputs(outputs, z_dim, ops)
    log_sigma = ops.clip(log_sigma, -7.0, 5.0)
    z = ops.expand_dims(z_next, -1)
    log_normal = -0.5 * ops.square((z - mean) / ops.exp(log_sigma)) - log_sigma
    log_normal = log_normal - 0.5 * math.log(2.0 * math.pi)
    log_pi = logits - ops.logsumexp(logits, axis=-1, keepdims=True)
    return -ops.sum(ops.logsumexp(log_pi + log_normal, axis=-1), axis=-1)


def build_memory(z_dim: int) -> Any:
    """The MDN-RNN, compiled: inputs N×T×(z_dim + ACTIONS); targets N×T×(z_dim + 2), the change
    to the next latent, the done flag and whether the next latent exists (not after the last
    frame)."""
    import keras
    from keras import layers, ops

    inputs = keras.Input(shape=(None, z_dim + ACTIONS), name="z_and_action")
    hidden = layers.LSTM(HIDDEN, return_sequences=True, name="lstm")(inputs)
    outputs = layers.Dense(output_size(z_dim), name="mdn", dtype="float32")(hidden)
    model = keras.Model(inputs, outputs, name="memory")

    def z_nll(targets: Any, predicted: Any) -> Any:
        return targets[..., z_dim + 1] * mixture_nll(targets[..., :z_dim], predicted, z_dim)

    def done_bce(targets: Any, predicted: Any) -> Any:
        logit = predicted[..., -1]
        done = targets[..., z_dim]
        return ops.softplus(logit) - done * logit  # binary cross-entropy on the logit

    def loss(targets: Any, predicted: Any) -> Any:
        return z_nll(targets, predicted) + DONE_WEIGHT * done_bce(targets, predicted)

    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE, clipnorm=1.0),
        loss=loss,
        weighted_metrics=[z_nll, done_bce],
    )
    return model


@dataclass(frozen=True)
class Sequences:
    """Teacher-forcing windows of the rollouts, padded to `SEQUENCE_LENGTH`."""

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray
    """1 for a real step, 0 for padding: the loss's sample weights."""


def sequences(
    latents: np.ndarray, rollouts: Rollouts, *, length: int = SEQUENCE_LENGTH
) -> Sequences:
    """Windows of (z_t, a_t) → (z_{t+1} − z_t, done_t) from each episode of `rollouts`, whose
    frames V encoded as `latents` (one row per step)."""
    z_dim = latents.shape[1]
    actions = np.eye(ACTIONS, dtype="float32")[rollouts.actions]
    windows = []
    for episode in range(len(rollouts.starts)):
        steps = rollouts.episode(episode)
        z, a, done = latents[steps], actions[steps], rollouts.done[steps]
        change = np.concatenate([z[1:] - z[:-1], np.zeros((1, z_dim), "float32")])
        has_next = np.ones(len(z), "float32")
        has_next[-1] = 0.0  # the frame after the episode's last action was never recorded
        rows_in = np.concatenate([z, a], axis=1)
        rows_out = np.concatenate([change, done[:, None], has_next[:, None]], axis=1)
        for start in range(0, len(z), length):
            windows.append((rows_in[start : start + length], rows_out[start : start + length]))
    count = len(windows)
    inputs = np.zeros((count, length, z_dim + ACTIONS), "float32")
    targets = np.zeros((count, length, z_dim + 2), "float32")
    mask = np.zeros((count, length), "float32")
    for index, (rows_in, rows_out) in enumerate(windows):
        inputs[index, : len(rows_in)] = rows_in
        targets[index, : len(rows_out)] = rows_out
        mask[index, : len(rows_in)] = 1.0
    return Sequences(inputs, targets, mask)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class MemoryStep:
    """M in numpy, one step at a time for a batch: the trained LSTM cell and MDN head."""

    def __init__(self, model: Any, z_dim: int) -> None:
        lstm, head = model.get_layer("lstm"), model.get_layer("mdn")
        self.kernel, self.recurrent, self.bias = (np.asarray(w) for w in lstm.get_weights())
        self.head_kernel, self.head_bias = (np.asarray(w) for w in head.get_weights())
        self.z_dim = z_dim

    def initial_state(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        zeros = np.zeros((batch_size, HIDDEN), "float32")
        return zeros, zeros.copy()

    def __call__(
        self, z: np.ndarray, actions: np.ndarray, state: tuple[np.ndarray, np.ndarray]
    ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """(M's outputs for the next step, the new (h, c)) after reading z and the actions."""
        h, c = state
        x = np.concatenate([z, np.eye(ACTIONS, dtype="float32")[actions]], axis=1)
        gates = x @ self.kernel + h @ self.recurrent + self.bias
        i, f, g, o = np.split(gates, 4, axis=1)  # Keras' gate order
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return h @ self.head_kernel + self.head_bias, (h, c)


def sample_next(
    z: np.ndarray, outputs: np.ndarray, *, temperature: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(z_{t+1}: z plus a change sampled from M's mixture at `temperature`, the probability
    that the episode ended), for a batch of latents and M's outputs after reading them."""
    z_dim = z.shape[1]
    logits, mean, log_sigma, done_logit = split_outputs(outputs, z_dim)
    logits = logits / temperature
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    cumulative = weights.cumsum(axis=-1)
    draws = rng.random((*weights.shape[:-1], 1))
    component = np.minimum((draws > cumulative).sum(axis=-1), MIXTURES - 1)[..., None]
    mu = np.take_along_axis(mean, component, axis=-1)[..., 0]
    sigma = np.exp(np.clip(np.take_along_axis(log_sigma, component, axis=-1)[..., 0], -7, 5))
    change = mu + sigma * math.sqrt(temperature) * rng.standard_normal(mu.shape)
    return (z + change).astype("float32"), _sigmoid(done_logit[..., 0])


def expected_change(outputs: np.ndarray, z_dim: int) -> np.ndarray:
    """The mixture's mean of z_{t+1} − z_t: M's point prediction."""
    logits, mean, _, _ = split_outputs(outputs, z_dim)
    weights = np.exp(logits - logits.max(axis=-1, keepdims=True))
    weights /= weights.sum(axis=-1, keepdims=True)
    return (weights * mean).sum(axis=-1)
