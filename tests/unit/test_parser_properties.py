"""Property-based tests: random and mutated markdown never makes the parsers raise anything
but the documented `ParseError`, and no card is lost between parse and database."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from db.models import Card
from studyapp.domain.parsing import ParseError, parse_text
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from tests.conftest import FIXTURES, no_demos

SEEDS = [(FIXTURES / n).read_text() for n in ("book_messy.md", "notes.md", "cards.md")]
LINES = [
    "---",
    ":p What is it?",
    "??x",
    "x??",
    "x?",
    "??",
    "?",
    "```python",
    "```",
    "~~~",
    "#### Title",
    "## Chapter 9: Transformers",
    "### Section",
    "# Flashcards: deck",
    "**Starting Chapter:** Chapter 1",
    "- Term: definition",
    "  - nested",
    "a :: b",
    "a ::: b",
    "{{c1::x}} and {{c2::y::hint}}",
    "==highlight==",
    "$$x^2$$",
    "$\\theta $that",
    "[demo](demo:vae)",
    "- [Link](#anchor)",
    "Table of contents:",
    "",
    "    indented code",
    "> quote",
    "1. item",
    "<div>",
    "text line",
    "\t",
    "\ufeff",
]


def mutate(text: str, data: st.DataObject) -> str:
    lines = text.split("\n")
    for _ in range(data.draw(st.integers(0, 6))):
        action = data.draw(st.sampled_from(["insert", "delete", "duplicate", "swap"]))
        at = data.draw(st.integers(0, max(0, len(lines) - 1)))
        if action == "insert":
            lines.insert(at, data.draw(st.sampled_from(LINES) | st.text(max_size=30)))
        elif lines and action == "delete":
            del lines[at]
        elif lines and action == "duplicate":
            lines.insert(at, lines[at])
        elif len(lines) > 1:
            other = data.draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    return "\n".join(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(LINES) | st.text(max_size=40), max_size=40))
def test_random_markdown_parses_or_raises_parse_error(lines: list[str]) -> None:
    text = "\n".join(lines)
    try:
        deck = parse_text("random.md", text)
    except ParseError as error:
        assert str(error).startswith("random.md")
        return
    last_line = len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    for card in deck.cards:
        assert card.question.strip() and card.answer.strip()
        assert 1 <= card.line <= last_line
    for warning in deck.warnings:
        assert 1 <= warning.line <= last_line


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), seed=st.sampled_from(SEEDS))
def test_no_card_is_lost_between_parse_and_database(
    tmp_path: Path, data: st.DataObject, seed: str
) -> None:
    text = mutate(seed, data)
    if "\x00" in text:
        return  # a NUL makes it a binary file, refused whole (tested in test_cli)
    try:
        deck = parse_text("mutated.md", text)
    except ParseError:
        return
    case = Path(tempfile.mkdtemp(dir=tmp_path))
    path = case / "mutated.md"
    path.write_text(text)
    store = open_store(str(case / "db.sqlite"))
    try:
        (report,) = import_paths(
            store.sessions, [path], dt.datetime(2026, 1, 1, tzinfo=dt.UTC), no_demos
        )
        assert report.status == "imported", report.messages
        with store.sessions() as session:
            stored = session.scalar(select(func.count(Card.id))) or 0
        assert stored == report.added == len(deck.cards)
    finally:
        store.close()
