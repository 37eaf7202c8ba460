"""The card-side statistics: card counts, mastery per chapter, the hardest cards, demo runs.

Part of `studyapp.store.statistics` (whose docstring documents the JSON keys). Imports no UI.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from db.models import Card, CardState, Deck, DemoRun
from studyapp.domain.book_title import natural_key
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.stats_sql import (
    FORECAST_DAYS,
    HARDEST_LIMIT,
    LEECH_LAPSES,
    Memory,
    Scope,
    bucket_of,
    day_bounds,
    over_cards,
    retrievability_sql,
    study_date,
)

CARD_GROUPS = ("new", "learning", "review", "relearning", "suspended", "retired")


SCHEDULED = ("learning", "review", "relearning")
OVERDUE = -1


def card_pass(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> tuple[dict[str, int], list[dict[str, Any]], dict[str, Any]]:
    """The card counts, the chapters and the due forecast, from two scans.

    The cost of the card-side figures is joining cards to the learner's memory (one index seek
    a row), so the three share one GROUP BY over (chapter, card group, forecast day), driven
    from the learner's rows: a card without one is new, and the cards themselves are only
    counted per chapter, from an index. Python adds up a few hundred rows.
    """
    dialect = session.get_bind().dialect.name
    recall = retrievability_sql(now, settings, dialect)
    studied = CardState.reps > 0
    group = case((CardState.suspended.is_(True), "suspended"), else_=CardState.state)
    today = study_date(now, settings)
    days = [today + dt.timedelta(days=n) for n in range(FORECAST_DAYS)]
    ends = [day_bounds(day, settings)[1] for day in days]
    today_start = day_bounds(today, settings)[0]
    # The same cards as `group.in_(SCHEDULED)`, without evaluating `group` again for each row
    # (about a fifth of the query's time).
    scheduled = and_(CardState.state.in_(SCHEDULED), CardState.suspended.is_not(True))
    bucket = case((scheduled, bucket_of(Memory.due, [today_start, *ends])))
    # Grouped by `studied` too, so the recall (the costly expression) is computed once a card:
    # the studied groups' sums are the studied cards'.
    remembered = session.execute(
        over_cards(
            select(
                Card.chapter,
                group.label("group"),
                bucket.label("day"),
                studied.label("studied"),
                func.count(),
                func.coalesce(func.sum(recall), 0.0),
                func.coalesce(func.sum(CardState.lapses), 0),
                func.count().filter(CardState.lapses >= LEECH_LAPSES),
            ),
            new_too=False,
        )
        .where(Card.retired_at.is_(None), *scope.card_conditions())
        .group_by(Card.chapter, group, bucket, studied)
    ).all()
    retired = Card.retired_at.is_not(None)
    per_chapter = session.execute(
        select(Card.chapter, retired, func.count())
        .where(*scope.card_conditions())
        .group_by(Card.chapter, retired)
    ).all()

    counts = {name: 0 for name in CARD_GROUPS}
    chapters: dict[str | None, list[float]] = {}
    for chapter, is_retired, cards in per_chapter:
        if is_retired:
            counts["retired"] += cards
        else:
            counts["new"] += cards  # less the cards with a memory, below
            chapters[chapter] = [cards, 0, 0.0, 0.0, 0, 0]
    per_day: dict[int, int] = {}
    for chapter, group_name, day, was_studied, cards, recall_sum, lapses, leeches in remembered:
        counts["new"] -= cards
        counts[group_name] = counts.get(group_name, 0) + cards
        if day is not None:
            per_day[day] = per_day.get(day, 0) + cards
        figures = chapters[chapter]
        sums = (
            (cards, recall_sum, recall_sum, lapses, leeches)
            if was_studied
            else (0, recall_sum, 0, lapses, leeches)
        )
        for n, value in enumerate(sums, start=1):
            figures[n] += value
    counts["total"] = sum(counts[name] for name in CARD_GROUPS)
    overdue = per_day.pop(OVERDUE, 0)
    if overdue:
        per_day[0] = per_day.get(0, 0) + overdue  # today includes the overdue cards
    forecast = {
        "overdue": overdue,
        "days": [{"date": day.isoformat(), "due": per_day.get(n, 0)} for n, day in enumerate(days)],
        "total": sum(per_day.values()),
    }
    chapter_rows = [
        {
            "chapter": chapter,
            "cards": int(cards),
            "studied": int(studied_n),
            "mastery": round(float(recall_sum) / cards, 6) if cards else 0.0,
            "studied_retrievability": (
                round(float(known_sum) / studied_n, 6) if studied_n else None
            ),
            "lapses": int(lapses),
            "leeches": int(leeches),
        }
        for chapter, (cards, studied_n, recall_sum, known_sum, lapses, leeches) in sorted(
            chapters.items(), key=lambda item: natural_key(item[0])
        )
    ]
    return counts, chapter_rows, forecast


def hardest_cards(
    session: Session, now: dt.datetime, settings: SchedulerSettings, scope: Scope
) -> list[dict[str, Any]]:
    """The most-lapsed studied cards, then the least recalled (the count of leeches comes
    with the chapters, from `card_pass`)."""
    dialect = session.get_bind().dialect.name
    recall = retrievability_sql(now, settings, dialect).label("recall")
    live = [Card.retired_at.is_(None), *scope.card_conditions()]
    query = (
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
    )
    # Ranking every studied card by its recall is the cost; only cards with at least as many
    # lapses as the learner's 20th-most-lapsed card can make the list. Retired or other
    # decks' cards may hold some of those places, so a short list is asked for again whole.
    floor = session.scalar(
        select(CardState.lapses)
        .where(CardState.reps > 0)
        .order_by(CardState.lapses.desc())
        .offset(HARDEST_LIMIT - 1)
        .limit(1)
    )
    narrowed = query
    if floor:
        likely = select(CardState.card_id).where(CardState.reps > 0, CardState.lapses >= floor)
        narrowed = query.where(Card.id.in_(likely))
    rows = session.execute(narrowed).all()
    if narrowed is not query and len(rows) < HARDEST_LIMIT:
        rows = session.execute(query).all()
    return [
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
    ]


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
