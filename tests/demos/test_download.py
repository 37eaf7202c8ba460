"""`--data auto` downloads: Keras' own loaders fetch tiny real-format files from 127.0.0.1.

A local `http.server` (a thread, an ephemeral port) plays `$STUDYAPP_DATA_MIRROR`, and every
demo subprocess starts from an empty KERAS_HOME, so nothing can come from the user's cache or
the internet. The files are in the exact formats `keras.datasets.*.load_data()` (Keras 3.15)
reads: gzipped IDX files for Fashion-MNIST, and for CIFAR-10 a tar.gz of pickled batches, of
which the loader needs five of exactly 10,000 images (constant per channel, so the archive
gzips to a few hundred kilobytes).

Keras pins the sha256 of the real 163 MB CIFAR-10 archive, which a test archive cannot match.
The tampered-archive test runs Keras unpatched: the download must be refused before anything
is extracted. The one test that loads CIFAR-10 swaps Keras' pinned hash for the test archive's
own inside its subprocess, so the hash check still runs, on the right file.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import socket
import struct
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from demos import data as demo_data
from demos.data import DatasetUnavailable
from studyapp.demos.catalogue import keras_datasets

Runner = Callable[..., Any]

CIFAR_TRAIN_BATCH = 10_000  # fixed by keras.datasets.cifar10.load_data
CIFAR_TEST_IMAGES = 20
#: A demo that cannot download must say so within this many seconds (the issue's limit).
NO_NETWORK_BUDGET_S = 30.0
FASHION_FILES = keras_datasets()["fashion_mnist"].names
CIFAR_FILE = keras_datasets()["cifar10"].names[0]


# --------------------------------------------------------------------------- the mirror


@dataclass
class Mirror:
    """A folder served over HTTP; `requests` lists the paths asked for, in order."""

    url: str
    folder: Path
    requests: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return {"STUDYAPP_DATA_MIRROR": self.url}


@pytest.fixture
def mirror(tmp_path: Path) -> Iterator[Mirror]:
    root = tmp_path / "mirror-root"
    folder = root / "datasets"
    folder.mkdir(parents=True)
    served = Mirror("", folder)

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def do_GET(self) -> None:
            served.requests.append(self.path)
            super().do_GET()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # A path below the host, to check that the file name is appended to the whole URL.
    served.url = f"http://127.0.0.1:{server.server_address[1]}/datasets/"
    yield served
    server.shutdown()
    server.server_close()
    thread.join()


# --------------------------------------------------------------------------- real formats


def idx_bytes(array: np.ndarray) -> bytes:
    """An IDX file of unsigned bytes: zero, type 0x08, rank, big-endian dims, data."""
    header = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype("uint8").tobytes()


def write_fashion_files(folder: Path) -> dict[str, np.ndarray]:
    """The four gzipped IDX files of Fashion-MNIST, 30 training and 12 test images."""
    rng = np.random.default_rng(7)
    arrays = {
        "train-labels-idx1-ubyte.gz": np.arange(30, dtype="uint8") % 10,
        "train-images-idx3-ubyte.gz": rng.integers(0, 256, (30, 28, 28), dtype="uint8"),
        "t10k-labels-idx1-ubyte.gz": (np.arange(12, dtype="uint8") * 3) % 10,
        "t10k-images-idx3-ubyte.gz": rng.integers(0, 256, (12, 28, 28), dtype="uint8"),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        (folder / name).write_bytes(gzip.compress(idx_bytes(array)))
    return arrays


def cifar_batch(batch: int, count: int) -> dict[bytes, Any]:
    """A CIFAR-10 python batch: b"data" (count × 3072, channel-major) and b"labels"."""
    index = np.arange(count)
    # Channel c of image i is the constant (i + 50c + batch) % 256: easy to check after the
    # loader's reshape to (3, 32, 32) and transpose to channels-last.
    values = (index[:, None] + 50 * np.arange(3)[None, :] + batch) % 256
    data = np.repeat(values.astype("uint8"), 1024, axis=1)
    return {b"batch_label": b"test", b"labels": ((index + batch) % 10).tolist(), b"data": data}


def write_cifar_archive(path: Path, *, train_batch: int = CIFAR_TRAIN_BATCH) -> str:
    """cifar-10-python.tar.gz as the origin serves it; returns its sha256."""
    members = {f"data_batch_{i}": cifar_batch(i, train_batch) for i in range(1, 6)}
    members["test_batch"] = cifar_batch(0, CIFAR_TEST_IMAGES)
    with tarfile.open(path, "w:gz", compresslevel=1) as archive:
        for name, content in members.items():
            # Protocol 3 stores the array bytes as BINBYTES; Keras' restricted unpickler
            # rightly refuses protocol 2's `_codecs.encode` and protocol 5's `_frombuffer`.
            payload = pickle.dumps(content, protocol=3)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(payload)
            archive.addfile(info, io.BytesIO(payload))
    return hashlib.sha256(path.read_bytes()).hexdigest()


LOAD_SNIPPET = """
import json, sys
{patch}
from demos.data import load_images
from studyapp.demos.protocol import encode
# Keras' own prints go to stderr while it loads: write the events to the real stdout.
events = sys.stdout
def report(event):
    print(encode(event), file=events, flush=True)
