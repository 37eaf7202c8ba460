"""`studyapp import FILE.apkg|FILE.colpkg`: an Anki collection with its history, through the
official `anki` package (the `anki` extra), never a hand-written reader of Anki's schema.

Each package is one deck (its top-level Anki deck gives the title, subdecks the chapters, a
tag the chapter where there is no subdeck). A card is identified by its Anki id, so
re-importing the same package changes nothing and a newer export of it updates the cards'
text. Cards are taken as Anki renders them (any note type), HTML turned into markdown, media
kept as links. With scheduling in the package, the review log comes over with its original
times, ratings and durations, the FSRS memory (stability, difficulty) is rebuilt by replaying
it, and the due date is Anki's own, so the schedule continues where Anki left off. History is
replayed only for cards new to the database: a card's local reviews are never rewritten.

Imports no UI; `anki` is imported only when a package is imported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck, ReviewLog
from studyapp.domain.anki_html import answer_side, deck_and_chapter, html_to_markdown
from studyapp.domain.parsing import ParseError
from studyapp.domain.parsing.source import check_regular_file
from studyapp.domain.scheduling import MemoryState, SchedulerSettings, next_study_day, review
from studyapp.store.review import memory_of, store_memory

ANKI_SUFFIXES = (".apkg", ".colpkg")
MAX_PACKAGE_BYTES = 2 * 1024 * 1024 * 1024
# revlog.type: 0 learn, 1 review, 2 relearn, 3 filtered (cram), 4 manual, 5 rescheduled.
ANSWER_TYPES = (0, 1, 2, 3)


@dataclass(slots=True)
class AnkiCard:
    anki_id: int
    kind: str
    deck: str
    chapter: str | None
    question: str
    answer: str
    position: int
    suspended: bool
    buried: bool
    flag: int
    anki_state: int  # card.type: 0 new, 1 learning, 2 review, 3 relearning
    due: dt.datetime | None
    reviews: list[tuple[dt.datetime, int, int]] = field(default_factory=list)  # at, rating, ms


def read_package(path: Path) -> tuple[str, list[AnkiCard]]:
    """(deck title, cards) of an Anki package; a `ParseError` names the file when it is not
    one, or when the `anki` extra is missing."""
    try:
        from anki.collection import Collection
    except ImportError:
        raise ParseError(
            str(path), "importing Anki packages needs the anki extra: pip install 'studyapp[anki]'"
        ) from None
    check_regular_file(path, str(path), MAX_PACKAGE_BYTES)
    with tempfile.TemporaryDirectory(prefix="studyapp-anki-") as folder:
        col = Collection(str(Path(folder) / "collection.anki2"))
        try:
            _load(col, path, Path(folder))
            return _cards(col, path)
        except ParseError:
            raise
        except Exception as error:  # Anki's backend raises its own error types
            raise ParseError(str(path), f"not a readable Anki package: {error}") from None
        finally:
            col.close()


def _load(col: Any, path: Path, folder: Path) -> None:
    if path.suffix.lower() == ".colpkg":
        col.close()  # the backend replaces the (empty) collection file with the package's
        col._backend.import_collection_package(
            col_path=col.path,
            backup_path=str(path),
            media_folder=str(folder / "media"),
            media_db=str(folder / "media.db"),
        )
        col.reopen(after_full_sync=False)
        return
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(path), options=options))


def _cards(col: Any, path: Path) -> tuple[str, list[AnkiCard]]:
    ids = sorted(col.find_cards(""))
    names = {cid: col.decks.name(col.get_card(cid).did) for cid in ids}
    tops = {n.split("::")[0] for n in names.values()}
    title = next(iter(tops)) if len(tops) == 1 else path.stem
    revlog: dict[int, list[tuple[dt.datetime, int, int]]] = {}
    for rid, cid, ease, taken, kind in col.db.all(
        "SELECT id, cid, ease, time, type FROM revlog ORDER BY id"
    ):
        if ease in (1, 2, 3, 4) and kind in ANSWER_TYPES:
            at = dt.datetime.fromtimestamp(rid / 1000, dt.UTC)
            revlog.setdefault(cid, []).append((at, ease, max(0, int(taken))))
    cards = []
    for position, cid in enumerate(ids):
        card = col.get_card(cid)
        note = card.note()
        rendered = card.render_output(reload=True)
        media = {
            "q": [getattr(t, "filename", "") for t in rendered.question_av_tags],
            "a": [getattr(t, "filename", "") for t in rendered.answer_av_tags],
        }
        deck, chapter = deck_and_chapter(names[cid], len(tops))
        if chapter is None and note.tags:
            chapter = note.tags[0].replace("::", " / ")
        notetype = note.note_type() or {}
        kind = (
            "cloze"
            if notetype.get("type") == 1
            else "reversed"
            if len(notetype.get("tmpls", ())) > 1
            else "basic"
        )
        cards.append(
            AnkiCard(
                anki_id=cid,
                kind=kind,
                deck=deck or title,
                chapter=chapter,
                question=html_to_markdown(rendered.question_text, media) or "(empty)",
                answer=html_to_markdown(answer_side(rendered.answer_text), media) or "(empty)",
                position=position,
                suspended=card.queue == -1,
                buried=card.queue in (-2, -3),
                flag=card.flags & 0b111,
                anki_state=card.type,
                due=_due(col, card),
                reviews=revlog.get(cid, []),
            )
        )
    return title, cards


def _due(col: Any, card: Any) -> dt.datetime | None:
    """Anki's due date: a day number (reviews, day-learning) or epoch seconds (learning)."""
    if card.type == 0:
        return None
    if card.queue == 1 or (card.type in (1, 3) and card.due > 1_000_000_000):
        return dt.datetime.fromtimestamp(card.due, dt.UTC)
    return dt.datetime.fromtimestamp(col.crt + card.due * 86400, dt.UTC)


