"""The demos of chapters 4 (conditional GAN), 10 (StyleGAN), 12 (world models) and 13 (CLIP).

Two kinds of test. The `slow` one runs each demo once with `--quick --data offline`, as the app
runs it (a subprocess speaking JSON lines), and checks the protocol, the
artifacts and the numbers the demo reports, all in one test per demo, so that any xdist
distribution runs each demo once (four runs, about 2 minutes on two cores). The others check
the idea each demo teaches on its own pieces, in this process and without training: the
conditional GAN's label reaches its image and both losses train both players, AdaIN and style
mixing do what the chapter says.
The pieces of the world models and of CLIP are checked in test_new_demo_models.py.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image


@dataclass(frozen=True)
class Demo:
    """How a demo's quick run is started, and what it must produce."""

    module: str
    artifacts: frozenset[str]
    args: tuple[str, ...] = ()
    epochs: int = 3


Runner = Callable[..., Any]
SEED = 7


DEMOS = {
    "cgan": Demo(
        "demos.cgan",
        frozenset({"samples", "samples-array", "digit", "epoch-samples"}),
        args=("--digit", "7"),
    ),
    "stylegan": Demo(
        "demos.stylegan",
        frozenset(
            {"samples", "samples-array", "style-mixing", "truncation", "noise", "epoch-samples"}
        ),
    ),
    "world-models": Demo(
        "demos.world_models",
        frozenset({"reconstructions", "latent-space", "dream", "controller"}),
        epochs=9,  # 3 for each of V, M and C
    ),
    "clip": Demo("demos.clip", frozenset({"retrieval", "confusion-matrix", "captions"})),
}


def check_protocol(result: Any, demo: Demo) -> None:
    """device, dataset, then training (progress, epoch and artifact events), then done."""
    kinds = [e["event"] for e in result.events]
    assert "error" not in kinds, result.describe()
    assert kinds[:2] == ["device", "dataset"], kinds[:5]
    assert kinds[-1] == "done", kinds[-5:]
    assert set(kinds[2:-1]) == {"progress", "epoch", "artifact"}, kinds
    assert [e["epoch"] for e in result.of_type("epoch")] == list(range(1, demo.epochs + 1))
    for event in result.of_type("progress"):
        assert 1 <= event["epoch"] <= event["epochs"] == demo.epochs
        assert 1 <= event["step"] <= event["steps"]
    metrics = result.events[-1]["metrics"]
    assert metrics and all(isinstance(v, float) and math.isfinite(v) for v in metrics.values())


def check_artifacts(result: Any, out: Path, demo: Demo) -> None:
    """Every kind the demo promises, each a real file in the run's folder."""
    artifacts = result.of_type("artifact")
    assert {a["kind"] for a in artifacts} == demo.artifacts
    paths = [Path(artifact["path"]) for artifact in artifacts]
    assert all(path.is_file() and out.resolve() in path.parents for path in paths)
    for picture in (path for path in paths if path.suffix == ".png"):
        with Image.open(picture) as image:
            image.verify()
            assert (image.format, min(image.size) >= 60) == ("PNG", True), picture
    for document in (path for path in paths if path.suffix == ".json"):
        assert json.loads(document.read_text(encoding="utf-8")), document


def check_cgan(result: Any, out: Path) -> None:
    """--digit 7 draws sevens; the judge's readings are shares; the grid is 10 rows of 10."""
    (digit,) = [a for a in result.of_type("artifact") if a["kind"] == "digit"]
    assert digit["digit"] == 7
    metrics = result.events[-1]["metrics"]
    assert 0.0 <= metrics["label_accuracy"] <= 1.0 and 0.0 <= metrics["digit_accuracy"] <= 1.0
    assert metrics["judge_test_accuracy"] > 0.5  # a classifier of the real digits
    grid = np.load(out / "samples.npy")
    assert grid.shape == (100, 32, 32, 1) and grid.min() >= 0.0 and grid.max() <= 1.0


def check_stylegan(result: Any, out: Path) -> None:
    """30 samples in [0, 1] and one picture per epoch boundary of the quick run."""
    samples = np.load(out / "samples.npy")
    assert samples.shape == (30, 32, 32, 1) and samples.min() >= 0.0 and samples.max() <= 1.0
    pictured = [a["epoch"] for a in result.of_type("artifact") if a["kind"] == "epoch-samples"]
    assert pictured == [3]  # a quick run draws its last epoch only


