"""Chapter 5 demo: the book's word-level LSTM that writes text one word at a time.

    python -m demos.lstm_text [--quick] [--data auto|offline|PATH] [--temperature T [T ...]] ...

The book trains on 20,000 Epicurious recipes from Kaggle ("Recipe for <title> | <directions>"),
which the app never downloads: `--data PATH` takes that `full_format_recipes.json` as it comes,
or any text file. `--data offline` (and `auto`, which has no cache to look in) trains on real
text shipped with the project: the bundled deck's own notes and cards (see `demos.text_data`).

Model, as in the book: word ids -> Embedding 100 -> LSTM 128 (return_sequences) -> Dense over the
vocabulary (softmax); at most 10,000 words, sequences of 200 tokens, Adam, sparse categorical
cross-entropy, batch 32, 25 epochs. Unlike the book, which pads or cuts each document to 201
tokens, the sequences are windows of 201 tokens at random places of the whole text, the
documents joined with the end token between them (so the model still learns where a text
ends, and the book's generator still stops there), and an epoch is at least 100 steps
(`demos.text_generation`); a tenth of the documents is held out for the validation perplexity.

Artifacts: `generated.txt` and `generated.json` (texts continued from a prompt at each
`--temperature`: low values pick likely words, high values more surprising ones),
`model.keras` (reloadable with `keras.saving.load_model`) and `vocabulary.json`. Training,
generating and saving are shared with `demos.gpt` (`demos.text_generation`). keras is imported
inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.text_data import check_text_data
from demos.text_generation import (
    add_arguments,
    fit_and_generate,
    load_training_text,
    write_text_artifacts,
)
from studyapp.demos.catalogue import demo_by_module

VOCAB_SIZE = 10_000
MAX_LEN = 200
EMBEDDING_DIM = 100
N_UNITS = 128
#: Words generated after the prompt (the book's TextGenerator writes up to 100).
GENERATED_WORDS = 100


def build_model(vocab_size: int = VOCAB_SIZE) -> Any:
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None,), dtype="int32", name="word_ids")
    x = layers.Embedding(vocab_size, EMBEDDING_DIM)(inputs)
    x = layers.LSTM(N_UNITS, return_sequences=True)(x)
    # float32 probabilities under a mixed policy: the sampling takes their logarithm.
    outputs = layers.Dense(vocab_size, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="lstm")


def train(demo: TrainingRun) -> dict[str, float]:
    text = load_training_text(demo, vocab_size=VOCAB_SIZE, max_len=MAX_LEN)
    model = build_model(len(text.vocabulary))
    metrics, texts = fit_and_generate(demo, model, text, length=MAX_LEN, max_tokens=GENERATED_WORDS)
    write_text_artifacts(demo, text.corpus.prompt, texts, model, text.vocabulary)
    return metrics


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    add_arguments=add_arguments,
    check_data=check_text_data,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
