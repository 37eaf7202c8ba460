"""`stats`, `export`, `backup` and `restore` as commands: the real app run in-process with a
`CliContext` of the test's own (its database, the clock fixed at NOW), and the writers of
`studyapp.exports` they call."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, insert, select

from db.engine import open_engine
from db.migrate import alembic_config, head_revision
from db.models import Deck, ReviewLog
from studyapp.exports.anki import chapter_tag, cloze_text
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from studyapp.store.optimize import history_from_csv
from tests.cli.conftest import Cli, run_cli
from tests.cli.databases import answer_first_cards
from tests.conftest import NOW, no_demos
from tests.support.history import seed_database

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


@pytest.fixture
def database(tmp_path: Path, deck_dir: Path) -> Iterator[Path]:
    """The fixture decks imported (23 cards in 3 decks), a few answers given."""
    path = tmp_path / "study.db"
    store = open_store(str(path))
    import_paths(store.sessions, [deck_dir], NOW, no_demos)
    answer_first_cards(store.sessions, 5)
    store.close()
    yield path


def counts(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as db:
        cards = db.execute("SELECT count(*) FROM cards").fetchone()[0]
        reviews = db.execute("SELECT count(*) FROM review_log").fetchone()[0]
    db.close()
    return cards, reviews


# stats


def test_stats_json_and_tables(cli: Cli, database: Path) -> None:
    result = cli("stats", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["generated_at"] == NOW.isoformat()
    assert document["cards"]["total"] == 23
    assert document["today"]["reviews"] == 1  # only the answer at NOW is today
    tables = cli("stats", "--deck", "Test cards")
    assert tables.exit_code == 0, tables.stderr
    assert "Statistics · Test cards" in tables.stdout
    assert "Mastery by chapter" in tables.stdout and "True retention" in tables.stdout
    assert "Chapter 4: Generative" in tables.stdout
    assert "Chapter 2: Deep Learning" not in tables.stdout  # another deck's chapter


def test_stats_with_an_unknown_deck_fails_in_one_line(cli: Cli, database: Path) -> None:
    result = cli("stats", "--deck", "Nope")
    assert result.exit_code == 1
    assert result.one_line() == "studyapp stats: no deck named 'Nope'"


# export --format csv


def seed_history(path: Path, cards: int, days: int) -> int:
    folder = path.parent / "many"
    folder.mkdir()
    store = open_store(str(path))
    reviews = seed_database(store, folder, cards, days)
    store.close()
    return reviews


def test_csv_round_trip_through_optimize(cli: Cli, tmp_path: Path) -> None:
    reviews = seed_history(tmp_path / "study.db", cards=60, days=150)
    output = tmp_path / "revlog.csv"
    result = cli("export", "--format", "csv", "--output", str(output))
    assert result.exit_code == 0, result.stderr
    assert result.one_line() == f"Wrote {reviews} reviews to {output}"
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "card_id",
        "review_rating",
        "review_time",
        "review_duration",
        "deck",
        "question",
    ]
    assert len(rows) == reviews
    assert rows[0]["deck"] == "Many" and rows[0]["question"].startswith("Question ")
    # ISO-8601 UTC with milliseconds.
    assert len(rows[0]["review_time"]) == len("2026-01-05T09:00:00.000Z")
    assert rows[0]["review_time"].endswith("Z")
    # What the optimizer reads is the database's history, to the millisecond.
    history = history_from_csv(output)
    store = open_store(str(tmp_path / "study.db"))
    with store.sessions() as session:
        first_card = session.scalar(select(func.min(ReviewLog.card_id)))
        expected = [
            (when.replace(microsecond=when.microsecond // 1000 * 1000), rating)
            for when, rating in session.execute(
                select(ReviewLog.reviewed_at, ReviewLog.rating)
                .where(ReviewLog.card_id == first_card)
                .order_by(ReviewLog.reviewed_at)
            )
        ]
    store.close()
    assert history[str(first_card)] == expected
    # And the real command fits to it, reading every review of every card.
    env = {**os.environ, "STUDYAPP_DB": str(tmp_path / "other.db"), "NO_COLOR": "1"}
    fitted = subprocess.run(
        [STUDYAPP, "optimize", "--json", "--revlog", str(output)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    assert fitted.returncode == 0, fitted.stderr
    report = json.loads(fitted.stdout)
    assert (report["reviews"], report["cards"]) == (reviews, 60)


# export --format apkg


def test_apkg_holds_every_card_in_its_deck_with_basic_and_cloze_notes(
    cli: Cli, database: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out" / "deck.apkg"
    output.parent.mkdir()
    result = cli("export", "--format", "apkg", "-o", str(output))
    assert result.exit_code == 0, result.stderr
    assert result.one_line() == f"Wrote 23 cards in 3 decks to {output}"
    assert [p.name for p in output.parent.iterdir()] == ["deck.apkg"]  # no temporary left
    with zipfile.ZipFile(output) as archive:
        assert set(archive.namelist()) == {"collection.anki2", "media"}
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    with sqlite3.connect(tmp_path / "collection.anki2") as anki:
        models = json.loads(anki.execute("SELECT models FROM col").fetchone()[0])
        decks = json.loads(anki.execute("SELECT decks FROM col").fetchone()[0])
        notes = anki.execute("SELECT id, mid, flds, tags FROM notes").fetchall()
        cards = anki.execute("SELECT nid, did, ord FROM cards").fetchall()
    anki.close()
    model_names = {int(mid): model["name"] for mid, model in models.items()}
    assert sorted(model_names.values()) == ["studyapp basic", "studyapp cloze"]
    deck_names = {int(did): deck["name"] for did, deck in decks.items()}
    assert {"Test cards", "Test deck of messy book cards", "Test notes"} <= set(
        deck_names.values()
    ), deck_names
    assert len(notes) == len(cards) == 23
    cloze_notes = [n for n in notes if model_names[n[1]] == "studyapp cloze"]
    texts = sorted(n[2].split("\x1f")[0] for n in cloze_notes)
    assert len(texts) == 3
    assert any("{{c1::10}}" in t and "trains 5 times" in t for t in texts)
    assert any("{{c1::5::how many?}}" in t for t in texts)
    assert any("{{c1::generator}}" in t for t in texts)
    # Each card sits in the deck of its studyapp deck, tagged with its chapter.
    by_note = {nid: deck_names[did] for nid, did, _ord in cards}
    for note_id, _mid, fields, tags in notes:
        if "discriminator output" in fields:
            assert by_note[note_id] == "Test cards"
            assert "Chapter_4_Generative_Adversarial_Networks" in tags.split()
    dense = next(fields for _id, _mid, fields, _tags in notes if "Dense layer" in fields)
    assert "\\(3 \\times 2 + 2 = 8\\)" in dense  # math for Anki's MathJax


def test_cloze_and_tag_conversions() -> None:
    assert cloze_text("A GAN's […] maps noise.", "A GAN's **generator** maps noise.") == (
        "A GAN's {{c1::generator}} maps noise."
    )
    assert cloze_text("**Bold** [hint] end", "**Bold** **x** end") == "**Bold** {{c1::x::hint}} end"
    assert cloze_text("No gap here", "No gap here") is None
    assert chapter_tag("Chapter 4: Generative Adversarial Networks") == (
        "Chapter_4_Generative_Adversarial_Networks"
    )


# backup and restore


def test_backup_then_restore_round_trip(cli: Cli, database: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    result = cli("backup", str(copy))
    assert result.exit_code == 0, result.stderr
    assert result.one_line() == f"Backed up {database} to {copy}"
    assert counts(copy) == counts(database) == (23, 5)
    # Change the database after the backup...
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM review_log")
    db.close()
    assert counts(database) == (23, 0)
    # ...then restore: the backup's content is back, and what it replaced is saved.
    restored = cli("restore", str(copy))
    assert restored.exit_code == 0, restored.stderr
    assert counts(database) == (23, 5)
    saved = list(tmp_path.glob("study.db.before-restore.*.bak"))
    assert len(saved) == 1 and counts(saved[0]) == (23, 0)
    assert f"Restored {copy}" in restored.stderr


def test_default_backup_name_is_next_to_the_database(cli: Cli, database: Path) -> None:
    result = cli("backup")
    assert result.exit_code == 0, result.stderr
    expected = database.with_name("study-backup-20261121T120000Z.db")
    assert counts(expected) == (23, 5)
    again = cli("backup")
    assert again.exit_code == 1
    assert again.one_line() == f"studyapp backup: {expected}: already exists; choose another name"


def test_restoring_an_older_backup_upgrades_it(cli: Cli, database: Path, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    engine = open_engine(f"sqlite:///{old}")
    command.upgrade(alembic_config(engine), "0001")
    with engine.begin() as connection:
        connection.execute(
            insert(Deck.__table__),  # type: ignore[arg-type]
            {
                "source_path": "/old.md",
                "title": "Old deck",
                "format": "cards",
                "content_hash": "h",
                "imported_at": NOW,
            },
        )
    engine.dispose()
    result = cli("restore", str(old))
    assert result.exit_code == 0, result.stderr
    assert "(schema 0001)" in result.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )
        assert db.execute("SELECT title FROM decks").fetchall() == [("Old deck",)]
    db.close()


def test_bad_inputs_get_one_line_naming_the_file(cli: Cli, database: Path, tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database at all, just some text of sufficient length\n")
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE things (x)")
    db.close()
    future = tmp_path / "future.db"
    with sqlite3.connect(future) as db:
        db.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
        db.execute("INSERT INTO alembic_version VALUES ('9999')")
    db.close()
    cases = [
        (("restore", str(missing)), f"studyapp restore: {missing}: no such file"),
        (("restore", str(text_file)), f"studyapp restore: {text_file}: not a SQLite database"),
        (
            ("restore", str(foreign)),
            f"studyapp restore: {foreign}: not a studyapp database (no alembic_version table)",
        ),
        (
            ("restore", str(future)),
            f"studyapp restore: {future}: made by a newer studyapp (schema revision 9999)",
        ),
        (
            ("restore", str(database)),
            f"studyapp restore: {database}: is the database itself",
        ),
        (
            ("export", "--output", str(tmp_path / "nowhere" / "x.csv")),
            f"studyapp export: {tmp_path / 'nowhere' / 'x.csv'}: cannot write: no folder "
            f"{tmp_path / 'nowhere'}",
        ),
        (
            ("export", "--output", str(tmp_path)),
            f"studyapp export: {tmp_path}: is a folder, not a file",
        ),
        (
            ("backup", str(tmp_path / "nowhere" / "b.db")),
            f"studyapp backup: {tmp_path / 'nowhere' / 'b.db'}: cannot write: no folder "
            f"{tmp_path / 'nowhere'}",
        ),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.exit_code == 1, (args, result.stdout, result.stderr)
        assert result.one_line() == message
    assert counts(database) == (23, 5), "nothing above touched the database"
    assert not list(tmp_path.glob("study.db.before-restore.*"))


def test_backup_and_restore_refuse_a_server_database(tmp_path: Path) -> None:
    url = "postgresql+psycopg://someone:secret@db.example/studyapp"
    for args in (("backup", str(tmp_path / "b.db")), ("restore", str(tmp_path / "x.db"))):
        result = run_cli(url, *args)
        assert result.exit_code == 1
        line = result.one_line()
        assert line.startswith(f"studyapp {args[0]}: postgresql+psycopg://someone:***@")
        assert "is not a SQLite file" in line and "pg_dump" in line
        assert "secret" not in line
    assert not (tmp_path / "b.db").exists()