def check_world_models(result: Any, out: Path) -> None:
    """V's epochs, then M's, then C's; the controller then plays the real game."""
    stages = [set(e["logs"]) for e in result.of_type("epoch")]
    assert all("reconstruction_loss" in logs for logs in stages[:3])  # V
    assert all("z_nll" in logs for logs in stages[3:6])  # M
    assert all("dream_return" in logs for logs in stages[6:])  # C
    dataset = result.events[1]
    assert (dataset["name"], dataset["source"]) == ("cartpole", "generated:gymnasium")
    metrics = result.events[-1]["metrics"]
    assert 1.0 <= metrics["real_return"] <= 500.0
    assert 8.0 <= metrics["random_return"] <= 60.0  # CartPole's random policy: about 22
    weights = json.loads((out / "controller.json").read_text(encoding="utf-8"))["weights"]
    assert len(weights) == 2 + 32 + 1  # [z, h] and a bias


def check_clip(result: Any, out: Path) -> None:
    """Zero-shot above chance already; the temperature is learned; captions name the digit."""
    metrics = result.events[-1]["metrics"]
    assert metrics["chance_accuracy"] == pytest.approx(0.1)
    assert metrics["zero_shot_accuracy"] > 0.15, metrics
    assert metrics["logit_scale"] != pytest.approx(1 / 0.07)
    captions = json.loads((out / "captions.json").read_text(encoding="utf-8"))
    assert captions["zero_shot_prompts"][7] == "a photo of the number seven"
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
    for pair in captions["training"]:
        assert {str(pair["digit"]), words[pair["digit"]]} & set(pair["caption"].split()), pair


CHECKS: dict[str, Callable[[Any, Path], None]] = {
    "cgan": check_cgan,
    "stylegan": check_stylegan,
    "world-models": check_world_models,
    "clip": check_clip,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(DEMOS))
def test_quick_offline_run(
    name: str, tmp_path: Path, keras_home: Path, run_python: Runner, demo_env: Runner
) -> None:
    """One run per test, so that any xdist distribution runs each demo once."""
    demo, out = DEMOS[name], tmp_path / "out"
    flags = ("--quick", "--data", "offline", "--seed", str(SEED), *demo.args)
    result = run_python(
        ["-m", demo.module, *flags, "--out", str(out)], env=demo_env(keras_home), timeout=300
    )

    assert result.returncode == 0, result.describe()
    check_protocol(result, demo)
    check_artifacts(result, out, demo)
    CHECKS[name](result, out)


# --------------------------------------------------------------------------- failure paths


def test_bad_digit_is_an_error_event(
    keras_home: Path, run_python: Runner, demo_env: Runner
) -> None:
    result = run_python(["-m", "demos.cgan", "--digit", "12"], env=demo_env(keras_home))

    assert result.returncode == 2
    assert [e["event"] for e in result.events] == ["error"]
    assert "--digit" in result.events[0]["message"]


def test_world_models_refuses_a_data_path(tmp_path: Path, failing_demo: Callable[..., str]) -> None:
    assert "by playing CartPole" in failing_demo("demos.world_models", "--data", str(tmp_path))


# --------------------------------------------------------------------------- the ideas


@pytest.fixture(scope="module")
def keras_tf() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(SEED)
    return keras


def test_the_judges_verdict_counts_confident_matching_samples() -> None:
    from demos.digit_judge import Verdict

    verdict = Verdict(
        predicted=np.array([3, 3, 5, 7]), confident=np.array([True, False, True, True])
    )

    assert verdict.confident_share == 0.75
    assert verdict.classes_covered == 3
    assert verdict.matching_share(np.array([3, 3, 1, 7])) == 0.5  # the unconfident 3 misses


def test_cgan_label_becomes_constant_planes_and_changes_the_image(keras_tf: Any) -> None:
    from demos import cgan

    one_hot = np.eye(10, dtype="float32")[[2, 9]]
    planes = np.asarray(cgan.label_planes(one_hot, 32))
    assert planes.shape == (2, 32, 32, 10)
    np.testing.assert_array_equal(planes[1, 5, 17], one_hot[1])
    assert planes[0].min() == 0.0 and planes[0, ..., 2].min() == 1.0

    generator = cgan.build_generator(10)
    z = np.repeat(np.random.default_rng(0).standard_normal((1, cgan.Z_DIM)), 2, axis=0)
    images = np.asarray(generator([z.astype("float32"), one_hot], training=False))
    assert np.abs(images[0] - images[1]).max() > 1e-4  # same z, another digit

    critic = cgan.build_critic(10)
    image = np.repeat(images[:1], 2, axis=0)
    scores = np.asarray(critic([image, planes], training=False))
    assert scores[0, 0] != pytest.approx(scores[1, 0])  # the critic sees the label too


