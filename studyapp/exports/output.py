"""Writing an output file all at once: a temporary file next to it, renamed over it at the end.

A failed or interrupted export never leaves a half-written file under the name asked for. The
name must be a new path or a regular file: the rename never replaces a device (`/dev/null`,
as root, would become a plain file), a FIFO, a socket or a folder. A link is followed, so the
file it points at is the one written and the link stays.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ExportError(Exception):
    """A problem the user can fix; the message is one line that names the file."""


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def writable_target(output: Path) -> Path:
    """The path the rename will replace: `output`, or the file a link at `output` points
    at. ExportError naming `output` if that is anything but a regular file or a new path."""
    target = Path(os.path.realpath(output)) if output.is_symlink() else output
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    except OSError as error:
        raise ExportError(f"{output}: cannot write: {error.strerror}") from None
    if stat.S_ISDIR(mode):
        raise ExportError(f"{output}: is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise ExportError(f"{output}: is {_kind(mode)}; write to a regular file or a new path")
    return target


@contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """A temporary file next to `output`, renamed over it only when writing succeeded."""
    target = writable_target(output)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{output}: cannot write: no folder {folder}")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
    except OSError as error:
        raise ExportError(f"{output}: cannot write: {error.strerror}") from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        # Checked again just before the rename: what is there now is what gets replaced.
        if writable_target(output) != target:
            raise ExportError(f"{output}: changed while it was written; nothing was replaced")
        partial.replace(target)
    except OSError as error:
        raise ExportError(f"{output}: cannot write: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
