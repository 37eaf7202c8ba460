"""The catalogue of runnable demos, read from its one data file, `catalogue.toml`.

The file says what each demo is, teaches, needs and costs, the book's chapter titles, and the
cache files of the Keras datasets the image demos load. The app lists demos from it, links cards
to them (explicit `demo:NAME` links, or `studyapp.demos.matching` on the card's text) and starts
them as `python -m <module>`; each demo program reads its own entry (`demo_by_module`) for its
title, dataset and training defaults, and `demos.keras_cache` reads the dataset files. Adding a
demo is adding one `[[demo]]` table and its module under `demos/`.

Standard library only, and cheap: the demo programs import this module before their backend is
chosen, and the app imports it on start. It must not import keras, tensorflow, numpy, textual
or the `demos` package (which only ever runs in a subprocess). The file is read on first use.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

CATALOGUE_FILE = Path(__file__).with_name("catalogue.toml")
"""The data file; setuptools ships it as package data."""


class CatalogueError(ValueError):
    """The data file is malformed; the message names the file and the entry."""


class UnknownDemo(KeyError):
    """No demo has this name; the message lists the ones that exist."""

    def __init__(self, name: str, known: tuple[str, ...]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known

    def __str__(self) -> str:
        return f"unknown demo {self.name!r}; known demos: {', '.join(self.known)}"


@dataclass(frozen=True)
class TrainingDefaults:
    """A demo's book settings, and how far `--quick` cuts them down."""

    epochs: int
    batch_size: int
    quick_epochs: int
    quick_steps_per_epoch: int


@dataclass(frozen=True)
class CacheFile:
    """One file a Keras loader expects in its cache, and where it comes from."""

    cache_name: str
    """Path relative to `<keras home>/datasets`, exactly as `keras.utils.get_file` looks for it."""
    url: str
    sha256: str | None = None
    """The hash Keras' loader pins for this file (it re-downloads on a mismatch), if any."""

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class KerasDataset:
    """A dataset of `keras.datasets` and the cache files its `load_data()` reads.

    The properties are what the catalogue's texts name, e.g. `{cifar10.url}`.
    """

    key: str
    title: str
    size: str
    files: tuple[CacheFile, ...]
    class_names: tuple[str, ...]

    @property
    def url(self) -> str:
        return self.files[0].url

    @property
    def cache_name(self) -> str:
        return self.files[0].cache_name

    @property
    def url_folder(self) -> str:
        return self.url.rsplit("/", 1)[0] + "/"

    @property
    def cache_folder(self) -> str:
        return self.cache_name.rpartition("/")[0]

    @property
    def file_names(self) -> str:
        """The files' names as a sentence lists them: "a", "a and b", "a, b and c"."""
        names = [file.file_name for file in self.files]
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class DemoInfo:
    """One runnable demo."""

    name: str
    """Hyphenated identifier used in `demo:NAME` links, e.g. "cnn-cifar10"."""
    module: str
    """Module run as `python -m <module>`, e.g. "demos.cnn_cifar10"."""
    title: str
    chapter: int
    model_family: str
    dataset_key: str
    """What the program loads with `--data auto` (a `keras.datasets` key for the image demos),
    and the book's dataset that offline data stands in for."""
    dataset: str
    """The data the demo trains on by default (`--data auto`)."""
    full_data: str
    """What to download for the full dataset, and where to put it."""
    offline_data: str
    """What `--data offline` uses instead."""
    training: TrainingDefaults
    runtime_cpu: str
    runtime_gpu: str
    shows: str
    """What the demo shows: the plots and numbers it produces."""
    keywords: tuple[str, ...]
    """Lowercase words and phrases that link a card's text to this demo."""

    @property
    def chapter_title(self) -> str:
        """E.g. "Chapter 2: Deep Learning"."""
        return f"Chapter {self.chapter}: {chapter_titles()[self.chapter]}"

    @property
    def long_title(self) -> str:
        """E.g. "Deep convolutional GAN (Generative Deep Learning, chapter 4)"."""
        return f"{self.title} ({catalogue().book}, chapter {self.chapter})"

    def command(self, *args: str, python: str = "python") -> tuple[str, ...]:
        """The command line that runs the demo with extra `args`."""
        return (python, "-m", self.module, *args)


@dataclass(frozen=True)
class Catalogue:
    """Everything the data file holds."""

    book: str
    chapters: Mapping[int, str]
    keras_datasets: Mapping[str, KerasDataset]
    demos: tuple[DemoInfo, ...]


@cache
def catalogue() -> Catalogue:
    """The shipped catalogue, read once."""
    return read_catalogue(CATALOGUE_FILE)


def all_demos() -> tuple[DemoInfo, ...]:
    """Every demo, in book order."""
    return catalogue().demos


def demo_by_name(name: str) -> DemoInfo:
    """The demo called `name`; raises `UnknownDemo` (a KeyError) listing the known names."""
    return _find("name", name)


def demo_by_module(module: str) -> DemoInfo:
    """The demo that `python -m <module>` runs: how a program finds its own entry."""
    return _find("module", module)


def _find(attribute: str, value: str) -> DemoInfo:
    demos = all_demos()
    for demo in demos:
        if getattr(demo, attribute) == value:
            return demo
    raise UnknownDemo(value, tuple(getattr(d, attribute) for d in demos))


def chapter_titles() -> Mapping[int, str]:
    """Chapter number → title, e.g. 2 → "Deep Learning"."""
    return catalogue().chapters


