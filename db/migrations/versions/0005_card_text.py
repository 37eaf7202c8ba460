"""Search finds what the screen shows: each card's rendered text (math as Unicode) is stored
in `card_text` and indexed next to the source text of migration 0002.

The rows are rendered by the app (rendering is Python): `studyapp.store.card_text` fills in
the cards that have none, before a search runs. A trigger on `cards` deletes a card's row
whenever its text changes, so a missing row is exactly a stale one; recording an answer
touches no text column and keeps the row.

SQLite: an FTS5 table over `card_text` (external content, kept in sync by triggers, the same
tokenizer as `cards_fts`). PostgreSQL: a GIN index on the `to_tsvector` expression that
`studyapp.store.search` queries (named without the `_fts` suffix of 0002's indexes).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TEXT_COLUMNS = "title, question, answer, context"
# Keep identical to RENDERED_VECTOR_SQL in studyapp/store/search.py (expression index).
PG_RENDERED_VECTOR = "to_tsvector('english'::regconfig, rendered)"

SQLITE = [
    "CREATE VIRTUAL TABLE card_text_fts USING fts5(rendered, content='card_text', "
    "content_rowid='card_id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER card_text_fts_ai AFTER INSERT ON card_text BEGIN "
    "INSERT INTO card_text_fts(rowid, rendered) VALUES (new.card_id, new.rendered); END",
    "CREATE TRIGGER card_text_fts_ad AFTER DELETE ON card_text BEGIN "
    "INSERT INTO card_text_fts(card_text_fts, rowid, rendered) "
    "VALUES ('delete', old.card_id, old.rendered); END",
    "CREATE TRIGGER card_text_fts_au AFTER UPDATE OF rendered ON card_text BEGIN "
    "INSERT INTO card_text_fts(card_text_fts, rowid, rendered) "
    "VALUES ('delete', old.card_id, old.rendered); "
    "INSERT INTO card_text_fts(rowid, rendered) VALUES (new.card_id, new.rendered); END",
    f"CREATE TRIGGER card_text_stale AFTER UPDATE OF {TEXT_COLUMNS} ON cards BEGIN "
    "DELETE FROM card_text WHERE card_id = new.id; END",
]
POSTGRES = [
    f"CREATE INDEX ix_card_text_rendered ON card_text USING gin (({PG_RENDERED_VECTOR}))",
    "CREATE FUNCTION card_text_stale() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "DELETE FROM card_text WHERE card_id = NEW.id; RETURN NEW; END $$",
    f"CREATE TRIGGER card_text_stale AFTER UPDATE OF {TEXT_COLUMNS} ON cards "
    "FOR EACH ROW EXECUTE FUNCTION card_text_stale()",
]


def upgrade() -> None:
    op.create_table(
        "card_text",
        sa.Column("card_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rendered", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name="fk_card_text_card_id_cards", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("card_id", name="pk_card_text"),
    )
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE, "postgresql": POSTGRES}.get(dialect, []):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("card_text_fts_ai", "card_text_fts_ad", "card_text_fts_au", "card_text_stale"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS card_text_fts")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS card_text_stale ON cards")
        op.execute("DROP FUNCTION IF EXISTS card_text_stale()")
        op.execute("DROP INDEX IF EXISTS ix_card_text_rendered")
    op.drop_table("card_text")
