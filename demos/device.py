"""Which devices a demo trains on, in which precision, and whether it is compiled.

Two parts, kept apart so the decision can be tested without hardware:

* `plan_devices` is a pure function of the backend name, a list of visible devices (injected)
  and the user's `--precision`, `--jit`, `--devices` and `--deterministic` choices. On a GPU it
  picks `mixed_bfloat16` when the compute capability is 8.0 or more (Ampere and later have fast
  bf16, and bf16 needs no loss scaling) and `mixed_float16` otherwise (Volta/Turing tensor
  cores; Keras then wraps the optimizer in a `LossScaleOptimizer`). On a TPU it picks
  `mixed_bfloat16`; on a CPU, `float32`. `--jit auto` compiles (XLA) on GPUs and TPUs only, and
  not on PyTorch or several TensorFlow replicas, where Keras' own "auto" does not either.
  `--devices N|all` takes the first N (or every) GPU for data-parallel training; `cuda_devices`
  and `backend_environment` say which environment variables make only those GPUs visible and
  turn on memory growth, before the backend is imported.
* `demos.device_runtime` is the backend's side: what it can see, and what a plan makes of it
  (the dtype policy, the visible GPUs with memory growth, determinism, the data-parallel scope).

Several replicas train on one global batch of `--batch-size` × replicas examples, and the
learning rate grows by sqrt(replicas): the square-root rule that keeps Adam's update noise
comparable when the batch grows (Hoffer et al. 2017; Malladi et al. 2022), the same rule the
CNN demo uses to scale the book's learning rate from batch 32 to 256.

Importing this module must not import keras, tensorflow, jax, torch or numpy.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

BACKENDS = ("tensorflow", "jax", "torch")
PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
JIT_MODES = ("auto", "on", "off")

#: Compute capability from which NVIDIA GPUs run bfloat16 matmuls at full speed (Ampere, A100).
BF16_MIN_COMPUTE_CAPABILITY = (8, 0)

#: Tests only: split the CPU into this many logical TensorFlow devices, so that the
#: data-parallel path runs (and is tested) on a machine without GPUs.
LOGICAL_CPUS_ENV = "STUDYAPP_TEST_LOGICAL_CPUS"

#: Backends whose Keras has a data-parallel training path.
DATA_PARALLEL_BACKENDS = ("tensorflow", "jax")


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
            name=short_name(name),
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
    jit: bool = False
    """Whether training is compiled (XLA on TensorFlow and JAX, torch.compile on PyTorch)."""
    jit_reason: str = "CPU only"
    fallback: str | None = None
    """Why the run has less than was asked for (fewer devices, no compilation)."""
    deterministic: bool = False

    @property
    def accelerator(self) -> str:
        """ "GPU", "TPU" or "CPU": the kind of the devices in use."""
        return self.devices[0].kind if self.devices else "CPU"

    @property
    def jit_compile(self) -> bool:
        """What the demos pass to `compile(jit_compile=...)`: the same as `jit`."""
        return self.jit

    @property
    def replicas(self) -> int:
        return max(1, len(self.devices))

    @property
    def learning_rate_scale(self) -> float:
        """sqrt(replicas): the square-root rule for a batch that grew with the replicas."""
        return math.sqrt(self.replicas)

    def without_jit(self, reason: str) -> DevicePlan:
        """The same plan, not compiled, with `reason` added to the fallback."""
        return replace(self, jit=False, jit_reason=reason, fallback=_join(self.fallback, reason))

    def on_one_device(self, reason: str) -> DevicePlan:
        """The same plan on its first device only, with `reason` added to the fallback."""
        if self.replicas == 1:
            return self
        return replace(self, devices=self.devices[:1], fallback=_join(self.fallback, reason))

    def as_event(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "devices": [d.name for d in self.devices],
            "replicas": self.replicas,
            "jit": self.jit,
            "jit_reason": self.jit_reason,
            "fallback": self.fallback,
            "accelerator": self.accelerator,
            "precision": self.precision,
            "precision_reason": self.precision_reason,
            "compute_capability": _format_cc(self.devices[0].compute_capability)
            if self.devices
            else None,
            "deterministic": self.deterministic,
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
    *,
    jit: str = "auto",
    devices: int | str = 1,
    deterministic: bool = False,
) -> DevicePlan:
    """Decide the devices, the precision policy and compilation. Pure: no backend is touched.

    `devices` is how many of the visible accelerators (GPUs first, else TPUs, else CPUs) to
    train on, or "all"; asking for more than there are, or for several on a backend without a
    data-parallel path, trains on fewer and says so in `fallback`.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if precision not in PRECISIONS:
        raise ValueError(
            f"unknown precision {precision!r}; expected one of {', '.join(PRECISIONS)}"
        )
    if jit not in JIT_MODES:
        raise ValueError(f"unknown jit mode {jit!r}; expected one of {', '.join(JIT_MODES)}")
    found = [d if isinstance(d, Device) else Device.from_mapping(d) for d in visible]
    for kind in ("GPU", "TPU", "CPU"):
        candidates = [d for d in found if d.kind == kind]
        if candidates:
            break
    else:
        candidates = [Device("CPU:0", "CPU")]
    wanted = len(candidates) if devices == "all" else int(devices)
    fallbacks = []
    if wanted > len(candidates):
        fallbacks.append(f"--devices {wanted}: only {len(candidates)} {kind} device(s) visible")
    chosen = tuple(candidates[:wanted])
    if len(chosen) > 1 and backend not in DATA_PARALLEL_BACKENDS:
        fallbacks.append(f"Keras has no data-parallel training on {backend}; one device")
        chosen = chosen[:1]

    auto, reason = _auto_precision(chosen)
    if precision != "auto":
        auto, reason = precision, "--precision"
    compiled, jit_reason = _jit_choice(backend, chosen, jit, deterministic)
    return DevicePlan(
        backend=backend,
        devices=chosen,
        precision=auto,
        precision_reason=reason,
        jit=compiled,
        jit_reason=jit_reason,
        fallback="; ".join(fallbacks) or None,
        deterministic=deterministic,
    )