def keras_datasets() -> Mapping[str, KerasDataset]:
    """Key ("cifar10", "fashion_mnist", "mnist") → the dataset and its cache files."""
    return catalogue().keras_datasets


# --------------------------------------------------------------------------------------------
# Reading the file


def read_catalogue(path: Path) -> Catalogue:
    """Parse and check a catalogue file; raises `CatalogueError` naming the file and entry."""
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"{path}: {error}") from None
    reader = _Reader(path)
    datasets = {
        key: reader.keras_dataset(key, entry)
        for key, entry in reader.table(raw, "keras_datasets", "the file").items()
    }
    # Texts are filled in once: a broken placeholder fails here, naming its entry, rather than
    # in front of a user.
    texts = {
        name: reader.fill(reader.text(raw["texts"], name, "[texts]"), datasets, f"texts.{name}")
        for name in reader.table(raw, "texts", "the file")
    }
    chapters = {
        reader.chapter_number(key): reader.text(raw["chapters"], key, "[chapters]")
        for key in reader.table(raw, "chapters", "the file")
    }
    demos = tuple(
        reader.demo(entry, {**datasets, **texts}, chapters) for entry in reader.entries(raw, "demo")
    )
    names = [demo.name for demo in demos]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise CatalogueError(f"{path}: demo names used twice: {', '.join(duplicates)}")
    return Catalogue(reader.text(raw, "book", "the file"), chapters, datasets, demos)


class _Reader:
    """Typed access to the parsed file, with errors that say where."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> CatalogueError:
        return CatalogueError(f"{self.path}: {where}: {message}")

    def table(self, raw: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = raw.get(key)
        if not isinstance(value, dict):
            raise self.fail(where, f"needs a [{key}] table")
        return value

    def entries(self, raw: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
        value = raw.get(key)
        if not isinstance(value, list) or not value:
            raise self.fail("the file", f"needs [[{key}]] tables")
        return value

    def text(self, raw: Mapping[str, Any], key: str, where: str) -> str:
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(where, f"{key} must be a non-empty string")
        return value

    def texts(self, raw: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = raw.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(where, f"{key} must be a list of non-empty strings")
        return tuple(value)

    def number(self, raw: Mapping[str, Any], key: str, where: str) -> int:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(where, f"{key} must be a whole number of at least 1")
        return value

    def chapter_number(self, key: str) -> int:
        if not key.isdigit():
            raise self.fail("[chapters]", f"{key!r} is not a chapter number")
        return int(key)

    def fill(self, text: str, values: Mapping[str, Any], where: str) -> str:
        try:
            return text.format_map(values)
        except (KeyError, AttributeError, IndexError, ValueError) as error:
            raise self.fail(where, f"cannot fill in {text!r}: {error!r}") from None

    def keras_dataset(self, key: str, raw: Any) -> KerasDataset:
        where = f"[keras_datasets.{key}]"
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table")
        files = raw.get("files")
        if not isinstance(files, list) or not files:
            raise self.fail(where, "files must be a list of {cache_name, url, sha256} tables")
        cache_files = []
        for file in files:
            if not isinstance(file, dict) or set(file) - {"cache_name", "url", "sha256"}:
                raise self.fail(where, f"a file is {{cache_name, url, sha256}}, not {file!r}")
            sha256 = file.get("sha256")
            cache_files.append(
                CacheFile(
                    self.text(file, "cache_name", where),
                    self.text(file, "url", where),
                    None if sha256 is None else self.text(file, "sha256", where),
                )
            )
        return KerasDataset(
            key,
            self.text(raw, "title", where),
            self.text(raw, "size", where),
            tuple(cache_files),
            self.texts(raw, "classes", where),
        )

    def demo(
        self, raw: dict[str, Any], shared: Mapping[str, Any], chapters: Mapping[int, str]
    ) -> DemoInfo:
        where = f"demo {raw.get('name', '?')!r}"
        known = {f.name for f in fields(DemoInfo)}
        if unknown := sorted(set(raw) - known):
            raise self.fail(where, f"unknown keys {', '.join(unknown)}")
        if missing := sorted(known - set(raw)):
            raise self.fail(where, f"missing keys {', '.join(missing)}")
        training_raw = raw["training"]
        if not isinstance(training_raw, dict):
            raise self.fail(where, "training must be a table")
        training = TrainingDefaults(
            **{
                f.name: self.number(training_raw, f.name, f"{where} training")
                for f in fields(TrainingDefaults)
            }
        )
        values = {**shared, **vars(training)}

        def text(key: str) -> str:
            return self.fill(self.text(raw, key, where), values, f"{where} {key}")

        chapter = self.number(raw, "chapter", where)
        if chapter not in chapters:
            raise self.fail(where, f"chapter {chapter} is not in [chapters]")
        keywords = self.texts(raw, "keywords", where)
        if any(keyword != keyword.lower().strip() for keyword in keywords):
            raise self.fail(where, "keywords must be lowercase, without surrounding spaces")
        return DemoInfo(
            name=self.text(raw, "name", where),
            module=self.text(raw, "module", where),
            title=text("title"),
            chapter=chapter,
            model_family=text("model_family"),
            dataset_key=self.text(raw, "dataset_key", where),
            dataset=text("dataset"),
            full_data=text("full_data"),
            offline_data=text("offline_data"),
            training=training,
            runtime_cpu=text("runtime_cpu"),
            runtime_gpu=text("runtime_gpu"),
            shows=text("shows"),
            keywords=keywords,
        )
