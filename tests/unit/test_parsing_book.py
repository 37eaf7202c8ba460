"""Book flashcards: every tolerance of the generated format, and file:line on everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from studyapp.domain.parsing import CardKind, DeckFormat, parse_file, parse_text
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def deck():  # type: ignore[no-untyped-def]
    return parse_file(FIXTURES / "book_messy.md")


def by_question(deck, start: str):  # type: ignore[no-untyped-def]
    matches = [c for c in deck.cards if c.question.startswith(start)]
    assert len(matches) == 1, [c.question for c in deck.cards]
    return matches[0]


def test_deck_title_format_and_chapters(deck) -> None:  # type: ignore[no-untyped-def]
    assert deck.format is DeckFormat.BOOK
    assert deck.title == "Test deck of messy book cards"
    assert {c.chapter for c in deck.cards} == {
        "Chapter 2: Deep Learning",
        "Chapter 3: Variational Autoencoders",
    }
    assert by_question(deck, "Why sample").chapter == "Chapter 3: Variational Autoencoders"


def test_title_context_question_answer_and_line(deck) -> None:  # type: ignore[no-untyped-def]
    card = by_question(deck, "How many weights")
    assert card.title == "Dense layers"
    assert card.context == "A dense layer connects every input unit to every output unit."
    assert card.answer == "Six weights and two biases: $3 \\times 2 + 2 = 8$ parameters."
    assert card.line == 10
    assert card.kind is CardKind.BASIC


@pytest.mark.parametrize(
    ("question", "answer"),
    [
        ("What does Flatten do?", "It reshapes a tensor to one dimension per example."),
        ("Which activation outputs", "Softmax."),
        ("What does Adam adapt?", "The learning rate of each parameter."),
        ("What does dropout do", "Nothing: it is only active during training."),
    ],
    ids=["missing-closer", "x?-closer", "??-closer", "closer-at-line-end"],
)
def test_tolerated_closers(deck, question: str, answer: str) -> None:  # type: ignore[no-untyped-def]
    assert by_question(deck, question).answer == answer


def test_several_pairs_share_title_and_context(deck) -> None:  # type: ignore[no-untyped-def]
    first = by_question(deck, "What does batch normalisation learn?")
    second = by_question(deck, "Which statistics")
    assert first.title == second.title == "Two questions, one card"
    assert first.context == second.context == "Batch normalisation keeps activations well scaled."
    assert second.answer == "The moving averages of mean and variance."


def test_card_without_p_takes_its_question_from_the_title(deck) -> None:  # type: ignore[no-untyped-def]
    card = by_question(deck, "Title only card")
    assert card.answer.startswith("The answer is this context paragraph")


def test_card_without_title_keeps_code_in_answer(deck) -> None:  # type: ignore[no-untyped-def]
    card = by_question(deck, "Which loss suits")
    assert card.title is None
    assert "```python\nloss = keras.losses.CategoricalCrossentropy()\n```" in card.answer


def test_closer_inside_code_is_not_a_closer_and_demo_links_are_found(deck) -> None:  # type: ignore[no-untyped-def]
    card = by_question(deck, "Why sample")
    assert card.answer.endswith("// x?? inside code is not a closer\n```")
    assert card.demo_names == ("vae",)


def test_nothing_is_dropped_silently(deck) -> None:  # type: ignore[no-untyped-def]
    """Every `:p` and every titled card is either a card or a warning naming file:line."""
    assert len(deck.cards) == 10
    assert [str(w) for w in deck.warnings] == [
        f"{FIXTURES / 'book_messy.md'}:95: card without an answer (no ??x … x??)"
    ]


def test_unterminated_fence_is_a_warning_with_its_line_and_keeps_the_card() -> None:
    text = "# Flashcards: x\n\n---\n\n#### t\n:p q\n??x\n```python\nprint(1)\nx??\n"
    deck = parse_text("deck.md", text)
    assert [str(w) for w in deck.warnings] == [
        "deck.md:8: unterminated code fence ``` (closed at line 10)"
    ]
    assert [(c.question, c.answer) for c in deck.cards] == [("q", "```python\nprint(1)")]


def test_separator_without_blank_line_and_crlf_line_endings(tmp_path: Path) -> None:
    path = tmp_path / "crlf.md"
    path.write_bytes(
        b"# Flashcards: d\r\n:p one?\r\n??x\r\nA\r\nx??\r\n---\r\n:p two?\r\n??x\r\nB\r\n"
    )
    deck = parse_file(path)
    assert [(c.question, c.answer, c.line) for c in deck.cards] == [
        ("one?", "A", 2),
        ("two?", "B", 7),
    ]
