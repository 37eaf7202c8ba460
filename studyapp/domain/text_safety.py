"""Untrusted text made safe to store and to show: control characters out.

Everything read from a file is hostile until cleaned. Escape sequences (ESC, the C1 controls,
DEL) would reach the terminal and let a card set the clipboard (OSC 52), retitle the window or
clear the screen, so they are removed where text enters (`studyapp.domain.parsing.source`,
with a warning naming file and line) and again where text is shown (defence in depth). A whole
sequence goes, not only its ESC: `ESC[31m` would otherwise leave `[31m` in the card, and an OSC
title its payload. Tab and newline are content. Pure: imports nothing but the standard library.
"""

from __future__ import annotations

import re

# Whole escape sequences, in their 7-bit (ESC ...) and 8-bit (C1) forms, as ECMA-48 defines
# them: CSI (parameters, intermediates, one final byte); the string controls OSC, DCS, SOS,
# PM and APC up to their terminator (BEL or ST), or to the end of the line when unterminated,
# so that one bad byte never swallows the rest of a card; and two-byte escapes (ESC c, ESC 7).
ESCAPE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]"
)
# C0 controls except tab and newline, DEL, and the C1 controls (U+0080-U+009F, which some
# terminals read as 8-bit escape introducers: U+009B is CSI, U+009D is OSC).
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides and isolates reorder what the reader sees ("Trojan Source").
BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """`text` without escape sequences, control characters (tab and newline kept) or bidi
    overrides."""
    if CONTROL.search(text) is None and BIDI.search(text) is None:
        return text
    return BIDI.sub("", CONTROL.sub("", ESCAPE.sub("", text)))


def first_control(text: str) -> int | None:
    """The offset of the first character `strip_controls` would remove, or None."""
    found = [m.start() for m in (CONTROL.search(text), BIDI.search(text)) if m is not None]
    return min(found) if found else None


def count_controls(text: str) -> int:
    """How many things `strip_controls` removes: an escape sequence counts once."""
    rest, sequences = ESCAPE.subn("", text)
    return sequences + len(CONTROL.findall(rest)) + len(BIDI.findall(rest))
