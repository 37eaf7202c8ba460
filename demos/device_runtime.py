"""The backend's side of `demos.device`: what it can see, and what a plan makes of it.

`visible_devices` asks the chosen backend which devices it has (without initialising it);
`apply_plan` sets Keras' global dtype policy and, on TensorFlow, the visible GPUs, memory growth
and op determinism; `distribution_scope` is the framework's own data parallelism
(`tf.distribute.MirroredStrategy` on TensorFlow, `keras.distribution.DataParallel` on JAX);
`replica_share` divides a hand-written loss among replicas; `peak_memory_bytes` reads the GPU's
high-water mark.

Importing this module must not import keras, tensorflow, jax, torch or numpy: every function
imports its backend itself, after the entry point has chosen it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from demos.device import (
    LOGICAL_CPUS_ENV,
    Device,
    DevicePlan,
    parse_compute_capability,
    short_name,
)


def visible_devices(backend: str, env: Mapping[str, str] | None = None) -> list[Device]:
    """Ask the (already selected) backend which devices it can see, without initialising it."""
    if backend == "tensorflow":
        import tensorflow as tf

        env = os.environ if env is None else env
        if env.get(LOGICAL_CPUS_ENV):
            return _logical_cpus(int(env[LOGICAL_CPUS_ENV]))
        found = []
        for physical in tf.config.list_physical_devices():
            cc = None
            if physical.device_type == "GPU":
                details = tf.config.experimental.get_device_details(physical)
                cc = parse_compute_capability(details.get("compute_capability"))
            found.append(Device(short_name(physical.name), physical.device_type.upper(), cc))
        return found
    if backend == "jax":
        import jax

        return [
            Device(
                f"{d.platform.upper()}:{d.id}",
                d.platform.upper(),
                parse_compute_capability(getattr(d, "compute_capability", None)),
            )
            for d in jax.devices()
        ]
    if backend == "torch":
        import torch

        found = [Device("CPU:0", "CPU")]
        if torch.cuda.is_available():
            for index in range(torch.cuda.device_count()):
                cc = tuple(torch.cuda.get_device_capability(index))
                found.append(Device(f"GPU:{index}", "GPU", (int(cc[0]), int(cc[1]))))
        elif getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            found.append(Device("GPU:0", "GPU", None))
        return found
    raise ValueError(f"unknown backend {backend!r}")


def _logical_cpus(count: int) -> list[Device]:
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    with contextlib.suppress(RuntimeError):  # already split by an earlier run in this process
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(count)]
        )
    return [Device(short_name(d.name), "CPU") for d in tf.config.list_logical_devices("CPU")]


def apply_plan(plan: DevicePlan) -> None:
    """Make the plan's precision Keras' global dtype policy (before any model is built), and on
    TensorFlow show it only the plan's GPUs, with memory growth; turn on op determinism."""
    import keras

    keras.mixed_precision.set_global_policy(plan.precision)
    if plan.backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        names = {d.name for d in plan.devices}
        chosen = [g for g in gpus if short_name(g.name) in names]
        try:
            if gpus:
                tf.config.set_visible_devices(chosen, "GPU")
            for gpu in chosen:
                tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError as error:  # a later run in the same process (tests, benchmarks)
            print(f"devices already configured: {error}", file=sys.stderr)
        if plan.deterministic:
            tf.config.experimental.enable_op_determinism()
    elif plan.backend == "torch" and plan.deterministic:
        import torch

        torch.use_deterministic_algorithms(True)


@contextlib.contextmanager
def distribution_scope(plan: DevicePlan) -> Iterator[None]:
    """Build and train inside this: data parallelism over the plan's devices when it has several
    (MirroredStrategy on TensorFlow, DataParallel on JAX), nothing for one device."""
    if plan.replicas == 1:
        yield
        return
    kind = plan.accelerator
    if plan.backend == "tensorflow":
        import tensorflow as tf

        # Logical names: after set_visible_devices the chosen GPUs are numbered from 0.
        names = [d.name for d in tf.config.list_logical_devices(kind)][: plan.replicas]
        with tf.distribute.MirroredStrategy(devices=names).scope():
            yield
        return
    import keras

    names = keras.distribution.list_devices(kind.lower())[: plan.replicas]
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=names))
    try:
        yield
    finally:
        keras.distribution.set_distribution(None)


def replica_share(loss: Any) -> Any:
    """`loss` over the number of replicas training in sync, for a `compute_loss` override.

    Under tf.distribute every replica's gradients are summed, so each replica's loss must be
    its share of the mean (Keras' own losses divide the same way, and its loss tracker
    multiplies back for the logs). Elsewhere, and on one replica, `loss` unchanged.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return loss
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    return loss if replicas == 1 else loss * (1.0 / replicas)


def peak_memory_bytes(plan: DevicePlan) -> int | None:
    """The most memory any of the plan's GPUs held at once, in bytes; None off GPUs."""
    if plan.accelerator != "GPU":
        return None
    try:
        if plan.backend == "tensorflow":
            import tensorflow as tf

            return max(
                int(tf.config.experimental.get_memory_info(d.name)["peak"])
                for d in tf.config.list_logical_devices("GPU")
            )
        if plan.backend == "jax":
            import jax

            stats = [d.memory_stats() or {} for d in jax.local_devices()]
            return max(int(s.get("peak_bytes_in_use", 0)) for s in stats)
        import torch

        return max(torch.cuda.max_memory_allocated(i) for i in range(torch.cuda.device_count()))
    except (RuntimeError, ValueError, KeyError) as error:
        print(f"peak GPU memory unavailable: {error}", file=sys.stderr)
        return None
