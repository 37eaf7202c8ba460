"""How the word-level demos (the chapter 5 LSTM, the chapter 9 GPT) train and show what they learnt.

Only their networks differ. Both read a corpus (`demos.text_data`), hold out a tenth of its
documents, and train next-word prediction on windows drawn at random positions of the training
stream, a fresh draw every step. A run is sized by steps: an epoch is one pass over the training
text's tokens, but at least `MIN_STEPS_PER_EPOCH` steps (the bundled deck fills only a handful
of windows), and `--quick` / `--lesson` cap it. Then they continue the corpus's prompt at each
`--temperature` and save the texts, the model and the vocabulary. This module holds those shared
steps; each demo builds its network and adds its own pictures between them.

The lesson metric, `perplexity_ratio`, is the validation perplexity divided by that of a
unigram model (word frequencies counted on the training text, add-one smoothed): below 1 the
network uses the context; the lesson asks for 0.7, i.e. 30% below.

Imports numpy; keras only inside the functions, because demo modules import this one before the
entry point has chosen the backend.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from demos import lesson_metrics
from demos.data import DatasetUnavailable
from demos.entrypoint import TrainingRun
from demos.text_data import (
    TextCorpus,
    Vocabulary,
    dataset_event,
    generate_text,
    generation_rng,
    load_corpus,
    positive_float,
    split_documents,
    tiled_windows,
    token_stream,
    tokenize,
    windows_at,
)

#: Sampling temperatures of the generated texts: low values pick likely words, high values more
#: surprising ones.
TEMPERATURES = (1.0, 0.5, 0.2)
#: The fewest steps of an epoch, whatever the size of the text.
MIN_STEPS_PER_EPOCH = 100
#: Words a `--quick` smoke run continues the prompt by, at each temperature: its network has
#: learnt next to nothing, and a word costs a forward pass over the whole context, eagerly (an
#: LSTM's recurrence runs step by step): 100 words took most of a quick lstm-text run's two
#: minutes in mixed precision on a CPU (2026-12-03).
QUICK_GENERATED_WORDS = 12


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The text demos' own option, `--temperature T [T ...]`."""
    parser.add_argument(
        "--temperature",
        type=positive_float,
        nargs="+",
        default=list(TEMPERATURES),
        help="sampling temperature(s) for the generated texts "
        f"(default {' '.join(map(str, TEMPERATURES))})",
    )


@dataclass(frozen=True)
class TrainingText:
    """A corpus, the vocabulary of its training documents, and both token streams."""

    corpus: TextCorpus
    vocabulary: Vocabulary
    train: np.ndarray
    validation: np.ndarray


def load_training_text(demo: TrainingRun, *, vocab_size: int, max_len: int) -> TrainingText:
    """Read `--data`, hold out validation documents, build the vocabulary of the training ones
    (at most `vocab_size` words) and both streams; emit `dataset`. The book's dataset this text
    stands in for is the demo's `dataset_key` in the catalogue."""
    options = demo.options
    corpus = load_corpus(options.data, stands_in_for=demo.info.dataset_key)
    documents = [tokenize(d) for d in corpus.documents]
    train_documents, validation_documents = split_documents(documents, options.seed)
    vocabulary = Vocabulary.build(train_documents, vocab_size)
    train = token_stream(train_documents, vocabulary)
    validation = token_stream(validation_documents, vocabulary)
    if len(train) <= max_len + 1 or len(validation) < 2:
        raise DatasetUnavailable(
            f"--data {options.data}: {len(train) + len(validation)} words is too little text "
            f"for windows of {max_len} words"
        )
    demo.events.write(dataset_event(corpus, train, validation, vocabulary))
    return TrainingText(corpus, vocabulary, train, validation)


def steps_per_epoch(demo: TrainingRun, tokens: int, length: int) -> int:
    """One pass over `tokens` in windows of `length`, at least `MIN_STEPS_PER_EPOCH`, capped
    by `--quick`, `--lesson` or KERAS_MAX_STEPS_PER_EPOCH."""
    options = demo.options
    steps = max(MIN_STEPS_PER_EPOCH, math.ceil(tokens / (length * options.batch_size)))
    if options.max_steps_per_epoch is not None:
        steps = min(steps, options.max_steps_per_epoch)
    return steps


