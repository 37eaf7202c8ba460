"""The bundled deck: imported into an empty database on first start, all 14 chapters with at
least 10 cards each in the three formats, clean (no warnings), and linked to the demos."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select

from db.models import Card, Deck, DemoLink
from studyapp.demos.catalogue import all_demos
from studyapp.store.library import bundled_deck, ensure_bundled_deck
from studyapp.store.opening import Store

NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)


def test_first_start_imports_the_bundled_deck_once(sqlite_store: Store) -> None:
    reports = ensure_bundled_deck(sqlite_store.sessions, NOW)
    assert {r.format for r in reports} == {"book", "notes", "cards"}
    assert all(r.status == "imported" and r.errors == 0 for r in reports), [
        m for r in reports for m in r.messages
    ]
    assert ensure_bundled_deck(sqlite_store.sessions, NOW) == []
    with sqlite_store.sessions() as session:
        assert session.scalar(select(func.count(Deck.id))) == 3
        chapters = Counter(session.scalars(select(Card.chapter)))
    assert len(chapters) == 14
    assert all(count >= 10 for count in chapters.values()), chapters
    assert all(str(path).endswith(".md") for path in bundled_deck().iterdir())


def test_every_demo_is_linked_from_the_deck(sqlite_store: Store) -> None:
    ensure_bundled_deck(sqlite_store.sessions, NOW)
    with sqlite_store.sessions() as session:
        explicit = set(session.scalars(select(DemoLink.demo_name).where(DemoLink.explicit)))
        automatic = set(
            session.scalars(select(DemoLink.demo_name).where(DemoLink.explicit.is_(False)))
        )
        convolution = session.scalars(
            select(DemoLink.demo_name)
            .join(Card, Card.id == DemoLink.card_id)
            .where(Card.question.contains("filter"), Card.chapter.startswith("Chapter 2"))
        ).all()
        discriminator = session.scalars(
            select(DemoLink.demo_name)
            .join(Card, Card.id == DemoLink.card_id)
            .where(Card.question.contains("discriminator"))
        ).all()
    names = {demo.name for demo in all_demos()}
    assert names <= explicit
    assert automatic  # cards without an explicit link got one from the catalogue keywords
    assert "cnn-cifar10" in convolution
    assert "dcgan" in discriminator