def _auto_precision(chosen: Sequence[Device]) -> tuple[str, str]:
    kind = chosen[0].kind
    if kind == "TPU":
        return "mixed_bfloat16", "TPU"
    if kind != "GPU":
        return "float32", "CPU only"
    # With several GPUs the least capable one decides.
    capabilities = [d.compute_capability for d in chosen]
    if None in capabilities:
        # Without a capability we cannot know bf16 is fast; float16 with loss scaling runs
        # well on every GPU with tensor cores.
        return "mixed_float16", "GPU of unknown compute capability"
    cc = min(c for c in capabilities if c is not None)
    if cc >= BF16_MIN_COMPUTE_CAPABILITY:
        return "mixed_bfloat16", f"GPU compute capability {_format_cc(cc)} >= 8.0"
    return "mixed_float16", f"GPU compute capability {_format_cc(cc)} < 8.0"


def _jit_choice(
    backend: str, chosen: Sequence[Device], jit: str, deterministic: bool
) -> tuple[bool, str]:
    if deterministic and backend == "tensorflow":
        # Keras itself refuses XLA under TensorFlow's op determinism (not every XLA op has a
        # deterministic kernel), whatever compile() is told.
        return False, "--deterministic: TensorFlow's op determinism excludes XLA"
    if jit != "auto":
        return jit == "on", f"--jit {jit}"
    if chosen[0].kind == "CPU":
        # XLA's CPU convolutions are slower than oneDNN's (about 25% fewer images/s for the
        # CIFAR-10 CNN on 2 cores, bench/demo_throughput.py); Keras' own "auto" agrees.
        return False, "CPU only"
    if backend == "tensorflow" and len(chosen) > 1:
        return False, "Keras compiles no tf.distribute training by default; --jit on forces it"
    if backend == "torch":
        # As Keras' own "auto": eager PyTorch; torch.compile only when asked for.
        return False, "PyTorch trains eagerly by default; --jit on uses torch.compile"
    return True, chosen[0].kind


def cuda_devices(devices: int | str, current: str | None) -> str | None:
    """The CUDA_VISIBLE_DEVICES value that leaves only the first `devices` GPUs visible to the
    demo process (of those already visible in `current`), or None to leave it alone."""
    if devices == "all":
        return None
    count = int(devices)
    if current is not None and current.strip() != "":
        return ",".join([g.strip() for g in current.split(",") if g.strip()][:count])
    # CUDA stops at the first ordinal that does not exist, so a list longer than the machine's
    # GPUs simply means all of them.
    return ",".join(str(i) for i in range(count))


def backend_environment(
    backend: str, devices: int | str, deterministic: bool, env: Mapping[str, str]
) -> dict[str, str]:
    """Environment variables to set before `backend` is imported: the chosen GPUs only, memory
    on demand (TensorFlow and JAX otherwise reserve nearly all of every visible GPU, so two demos
    at once run out of memory), and deterministic GPU kernels for --deterministic."""
    updates: dict[str, str] = {}
    visible = cuda_devices(devices, env.get("CUDA_VISIBLE_DEVICES"))
    if visible is not None:
        updates["CUDA_VISIBLE_DEVICES"] = visible
    if backend == "tensorflow":
        updates["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
    elif backend == "jax":
        updates["XLA_PYTHON_CLIENT_PREALLOCATE"] = "false"
        if deterministic:
            flags = env.get("XLA_FLAGS", "")
            if "xla_gpu_deterministic_ops" not in flags:
                updates["XLA_FLAGS"] = f"{flags} --xla_gpu_deterministic_ops=true".strip()
    elif backend == "torch" and deterministic:
        # cuBLAS needs a fixed workspace for torch.use_deterministic_algorithms.
        updates["CUBLAS_WORKSPACE_CONFIG"] = env.get("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return updates


def _join(first: str | None, second: str) -> str:
    return second if not first else f"{first}; {second}"


def short_name(name: str) -> str:
    # TensorFlow says "/physical_device:GPU:0"; the UI wants "GPU:0".
    return name.rsplit("device:", 1)[-1].lstrip("/")


def _format_cc(cc: tuple[int, int] | None) -> str | None:
    return None if cc is None else f"{cc[0]}.{cc[1]}"
