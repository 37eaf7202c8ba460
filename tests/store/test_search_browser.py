"""What the card browser asks of search: the rendered Unicode is searchable beside the LaTeX
source, pages cover every card with the true count, flagged and buried filters, a buried
card called buried, and the closest terms for a query that finds nothing. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select, update

from db.models import Card
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import card_actions
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from studyapp.store.search import count_cards, search_cards, suggest_terms

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False)

MATH = """\
# Math deck

## Chapter 1

What does the estimator $\\hat{\\theta}$ estimate? :: The parameter $\\theta$ of the model.

Which letter names a learning rate? :: Usually $\\eta$, sometimes $\\alpha$.

What is an autoencoder? :: A network that reconstructs its input through a bottleneck.
"""


def no_demos(_text: str) -> list[str]:
    return []


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    (tmp_path / "math.md").write_text(MATH)
    (tmp_path / "many.md").write_text(
        "# Many\n\n" + "".join(f"Question number {n}? :: Answer {n}.\n\n" for n in range(230))
    )
    reports = import_paths(store.sessions, [tmp_path], NOW, no_demos)
    assert sorted(r.added for r in reports) == [3, 230]
    return store


def questions(hits) -> list[str]:  # type: ignore[no-untyped-def]
    return [hit.question for hit in hits]


def test_the_rendered_symbol_finds_the_card_as_well_as_its_latex_name(loaded: Store) -> None:
    estimator = "What does the estimator $\\hat{\\theta}$ estimate?"
    assert questions(search_cards(loaded.sessions, "θ")) == [estimator]
    assert questions(search_cards(loaded.sessions, "θ̂")) == [estimator]
    assert questions(search_cards(loaded.sessions, "theta")) == [estimator]
    assert questions(search_cards(loaded.sessions, "η learning")) == [
        "Which letter names a learning rate?"
    ]
    assert count_cards(loaded.sessions, "θ") == 1


def test_an_edited_card_is_rendered_again(loaded: Store) -> None:
    with loaded.sessions.begin() as session:
        session.execute(
            update(Card)
            .where(Card.question.startswith("Which letter"))
            .values(answer="Usually $\\lambda$.")
        )
    assert search_cards(loaded.sessions, "η") == []
    assert questions(search_cards(loaded.sessions, "λ")) == ["Which letter names a learning rate?"]


def test_pages_reach_every_card_and_the_count_is_the_total(loaded: Store) -> None:
    assert count_cards(loaded.sessions) == 233
    pages = [search_cards(loaded.sessions, limit=100, offset=at) for at in (0, 100, 200)]
    assert [len(page) for page in pages] == [100, 100, 33]
    assert len({hit.card_id for page in pages for hit in page}) == 233
    assert count_cards(loaded.sessions, "question number") == 230


def test_flagged_and_buried_filters_and_a_buried_card_is_not_learning(loaded: Store) -> None:
    with loaded.sessions() as session:
        first, second = session.scalars(select(Card.id).order_by(Card.id).limit(2)).all()
    card_actions.answer(loaded.sessions, first, 1, now=NOW, settings=SETTINGS)
    card_actions.bury(loaded.sessions, [first], NOW, SETTINGS)
    card_actions.set_flag(loaded.sessions, [second], 1)
    [flagged] = search_cards(loaded.sessions, flagged=True)
    assert flagged.card_id == second
    assert count_cards(loaded.sessions, flagged=False) == 232
    [buried] = search_cards(loaded.sessions, buried_at=NOW)
    assert buried.card_id == first and buried.state == "learning"
    assert buried.shown_state(NOW) == "buried"
    assert buried.shown_state(NOW + dt.timedelta(days=1)) == "learning"


def test_a_query_with_no_hits_suggests_the_closest_terms(loaded: Store) -> None:
    assert search_cards(loaded.sessions, "autoencodr") == []
    assert suggest_terms(loaded.sessions, "autoencodr")[0] == "autoencoder"
    assert suggest_terms(loaded.sessions, "estimatr bottlenek")[:2] == ["estimator", "bottleneck"]
    assert suggest_terms(loaded.sessions, "zzzzqqq") == []
