"""Chapter 2 demo: the book's multilayer perceptron on CIFAR-10.

    python -m demos.mlp_cifar10 [--quick] [--data auto|offline|PATH] ...

Flatten -> Dense 200 relu -> Dense 150 relu -> Dense 10 softmax, Adam (learning rate 5e-4),
categorical cross-entropy, batch 32, 10 epochs, exactly as in the book; trained with plain
`model.fit` on arrays. Artifacts: a confusion matrix PNG and `metrics.json` (test accuracy).

keras is imported inside the functions, never at module level: the entry point must set
KERAS_BACKEND from --backend before the first keras import.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.reference import BookReference
from studyapp.demos.catalogue import demo_by_module

INPUT_SHAPE = (32, 32, 3)
NUM_CLASSES = 10
LEARNING_RATE = 5e-4
#: The demo trains the book's setup by default; `--reference` insists on all of it (batch 32,
#: 10 epochs, the full CIFAR-10) and compares the test accuracy with the book's.
REFERENCE = BookReference(
    metric="test_accuracy",
    book_value=0.484,
    batch_size=32,
    epochs=10,
    setup="the book's fit: batch 32, Adam 5e-4, 10 epochs, full CIFAR-10",
)


def build_model(
    input_shape: tuple[int, int, int] = INPUT_SHAPE, num_classes: int = NUM_CLASSES
) -> Any:
    """The book's MLP (646,260 parameters for 32×32×3 inputs)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape)
    x = layers.Flatten()(inputs)
    x = layers.Dense(200, activation="relu")(x)
    x = layers.Dense(150, activation="relu")(x)
    # float32 output even under a mixed policy: softmax in float16 loses small probabilities.
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="mlp")


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    from demos.classification import report_classifier, scale_images

    data = demo.load_images(INPUT_SHAPE)
    assert data.y_train is not None and data.y_test is not None
    x_train, x_test = scale_images(data.x_train), scale_images(data.x_test)
    y_train = keras.utils.to_categorical(data.y_train, NUM_CLASSES)
    y_test = keras.utils.to_categorical(data.y_test, NUM_CLASSES)

    model = build_model()
    model.compile(
        loss="categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        metrics=["accuracy"],
    )
    demo.fit(model, x_train, y_train, validation_data=(x_test, y_test))
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
