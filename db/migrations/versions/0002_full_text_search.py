"""Full-text search of cards and notes sections.

SQLite: FTS5 tables with external content (`cards`, `sections`), kept in sync by triggers and
filled from the existing rows. The card update trigger fires only when searchable text changes,
so recording an answer (which updates the scheduling columns) never touches the index.

PostgreSQL: GIN indexes on weighted `to_tsvector` expressions; `studyapp.store.search` queries
the very same expressions, so the planner uses the indexes. The expressions are written out
here rather than imported, so that this revision stays what it was when the app code changes.

Note for later migrations: on SQLite a batch (copy-and-rename) migration of `cards` or `sections`
drops these triggers with the old table; such a migration must create them again.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CARD_COLUMNS = ("title", "question", "answer", "context", "chapter")
SECTION_COLUMNS = ("title", "markdown")

# Keep identical to CARD_VECTOR_SQL / SECTION_VECTOR_SQL in studyapp/search.py.
PG_CARD_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, question), 'B') || "
    "setweight(to_tsvector('english'::regconfig, answer), 'C') || "
    "setweight(to_tsvector('english'::regconfig, "
    "context || ' ' || coalesce(chapter, '')), 'D')"
)
PG_SECTION_VECTOR = (
    "setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, markdown), 'B')"
)


def _sqlite_fts(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_fts"
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        # porter: "learning" finds "learned"; remove_diacritics: "Jacobian" finds "Jacobián".
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _sqlite_fts("cards", CARD_COLUMNS) + _sqlite_fts(
            "sections", SECTION_COLUMNS
        ):
            op.execute(statement)
    elif dialect == "postgresql":
        op.execute(f"CREATE INDEX ix_cards_fts ON cards USING gin (({PG_CARD_VECTOR}))")
        op.execute(f"CREATE INDEX ix_sections_fts ON sections USING gin (({PG_SECTION_VECTOR}))")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in ("cards", "sections"):
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}_fts")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_sections_fts")
        op.execute("DROP INDEX IF EXISTS ix_cards_fts")
