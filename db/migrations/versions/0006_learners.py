"""Learners: several people over the same decks, each with their own schedule.

- `learners`: one row per person; the existing database becomes the learner `default` (id 1).
- `card_states` (learner, card): the FSRS memory and the marks (suspended, buried, flag) that
  lived on `cards`; every card's values move to `default`, and the columns leave `cards`. A
  card without a row is new to that learner.
- `review_log`, `demo_runs`, `settings` get `learner_id` (every existing row is `default`'s;
  a setting's key is now unique per learner).
- 0003's triggers that keep `review_log.previous_at` compare answers of one learner only.
- `class_chapters`: a view of per-chapter aggregates over the whole class (no learner's own
  rows), which a teacher role may read.
- PostgreSQL: row-level security on the per-learner tables. A role named in
  `learners.role_name` sees and changes only its own rows; the tables' owner (the admin role
  that runs migrations) is exempt, as PostgreSQL exempts owners.

Note for later migrations: on SQLite this migration copies `review_log` (batch mode), so it
creates 0003's triggers again in their per-learner form.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import datetime as dt
import importlib
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

MEMORY_COLUMNS = (
    "state, step, stability, difficulty, due, last_review, reps, lapses, suspended, "
    "buried_until, flag"
)
LEARNER_TABLES = ("card_states", "review_log", "demo_runs", "settings")
PREVIOUS = importlib.import_module("db.migrations.versions.0003_statistics_indexes")


def _one_learner(sql: str, row: str) -> str:
    """0003's trigger SQL, comparing only answers of the learner of `row` (NEW or OLD)."""
    for alias in ("p", "n", "t"):
        sql = sql.replace(
            f"{alias}.card_id = {row}.card_id",
            f"{alias}.learner_id = {row}.learner_id AND {alias}.card_id = {row}.card_id",
        )
    return sql.replace(
        f"WHERE card_id = {row}.card_id",
        f"WHERE learner_id = {row}.learner_id AND card_id = {row}.card_id",
    )


def _per_learner(statements: list[str]) -> list[str]:
    return [_one_learner(_one_learner(s, "NEW"), "OLD") for s in statements]


SQLITE_TRIGGERS = _per_learner(PREVIOUS.SQLITE_TRIGGERS)
# The functions are replaced in place; the triggers calling them stay.
POSTGRES_FUNCTIONS = [
    s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
    for s in _per_learner(PREVIOUS.POSTGRES_TRIGGERS)
    if s.startswith("CREATE FUNCTION")
]

# Class aggregates per chapter, for the teacher: counts only, never a learner's own rows.
CLASS_VIEW = """
CREATE VIEW class_chapters AS
WITH chapter_cards AS (
    SELECT coalesce(chapter, '') AS chapter, count(*) AS cards
    FROM cards WHERE retired_at IS NULL GROUP BY coalesce(chapter, '')
), chapter_answers AS (
    SELECT coalesce(c.chapter, '') AS chapter,
           count(DISTINCT r.learner_id) AS learners,
           count(*) AS answers,
           sum(CASE WHEN r.state_before = 'review' THEN 1 ELSE 0 END) AS reviews,
           sum(CASE WHEN r.state_before = 'review' AND r.rating > 1 THEN 1 ELSE 0 END)
               AS recalled
    FROM review_log r JOIN cards c ON c.id = r.card_id
    GROUP BY coalesce(c.chapter, '')
), chapter_states AS (
    SELECT coalesce(c.chapter, '') AS chapter,
           sum(CASE WHEN s.state <> 'new' THEN 1 ELSE 0 END) AS studied,
           sum(CASE WHEN s.state = 'review' AND s.stability >= 21 THEN 1 ELSE 0 END)
               AS mastered
    FROM card_states s JOIN cards c ON c.id = s.card_id
    WHERE c.retired_at IS NULL
    GROUP BY coalesce(c.chapter, '')
)
SELECT k.chapter, k.cards,
       (SELECT count(*) FROM learners) AS class_size,
       coalesce(a.learners, 0) AS learners,
       coalesce(a.answers, 0) AS answers,
       coalesce(a.reviews, 0) AS reviews,
       coalesce(a.recalled, 0) AS recalled,
       coalesce(s.studied, 0) AS studied,
       coalesce(s.mastered, 0) AS mastered
FROM chapter_cards k
LEFT JOIN chapter_answers a ON a.chapter = k.chapter
LEFT JOIN chapter_states s ON s.chapter = k.chapter
"""