loaded = load_images({key!r}, "auto", {shape!r}, report=report)
print(json.dumps({{
    "event": "loaded",
    "source": loaded.source,
    "train_shape": list(loaded.x_train.shape),
    "test_shape": list(loaded.x_test.shape),
    "train_labels": loaded.y_train[:12].tolist(),
    "test_labels": loaded.y_test.tolist(),
    "train_pixels": loaded.x_train[:12, 16, 16].tolist(),
    "tail_train_pixel": loaded.x_train[-1, 16, 16].tolist(),
}}))
"""

# Keras' pinned hash of the real archive is swapped for the test archive's: the check runs.
HASH_PATCH = """
import keras.src.utils.file_utils as file_utils
_validate = file_utils.validate_file
PINNED = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
def validate_test_archive(path, file_hash, **kwargs):
    return _validate(path, {sha!r} if file_hash == PINNED else file_hash, **kwargs)
file_utils.validate_file = validate_test_archive
"""


def downloads_by_file(events: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_file: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        if event["event"] == "download":
            by_file.setdefault(event["file"], []).append(event)
    return by_file


# --------------------------------------------------------------------------- tests


@pytest.mark.slow
def test_a_demo_downloads_fashion_mnist_from_the_mirror_with_progress_then_uses_the_cache(
    mirror: Mirror, keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """`--data auto` end to end: four files fetched as URL + name, progress, then cached."""
    arrays = write_fashion_files(mirror.folder)
    env = demo_env(keras_home, **mirror.env())

    result = run_python(
        ["-m", "demos.autoencoder", "--quick", "--data", "auto", "--batch-size", "10",
         "--out", str(tmp_path / "out")],
        env=env,
    )  # fmt: skip

    assert result.returncode == 0, result.describe()
    assert mirror.requests == [f"/datasets/{name}" for name in FASHION_FILES]
    downloads = downloads_by_file(result.events)
    assert list(downloads) == list(FASHION_FILES)
    for name, events in downloads.items():
        size = (mirror.folder / name).stat().st_size
        assert events[0]["bytes_done"] == 0 and events[0]["total_bytes"] == size
        assert events[-1]["bytes_done"] == events[-1]["total_bytes"] == size
        assert events[-1]["url"] == mirror.url + name
    kinds = [e["event"] for e in result.events]
    assert kinds.index("download") > kinds.index("device")
    assert max(i for i, k in enumerate(kinds) if k == "download") < kinds.index("dataset")
    dataset = result.of_type("dataset")[0]
    assert dataset["source"] == "keras-cache" and dataset["name"] == "fashion_mnist"
    assert dataset["shapes"]["x_train"] == [30, 32, 32, 1]
    assert result.events[-1]["event"] == "done"

    # The second load reads what Keras cached: no request, no download event.
    again = run_python(["-c", LOAD_SNIPPET.format(patch="", key="fashion_mnist",
                                                  shape=(32, 32, 1))], env=env)  # fmt: skip
    assert again.returncode == 0, again.describe()
    assert len(mirror.requests) == len(FASHION_FILES)
    assert [e["event"] for e in again.events] == ["loaded"]
    loaded = again.events[-1]
    assert loaded["test_labels"] == arrays["t10k-labels-idx1-ubyte.gz"].tolist()


@pytest.mark.slow
def test_the_real_cifar10_loader_downloads_checks_and_reads_the_archive(
    mirror: Mirror, keras_home: Path, run_python: Runner, demo_env: Runner
) -> None:
    sha = write_cifar_archive(mirror.folder / CIFAR_FILE)
    snippet = LOAD_SNIPPET.format(
        patch=HASH_PATCH.format(sha=sha), key="cifar10", shape=(32, 32, 3)
    )

    result = run_python(["-c", snippet], env=demo_env(keras_home, **mirror.env()))

    assert result.returncode == 0, result.describe()
    assert mirror.requests == [f"/datasets/{CIFAR_FILE}"]
    assert downloads_by_file(result.events)[CIFAR_FILE][-1]["bytes_done"] > 0
    loaded = result.events[-1]
    assert loaded["source"] == "keras-cache"
    assert loaded["train_shape"] == [50_000, 32, 32, 3]
    assert loaded["test_shape"] == [CIFAR_TEST_IMAGES, 32, 32, 3]
    # Batch 1, image i: label (i + 1) % 10, channel c = (i + 50c + 1) % 256, channels last.
    assert loaded["train_labels"] == [(i + 1) % 10 for i in range(12)]
    assert loaded["train_pixels"] == [[(i + 50 * c + 1) % 256 for c in range(3)] for i in range(12)]
    # The last image comes from data_batch_5 (image 9,999).
    assert loaded["tail_train_pixel"] == [(9_999 + 50 * c + 5) % 256 for c in range(3)]
    assert loaded["test_labels"] == [i % 10 for i in range(CIFAR_TEST_IMAGES)]


def test_a_tampered_cifar10_archive_is_refused_before_it_is_unpickled(
    mirror: Mirror, keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """Keras' own sha256 check refuses the download: nothing is extracted, nothing unpickled."""
    write_cifar_archive(mirror.folder / CIFAR_FILE, train_batch=3)

    result = run_python(
        ["-m", "demos.mlp_cifar10", "--data", "auto", "--out", str(tmp_path / "out")],
        env=demo_env(keras_home, **mirror.env()),
        timeout=NO_NETWORK_BUDGET_S * 2,
    )

    assert result.returncode == 1, result.describe()
    assert mirror.requests == [f"/datasets/{CIFAR_FILE}"]
    error = result.events[-1]
    assert error["event"] == "error"
    message = error["message"]
    assert "sha256" in message and CIFAR_FILE in message and "--data offline" in message
    assert "dataset" not in [e["event"] for e in result.events]
    # get_file extracts into cifar-10-batches-py-target/ only after the hash matched.
    datasets = keras_home / "datasets"
    assert not [p for p in datasets.iterdir() if p.is_dir()], list(datasets.iterdir())


