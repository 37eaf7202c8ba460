"""The engine factory: a database URL in, a configured engine out.

There is deliberately no module-level engine: the app, the CLI and the tests each build the
engine they need, so a test can point everything at its own file or server.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

DB_ENV = "STUDYAPP_DB"
WRITE_OPTION = "studyapp_write"

# Two instances on one SQLite file wait for each other rather than fail with "database is
# locked"; 10 s is far longer than any single answer or file import holds the write lock.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def default_database_path() -> Path:
    """The embedded SQLite file in the user data directory (platformdirs)."""
    from platformdirs import user_data_path

    return user_data_path("studyapp", appauthor=False) / "studyapp.db"


def resolve_url(value: str | None = None) -> str:
    """Turn `--db`, `$STUDYAPP_DB` or nothing into a SQLAlchemy URL.

    A plain path is accepted as shorthand for a SQLite file.
    """
    value = value or os.environ.get(DB_ENV) or str(default_database_path())
    if "://" in value:
        return value
    return f"sqlite:///{Path(value).expanduser().resolve()}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other backends and in-memory databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


_PASSWORD = re.compile(r"(://[^:/@]*:)[^@]*@")


def sqlite_file(value: str | None) -> Path | None:
    """The SQLite file behind `--db` / `$STUDYAPP_DB`, None for another backend; raises
    ValueError when the value is not even a URL."""
    from sqlalchemy.exc import ArgumentError

    try:
        return sqlite_path(resolve_url(value))
    except ArgumentError as error:
        raise ValueError(str(error)) from None


def database_location(value: str | None) -> str:
    """What names the database to its user: a SQLite file's path, else the URL without its
    password (as given, less any password, when it does not even parse)."""
    from sqlalchemy.exc import ArgumentError

    url = resolve_url(value)
    try:
        path = sqlite_path(url)
        return str(path) if path is not None else make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return _PASSWORD.sub(r"\1***@", url)


def _set_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets a second instance read while one writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # NORMAL is durable in WAL mode across application crashes (only an OS crash may lose
    # the last transactions), which is the guarantee "an answer is safe once given" needs.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _begin(connection: Any) -> None:
    # A deferred transaction that reads, then writes, fails at once with SQLITE_BUSY when a
    # second instance wrote in between; write transactions (`sessions.begin()`) take the write
    # lock up front and wait for it instead. Reads stay deferred, so they never queue behind
    # a writer (WAL readers don't need the lock).
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _make_folder(folder: Path) -> None:
    """The database's folder, made if missing; a file where a folder should be is named (the
    bare `FileExistsError` names only the path, as if the folder were there)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        blocking = next((p for p in (folder, *folder.parents) if p.exists()), folder)
        raise NotADirectoryError(f"{blocking} is a file, not a folder") from error


def open_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite files get their folder, WAL and foreign keys."""
    path = sqlite_path(url)
    if path is not None:
        _make_folder(path.parent)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _set_sqlite_pragmas)
        event.listen(engine, "begin", _begin)
    return engine


class StudySession(Session):
    """A session whose explicit `begin()` (a write transaction) locks SQLite for writing."""

    def begin(self, nested: bool = False) -> SessionTransaction:
        transaction = super().begin(nested)
        if not nested:
            self.connection(execution_options={WRITE_OPTION: True})
        return transaction


def session_factory(engine: Engine, learner_id: int | None = None) -> sessionmaker[Session]:
    """Sessions on `engine`; with `learner_id`, each sees and writes that learner's rows only
    (see `db.learner_scope`), without it every learner's (admin work)."""
    from db.learner_scope import LEARNER_KEY, install

    install(StudySession)
    info = {} if learner_id is None else {LEARNER_KEY: learner_id}
    return sessionmaker(engine, class_=StudySession, expire_on_commit=False, info=info)
