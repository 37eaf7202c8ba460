"""Plain listings of decks and cards for the CLI (`studyapp cards`, `studyapp decks`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, DemoLink
from studyapp.domain.book_title import natural_key


def list_cards(
    sessions: sessionmaker[Session], *, deck: str | None, due_only: bool, now: dt.datetime
) -> list[dict[str, Any]]:
    query = (
        select(Card, Deck.title)
        .join(Deck, Card.deck_id == Deck.id)
        .where(Card.retired_at.is_(None))
        .order_by(Deck.title, Card.position)
    )
    if deck:
        query = query.where(or_(Deck.title == deck, Deck.source_path.endswith(deck)))
    if due_only:
        query = query.where(Card.suspended.is_(False), Card.due.is_not(None), Card.due <= now)
    with sessions() as session:
        rows = session.execute(query).all()
        links: dict[int, list[str]] = {}
        ids = [card.id for card, _ in rows]
        for start in range(0, len(ids), 500):
            for card_id, name in session.execute(
                select(DemoLink.card_id, DemoLink.demo_name)
                .where(DemoLink.card_id.in_(ids[start : start + 500]))
                .order_by(DemoLink.id)
            ):
                if card_id is not None:
                    links.setdefault(card_id, []).append(name)
    return [
        {
            "id": card.id,
            "deck": title,
            "chapter": card.chapter,
            "kind": card.kind,
            "title": card.title,
            "question": card.question,
            "answer": card.answer,
            "source_file": card.source_file,
            "source_line": card.source_line,
            "state": "suspended" if card.suspended else card.state,
            "due": card.due.isoformat() if card.due else None,
            "reps": card.reps,
            "lapses": card.lapses,
            "suspended": card.suspended,
            "buried_until": card.buried_until.isoformat() if card.buried_until else None,
            "flag": card.flag,
            "demos": links.get(card.id, []),
        }
        for card, title in rows
    ]


def list_decks(sessions: sessionmaker[Session], now: dt.datetime) -> list[dict[str, Any]]:
    """One row per deck: a book's part files are one deck (they share its title), in natural
    order; `files` counts them and `source_path` is the first part's."""
    live = Card.retired_at.is_(None)
    query = (
        select(
            Deck,
            func.count(case((live, Card.id))),
            func.count(case((live & (Card.state == "new"), Card.id))),
            func.count(case((live & (Card.state != "new") & (Card.due <= now), Card.id))),
            func.count(case((Card.retired_at.is_not(None), Card.id))),
        )
        .outerjoin(Card, Card.deck_id == Deck.id)
        .group_by(Deck.id)
    )
    decks: dict[str, dict[str, Any]] = {}
    with sessions() as session:
        rows = sorted(
            session.execute(query).all(),
            key=lambda row: (row[0].part or 0, natural_key(row[0].source_path)),
        )
        for deck, cards, new, due, retired in rows:
            row = decks.get(deck.title)
            if row is None:
                decks[deck.title] = {
                    "id": deck.id,
                    "title": deck.title,
                    "format": deck.format,
                    "source_path": deck.source_path,
                    "files": 1,
                    "cards": cards,
                    "new": new,
                    "due": due,
                    "retired": retired,
                    "imported_at": deck.imported_at.isoformat(),
                }
                continue
            row["files"] += 1
            for key, value in (("cards", cards), ("new", new), ("due", due), ("retired", retired)):
                row[key] += value
            row["imported_at"] = max(row["imported_at"], deck.imported_at.isoformat())
    return [decks[title] for title in sorted(decks, key=natural_key)]
