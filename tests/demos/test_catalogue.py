"""The demo catalogue: its one data file, import hygiene, consistency with demos/, and keyword
matching."""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from studyapp.demos.catalogue import (
    CATALOGUE_FILE,
    CatalogueError,
    DemoInfo,
    UnknownDemo,
    all_demos,
    chapter_titles,
    demo_by_module,
    demo_by_name,
    keras_datasets,
    read_catalogue,
)
from studyapp.demos.matching import match_demos

Runner = Callable[..., Any]
REPO_ROOT = Path(__file__).resolve().parents[2]
HEAVY_MODULES = ("keras", "tensorflow", "numpy", "textual", "jax", "torch", "demos")


def test_catalogue_import_pulls_in_no_heavy_module(
    run_python: Runner, demo_env: Runner, keras_home: Path
) -> None:
    """Listing and matching demos must not pay for a deep-learning (or UI) import."""
    snippet = (
        "import json, sys\n"
        "from studyapp.demos.catalogue import all_demos\n"
        "from studyapp.demos.matching import match_demos\n"
        "all_demos(); match_demos('a GAN discriminator')\n"
        "print(json.dumps({'event': 'done', 'modules': sorted(sys.modules)}))\n"
    )

    result = run_python(["-c", snippet], env=demo_env(keras_home))

    assert result.returncode == 0, result.describe()
    modules = set(result.events[-1]["modules"])
    loaded = {
        m for m in modules for heavy in HEAVY_MODULES if m == heavy or m.startswith(heavy + ".")
    }
    assert not loaded, f"importing the catalogue loaded {sorted(loaded)}"


def test_demo_modules_do_not_import_keras_before_the_backend_is_chosen(
    run_python: Runner, demo_env: Runner, keras_home: Path
) -> None:
    """`--backend` only works if keras is first imported after the options are parsed."""
    modules = ", ".join(demo.module for demo in all_demos())
    snippet = (
        f"import json, sys\nimport {modules}\n"
        "print(json.dumps({'event': 'done', 'modules': sorted(sys.modules)}))\n"
    )

    result = run_python(["-c", snippet], env=demo_env(keras_home))

    assert result.returncode == 0, result.describe()
    modules_loaded = result.events[-1]["modules"]
    assert "keras" not in modules_loaded and "tensorflow" not in modules_loaded


@pytest.mark.parametrize("demo", all_demos(), ids=lambda d: d.name)
def test_every_program_named_in_the_file_exists_and_reads_its_entry(demo: DemoInfo) -> None:
    """The programs take their metadata from catalogue.toml, and write none of it again."""
    path = REPO_ROOT / Path(*demo.module.split(".")).with_suffix(".py")
    assert path.is_file(), f"{demo.name}: {path} is missing"
    assert importlib.util.find_spec(demo.module) is not None
    program = importlib.import_module(demo.module)
    assert program.SPEC.info is demo_by_module(demo.module) is demo
    assert (program.SPEC.name, program.SPEC.defaults) == (demo.name, demo.training)
    assert program.SPEC.title == f"{demo.title} (Generative Deep Learning, chapter {demo.chapter})"
    source = path.read_text(encoding="utf-8")
    assert "demo_by_module(__spec__.name)" in source
    for written_again in (f'NAME = "{demo.name}"', demo.long_title, "TrainingDefaults("):
        assert written_again not in source, f"{path.name} writes {written_again!r} itself"


@pytest.mark.parametrize("demo", all_demos(), ids=lambda d: d.name)
def test_entries_are_complete(demo: DemoInfo) -> None:
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", demo.name)
    assert demo.module == "demos." + demo.name.replace("-", "_")
    assert demo.chapter in chapter_titles()
    assert demo.chapter_title == f"Chapter {demo.chapter}: {chapter_titles()[demo.chapter]}"
    for text in (demo.title, demo.model_family, demo.dataset, demo.full_data, demo.offline_data,
                 demo.runtime_cpu, demo.runtime_gpu, demo.shows):  # fmt: skip
        assert text.strip() and "{" not in text and "}" not in text
    assert "--quick" in demo.runtime_cpu, "the CLI shows the --quick part of the CPU time"
    assert demo.keywords and all(k == k.lower().strip() for k in demo.keywords)
    assert demo.command("--quick") == ("python", "-m", demo.module, "--quick")


def test_names_are_unique_and_in_book_order() -> None:
    names = [d.name for d in all_demos()]
    assert len(names) == len(set(names))
    assert [d.chapter for d in all_demos()] == sorted(d.chapter for d in all_demos())
    assert names == [
        "mlp-cifar10", "cnn-cifar10", "autoencoder", "vae", "dcgan", "wgan-gp", "cgan",
        "lstm-text", "pixelcnn", "realnvp", "ebm", "diffusion", "gpt", "stylegan",
        "music-transformer", "world-models", "clip",
    ]  # fmt: skip
    assert {d.chapter for d in all_demos()} >= set(range(2, 14))  # every chapter with a model


def test_chapter_titles_of_the_first_demos() -> None:
    assert demo_by_name("cnn-cifar10").chapter_title == "Chapter 2: Deep Learning"
    assert demo_by_name("dcgan").chapter_title == "Chapter 4: Generative Adversarial Networks"


