"""Opening the study database for a command: URL in, migrated session factory out.

The one place where the app, the CLI and the tests turn a `--db` value into sessions, so they
all get the same pragmas and the same automatic migration (with a backup first).
`database_damage` tells a damaged SQLite file apart from every other database error, for the
faces' one line that suggests `studyapp check`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import open_engine, resolve_url, session_factory
from db.migrate import upgrade
from studyapp.store.learners import DEFAULT_PROFILE, LearnerRef, resolve_learner


@dataclass(frozen=True, slots=True)
class Store:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    """Sessions of the learner (see `db.learner_scope`); every learner's rows without one."""
    migration_backup: Path | None = None
    learner: LearnerRef | None = None

    def close(self) -> None:
        self.engine.dispose()

    def every_learner(self) -> sessionmaker[Session]:
        """Sessions that see every learner's rows (backup, check, the list of learners)."""
        return session_factory(self.engine)


def open_store(db: str | None = None, profile: str | None = DEFAULT_PROFILE) -> Store:
    """The migrated database at `db`, its sessions bound to the learner `profile` (created on
    first use), or to no learner when `profile` is None (admin work, the teacher's view)."""
    url = resolve_url(db)
    engine = open_engine(url)
    try:
        backup = upgrade(engine)
        learner = None if profile is None else resolve_learner(engine, profile)
    except BaseException:
        engine.dispose()
        raise
    sessions = session_factory(engine, learner.id if learner else None)
    return Store(url, engine, sessions, backup, learner)


# What SQLite says when pages do not read (SQLITE_CORRUPT, SQLITE_NOTADB).
DAMAGE_MESSAGES = ("malformed", "not a database", "database corrupt", "disk image")


def database_damage(error: BaseException) -> str | None:
    """SQLite's reason when `error` (the driver's, or SQLAlchemy's wrapping it) says the file
    is damaged; None for any other error."""
    cause = getattr(error, "orig", None) or error
    if not isinstance(cause, sqlite3.DatabaseError):
        return None
    reason = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
    return reason if any(m in reason.lower() for m in DAMAGE_MESSAGES) else None
