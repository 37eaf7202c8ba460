"""Shared fixtures: fixed UTC times, fixture decks, and databases on SQLite and PostgreSQL.

The PostgreSQL tests use the real server named by STUDYAPP_TEST_PG_URL (`.ci/run` installs and
starts it). Each test gets a database of its own, created and dropped around it.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from studyapp.store.opening import Store, open_store

FIXTURES = Path(__file__).with_name("fixtures")
NOW = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)
PG_URL = os.environ.get(
    "STUDYAPP_TEST_PG_URL", "postgresql+psycopg://studyapp:studyapp@localhost/studyapp_test"
)


@pytest.fixture
def now() -> dt.datetime:
    return NOW


@pytest.fixture
def deck_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture decks, which tests may edit."""
    target = tmp_path / "decks"
    target.mkdir()
    for name in ("book_messy.md", "notes.md", "cards.md"):
        shutil.copy(FIXTURES / name, target / name)
    return target


def no_demos(_text: str) -> list[str]:
    return []


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database on the real server."""
    base = make_url(PG_URL)
    name = f"studyapp_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        # FORCE ends connections a test left open, and an autovacuum worker that happens to be
        # in the new database; ending the latter needs pg_signal_backend (.ci/postgres grants it).
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty study database: a SQLite file, or a PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'study.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    opened = open_store(url)
    yield opened
    opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(str(tmp_path / "study.db"))
    yield opened
    opened.close()
