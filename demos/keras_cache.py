"""`--data auto` for the image demos: the real dataset through Keras' own loader, as in the book.

`keras.datasets.cifar10.load_data()` and its siblings read the Keras cache (`$KERAS_HOME/datasets`,
by default `~/.keras/datasets`) and download what is missing, checking the sha256 Keras pins
where it pins one (CIFAR-10's pickled batches must never be unpickled unchecked). The loader runs
under `demos.download.watched_downloads`, which sends the downloads to `$STUDYAPP_DATA_MIRROR`
when it is set, reports them as `download` events and bounds them in time; any failure becomes
one line naming the file, its URL and `--data offline`. The titles and class names come from the
demo catalogue (`studyapp/demos/catalogue.toml`).

Imports numpy and, lazily, keras; never tensorflow or any other backend directly.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from demos.download import MirrorError, Report, mirror_from, watched_downloads
from demos.image_data import SOURCE_KERAS_CACHE, DatasetUnavailable, ImageData, as_nhwc
from studyapp.demos.catalogue import KerasDataset, keras_datasets

KERAS_DATASETS: Mapping[str, KerasDataset] = keras_datasets()
"""The catalogue's Keras datasets by key: "cifar10", "fashion_mnist", "mnist"."""


def check_mirror(env: Mapping[str, str] | None = None) -> None:
    """Fail fast, before any backend import, on a malformed $STUDYAPP_DATA_MIRROR."""
    try:
        mirror_from(os.environ if env is None else env)
    except MirrorError as error:
        raise DatasetUnavailable(str(error)) from None


def load_from_keras(key: str, report: Report | None = None) -> ImageData:
    """`keras.datasets.<key>.load_data()`, downloading what the cache lacks (see above)."""
    dataset = KERAS_DATASETS[key]
    check_mirror()
    # Keras prints "Downloading data from ..." and its own progress bar with print(); stdout
    # belongs to the events.
    with (
        watched_downloads(report, env=os.environ) as watch,
        contextlib.redirect_stdout(sys.stderr),
    ):
        try:
            (x_train, y_train), (x_test, y_test) = _keras_loader(key)()
        except Exception as error:
            raise DatasetUnavailable(watch.failure_message(error, dataset.title)) from error
    return ImageData(
        name=key,
        title=dataset.title,
        source=SOURCE_KERAS_CACHE,
        x_train=as_nhwc(x_train),
        y_train=np.asarray(y_train).reshape(-1).astype("int64"),
        x_test=as_nhwc(x_test),
        y_test=np.asarray(y_test).reshape(-1).astype("int64"),
        class_names=dataset.class_names,
    )


def _keras_loader(key: str) -> Callable[[], Any]:
    import keras

    return {
        "cifar10": keras.datasets.cifar10.load_data,
        "fashion_mnist": keras.datasets.fashion_mnist.load_data,
        "mnist": keras.datasets.mnist.load_data,
    }[key]
