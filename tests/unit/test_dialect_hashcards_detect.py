"""hashcards detection beyond the first line: card lines below a title or a line of
description make a hashcards deck when they make a whole card; a note that merely holds a
`Q:` line, holds card lines in a code fence or below pages of prose, or carries the Obsidian
plugin's marks, is not one. The text above the first card is ignored with one warning naming
file and line (hashcards itself refuses such a file)."""

from __future__ import annotations

import pytest

from studyapp.domain.parsing import parse_text
from studyapp.domain.parsing.dialect import PREAMBLE_LINES, ParseOptions, is_hashcards
from studyapp.domain.parsing.model import Dialect

VAULT = ParseOptions(vault=True)
PROSE = "".join(f"Line {n} of a long note.\n" for n in range(PREAMBLE_LINES + 1))


@pytest.mark.parametrize(
    ("text", "options", "dialect"),
    [
        # Card lines below a title or description: whole cards, so hashcards.
        ("# Capitals\n\nQ: Capital of France?\nA: Paris\n", None, Dialect.HASHCARDS),
        (
            "# Capitals\n\nEurope.\n\nC: [Madrid] is the capital of Spain.\n",
            None,
            Dialect.HASHCARDS,
        ),
        ('---\nname = "Geo"\n---\n# Geography\n\nQ: x\nA: y\n', None, Dialect.HASHCARDS),
        ("# Deck\n\nQ: a question\non two lines\n\nA: its answer\n", None, Dialect.HASHCARDS),
        ("# Deck\n\nQ: not answered yet\n\nQ: x\nA: y\n", None, Dialect.HASHCARDS),
        ("# Deck\n\n---\n\nC: The [Rhine] flows north.\n\n---\n", None, Dialect.HASHCARDS),
        ("# Notes\n\nQ: asked in a meeting\nA: answered\n", None, Dialect.HASHCARDS),
        (PROSE[: PROSE.index("Line 5")] + "\nQ: x\nA: y\n", None, Dialect.HASHCARDS),
        # The first line with text opening a card is hashcards, whole card or not.
        ("Q: a question without its answer\n", None, Dialect.HASHCARDS),
        ("C: no deletion yet\n", None, Dialect.HASHCARDS),
        # One prose line starting `Q:`; card lines only in code; no whole card.
        ("# Meeting\n\nQ: what did we decide?\n\nNothing yet.\n", None, Dialect.STUDYAPP),
        ("# Docs\n\n```\nQ: x\nA: y\n```\n", None, Dialect.STUDYAPP),
        ("# Docs\n\n~~~markdown\nC: [Madrid] is in Spain.\n~~~\n", None, Dialect.STUDYAPP),
        ("# Docs\n\n```\nQ: x\n```\nA: outside the fence\n", None, Dialect.STUDYAPP),
        ("# Notes\n\nC: no deletion here\n", None, Dialect.STUDYAPP),
        ("# Notes\n\nC: only an image ![map](map.png)\n", None, Dialect.STUDYAPP),
        ("# Notes\n\nA: an answer first\nQ: then a question\n", None, Dialect.STUDYAPP),
        ("# Notes\n\n Q: indented\nA: no\n", None, Dialect.STUDYAPP),
        ("# Notes\n\nQ:: an Obsidian-style line\nA: x\n", None, Dialect.STUDYAPP),
        (PROSE + "\nQ: x\nA: y\n", None, Dialect.STUDYAPP),  # below pages of prose
        # The Obsidian plugin's marks win, even over a first-line card.
        ("#flashcards\n\nQ: What is it?\nA: a card of the plugin's\n", None, Dialect.OBSIDIAN),
        ("Q: x\nA: y\n\n#flashcards/geo\n", None, Dialect.OBSIDIAN),
        ("# Note\n\nQ: x\nA: y\n<!--SR:!2024-06-01,12,270-->\n", None, Dialect.OBSIDIAN),
        # In a vault notes are the plugin's unless the cards open the file.
        ("Q: x\nA: y\n", VAULT, Dialect.HASHCARDS),
        ("\n\nC: [Paris] is in France.\n", VAULT, Dialect.HASHCARDS),
        ("# Note\n\nQ: x\nA: y\n", VAULT, Dialect.OBSIDIAN),
        ("# Note\n\nC: [Paris] is in France.\n", VAULT, Dialect.OBSIDIAN),
    ],
)
def test_hashcards_by_its_card_lines(
    text: str, options: ParseOptions | None, dialect: Dialect
) -> None:
    assert parse_text("note.md", text, options or ParseOptions()).dialect is dialect
    if options is VAULT:
        assert is_hashcards(text, 0) is (dialect is Dialect.HASHCARDS)


@pytest.mark.parametrize(
    ("text", "warning", "cards"),
    [
        (
            "# Capitals\n\nThe capitals of Europe.\n\nQ: France?\nA: Paris\n",
            "geo.md:1: text before the first card (lines 1-3) is not a card; ignored",
            [("France?", "Paris")],
        ),
        (
            '---\nname = "Geo"\n---\n\n# Geography\nC: [Madrid] is in Spain.\n',
            "geo.md:5: text before the first card (line 5) is not a card; ignored",
            [("[…] is in Spain.", "**Madrid** is in Spain.")],
        ),
    ],
)
def test_the_text_above_the_first_card_is_ignored_with_one_warning(
    text: str, warning: str, cards: list[tuple[str, str]]
) -> None:
    deck = parse_text("geo.md", text)
    assert deck.dialect is Dialect.HASHCARDS
    assert [(c.question, c.answer) for c in deck.cards] == cards
    (only,) = deck.warnings
    assert str(only).startswith(warning) and "hashcards itself refuses" in str(only)


def test_stray_text_between_cards_is_still_named_line_by_line() -> None:
    deck = parse_text("d.md", "# Deck\n\nQ: a\nA: b\n\n---\n\nstray\n\n---\n\nQ: c\nA: d\n")
    assert [c.question for c in deck.cards] == ["a", "c"]
    assert [(w.line, w.message[:30]) for w in deck.warnings] == [
        (1, "text before the first card (li"),
        (8, "text that is not a card; did y"),
    ]
