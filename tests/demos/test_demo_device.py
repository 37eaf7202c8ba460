"""The device and precision decision, driven by injected device lists (no hardware needed)."""

from __future__ import annotations

import pytest

from demos.device import Device, parse_compute_capability, plan_devices

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
    plan = plan_devices("jax", [Device("TPU:0", "TPU"), Device("TPU:1", "TPU")])

    assert plan.precision == "mixed_bfloat16" and plan.accelerator == "TPU"
    assert len(plan.devices) == 2


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