@pytest.mark.parametrize("loss", ["wgan-gp", "dcgan"])
def test_cgan_train_step_updates_both_players(keras_tf: Any, loss: str) -> None:
    from demos import cgan

    model, critic, generator = cgan.build_cgan(10, loss=loss, seed=0)
    model.compile()
    first = (critic.trainable_variables[0], generator.trainable_variables[0])
    before = [v.numpy().copy() for v in first]
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, 32, 32, 1)).astype("float32")
    logs = model.train_on_batch(images, np.eye(10, dtype="float32")[rng.integers(10, size=8)],
                                return_dict=True)  # fmt: skip

    assert ("c_gp" in logs) == (loss == "wgan-gp") and all(map(math.isfinite, logs.values()))
    after = [v.numpy() for v in first]
    assert all(np.abs(b - a).max() > 0 for b, a in zip(before, after, strict=True))


def test_adain_gives_each_channel_the_styles_mean_and_spread(keras_tf: Any) -> None:
    from demos.stylegan_model import W_DIM, custom_objects

    layer = custom_objects()["AdaIN"](16)
    rng = np.random.default_rng(1)
    x = rng.normal(3.0, 2.0, (4, 8, 8, 16)).astype("float32")
    w = rng.standard_normal((4, W_DIM)).astype("float32")
    out = np.asarray(layer([x, w]))
    scale, bias = (np.asarray(v) for v in layer.style(w))

    np.testing.assert_allclose(out.mean(axis=(1, 2)), bias, atol=1e-4)
    np.testing.assert_allclose(out.std(axis=(1, 2)), np.abs(scale), rtol=1e-3, atol=1e-4)


def test_style_mixing_takes_coarse_styles_from_one_latent_and_fine_from_another(
    keras_tf: Any,
) -> None:
    from demos import stylegan
    from demos.stylegan_model import NUM_STYLES, build_generator, mix_styles

    generator = build_generator(seed=0)
    w1, w2 = stylegan.latents(generator, 2, seed=3)
    noise = stylegan.fixed_noise(1, seed=4)

    def draw(styles: list[np.ndarray]) -> np.ndarray:
        return stylegan.draw(generator, [s[None] for s in styles], noise)

    assert mix_styles(w1, w2, 2) == [w1, w1, w2, w2]
    np.testing.assert_allclose(draw(mix_styles(w1, w2, NUM_STYLES)), draw([w1] * 4), atol=1e-6)
    np.testing.assert_allclose(draw(mix_styles(w1, w2, 0)), draw([w2] * 4), atol=1e-6)
    mixed = draw(mix_styles(w1, w2, 2))
    assert np.abs(mixed - draw([w1] * 4)).max() > 1e-4 and np.abs(mixed - draw([w2] * 4)).max()
    with pytest.raises(ValueError, match="crossover"):
        mix_styles(w1, w2, NUM_STYLES + 1)


def test_truncation_at_zero_draws_the_average_style_for_every_latent(keras_tf: Any) -> None:
    from demos import stylegan
    from demos.stylegan_model import build_generator

    generator = build_generator(seed=0)
    generator.w_avg.assign(stylegan.latents(generator, 64, seed=5).mean(axis=0))
    rows = stylegan.truncation_grid(generator, 3, seed=6).reshape(4, 3, 32, 32, 1)

    assert stylegan.TRUNCATIONS[-1] == 0.0
    assert rows[0].std(axis=0).max() > 1e-3  # ψ = 1: three different images
    # ψ = 0: the same style for all three (only the per-image noise could differ, and its
    # strength starts at zero).
    np.testing.assert_allclose(rows[-1], np.repeat(rows[-1][:1], 3, axis=0), atol=1e-5)


def test_the_cgan_lesson_networks_are_half_as_wide(keras_tf: Any) -> None:
    import keras

    from demos import cgan

    model, critic, _ = cgan.build_cgan(
        10, loss="dcgan", width=32, learning_rate=4e-4, dropout=0.0, seed=0
    )
    model.compile()
    widths = [layer.filters for layer in critic.layers if isinstance(layer, keras.layers.Conv2D)]
    assert widths == [32, 64, 64, 1]
    dropouts = [layer.rate for layer in critic.layers if isinstance(layer, keras.layers.Dropout)]
    assert dropouts and not any(dropouts)
    assert float(model.c_optimizer.learning_rate) == pytest.approx(4e-4)
