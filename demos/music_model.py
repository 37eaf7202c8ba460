"""The music demo's model, as in the book, and how it writes a new piece.

Note ids and duration ids each get an Embedding of 128 (he_uniform) plus a sine position
encoding; the two are concatenated into 256 values per event -> one transformer block (the
chapter 9 GPT's: MultiHeadAttention, 5 heads of key size 256 under a causal mask, dropout 0.3,
residual + LayerNormalization, a 256-unit relu feed-forward layer, residual +
LayerNormalization) -> two softmax heads, the next note and the next duration.

Generation, as in the book's MusicGenerator: start from "START", sample the next note and the
next duration from the two heads at a temperature, append, repeat. Two constraints keep the
output playable: "START" (a new piece) and the padding/unknown tokens are never drawn, and a
sounding event (note or rest) never gets the zero duration of a key or time signature, which in
turn always gets "0.0".

keras is imported inside the functions: the entry point sets KERAS_BACKEND before the first
keras import.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np

from demos.music_data import SEQ_LEN, START, ZERO_DURATION, duration_value, is_sounding
from demos.text_data import PAD, UNK, Vocabulary

EMBEDDING_DIM = 256
KEY_DIM = 256
N_HEADS = 5
DROPOUT_RATE = 0.3
FEED_FORWARD_DIM = 256


@functools.cache
def custom_objects() -> dict[str, Any]:
    """The model's own layers, for `keras.saving.load_model` (defined once keras is imported).

    The transformer block and its causal mask are the chapter 9 GPT's, as in the book.
    """
    import keras
    from keras import layers, ops

    from demos import gpt

    def sine_position_encoding(length: Any, width: int, dtype: str) -> Any:
        """(length, width): sin on even features, cos on odd ones, wavelengths up to 10,000
        (KerasNLP's SinePositionEncoding, which the book uses)."""
        position = ops.cast(ops.arange(length), "float32")
        features = ops.arange(width)
        timescales = ops.power(
            1.0 / 10_000.0, ops.cast(2 * (features // 2), "float32") / float(width)
        )
        angles = ops.expand_dims(position, 1) * ops.expand_dims(timescales, 0)
        cos_mask = ops.cast(features % 2, "float32")
        encoding = ops.sin(angles) * (1.0 - cos_mask) + ops.cos(angles) * cos_mask
        return ops.cast(encoding, dtype)

    @keras.saving.register_keras_serializable(package="studyapp_music")
    class TokenAndSinePositionEmbedding(layers.Layer):
        def __init__(self, vocab_size: int, embed_dim: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.vocab_size, self.embed_dim = vocab_size, embed_dim
            self.token_emb = layers.Embedding(
                vocab_size, embed_dim, embeddings_initializer="he_uniform", name="token_emb"
            )

        def build(self, input_shape: Any) -> None:
            # Explicit, so that a reloaded model builds its weights before they are loaded.
            self.token_emb.build(input_shape)

        def call(self, x: Any) -> Any:
            embedding = self.token_emb(x)
            encoding = sine_position_encoding(ops.shape(x)[-1], self.embed_dim, self.compute_dtype)
            return embedding + encoding

        def get_config(self) -> dict[str, Any]:
            return {
                **super().get_config(),
                "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim,
            }

    return {
        **gpt.custom_objects(),
        "TokenAndSinePositionEmbedding": TokenAndSinePositionEmbedding,
        "sine_position_encoding": sine_position_encoding,
    }


def build_music_transformer(
    note_vocab_size: int,
    duration_vocab_size: int,
    *,
    embedding_dim: int = EMBEDDING_DIM,
    num_heads: int = N_HEADS,
    key_dim: int = KEY_DIM,
    feed_forward_dim: int = FEED_FORWARD_DIM,
) -> Any:
    """Two id streams in ((batch, T) each), two next-event distributions out ((batch, T, V))."""
    import keras
    from keras import layers

    objects = custom_objects()
    note_inputs = keras.Input(shape=(None,), dtype="int32", name="note_ids")
    duration_inputs = keras.Input(shape=(None,), dtype="int32", name="duration_ids")
    embed = objects["TokenAndSinePositionEmbedding"]
    note_embeddings = embed(note_vocab_size, embedding_dim // 2, name="note_embedding")(note_inputs)
    duration_embeddings = embed(duration_vocab_size, embedding_dim // 2, name="duration_embedding")(
        duration_inputs
    )
    embeddings = layers.Concatenate(name="event_embedding")([note_embeddings, duration_embeddings])
    x, _ = objects["TransformerBlock"](
        num_heads, key_dim, embedding_dim, feed_forward_dim, DROPOUT_RATE, name="attention"
    )(embeddings)
    # float32 probabilities under a mixed policy: the sampling takes their logarithm.
    note_outputs = layers.Dense(
        note_vocab_size, activation="softmax", dtype="float32", name="note_outputs"
    )(x)
    duration_outputs = layers.Dense(
        duration_vocab_size, activation="softmax", dtype="float32", name="duration_outputs"
    )(x)
    return keras.Model(
        [note_inputs, duration_inputs], [note_outputs, duration_outputs], name="music_transformer"
    )


def sample_from(
    probabilities: np.ndarray, allowed: np.ndarray, temperature: float, rng: np.random.Generator
) -> int:
    """Draw an index among `allowed` from `probabilities` sharpened or flattened by temperature
    (the book's `sample_from`: p ** (1 / T), renormalised)."""
    logits = np.log(np.clip(np.asarray(probabilities, dtype="float64"), 1e-12, None)) / temperature
    logits = np.where(allowed, logits, -np.inf)
    logits -= logits.max()
    weights = np.exp(logits)
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def generation_rng(seed: int) -> np.random.Generator:
    """The random stream of a run's generated piece: a reloaded model given the same stream
    must write the same music."""
    return np.random.default_rng([seed, 11])


def generate_music(
    model: Any,
    note_vocabulary: Vocabulary,
    duration_vocabulary: Vocabulary,
    *,
    events: int,
    temperature: float,
    rng: np.random.Generator,
) -> tuple[list[str], list[str]]:
    """(notes, durations) of a new piece, START first, sampled one event at a time."""
    notes, durations = [START], [ZERO_DURATION]
    note_index, duration_index = note_vocabulary.index(), duration_vocabulary.index()
    note_allowed = np.array([is_sounding(w) or w.endswith("TS") or ":" in w
                             for w in note_vocabulary.words])  # fmt: skip
    zero = np.array([w == ZERO_DURATION for w in duration_vocabulary.words])
    positive = np.array(
        [w not in (PAD, UNK) and duration_value(w) > 0 for w in duration_vocabulary.words]
    )
    while len(notes) < events:
        x_notes = np.asarray([[note_index.get(n, 1) for n in notes[-SEQ_LEN:]]], dtype="int32")
        x_durations = np.asarray(
            [[duration_index.get(d, 1) for d in durations[-SEQ_LEN:]]], dtype="int32"
        )
        with warnings.catch_warnings():
            # With START alone as context each head attends to a single key, and Keras warns
            # that a softmax over an axis of size 1 is always 1: here that is exactly right.
            warnings.filterwarnings(
                "ignore", message="You are using a softmax over axis", category=UserWarning
            )
            note_probabilities, duration_probabilities = model(
                [x_notes, x_durations], training=False
            )
        note = note_vocabulary.words[
            sample_from(np.asarray(note_probabilities)[0, -1], note_allowed, temperature, rng)
        ]
        allowed = positive if is_sounding(note) else zero
        if not allowed.any():  # a vocabulary without such durations: take what there is
            allowed = positive | zero
        duration = duration_vocabulary.words[
            sample_from(np.asarray(duration_probabilities)[0, -1], allowed, temperature, rng)
        ]
        notes.append(note)
        durations.append(duration)
    return notes, durations
