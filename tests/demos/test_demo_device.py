"""The device and precision decision, driven by injected device lists (no hardware needed)."""

from __future__ import annotations

import pytest

from demos.device import (
    Device,
    backend_environment,
    cuda_devices,
    parse_compute_capability,
    plan_devices,
)

CPU = {"name": "/physical_device:CPU:0", "type": "CPU"}


def gpu(index: int, cc: object) -> dict[str, object]:
    return {"name": f"/physical_device:GPU:{index}", "type": "GPU", "compute_capability": cc}


def test_cpu_only_trains_in_float32_and_says_cpu() -> None:
    plan = plan_devices("tensorflow", [CPU])

    assert plan.precision == "float32"
    assert plan.accelerator == "CPU"
    assert [d.name for d in plan.devices] == ["CPU:0"]
    assert not plan.jit_compile
    event = plan.as_event()
    assert event["devices"] == ["CPU:0"] and event["accelerator"] == "CPU"
    assert event["precision"] == "float32" and event["backend"] == "tensorflow"
    assert event["replicas"] == 1 and event["jit"] is False


@pytest.mark.parametrize(
    ("cc", "precision"),
    [
        ((8, 0), "mixed_bfloat16"),  # A100
        ((9, 0), "mixed_bfloat16"),  # H100
        ("8.6", "mixed_bfloat16"),  # RTX 30xx, as JAX reports it
        ((7, 5), "mixed_float16"),  # T4
        ((7, 0), "mixed_float16"),  # V100
        (None, "mixed_float16"),  # unknown: float16 with loss scaling works everywhere
    ],
)
def test_gpu_precision_follows_compute_capability(cc: object, precision: str) -> None:
    plan = plan_devices("tensorflow", [CPU, gpu(0, cc)])

    assert plan.precision == precision
    assert plan.accelerator == "GPU" and plan.jit_compile
    assert [d.name for d in plan.devices] == ["GPU:0"]


def test_first_gpu_decides_with_several() -> None:
    plan = plan_devices("jax", [gpu(0, (7, 5)), gpu(1, (8, 0)), CPU])

    assert [d.name for d in plan.devices] == ["GPU:0"]
    assert plan.precision == "mixed_float16"


def test_tpu_uses_bfloat16() -> None:
    tpus = [Device("TPU:0", "TPU"), Device("TPU:1", "TPU")]
    plan = plan_devices("jax", tpus)

    assert plan.precision == "mixed_bfloat16" and plan.accelerator == "TPU"
    assert len(plan.devices) == 1 and plan.jit
    assert plan_devices("jax", tpus, devices="all").replicas == 2


@pytest.mark.parametrize("precision", ["float32", "mixed_float16", "mixed_bfloat16"])
def test_precision_option_overrides(precision: str) -> None:
    assert plan_devices("torch", [CPU], precision).precision == precision
    on_gpu = plan_devices("torch", [gpu(0, (8, 0))], precision)
    assert on_gpu.precision == precision and on_gpu.precision_reason == "--precision"


def test_no_devices_at_all_means_cpu() -> None:
    plan = plan_devices("tensorflow", [])

    assert plan.precision == "float32" and plan.devices == (Device("CPU:0", "CPU"),)


def test_unknown_backend_or_precision_is_rejected() -> None:
    with pytest.raises(ValueError, match="backend"):
        plan_devices("theano", [CPU])
    with pytest.raises(ValueError, match="precision"):
        plan_devices("tensorflow", [CPU], "float8")


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [((8, 6), (8, 6)), ([7, 5], (7, 5)), ("9.0", (9, 0)), ("sm_80", (8, 0)), (None, None)],
)
def test_compute_capability_spellings(raw: object, parsed: tuple[int, int] | None) -> None:
    assert parse_compute_capability(raw) == parsed


@pytest.mark.parametrize(
    ("jit", "visible", "compiled", "reason"),
    [
        ("auto", [CPU], False, "CPU only"),
        ("auto", [CPU, gpu(0, (9, 0))], True, "GPU"),
        ("on", [CPU], True, "--jit on"),
        ("off", [CPU, gpu(0, (9, 0))], False, "--jit off"),
    ],
)
def test_jit_follows_the_option_and_the_device(
    jit: str, visible: list[dict[str, object]], compiled: bool, reason: str
) -> None:
    plan = plan_devices("tensorflow", visible, jit=jit)

    assert plan.jit is compiled and plan.jit_compile is compiled
    assert plan.jit_reason == reason
    assert plan.as_event()["jit"] is compiled and plan.as_event()["fallback"] is None


