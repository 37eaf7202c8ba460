"""Learners (profiles): who studies, their counts, and setting up a class on PostgreSQL.

Every learner has their own card states, answers, settings and demo runs over the shared
decks (`db.learner_scope` keeps a session to one learner). On SQLite, and on a server reached
through the admin role, naming a new profile creates it. On PostgreSQL each learner of a class
is also a database role: `add_learner(..., password=...)` creates the role and grants it what
a learner needs, and the server's row-level security (migration 0006) keeps it to its own rows;
a teacher role reads only the `class_chapters` view of aggregates.

Imports no UI.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import IntegrityError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from db.engine import session_factory
from db.models import Card, CardState, Learner, ReviewLog, Setting
from studyapp.domain.scheduling import SchedulerSettings, next_study_day

DEFAULT_PROFILE = "default"
PROFILE_ENV = "STUDYAPP_PROFILE"
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
# What a learner role may touch: its own rows of these (row-level security) ...
LEARNER_TABLES = ("card_states", "review_log", "demo_runs", "settings")
# ... the shared content, read-only (the admin imports decks) ...
SHARED_TABLES = ("decks", "sections", "cards", "demo_links", "learners", "alembic_version")
# ... and the search's rendered text, which any search may fill in.
DERIVED_TABLES = ("card_text",)


class LearnerProblem(Exception):
    """A profile that cannot be used or set up; `str()` is the one line a user sees."""


@dataclass(frozen=True, slots=True)
class LearnerRef:
    id: int
    name: str


def check_name(name: str) -> str:
    """`name` if it may name a profile (and a database role); raises LearnerProblem."""
    if not _NAME.fullmatch(name):
        raise LearnerProblem(
            f"bad profile name {name!r}: use lowercase letters, digits and _, "
            "starting with a letter (at most 63)"
        )
    return name


def resolve_learner(engine: Engine, name: str, *, create: bool = True) -> LearnerRef:
    """The learner `name`, created on first use when `create` (and the role may).

    A PostgreSQL role that is itself a learner always studies as that learner: asking for
    another profile through it is refused (the server would hide that learner's rows anyway).
    """
    check_name(name)
    sessions = session_factory(engine)
    with sessions() as session:
        if engine.dialect.name == "postgresql":
            own = session.scalars(
                select(Learner).where(Learner.role_name == func.current_user())
            ).one_or_none()
            if own is not None:
                if name not in (DEFAULT_PROFILE, own.name):
                    raise LearnerProblem(
                        f"this database role studies as {own.name!r}, not as {name!r}"
                    )
                return LearnerRef(own.id, own.name)
        found = session.scalars(select(Learner).where(Learner.name == name)).one_or_none()
        if found is not None:
            return LearnerRef(found.id, found.name)
    if not create:
        raise LearnerProblem(f"no profile named {name!r}")
    try:
        return _create(sessions, name, None)
    except IntegrityError:  # another process created it first
        return resolve_learner(engine, name, create=False)
    except ProgrammingError:  # a role that may not add learners (PostgreSQL)
        raise LearnerProblem(
            f"no profile named {name!r}; the class admin adds it with `studyapp profiles add`"
        ) from None


def _create(sessions: sessionmaker[Session], name: str, role: str | None) -> LearnerRef:
    with sessions.begin() as session:
        learner = Learner(name=name, role_name=role, created_at=dt.datetime.now(dt.UTC))
        session.add(learner)
        session.flush()
        return LearnerRef(learner.id, learner.name)


def learner_summaries(sessions: sessionmaker[Session], now: dt.datetime) -> list[dict[str, Any]]:
    """Every learner with their counts: cards studied, answers, and cards due today (by
    their own day boundary). Needs an admin session: a learner role sees only itself."""
    with sessions() as session:
        learners = list(session.scalars(select(Learner).order_by(Learner.name)))
        rows = []
        for learner in learners:
            mine = CardState.learner_id == learner.id
            live = select(Card.id).where(Card.retired_at.is_(None))
            studied = select(func.count()).where(mine, CardState.state != "new")
            stored = session.scalar(
                select(Setting.value).where(
                    Setting.learner_id == learner.id, Setting.key == "scheduler"
                )
            )
            settings = SchedulerSettings.from_dict(stored) if stored else SchedulerSettings()
            due = studied.where(
                CardState.card_id.in_(live),
                CardState.suspended.is_(False),
                CardState.due < next_study_day(now, settings),
            )
            answers = select(func.count(ReviewLog.id)).where(ReviewLog.learner_id == learner.id)
            rows.append(
                {
                    "name": learner.name,
                    "role": learner.role_name,
                    "cards_studied": session.scalar(studied.select_from(CardState)) or 0,
                    "answers": session.scalar(answers) or 0,
                    "due_today": session.scalar(due.select_from(CardState)) or 0,
                }
            )
        return rows


def _sql_text(session: Session, template: str, *values: str) -> str:
    # Roles and passwords cannot be bound parameters in DDL: the server's own format()
    # quotes them (%I an identifier, %L a literal), so no value is ever spliced in by hand.
    placeholders = ", ".join(f"CAST(:v{i} AS text)" for i in range(len(values)))
    return str(
        session.scalar(
            text(f"SELECT format(CAST(:template AS text), {placeholders})"),
            {"template": template, **{f"v{i}": v for i, v in enumerate(values)}},
        )
    )


def _ensure_role(session: Session, role: str, password: str) -> None:
    exists = session.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role})
    verb = "ALTER" if exists else "CREATE"
    session.execute(text(_sql_text(session, f"{verb} ROLE %I LOGIN PASSWORD %L", role, password)))


def _grant(session: Session, privileges: str, tables: tuple[str, ...], role: str) -> None:
    listed = ", ".join(tables)
    session.execute(text(_sql_text(session, f"GRANT {privileges} ON {listed} TO %I", role)))


def _needs_server(engine: Engine, what: str, password_ok: bool) -> None:
    if engine.dialect.name != "postgresql":
        raise LearnerProblem(f"{what} are PostgreSQL roles; this database is {engine.dialect.name}")
    if not password_ok:
        raise LearnerProblem("the password must not be empty")


def add_learner(engine: Engine, name: str, password: str | None = None) -> LearnerRef:
    """A new learner; with `password` (PostgreSQL), also their login role, with the grants a
    learner needs. An existing learner gets the role (a new password for an existing one)."""
    check_name(name)
    sessions = session_factory(engine)
    if password is None:
        with sessions() as session:
            if session.scalar(select(Learner.id).where(Learner.name == name)) is not None:
                raise LearnerProblem(f"the profile {name!r} exists already")
        return _create(sessions, name, None)
    _needs_server(engine, "passwords", bool(password))
    with sessions.begin() as session:
        _ensure_role(session, name, password)
        _grant(session, "SELECT, INSERT, UPDATE, DELETE", LEARNER_TABLES, name)
        _grant(session, "SELECT", SHARED_TABLES, name)
        _grant(session, "SELECT, INSERT, UPDATE, DELETE", DERIVED_TABLES, name)
        session.execute(
            text(
                _sql_text(
                    session, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I", name
                )
            )
        )
        learner = session.scalars(select(Learner).where(Learner.name == name)).one_or_none()
        if learner is None:
            learner = Learner(name=name, created_at=dt.datetime.now(dt.UTC))
            session.add(learner)
        learner.role_name = name
        session.flush()
        return LearnerRef(learner.id, learner.name)


def add_teacher(engine: Engine, name: str, password: str) -> None:
    """A login role that reads the class's aggregates (`class_chapters`) and nothing else."""
    check_name(name)
    _needs_server(engine, "teachers", bool(password))
    with session_factory(engine).begin() as session:
        _ensure_role(session, name, password)
        _grant(session, "SELECT", ("class_chapters", "alembic_version"), name)


def class_chapters(sessions: sessionmaker[Session]) -> list[dict[str, Any]]:
    """How the class is doing, per chapter: learners who answered, answers, retention of
    reviews, and the share of (learner, card) pairs mastered. Aggregates only."""
    with sessions() as session:
        rows = session.execute(text("SELECT * FROM class_chapters ORDER BY chapter")).mappings()
        result = []
        for row in rows:
            pairs = row["cards"] * row["class_size"]
            result.append(
                {
                    "chapter": row["chapter"] or None,
                    "cards": row["cards"],
                    "class_size": row["class_size"],
                    "learners": row["learners"],
                    "answers": row["answers"],
                    "retention": row["recalled"] / row["reviews"] if row["reviews"] else None,
                    "share_studied": row["studied"] / pairs if pairs else 0.0,
                    "share_mastered": row["mastered"] / pairs if pairs else 0.0,
                }
            )
        return result
