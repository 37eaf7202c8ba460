"""Watching the downloads that Keras' own dataset loaders make: a mirror, progress, a time limit.

`keras.datasets.<name>.load_data()` calls `keras.utils.get_file`, which downloads a file that
is missing from the Keras cache with urllib (`urlretrieve`) and, where Keras pins a sha256
(CIFAR-10's pickled batches, MNIST's .npz), checks the download before it extracts or reads it;
a file that fails the check is refused with a `ValueError` before anything opens it.
`watched_downloads` installs, for the duration of a `with` block, a urllib opener under which
each download

* comes from `$STUDYAPP_DATA_MIRROR` + the origin's file name when that is set (a classroom or
  institutional mirror serves the files under their own names);
* reports `download` events (file, bytes done, total) a few times a second;
* is bounded in time: the host name must resolve, and the server must connect and answer each
  read, within `NETWORK_TIMEOUT_S`, so a machine without a network fails in seconds.

`DownloadWatch.failure_message` turns what went wrong into one line that names the file, its
URL and `--data offline`. The cache layout and the hashes stay Keras' business: nothing here
knows where a file goes or what it must hash to.

Standard library only (the events go through a callable); no keras, no numpy.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from studyapp.demos.protocol import DownloadEvent

MIRROR_ENV = "STUDYAPP_DATA_MIRROR"
"""`URL`: fetch every dataset file as URL/<file name> instead of from its origin."""

#: The longest a download waits for the name server, the connection, or one read.
NETWORK_TIMEOUT_S = 10.0
#: At most this many `download` events per second and file (the first and last always go out).
PROGRESS_RATE = 4.0

OFFLINE_HINT = "or run with --data offline (real digits that ship with the app, no download)"

Report = Callable[[DownloadEvent], None]


class MirrorError(ValueError):
    """$STUDYAPP_DATA_MIRROR is not an http(s) URL."""


def mirror_from(env: Mapping[str, str]) -> str | None:
    """The mirror named in `env`, checked: None when unset; raises `MirrorError` if malformed."""
    mirror = env.get(MIRROR_ENV, "").strip()
    if not mirror:
        return None
    parts = urlsplit(mirror)
    if parts.scheme not in ("http", "https", "file") or not (parts.netloc or parts.path):
        raise MirrorError(
            f"{MIRROR_ENV}={mirror!r} is not a URL (expected http://, https:// or file://)"
        )
    return mirror


def file_name(url: str) -> str:
    """The last part of a URL's path: the name a mirror serves the file under."""
    return PurePosixPath(urlsplit(url).path).name or url


def mirrored(origin: str, mirror: str | None) -> str:
    """Where `origin` is fetched from: `mirror` + its file name, or the origin itself."""
    if not mirror:
        return origin
    return mirror.rstrip("/") + "/" + file_name(origin)


@dataclass
class Attempt:
    """One download: its origin, the URL actually fetched, and how it ended."""

    origin: str
    url: str
    bytes_done: int = 0
    total_bytes: int | None = None
    error: BaseException | None = None

    @property
    def file(self) -> str:
        return file_name(self.origin)


class DownloadWatch:
    """What the downloads of one `watched_downloads` block did, for messages and tests."""

    def __init__(self, mirror: str | None, report: Report | None) -> None:
        self.mirror = mirror
        self.report = report
        self.attempts: list[Attempt] = []

    def failure_message(self, error: BaseException, what: str) -> str:
        """One line about why loading `what` (a dataset's title) failed, for the user."""
        last = self.attempts[-1] if self.attempts else None
        if last is not None and last.error is not None:
            reason = " ".join(str(last.error).split()) or type(last.error).__name__
            where = "the mirror " + self.mirror if self.mirror else "the network"
            return (
                f"could not download {last.file} of {what} from {last.url} ({reason}); check "
                f"{where} (or set {MIRROR_ENV}), {OFFLINE_HINT}"
            )
        if last is not None and isinstance(error, ValueError) and "hash" in str(error):
            return (
                f"{last.file} of {what}, downloaded from {last.url}, does not match the sha256 "
                f"that Keras pins for it, so Keras refused it before extracting or reading it "
                f"(a broken download or mirror; the next run downloads it again), {OFFLINE_HINT}"
            )
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        return f"Keras could not load {what} ({reason}); {OFFLINE_HINT}"


