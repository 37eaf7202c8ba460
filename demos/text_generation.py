"""How the word-level demos (the chapter 5 LSTM, the chapter 9 GPT) train and show what they learnt.

Only their networks differ. Both read a corpus (`demos.text_data`), train next-word prediction
with a sparse categorical cross-entropy that ignores the padding, continue the corpus's prompt at
each `--temperature`, and save the texts, the model and the vocabulary. This module holds those
shared steps; each demo builds its network and adds its own pictures between them.

Imports numpy; keras only inside the functions, because demo modules import this one before the
entry point has chosen the backend.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from demos.entrypoint import TrainingRun
from demos.text_data import (
    Sequences,
    TextCorpus,
    Vocabulary,
    dataset_event,
    encode_documents,
    generate_text,
    generation_rng,
    load_corpus,
    positive_float,
    tokenize,
)

#: Sampling temperatures of the generated texts: low values pick likely words, high values more
#: surprising ones.
TEMPERATURES = (1.0, 0.5, 0.2)


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
    """A corpus, the vocabulary built from it, and the training sequences encoded with it."""

    corpus: TextCorpus
    vocabulary: Vocabulary
    sequences: Sequences


def load_training_text(demo: TrainingRun, *, vocab_size: int, max_len: int) -> TrainingText:
    """Load the corpus for `--data`, cut it down for capped runs, encode it, emit `dataset`.

    The vocabulary comes from every document; a capped run trains on the first batches of a
    seeded permutation of them. The book's dataset it stands in for is the demo's
    `dataset_key` in the catalogue.
    """
    options = demo.options
    corpus = load_corpus(options.data, stands_in_for=demo.info.dataset_key)
    documents = [tokenize(d) for d in corpus.documents]
    rng = np.random.default_rng(options.seed)
    order = rng.permutation(len(documents))
    if options.max_steps_per_epoch is not None:
        order = order[: options.max_steps_per_epoch * options.batch_size]
    vocabulary = Vocabulary.build(documents, vocab_size)
    sequences = encode_documents([documents[i] for i in order], vocabulary, max_len)
    demo.events.write(dataset_event(corpus, sequences, vocabulary))
    return TrainingText(corpus, vocabulary, sequences)


def fit_and_generate(
    demo: TrainingRun,
    model: Any,
    text: TrainingText,
    *,
    max_tokens: int,
    window: int | None = None,
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    """Train `model` (word ids -> next-word probabilities), then continue the corpus's prompt once
    per `--temperature`.

    Returns the `done` metrics (final loss and perplexity) and the texts, as
    `{"temperature": T, "text": ...}` in the order of the temperatures. `window` keeps only the
    last tokens as context (a transformer's context length); each text has its own random stream
    (`generation_rng`), so a reloaded model writes the same texts.
    """
    import keras

    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"),
        jit_compile=demo.plan.jit_compile,
    )
    sequences = text.sequences
    history = demo.fit(model, sequences.x, sequences.y, sample_weight=sequences.weights)

    def next_probabilities(ids: np.ndarray) -> np.ndarray:
        return np.asarray(model(ids, training=False))[0, -1]

    temperatures = demo.options.extra.get("temperature", TEMPERATURES)
    texts = [
        {
            "temperature": temperature,
            "text": generate_text(
                next_probabilities,
                text.vocabulary,
                text.corpus.prompt,
                max_tokens=max_tokens,
                temperature=temperature,
                rng=generation_rng(demo.options.seed, index),
                window=window,
            ),
        }
        for index, temperature in enumerate(temperatures)
    ]
    final_loss = float(history.history["loss"][-1])
    return {"loss": final_loss, "perplexity": float(np.exp(final_loss))}, texts


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
