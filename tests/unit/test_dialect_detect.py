"""Dialects by evidence, per file: what makes a file an Obsidian Spaced Repetition note or a
hashcards deck, and what keeps ordinary notes (a C++ file full of `a::b`) in studyapp's own
format, where no card comes from prose."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from studyapp.domain.parsing import parse_file, parse_text
from studyapp.domain.parsing.dialect import ObsidianSettings, ParseOptions, front_matter_tags
from studyapp.domain.parsing.model import Dialect

FIXTURES = Path(__file__).parents[1] / "fixtures" / "dialects"
VAULT = ParseOptions(vault=True)


@pytest.mark.parametrize(
    ("text", "options", "dialect"),
    [
        ("#flashcards\nQ::A\n", None, Dialect.OBSIDIAN),
        ("Some note #flashcards/sub/deck here\n\nQ::A\n", None, Dialect.OBSIDIAN),
        ("# Title\n\ntags: #flashcards, #other\n", None, Dialect.OBSIDIAN),
        ("---\ntags: [flashcards, maths]\n---\nQ::A\n", None, Dialect.OBSIDIAN),
        ("---\ntags:\n  - reading\n  - flashcards/books\n---\nQ::A\n", None, Dialect.OBSIDIAN),
        ("---\nsr-due: 2024-01-01\nsr-interval: 3\n---\n# Note\n", None, Dialect.OBSIDIAN),
        ("Q::A\n<!--SR:!2021-08-11,4,270-->\n", None, Dialect.OBSIDIAN),
        ("# Any note\n\nsome text\n", VAULT, Dialect.OBSIDIAN),
        ("Q: a question\nA: an answer\n", None, Dialect.HASHCARDS),
        ("\n\nC: [Paris] is in France.\n", None, Dialect.HASHCARDS),
        ('---\nname = "Deck"\n---\n\nQ: x\nA: y\n', None, Dialect.HASHCARDS),
        ("Q: x\nA: y\n", VAULT, Dialect.HASHCARDS),
        # Not evidence: the tag in code or inside a word, another tag (hashcards: its own tests).
        ("# Docs\n\n```\n#flashcards\nQ::A\n```\n", None, Dialect.STUDYAPP),
        ("# Docs\n\nWrite `#flashcards` on the first line.\n", None, Dialect.STUDYAPP),
        ("# Docs\n\nThe plugin writes `<!--SR:!2021-08-11,4,270-->`.\n", None, Dialect.STUDYAPP),
        ("# Notes\n\nC#flashcards and #flashcardsX are not the tag.\n", None, Dialect.STUDYAPP),
        (" Q: indented\nA: no\n", None, Dialect.STUDYAPP),
        ("# Flashcards: Book\n\n---\n\n:p q\n??x\na\nx??\n", VAULT, Dialect.STUDYAPP),
        ("# Plain\n\nquestion :: answer\n", None, Dialect.STUDYAPP),
    ],
)
def test_dialect_by_evidence(text: str, options: ParseOptions | None, dialect: Dialect) -> None:
    deck = parse_text("note.md", text, options or ParseOptions())
    assert deck.dialect is dialect


def test_a_forced_dialect_wins_over_evidence() -> None:
    text = "Q: looks like hashcards\nA: but\n"
    forced = parse_text("x.md", text, ParseOptions(dialect=Dialect.STUDYAPP))
    assert forced.dialect is Dialect.STUDYAPP and not forced.cards
    assert parse_text("x.md", "a::b\n", ParseOptions(dialect=Dialect.OBSIDIAN)).cards


def test_custom_flashcard_tags_come_from_the_settings() -> None:
    settings = ObsidianSettings(flashcard_tags=("#srs",))
    options = ParseOptions(obsidian=settings)
    assert parse_text("x.md", "#srs/lang\nHund::dog\n", options).dialect is Dialect.OBSIDIAN
    assert parse_text("x.md", "#flashcards\nHund::dog\n", options).dialect is Dialect.STUDYAPP


def test_front_matter_tags_in_every_yaml_form() -> None:
    assert front_matter_tags("tags: [a, '#b/c']") == ["#a", "#b/c"]
    assert front_matter_tags("tags: a b, c") == ["#a", "#b", "#c"]
    assert front_matter_tags("title: x\ntags:\n  - one\n  - two\nother: 1") == ["#one", "#two"]
    assert front_matter_tags("tag: single") == ["#single"]


def test_this_format_reference_is_read_in_studyapps_own_dialect() -> None:
    deck = parse_file(Path(__file__).parents[2] / "flashcards" / "FORMAT.md")
    assert deck.dialect is Dialect.STUDYAPP


def test_a_cpp_notes_file_full_of_scope_operators_gives_no_card() -> None:
    deck = parse_file(FIXTURES / "cpp_notes.md")
    assert deck.dialect is Dialect.STUDYAPP
    assert deck.cards == [] and deck.warnings == []
    assert "std::vector" in deck.sections[1].markdown
    # The same text read as an Obsidian note would be full of cards: detection is what
    # keeps prose prose.
    forced = parse_file(FIXTURES / "cpp_notes.md", options=ParseOptions(dialect=Dialect.OBSIDIAN))
    assert len(forced.cards) >= 5


def test_obsidian_syntax_needs_no_spaces_but_studyapp_syntax_does() -> None:
    text = "#flashcards\n\nstd::vector\n\nQuestion:::Answer\n"
    assert [c.question for c in parse_text("o.md", text).cards] == ["std", "Question", "Answer"]
    plain = parse_text("s.md", "# C++\n\nstd::vector and a:::b stay prose.\n")
    assert plain.dialect is Dialect.STUDYAPP and plain.cards == []


def test_detection_is_cheap_for_ordinary_files() -> None:
    """An ordinary notes file pays only substring and anchored checks for the dialects."""
    text = "# Notes\n\n" + "".join(
        f"## Part {n}\n\n- Term {n}: a definition with #hashtag{n} and std::x.\n\n"
        for n in range(2000)
    )
    from studyapp.domain.parsing.dialect import is_hashcards, obsidian_content_evidence

    settings = ObsidianSettings()
    start = time.perf_counter()
    for _ in range(20):
        assert not is_hashcards(text)
        assert not obsidian_content_evidence(text, settings)
    per_file = (time.perf_counter() - start) / 20
    started = time.perf_counter()
    parse_text("big.md", text)
    parse_cost = time.perf_counter() - started
    assert per_file < parse_cost / 10
