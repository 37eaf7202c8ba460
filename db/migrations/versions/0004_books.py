"""Books, not parts: a generated book's part files read as one deck.

Each file stays a row of `decks` (its path, hash and sections are per file), but its `title`
is now the display name shared by every part of the book (cleaned of generator prefixes and
suffixes, or given by `studyapp deck rename`), `source_title` keeps the title the file itself
gives, `book_key` groups the parts, `part` orders them, and `renamed` says that the display
name was chosen by the user and survives re-imports. Existing rows keep their title as both.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


# Plain ALTER TABLE, not a batch (copy-and-rename) migration: on SQLite, dropping the old
# `decks` table with foreign keys on would cascade into every card and section.
COLUMNS = ("source_title", "book_key", "part", "renamed")


def upgrade() -> None:
    op.add_column(
        "decks", sa.Column("source_title", sa.String(512), nullable=False, server_default="")
    )
    op.add_column("decks", sa.Column("book_key", sa.String(512), nullable=False, server_default=""))
    op.add_column("decks", sa.Column("part", sa.Integer(), nullable=True))
    op.add_column(
        "decks", sa.Column("renamed", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.execute("UPDATE decks SET source_title = title, book_key = lower(title)")
    # The next import of each file recomputes the display name: force it to be parsed again.
    op.execute("UPDATE decks SET content_hash = ''")
    op.create_index("ix_decks_book_key", "decks", ["book_key"])


def downgrade() -> None:
    op.drop_index("ix_decks_book_key", table_name="decks")
    for column in reversed(COLUMNS):
        op.drop_column("decks", column)
