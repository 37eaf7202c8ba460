"""`studyapp optimize`: fit personal FSRS parameters to a simulated learner's history, from the
database and from py-fsrs' CSV layout; too little history and bad CSV get clear messages."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from db.models import Card
from studyapp.store.opening import open_store
from studyapp.store.settings import load_scheduler_settings
from tests.support.history import TRUE_PARAMETERS, seed_database, simulate

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))


def run(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STUDYAPP_DB": str(db), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run(
        [STUDYAPP, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def write_csv(path: Path, rows: list[tuple[int, object, int, int]]) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["card_id", "review_rating", "review_time", "review_duration"])
        for card_id, when, rating, ms in rows:
            writer.writerow([card_id, rating, when.isoformat(), ms])  # type: ignore[attr-defined]


def test_fit_from_database_beats_defaults_saves_and_reschedules(tmp_path: Path) -> None:
    db = tmp_path / "study.db"
    store = open_store(str(db))
    reviews = seed_database(store, tmp_path, cards=400, days=200)
    store.close()

    result = run("optimize", "--json", db=db)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["reviews"], report["cards"]) == (reviews, 400)
    assert report["fitted"]["log_loss"] < report["default"]["log_loss"]
    assert report["fitted"]["rmse_bins"] < report["default"]["rmse_bins"]
    # The simulated learner forgets new cards faster than FSRS' defaults assume.
    assert (
        report["parameters"][2] < 2.3065 and abs(report["parameters"][2] - TRUE_PARAMETERS[2]) < 0.5
    )
    assert report["rescheduled"] == 400

    store = open_store(str(db))
    assert list(load_scheduler_settings(store.sessions).parameters) == report["parameters"]
    with store.sessions() as session:
        states = set(session.scalars(select(Card.state)))
        assert states <= {"learning", "review", "relearning"} and "review" in states
    store.close()


def test_fit_from_csv(tmp_path: Path) -> None:
    rows = simulate(300, 150, seed=3)
    path = tmp_path / "revlog.csv"
    write_csv(path, rows)
    result = run("optimize", "--json", "--revlog", str(path), db=tmp_path / "x.db")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["reviews"], report["cards"]) == (len(rows), 300)
    assert report["fitted"]["log_loss"] <= report["default"]["log_loss"]


def test_too_little_history_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "small.csv"
    write_csv(path, simulate(10, 20))
    result = run("optimize", "--revlog", str(path), db=tmp_path / "x.db")
    assert result.returncode == 1
    assert "too little history to fit" in result.stderr
    assert "The default parameters stay." in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "card_id,review_rating\n1,3\n",
            "{path}:1: missing column(s) review_time, review_duration",
        ),
        (
            "card_id,review_rating,review_time,review_duration\n1,3,2026-01-01T00:00:00+00:00,5\n"
            "1,9,2026-01-02T00:00:00+00:00,5\n",
            "{path}:3: rating must be 1-4, got 9",
        ),
        (
            "card_id,review_rating,review_time,review_duration\n1,3,yesterday,5\n",
            "{path}:2: bad rating or time",
        ),
    ],
)
def test_bad_csv_names_file_and_line(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run("optimize", "--revlog", str(path), db=tmp_path / "x.db")
    assert result.returncode == 1
    assert result.stderr.strip() == "studyapp optimize: " + message.format(path=path)


HEADER = "card_id,review_rating,review_time,review_duration\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ((HEADER + "1,3\n").encode(), "{path}:2: short row: card_id, rating or time missing"),
        (
            (HEADER + "1,3,2026-01-01T00:00:00+00:00,5\ncaf\xe9\n").encode("latin-1"),
            "{path}:3: not UTF-8 text; save the CSV as UTF-8",
        ),
        (
            (HEADER + "1,3,2026-01-01T00:00:00+00:00,5\n").encode("utf-16"),
            "{path}: binary or UTF-16 file, not a UTF-8 CSV",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "{path}: binary or UTF-16 file, not a UTF-8 CSV"),
        (
            (HEADER + "1,3,9999-12-31T23:59:59+00:00,5\n").encode(),
            "{path}:2: review_time 9999-12-31T23:59:59+00:00 is out of range",
        ),
    ],
)
def test_hostile_csv_gets_one_line_naming_file_and_line(
    tmp_path: Path, data: bytes, message: str
) -> None:
    from studyapp.domain.parsing import ParseError
    from studyapp.store.optimize import history_from_csv

    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    with pytest.raises(ParseError) as error:
        history_from_csv(path)
    assert str(error.value) == message.format(path=path)


def test_a_fifo_as_revlog_is_refused_at_once(tmp_path: Path) -> None:
    import os

    from studyapp.domain.parsing import ParseError
    from studyapp.store.optimize import history_from_csv

    fifo = tmp_path / "log.csv"
    os.mkfifo(fifo)
    with pytest.raises(ParseError, match="not a regular file"):
        history_from_csv(fifo)
    with pytest.raises(ParseError, match="not a regular file"):
        history_from_csv(Path("/dev/zero"))
