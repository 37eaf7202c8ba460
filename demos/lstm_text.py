"""Chapter 5 demo: the book's word-level LSTM that writes text one word at a time.

    python -m demos.lstm_text [--quick] [--data auto|offline|PATH] [--temperature T [T ...]] ...

The book trains on 20,000 Epicurious recipes from Kaggle ("Recipe for <title> | <directions>"),
which the app never downloads: `--data PATH` takes that `full_format_recipes.json` as it comes,
or any text file. `--data offline` (and `auto`, which has no cache to look in) trains on real
text shipped with the project: the bundled deck's own notes and cards (see `demos.text_data`).

Model, as in the book: word ids -> Embedding 100 -> LSTM 128 (return_sequences) -> Dense over the
vocabulary (softmax); at most 10,000 words, sequences of 200 tokens, Adam, sparse categorical
cross-entropy, batch 32, 25 epochs. Each sequence is a document padded or cut to 201 tokens; the
loss ignores the padding but keeps the first pad after a text, so the model learns where texts
end (the book's generator stops on that token).

Artifacts: `generated.txt` and `generated.json` (texts continued from a prompt at each
`--temperature`: low values pick likely words, high values more surprising ones),
`model.keras` (reloadable with `keras.saving.load_model`) and `vocabulary.json`.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos.entrypoint import DemoRun, DemoSpec, run
from demos.options import TrainingDefaults
from demos.text_data import (
    Vocabulary,
    check_text_data,
    dataset_event,
    encode_documents,
    generate_text,
    generation_rng,
    load_corpus,
    positive_float,
    tokenize,
)

NAME = "lstm-text"
VOCAB_SIZE = 10_000
MAX_LEN = 200
EMBEDDING_DIM = 100
N_UNITS = 128
DEFAULTS = TrainingDefaults(epochs=25, batch_size=32, quick_epochs=3, quick_steps_per_epoch=10)
TEMPERATURES = (1.0, 0.5, 0.2)
#: Words generated after the prompt (the book's TextGenerator writes up to 100).
GENERATED_WORDS = 100


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--temperature",
        type=positive_float,
        nargs="+",
        default=list(TEMPERATURES),
        help="sampling temperature(s) for the generated texts "
        f"(default {' '.join(map(str, TEMPERATURES))})",
    )


def build_model(vocab_size: int = VOCAB_SIZE) -> Any:
    import keras
    from keras import layers

    inputs = keras.Input(shape=(None,), dtype="int32", name="word_ids")
    x = layers.Embedding(vocab_size, EMBEDDING_DIM)(inputs)
    x = layers.LSTM(N_UNITS, return_sequences=True)(x)
    # float32 probabilities under a mixed policy: the sampling takes their logarithm.
    outputs = layers.Dense(vocab_size, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="lstm")


def train(demo: DemoRun) -> dict[str, float]:
    import keras

    options = demo.options
    corpus = load_corpus(options.data, stands_in_for="epicurious-recipes")
    documents = [tokenize(d) for d in corpus.documents]
    rng = np.random.default_rng(options.seed)
    order = rng.permutation(len(documents))
    if options.max_steps_per_epoch is not None:
        order = order[: options.max_steps_per_epoch * options.batch_size]
    vocabulary = Vocabulary.build(documents, VOCAB_SIZE)
    sequences = encode_documents([documents[i] for i in order], vocabulary, MAX_LEN)
    demo.events.emit("dataset", **dataset_event(corpus, sequences, vocabulary))

    model = build_model(len(vocabulary))
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(reduction="mean_with_sample_weight"),
        jit_compile=demo.plan.jit_compile,
    )
    history = model.fit(
        sequences.x,
        sequences.y,
        sample_weight=sequences.weights,
        epochs=options.epochs,
        batch_size=options.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[demo.progress_callback()],
    )

    def next_probabilities(ids: np.ndarray) -> np.ndarray:
        return np.asarray(model(ids, training=False))[0, -1]

    temperatures = options.extra.get("temperature", TEMPERATURES)
    texts = [
        {
            "temperature": temperature,
            "text": generate_text(
                next_probabilities,
                vocabulary,
                corpus.prompt,
                max_tokens=GENERATED_WORDS,
                temperature=temperature,
                rng=generation_rng(options.seed, index),
            ),
        }
        for index, temperature in enumerate(temperatures)
    ]
    write_text_artifacts(demo, corpus.prompt, texts, model, vocabulary)
    final_loss = float(history.history["loss"][-1])
    return {"loss": final_loss, "perplexity": float(np.exp(final_loss))}


def write_text_artifacts(
    demo: DemoRun,
    prompt: str,
    texts: Sequence[dict[str, Any]],
    model: Any,
    vocabulary: Vocabulary,
) -> None:
    """generated.txt, generated.json, model.keras and vocabulary.json (shared with `gpt`)."""
    lines = [f"{demo.options.demo}: text continued from the prompt {prompt!r}", ""]
    for sample in texts:
        lines += [f"temperature {sample['temperature']}:", sample["text"], ""]
    text_path = demo.out_dir / "generated.txt"
    text_path.write_text("\n".join(lines), encoding="utf-8")
    demo.artifact("text", text_path)
    demo.write_json("generated-text", "generated.json", {"prompt": prompt, "samples": texts})
    model_path = demo.out_dir / "model.keras"
    model.save(model_path)
    demo.artifact("model", model_path)
    demo.write_json("vocabulary", "vocabulary.json", vocabulary.to_json())


SPEC = DemoSpec(
    name=NAME,
    title="Word-level LSTM text generation (Generative Deep Learning, chapter 5)",
    dataset="epicurious-recipes",
    defaults=DEFAULTS,
    train=train,
    add_arguments=add_arguments,
    check_data=check_text_data,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
