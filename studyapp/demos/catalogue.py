"""The catalogue of runnable demos, read from its one data file, `catalogue.toml`.

The file says what each demo is, teaches, needs and costs, what its lesson run must reach, the
book's chapter titles, and the Keras datasets the image demos load. The app lists demos from it,
links cards to them (explicit `demo:NAME` links, or `studyapp.demos.matching` on the card's
text) and starts them as `python -m <module>`; each demo program reads its own entry
(`demo_by_module`) for its title, dataset, training and lesson defaults, and
`demos.keras_cache` the datasets. Adding a demo is adding one `[[demo]]` table and its module
under `demos/`.

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

    def __reduce__(self) -> tuple[type[UnknownDemo], tuple[str, tuple[str, ...]]]:
        # Pickle by the constructor's own arguments (the default would pass only `name`).
        return (UnknownDemo, (self.name, self.known))


@dataclass(frozen=True)
class TrainingDefaults:
    """A demo's book settings, and how far `--quick` cuts them down."""

    epochs: int
    batch_size: int
    quick_epochs: int
    quick_steps_per_epoch: int


@dataclass(frozen=True)
class KerasDataset:
    """A dataset of `keras.datasets`: what it is and the files its `load_data()` downloads.

    The loader itself decides where the files go in the Keras cache and checks the hashes
    Keras pins; the catalogue only names the origins (for people, and for a mirror, which must
    serve each file under the same name). The properties are what the catalogue's texts name,
    e.g. `{cifar10.url}`.
    """

    key: str
    title: str
    size: str
    urls: tuple[str, ...]
    """The origins `load_data()` downloads from, in the order it fetches them."""
    class_names: tuple[str, ...]

    @property
    def url(self) -> str:
        return self.urls[0]

    @property
    def url_folder(self) -> str:
        return self.url.rsplit("/", 1)[0] + "/"

    @property
    def names(self) -> tuple[str, ...]:
        """The files' names: the last part of each origin."""
        return tuple(url.rsplit("/", 1)[-1] for url in self.urls)

    @property
    def file_names(self) -> str:
        """The files' names as a sentence lists them: "a", "a and b", "a, b and c"."""
        names = self.names
        return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


@dataclass(frozen=True)
class LessonPlan:
    """What `--lesson` trains, and the number it must reach: the run that shows a card's idea
    in a few minutes on a laptop CPU (seconds on a GPU)."""

    metric: str
    """A key of the run's final metrics (the `done` event's), e.g. "test_accuracy"."""
    target: float
    higher_is_better: bool
    """`goal = "at least"` (True) or `"at most"` (False)."""
    epochs: int
    steps_per_epoch: int | None
    """Caps each epoch (text demos draw this many batches of windows); None: whole epochs."""
    batch_size: int | None
    """None keeps the demo's own batch size."""
    requires: Mapping[str, float]
    """Other final metrics that must be at least these values (e.g. classes_covered = 8)."""
    explains: str
    """The metric and its baseline, for people."""
    args: tuple[str, ...] = ()
    """The demo's own options the lesson sets (e.g. fewer Langevin steps per batch); any
    given on the command line win."""

    def reached(self, metrics: Mapping[str, Any]) -> bool:
        """Whether `metrics` reach the target and every further requirement."""
        value = metrics.get(self.metric)
        if not isinstance(value, int | float) or value != value:  # missing or NaN
            return False
        hit = value >= self.target if self.higher_is_better else value <= self.target
        return hit and all(
            isinstance(metrics.get(key), int | float) and metrics[key] >= minimum
            for key, minimum in self.requires.items()
        )

    @property
    def goal(self) -> str:
        """E.g. "test_accuracy ≥ 0.9, classes_covered ≥ 8"."""
        sign = "≥" if self.higher_is_better else "≤"
        parts = [f"{self.metric} {sign} {self.target:g}"]
        parts += [f"{key} ≥ {minimum:g}" for key, minimum in self.requires.items()]
        return ", ".join(parts)


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
    lesson: LessonPlan | None = None
    """What `--lesson` runs and must reach; None for a demo without one."""

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
    """Key ("cifar10", "fashion_mnist", "mnist") → the dataset and the files it downloads."""
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
    # in front of a user. A text may name the datasets and the texts above it.
    texts: dict[str, str] = {}
    for name in reader.table(raw, "texts", "the file"):
        text = reader.text(raw["texts"], name, "[texts]")
        texts[name] = reader.fill(text, {**datasets, **texts}, f"texts.{name}")
    chapters = {
        reader.chapter_number(key): reader.text(raw["chapters"], key, "[chapters]")
        for key in reader.table(raw, "chapters", "the file")
    }
    # In book order: by chapter, and within a chapter as the file lists them (demos added
    # later are appended to the file, whatever their chapter).
    demos = tuple(
        sorted(
            (
                reader.demo(entry, {**datasets, **texts}, chapters)
                for entry in reader.entries(raw, "demo")
            ),
            key=lambda demo: demo.chapter,
        )
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
        if unknown := sorted(set(raw) - {"title", "size", "urls", "classes"}):
            raise self.fail(where, f"unknown keys {', '.join(unknown)}")
        return KerasDataset(
            key,
            self.text(raw, "title", where),
            self.text(raw, "size", where),
            self.texts(raw, "urls", where),
            self.texts(raw, "classes", where),
        )

    def lesson(self, raw: Any, where: str) -> LessonPlan:
        where = f"{where} lesson"
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a table")
        optional = {"steps_per_epoch", "batch_size", "requires", "args"}
        known = {"metric", "goal", "target", "epochs", "explains", *optional}
        if unknown := sorted(set(raw) - known):
            raise self.fail(where, f"unknown keys {', '.join(unknown)}")
        goal = raw.get("goal")
        if goal not in ("at least", "at most"):
            raise self.fail(where, 'goal must be "at least" or "at most"')
        requires = raw.get("requires", {})
        if not isinstance(requires, dict) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in requires.values()
        ):
            raise self.fail(where, "requires must be a table of metric = minimum")

        def optional_number(key: str) -> int | None:
            return self.number(raw, key, where) if key in raw else None

        return LessonPlan(
            metric=self.text(raw, "metric", where),
            target=self.real(raw, "target", where),
            higher_is_better=goal == "at least",
            epochs=self.number(raw, "epochs", where),
            steps_per_epoch=optional_number("steps_per_epoch"),
            batch_size=optional_number("batch_size"),
            requires={str(k): float(v) for k, v in requires.items()},
            explains=self.text(raw, "explains", where),
            args=self.texts(raw, "args", where) if "args" in raw else (),
        )

    def real(self, raw: Mapping[str, Any], key: str, where: str) -> float:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(where, f"{key} must be a number")
        return float(value)

    def demo(
        self, raw: dict[str, Any], shared: Mapping[str, Any], chapters: Mapping[int, str]
    ) -> DemoInfo:
        where = f"demo {raw.get('name', '?')!r}"
        known = {f.name for f in fields(DemoInfo)}
        if unknown := sorted(set(raw) - known):
            raise self.fail(where, f"unknown keys {', '.join(unknown)}")
        if missing := sorted(known - set(raw) - {"lesson"}):
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
            lesson=self.lesson(raw["lesson"], where) if "lesson" in raw else None,
        )
