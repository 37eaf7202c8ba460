"""Live re-import: the files of the imported decks are watched while the app is open, and each
change is handed to the app (which imports the files again in a worker).

The watcher is a daemon thread rather than a Textual worker: it lives as long as the app, and
a worker that never ends would keep every "wait for the workers" (tests, benchmarks) waiting.
It only watches and posts; the import itself runs in a short worker of the app, so blocking
work still happens in workers.

watchfiles (the Rust `notify` watcher) reports a change within its debounce; where it is not
installed the watcher polls the files' size and modification time instead. Either way a
change reaches the app well within the 2 s the issue asks for. Imports no Textual.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

POLL_SECONDS = 0.2
DEBOUNCE_MS = 150


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


class LibraryWatcher:
    """Calls `on_change(paths)` from its own thread when any of `files()` changes. `reload()`
    reads `files()` again (after an import added a deck); `stop()` ends the thread."""

    def __init__(
        self, files: Callable[[], Iterable[str]], on_change: Callable[[list[str]], object]
    ) -> None:
        self.files = files
        self.on_change = on_change
        self._stop = threading.Event()
        self._reload = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="library-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def reload(self) -> None:
        self._reload.set()

    def is_set(self) -> bool:
        """watchfiles' stop event: a reload restarts the watch with the new file list."""
        return self._stop.is_set() or self._reload.is_set()

    def _watched(self) -> set[str]:
        self._reload.clear()
        return {os.path.realpath(path) for path in self.files()}

    def _run(self) -> None:
        try:
            import watchfiles
        except (ImportError, SystemError):
            # SystemError: importing watchfiles imports anyio, which compiles its own source
            # to an AST; on CPython 3.11 that can fail spuriously while another thread builds
            # an AST too (python/cpython#106905). Polling still reports every change.
            self._poll()
            return
        while not self._stop.is_set():
            files = self._watched()
            folders = sorted({str(Path(f).parent) for f in files if Path(f).parent.is_dir()})
            if not folders:
                self._reload.wait(POLL_SECONDS * 5)
                continue

            def watched(_change: object, path: str, files: set[str] = files) -> bool:
                return os.path.realpath(path) in files

            for changes in watchfiles.watch(
                *folders,
                watch_filter=watched,
                stop_event=self,
                debounce=DEBOUNCE_MS,
                step=50,
                rust_timeout=500,
                yield_on_timeout=False,
                raise_interrupt=False,
            ):
                self._emit(sorted({os.path.realpath(path) for _change, path in changes}))

    def _poll(self) -> None:
        files = self._watched()
        stamps = {path: _stamp(path) for path in files}
        while not self._stop.wait(POLL_SECONDS):
            if self._reload.is_set():
                files = self._watched()
                stamps = {path: stamps.get(path, _stamp(path)) for path in files}
            changed = []
            for path in sorted(files):
                stamp = _stamp(path)
                if stamp != stamps.get(path):
                    stamps[path] = stamp
                    changed.append(path)
            if changed:
                self._emit(changed)

    def _emit(self, paths: list[str]) -> None:
        try:
            self.on_change(paths)
        except RuntimeError:  # the app's event loop is gone: it is closing
            self._stop.set()
