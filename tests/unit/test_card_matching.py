"""The pure card-matching plan of library sync, without a database."""

from __future__ import annotations

from studyapp.domain.card_matching import StoredCard, plan_cards
from studyapp.domain.parsing import CardKind, ParsedCard


def parsed(question: str, answer: str = "a") -> ParsedCard:
    return ParsedCard(CardKind.BASIC, question, answer, 1)


def stored(card_id: int, card: ParsedCard, identity: str, retired: bool = False) -> StoredCard:
    return StoredCard(card_id, identity, card.question, card.content_hash, retired)


def test_same_question_continues_the_same_card() -> None:
    old = plan_cards([parsed("What is FSRS?")], [])
    card = parsed("What is FSRS?", "a new answer")
    plan = plan_cards([card], [stored(7, parsed("What is FSRS?"), old.identities[0])])
    assert [m.id if m else None for m in plan.matches] == [7]
    assert plan.retire == []


def test_a_light_edit_continues_the_card_and_a_new_question_does_not() -> None:
    before = parsed("What does Flatten do?")
    identity = plan_cards([before], []).identities[0]
    plan = plan_cards(
        [parsed("What does flatten do ?!"), parsed("Something else entirely")],
        [stored(3, before, identity)],
    )
    assert [m.id if m else None for m in plan.matches] == [3, None]


def test_twins_match_by_content_before_order() -> None:
    a, b = parsed("Why?", "first"), parsed("Why?", "second")
    ids = plan_cards([a, b], []).identities
    plan = plan_cards([b], [stored(1, a, ids[0]), stored(2, b, ids[1])])
    assert [m.id if m else None for m in plan.matches] == [2]
    assert plan.retire == [1]


def test_unclaimed_retired_cards_are_not_retired_again() -> None:
    card = parsed("Gone?")
    identity = plan_cards([card], []).identities[0]
    plan = plan_cards([], [stored(5, card, identity, retired=True)])
    assert plan.retire == []
