"""Importing other tools' notes on SQLite and PostgreSQL: a mixed folder and a mixed Obsidian
vault use all three dialects side by side; a card with a schedule comment starts with that
comment's due date and carries its memory over (marked as migrated: reps 0); the first real
review continues from there; re-imports never overwrite state; the other tool's files are
never written; separators from the vault's data.json, beaten by an override; a hashcards
collection's hashcards.db (read-only) gives its cards their state, matched by hashcards' hash."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Card, Deck, ReviewLog
from studyapp.domain.parsing.hashcards import cloze_deletions
from studyapp.domain.parsing.hashcards_db import basic_hash, cloze_hash
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import review
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from tests.conftest import FIXTURES, no_demos

DIALECTS = FIXTURES / "dialects"
SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False)
NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    target = tmp_path / "vault"
    shutil.copytree(DIALECTS / "vault", target)
    return target


def cards_by_file(store: Store) -> dict[str, list[Card]]:
    with store.sessions() as session:
        result: dict[str, list[Card]] = {}
        for card in session.scalars(select(Card).order_by(Card.deck_id, Card.position)):
            result.setdefault(Path(card.source_file).name, []).append(card)
        return result


def card(store: Store, question: str) -> Card:
    with store.sessions() as session:
        return session.scalars(select(Card).where(Card.question == question)).one()


def test_a_mixed_folder_uses_three_dialects(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    shutil.copytree(DIALECTS / "mixed", folder)
    reports = import_paths(store.sessions, [folder], NOW, no_demos)
    assert {Path(r.path).name: (r.status, r.added, r.errors) for r in reports} == {
        "obsidian.md": ("imported", 4, 0),
        "hashcards.md": ("imported", 2, 0),
        "studyapp.md": ("imported", 4, 0),
        "cpp.md": ("imported", 0, 0),
    }
    found = cards_by_file(store)
    assert [c.question for c in found["obsidian.md"]][:2] == ["H2O", "NaCl"]
    assert {c.chapter for c in found["obsidian.md"]} == {None}  # its deck is its tag's
    with store.sessions() as session:
        titles = {Path(d.source_path).name: d.title for d in session.scalars(select(Deck))}
    assert titles["obsidian.md"] == "chemistry"
    assert [c.kind for c in found["hashcards.md"]] == ["basic", "cloze"]
    assert "cpp.md" not in found


def test_a_mixed_vault_carries_review_state_over(store: Store, vault: Path) -> None:
    before = {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()}
    reports = import_paths(store.sessions, [vault], NOW, no_demos)
    assert {Path(r.path).name: (r.status, r.added) for r in reports} == {
        "Cells.md": ("imported", 7),
        "Journal.md": ("imported", 0),  # no flashcard tag: the plugin shows no card either
        "Book.md": ("imported", 1),
        "Drill.md": ("imported", 2),
    }
    powerhouse = card(store, "Powerhouse of the cell")
    assert powerhouse.due == dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    assert powerhouse.last_review == dt.datetime(2024, 5, 20, tzinfo=dt.UTC)
    assert (powerhouse.state, powerhouse.reps, powerhouse.lapses) == ("review", 0, 0)
    assert powerhouse.stability == pytest.approx(12.0)
    assert powerhouse.difficulty == pytest.approx(6.23, abs=0.01)
    assert powerhouse.chapter == "Organelles"  # its deck is the note's: biology/cells
    assert card(store, "Adenine pairs with").chapter == "biology/genetics"
    # Each card of a flashcard takes its own group; 2000-01-01 means never reviewed.
    dna = card(store, "The nucleus holds the cell's […].")
    assert (dna.state, dna.due, dna.stability) == ("new", None, None)
    reverse = card(store, "the site of protein synthesis")
    assert reverse.due == dt.datetime(2024, 5, 22, tzinfo=dt.UTC)
    assert card(store, "Adenine pairs with").state == "new"
    # Nothing of the other tool was written, nothing added to its folder.
    assert {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()} == before
    with store.sessions() as session:
        decks = {Path(d.source_path).name: d.format for d in session.scalars(select(Deck))}
    assert decks == {
        "Cells.md": "cards",
        "Journal.md": "notes",
        "Book.md": "book",
        "Drill.md": "cards",
    }


def test_the_first_real_review_continues_from_the_imported_state(store: Store, vault: Path) -> None:
    import_paths(store.sessions, [vault], NOW, no_demos)
    migrated = card(store, "Powerhouse of the cell")
    review.answer(store.sessions, migrated.id, 3, NOW, SETTINGS)
    after = card(store, "Powerhouse of the cell")
    assert after.state == "review" and after.reps == 1
    assert after.stability is not None and after.stability > 12.0
    assert after.due is not None and after.due - NOW > dt.timedelta(days=12)
    fresh = card(store, "Adenine pairs with")
    review.answer(store.sessions, fresh.id, 3, NOW, SETTINGS)
    assert card(store, "Adenine pairs with").state == "learning"


def test_reimport_never_overwrites_state(store: Store, vault: Path) -> None:
    import_paths(store.sessions, [vault], NOW, no_demos)
    migrated = card(store, "Powerhouse of the cell")
    review.answer(store.sessions, migrated.id, 3, NOW, SETTINGS)
    reviewed = card(store, "Powerhouse of the cell")
    # Obsidian reviews the card too and rewrites its comment; studyapp keeps its own state.
    cells = vault / "Biology" / "Cells.md"
    cells.write_text(cells.read_text().replace("2024-06-01,12,270", "2024-09-01,90,290"))
    (report, *_) = [
        r
        for r in import_paths(store.sessions, [vault], NOW, no_demos)
        if r.path.endswith("Cells.md")
    ]
    assert (report.status, report.added, report.unchanged) == ("imported", 0, 7)
    again = card(store, "Powerhouse of the cell")
    assert (again.due, again.stability, again.reps) == (reviewed.due, reviewed.stability, 1)


def test_an_override_beats_the_vault_settings(store: Store, vault: Path) -> None:
    first = import_paths(store.sessions, [vault], NOW, no_demos)
    assert sum(r.added for r in first) == 10
    overridden = import_paths(
        store.sessions, [vault], NOW, no_demos, separators={"singleLineCardSeparator": "::"}
    )
    cells = next(r for r in overridden if r.path.endswith("Cells.md"))
    assert cells.status == "imported"  # other options: parsed again, not skipped as unchanged
    questions = {c.question for c in cards_by_file(store)["Cells.md"] if c.retired_at is None}
    assert "A line with" in questions
    assert "Powerhouse of the cell" not in questions  # `&&` is no separator any more
    assert cells.retired == 2


def test_a_forced_dialect_and_a_broken_settings_file(
    store: Store, vault: Path, tmp_path: Path
) -> None:
    notes = tmp_path / "cpp.md"
    shutil.copy(DIALECTS / "cpp_notes.md", notes)
    (plain,) = import_paths(store.sessions, [notes], NOW, no_demos)
    assert plain.added == 0
    (forced,) = import_paths(store.sessions, [notes], NOW, no_demos, dialect="obsidian")
    assert forced.status == "imported" and forced.added >= 5
    with pytest.raises(ValueError, match="unknown dialect"):
        import_paths(store.sessions, [notes], NOW, no_demos, dialect="anki")
    data = vault / ".obsidian" / "plugins" / "obsidian-spaced-repetition" / "data.json"
    data.write_text('{"settings": {"singleLineCardSeparator": 5}}')
    reports = import_paths(store.sessions, [vault], NOW, no_demos)
    problem = next(r for r in reports if r.path.endswith("data.json"))
    assert problem.status == "failed"
    assert problem.messages == [
        f"{data}:1: singleLineCardSeparator is not a short one-line text; ignored"
    ]
    assert hashlib.sha256(data.read_bytes()).hexdigest()  # still there, untouched
    assert sum(r.added for r in reports if r.path.endswith(".md")) > 0


# hashcards' src/schema.sql, the tables its review database holds.
HASHCARDS_SCHEMA = """
create table cards (card_hash text primary key, added_at text not null, last_reviewed_at text,
    stability real, difficulty real, interval_raw real, interval_days integer, due_date text,
    review_count integer not null) strict;
