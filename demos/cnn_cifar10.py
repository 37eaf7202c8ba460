"""Chapter 2 demo: the book's convolutional network on CIFAR-10, with an optimised input loop.

    python -m demos.cnn_cifar10 [--quick] [--data auto|offline|PATH] ...

The model is the book's, unchanged: four Conv2D (kernel 3, same padding; 32 s1, 32 s2, 64 s1,
64 s2) + BatchNormalization + LeakyReLU blocks, Flatten, Dense 128, BatchNormalization,
LeakyReLU, Dropout 0.5, Dense 10 softmax: 592,554 parameters. Artifacts: a confusion matrix PNG
and `metrics.json` (test accuracy).

The training loop is where this demo differs from the book's `model.fit(x, y, batch_size=32)`:

* Batch 256 instead of 32, with the learning rate scaled by the square root of the batch ratio
  (5e-4 * sqrt(256 / 32) ≈ 1.4e-3). Eight times fewer optimizer steps and host round trips per
  epoch; on a GPU a 32-image batch leaves most of the device idle. The square-root rule (rather
  than the linear rule used for SGD) is the one that keeps Adam's update noise comparable
  (Hoffer et al. 2017; Malladi et al. 2022), and it keeps BatchNorm statistics stable at the
  start of training, where the linear rule's 4e-3 is too aggressive for this small network.
* On TensorFlow, a `tf.data` pipeline: uint8 images stay uint8 in host memory (4× less than the
  book's float32 copy), batches are shuffled, cast and scaled as whole tensors on the pipeline's
  threads, and `prefetch` overlaps that with the training step. No `cache()`: the source is
  already an in-memory tensor, and caching the float32 output would only quadruple the memory
  for a cast that is cheaper than reading it back. Other backends get the same arrays through
  Keras' own adapters.
* `jit_compile=True` (XLA) on GPUs and TPUs; off on CPU-only machines, the same rule as Keras'
  own `jit_compile="auto"`, because XLA's CPU convolutions are slower than oneDNN's (measured
  in bench/demo_throughput.py).

`--reference` trains the book's own loop instead (batch 32, Adam 5e-4, one-hot labels, 10
epochs on the full CIFAR-10), and the `done` event compares its test accuracy with the book's
0.7183. bench/demo_throughput.py times this loop against the book's in one process. keras is
imported inside the functions: the entry point sets KERAS_BACKEND before the first keras import.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.reference import BookReference
from studyapp.demos.catalogue import demo_by_module

INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
#: The book's settings, which the optimised loop scales from.
BOOK_BATCH_SIZE = 32
BOOK_LEARNING_RATE = 5e-4
#: The catalogue's batch size for this demo (256): the optimised loop's, see above.
BATCH_SIZE = demo_by_module(__spec__.name).training.batch_size
#: Parameter count of the book's model; a test asserts the model still has it.
PARAMETERS = 592_554
#: The book's setup and its test accuracy, for `--reference`.
REFERENCE = BookReference(
    metric="test_accuracy",
    book_value=0.7183,
    batch_size=BOOK_BATCH_SIZE,
    epochs=10,
    setup="the book's fit: batch 32, Adam 5e-4, 10 epochs, full CIFAR-10",
)


def build_model(
    input_shape: tuple[int, int, int] = INPUT_SHAPE, num_classes: int = NUM_CLASSES
) -> Any:
    """The book's CNN."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape)
    x = inputs
    for filters, strides in ((32, 1), (32, 2), (64, 1), (64, 2)):
        x = layers.Conv2D(filters, kernel_size=3, strides=strides, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU()(x)
    x = layers.Flatten()(x)
    x = layers.Dense(128)(x)
    x = layers.BatchNormalization()(x)
    x = layers.LeakyReLU()(x)
    x = layers.Dropout(rate=0.5)(x)
    x = layers.Dense(num_classes)(x)
    # float32 softmax even under a mixed policy, so small probabilities keep their precision.
    outputs = layers.Activation("softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="cnn")


def scaled_learning_rate(batch_size: int) -> float:
    """The book's 5e-4 at batch 32, scaled by sqrt(batch_size / 32)."""
    return BOOK_LEARNING_RATE * math.sqrt(batch_size / BOOK_BATCH_SIZE)


def compile_optimised(model: Any, *, batch_size: int, jit_compile: bool) -> Any:
    """Compile for the optimised loop (sparse labels: no one-hot copy of the targets)."""
    import keras

    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=scaled_learning_rate(batch_size)),
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    return model


def training_input(
    images: np.ndarray, labels: np.ndarray, *, batch_size: int, seed: int
) -> tuple[Any, dict[str, Any]]:
    """The optimised input for `fit`: returns (x, extra fit kwargs).

    `images` are uint8 NHWC. On TensorFlow this is a `tf.data.Dataset` of scaled float32
    batches; on other backends, float32 arrays plus `batch_size`/`shuffle` for Keras' adapters.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        return images.astype("float32") / 255.0, {
            "y": labels,
            "batch_size": batch_size,
            "shuffle": True,
        }

    import tensorflow as tf  # the input pipeline is the one backend-specific part

    def scale(batch_images: Any, batch_labels: Any) -> tuple[Any, Any]:
        return tf.cast(batch_images, tf.float32) / 255.0, batch_labels

    dataset = (
        tf.data.Dataset.from_tensor_slices((images, labels.astype("int32")))
        .shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        .batch(batch_size)
        .map(scale, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    # The dataset shuffles itself; fit's own shuffle flag would only warn.
    return dataset, {"shuffle": False}


def train(demo: TrainingRun) -> dict[str, float]:
    from demos.classification import report_classifier, scale_images

    data = demo.load_images(INPUT_SHAPE)
    assert data.y_train is not None and data.y_test is not None
    if demo.options.reference:
        return train_book_loop(demo, data)
    batch_size = demo.options.batch_size
    x, fit_kwargs = training_input(
        data.x_train, data.y_train, batch_size=batch_size, seed=demo.options.seed
    )
    # The learning rate follows the batch of one replica; the run scales it for the replicas.
    model = compile_optimised(
        build_model(),
        batch_size=batch_size // demo.options.replicas,
        jit_compile=demo.plan.jit_compile,
    )
    demo.prepare(model)
    model.fit(
        x,
        epochs=demo.options.epochs,
        validation_data=(scale_images(data.x_test), data.y_test),
        validation_batch_size=1000,
        verbose=0,
        callbacks=[demo.progress_callback()],
        **fit_kwargs,
    )
    return report_classifier(demo, model, data)


def train_book_loop(demo: TrainingRun, data: Any) -> dict[str, float]:
    """The book's `model.fit(x, y, batch_size=32)`: float32 arrays and one-hot labels."""
    import keras

    from demos.classification import report_classifier, scale_images

    model = build_model()
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=BOOK_LEARNING_RATE),
        metrics=["accuracy"],
    )
    one_hot = keras.utils.to_categorical(data.y_train, NUM_CLASSES)
    test = (scale_images(data.x_test), keras.utils.to_categorical(data.y_test, NUM_CLASSES))
    demo.fit(model, scale_images(data.x_train), one_hot, validation_data=test)
    return report_classifier(demo, model, data)


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    reference=REFERENCE,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
