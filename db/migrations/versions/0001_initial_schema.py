"""Initial schema: decks, sections, cards, review log, demo links, demo runs, settings.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "decks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source_path", sa.String(length=1024), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decks")),
        sa.UniqueConstraint("source_path", name=op.f("uq_decks_source_path")),
    )
    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_settings")),
    )
    op.create_table(
        "sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=False),
        sa.Column("chapter", sa.String(length=512), nullable=True),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("end_line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deck_id"], ["decks.id"], name=op.f("fk_sections_deck_id_decks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["sections.id"],
            name=op.f("fk_sections_parent_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sections")),
    )
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sections_deck_id"), ["deck_id"], unique=False)

    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deck_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("identity", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("generated", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=512), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("chapter", sa.String(length=512), nullable=True),
        sa.Column("source_file", sa.String(length=1024), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
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
            ["deck_id"], ["decks.id"], name=op.f("fk_cards_deck_id_decks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_cards_section_id_sections"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
        sa.UniqueConstraint("deck_id", "identity", name="uq_cards_deck_identity"),
    )
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cards_chapter"), ["chapter"], unique=False)
        batch_op.create_index("ix_cards_deck_position", ["deck_id", "position"], unique=False)
        batch_op.create_index(
            "ix_cards_queue", ["retired_at", "suspended", "state", "due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_cards_section_id"), ["section_id"], unique=False)

    op.create_table(
        "demo_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("section_id", sa.Integer(), nullable=True),
        sa.Column("demo_name", sa.String(length=64), nullable=False),
        sa.Column("explicit", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(card_id IS NULL) <> (section_id IS NULL)", name=op.f("ck_demo_links_card_xor_section")
        ),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_demo_links_card_id_cards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["sections.id"],
            name=op.f("fk_demo_links_section_id_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_links")),
        sa.UniqueConstraint("card_id", "section_id", "demo_name", name="uq_demo_links_target"),
    )
    with op.batch_alter_table("demo_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demo_links_card_id"), ["card_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_demo_links_section_id"), ["section_id"], unique=False)

    op.create_table(
        "demo_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("demo_name", sa.String(length=64), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=True),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("backend", sa.String(length=32), nullable=True),
        sa.Column("device", sa.String(length=256), nullable=True),
        sa.Column("precision", sa.String(length=32), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("artifacts", sa.JSON(), nullable=False),
        sa.Column("artifact_dir", sa.String(length=1024), nullable=True),
        sa.Column("stderr_tail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_demo_runs_card_id_cards"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_runs")),
    )
    with op.batch_alter_table("demo_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demo_runs_demo_name"), ["demo_name"], unique=False)

    op.create_table(
        "review_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("state_before", sa.String(length=16), nullable=False),
        sa.Column("state_after", sa.String(length=16), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("after", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"], ["cards.id"], name=op.f("fk_review_log_card_id_cards"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_log")),
    )
    with op.batch_alter_table("review_log", schema=None) as batch_op:
        batch_op.create_index("ix_review_log_card_time", ["card_id", "reviewed_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_review_log_reviewed_at"), ["reviewed_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("review_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_log_reviewed_at"))
        batch_op.drop_index("ix_review_log_card_time")

    op.drop_table("review_log")
    with op.batch_alter_table("demo_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demo_runs_demo_name"))

    op.drop_table("demo_runs")
    with op.batch_alter_table("demo_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_demo_links_section_id"))
        batch_op.drop_index(batch_op.f("ix_demo_links_card_id"))

    op.drop_table("demo_links")
    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cards_section_id"))
        batch_op.drop_index("ix_cards_queue")
        batch_op.drop_index("ix_cards_deck_position")
        batch_op.drop_index(batch_op.f("ix_cards_chapter"))

    op.drop_table("cards")
    with op.batch_alter_table("sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sections_deck_id"))

    op.drop_table("sections")
    op.drop_table("settings")
    op.drop_table("decks")