create table sessions (session_id integer primary key, started_at text not null,
    ended_at text not null) strict;
create table reviews (review_id integer primary key, session_id integer not null references
    sessions (session_id), card_hash text not null references cards (card_hash),
    reviewed_at text not null, grade text not null, stability real not null,
    difficulty real not null, interval_raw real not null, interval_days integer not null,
    due_date text not null) strict;
"""


def test_a_hashcards_collection_brings_its_review_state(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "collection"
    shutil.copytree(DIALECTS / "hashcards", folder)
    tokyo = basic_hash("What is the capital of Japan?", "Tokyo")
    (spain,) = [d for d in cloze_deletions("[Madrid] is the capital of [Spain].") if d.start > 0]
    spain_hash = cloze_hash(spain.text, spain.start, spain.end)
    with sqlite3.connect(folder / "hashcards.db") as db:
        db.executescript(HASHCARDS_SCHEMA)
        db.execute(
            "insert into sessions values (1, '2024-05-01T09:00:00.000', '2024-05-01T09:10:00.000')"
        )
        for card_hash, stability, due in (
            (tokyo, 9.5, "2024-05-11"),
            (spain_hash, 2.0, "2024-05-03"),
        ):
            db.execute(
                "insert into cards values (?, '2024-04-01T10:00:00.000', '2024-05-01T09:05:00.000',"
                " ?, 4.5, ?, ?, ?, 2)",
                (card_hash, stability, stability, round(stability), due),
            )
        db.executemany(
            "insert into reviews values (null, 1, ?, ?, ?, ?, 5, 1, 1, ?)",
            [
                (tokyo, "2024-05-01T09:05:00.000", "good", 9.5, "2024-05-11"),
                (tokyo, "2024-04-20T08:00:00.000", "hard", 3.0, "2024-04-23"),
                (spain_hash, "2024-05-01T09:05:00.000", "forgot", 2.0, "2024-05-02"),
                (spain_hash, "2024-05-01T09:06:00.000", "no such grade", 2.0, "2024-05-02"),
            ],
        )
    database = (folder / "hashcards.db").read_bytes()
    reports = import_paths(store.sessions, [folder], NOW, no_demos)
    assert sum(r.added for r in reports) == 21
    capital = card(store, "What is the capital of Japan?")
    assert (capital.state, capital.reps, capital.stability) == ("review", 2, 9.5)
    assert capital.due == dt.datetime(2024, 5, 11, tzinfo=dt.UTC)
    assert capital.last_review == dt.datetime(2024, 5, 1, 9, 5, tzinfo=dt.UTC)
    cloze = card(store, "Madrid is the capital of […].")
    assert (cloze.stability, cloze.difficulty, cloze.lapses) == (2.0, 4.5, 1)
    assert card(store, "[…] is the capital of Spain.").state == "new"
    # hashcards' own log of answers, oldest first, as review-log rows (an unknown grade is
    # not an answer); statistics and the optimizer see them.
    with store.sessions() as session:
        logged = session.execute(
            select(
                ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.rating, ReviewLog.after
            ).order_by(ReviewLog.card_id, ReviewLog.reviewed_at)
        ).all()
    tokyo_log = [
        (at, rating, after["stability"]) for c, at, rating, after in logged if c == capital.id
    ]
    assert tokyo_log == [
        (dt.datetime(2024, 4, 20, 8, tzinfo=dt.UTC), 2, 3.0),
        (dt.datetime(2024, 5, 1, 9, 5, tzinfo=dt.UTC), 3, 9.5),
    ]
    assert [(c, rating) for c, _, rating, _ in logged if c != capital.id] == [(cloze.id, 1)]
    assert (folder / "hashcards.db").read_bytes() == database
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith("hashcards")) == [
        "hashcards.db"
    ]


def test_the_import_command_takes_a_dialect_and_a_separator(vault: Path, tmp_path: Path) -> None:
    """`studyapp import --dialect obsidian --separator '&&'`, as the installed command runs it."""
    command = str(Path(sys.executable).with_name("studyapp"))
    env = {**os.environ, "STUDYAPP_DB": str(tmp_path / "cli.db"), "NO_COLOR": "1"}
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "plain.md").write_text("# Plain\n\nQuestion&&Answer\n\nstd::vector\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [command, "import", "--json", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    forced = run("--dialect", "obsidian", "--separator", "&&", str(notes))
    assert forced.returncode == 0, forced.stderr
    (report,) = json.loads(forced.stdout)["files"]
    assert (report["status"], report["added"]) == ("imported", 1)
    unknown = run("--dialect", "anki", str(notes))
    assert unknown.returncode == 2 and "unknown dialect 'anki'" in unknown.stderr