def test_determinism_on_tensorflow_turns_xla_off_and_says_so() -> None:
    plan = plan_devices("tensorflow", [gpu(0, (9, 0))], jit="on", deterministic=True)

    assert not plan.jit and "determinism" in plan.jit_reason
    assert plan.as_event()["deterministic"] is True
    assert plan_devices("jax", [gpu(0, (9, 0))], deterministic=True).jit


def test_several_gpus_train_in_data_parallel_and_scale_the_learning_rate() -> None:
    visible = [CPU, gpu(0, (8, 0)), gpu(1, (8, 6)), gpu(2, (9, 0))]

    two = plan_devices("tensorflow", visible, devices=2)
    every = plan_devices("jax", visible, devices="all")

    assert [d.name for d in two.devices] == ["GPU:0", "GPU:1"] and two.replicas == 2
    assert two.learning_rate_scale == pytest.approx(2**0.5)
    # Keras compiles no tf.distribute training by default; JAX's DataParallel it does.
    assert not two.jit and every.jit
    assert every.replicas == 3 and every.as_event()["replicas"] == 3
    assert plan_devices("tensorflow", visible).replicas == 1


def test_the_least_capable_gpu_decides_the_precision() -> None:
    plan = plan_devices("tensorflow", [gpu(0, (8, 0)), gpu(1, (7, 5))], devices="all")

    assert plan.precision == "mixed_float16"


def test_asking_for_more_devices_than_there_are_falls_back_and_says_why() -> None:
    plan = plan_devices("tensorflow", [CPU, gpu(0, (8, 0))], devices=4)
    torch = plan_devices("torch", [gpu(0, (8, 0)), gpu(1, (8, 0))], devices=2)

    assert plan.replicas == 1 and plan.fallback == "--devices 4: only 1 GPU device(s) visible"
    assert torch.replicas == 1 and "no data-parallel training on torch" in str(torch.fallback)
    # Eager on PyTorch unless asked, as Keras' own "auto".
    assert not torch.jit and plan_devices("torch", [gpu(0, (8, 0))], jit="on").jit


def test_fallbacks_accumulate() -> None:
    plan = plan_devices("tensorflow", [gpu(0, (8, 0)), gpu(1, (8, 0))], devices=2, jit="on")

    single = plan.on_one_device("a hand-written step")
    plain = single.without_jit("XLA failed")

    assert single.replicas == 1 and single.fallback == "a hand-written step"
    assert not plain.jit and plain.jit_reason == "XLA failed"
    assert plain.fallback == "a hand-written step; XLA failed"
    assert plain.as_event()["fallback"] == plain.fallback


@pytest.mark.parametrize(
    ("devices", "current", "visible"),
    [
        (1, None, "0"),
        (2, None, "0,1"),
        (2, "3, 5,6", "3,5"),
        ("all", "1", None),
        ("all", None, None),
    ],
)
def test_only_the_chosen_gpus_are_visible_to_the_demo(
    devices: int | str, current: str | None, visible: str | None
) -> None:
    assert cuda_devices(devices, current) == visible


def test_backend_environment_turns_on_memory_growth_before_the_import() -> None:
    assert backend_environment("tensorflow", 1, False, {}) == {
        "CUDA_VISIBLE_DEVICES": "0",
        "TF_FORCE_GPU_ALLOW_GROWTH": "true",
    }
    jax = backend_environment("jax", "all", True, {"XLA_FLAGS": "--xla_dump_to=/tmp/x"})
    assert jax == {
        "XLA_PYTHON_CLIENT_PREALLOCATE": "false",
        "XLA_FLAGS": "--xla_dump_to=/tmp/x --xla_gpu_deterministic_ops=true",
    }
    assert backend_environment("torch", 2, True, {})["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


def test_unknown_jit_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="jit"):
        plan_devices("tensorflow", [CPU], jit="maybe")
