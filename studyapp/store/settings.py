"""User settings stored in the database's `settings` table (one JSON value per key)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Setting
from studyapp.domain.scheduling import SchedulerSettings

SCHEDULER_KEY = "scheduler"


def load_scheduler_settings(sessions: sessionmaker[Session]) -> SchedulerSettings:
    with sessions() as session:
        value = session.scalar(select(Setting.value).where(Setting.key == SCHEDULER_KEY))
    return SchedulerSettings.from_dict(value) if value else SchedulerSettings()


def save_scheduler_settings(sessions: sessionmaker[Session], settings: SchedulerSettings) -> None:
    problems = settings.validate()
    if problems:
        raise ValueError("; ".join(problems))
    with sessions.begin() as session:
        session.merge(Setting(key=SCHEDULER_KEY, value=settings.to_dict()))
