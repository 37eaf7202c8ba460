"""Hostile and broken input: every card that cannot be made is named in a warning with its
line, control characters never survive parsing, and special files are refused at once."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from studyapp.domain.parsing import CardKind, ParseError, parse_text, read_source
from studyapp.domain.parsing.blocks import MAX_NESTING
from studyapp.domain.parsing.notes import MAX_CLOZES
from studyapp.domain.parsing.source import read_limited


def messages(deck) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(w) for w in deck.warnings]


def test_control_characters_are_removed_with_a_warning_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "evil.md"
    path.write_bytes(
        b"# Evil\n\nsafe :: fine\n\nclip\x1b]52;c;cm0gLXJmIH4K\x07 :: title\x1b]0;pwned\x07\n"
        b"\nc1 \xc2\x9b2J :: x\n"
    )
    source = read_source(path)
    assert "\x1b" not in source.text and "\x07" not in source.text and "\x9b" not in source.text
    assert [str(w) for w in source.warnings] == [
        f"{path}:5: removed 3 escape sequences and control characters (first here)"
    ]
    from studyapp.domain.parsing.detect import parse_source

    deck = parse_source(source)
    assert messages(deck)[0] == (
        f"{path}:5: removed 3 escape sequences and control characters (first here)"
    )
    # The whole sequence goes, its payload too: no `]52;c;…` or `2J` residue in the card.
    assert [c.question for c in deck.cards] == ["safe", "clip", "c1"]
    assert [c.answer for c in deck.cards][1] == "title"


@pytest.mark.parametrize(
    ("hostile", "shown", "count"),
    [
        ("Hostile \x1b[31mred\x1b[0m card", "Hostile red card", 2),  # SGR colour
        ("a\x1b[?1049hb", "ab", 1),  # CSI with a private parameter: alternate screen
        ("a\x1b]0;pwned\x1b\\b", "ab", 1),  # OSC ended by ST
        ("a\x1bP+q544e\x1b\\b", "ab", 1),  # DCS (terminal query)
        ("a\x1b_payload\x07b", "ab", 1),  # APC
        ("a\x9d8;;http://evil\x9cb", "ab", 1),  # 8-bit OSC 8 hyperlink
        ("a\x1bcb", "ab", 1),  # ESC c: full reset
        ("a\x1b(0b", "ab", 1),  # ESC ( 0: line-drawing character set
        ("title \x1b]0;never ended\nnext line", "title \nnext line", 1),  # ends at the line
        ("lone \x1b", "lone ", 1),
        ("bell\x07 and \x08back", "bell and back", 2),
        ("plain [31m and ]0; stay", "plain [31m and ]0; stay", 0),  # no ESC: content
    ],
)
def test_a_whole_escape_sequence_is_removed_not_only_its_escape(
    hostile: str, shown: str, count: int
) -> None:
    from studyapp.domain.text_safety import count_controls, strip_controls

    assert strip_controls(hostile) == shown
    assert count_controls(hostile) == count


def test_tab_and_newline_are_content_not_controls(tmp_path: Path) -> None:
    path = tmp_path / "ok.md"
    path.write_bytes(b"# Ok\n\nq\t1 :: a\n")
    assert read_source(path).warnings == ()


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    with pytest.raises(ParseError, match="not a regular file"):
        read_source(fifo)


def test_a_device_is_refused() -> None:
    with pytest.raises(ParseError, match="not a regular file"):
        read_source(Path("/dev/zero"))


def test_the_size_cap_holds_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * 5000)
    with pytest.raises(ParseError, match="limit"):
        read_limited(path, str(path), limit=4096)
    assert read_limited(path, str(path), limit=5000) == b"x" * 5000


def test_parse_error_survives_pickling() -> None:
    error = ParseError("deck.md", "unterminated code fence", 7)
    again = pickle.loads(pickle.dumps(error))
    assert (again.path, again.message, again.line, str(again)) == (
        "deck.md",
        "unterminated code fence",
        7,
        "deck.md:7: unterminated code fence",
    )


BOOK_CARD = "#### Card {n}\n:p Question {n}?\n??x\n{body}\nx??\n\n---\n\n"


def test_two_unterminated_fences_in_a_book_lose_no_card_between_them() -> None:
    cards = [
        BOOK_CARD.format(n=1, body="```python\nprint(1)"),
        BOOK_CARD.format(n=2, body="Plain answer two."),
        BOOK_CARD.format(n=3, body="```bash\necho 3"),
        BOOK_CARD.format(n=4, body="Plain answer four."),
    ]
    deck = parse_text("book.md", "# Flashcards: Deck\n\n" + "".join(cards))
    assert [c.question for c in deck.cards] == [f"Question {n}?" for n in (1, 2, 3, 4)]
    assert deck.cards[1].answer == "Plain answer two."
    assert [w for w in messages(deck) if "fence" in w] == [
        "book.md:6: unterminated code fence ``` (closed at line 8)",
        "book.md:23: unterminated code fence ``` (closed at line 25)",
    ]


def test_two_unterminated_fences_in_notes_lose_no_card_between_them() -> None:
    text = (
        "# Notes\n\n```python\nx = 1\n\nfirst :: one\n\n```bash\necho\n\nsecond :: two\n\n"
        "```\n\nthird :: three\n"
    )
    deck = parse_text("notes.md", text)
    questions = [c.question for c in deck.cards]
    assert "third" in questions
    assert any("notes.md:3: unterminated code fence" in w for w in messages(deck))


def test_a_fence_open_to_the_end_keeps_the_cards_before_it() -> None:
    deck = parse_text("notes.md", "# N\n\nq :: a\n\n```python\nnever closed\n")
    assert [c.question for c in deck.cards] == ["q"]
    assert messages(deck) == [
        "notes.md:5: unterminated code fence ``` (closed at the end of the file)"
    ]


def test_deep_nesting_still_makes_cards() -> None:
    depth = 30
    deck = parse_text("deep.md", "# D\n\n" + "> " * depth + "deep :: card\n")
    assert [c.question for c in deck.cards] == ["deep"]
    assert deck.warnings == []


def test_nesting_past_the_limit_is_warned_about_not_dropped_silently() -> None:
    deck = parse_text("deep.md", "# D\n\n" + "> " * (MAX_NESTING + 10) + "deep :: card\n")
    assert any("nested more than" in w for w in messages(deck))


@pytest.mark.parametrize("line", ["Q ::", "F :::", ":: answer only"])
def test_a_card_with_an_empty_side_is_warned_about(line: str) -> None:
    deck = parse_text("cards.md", f"# C\n\n{line}\n\nok :: fine\n")
    assert [c.question for c in deck.cards] == ["ok"]
    assert len(deck.warnings) == 1 and deck.warnings[0].line == 3
    assert "card without a" in deck.warnings[0].message


def test_an_empty_cloze_makes_no_card_but_a_warning() -> None:
    deck = parse_text("cards.md", "# C\n\nThe {{c1::}} is empty, {{c2::this}} is not.\n")
    assert [c.kind for c in deck.cards] == [CardKind.CLOZE]
    assert "[…]" in deck.cards[0].question and "this" not in deck.cards[0].question
    assert messages(deck) == ["cards.md:3: empty cloze deletion c1 makes no card: {{c1::}}"]


def test_clozes_per_note_are_capped_with_a_warning() -> None:
    note = " ".join(f"{{{{c{n}::w{n}}}}}" for n in range(1, MAX_CLOZES + 11))
    deck = parse_text("cards.md", f"# C\n\n{note}\n")
    assert len(deck.cards) == MAX_CLOZES
    assert messages(deck) == [
        f"cards.md:3: {MAX_CLOZES + 10} cloze deletions in one note; only the first "
        f"{MAX_CLOZES} became cards"
    ]


def test_a_cloze_bomb_makes_no_cards_and_stays_fast() -> None:
    bomb = " ".join(f"{{{{c{n}::x}}}}" for n in range(1, 2001))
    deck = parse_text("bomb.md", f"# B\n\n{bomb}\n")
    assert deck.cards == []
    assert "2000 cloze deletions in one note" in messages(deck)[0]


def test_bare_fences_pairing_up_around_a_card_are_warned_about() -> None:
    deck = parse_text("notes.md", "# N\n\n~~~\nopen\n\nswallowed :: card\n\n~~~\nopen again\n")
    assert "swallowed" not in [c.question for c in deck.cards]
    assert any(w.line == 3 and "reads like a card (line 6)" in w.message for w in deck.warnings), (
        messages(deck)
    )


def test_a_haskell_signature_in_a_fence_with_a_language_is_not_a_card_warning() -> None:
    deck = parse_text("notes.md", "# N\n\n```haskell\nmap :: (a -> b) -> [a] -> [b]\n```\n")
    assert deck.warnings == [] and deck.cards == []
