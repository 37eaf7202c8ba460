"""Writing an output file all at once: a temporary file next to it, renamed over it at the end.

A failed or interrupted export never leaves a half-written file under the name asked for.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class ExportError(Exception):
    """A problem the user can fix; the message is one line that names the file."""


@contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """A temporary file next to `output`, renamed over it only when writing succeeded."""
    folder = output.parent if str(output.parent) else Path(".")
    if output.is_dir():
        raise ExportError(f"{output}: is a folder, not a file")
    if not folder.is_dir():
        raise ExportError(f"{output}: cannot write: no folder {folder}")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=folder)
    except OSError as error:
        raise ExportError(f"{output}: cannot write: {error.strerror}") from None
    os.close(handle)
    partial = Path(name)
    try:
        yield partial
        partial.replace(output)
    except OSError as error:
        raise ExportError(f"{output}: cannot write: {error.strerror}") from None
    finally:
        partial.unlink(missing_ok=True)