def window_batches(
    stream: np.ndarray, *, length: int, batch_size: int, steps: int, seed: int
) -> Any:
    """A Keras `PyDataset` of `steps` batches per epoch of windows at random positions of
    `stream`; batch i of epoch e is the same in every run with the same seed."""
    import keras

    class WindowBatches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__()
            self.epoch = 0

        def __len__(self) -> int:
            return steps

        def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
            rng = np.random.default_rng([seed, self.epoch, index])
            return windows_at(stream, rng.integers(0, len(stream) - length, batch_size), length)

        def on_epoch_end(self) -> None:
            self.epoch += 1

    return WindowBatches()


def fit_and_generate(
    demo: TrainingRun,
    model: Any,
    text: TrainingText,
    *,
    length: int,
    max_tokens: int,
    window: int | None = None,
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Train `model` (word ids -> next-word probabilities) on windows of `length` words, measure
    it on the validation text, then continue the corpus's prompt once per `--temperature` by
    up to `max_tokens` words (`QUICK_GENERATED_WORDS` in a `--quick` run).

    Returns the `done` metrics (final loss; validation and unigram perplexity and their ratio)
    and the texts, as `{"temperature": T, "text": ...}` in the order of the temperatures.
    `window` keeps only the last tokens as context (a transformer's context length); each text
    has its own random stream (`generation_rng`), so a reloaded model writes the same texts.
    """
    import keras

    options = demo.options
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        jit_compile=demo.plan.jit_compile,
    )
    steps = steps_per_epoch(demo, len(text.train), length)
    batches = window_batches(
        text.train, length=length, batch_size=options.batch_size, steps=steps, seed=options.seed
    )
    x_validation, y_validation = tiled_windows(text.validation, length)
    demo.prepare(model)
    history = model.fit(
        batches,
        epochs=options.epochs,
        validation_data=(x_validation, y_validation),
        verbose=0,
        callbacks=[demo.progress_callback()],
    )
    validation_loss = float(model.evaluate(x_validation, y_validation, verbose=0))
    unigram = lesson_metrics.unigram_perplexity(
        text.train, y_validation.reshape(-1), len(text.vocabulary)
    )

    def next_probabilities(ids: np.ndarray) -> np.ndarray:
        return np.asarray(model(ids, training=False))[0, -1]

    temperatures = options.extra.get("temperature", TEMPERATURES)
    if options.quick:
        max_tokens = min(max_tokens, QUICK_GENERATED_WORDS)
    texts = [
        {
            "temperature": temperature,
            "text": generate_text(
                next_probabilities,
                text.vocabulary,
                text.corpus.prompt,
                max_tokens=max_tokens,
                temperature=temperature,
                rng=generation_rng(options.seed, index),
                window=window,
            ),
        }
        for index, temperature in enumerate(temperatures)
    ]
    perplexity = math.exp(validation_loss)
    return {
        "loss": float(history.history["loss"][-1]),
        "val_perplexity": perplexity,
        "unigram_perplexity": unigram,
        "perplexity_ratio": lesson_metrics.ratio(perplexity, unigram),
        "steps": float(steps * options.epochs),
    }, texts


def write_text_artifacts(
    demo: TrainingRun,
    prompt: str,
    texts: Sequence[dict[str, Any]],
    model: Any,
    vocabulary: Vocabulary,
) -> None:
    """generated.txt, generated.json, model.keras and vocabulary.json."""
    lines = [f"{demo.options.demo}: text continued from the prompt {prompt!r}", ""]
    for sample in texts:
        lines += [f"temperature {sample['temperature']}:", sample["text"], ""]
    text_path = demo.out_dir / "generated.txt"
    text_path.write_text("\n".join(lines), encoding="utf-8")
    demo.artifact("text", text_path)
    demo.write_json("generated-text", "generated.json", {"prompt": prompt, "samples": texts})
    demo.save_model(model)
    demo.write_json("vocabulary", "vocabulary.json", vocabulary.to_json())
