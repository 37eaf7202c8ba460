"""The shared demo command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from demos.options import OptionsError, TrainingDefaults, default_out_dir, parse_options

DEFAULTS = TrainingDefaults(epochs=10, batch_size=32, quick_epochs=3, quick_steps_per_epoch=40)
NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def parse(*argv: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return parse_options("cnn-cifar10", DEFAULTS, list(argv), env=env or {}, now=NOW)


def test_book_defaults() -> None:
    options = parse()

    assert (options.epochs, options.batch_size) == (10, 32)
    assert not options.quick and options.max_steps_per_epoch is None
    assert options.data == "auto" and options.backend == "tensorflow"
    assert options.precision == "auto" and options.seed == 1337
    assert options.out.name == "20250102T030405Z-cnn-cifar10"
    assert options.out.parent.name == "runs"


def test_quick_caps_epochs_and_steps() -> None:
    options = parse("--quick")

    assert options.epochs == 3 and options.max_steps_per_epoch == 40
    assert options.steps_per_epoch(50_000) == 40
    assert options.steps_per_epoch(100) == 4


def test_keras_step_cap_from_the_environment() -> None:
    assert parse(env={"KERAS_MAX_STEPS_PER_EPOCH": "7"}).max_steps_per_epoch == 7
    assert parse("--quick", env={"KERAS_MAX_STEPS_PER_EPOCH": "99"}).max_steps_per_epoch == 40
    with pytest.raises(OptionsError, match="KERAS_MAX_STEPS_PER_EPOCH"):
        parse(env={"KERAS_MAX_STEPS_PER_EPOCH": "lots"})


def test_explicit_values(tmp_path: Path) -> None:
    options = parse(
        "--epochs", "2", "--batch-size", "8", "--data", str(tmp_path), "--backend", "torch",
        "--precision", "mixed_bfloat16", "--seed", "5", "--out", str(tmp_path / "run"),
    )  # fmt: skip

    assert (options.epochs, options.batch_size, options.seed) == (2, 8, 5)
    assert options.data == str(tmp_path) and options.out == tmp_path / "run"
    assert options.backend == "torch" and options.precision == "mixed_bfloat16"


def test_backend_from_keras_backend_variable() -> None:
    assert parse(env={"KERAS_BACKEND": "jax"}).backend == "jax"
    assert parse("--backend", "tensorflow", env={"KERAS_BACKEND": "jax"}).backend == "tensorflow"
    with pytest.raises(OptionsError, match="KERAS_BACKEND"):
        parse(env={"KERAS_BACKEND": "mxnet"})


@pytest.mark.parametrize(
    "argv",
    [
        ["--epochs", "0"],
        ["--batch-size", "many"],
        ["--backend", "theano"],
        ["--precision", "float8"],
        ["--data", "/no/such/folder"],
        ["--frobnicate"],
    ],
)
def test_bad_command_lines_raise(argv: list[str]) -> None:
    with pytest.raises(OptionsError):
        parse(*argv)


def test_default_out_dir_is_under_the_user_data_dir() -> None:
    import platformdirs

    path = default_out_dir("vae", NOW)

    assert path == Path(platformdirs.user_data_dir("studyapp")) / "runs" / "20250102T030405Z-vae"
