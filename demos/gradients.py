"""Gradients for the hand-written train steps, one small function per backend.

Most demos let Keras' own train step differentiate a `compute_loss` written in `keras.ops`, which
works on every backend. Two cannot: the WGAN-GP critic penalises the gradient of its output with
respect to its *input* (a gradient inside the loss, differentiated again for the weights), and the
energy-based model runs Langevin dynamics on the input before each weight update. Their train
steps are written once in `keras.ops` and call `value_and_gradients`, which hides the backend's
autodiff API behind one signature:

    loss, aux, grads = value_and_gradients(fn, sources)

`fn(values)` returns `(loss, aux)`. Each source is either a Keras `Variable`, which `fn` reads
through the layers as usual (its entry in `values` can be ignored), or a tensor, which `fn` must
read from `values` (that is what lets JAX trace it). Gradients come back in the order of
`sources`. The result stays differentiable, so a call nested inside another (the gradient
penalty inside the critic loss) gives second-order gradients. Around it, `minimise` takes one
optimizer step down such a loss and `record_metrics` turns a step's values into its logs.

Only the TensorFlow version runs in this project's tests. The PyTorch version follows
`torch.autograd.grad`, and the JAX version maps Keras variables onto traced values with
`keras.StatelessScope`. Keras' JAX trainer, however, calls `train_step(state, data)` with the
model state passed in and out explicitly, so the WGAN-GP and EBM train steps refuse the JAX
backend for now (as the chapter 4 DCGAN does); the JAX function is the piece such a stateless
step would use.

Imports keras, so only a demo's own process (after the backend is chosen) imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import keras

LossFn = Callable[[list[Any]], tuple[Any, Any]]

#: Backends whose Keras trainer calls `train_step(data)` on stateful variables, which is what the
#: hand-written steps of this package assume.
STATEFUL_TRAIN_STEP_BACKENDS = ("tensorflow", "torch")


def _is_variable(source: Any) -> bool:
    return isinstance(source, keras.Variable)


def _tensorflow(fn: LossFn, sources: Sequence[Any]) -> tuple[Any, Any, list[Any]]:
    import tensorflow as tf

    with tf.GradientTape() as tape:
        for source in sources:
            if not _is_variable(source):
                tape.watch(source)
        loss, aux = fn(list(sources))
    return loss, aux, list(tape.gradient(loss, list(sources)))


def _torch(fn: LossFn, sources: Sequence[Any]) -> tuple[Any, Any, list[Any]]:
    import torch

    values = []
    for source in sources:
        if _is_variable(source):
            values.append(source.value)
        elif source.requires_grad:
            values.append(source)
        else:
            values.append(source.detach().requires_grad_(True))
    loss, aux = fn([s if _is_variable(s) else v for s, v in zip(sources, values, strict=True)])
    # A gradient with respect to an input is used inside a loss (the penalty) and must itself be
    # differentiable; gradients for the weights only feed the optimizer.
    needs_graph = not all(_is_variable(s) for s in sources)
    grads = torch.autograd.grad(
        loss, values, create_graph=needs_graph, retain_graph=True, allow_unused=True
    )
    return (
        loss,
        aux,
        [torch.zeros_like(v) if g is None else g for g, v in zip(grads, values, strict=True)],
    )


def _jax(fn: LossFn, sources: Sequence[Any]) -> tuple[Any, Any, list[Any]]:
    import jax

    def pure(values: list[Any]) -> tuple[Any, Any]:
        mapping = [(s, v) for s, v in zip(sources, values, strict=True) if _is_variable(s)]
        if not mapping:
            # Gradients with respect to inputs only (the penalty, Langevin): an empty scope
            # would hide the traced variable values of an enclosing one.
            return fn(values)
        with keras.StatelessScope(state_mapping=mapping):
            return fn(values)

    initial = [s.value if _is_variable(s) else s for s in sources]
    (loss, aux), grads = jax.value_and_grad(pure, has_aux=True)(initial)
    return loss, aux, list(grads)


_BY_BACKEND = {"tensorflow": _tensorflow, "torch": _torch, "jax": _jax}


def value_and_gradients(fn: LossFn, sources: Sequence[Any]) -> tuple[Any, Any, list[Any]]:
    """`(loss, aux, d loss / d sources)` with the active backend's autodiff (see module doc)."""
    return _BY_BACKEND[keras.backend.backend()](fn, sources)


def gradient_penalty(score: Callable[[Any], Any], real: Any, fake: Any, seed_generator: Any) -> Any:
    """WGAN-GP's penalty, mean((‖∂ score / ∂ x̂‖ − 1)²), on images x̂ drawn uniformly between
    each real and generated image; `score` maps images to the critic's scores (a conditional
    critic closes over its labels). Differentiable, for the critic's weight update."""
    from keras import ops

    alpha = keras.random.uniform((ops.shape(real)[0], 1, 1, 1), seed=seed_generator)
    interpolated = real + alpha * (fake - real)
    _, _, (grads,) = value_and_gradients(
        lambda values: (ops.sum(score(values[0])), None), [interpolated]
    )
    norm = ops.sqrt(ops.sum(ops.square(grads), axis=(1, 2, 3)) + 1e-12)
    return ops.mean(ops.square(norm - 1.0))


def apply_gradients(optimizer: Any, grads: Sequence[Any], variables: Sequence[Any]) -> None:
    """`optimizer.apply`, outside PyTorch's autograd graph where that matters."""
    if keras.backend.backend() == "torch":
        import torch

        with torch.no_grad():
            optimizer.apply(list(grads), list(variables))
    else:
        optimizer.apply(list(grads), list(variables))


def minimise(optimizer: Any, fn: LossFn, variables: Sequence[Any]) -> tuple[Any, Any]:
    """One optimizer step on `variables` down the gradient of `fn`'s loss; returns `(loss, aux)`.

    `fn` is as for `value_and_gradients`, with the variables as its sources.
    """
    loss, aux, grads = value_and_gradients(fn, variables)
    apply_gradients(optimizer, grads, variables)
    return loss, aux


def record_metrics(metrics: Sequence[Any], values: Sequence[Any]) -> dict[str, Any]:
    """Update each metric with its value (in order) and return the logs of a train step."""
    for metric, value in zip(metrics, values, strict=True):
        metric.update_state(value)
    return {metric.name: metric.result() for metric in metrics}


def require_stateful_train_step(demo: str) -> None:
    """Refuse a backend whose trainer the hand-written step does not speak, with a clear message."""
    backend = keras.backend.backend()
    if backend not in STATEFUL_TRAIN_STEP_BACKENDS:
        raise NotImplementedError(
            f"the {demo} train step is written for the "
            f"{' and '.join(STATEFUL_TRAIN_STEP_BACKENDS)} backends, not {backend} (whose trainer "
            "needs a stateless train_step(state, data)); pass --backend tensorflow"
        )
