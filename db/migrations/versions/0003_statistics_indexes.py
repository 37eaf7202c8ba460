"""Statistics: covering indexes, and each answer's previous answer time (`previous_at`).

`studyapp.store.statistics` aggregates the whole review log; these indexes let every query read an
index instead of the table:

- `ix_review_log_stats` (reviewed_at, card_id, state_before, rating, duration_ms, previous_at):
  today's figures, answers per study day (heatmap, streaks) and true retention, each a range
  of reviewed_at.
- `ix_cards_stats` (chapter, retired_at, state, reps, lapses, stability, last_review): cards
  per chapter and their FSRS recall probability (mastery).
- `ix_cards_lapses` (lapses, retired_at): the hardest cards and the leech count.
- `ix_demo_runs_card_id`: demo runs joined to their card's chapter.

`review_log.previous_at` is the time of the same card's previous answer (NULL for its first).
True retention splits answers by that interval (young below 21 days). Computing it per query
needs a window function over hundreds of thousands of answers, which on SQLite alone costs
more than the whole statistics budget (0.5 s for a million answers); stored, it is one more
column of the range scan. Triggers keep it exact on both backends, also when an answer is
inserted before later ones (a bulk load, an import) or deleted (undo, a card deleted with its
history); the review log is otherwise append-only, so no update trigger is needed. Existing
rows are filled from the log itself.

Note for later migrations: on SQLite a batch (copy-and-rename) migration of `review_log` drops
these triggers with the old table; such a migration must create them again (as for 0002's).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BACKFILL = (
    "UPDATE review_log SET previous_at = (SELECT max(p.reviewed_at) FROM review_log p "
    "WHERE p.card_id = review_log.card_id AND p.reviewed_at < review_log.reviewed_at)"
)

# An answer inserted before later answers of its card becomes the previous one of the next.
_FIX_NEXT = (
    "UPDATE review_log SET previous_at = NEW.reviewed_at "
    "WHERE card_id = NEW.card_id AND reviewed_at = (SELECT min(n.reviewed_at) FROM review_log n "
    "WHERE n.card_id = NEW.card_id AND n.reviewed_at > NEW.reviewed_at)"
)
# Answers that followed a deleted one now follow its own previous answer (unless another
# answer of the card has exactly the deleted one's time).
_FIX_AFTER_DELETE = (
    "UPDATE review_log SET previous_at = OLD.previous_at "
    "WHERE card_id = OLD.card_id AND previous_at = OLD.reviewed_at AND NOT EXISTS ("
    "SELECT 1 FROM review_log t WHERE t.card_id = OLD.card_id "
    "AND t.reviewed_at = OLD.reviewed_at)"
)

SQLITE_TRIGGERS = [
    "CREATE TRIGGER review_log_previous_ai AFTER INSERT ON review_log BEGIN "
    "UPDATE review_log SET previous_at = (SELECT max(p.reviewed_at) FROM review_log p "
    "WHERE p.card_id = NEW.card_id AND p.reviewed_at < NEW.reviewed_at) WHERE id = NEW.id; "
    f"{_FIX_NEXT}; END",
    f"CREATE TRIGGER review_log_previous_ad AFTER DELETE ON review_log BEGIN "
    f"{_FIX_AFTER_DELETE}; END",
]

POSTGRES_TRIGGERS = [
    "CREATE FUNCTION review_log_previous_bi() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "NEW.previous_at := (SELECT max(p.reviewed_at) FROM review_log p "
    "WHERE p.card_id = NEW.card_id AND p.reviewed_at < NEW.reviewed_at); RETURN NEW; END $$",
    "CREATE FUNCTION review_log_previous_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_FIX_NEXT}; RETURN NULL; END $$",
    "CREATE FUNCTION review_log_previous_ad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"{_FIX_AFTER_DELETE}; RETURN NULL; END $$",
    "CREATE TRIGGER review_log_previous_bi BEFORE INSERT ON review_log "
    "FOR EACH ROW EXECUTE FUNCTION review_log_previous_bi()",
    "CREATE TRIGGER review_log_previous_ai AFTER INSERT ON review_log "
    "FOR EACH ROW EXECUTE FUNCTION review_log_previous_ai()",
    "CREATE TRIGGER review_log_previous_ad AFTER DELETE ON review_log "
    "FOR EACH ROW EXECUTE FUNCTION review_log_previous_ad()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # A plain ADD COLUMN (no batch copy), so 0002's triggers on other tables stay untouched.
    op.add_column("review_log", sa.Column("previous_at", sa.DateTime(timezone=True)))
    op.execute(BACKFILL)
    for statement in SQLITE_TRIGGERS if dialect == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)
    op.create_index(
        "ix_review_log_stats",
        "review_log",
        ["reviewed_at", "card_id", "state_before", "rating", "duration_ms", "previous_at"],
    )
    op.create_index(
        "ix_cards_stats",
        "cards",
        ["chapter", "retired_at", "state", "reps", "lapses", "stability", "last_review"],
    )
    op.create_index("ix_cards_lapses", "cards", ["lapses", "retired_at"])
    op.create_index("ix_demo_runs_card_id", "demo_runs", ["card_id"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_demo_runs_card_id", table_name="demo_runs")
    op.drop_index("ix_cards_lapses", table_name="cards")
    op.drop_index("ix_cards_stats", table_name="cards")
    op.drop_index("ix_review_log_stats", table_name="review_log")
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS review_log_previous_ad")
        op.execute("DROP TRIGGER IF EXISTS review_log_previous_ai")
    else:
        for name in ("bi", "ai", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS review_log_previous_{name} ON review_log")
            op.execute(f"DROP FUNCTION IF EXISTS review_log_previous_{name}()")
    # SQLite (3.35+) drops a column in place when nothing else refers to it.
    op.drop_column("review_log", "previous_at")