@contextlib.contextmanager
def watched_downloads(
    report: Report | None = None, *, env: Mapping[str, str], timeout: float = NETWORK_TIMEOUT_S
) -> Iterator[DownloadWatch]:
    """Route urllib downloads through the mirror, with progress and a time limit (see above)."""
    watch = DownloadWatch(mirror_from(env), report)
    opener = _WatchingOpener(watch, timeout)
    urllib.request.install_opener(opener)
    try:
        yield watch
    finally:
        # urlopen builds a fresh default opener when none is installed.
        urllib.request.install_opener(None)


class _WatchingOpener(urllib.request.OpenerDirector):
    """What `urlopen` (and so `urlretrieve`) uses inside `watched_downloads`.

    Only the top-level `open` is rewritten: redirects happen inside the default opener it
    delegates to, so a mirror may redirect (to a CDN) without being rewritten again.
    """

    def __init__(self, watch: DownloadWatch, timeout: float) -> None:
        super().__init__()
        self._watch = watch
        self._timeout = timeout
        self._inner = urllib.request.build_opener()

    def open(self, fullurl: Any, data: Any = None, timeout: Any = None) -> Any:
        origin = fullurl.full_url if isinstance(fullurl, urllib.request.Request) else str(fullurl)
        attempt = Attempt(origin, mirrored(origin, self._watch.mirror))
        self._watch.attempts.append(attempt)
        try:
            _resolve(urlsplit(attempt.url).hostname, self._timeout)
            response = self._inner.open(attempt.url, data, timeout=self._timeout)
        except BaseException as error:
            attempt.error = error
            raise
        length = response.headers.get("Content-Length")
        attempt.total_bytes = int(length) if length and length.isdigit() else None
        return _ProgressResponse(response, attempt, self._watch.report)


def _resolve(host: str | None, timeout: float) -> None:
    """Look `host` up within `timeout`: socket timeouts do not bound the name server."""
    if not host:
        return
    outcome: list[BaseException | None] = []

    def lookup() -> None:
        try:
            socket.getaddrinfo(host, None)
            outcome.append(None)
        except OSError as error:
            outcome.append(error)

    thread = threading.Thread(target=lookup, daemon=True, name="studyapp-resolve")
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise TimeoutError(f"no answer from the name server for {host} within {timeout:g} s")
    if outcome[0] is not None:
        raise outcome[0]


class _ProgressResponse:
    """A response whose reads count bytes and report `download` events (throttled)."""

    def __init__(self, response: Any, attempt: Attempt, report: Report | None) -> None:
        self._response = response
        self._attempt = attempt
        self._report = report
        self._last: float | None = None
        self._finished = False
        self._emit(force=True)

    def read(self, size: int = -1) -> bytes:
        try:
            block: bytes = self._response.read(size)
        except BaseException as error:
            self._attempt.error = error
            raise
        self._attempt.bytes_done += len(block)
        self._emit(force=not block)
        return block

    def _emit(self, *, force: bool) -> None:
        if self._report is None or self._finished:
            return
        now = time.monotonic()
        if not force and self._last is not None and now - self._last < 1.0 / PROGRESS_RATE:
            return
        self._last = now
        attempt = self._attempt
        self._finished = force and attempt.bytes_done > 0
        self._report(
            DownloadEvent(
                attempt.file,
                attempt.bytes_done,
                attempt.total_bytes,
                extra={"url": attempt.url},
            )
        )

    def __getattr__(self, name: str) -> Any:
        return getattr(self._response, name)