def test_an_unreachable_mirror_fails_fast_with_one_line(
    keras_home: Path, tmp_path: Path, run_python: Runner, demo_env: Runner
) -> None:
    """A closed port: one error line naming the file, the URL and --data offline."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/keras"

    result = run_python(
        ["-m", "demos.vae", "--data", "auto", "--out", str(tmp_path / "out")],
        env=demo_env(keras_home, STUDYAPP_DATA_MIRROR=url),
        timeout=NO_NETWORK_BUDGET_S * 2,
    )

    assert result.returncode == 1
    assert result.seconds < NO_NETWORK_BUDGET_S
    assert [e["event"] for e in result.events] == ["device", "error"]
    message = result.events[-1]["message"]
    assert "\n" not in message
    first = FASHION_FILES[0]
    assert f"could not download {first}" in message
    assert f"{url}/{first}" in message and "--data offline" in message


def test_a_malformed_mirror_fails_before_the_backend_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("STUDYAPP_DATA_MIRROR", "ftp//nowhere")
    with pytest.raises(DatasetUnavailable, match="STUDYAPP_DATA_MIRROR"):
        demo_data.check_available("cifar10", "auto")


def test_a_folder_of_the_fashion_mnist_files_is_read_as_keras_would(tmp_path: Path) -> None:
    arrays = write_fashion_files(tmp_path)

    loaded = demo_data.load_images("fashion_mnist", str(tmp_path), (32, 32, 1))

    assert loaded.source == "path" and loaded.name == "fashion_mnist"
    assert (loaded.x_train[:, 2:30, 2:30, 0] == arrays["train-images-idx3-ubyte.gz"]).all()
    assert (loaded.y_test == arrays["t10k-labels-idx1-ubyte.gz"]).all()
