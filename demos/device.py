"""Which devices a demo trains on, and in which precision.

Two parts, kept apart so the decision can be tested without hardware:

* `plan_devices` is a pure function of the backend name, a list of visible devices (injected)
  and the user's `--precision` choice. On a GPU it picks `mixed_bfloat16` when the compute
  capability is 8.0 or more (Ampere and later have fast bf16, and bf16 needs no loss scaling)
  and `mixed_float16` otherwise (Volta/Turing tensor cores; Keras then wraps the optimizer in a
  `LossScaleOptimizer`). On a TPU it picks `mixed_bfloat16`; on a CPU, `float32`.
* `visible_devices` asks the chosen backend what it can see; `apply_plan` sets Keras' global
  dtype policy. These import the backend lazily.

Importing this module must not import keras, tensorflow, jax, torch or numpy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

BACKENDS = ("tensorflow", "jax", "torch")
PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")

#: Compute capability from which NVIDIA GPUs run bfloat16 matmuls at full speed (Ampere, A100).
BF16_MIN_COMPUTE_CAPABILITY = (8, 0)


@dataclass(frozen=True)
class Device:
    """One device a backend can see."""

    name: str
    """Short name such as "CPU:0" or "GPU:1"."""
    kind: str
    """"CPU", "GPU" or "TPU"."""
    compute_capability: tuple[int, int] | None = None
    """(major, minor) for NVIDIA GPUs; None where the backend does not say."""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Device:
        """Build a Device from a dict such as
        {"name": "/physical_device:GPU:0", "type": "GPU", "compute_capability": "8.6"}."""
        kind = str(raw.get("kind") or raw.get("type") or raw.get("device_type") or "CPU")
        name = str(raw.get("name") or f"{kind.upper()}:0")
        return cls(
            name=_short_name(name),
            kind=kind.upper(),
            compute_capability=parse_compute_capability(raw.get("compute_capability")),
        )


@dataclass(frozen=True)
class DevicePlan:
    """What a demo will run on; `as_event` is the payload of the `device` event."""

    backend: str
    devices: tuple[Device, ...]
    precision: str
    precision_reason: str

    @property
    def accelerator(self) -> str:
        """ "GPU", "TPU" or "CPU": the kind of the devices in use."""
        return self.devices[0].kind if self.devices else "CPU"

    @property
    def jit_compile(self) -> bool:
        """Whether optimised loops should ask for XLA / torch.compile.

        Only on accelerators: on CPU-only machines Keras' own `jit_compile="auto"` turns XLA off
        because XLA's CPU convolutions are slower than oneDNN's (measured here: about 25% fewer
        images/s for the CIFAR-10 CNN on 2 cores).
        """
        return self.accelerator in ("GPU", "TPU")

    def as_event(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "devices": [d.name for d in self.devices],
            "replicas": len(self.devices),
            "jit": self.jit_compile,
            "accelerator": self.accelerator,
            "precision": self.precision,
            "precision_reason": self.precision_reason,
            "compute_capability": _format_cc(self.devices[0].compute_capability)
            if self.devices
            else None,
        }


def parse_compute_capability(value: Any) -> tuple[int, int] | None:
    """Accept (8, 6), [8, 6], "8.6", "sm_86" or 8.6; return (major, minor) or None."""
    if value is None or value == "":
        return None
    if isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        return int(value[0]), int(value[1])
    text = str(value).strip().lower()
    if match := re.fullmatch(r"(?:sm_)?(\d)(\d)", text):
        return int(match[1]), int(match[2])
    if match := re.fullmatch(r"(\d+)\.(\d+)", text):
        return int(match[1]), int(match[2])
    raise ValueError(f"cannot read compute capability {value!r}")


def plan_devices(
    backend: str,
    visible: Iterable[Device | Mapping[str, Any]],
    precision: str = "auto",
) -> DevicePlan:
    """Decide the devices and the precision policy. Pure: no backend is touched.

    A demo is a single-device program: with several GPUs it uses the first one (the design's
    path to more devices is `keras.distribution`, which these small models do not need).
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if precision not in PRECISIONS:
        raise ValueError(
            f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}"
        )
    devices = [d if isinstance(d, Device) else Device.from_mapping(d) for d in visible]
    gpus = [d for d in devices if d.kind == "GPU"]
    tpus = [d for d in devices if d.kind == "TPU"]
    cpus = [d for d in devices if d.kind == "CPU"] or [Device("CPU:0", "CPU")]

    if gpus:
        chosen: tuple[Device, ...] = (gpus[0],)
        cc = gpus[0].compute_capability
        if cc is not None and cc >= BF16_MIN_COMPUTE_CAPABILITY:
            auto, reason = "mixed_bfloat16", f"GPU compute capability {_format_cc(cc)} >= 8.0"
        elif cc is not None:
            auto, reason = "mixed_float16", f"GPU compute capability {_format_cc(cc)} < 8.0"
        else:
            # Without a capability we cannot know bf16 is fast; float16 with loss scaling runs
            # well on every GPU with tensor cores.
            auto, reason = "mixed_float16", "GPU of unknown compute capability"
    elif tpus:
        chosen, auto, reason = tuple(tpus), "mixed_bfloat16", "TPU"
    else:
        chosen, auto, reason = (cpus[0],), "float32", "CPU only"

    if precision != "auto":
        auto, reason = precision, "--precision"
    return DevicePlan(backend=backend, devices=chosen, precision=auto, precision_reason=reason)


def visible_devices(backend: str) -> list[Device]:
    """Ask the (already selected) backend which devices it can see."""
    if backend == "tensorflow":
        import tensorflow as tf

        found = []
        for physical in tf.config.list_physical_devices():
            cc = None
            if physical.device_type == "GPU":
                details = tf.config.experimental.get_device_details(physical)
                cc = parse_compute_capability(details.get("compute_capability"))
            found.append(Device(_short_name(physical.name), physical.device_type.upper(), cc))
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


def apply_plan(plan: DevicePlan) -> None:
    """Make the plan's precision Keras' global dtype policy (before any model is built)."""
    import keras

    keras.mixed_precision.set_global_policy(plan.precision)


def _short_name(name: str) -> str:
    # TensorFlow says "/physical_device:GPU:0"; the UI wants "GPU:0".
    return name.rsplit("device:", 1)[-1].lstrip("/")


def _format_cc(cc: tuple[int, int] | None) -> str | None:
    return None if cc is None else f"{cc[0]}.{cc[1]}"
