"""Captions for the chapter 13 CLIP demo: sentences about handwritten digits, and their tokens.

CLIP learns from (image, caption) pairs found on the web; a digit has no caption, so this module
writes one from what is known about the image: its label, as a word or a numeral, and whether
its strokes are thicker or thinner than those of most images of the same digit (its ink, the
sum of its pixels). Each training image gets a sentence from `TRAINING_TEMPLATES`, chosen at
random: "a photo of the digit seven", "a bold handwritten 7", "the number seven written by
hand"...

Zero-shot classification asks which of ten prompts an image is closest to. The prompts use
`ZERO_SHOT_TEMPLATE`, "a photo of the number {word}": every word of it occurs in training,
but never that sentence, so the classifier is read off the text encoder rather than remembered.
`tokenize` turns sentences into fixed-length rows of word ids (0 pads, 1 stands for a word the
vocabulary lacks).

Standard library and numpy only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
TRAINING_TEMPLATES = (
    "a photo of the digit {word}",
    "a handwritten {numeral}",
    "the number {word} written by hand",
    "an image of a {style} {word}",
    "a {style} handwritten {numeral}",
    "a picture of the number {numeral}",
    "a scan of a {style} digit {word}",
)
ZERO_SHOT_TEMPLATE = "a photo of the number {word}"
MAX_TOKENS = 8
PAD, UNKNOWN = 0, 1


def ink_styles(images: np.ndarray, labels: np.ndarray) -> list[str]:
    """ "bold" for an image with more ink than the median image of its digit, else "thin"."""
    ink = np.asarray(images, dtype="float64").reshape(len(images), -1).sum(axis=1)
    labels = np.asarray(labels)
    medians = {label: np.median(ink[labels == label]) for label in np.unique(labels)}
    pairs = zip(ink, labels, strict=True)
    return ["bold" if value > medians[label] else "thin" for value, label in pairs]


def captions(labels: np.ndarray, styles: Sequence[str], rng: np.random.Generator) -> list[str]:
    """One caption per image, each from a random training template."""
    chosen = rng.integers(len(TRAINING_TEMPLATES), size=len(labels))
    return [
        TRAINING_TEMPLATES[index].format(word=WORDS[label], numeral=label, style=style)
        for index, label, style in zip(chosen, np.asarray(labels), styles, strict=True)
    ]


def zero_shot_prompts(classes: int = len(WORDS)) -> list[str]:
    return [ZERO_SHOT_TEMPLATE.format(word=word) for word in WORDS[:classes]]


def vocabulary() -> tuple[str, ...]:
    """Every word the templates and prompts can write, after the padding and unknown ids."""
    words: set[str] = set()
    for template in (*TRAINING_TEMPLATES, ZERO_SHOT_TEMPLATE):
        for label, word in enumerate(WORDS):
            for style in ("bold", "thin"):
                words.update(template.format(word=word, numeral=label, style=style).split())
    return ("", "[UNK]", *sorted(words))


def tokenize(sentences: Sequence[str], words: Sequence[str]) -> np.ndarray:
    """N×MAX_TOKENS word ids, padded with 0 (longer sentences are cut)."""
    index = {word: i for i, word in enumerate(words)}
    ids = np.full((len(sentences), MAX_TOKENS), PAD, dtype="int32")
    for row, sentence in enumerate(sentences):
        tokens = [index.get(word, UNKNOWN) for word in sentence.lower().split()][:MAX_TOKENS]
        ids[row, : len(tokens)] = tokens
    return ids
