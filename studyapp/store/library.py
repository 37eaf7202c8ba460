"""Library sync: markdown files in, decks, sections, cards and demo links out.

Each file is imported in its own transaction, so a bad file changes nothing and the others
still import. Unchanged files are skipped by content hash before they are parsed. Cards keep
their id (and so their review history) across edits: they are matched by question identity,
then by similarity for lightly edited questions; cards whose text is gone are retired.

Imports neither Textual nor Keras.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import cast

from sqlalchemy import CursorResult, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from db.learner_scope import bound_learner
from db.models import Card, CardState, Deck, DemoLink, Section
from studyapp.domain.book_title import BookTitle, book_title
from studyapp.domain.card_matching import StoredCard, plan_cards
from studyapp.domain.parsing import ParsedDeck, ParseError
from studyapp.domain.parsing.model import ImportedReview
from studyapp.domain.parsing.source import SourceText
from studyapp.domain.parsing.vault import DialectResolver
from studyapp.domain.scheduling import MemoryState
from studyapp.store.anki_import import ANKI_SUFFIXES
from studyapp.store.book_subject import judge_books
from studyapp.store.deck_files import GONE
from studyapp.store.deck_names import name_deck, rename_deck
from studyapp.store.imported_answers import log_imported_answers
from studyapp.store.reading import (
    PARALLEL_MIN_FILES,
    DemoMatcher,
    Prepared,
    Target,
    card_text,
    collect_targets,
    die_with_parent,
    prepare_all,
    read_target,
)

__all__ = [
    "PARALLEL_MIN_FILES",
    "DemoMatcher",
    "card_text",
    "die_with_parent",
    "import_paths",
    "rename_deck",
]

CARDS = cast(Table, Card.__table__)
DEMO_LINKS = cast(Table, DemoLink.__table__)


def _gone(content_hash: str) -> str:
    return GONE + content_hash.removeprefix(GONE)[:63]


@dataclass(slots=True)
class FileReport:
    """What importing one file did; one row of the import table."""

    path: str
    status: str = "imported"  # imported | unchanged | failed | gone
    format: str = ""
    deck: str = ""
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    restored: int = 0
    sections: int = 0
    errors: int = 0
    messages: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _failed(path: str, message: str, line: int | None = None) -> FileReport:
    text = str(ParseError(path, message, line))
    return FileReport(path=path, status="failed", errors=1, messages=[text])


def import_paths(
    sessions: sessionmaker[Session],
    paths: Iterable[str | Path],
    now: dt.datetime,
    match_demos: DemoMatcher | None = None,
    dialect: str | None = None,
    separators: Mapping[str, object] | None = None,
) -> list[FileReport]:
    """Import files and folders; one report per file, failures included, never raising for
    bad input. `dialect` forces one on every file; `separators` are Obsidian SR settings by
    the plugin's key names, beating a vault's (`vault.DialectResolver`, ValueError if unknown)."""
    resolver = DialectResolver(dialect, separators)
    targets, unusable, folders = collect_targets(paths)
    reports = [_failed(path, message) for path, message in unusable]
    packages = [t for t in targets if t.path.suffix.lower() in ANKI_SUFFIXES]
    targets = [t for t in targets if t.path.suffix.lower() not in ANKI_SUFFIXES]
    reports += [_import_anki(sessions, t, now) for t in packages]
    options = [resolver.options_for(t.path) for t in targets]
    for where in dict.fromkeys(w.path for w in resolver.problems):  # a bad data.json
        problems = [str(w) for w in resolver.problems if w.path == where]
        reports.append(FileReport(where, "failed", errors=len(problems), messages=problems))
    with sessions() as session:
        known = dict(session.execute(select(Deck.source_path, Deck.content_hash)).all())
    # Reading and hashing is cheap and decides what needs parsing at all.
    read: list[Prepared | SourceText] = [
        read_target(t, known.get(str(t.path)), o) for t, o in zip(targets, options, strict=True)
    ]
    sources = [item for item in read if isinstance(item, SourceText)]
    same = _unchanged_reports(
        sessions,
        [
            t
            for t, item in zip(targets, read, strict=True)
            if isinstance(item, Prepared) and item.unchanged
        ],
    )
    parsed = prepare_all(sources, match_demos)
    changed: list[str] = []
    for target, item in zip(targets, read, strict=True):
        prepared = next(parsed) if isinstance(item, SourceText) else item
        if prepared.unchanged:
            reports.append(same[target.path])
            continue
        reports.append(_import_prepared(sessions, target, prepared, now))
        if reports[-1].status == "imported":
            changed.append(str(target.path))
    if match_demos is None:  # a custom matcher's links are its caller's to judge
        judge_books(sessions, changed)
    seen = {str(t.path) for t in targets}
    reports += _retire_gone(sessions, folders, seen, now)
    return reports


def _import_anki(sessions: sessionmaker[Session], target: Target, now: dt.datetime) -> FileReport:
    from studyapp.store.anki_import import import_package
    from studyapp.store.settings import load_scheduler_settings

    try:
        numbers = import_package(sessions, target.path, now, load_scheduler_settings(sessions))
    except ParseError as error:
        return _failed(target.display, error.message, error.line)
    except Exception as error:  # a database failure: the transaction is rolled back
        return _failed(target.display, f"not imported, nothing changed: {error}")
    return FileReport(path=target.display, **numbers)


def _import_prepared(
    sessions: sessionmaker[Session], target: Target, prepared: Prepared, now: dt.datetime
) -> FileReport:
    if prepared.error is not None:
        return _failed(target.display, prepared.error.message, prepared.error.line)
    parsed = prepared.parsed
    assert parsed is not None
    report = FileReport(path=target.display, format=str(parsed.format), deck=parsed.title)
    report.messages = [str(w) for w in parsed.warnings]
    if prepared.note:
        report.messages.insert(0, prepared.note)
    report.errors = len(parsed.warnings)
    report.sections = len(parsed.sections)
    try:
        with sessions.begin() as session:
            _sync(session, str(target.path), prepared, now, report)
    except Exception as error:  # a database failure: the transaction is rolled back
        return _failed(target.display, f"not imported, nothing changed: {error}")
    return report


def _unchanged_reports(
    sessions: sessionmaker[Session], targets: list[Target]
) -> dict[Path, FileReport]:
    """The reports of files skipped by their hash, from one query (a re-import of a large
    library is mostly these)."""
    if not targets:
        return {}
    by_path = {str(t.path): t for t in targets}
    with sessions() as session:
        rows = session.execute(
            select(
                Deck.source_path,
                Deck.format,
                Deck.title,
                func.count(Card.id).filter(Card.retired_at.is_(None)),
            )
            .outerjoin(Card, Card.deck_id == Deck.id)
            .where(Deck.source_path.in_(list(by_path)))
            .group_by(Deck.id)
        ).all()
    return {
        by_path[path].path: FileReport(
            path=by_path[path].display,
            status="unchanged",
            format=format_,
            deck=title,
            unchanged=count or 0,
        )
        for path, format_, title, count in rows
    }


def _sync(
    session: Session, source_path: str, prepared: Prepared, now: dt.datetime, report: FileReport
) -> None:
    parsed, content_hash = prepared.parsed, prepared.content_hash
    assert parsed is not None
    deck = session.scalars(select(Deck).where(Deck.source_path == source_path)).one_or_none()
    if deck is None:
        deck = _moved_deck(session, content_hash)
        if deck is not None:
            deck.source_path = source_path
    book = book_title(parsed.title) if parsed.format == "book" else BookTitle(parsed.title, None)
    if deck is None:
        deck = Deck(source_path=source_path, renamed=False)
        session.add(deck)
    name_deck(session, deck, parsed.title, book)
    report.deck = deck.title
    deck.format, deck.content_hash, deck.imported_at = parsed.format, content_hash, now
    session.flush()

    section_ids = _replace_sections(session, deck.id, parsed)
    existing = {
        card.id: card for card in session.scalars(select(Card).where(Card.deck_id == deck.id))
    }
    plan = plan_cards(
        parsed.cards,
        [
            StoredCard(c.id, c.identity, c.question, c.content_hash, c.retired_at is not None)
            for c in existing.values()
        ],
    )

    rows_new: list[dict[str, object]] = []
    rows_update: list[dict[str, object]] = []
    schedules: dict[str, MemoryState] = {}
    links: list[tuple[int | None, str, tuple[str, ...]]] = []  # (card id | None, identity, ...)
    histories: list[tuple[str, ImportedReview]] = []  # new cards with another tool's answers
    for position, (card, identity, match) in enumerate(
        zip(parsed.cards, plan.identities, plan.matches, strict=True)
    ):
        values: dict[str, object] = {
            "kind": str(card.kind),
            "generated": card.generated,
            "title": card.title,
            "question": card.question,
            "answer": card.answer,
            "context": card.context,
            "chapter": card.chapter,
            "source_file": source_path,
            "source_line": card.line,
            "position": position,
            "content_hash": card.content_hash,
            "section_id": section_ids[card.section_index]
            if card.section_index is not None
            else None,
            "retired_at": None,
        }
        old = existing[match.id] if match is not None else None
        if old is None:
            rows_new.append({**values, "deck_id": deck.id, "identity": identity})
            if card.review:  # a schedule from the file (hashcards) is the importer's own
                schedules[identity] = card.review.memory()
                if card.review.history:
                    histories.append((identity, card.review))
            report.added += 1
        else:
            if old.retired_at is not None:
                report.restored += 1
            elif old.content_hash != card.content_hash or old.identity != identity:
                report.updated += 1
            else:
                report.unchanged += 1
            if _differs(old, values, identity):
                rows_update.append({**values, "id": old.id, "identity": identity})
        links.append((old.id if old else None, identity, card.demo_names))

    # Identities move between rows when questions are edited or a twin is deleted; park
    # every row whose identity changes or is taken over first, so the (deck, identity) unique
    # constraint never sees a transient duplicate. An unmatched card keeps its parked identity
    # (it is found again by its text, not by its identity).
    moved = {
        cast(int, r["id"])
        for r in rows_update
        if existing[cast(int, r["id"])].identity != r["identity"]
    }
    matched = {m.id for m in plan.matches if m is not None}
    wanted = set(plan.identities)
    moved |= {c.id for c in existing.values() if c.id not in matched and c.identity in wanted}
    if moved:
        session.execute(update(Card), [{"id": i, "identity": f"~{i}"} for i in sorted(moved)])
    if rows_update:
        session.execute(update(Card), rows_update)
    new_ids: dict[str, int] = {}
    if rows_new:
        # Core executemany, then one query for the new ids: RETURNING in input order makes
        # SQLAlchemy send one INSERT per row on SQLite, which costs as much as the parse.
        session.connection().execute(CARDS.insert(), rows_new)
        new_ids = dict(
            session.execute(
                select(Card.identity, Card.id).where(
                    Card.deck_id == deck.id, Card.identity.in_([r["identity"] for r in rows_new])
                )
            ).all()
        )
    if schedules:
        learner = bound_learner(session)
        session.add_all(
            CardState(learner_id=learner, card_id=new_ids[key], **asdict(m))
            for key, m in schedules.items()
        )

    if histories:
        log_imported_answers(session, histories, new_ids)

    retiring = plan.retire
    if retiring:
        session.execute(update(Card).where(Card.id.in_(retiring)).values(retired_at=now))
        report.retired = len(retiring)

    _replace_demo_links(session, deck.id, prepared, section_ids, links, new_ids)


def _moved_deck(session: Session, content_hash: str) -> Deck | None:
    """A deck with this very text whose file is gone: the file was renamed or moved, and its
    cards keep their history (content first, path second)."""
    candidates = session.scalars(
        select(Deck).where(Deck.content_hash.in_([content_hash, _gone(content_hash)]))
    ).all()
    return next((d for d in candidates if not Path(d.source_path).exists()), None)


def _differs(card: Card, values: dict[str, object], identity: str) -> bool:
    return (
        card.identity != identity
        or card.content_hash != values["content_hash"]
        or card.retired_at is not None
        or any(
            getattr(card, key) != values[key]
            for key in ("position", "source_line", "section_id", "source_file")
        )
    )


def _replace_sections(session: Session, deck_id: int, parsed: ParsedDeck) -> list[int]:
    """Sections carry no history, so a changed file simply gets its sections anew."""
    session.execute(delete(Section).where(Section.deck_id == deck_id))
    ids: list[int] = []
    for section in parsed.sections:
        parent = ids[section.parent_index] if section.parent_index is not None else None
        section_id = session.execute(
            insert(Section).returning(Section.id),
            {
                "deck_id": deck_id,
                "parent_id": parent,
                "position": section.index,
                "level": section.level,
                "title": section.title,
                "chapter": section.chapter,
                "markdown": section.markdown,
                "source_line": section.line,
                "end_line": section.end_line,
            },
        ).scalar_one()
        ids.append(section_id)
    return ids


def _replace_demo_links(
    session: Session,
    deck_id: int,
    prepared: Prepared,
    section_ids: list[int],
    links: list[tuple[int | None, str, tuple[str, ...]]],
    new_ids: dict[str, int],
) -> None:
    parsed = prepared.parsed
    assert parsed is not None
    card_ids = select(Card.id).where(Card.deck_id == deck_id).scalar_subquery()
    # Section links went with the sections (ON DELETE CASCADE).
    session.execute(delete(DemoLink).where(DemoLink.card_id.in_(card_ids)))
    rows: list[dict[str, object]] = []
    # Explicit links win: a card with a `demo:` link gets no automatic ones.
    for (card_id, identity, explicit), automatic in zip(links, prepared.automatic, strict=True):
        target = card_id if card_id is not None else new_ids[identity]
        names, is_explicit = (explicit, True) if explicit else (automatic, False)
        rows += [
            {"card_id": target, "section_id": None, "demo_name": n, "explicit": is_explicit}
            for n in names
        ]
    for section, section_id in zip(parsed.sections, section_ids, strict=True):
        rows += [
            {"card_id": None, "section_id": section_id, "demo_name": n, "explicit": True}
            for n in section.demo_names
        ]
    if rows:
        session.connection().execute(DEMO_LINKS.insert(), rows)


def _retire_gone(
    sessions: sessionmaker[Session], folders: list[Path], seen: set[str], now: dt.datetime
) -> list[FileReport]:
    """Decks under an imported folder whose file no longer exists: retire their cards."""
    reports: list[FileReport] = []
    if not folders:
        return reports
    with sessions.begin() as session:
        for deck in session.scalars(select(Deck)):
            path = Path(deck.source_path)
            if str(path) in seen or path.exists():
                continue
            if not any(path.is_relative_to(folder) for folder in folders):
                continue
            result = session.execute(
                update(Card)
                .where(Card.deck_id == deck.id, Card.retired_at.is_(None))
                .values(retired_at=now)
            )
            retired = cast(CursorResult[tuple[()]], result).rowcount
            # The file may come back: then it must be parsed again, not skipped as unchanged.
            deck.content_hash = _gone(deck.content_hash)
            report = FileReport(str(path), "gone", deck.format, deck.title, retired=retired)
            reports.append(report)
    return reports
