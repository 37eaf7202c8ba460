"""Text for the word-level demos (the chapter 5 LSTM and the chapter 9 GPT), and their tokenizer.

`--data` picks the text:

* ``auto`` and ``offline``: the bundled deck's own markdown (`flashcards/deck/*.md`, shipped with
  the project), one document per paragraph with the card syntax stripped. The book's datasets
  are Kaggle downloads the app never fetches, so ``auto`` has no cache to look in and uses the
  same real text as ``offline``.
* ``library``: the cards and notes in the user's own study database (`$STUDYAPP_DB`, which the
  app's runner sets to the database it has open), read through `studyapp.store.study_text`.
* a PATH: the book's Epicurious recipes (`full_format_recipes.json`, a list of objects with
  "title" and "directions"), the book's wine reviews (`winemag-data-130k-v2.json`, objects with
  "country", "province", "variety" and "description"), any other text file (one document per
  paragraph, or per line when it has no blank lines), or a folder of .txt / .md files.

Documents are tokenized the book's way (lower case, punctuation split off as its own token, as
its `TextVectorization` with `pad_punctuation` does) by a small pure-Python tokenizer, so the
vocabulary is plain data that any backend can use and that is saved next to the model. Index 0
is the padding token, which also ends a generated text, and index 1 is "[UNK]", as in Keras.

The demos train on sliding windows over the whole corpus rather than on one padded sequence
per document (the book's way, which wastes most of a short text's window on padding):
`split_documents` holds out a share of the documents for validation, and `token_stream` joins
documents into one stream of ids with the end token 0 between them, so the model still learns
where a text ends.

Imports numpy (and, for ``library``, the study store); no keras, no backend.
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import string
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from demos.data import DatasetUnavailable
from studyapp.demos.protocol import DatasetEvent

PAD, UNK = "", "[UNK]"
SOURCE_DECK = "offline:studyapp-deck"
SOURCE_LIBRARY = "library:study-database"
SOURCE_PATH = "path"
#: Share of the documents held out to measure validation perplexity.
VALIDATION_FRACTION = 0.1
TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text"})
#: Paragraphs shorter than this many words (headings, lone markers) are not documents.
MIN_DOCUMENT_WORDS = 4

_PUNCTUATION = re.compile(f"([{re.escape(string.punctuation)}])")
_CARD_MARKERS = re.compile(r"^\s*(\?\?x|x\?\?|x\?|\?\?|---+|\*\*\*+)\s*$")
_LINE_PREFIX = re.compile(r"^\s*(#{1,6}\s+|:p\s+|[-*+]\s+|\d+\.\s+|>\s*)")


@dataclass(frozen=True)
class TextCorpus:
    """Documents and where they came from."""

    name: str
    title: str
    source: str
    documents: tuple[str, ...]
    prompt: str
    """A start for generated text that suits the corpus ("recipe for", "wine review :")."""
    stands_in_for: str | None = None


def deck_folder() -> Path:
    """The bundled deck shipped inside the `flashcards` package."""
    import flashcards

    return Path(flashcards.__file__).with_name("deck")


def check_text_data(data: str) -> None:
    """Fail fast, before any backend import, when `load_corpus` could not succeed."""
    if data in ("auto", "offline"):
        if not any(deck_folder().glob("*.md")):
            raise DatasetUnavailable(f"the bundled deck is missing from {deck_folder()}")
        return
    if data == "library":
        library_texts()
        return
    path = Path(data)
    if not path.exists():
        raise DatasetUnavailable(f"--data {data}: no such file or directory")
    if path.is_dir() and not any(p.suffix.lower() in TEXT_SUFFIXES for p in path.rglob("*")):
        raise DatasetUnavailable(f"--data {data}: no .txt or .md files in this folder")


# --------------------------------------------------------------------------- documents


def markdown_documents(text: str) -> list[str]:
    """Paragraphs of a markdown file with the deck's card syntax and list markers stripped."""
    documents = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [
            _LINE_PREFIX.sub("", line).replace("**", "").strip()
            for line in paragraph.splitlines()
            if not _CARD_MARKERS.match(line)
        ]
        document = " ".join(line for line in lines if line)
        if len(document.split()) >= MIN_DOCUMENT_WORDS:
            documents.append(document)
    return documents


def plain_documents(text: str) -> list[str]:
    """Paragraphs of a text file, or its lines when it has (almost) no blank lines."""
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    if len(paragraphs) < 10:
        paragraphs = [" ".join(line.split()) for line in text.splitlines()]
    return [p for p in paragraphs if len(p.split()) >= MIN_DOCUMENT_WORDS]


