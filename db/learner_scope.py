"""Sessions bound to one learner: what keeps one learner's card states, answers, settings and
demo runs apart from another's, on every backend.

A session factory made with `learner_id` carries it in `Session.info`. Every ORM statement
of such a session (queries, relationship loads, ORM UPDATE and DELETE) gets the criterion
`learner_id = <the learner>` on each per-learner table it touches, subqueries included, so
the store's queries need no learner parameter; and each per-learner row the session adds is
stamped with the learner at flush. Raw SQL (`text()`, the statistics' Core tables) is not
covered: it names the learner itself. A session without a learner (the admin's listing of
learners, backup, check) sees every row.

On PostgreSQL, row-level security (migration 0006) enforces the same for learners who log in
as their own role; this filter is what the app relies on where it picks the learner itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from db.models import CardState, DemoRun, PerLearner, ReviewLog, Setting

LEARNER_KEY = "learner_id"
LEARNER_TABLES: tuple[type[PerLearner], ...] = (CardState, ReviewLog, DemoRun, Setting)


def session_learner(session: Session) -> int | None:
    """The learner a session is bound to, or None for an unscoped (admin) session."""
    value = session.info.get(LEARNER_KEY)
    return int(value) if value is not None else None


def bound_learner(session: Session) -> int:
    """The session's learner; raises for an unscoped session, where a per-learner row would
    have no owner."""
    learner = session_learner(session)
    if learner is None:
        raise RuntimeError("this session is bound to no learner")
    return learner


def _only_the_learner(state: ORMExecuteState) -> None:
    learner = session_learner(state.session)
    if learner is None:
        return
    if state.is_insert:
        # A bulk `insert(ReviewLog)` with rows skips the flush: its rows get the learner here.
        mapper = state.bind_mapper
        if mapper is not None and issubclass(mapper.class_, PerLearner):
            params: Any = state.parameters
            if params:
                for row in params if isinstance(params, list) else [params]:
                    row.setdefault("learner_id", learner)
            elif "learner_id" not in {str(key) for key in statement_values(state.statement)}:
                insert: Any = state.statement
                state.statement = insert.values(learner_id=learner)
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(
        *(
            with_loader_criteria(table, table.learner_id == learner, include_aliases=True)
            for table in LEARNER_TABLES
        )
    )


def _stamp_new_rows(session: Session, _context: Any, _instances: Any) -> None:
    learner = session_learner(session)
    if learner is None:
        return
    for row in session.new:
        if isinstance(row, PerLearner) and getattr(row, "learner_id", None) is None:
            row.learner_id = learner


def statement_values(statement: Any) -> dict[Any, Any]:
    """The columns an `insert(...).values(...)` names (SQLAlchemy keeps them in `_values`)."""
    return dict(getattr(statement, "_values", None) or {})


def install(session_class: type[Session]) -> None:
    """Scope every session of `session_class` to its learner (idempotent)."""
    if not event.contains(session_class, "do_orm_execute", _only_the_learner):
        event.listen(session_class, "do_orm_execute", _only_the_learner)
        event.listen(session_class, "before_flush", _stamp_new_rows)
