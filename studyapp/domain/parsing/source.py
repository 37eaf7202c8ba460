"""Reading a markdown file safely: kind, size, binary content and encoding are checked first.

A file that fails here fails whole, before anything is parsed or stored. Only a regular file is
read (a FIFO or a device would block or never end), the size cap is enforced while reading (a
file may grow after `stat`), and control characters are removed with a warning: nothing a file
says may reach the terminal as an escape sequence.
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from studyapp.domain.parsing.model import ParseError, ParseWarning
from studyapp.domain.text_safety import count_controls, first_control, strip_controls

SUFFIXES = (".md", ".markdown", ".txt")
MAX_BYTES = 20 * 1024 * 1024
# Bumped whenever parsing changes what a file yields, so unchanged files are re-read once.
PARSER_VERSION = "4"


@dataclass(frozen=True, slots=True)
class SourceText:
    path: str
    text: str
    content_hash: str
    warnings: tuple[ParseWarning, ...] = field(default=())


def read_limited(path: Path, name: str, limit: int = MAX_BYTES) -> bytes:
    """The bytes of the regular file `path`, at most `limit` of them, or a `ParseError`.

    Opened non-blocking so that a FIFO cannot hang the open, then checked with `fstat` on the
    open descriptor (no race with a swapped path), then read in chunks up to the cap.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ParseError(name, "no such file") from None
    except OSError as error:
        if error.errno == errno.ENXIO:  # a FIFO with no writer, or a socket
            raise ParseError(name, "not a regular file") from None
        raise ParseError(name, f"cannot read: {error.strerror}") from None
    with os.fdopen(fd, "rb", buffering=0) as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise ParseError(name, "is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise ParseError(name, "not a regular file")
        if info.st_size > limit:
            raise ParseError(name, _too_big(info.st_size, limit))
        chunks, total = [], 0
        while chunk := handle.read(1 << 20):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise ParseError(name, _too_big(total, limit, grew=True))
    return b"".join(chunks)


def check_regular_file(path: Path, name: str, limit: int) -> int:
    """The size of `path` if it is a regular file within `limit` bytes, else a `ParseError`
    (for files read by another library, such as an Anki package)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ParseError(name, "no such file") from None
    except OSError as error:
        raise ParseError(name, f"cannot read: {error.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise ParseError(name, "not a regular file")
    if info.st_size > limit:
        raise ParseError(name, _too_big(info.st_size, limit))
    return info.st_size


def _too_big(size: int, limit: int, grew: bool = False) -> str:
    cap = f"{limit / 1024 / 1024:.0f} MB"
    if grew:
        return f"file grew past the limit of {cap} while it was read"
    return f"file is {size / 1024 / 1024:.1f} MB; the limit is {cap}"


def read_source(path: Path, display: str | None = None) -> SourceText:
    name = display or str(path)
    return decode_source(name, read_limited(path, name))


def decode_source(name: str, data: bytes) -> SourceText:
    nul = data.find(b"\x00", 0, 65536)
    if nul >= 0:
        raise ParseError(name, "binary file, not markdown text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        byte = data[error.start]
        raise ParseError(
            name, f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8", line
        ) from None
    # UTF-8 with a byte-order mark: the mark is not content.
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    warnings: tuple[ParseWarning, ...] = ()
    if (offset := first_control(text)) is not None:
        line = text.count("\n", 0, offset) + 1
        count = count_controls(text)
        text = strip_controls(text)
        what = "escape sequences and control characters"
        if count == 1:
            what = "escape sequence or control character"
        warnings = (ParseWarning(name, line, f"removed {count} {what} (first here)"),)
    if not text.strip():
        raise ParseError(name, "empty file")
    return SourceText(name, text, content_digest(data), warnings)


def content_digest(data: bytes) -> str:
    """A file's content hash: its bytes, and the parser version that reads them (a new
    parser parses every file again)."""
    return hashlib.sha256(PARSER_VERSION.encode() + b"\x00" + data).hexdigest()
