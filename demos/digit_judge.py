"""A small classifier of real digits that judges generated ones.

A GAN has no test loss, so the digit GANs (the chapter 4 DCGAN and WGAN-GP and the chapter 10
StyleGAN through `demos.gan`, the conditional GAN in `demos.cgan`) measure what they draw with
a classifier trained on the run's own real training digits: the share of samples it labels with
high confidence (does it look like a digit at all?), how many classes those cover (mode
collapse shows as few), and, for the conditional GAN, how often the label it reads is the digit
that was asked for. The classifier is a CNN of three stride-2 convolutions, trained for 8 epochs
in seconds on a CPU; it reaches about 0.97 on the offline digits' test split, and the demos
report that next to its verdicts, so that a weak judge can be told from a weak generator.

Imports numpy; keras only inside the functions (demo modules import this one before the entry
point has chosen the backend).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

#: A sample counts as a recognisable digit when the judge gives its class this probability.
CONFIDENCE = 0.9
JUDGE_EPOCHS = 8
JUDGE_BATCH_SIZE = 64
#: Images per forward pass when judging.
PREDICT_BATCH = 256


@dataclass(frozen=True)
class Verdict:
    """What the judge says about a batch of generated digits."""

    predicted: np.ndarray
    """The judge's class for each sample."""
    confident: np.ndarray
    """Whether the judge gave that class at least `CONFIDENCE`."""

    @property
    def confident_share(self) -> float:
        return float(np.mean(self.confident)) if len(self.confident) else 0.0

    @property
    def classes_covered(self) -> int:
        """How many classes the confidently judged samples fall into."""
        return len(set(self.predicted[self.confident].tolist()))

    def matching_share(self, requested: np.ndarray) -> float:
        """The share of samples judged, confidently, to be the class each was asked for."""
        hits = self.confident & (self.predicted == np.asarray(requested))
        return float(np.mean(hits)) if len(hits) else 0.0


def train_judge(
    x_train: np.ndarray,
    y_train: np.ndarray,
    *,
    num_classes: int = 10,
    epochs: int = JUDGE_EPOCHS,
    seed: int = 0,
    outliers: np.ndarray | None = None,
) -> Any:
    """A CNN trained on real images (N×H×W×C floats in [0, 1]) and their integer labels, and,
    when `outliers` are given, on those images too with the target "every class alike"
    (outlier exposure: the judge learns to be unsure about what is no digit)."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=x_train.shape[1:]),
            layers.Conv2D(32, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(64, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2D(128, 3, strides=2, padding="same", activation="relu"),
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(num_classes, activation="softmax", dtype="float32"),
        ],
        name="digit_judge",
    )
    targets = np.eye(num_classes, dtype="float32")[np.asarray(y_train)]
    if outliers is not None:
        x_train = np.concatenate([x_train, outliers])
        uniform = np.full((len(outliers), num_classes), 1.0 / num_classes, dtype="float32")
        targets = np.concatenate([targets, uniform])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy")
    model.fit(x_train, targets, epochs=epochs, batch_size=JUDGE_BATCH_SIZE, shuffle=True, verbose=0)
    return model


def predict(model: Any, inputs: Any, batch_size: int = PREDICT_BATCH) -> np.ndarray:
    """`model`'s outputs for every row of `inputs` (an array, or a list of arrays for a model
    with several inputs), batch by batch. Unlike `model.predict`, never cut short by
    KERAS_MAX_STEPS_PER_EPOCH, which caps prediction steps too."""
    arrays = inputs if isinstance(inputs, list) else [inputs]

    def rows(start: int) -> Any:
        batch = [array[start : start + batch_size] for array in arrays]
        return batch if isinstance(inputs, list) else batch[0]

    starts = range(0, len(arrays[0]), batch_size)
    return np.concatenate([np.asarray(model(rows(start), training=False)) for start in starts])


def judge(model: Any, images: np.ndarray) -> Verdict:
    """The judge's verdict on images (N×H×W×C floats in [0, 1])."""
    probabilities = predict(model, np.asarray(images, dtype="float32"))
    return Verdict(
        predicted=probabilities.argmax(axis=1),
        confident=probabilities.max(axis=1) >= CONFIDENCE,
    )


def judge_accuracy(model: Any, x_test: np.ndarray, y_test: np.ndarray) -> float:
    """The judge's own accuracy on real test images."""
    predicted = predict(model, np.asarray(x_test, dtype="float32")).argmax(axis=1)
    return float(np.mean(predicted == np.asarray(y_test)))