def _recipe(item: Any) -> str | None:
    # The book keeps recipes that have both a title and directions.
    if not isinstance(item, dict) or not item.get("title") or not item.get("directions"):
        return None
    return "Recipe for " + str(item["title"]) + " | " + " ".join(map(str, item["directions"]))


def _wine_review(item: Any) -> str | None:
    fields = ("country", "province", "variety", "description")
    if not isinstance(item, dict) or not all(item.get(f) for f in fields):
        return None
    return "wine review : " + " : ".join(str(item[f]) for f in fields)


def json_corpus(path: Path) -> TextCorpus:
    """The book's recipes or wine reviews, recognised by their fields."""
    try:
        items = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DatasetUnavailable(f"--data {path}: not a readable JSON file ({exc})") from exc
    if not isinstance(items, list) or not items:
        raise DatasetUnavailable(f"--data {path}: expected a JSON list of objects")
    sample = next((item for item in items if isinstance(item, dict)), {})
    if "directions" in sample:
        documents = [d for d in map(_recipe, items) if d]
        return TextCorpus(
            "epicurious-recipes", f"Epicurious recipes from {path}", SOURCE_PATH,
            tuple(documents), "recipe for roasted vegetables |",
        )  # fmt: skip
    if "description" in sample and "variety" in sample:
        documents = [d for d in map(_wine_review, items) if d]
        return TextCorpus(
            "wine-reviews", f"wine reviews from {path}", SOURCE_PATH,
            tuple(documents), "wine review : germany :",
        )  # fmt: skip
    raise DatasetUnavailable(
        f"--data {path}: a JSON file must be the book's recipes (objects with title and "
        "directions) or wine reviews (country, province, variety, description)"
    )


@functools.cache
def library_texts() -> tuple[str, ...]:
    """The cards and notes of the study database in `$STUDYAPP_DB` (or the default one)."""
    from db.engine import database_location, resolve_url
    from studyapp.store.study_text import NoStudyText, read_study_text

    try:
        return tuple(read_study_text(resolve_url()))
    except NoStudyText as error:
        raise DatasetUnavailable(
            f"--data library ({database_location(None)}): {error}; or run with --data offline"
        ) from None


def load_corpus(data: str, *, stands_in_for: str) -> TextCorpus:
    """The documents for `--data` (see the module docstring)."""
    check_text_data(data)
    documents: list[str]
    if data == "library":
        documents = [d for text in library_texts() for d in markdown_documents(text)]
        if not documents:
            raise DatasetUnavailable(
                f"--data library: no paragraph of {MIN_DOCUMENT_WORDS}+ words in the study database"
            )
        return TextCorpus(
            "study-library",
            "the cards and notes of your study database",
            SOURCE_LIBRARY,
            tuple(documents),
            "the",
            stands_in_for=stands_in_for,
        )
    if data in ("auto", "offline"):
        folder = deck_folder()
        documents = []
        for path in sorted(folder.glob("*.md")):
            documents += markdown_documents(path.read_text(encoding="utf-8"))
        return TextCorpus(
            "studyapp-deck",
            f"the bundled deck's notes and cards ({folder.name}/*.md)",
            SOURCE_DECK,
            tuple(documents),
            "a variational autoencoder",
            stands_in_for=stands_in_for,
        )
    path = Path(data)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in TEXT_SUFFIXES)
        documents = []
        for file in files:
            text = file.read_text(encoding="utf-8", errors="replace")
            documents += (
                markdown_documents(text) if file.suffix in (".md", ".markdown") else
                plain_documents(text)
            )  # fmt: skip
        corpus = TextCorpus(
            path.name, f"text files under {path}", SOURCE_PATH, tuple(documents), "the"
        )
    elif path.suffix.lower() == ".json":
        corpus = json_corpus(path)
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
        documents = (
            markdown_documents(text)
            if path.suffix in (".md", ".markdown")
            else plain_documents(text)
        )
        corpus = TextCorpus(path.stem, f"text from {path}", SOURCE_PATH, tuple(documents), "the")
    if not corpus.documents:
        raise DatasetUnavailable(f"--data {data}: no documents of {MIN_DOCUMENT_WORDS}+ words")
    if corpus.name in ("epicurious-recipes", "wine-reviews"):
        return corpus
    return TextCorpus(
        corpus.name, corpus.title, corpus.source, corpus.documents, corpus.prompt, stands_in_for
    )


# --------------------------------------------------------------------------- tokens


def tokenize(text: str) -> list[str]:
    """The book's standardisation: punctuation padded with spaces, lower case, split."""
    return _PUNCTUATION.sub(r" \1 ", text).lower().split()