def replay(
    anki: AnkiCard,
    settings: SchedulerSettings,
    memory: MemoryState | None = None,
    since: dt.datetime | None = None,
) -> tuple[MemoryState, list[ReviewLog]]:
    """FSRS memory rebuilt from Anki's answers (from `memory`, through the answers after
    `since` only, when given), with the review-log rows it makes; the due date is Anki's, so
    the schedule goes on where Anki left off."""
    memory = memory or MemoryState()
    answers = [answer for answer in anki.reviews if since is None or answer[0] > since]
    logs = []
    for at, rating, millis in answers:
        after = review(anki.anki_id, memory, rating, at, settings).after
        logs.append(
            ReviewLog(
                reviewed_at=at,
                rating=rating,
                duration_ms=millis,
                state_before=memory.state,
                state_after=after.state,
                before=memory.to_dict(),
                after=after.to_dict(),
            )
        )
        memory = after
    if answers and anki.due is not None:
        memory = MemoryState(
            state=memory.state,
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=anki.due,
            last_review=memory.last_review,
            reps=memory.reps,
            lapses=memory.lapses,
        )
    return memory, logs


def package_hash(path: Path) -> str:
    check_regular_file(path, str(path), MAX_PACKAGE_BYTES)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def sync_package(
    session: Session,
    path: Path,
    title: str,
    cards: list[AnkiCard],
    content_hash: str,
    now: dt.datetime,
    settings: SchedulerSettings,
) -> tuple[int, int, int]:
    """Write one package's cards in the caller's transaction: (added, updated, unchanged)."""
    source = str(path.resolve())
    deck = session.scalars(select(Deck).where(Deck.source_path == source)).one_or_none()
    if deck is None:
        deck = Deck(source_path=source, renamed=False, part=None)
        session.add(deck)
    if not deck.renamed:
        deck.title = title
    deck.source_title, deck.book_key = title, title.casefold()
    deck.format, deck.content_hash, deck.imported_at = "anki", content_hash, now
    session.flush()
    existing = {c.identity: c for c in session.scalars(select(Card).where(Card.deck_id == deck.id))}
    last: dict[int, dt.datetime] = dict(
        session.execute(
            select(ReviewLog.card_id, func.max(ReviewLog.reviewed_at))
            .join(Card, Card.id == ReviewLog.card_id)
            .where(Card.deck_id == deck.id)
            .group_by(ReviewLog.card_id)
        ).all()
    )
    added = updated = unchanged = 0
    for anki in cards:
        identity = f"anki:{anki.anki_id}"
        text_hash = hashlib.sha256(
            "\x1f".join((anki.kind, anki.question, anki.answer, anki.chapter or "")).encode()
        ).hexdigest()
        card = existing.get(identity)
        if card is not None:
            studied = _continue_history(session, card, anki, settings, last.get(card.id))
            if card.content_hash == text_hash and card.retired_at is None and not studied:
                unchanged += 1
                continue
            card.question, card.answer, card.chapter = anki.question, anki.answer, anki.chapter
            card.kind, card.content_hash, card.retired_at = anki.kind, text_hash, None
            card.position = anki.position
            updated += 1
            continue
        memory, logs = replay(anki, settings)
        card = Card(
            deck_id=deck.id,
            identity=identity,
            kind=anki.kind,
            generated=False,
            title=None,
            question=anki.question,
            answer=anki.answer,
            context="",
            chapter=anki.chapter,
            source_file=source,
            source_line=0,
            position=anki.position,
            content_hash=text_hash,
            state=memory.state,
            step=memory.step,
            stability=memory.stability,
            difficulty=memory.difficulty,
            due=memory.due,
            last_review=memory.last_review,
            reps=memory.reps,
            lapses=memory.lapses,
            suspended=anki.suspended,
            buried_until=next_study_day(now, settings) if anki.buried else None,
            flag=anki.flag,
        )
        session.add(card)
        session.flush()
        for log in logs:
            log.card_id = card.id
        session.add_all(logs)
        added += 1
    return added, updated, unchanged


def _continue_history(
    session: Session,
    card: Card,
    anki: AnkiCard,
    settings: SchedulerSettings,
    last: dt.datetime | None,
) -> bool:
    """Anki's answers to an imported card given since its last logged answer `last` (studied
    on in Anki, exported again): logged with their own times, and the memory carried on
    through them. Answers older than the card's newest one here are history already told."""
    memory, logs = replay(anki, settings, memory_of(card), since=last)
    if not logs:
        return False
    store_memory(card, memory)
    for log in logs:
        log.card_id = card.id
    session.add_all(logs)
    return True


def import_package(
    sessions: sessionmaker[Session], path: Path, now: dt.datetime, settings: SchedulerSettings
) -> dict[str, Any]:
    """Import one package in one transaction; returns the report's numbers."""
    content_hash = package_hash(path)
    with sessions() as session:
        known = session.scalar(
            select(Deck.content_hash).where(Deck.source_path == str(path.resolve()))
        )
        if known == content_hash:
            count = session.scalar(
                select(func.count(Card.id)).where(
                    Card.source_file == str(path.resolve()), Card.retired_at.is_(None)
                )
            )
            return {"status": "unchanged", "format": "anki", "unchanged": count or 0}
    title, cards = read_package(path)
    with sessions.begin() as session:
        added, updated, unchanged = sync_package(
            session, path, title, cards, content_hash, now, settings
        )
    return {
        "status": "imported",
        "format": "anki",
        "deck": title,
        "added": added,
        "updated": updated,
        "unchanged": unchanged,
    }
