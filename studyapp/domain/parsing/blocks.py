"""The block structure of a markdown file, from markdown-it-py, with broken fences repaired.

Inline parsing is switched off: parsers keep inline markdown as source text (the TUI renders
it), so only block tokens with their line maps are needed. Book flashcards need even less, only
where code blocks are (their structure is line-based), so they get a parser with just the code,
fence and paragraph rules: about a quarter of the cost of a full CommonMark parse.

A code fence that is never closed swallows everything after it, and two such fences pair up
and swallow everything between them without any error. So every fence is checked: one that
runs to the end of the file, or that holds a line which can only be the start of the next
block (another fence's opener with a language, or in a book file the next card's `---` and
title or the answer's `x??`), is closed there with a warning, and the rest is parsed again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token

from studyapp.domain.parsing.model import ParseWarning

DEMO_LINK = re.compile(r"\[[^\]\n]*\]\(demo:([A-Za-z0-9][A-Za-z0-9_.-]*)\)")
# Deeper than this (bullets or `>`), markdown-it stops making tokens; a warning says so.
MAX_NESTING = 64
# A hostile file with thousands of broken fences must not make parsing quadratic.
MAX_FENCE_REPAIRS = 200
FENCE_OPENER = re.compile(r"^ {0,3}(?P<run>`{3,}|~{3,})\s*(?P<info>[^\s`]+)")
HEADING = re.compile(r"^ {0,3}#{1,6}\s+\S")
BOOK_SEPARATOR = re.compile(r"^ {0,3}-{3,}\s*$")
BOOK_CARD_START = re.compile(r"^ {0,3}(#{1,6}\s+\S|:p(\s|$)|\*\*Starting Chapter:\*\*)")
BOOK_CLOSER = re.compile(r"^\s*(x\?\?|x\?)\s*$")
# A line in a code block that reads like a hand-written card: the block may be two unclosed
# fences pairing up around cards. Languages where ` :: ` is syntax (type signatures, list
# cons: `f :: a -> b`, `x :: xs`) are left alone.
CARD_LIKE = re.compile(r"^\S.*?\S\s+:::?\s+\S|\{\{c\d+::")
DOUBLE_COLON_LANGUAGES = frozenset(
    {
        "haskell",
        "hs",
        "lhs",
        "idris",
        "agda",
        "purescript",
        "elm",
        "scala",
        "ocaml",
        "ml",
        "sml",
        "fsharp",
        "f#",
        "lean",
        "coq",
        "erlang",
        "elixir",
        "ex",
        "exs",
        "julia",
        "rust",
        "cpp",
        "c++",
        "ruby",
        "perl",
        "raku",
    }
)


@cache
def _markdown(structure: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"maxNesting": MAX_NESTING})
    md.disable("inline")
    if not structure:
        md.disable(["lheading", "heading", "hr", "list", "blockquote", "reference", "html_block"])
    return md


@dataclass(slots=True)
class Blocks:
    lines: list[str]
    tokens: list[Token]
    code_lines: bytearray  # 1 where a line is inside (or opens/closes) a code block
    warnings: list[ParseWarning] = field(default_factory=list)

    def in_code(self, index: int) -> bool:
        return bool(self.code_lines[index])


def parse_blocks(path: str, text: str, structure: bool = True) -> Blocks:
    """Block tokens of `text`; with `structure=False` only code blocks are recognised."""
    md = _markdown(structure)
    lines = text.split("\n")
    blocks = Blocks(lines, [], bytearray(len(lines)))
    offset, repairs = 0, 0
    while True:
        part = md.parse(text) if offset == 0 else md.parse("\n".join(lines[offset:]))
        cut = None
        for token in part:
            if token.map is not None:
                token.map = [token.map[0] + offset, token.map[1] + offset]
            if cut is None and token.type == "fence" and repairs < MAX_FENCE_REPAIRS:
                cut = _broken_fence_end(blocks, token, book=not structure)
                if cut is not None:
                    _warn_fence(path, blocks, token, cut)
                    assert token.map is not None
                    token.map = [token.map[0], cut]
                    token.content = "\n".join(lines[token.map[0] + 1 : cut]) + "\n"
                    blocks.tokens.append(token)
                    break
            blocks.tokens.append(token)
        if cut is None:
            break
        # Block tokens left open by the cut (a list around the fence) are closed by the
        # restart: the rest of the file is parsed from the top level again.
        repairs += 1
        offset = cut
        if offset >= len(lines):
            break
    for token in blocks.tokens:
        if token.type in ("fence", "code_block") and token.map is not None:
            start, end = token.map
            blocks.code_lines[start:end] = b"\x01" * (end - start)
            language = token.info.strip().split(" ")[0].casefold()
            if token.type == "fence" and language not in DOUBLE_COLON_LANGUAGES:
                _check_card_like(path, blocks, token)
    _check_nesting(path, blocks)
    return blocks


def _closed(lines: list[str], token: Token) -> bool:
    assert token.map is not None
    start, end = token.map
    last = lines[end - 1].strip() if end - 1 > start else ""
    return last.startswith(token.markup) and last.strip(token.markup[0]) == ""


def _broken_fence_end(blocks: Blocks, token: Token, book: bool) -> int | None:
    """The line where a broken fence really ends (the first line of what follows), or None
    for a sound fence."""
    assert token.map is not None
    lines = blocks.lines
    start, end = token.map
    closed = _closed(lines, token)
    body_end = end - 1 if closed else end
    marker, run = token.markup[0], len(token.markup)
    for index in range(start + 1, body_end):
        line = lines[index]
        opener = FENCE_OPENER.match(line)
        if opener and opener.group("run")[0] == marker and len(opener.group("run")) >= run:
            return index  # a closer cannot carry a language: this opens the next fence
        if book and _book_boundary(lines, index):
            return index
    if closed:
        return None
    # Unclosed to the end of the file: end it before the next heading after a blank line
    # (notes), or keep it to the end, where it swallows nothing but its own card.
    for index in range(start + 2, body_end):
        if not book and HEADING.match(lines[index]) and not lines[index - 1].strip():
            return index
    return len(lines) if end >= len(lines) - (lines[-1] == "") else None


def _book_boundary(lines: list[str], index: int) -> bool:
    """The answer's closer, or a card separator followed by the next card's first line."""
    line = lines[index]
    if BOOK_CLOSER.match(line):
        return True
    if not BOOK_SEPARATOR.match(line):
        return False
    for following in lines[index + 1 : index + 4]:
        if following.strip():
            return BOOK_CARD_START.match(following) is not None
    return False


def _warn_fence(path: str, blocks: Blocks, token: Token, cut: int) -> None:
    assert token.map is not None
    where = "the end of the file" if cut >= len(blocks.lines) else f"line {cut + 1}"
    blocks.warnings.append(
        ParseWarning(
            path, token.map[0] + 1, f"unterminated code fence {token.markup} (closed at {where})"
        )
    )


def _check_card_like(path: str, blocks: Blocks, token: Token) -> None:
    assert token.map is not None
    start, end = token.map
    for index in range(start + 1, end - 1):
        if CARD_LIKE.search(blocks.lines[index]):
            blocks.warnings.append(
                ParseWarning(
                    path,
                    start + 1,
                    f"code block {token.markup} holds what reads like a card (line {index + 1}),"
                    " which is not imported; is a fence above it left open?",
                )
            )
            return


def _check_nesting(path: str, blocks: Blocks) -> None:
    deepest = max(blocks.tokens, key=lambda t: t.level, default=None)
    if deepest is None or deepest.level < MAX_NESTING - 1:
        return
    line = deepest.map[0] + 1 if deepest.map else 1
    blocks.warnings.append(
        ParseWarning(
            path,
            line,
            f"nested more than {MAX_NESTING} levels deep: the text is kept in the notes, "
            "but no card is made from the deepest levels",
        )
    )


def demo_names(text: str) -> tuple[str, ...]:
    """Demo names linked with `[text](demo:NAME)`, in order, without repeats."""
    return tuple(dict.fromkeys(m.lower() for m in DEMO_LINK.findall(text)))


def join_lines(lines: list[str]) -> str:
    """Lines as one markdown string without leading or trailing blank lines."""
    return "\n".join(lines).strip("\n").rstrip()