@dataclass(frozen=True)
class Vocabulary:
    """Words by index: 0 is padding (and the end of a text), 1 is "[UNK]"."""

    words: tuple[str, ...]

    @classmethod
    def build(cls, documents: Iterable[Sequence[str]], size: int) -> Vocabulary:
        counts = Counter(token for document in documents for token in document)
        # Most frequent first; ties alphabetical so a vocabulary is reproducible.
        ranked = sorted(counts, key=lambda word: (-counts[word], word))
        return cls((PAD, UNK, *ranked[: max(0, size - 2)]))

    def __len__(self) -> int:
        return len(self.words)

    def index(self) -> dict[str, int]:
        return {word: i for i, word in enumerate(self.words)}

    def encode(self, tokens: Sequence[str]) -> list[int]:
        index = self.index()
        return [index.get(token, 1) for token in tokens]

    def decode(self, ids: Iterable[int]) -> str:
        return " ".join(self.words[i] for i in ids if i != 0)

    def to_json(self) -> dict[str, Any]:
        return {"padding_index": 0, "unknown_index": 1, "words": list(self.words)}


def split_documents(
    documents: Sequence[Sequence[str]], seed: int, fraction: float = VALIDATION_FRACTION
) -> tuple[list[Sequence[str]], list[Sequence[str]]]:
    """(training, validation) documents: a shuffled `fraction` (at least one) held out."""
    order = np.random.default_rng(seed).permutation(len(documents))
    held = max(1, round(len(documents) * fraction)) if len(documents) > 1 else 0
    return [documents[i] for i in order[held:]], [documents[i] for i in order[:held]]


def token_stream(documents: Iterable[Sequence[str]], vocabulary: Vocabulary) -> np.ndarray:
    """The documents' ids one after another, each followed by the end token 0."""
    index = vocabulary.index()
    ids: list[int] = []
    for document in documents:
        ids += [index.get(token, 1) for token in document]
        ids.append(0)
    return np.asarray(ids, dtype="int32")


def windows_at(
    stream: np.ndarray, starts: np.ndarray, length: int
) -> tuple[np.ndarray, np.ndarray]:
    """Next-token pairs from `stream`: x[i] = stream[s : s + length], y[i] the same shifted by
    one, for each start s (each at most len(stream) - length - 1)."""
    positions = np.asarray(starts, dtype="int64")[:, None] + np.arange(length + 1)
    ids = stream[positions]
    return ids[:, :-1], ids[:, 1:]


def tiled_windows(stream: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Back-to-back windows covering `stream` once (every id a target once, but the first):
    how validation perplexity is measured."""
    length = min(length, len(stream) - 1)
    starts = np.arange(0, len(stream) - length, length)
    return windows_at(stream, starts, length)


def sample_token(probabilities: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Draw an index from `probabilities` sharpened (T < 1) or flattened (T > 1) by temperature."""
    logits = np.log(np.clip(np.asarray(probabilities, dtype="float64"), 1e-12, None)) / temperature
    logits -= logits.max()
    weights = np.exp(logits)
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def generation_rng(seed: int, index: int) -> np.random.Generator:
    """The random stream of the `index`-th generated text of a run: reproducible on its own,
    so a reloaded model given the same stream must write the same text."""
    return np.random.default_rng([seed, index])


def generate_text(
    next_probabilities: Callable[[np.ndarray], np.ndarray],
    vocabulary: Vocabulary,
    prompt: str,
    *,
    max_tokens: int,
    temperature: float,
    rng: np.random.Generator,
    window: int | None = None,
) -> str:
    """Extend `prompt` one sampled word at a time until the end token or `max_tokens`.

    `next_probabilities(ids)` maps a (1, T) batch of ids to the next word's probabilities;
    `window` keeps only the last tokens (a transformer's context length).
    """
    ids = vocabulary.encode(tokenize(prompt))
    for _ in range(max_tokens):
        context = np.asarray([ids[-window:] if window else ids], dtype="int32")
        token = sample_token(next_probabilities(context), temperature, rng)
        if token == 0:
            break
        ids.append(token)
    return vocabulary.decode(ids)


def dataset_event(
    corpus: TextCorpus, train: np.ndarray, validation: np.ndarray, vocabulary: Vocabulary
) -> DatasetEvent:
    """The `dataset` event of a text demo: its token streams' lengths as the shapes."""
    return DatasetEvent(
        corpus.name,
        corpus.source,
        {"x_train": [len(train)], "y_train": None, "x_test": [len(validation)], "y_test": None},
        title=corpus.title,
        stands_in_for=corpus.stands_in_for,
        extra={"documents": len(corpus.documents), "vocabulary_size": len(vocabulary)},
    )


def positive_float(text: str) -> float:
    """argparse type for a temperature: a number above zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above 0")
    return value
