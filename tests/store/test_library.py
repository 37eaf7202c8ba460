"""Import semantics on a real SQLite file and a real PostgreSQL server: transactions per file,
skip by hash, identity across edits, retirement and return, and demo links."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import Card, Deck, DemoLink, ReviewLog, Section
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import review
from studyapp.store.library import import_paths
from studyapp.store.opening import Store
from tests.conftest import no_demos

SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False)


def count(store: Store, column) -> int:  # type: ignore[no-untyped-def]
    with store.sessions() as session:
        return session.scalar(select(func.count(column))) or 0


def card_by_question(store: Store, start: str) -> Card:
    with store.sessions() as session:
        return session.scalars(select(Card).where(Card.question.startswith(start))).one()


def test_import_folder_of_mixed_formats(store: Store, deck_dir: Path, now: dt.datetime) -> None:
    reports = import_paths(store.sessions, [deck_dir], now, no_demos)
    summary = {Path(r.path).name: (r.format, r.status, r.added, r.errors) for r in reports}
    assert summary == {
        "book_messy.md": ("book", "imported", 10, 1),
        "cards.md": ("cards", "imported", 9, 0),
        "notes.md": ("notes", "imported", 4, 0),
    }
    assert count(store, Card.id) == 23
    assert count(store, Section.id) == 5 + 2
    with store.sessions() as session:
        card = session.scalars(select(Card).where(Card.question.startswith("Why sample"))).one()
        assert card.source_file == str((deck_dir / "book_messy.md").resolve())
        assert card.source_line == 84
        assert card.state == "new"


def test_reimport_unchanged_adds_nothing(store: Store, deck_dir: Path, now: dt.datetime) -> None:
    import_paths(store.sessions, [deck_dir], now, no_demos)
    again = import_paths(store.sessions, [deck_dir], now, no_demos)
    assert {r.status for r in again} == {"unchanged"}
    assert sum(r.added for r in again) == 0
    assert sum(r.unchanged for r in again) == 23
    assert count(store, Card.id) == 23


def test_edits_keep_identity_and_history(store: Store, deck_dir: Path, now: dt.datetime) -> None:
    import_paths(store.sessions, [deck_dir], now, no_demos)
    card = card_by_question(store, "What does Adam adapt?")
    review.answer(store.sessions, card.id, 3, now, SETTINGS)
    path = deck_dir / "book_messy.md"
    text = path.read_text()
    # A changed answer, and a light edit of another question (typo + punctuation).
    text = text.replace("The learning rate of each parameter.", "Per-parameter step sizes.")
    text = text.replace("What does Flatten do?", "What does flatten do ?!")
    path.write_text(text)
    later = now + dt.timedelta(hours=1)
    (report,) = import_paths(store.sessions, [path], later, no_demos)
    assert (report.added, report.updated, report.retired) == (0, 2, 0)
    edited = card_by_question(store, "What does Adam adapt?")
    assert edited.id == card.id and edited.answer == "Per-parameter step sizes."
    assert edited.reps == 1 and edited.state == "learning"
    assert card_by_question(store, "What does flatten do ?!").question.endswith("?!")
    assert count(store, ReviewLog.id) == 1


def test_removed_cards_retire_and_return_with_history(
    store: Store, deck_dir: Path, now: dt.datetime
) -> None:
    import_paths(store.sessions, [deck_dir], now, no_demos)
    card = card_by_question(store, "What does the discriminator output?")
    review.answer(store.sessions, card.id, 4, now, SETTINGS)
    path = deck_dir / "cards.md"
    original = path.read_text()
    path.write_text(
        original.replace(
            "What does the discriminator output? :: The probability that its input is real.\n", ""
        )
    )
    (report,) = import_paths(store.sessions, [path], now, no_demos)
    assert report.retired == 1
    gone = card_by_question(store, "What does the discriminator output?")
    assert gone.retired_at == now
    assert card.id not in review.build_queue(store.sessions, now + dt.timedelta(days=400), SETTINGS)

    path.write_text(original)
    (report,) = import_paths(store.sessions, [path], now, no_demos)
    assert report.restored == 1
    back = card_by_question(store, "What does the discriminator output?")
    assert back.id == card.id and back.retired_at is None and back.reps == 1


def test_deleted_file_retires_its_deck(store: Store, deck_dir: Path, now: dt.datetime) -> None:
    import_paths(store.sessions, [deck_dir], now, no_demos)
    (deck_dir / "notes.md").unlink()
    reports = import_paths(store.sessions, [deck_dir], now, no_demos)
    gone = [r for r in reports if r.status == "gone"]
    assert [(Path(r.path).name, r.retired) for r in gone] == [("notes.md", 4)]


def test_a_bad_file_changes_nothing_and_others_import(
    store: Store, deck_dir: Path, now: dt.datetime
) -> None:
    import_paths(store.sessions, [deck_dir], now, no_demos)
    before = count(store, Card.id)
    (deck_dir / "cards.md").write_bytes(b"# Broken\n\nq :: a\n\ncaf\xe9\n")
    (deck_dir / "more.md").write_text("# More\n\nNew question? :: New answer.\n")
    reports = import_paths(store.sessions, [deck_dir], now, no_demos)
    failed = [r for r in reports if r.status == "failed"]
    assert [m for r in failed for m in r.messages] == [
        f"{deck_dir / 'cards.md'}:5: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    ]
    assert count(store, Card.id) == before + 1
    with store.sessions() as session:
        still = session.scalars(select(Card).where(Card.question.startswith("Mode collapse")))
        assert still.one().retired_at is None


def test_explicit_links_win_and_automatic_links_are_marked(
    store: Store, deck_dir: Path, now: dt.datetime
) -> None:
    def matcher(text: str) -> list[str]:
        return ["dcgan"] if "GAN" in text or "sample" in text else []

    import_paths(store.sessions, [deck_dir], now, matcher)
    with store.sessions() as session:
        rows = session.execute(
            select(Card.question, DemoLink.demo_name, DemoLink.explicit)
            .join(DemoLink, DemoLink.card_id == Card.id)
            .order_by(DemoLink.id)
        ).all()
        section_links = session.execute(
            select(Section.title, DemoLink.demo_name, DemoLink.explicit).join(
                DemoLink, DemoLink.section_id == Section.id
            )
        ).all()
    assert ("Why sample $z$ this way? [Try it](demo:vae)", "vae", True) in rows
    assert not any(q.startswith("Why sample") and not explicit for q, _, explicit in rows)
    assert ("A GAN's […] maps noise to images.", "dcgan", False) in rows
    assert section_links == [("Convolutions", "cnn-cifar10", True)]


def test_deck_row_records_path_hash_and_title(
    store: Store, deck_dir: Path, now: dt.datetime
) -> None:
    import_paths(store.sessions, [deck_dir / "notes.md"], now, no_demos)
    with store.sessions() as session:
        deck = session.scalars(select(Deck)).one()
    assert (deck.title, deck.format) == ("Test notes", "notes")
    assert deck.source_path == str((deck_dir / "notes.md").resolve())
    assert len(deck.content_hash) == 64
    assert deck.imported_at == now


def test_a_large_folder_parses_in_a_second_process_with_the_same_result(
    sqlite_store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    """At PARALLEL_MIN_FILES files and more, parsing and demo matching move to a worker
    process; the cards, their order and their automatic links must not change."""
    from studyapp.store.library import PARALLEL_MIN_FILES

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(PARALLEL_MIN_FILES + 2):
        (folder / f"deck{n:02}.md").write_text(
            f"# Deck {n}\n\nWhat does a GAN discriminator {n} do? :: It scores images.\n\n"
            f"Why use a convolution filter {n}? :: To share weights.\n"
        )
    reports = import_paths(sqlite_store.sessions, [folder], now)  # the catalogue's matcher
    assert [r.added for r in reports] == [2] * (PARALLEL_MIN_FILES + 2)
    with sqlite_store.sessions() as session:
        links = session.execute(
            select(Card.question, DemoLink.demo_name, DemoLink.explicit)
            .join(DemoLink, DemoLink.card_id == Card.id)
            .where(Card.question.startswith("What does a GAN discriminator 7 "))
        ).all()
    assert ("What does a GAN discriminator 7 do?", "dcgan", False) in links


def crash_on_marker(source):  # type: ignore[no-untyped-def]
    """Stands in for the parsing process's work: dies on a marked file."""
    import os

    from studyapp.store.reading import prepare

    if "CRASH-THE-PARSER" in source.text:
        os._exit(3)
    return prepare(source, None)