POSTGRES_SECURITY = [
    # The learner whose role runs the statement; NULL for any other role.
    "CREATE FUNCTION studyapp_learner() RETURNS integer LANGUAGE sql STABLE AS "
    "$$ SELECT id FROM learners WHERE role_name = current_user $$",
    "ALTER TABLE learners ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY own_learner ON learners USING (role_name = current_user)",
] + [
    statement
    for table in LEARNER_TABLES
    for statement in (
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY own_rows ON {table} USING (learner_id = studyapp_learner()) "
        "WITH CHECK (learner_id = studyapp_learner())",
    )
]


def _add_learner(table: str) -> None:
    """`learner_id` on a table whose rows are all `default`'s so far."""
    with op.batch_alter_table(table) as batch:
        batch.add_column(
            sa.Column("learner_id", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.create_foreign_key(
            f"fk_{table}_learner_id_learners",
            "learners",
            ["learner_id"],
            ["id"],
            ondelete="CASCADE",
        )
    # No default afterwards: a row without its learner is a bug, not `default`'s.
    with op.batch_alter_table(table) as batch:
        batch.alter_column("learner_id", server_default=None)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    learners = op.create_table(
        "learners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role_name", sa.String(length=63), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_learners"),
        sa.UniqueConstraint("name", name="uq_learners_name"),
        sa.UniqueConstraint("role_name", name="uq_learners_role_name"),
    )
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        learners,
        [
            {
                "id": 1,
                "name": "default",
                "created_at": now.replace(tzinfo=None) if dialect == "sqlite" else now,
            }
        ],
    )
    if dialect == "postgresql":
        # The explicit id 1 does not advance the sequence; the next learner must not collide.
        op.execute("SELECT setval(pg_get_serial_sequence('learners', 'id'), 1)")

    op.create_table(
        "card_states",
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False),
        sa.Column("lapses", sa.Integer(), nullable=False),
        sa.Column("suspended", sa.Boolean(), nullable=False),
        sa.Column("buried_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name="fk_card_states_card_id_cards", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["learners.id"],
            name="fk_card_states_learner_id_learners",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("learner_id", "card_id", name="pk_card_states"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_card_states_card_id", "card_states", ["card_id"])
    op.create_index("ix_card_states_queue", "card_states", ["learner_id", "state", "due"])
    op.create_index(
        "ix_card_states_stats",
        "card_states",
        ["learner_id", "card_id", "state", "reps", "lapses", "stability", "last_review"],
    )
    # Every card's state, exactly as it was, becomes `default`'s.
    op.execute(
        f"INSERT INTO card_states (learner_id, card_id, {MEMORY_COLUMNS}) "
        f"SELECT 1, id, {MEMORY_COLUMNS} FROM cards"
    )
    for index in ("ix_cards_queue", "ix_cards_stats", "ix_cards_lapses"):
        op.drop_index(index, table_name="cards")
    # Plain DROP COLUMN (SQLite 3.35+ in place): a batch copy of `cards` would drop the
    # full-text triggers of 0002 and 0005.
    for column in MEMORY_COLUMNS.split(", "):
        op.drop_column("cards", column)
    op.create_index("ix_cards_retired_at", "cards", ["retired_at"])

    for table in ("review_log", "demo_runs", "settings"):
        _add_learner(table)
    op.drop_index("ix_review_log_card_time", table_name="review_log")
    op.create_index(
        "ix_review_log_card_time", "review_log", ["learner_id", "card_id", "reviewed_at"]
    )
    op.drop_index("ix_review_log_stats", table_name="review_log")
    op.create_index(
        "ix_review_log_stats",
        "review_log",
        [
            "learner_id",
            "reviewed_at",
            "card_id",
            "state_before",
            "rating",
            "duration_ms",
            "previous_at",
        ],
    )
    op.create_index("ix_demo_runs_learner_id", "demo_runs", ["learner_id"])
    with op.batch_alter_table("settings") as batch:
        batch.drop_constraint("pk_settings", type_="primary")
        batch.create_primary_key("pk_settings", ["learner_id", "key"])

    if dialect == "sqlite":
        # The batch copy of review_log dropped 0003's triggers; these replace them.
        for name in ("ai", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS review_log_previous_{name}")
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for statement in POSTGRES_FUNCTIONS:
            op.execute(statement)
    op.execute(CLASS_VIEW)
    if dialect == "postgresql":
        for statement in POSTGRES_SECURITY:
            op.execute(statement)


def downgrade() -> None:
    """Back to one learner: `default`'s rows stay, every other learner's are dropped."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in LEARNER_TABLES:
            op.execute(f"DROP POLICY IF EXISTS own_rows ON {table}")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        op.execute("DROP POLICY IF EXISTS own_learner ON learners")
        op.execute("DROP FUNCTION IF EXISTS studyapp_learner()")
    op.execute("DROP VIEW IF EXISTS class_chapters")
    default = "(SELECT id FROM learners WHERE name = 'default')"
    for table in ("review_log", "demo_runs", "settings"):
        op.execute(f"DELETE FROM {table} WHERE learner_id <> {default}")
    with op.batch_alter_table("settings") as batch:
        batch.drop_constraint("pk_settings", type_="primary")
        batch.create_primary_key("pk_settings", ["key"])
    op.drop_index("ix_demo_runs_learner_id", table_name="demo_runs")
    op.drop_index("ix_review_log_stats", table_name="review_log")
    op.drop_index("ix_review_log_card_time", table_name="review_log")
    for table in ("review_log", "demo_runs", "settings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_learner_id_learners", type_="foreignkey")
            batch.drop_column("learner_id")
    op.create_index("ix_review_log_card_time", "review_log", ["card_id", "reviewed_at"])
    op.create_index(
        "ix_review_log_stats",
        "review_log",
        ["reviewed_at", "card_id", "state_before", "rating", "duration_ms", "previous_at"],
    )
    op.drop_index("ix_cards_retired_at", table_name="cards")
    columns: list[sa.Column[Any]] = [
        sa.Column("state", sa.String(16), nullable=False, server_default="new"),
        sa.Column("step", sa.Integer(), nullable=True, server_default="0"),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_review", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reps", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lapses", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("suspended", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("buried_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("flag", sa.Integer(), nullable=False, server_default="0"),
    ]
    for column in columns:
        op.add_column("cards", column)
    op.execute(
        "UPDATE cards SET ("
        + MEMORY_COLUMNS
        + f") = (SELECT {MEMORY_COLUMNS} FROM card_states s WHERE s.card_id = cards.id "
        f"AND s.learner_id = {default}) WHERE EXISTS (SELECT 1 FROM card_states s "
        f"WHERE s.card_id = cards.id AND s.learner_id = {default})"
    )
    op.drop_table("card_states")
    op.create_index("ix_cards_queue", "cards", ["retired_at", "suspended", "state", "due"])
    op.create_index(
        "ix_cards_stats",
        "cards",
        ["chapter", "retired_at", "state", "reps", "lapses", "stability", "last_review"],
    )
    op.create_index("ix_cards_lapses", "cards", ["lapses", "retired_at"])
    if dialect == "sqlite":
        for name in ("ai", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS review_log_previous_{name}")
        for statement in PREVIOUS.SQLITE_TRIGGERS:
            op.execute(statement)
    else:
        for statement in PREVIOUS.POSTGRES_TRIGGERS:
            if statement.startswith("CREATE FUNCTION"):
                op.execute(statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.drop_table("learners")
