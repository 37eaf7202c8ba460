"""The card-side statistics: card counts, mastery per chapter, the hardest cards, demo runs.

Part of `studyapp.store.statistics` (whose docstring documents the JSON keys). Imports no UI.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from db.models import Card, Deck, DemoRun
from studyapp.domain.book_title import natural_key
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.stats_sql import (
    HARDEST_LIMIT,
    LEECH_LAPSES,
    Memory,
    Scope,
    over_cards,
    retrievability_sql,
)

CARD_GROUPS = ("new", "learning", "review", "relearning", "suspended", "retired")


def card_figures(session: Session, scope: Scope) -> dict[str, int]:
    group = case(
        (Card.retired_at.is_not(None), "retired"),
        (Memory.suspended.is_(True), "suspended"),
        else_=Memory.state,
    )
    rows = session.execute(
        over_cards(select(group.label("group"), func.count()))
        .where(*scope.card_conditions())
        .group_by(group)
    ).all()
    counts = {name: 0 for name in CARD_GROUPS}
    for name, count in rows:
        counts[name] = counts.get(name, 0) + count
    counts["total"] = sum(count for _name, count in rows)
    return counts


def chapter_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> list[dict[str, Any]]:
    dialect = session.get_bind().dialect.name
    recall = retrievability_sql(now, settings, dialect)
    studied = Memory.reps > 0
    rows = session.execute(
        over_cards(
            select(
                Card.chapter,
                func.count(),
                func.count().filter(studied),
                func.avg(recall),
                func.avg(case((studied, recall))),
                func.coalesce(func.sum(Memory.lapses), 0),
                func.count().filter(Memory.lapses >= LEECH_LAPSES),
            )
        )
        .where(Card.retired_at.is_(None), *scope.card_conditions())
        .group_by(Card.chapter)
    ).all()
    chapters = [
        {
            "chapter": chapter,
            "cards": cards,
            "studied": studied_n,
            "mastery": round(float(mastery or 0.0), 6),
            "studied_retrievability": (
                round(float(known), 6) if known is not None and studied_n else None
            ),
            "lapses": int(lapses),
            "leeches": leeches,
        }
        for chapter, cards, studied_n, mastery, known, lapses, leeches in rows
    ]
    return sorted(chapters, key=lambda row: natural_key(row["chapter"]))


def hardest_figures(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> dict[str, Any]:
    dialect = session.get_bind().dialect.name
    recall = retrievability_sql(now, settings, dialect).label("recall")
    live = [Card.retired_at.is_(None), *scope.card_conditions()]
    rows = session.execute(
        over_cards(
            select(
                Card.id,
                Card.deck_id,
                Deck.title,
                Card.chapter,
                Card.title,
                Card.question,
                Memory.state,
                Memory.suspended,
                Memory.reps,
                Memory.lapses,
                recall,
            ),
            new_too=False,
        )
        .join(Deck, Deck.id == Card.deck_id)
        .where(*live, Memory.reps > 0)
        .order_by(Memory.lapses.desc(), recall, Card.id)
        .limit(HARDEST_LIMIT)
    ).all()
    leeches = session.scalar(
        over_cards(select(func.count()), new_too=False).where(*live, Memory.lapses >= LEECH_LAPSES)
    )
    return {
        "leech_lapses": LEECH_LAPSES,
        "leeches": leeches or 0,
        "cards": [
            {
                "card_id": card_id,
                "deck_id": deck_id,
                "deck": deck,
                "chapter": chapter,
                "title": title,
                "question": question,
                "state": "suspended" if suspended else state,
                "reps": reps,
                "lapses": lapses,
                "retrievability": round(float(r), 6),
                "leech": lapses >= LEECH_LAPSES,
            }
            for (
                card_id,
                deck_id,
                deck,
                chapter,
                title,
                question,
                state,
                suspended,
                reps,
                lapses,
                r,
            ) in rows
        ],
    }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def demo_figures(session: Session, scope: Scope) -> list[dict[str, Any]]:
    """Demo runs per (chapter, demo): counts by outcome and the latest run's results."""
    joined = select(DemoRun).outerjoin(Card, Card.id == DemoRun.card_id)
    conditions = scope.card_conditions()
    counts = session.execute(
        select(
            Card.chapter,
            DemoRun.demo_name,
            func.count(),
            func.count().filter(DemoRun.status == "succeeded"),
            func.count().filter(DemoRun.status == "failed"),
        )
        .select_from(DemoRun)
        .outerjoin(Card, Card.id == DemoRun.card_id)
        .where(*conditions)
        .group_by(Card.chapter, DemoRun.demo_name)
    ).all()
    newest = func.row_number().over(
        partition_by=(Card.chapter, DemoRun.demo_name),
        order_by=(DemoRun.started_at.desc(), DemoRun.id.desc()),
    )
    ranked = (
        joined.with_only_columns(Card.chapter, DemoRun.id, newest.label("rank"))
        .where(*conditions)
        .subquery("ranked")
    )
    latest = {
        (chapter, run.demo_name): run
        for chapter, run in session.execute(
            select(ranked.c.chapter, DemoRun)
            .join(DemoRun, DemoRun.id == ranked.c.id)
            .where(ranked.c.rank == 1)
        )
    }
    rows = []
    for chapter, demo, runs, succeeded, failed in counts:
        last = latest[(chapter, demo)]
        rows.append(
            {
                "chapter": chapter,
                "demo": demo,
                "runs": runs,
                "succeeded": succeeded,
                "failed": failed,
                "last": {
                    "run_id": last.id,
                    "status": last.status,
                    "started_at": _iso(last.started_at),
                    "ended_at": _iso(last.ended_at),
                    "backend": last.backend,
                    "device": last.device,
                    "metrics": last.metrics,
                },
            }
        )
    return sorted(rows, key=lambda row: (natural_key(row["chapter"]), row["demo"]))
