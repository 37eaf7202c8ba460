"""The review session's counts (New / Learning / Due under the card), checked against their
definition on every kind of session: queued cards, learning cards waiting beside the queue or
also queued (a crammed Again), and the card on screen."""

from __future__ import annotations

import datetime as dt
from collections import deque

from hypothesis import given
from hypothesis import strategies as st

from studyapp.store.overview import Counts
from studyapp.tui.review_session import ReviewSession

STATES = ("new", "learning", "relearning", "review")
DUE = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)


def counted_by_definition(session: ReviewSession, current: int | None) -> Counts:
    """Every card still to show, once per place in the queue: a learning card as learning,
    any other card by its state (new when the session knows none)."""
    cards = list(session.queue) + [c for c in session.learning if c not in session.queue]
    if current is not None and current not in cards:
        cards.append(current)
    counts = {"new": 0, "learning": 0, "due": 0}
    for card in cards:
        state = session.states.get(card, "new")
        if card in session.learning or state in ("learning", "relearning"):
            counts["learning"] += 1
        elif state == "new":
            counts["new"] += 1
        else:
            counts["due"] += 1
    return Counts(**counts)


def test_a_session_counts_its_cards_by_state_and_its_learning_cards_as_learning() -> None:
    session = ReviewSession(
        queue=deque([1, 2, 3, 4, 5]),
        states={1: "new", 2: "review", 3: "review", 4: "relearning", 5: "review", 6: "review"},
        learning={5: DUE, 7: DUE},
    )
    # 1 new; 2, 3 due; 4 relearning, 5 (queued and learning) and 7 (learning, unknown
    # state) learning; 6 on screen, a review.
    assert session.remaining(current=6) == Counts(new=1, learning=3, due=3)
    assert session.remaining(current=2) == Counts(new=1, learning=3, due=2)
    assert session.remaining() == Counts(new=1, learning=3, due=2)


@given(
    queue=st.lists(st.integers(0, 30), max_size=40),
    states=st.dictionaries(st.integers(0, 30), st.sampled_from(STATES), max_size=31),
    learning=st.sets(st.integers(0, 30), max_size=10),
    current=st.none() | st.integers(0, 30),
)
def test_the_counts_follow_their_definition_on_any_session(
    queue: list[int], states: dict[int, str], learning: set[int], current: int | None
) -> None:
    session = ReviewSession(
        queue=deque(queue), states=states, learning={card: DUE for card in learning}
    )
    assert session.remaining(current) == counted_by_definition(session, current)
