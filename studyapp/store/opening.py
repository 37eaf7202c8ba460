"""Opening the study database for a command: URL in, migrated session factory out.

The one place where the app, the CLI and the tests turn a `--db` value into sessions, so they
all get the same pragmas and the same automatic migration (with a backup first).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from db.engine import open_engine, resolve_url, session_factory
from db.migrate import upgrade


@dataclass(frozen=True, slots=True)
class Store:
    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    migration_backup: Path | None = None

    def close(self) -> None:
        self.engine.dispose()


def open_store(db: str | None = None) -> Store:
    url = resolve_url(db)
    engine = open_engine(url)
    backup = upgrade(engine)
    return Store(url, engine, session_factory(engine), backup)
