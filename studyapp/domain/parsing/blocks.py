"""The block structure of a markdown file, from one markdown-it-py pass.

Inline parsing is switched off: parsers keep inline markdown as source text (the TUI renders
it), so only block tokens with their line maps are needed. Book flashcards need even less, only
where code blocks are (their structure is line-based), so they get a parser with just the code,
fence and paragraph rules: about a quarter of the cost of a full CommonMark parse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from studyapp.domain.parsing.model import ParseError

DEMO_LINK = re.compile(r"\[[^\]\n]*\]\(demo:([A-Za-z0-9][A-Za-z0-9_.-]*)\)")


@cache
def _markdown(structure: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark")
    md.disable("inline")
    if not structure:
        md.disable(["lheading", "heading", "hr", "list", "blockquote", "reference", "html_block"])
    return md


@dataclass(slots=True)
class Blocks:
    lines: list[str]
    tokens: list[Token]
    code_lines: bytearray  # 1 where a line is inside (or opens/closes) a code block

    def in_code(self, index: int) -> bool:
        return bool(self.code_lines[index])


def parse_blocks(path: str, text: str, structure: bool = True) -> Blocks:
    """Block tokens of `text`; with `structure=False` only code blocks are recognised."""
    tokens = _markdown(structure).parse(text)
    lines = text.split("\n")
    code = bytearray(len(lines))
    for token in tokens:
        if token.type not in ("fence", "code_block") or token.map is None:
            continue
        start, end = token.map
        code[start:end] = b"\x01" * (end - start)
        if token.type == "fence" and end >= len(lines) - (lines[-1] == ""):
            _check_fence_closed(path, lines, token)
    return Blocks(lines, tokens, code)


def _check_fence_closed(path: str, lines: list[str], token: Token) -> None:
    """A fence that runs to the end of the file without a closer swallowed the rest of it."""
    assert token.map is not None
    start, end = token.map
    last = lines[end - 1].strip() if end - 1 > start else ""
    marker = token.markup[0]
    if not (last.startswith(token.markup) and last.strip(marker) == ""):
        raise ParseError(path, f"unterminated code fence {token.markup}", start + 1)


def demo_names(text: str) -> tuple[str, ...]:
    """Demo names linked with `[text](demo:NAME)`, in order, without repeats."""
    return tuple(dict.fromkeys(m.lower() for m in DEMO_LINK.findall(text)))


def join_lines(lines: list[str]) -> str:
    """Lines as one markdown string without leading or trailing blank lines."""
    return "\n".join(lines).strip("\n").rstrip()
