"""Reading a markdown file safely: size, binary content and encoding are checked first.

A file that fails here fails whole, before anything is parsed or stored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from studyapp.domain.parsing.model import ParseError

SUFFIXES = (".md", ".markdown", ".txt")
MAX_BYTES = 20 * 1024 * 1024
# Bumped whenever parsing changes what a file yields, so unchanged files are re-read once.
PARSER_VERSION = "1"


@dataclass(frozen=True, slots=True)
class SourceText:
    path: str
    text: str
    content_hash: str


def read_source(path: Path, display: str | None = None) -> SourceText:
    name = display or str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ParseError(name, "no such file") from None
    except OSError as error:
        raise ParseError(name, f"cannot read: {error.strerror}") from None
    if size > MAX_BYTES:
        raise ParseError(name, f"file is {size / 1024 / 1024:.1f} MB; the limit is 20 MB")
    try:
        data = path.read_bytes()
    except OSError as error:
        raise ParseError(name, f"cannot read: {error.strerror}") from None
    return decode_source(name, data)


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
    if not text.strip():
        raise ParseError(name, "empty file")
    digest = hashlib.sha256(PARSER_VERSION.encode() + b"\x00" + data).hexdigest()
    return SourceText(name, text, digest)