def test_dcgan_says_which_dataset_replaces_the_lego_bricks() -> None:
    dcgan = demo_by_name("dcgan")
    assert "Fashion-MNIST" in dcgan.dataset and "LEGO" in dcgan.dataset
    assert "--data PATH" in dcgan.full_data


def test_unknown_demo_is_a_key_error_listing_the_known_ones() -> None:
    with pytest.raises(UnknownDemo) as raised:
        demo_by_name("vq-gan")

    assert isinstance(raised.value, KeyError)
    message = str(raised.value)
    assert "vq-gan" in message
    assert all(demo.name in message for demo in all_demos())


@pytest.mark.parametrize(
    ("text", "best"),
    [
        ("a card about convolutional filters", "cnn-cifar10"),
        ("the GAN's discriminator", "dcgan"),
        ("What does the generator of a generative adversarial network learn?", "dcgan"),
        ("Why does a Variational Autoencoder add a KL divergence term?", "vae"),
        ("The reparameterization trick", "vae"),
        ("An autoencoder's decoder maps the latent space back to images", "autoencoder"),
        ("Batch-normalization and dropout in a CNN", "cnn-cifar10"),
        ("A multilayer perceptron with ReLU activations", "mlp-cifar10"),
    ],
)
def test_match_examples(text: str, best: str) -> None:
    assert match_demos(text)[0] == best


def test_match_is_on_word_boundaries_and_case_insensitive() -> None:
    assert match_demos("An organ and a pagan temple") == []  # no "gan" inside words
    assert match_demos("") == []
    assert match_demos("CONVOLUTIONAL") == ["cnn-cifar10"]
    # Generic words alone never link; in the demo's own chapter they are evidence.
    assert match_demos("strides and kernels") == []
    assert match_demos("strides and kernels", chapter="Chapter 2: Deep Learning") == ["cnn-cifar10"]


def test_more_keywords_rank_higher() -> None:
    """Only the best demo is linked: the phrase outweighs the single word."""
    assert match_demos("variational autoencoder: encoder, decoder, KL divergence") == ["vae"]


@pytest.mark.parametrize("module", ["studyapp.demos.catalogue", "studyapp.demos.matching"])
def test_catalogue_modules_have_no_heavy_import_statements(module: str) -> None:
    """A cheap static check next to the subprocess one: no such import appears at all."""
    source = Path(sys.modules[module].__file__ or "").read_text(encoding="utf-8")
    for heavy in HEAVY_MODULES:
        assert not re.search(rf"^\s*(import|from)\s+{heavy}\b", source, re.MULTILINE), heavy


# --------------------------------------------------------------------------------------------
# The data file


def test_the_data_file_ships_as_package_data() -> None:
    """An installed wheel must carry catalogue.toml next to the module that reads it."""
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package_data = pyproject["tool"]["setuptools"]["package-data"]["studyapp"]
    shipped = CATALOGUE_FILE.relative_to(REPO_ROOT / "studyapp").as_posix()
    assert shipped in package_data


def test_texts_are_filled_from_the_datasets_and_the_training_defaults() -> None:
    """Download sizes, URLs and epoch counts are written once, in their own tables."""
    cifar10 = keras_datasets()["cifar10"]
    mlp = demo_by_name("mlp-cifar10")
    assert cifar10.url in mlp.full_data and "STUDYAPP_DATA_MIRROR" in mlp.full_data
    assert f"({cifar10.size}, " in mlp.full_data
    assert f"the book's {mlp.training.epochs} epochs" in mlp.runtime_cpu
    fashion = keras_datasets()["fashion_mnist"]
    assert fashion.file_names.count(".gz") == 4 and fashion.names[1] == "train-images-idx3-ubyte.gz"
    assert f"from {fashion.url_folder}" in demo_by_name("vae").full_data
    assert demo_by_name("cnn-cifar10").training.batch_size == 256


def _write_catalogue(tmp_path: Path, edit: Callable[[str], str]) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(edit(CATALOGUE_FILE.read_text(encoding="utf-8")), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda text: text.replace("book's {epochs} epochs", "book's {epoch} epochs"), "mlp"),
        (lambda text: text.replace('name = "vae"', 'name = "vae"\nnotes = "?"'), "unknown keys"),
        (lambda text: text.replace("chapter = 8", "chapter = 99"), "chapter 99"),
        (lambda text: text.replace("quick_epochs = 3", "quick_epochs = 0", 1), "quick_epochs"),
        (lambda text: text.replace('name = "gpt"', 'name = "vae"'), "used twice: vae"),
        (lambda text: text.replace("[chapters]", "[chapter]"), "[chapters]"),
        (lambda text: text + "\n[[demo]\n", "catalogue.toml"),
    ],
    ids=["placeholder", "unknown-key", "chapter", "training", "duplicate", "table", "toml"],
)
def test_a_broken_file_names_itself_and_the_entry(
    tmp_path: Path, edit: Callable[[str], str], says: str
) -> None:
    path = _write_catalogue(tmp_path, edit)
    with pytest.raises(CatalogueError) as raised:
        read_catalogue(path)
    assert str(path) in str(raised.value) and says in str(raised.value)


def test_the_shipped_file_reads_the_same_twice(tmp_path: Path) -> None:
    copy = read_catalogue(_write_catalogue(tmp_path, lambda text: text))
    assert copy.demos == all_demos() and copy.chapters == chapter_titles()