def test_when_the_parsing_process_dies_the_import_goes_on_here_and_says_so(
    sqlite_store: Store, tmp_path: Path, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.store import library, reading

    monkeypatch.setattr(reading, "prepare_with_catalogue", crash_on_marker)
    folder = tmp_path / "many"
    folder.mkdir()
    total = library.PARALLEL_MIN_FILES + 4
    # The first files are parsed here while the pool starts; a later one is the pool's.
    crashing = reading.PARSED_WHILE_STARTING + 3
    for n in range(total):
        marker = "CRASH-THE-PARSER" if n == crashing else ""
        (folder / f"deck{n:02}.md").write_text(f"# Deck {n}\n\nQuestion {n}? :: Answer. {marker}\n")
    reports = library.import_paths(sqlite_store.sessions, [folder], now)
    assert [r.added for r in reports] == [1] * total
    notes = [m for r in reports for m in r.messages if "parsing process stopped" in m]
    assert len(notes) == 1


def test_a_parser_bug_on_one_file_fails_only_that_file(
    sqlite_store: Store, tmp_path: Path, now: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    from studyapp.domain.parsing import detect
    from studyapp.store import library

    real = detect.parse_source

    def flaky(source):  # type: ignore[no-untyped-def]
        if "boom" in source.text:
            raise AttributeError("'NoneType' object has no attribute 'map'")
        return real(source)

    monkeypatch.setattr(detect, "parse_source", flaky)
    (tmp_path / "a.md").write_text("# A\n\nq1 :: a1\n")
    (tmp_path / "b.md").write_text("# B\n\nboom :: here\n")
    (tmp_path / "c.md").write_text("# C\n\nq3 :: a3\n")
    reports = library.import_paths(sqlite_store.sessions, [tmp_path], now, no_demos)
    assert [(Path(r.path).name, r.status, r.added) for r in reports] == [
        ("a.md", "imported", 1),
        ("b.md", "failed", 0),
        ("c.md", "imported", 1),
    ]
    assert "could not parse: AttributeError" in reports[1].messages[0]


def test_the_parsing_process_dies_with_its_parent(tmp_path: Path) -> None:
    """SIGKILL of the importing process leaves no parsing process behind."""
    import signal
    import subprocess
    import sys
    import time

    code = (
        "import multiprocessing, os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from studyapp.store.reading import die_with_parent\n"
        "pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn'),"
        " initializer=die_with_parent)\n"
        "print(pool.submit(os.getpid).result(), flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return
        if state in ("Z", "X"):  # dead, waiting for a reaper this sandbox may not have
            return
        time.sleep(0.05)  # polling for the kernel to reap a process, not synchronising code
    raise AssertionError(f"parsing process {worker} outlived its parent")
