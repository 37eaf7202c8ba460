"""Statistics indexes for per-learner data: the cards' side of the figures read from indexes.

Since 0006 every card-side statistic joins the cards to one learner's `card_states`, and the
figures read whole card rows (with their text) to learn a card's chapter, which took seconds
on a big collection. These replace two single-column indexes with wider ones that begin the
same way, so every query that used one can use its successor:

- `ix_cards_scope` (chapter, deck_id, retired_at) replaces `ix_cards_chapter`: the cards of a
  scope counted per chapter from the index, without reading the card rows and their text.
- `ix_cards_live` (retired_at, id, chapter, deck_id) replaces `ix_cards_retired_at`: a live
  card's chapter and deck found from its id in the index, for the join to the learner's rows.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

# (old name, old columns, new name, new columns), all on `cards`
REPLACED = [
    ("ix_cards_chapter", ["chapter"], "ix_cards_scope", ["chapter", "deck_id", "retired_at"]),
    (
        "ix_cards_retired_at",
        ["retired_at"],
        "ix_cards_live",
        ["retired_at", "id", "chapter", "deck_id"],
    ),
]


def upgrade() -> None:
    for old, _old_columns, new, columns in REPLACED:
        op.create_index(new, "cards", columns)
        op.drop_index(old, table_name="cards")


def downgrade() -> None:
    for old, old_columns, new, _columns in REPLACED:
        op.create_index(old, "cards", old_columns)
        op.drop_index(new, table_name="cards")
