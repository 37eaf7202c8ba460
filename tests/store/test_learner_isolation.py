"""Isolation on the real PostgreSQL server: each learner is a database role, and row-level
security lets a role see and change only its own rows, whatever SQL it sends; a teacher role
reads the class's aggregates and none of the per-learner tables.

Role names are unique per test (roles belong to the whole server, and tests run in parallel);
each test drops its roles afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, ProgrammingError

from db.models import Card, DemoRun, ReviewLog
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.learners import LearnerProblem, add_learner, add_teacher
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from studyapp.store.review import answer, build_queue, set_flag
from studyapp.store.settings import save_scheduler_settings
from tests.cli.conftest import run_cli
from tests.conftest import NOW, no_demos

pytestmark = pytest.mark.postgres
SETTINGS = SchedulerSettings(timezone="UTC")
PER_LEARNER = ("card_states", "review_log", "settings", "demo_runs")


@dataclass(frozen=True)
class Classroom:
    admin_url: str
    ann: str
    ben: str
    teacher: str
    ann_id: int
    ben_id: int

    def url(self, role: str) -> str:
        parsed = make_url(self.admin_url).set(username=role, password=f"pw-{role}")
        return parsed.render_as_string(hide_password=False)


def drop_roles(admin_url: str, roles: list[str]) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        for role in roles:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}
            )
            if not exists:
                continue
            for kind in ("TABLES", "SEQUENCES"):
                connection.exec_driver_sql(
                    f'REVOKE ALL ON ALL {kind} IN SCHEMA public FROM "{role}"'
                )
            connection.exec_driver_sql(f'DROP ROLE "{role}"')
    engine.dispose()


@pytest.fixture
def classroom(postgres_url: str, deck_dir: Path) -> Iterator[Classroom]:
    """A class on a fresh database: the admin imported a deck; learners ann and ben, each
    with answers, a flag, a setting and a demo run; a teacher."""
    tag = uuid.uuid4().hex[:10]
    ann, ben, teacher = f"ann_{tag}", f"ben_{tag}", f"teacher_{tag}"
    admin = open_store(postgres_url, None)
    try:
        import_paths(admin.sessions, [deck_dir / "cards.md"], NOW, no_demos)
        ann_id = add_learner(admin.engine, ann, f"pw-{ann}").id
        ben_id = add_learner(admin.engine, ben, f"pw-{ben}").id
        add_teacher(admin.engine, teacher, f"pw-{teacher}")
    finally:
        admin.close()
    room = Classroom(postgres_url, ann, ben, teacher, ann_id, ben_id)
    try:
        for role in (ann, ben):
            learner = open_store(room.url(role))  # logs in as the role itself
            with learner.sessions() as session:
                ids = list(session.scalars(select(Card.id).order_by(Card.id)))
            answer(learner.sessions, ids[0], 3, NOW, SETTINGS)
            answer(learner.sessions, ids[1], 1, NOW, SETTINGS)
            set_flag(learner.sessions, ids[2], 1)
            save_scheduler_settings(learner.sessions, SETTINGS)
            with learner.sessions.begin() as session:
                session.add(DemoRun(demo_name="gan", parameters={}, started_at=NOW, status="ok"))
            learner.close()
        yield room
    finally:
        drop_roles(postgres_url, [ann, ben, teacher])


def counts_of(url: str, learner_id: int) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as connection:
        found = {
            table: int(
                connection.scalar(
                    text(f"SELECT count(*) FROM {table} WHERE learner_id = :l"), {"l": learner_id}
                )
                or 0
            )
            for table in PER_LEARNER
        }
    engine.dispose()
    return found


def test_a_learner_role_can_neither_see_nor_change_another_learners_rows(
    classroom: Classroom,
) -> None:
    ann_before = counts_of(classroom.admin_url, classroom.ann_id)
    assert ann_before == {"card_states": 3, "review_log": 2, "settings": 1, "demo_runs": 1}
    engine = create_engine(classroom.url(classroom.ben))
    with engine.begin() as ben:
        ann = {"a": classroom.ann_id}
        for table in PER_LEARNER:
            seen = ben.scalar(text(f"SELECT count(*) FROM {table} WHERE learner_id = :a"), ann)
            assert seen == 0, table
            assert ben.scalar(text(f"SELECT count(*) FROM {table}")) == ann_before[table]
            changed = ben.execute(
                text(f"UPDATE {table} SET learner_id = learner_id WHERE learner_id = :a"), ann
            )
            assert changed.rowcount == 0, table
            deleted = ben.execute(text(f"DELETE FROM {table} WHERE learner_id = :a"), ann)
            assert deleted.rowcount == 0, table
        flagged = ben.execute(text("UPDATE card_states SET flag = 7 WHERE learner_id <> 0"))
        assert flagged.rowcount == 3  # ben's own three rows only
        gone = ben.execute(text("DELETE FROM review_log"))
        assert gone.rowcount == 2  # ben's own answers only
    # Nor may ben write a row in ann's name.
    with engine.begin() as ben, pytest.raises(DBAPIError, match="row-level security"):
        ben.execute(
            text("INSERT INTO settings (learner_id, key, value) VALUES (:a, 'scheduler', '{}')"),
            {"a": classroom.ann_id},
        )
    with engine.connect() as ben, pytest.raises(ProgrammingError, match="permission denied"):
        ben.execute(text("UPDATE cards SET question = 'mine'"))  # shared content: read-only
    engine.dispose()
    assert counts_of(classroom.admin_url, classroom.ann_id) == ann_before
    assert counts_of(classroom.admin_url, classroom.ben_id)["review_log"] == 0


def test_a_learner_role_studies_as_its_own_learner_only(classroom: Classroom) -> None:
    ben = open_store(classroom.url(classroom.ben))
    try:
        assert ben.learner is not None and ben.learner.id == classroom.ben_id
        queue = build_queue(ben.sessions, NOW, SETTINGS)
        answer(ben.sessions, queue[-1], 4, NOW, SETTINGS)
        with ben.sessions() as session:
            assert {row.learner_id for row in session.scalars(select(ReviewLog))} == {
                classroom.ben_id
            }
    finally:
        ben.close()
    with pytest.raises(LearnerProblem, match="studies as"):
        open_store(classroom.url(classroom.ben), classroom.ann)
    assert counts_of(classroom.admin_url, classroom.ben_id)["review_log"] == 3


def test_the_teacher_reads_class_aggregates_and_no_learners_rows(classroom: Classroom) -> None:
    engine = create_engine(classroom.url(classroom.teacher))
    for table in (*PER_LEARNER, "learners"):
        with engine.connect() as teacher, pytest.raises(ProgrammingError, match="permission"):
            teacher.execute(text(f"SELECT * FROM {table}"))
    with engine.connect() as teacher:
        rows = teacher.execute(text("SELECT answers, learners FROM class_chapters")).all()
    engine.dispose()
    assert sum(answers for answers, _learners in rows) == 4

    shown = run_cli(classroom.url(classroom.teacher), "stats", "--class", "--json")
    assert shown.exit_code == 0, shown.stderr
    (chapter,) = json.loads(shown.stdout)["chapters"]
    assert chapter["learners"] == 2 and chapter["answers"] == 4
    assert chapter["class_size"] == 3  # default, ann and ben
    assert chapter["share_studied"] == pytest.approx(4 / (9 * 3))
    # Aggregates only: no learner's name, id or answer times in what the teacher gets.
    assert classroom.ann not in shown.stdout and "reviewed_at" not in shown.stdout
    refused = run_cli(classroom.url(classroom.teacher), "stats", "--json")
    assert refused.exit_code != 0


def test_the_admin_sets_up_a_learner_from_the_command_line(classroom: Classroom) -> None:
    name = f"cleo_{uuid.uuid4().hex[:10]}"
    try:
        added = run_cli(classroom.admin_url, "profiles", "add", name, "--password", f"pw-{name}")
        assert added.exit_code == 0, added.stderr
        listed = json.loads(run_cli(classroom.admin_url, "profiles", "--json").stdout)
        assert {row["name"]: row["role"] for row in listed}[name] == name
        studied = run_cli(classroom.url(name), "cards", "--json")
        assert studied.exit_code == 0, studied.stderr
        assert {card["state"] for card in json.loads(studied.stdout)} == {"new"}
        bad = run_cli(classroom.admin_url, "profiles", "add", "Bad Name", "--password", "x")
        assert bad.exit_code == 1 and "bad profile name" in bad.one_line()
    finally:
        drop_roles(classroom.admin_url, [name])
