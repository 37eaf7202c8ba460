"""Chapter 9 demo: the book's small GPT, a decoder-only transformer with causal attention.

    python -m demos.gpt [--quick] [--data auto|offline|PATH] [--temperature T [T ...]] ...

The book trains on 130,000 wine reviews from Kaggle ("wine review : <country> : <province> :
<variety> : <description>"); `--data PATH` takes that `winemag-data-130k-v2.json` as it comes, or
any text file. `--data offline` (and `auto`) trains on the bundled deck's own notes and cards
(see `demos.text_data`), real text shipped with the project.

Model, as in the book: token + position embeddings (256 each, learned) -> one transformer block
(MultiHeadAttention with 2 heads of key size 256 under a causal mask, dropout 0.1, residual +
LayerNormalization, a 256-unit relu feed-forward layer, residual + LayerNormalization) -> Dense
over the vocabulary (softmax). At most 10,000 words, contexts of 80 tokens, Adam, sparse
categorical cross-entropy, batch 32, 5 epochs; the contexts are windows at random places of the
whole text and an epoch is at least 100 steps (`demos.text_generation`), where the book pads
or cuts each review to 81 tokens. The causal mask is built explicitly
(`causal_attention_mask`): position i may attend to positions j <= i only, which is what makes
the model a next-word predictor that can be trained on every position of a sequence at once.

Artifacts: `generated.txt` / `generated.json` (continuations of a prompt at each
`--temperature`), `attention.png` (each head's attention weights over one generated text),
`model.keras` (reload with `keras.saving.load_model(path, custom_objects=custom_objects())`)
and `vocabulary.json`. keras is imported inside the functions: the entry point sets
KERAS_BACKEND before the first keras import.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import attention_map
from demos.text_data import check_text_data, tokenize
from demos.text_generation import (
    add_arguments,
    fit_and_generate,
    load_training_text,
    write_text_artifacts,
)
from studyapp.demos.catalogue import demo_by_module

VOCAB_SIZE = 10_000
MAX_LEN = 80
EMBEDDING_DIM = 256
KEY_DIM = 256
N_HEADS = 2
FEED_FORWARD_DIM = 256
DROPOUT_RATE = 0.1
GENERATED_WORDS = 80
#: Tokens shown in the attention picture (a longer text makes unreadable labels).
ATTENTION_TOKENS = 24


@functools.cache
def custom_objects() -> dict[str, Any]:
    """The model's own layers, for `keras.saving.load_model` (defined once keras is imported)."""
    import keras
    from keras import layers, ops

    def causal_attention_mask(batch_size: Any, length: Any) -> Any:
        """(batch, length, length) booleans: query i may see key j only when j <= i."""
        i = ops.expand_dims(ops.arange(length), 1)
        j = ops.expand_dims(ops.arange(length), 0)
        return ops.broadcast_to(ops.expand_dims(i >= j, 0), (batch_size, length, length))

    @keras.saving.register_keras_serializable(package="studyapp_gpt")
    class TokenAndPositionEmbedding(layers.Layer):
        def __init__(self, max_len: int, vocab_size: int, embed_dim: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.max_len, self.vocab_size, self.embed_dim = max_len, vocab_size, embed_dim
            self.token_emb = layers.Embedding(vocab_size, embed_dim, name="token_emb")
            self.pos_emb = layers.Embedding(max_len, embed_dim, name="pos_emb")

        def build(self, input_shape: Any) -> None:
            # Explicit, so that a reloaded model builds its weights before they are loaded.
            self.token_emb.build(input_shape)
            self.pos_emb.build((input_shape[-1],))

        def call(self, x: Any) -> Any:
            positions = ops.arange(0, ops.shape(x)[-1])
            return self.token_emb(x) + self.pos_emb(positions)

        def get_config(self) -> dict[str, Any]:
            return {
                **super().get_config(),
                "max_len": self.max_len,
                "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim,
            }

    @keras.saving.register_keras_serializable(package="studyapp_gpt")
    class TransformerBlock(layers.Layer):
        def __init__(
            self,
            num_heads: int,
            key_dim: int,
            embed_dim: int,
            ff_dim: int,
            dropout_rate: float = DROPOUT_RATE,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self.num_heads, self.key_dim, self.embed_dim = num_heads, key_dim, embed_dim
            self.ff_dim, self.dropout_rate = ff_dim, dropout_rate
            self.attn = layers.MultiHeadAttention(
                num_heads, key_dim, output_shape=embed_dim, name="attention"
            )
            self.dropout_1 = layers.Dropout(dropout_rate)
            self.ln_1 = layers.LayerNormalization(epsilon=1e-6)
            self.ffn_1 = layers.Dense(ff_dim, activation="relu")
            self.ffn_2 = layers.Dense(embed_dim)
            self.dropout_2 = layers.Dropout(dropout_rate)
            self.ln_2 = layers.LayerNormalization(epsilon=1e-6)

        def build(self, input_shape: Any) -> None:
            self.attn.build(input_shape, input_shape)
            self.ln_1.build(input_shape)
            self.ffn_1.build(input_shape)
            self.ffn_2.build((*input_shape[:-1], self.ff_dim))
            self.ln_2.build(input_shape)

        def call(self, inputs: Any, training: bool | None = None) -> tuple[Any, Any]:
            shape = ops.shape(inputs)
            mask = causal_attention_mask(shape[0], shape[1])
            attention_output, attention_scores = self.attn(
                inputs,
                inputs,
                attention_mask=mask,
                return_attention_scores=True,
                training=training,
            )
            out_1 = self.ln_1(inputs + self.dropout_1(attention_output, training=training))
            ffn_output = self.dropout_2(self.ffn_2(self.ffn_1(out_1)), training=training)
            return self.ln_2(out_1 + ffn_output), attention_scores

        def get_config(self) -> dict[str, Any]:
            return {
                **super().get_config(),
                "num_heads": self.num_heads,
                "key_dim": self.key_dim,
                "embed_dim": self.embed_dim,
                "ff_dim": self.ff_dim,
                "dropout_rate": self.dropout_rate,
            }

    return {
        "TokenAndPositionEmbedding": TokenAndPositionEmbedding,
        "TransformerBlock": TransformerBlock,
        "causal_attention_mask": causal_attention_mask,
    }


def build_gpt(vocab_size: int = VOCAB_SIZE, max_len: int = MAX_LEN) -> tuple[Any, Any]:
    """(gpt, attention_model): next-word probabilities, and the same plus attention scores."""
    import keras
    from keras import layers

    objects = custom_objects()
    inputs = keras.Input(shape=(None,), dtype="int32", name="word_ids")
    x = objects["TokenAndPositionEmbedding"](max_len, vocab_size, EMBEDDING_DIM)(inputs)
    x, attention_scores = objects["TransformerBlock"](
        N_HEADS, KEY_DIM, EMBEDDING_DIM, FEED_FORWARD_DIM, name="transformer_block"
    )(x)
    outputs = layers.Dense(vocab_size, activation="softmax", dtype="float32")(x)
    gpt = keras.Model(inputs, outputs, name="gpt")
    return gpt, keras.Model(inputs, [outputs, attention_scores], name="gpt_with_attention")


def train(demo: TrainingRun) -> dict[str, float]:
    text = load_training_text(demo, vocab_size=VOCAB_SIZE, max_len=MAX_LEN)
    gpt, attention_model = build_gpt(len(text.vocabulary))
    metrics, texts = fit_and_generate(
        demo, gpt, text, length=MAX_LEN, max_tokens=GENERATED_WORDS, window=MAX_LEN
    )
    # The attention picture: one generated text (the coolest temperature reads best), cut short.
    shown = tokenize(min(texts, key=lambda t: t["temperature"])["text"])[:ATTENTION_TOKENS]
    ids = np.asarray([text.vocabulary.encode(shown)], dtype="int32")
    _, scores = attention_model(ids, training=False)
    demo.artifact(
        "attention",
        attention_map(
            np.asarray(scores, dtype="float32")[0],
            shown,
            demo.out_dir / "attention.png",
            title=f"GPT attention over a generated text ({N_HEADS} heads, causal mask)",
        ),
    )
    write_text_artifacts(demo, text.corpus.prompt, texts, gpt, text.vocabulary)
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
