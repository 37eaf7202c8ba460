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


def test_run_control_defaults() -> None:
    options = parse()

    assert (options.jit, options.steps, options.devices) == ("auto", None, 1)
    assert not options.deterministic and not options.reference and options.replicas == 1


def test_run_control_options() -> None:
    options = parse("--jit", "on", "--steps", "7", "--devices", "all", "--deterministic")

    assert (options.jit, options.steps, options.devices) == ("on", 7, "all")
    assert options.deterministic
    assert parse("--devices", "3").devices == 3


def test_a_step_budget_also_caps_each_epoch() -> None:
    assert parse("--steps", "5").max_steps_per_epoch == 5
    assert parse("--quick", "--steps", "50").max_steps_per_epoch == 40
    assert parse("--steps", "2", env={"KERAS_MAX_STEPS_PER_EPOCH": "9"}).max_steps_per_epoch == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["--jit", "maybe"],
        ["--steps", "0"],
        ["--devices", "0"],
        ["--devices", "some"],
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


def test_the_runners_command_line_is_the_one_demos_parse() -> None:
    """`studyapp demo run --jit on --steps 9 --devices all --deterministic` reaches the demo."""
    from studyapp.demos.runner import DemoRequest

    request = DemoRequest("cnn-cifar10", jit="on", steps=9, devices="all", deterministic=True)
    options = parse(*request.options())

    assert (options.jit, options.steps, options.devices) == ("on", 9, "all")
    assert options.deterministic and options.max_steps_per_epoch == 9
    assert request.parameters()["devices"] == "all"
    assert "jit" not in DemoRequest("cnn-cifar10").parameters()


def test_reference_is_the_books_setup_on_the_full_data() -> None:
    from demos.reference import BookReference, reference_options

    book = BookReference("test_accuracy", 0.7183, batch_size=32, epochs=10, setup="the book's")

    options = reference_options("cnn-cifar10", book, parse("--reference", "--epochs", "2"))

    assert (options.batch_size, options.epochs, options.max_steps_per_epoch) == (32, 10, None)
    assert reference_options("cnn-cifar10", None, parse()) == parse()
    for argv, message in [
        (["--reference", "--data", "offline"], "--data auto"),
        (["--reference", "--quick"], "without --quick"),
        (["--reference", "--steps", "5"], "full epochs"),
    ]:
        with pytest.raises(OptionsError, match=message):
            reference_options("cnn-cifar10", book, parse(*argv))
    with pytest.raises(OptionsError, match="no book setup"):
        reference_options("vae", None, parse("--reference"))
