"""Notes and hand-written cards: sections, table of contents, definitions, all card syntaxes."""

from __future__ import annotations

import pytest

from studyapp.domain.parsing import CardKind, DeckFormat, parse_file, parse_text
from tests.conftest import FIXTURES


@pytest.fixture(scope="module")
def notes():  # type: ignore[no-untyped-def]
    return parse_file(FIXTURES / "notes.md")


@pytest.fixture(scope="module")
def cards():  # type: ignore[no-untyped-def]
    return parse_file(FIXTURES / "cards.md")


def test_section_hierarchy_with_lines(notes) -> None:  # type: ignore[no-untyped-def]
    assert notes.format is DeckFormat.NOTES
    assert notes.title == "Test notes"
    shape = [(s.level, s.title, s.parent_index, s.line) for s in notes.sections]
    assert shape == [
        (1, "Test notes", None, 1),
        (2, "Chapter 1: Generative Modeling", 0, 9),
        (3, "Likelihood", 1, 17),
        (2, "Chapter 2: Deep Learning", 0, 21),
        (3, "Convolutions", 3, 23),
    ]
    assert notes.sections[2].chapter == "Chapter 1: Generative Modeling"
    assert "  - They can also score how likely an observation is." in notes.sections[1].markdown


def test_table_of_contents_is_not_content(notes) -> None:  # type: ignore[no-untyped-def]
    root = notes.sections[0]
    assert root.markdown == ""
    assert all("](#" not in s.markdown for s in notes.sections)


def test_term_definition_bullets_become_generated_cards(notes) -> None:  # type: ignore[no-untyped-def]
    definitions = [(c.question, c.line, c.title) for c in notes.cards]
    assert definitions == [
        ("What is meant by “Generative models”?", 11, None),
        ("What is meant by “Discriminative models”?", 13, None),
        ("What is meant by “Maximum likelihood”?", 19, "Likelihood"),
        ("What is meant by “Stride”?", 25, "Convolutions"),
    ]
    first = notes.cards[0]
    assert first.kind is CardKind.DEFINITION and first.generated
    assert first.answer == (
        "learn p(X), so new observations can be sampled.\n"
        "- They can also score how likely an observation is."
    )


def test_demo_link_in_a_section(notes) -> None:  # type: ignore[no-untyped-def]
    assert notes.sections[4].demo_names == ("cnn-cifar10",)


def test_hand_written_syntaxes(cards) -> None:  # type: ignore[no-untyped-def]
    assert cards.format is DeckFormat.CARDS
    got = [(c.kind.value, c.question, c.line) for c in cards.cards]
    assert got == [
        ("basic", "What does the discriminator output?", 5),
        ("reversed", "Mode collapse", 7),
        ("reversed", "The generator produces only a few kinds of output.", 7),
        ("basic", "What loss does a WGAN critic use?", 9),
        ("reversed", "Lipschitz constraint", 16),
        ("reversed", "A bound on how fast the critic can change.", 16),
        (
            "cloze",
            "The WGAN-GP penalty weight is […] and the critic trains 5 times per generator step.",
            20,
        ),
        (
            "cloze",
            "The WGAN-GP penalty weight is 10 and the critic trains [how many?] times "
            "per generator step.",
            20,
        ),
        ("cloze", "A GAN's […] maps noise to images.", 22),
    ]
    assert all(c.chapter == "Chapter 4: Generative Adversarial Networks" for c in cards.cards)


def test_multiline_answer_runs_through_its_code_fence(cards) -> None:  # type: ignore[no-untyped-def]
    card = cards.cards[3]
    assert card.answer == (
        "The Wasserstein loss: the difference of mean critic scores.\n"
        "```python\nloss = ops.mean(fake_scores) - ops.mean(real_scores)\n```"
    )


def test_cloze_answer_marks_the_deletion(cards) -> None:  # type: ignore[no-untyped-def]
    assert cards.cards[8].answer == "A GAN's **generator** maps noise to images."


def test_card_syntax_inside_code_is_ignored() -> None:
    deck = parse_text("x.md", "# T\n\n```\nq :: a\n```\n\nUse `x :: y` in text.\n")
    assert deck.cards == []
    assert deck.format is DeckFormat.NOTES
