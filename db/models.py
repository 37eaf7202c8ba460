"""Typed SQLAlchemy 2 models of the study database.

Every datetime is stored and returned as timezone-aware UTC (see `UTCDateTime`): scheduling code
compares them with a "now" that is always UTC, and a naive value would silently shift by the
local offset. The schema itself is created only by the Alembic migrations in `db/migrations`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Generic, TypeVar, overload

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ColumnElement,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints, so that migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A datetime column that only accepts aware datetimes and always returns UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: studyapp stores UTC only")
        value = value.astimezone(dt.UTC)
        # SQLite has no time zone type: store naive UTC text that sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Deck(Base):
    """One imported markdown file; the part files of one book share `title` and `book_key`."""

    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_path: Mapped[str] = mapped_column(String(1024), unique=True)
    # The display name: the book's cleaned title, or what `studyapp deck rename` chose.
    title: Mapped[str] = mapped_column(String(512))
    # The title as the file gives it, kept so the display name can be derived again.
    source_title: Mapped[str] = mapped_column(String(512), server_default="")
    book_key: Mapped[str] = mapped_column(String(512), server_default="", index=True)
    part: Mapped[int | None]
    renamed: Mapped[bool] = mapped_column(Boolean, server_default=false())
    format: Mapped[str] = mapped_column(String(32))
    content_hash: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime]

    sections: Mapped[list[Section]] = relationship(
        back_populates="deck", cascade="all, delete-orphan", passive_deletes=True
    )
    cards: Mapped[list[Card]] = relationship(back_populates="deck", passive_deletes=True)


class Section(Base):
    """A heading of a notes file with its own markdown body (the hierarchy is parent_id)."""

    __tablename__ = "sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"))
    position: Mapped[int]
    level: Mapped[int]
    title: Mapped[str] = mapped_column(String(512))
    chapter: Mapped[str | None] = mapped_column(String(512))
    markdown: Mapped[str] = mapped_column(Text)
    source_line: Mapped[int]
    end_line: Mapped[int]

    deck: Mapped[Deck] = relationship(back_populates="sections")


class Learner(Base):
    """One person studying: the owner of card states, answers, settings and demo runs.

    `role_name` is the PostgreSQL role the learner logs in as, when each learner is a role
    (row-level security keys on it); None where the app itself picks the learner (SQLite, or a
    server reached through the admin role).
    """

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role_name: Mapped[str | None] = mapped_column(String(63), unique=True)
    created_at: Mapped[dt.datetime]


class PerLearner:
    """A table whose rows belong to one learner: sessions bound to a learner read and write
    only that learner's rows (see `db.learner_scope`)."""

    learner_id: Mapped[int]


class CardState(PerLearner, Base):
    """One learner's FSRS memory of one card and their own marks on it (suspended, buried,
    flag). A card without a row is new to that learner."""

    __tablename__ = "card_states"
    __table_args__ = (
        Index("ix_card_states_queue", "learner_id", "state", "due"),
        # Statistics: per-chapter mastery and the hardest cards, read from the index.
        Index(
            "ix_card_states_stats",
            "learner_id",
            "card_id",
            "state",
            "reps",
            "lapses",
            "stability",
            "last_review",
        ),
        # SQLite: the rows themselves in (learner, card) order, so joining a card to its
        # learner's state is one seek with every column at hand.
        {"sqlite_with_rowid": False},
    )

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="new")
    step: Mapped[int | None] = mapped_column(Integer, default=0)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[dt.datetime | None]
    last_review: Mapped[dt.datetime | None]
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[dt.datetime | None]
    flag: Mapped[int] = mapped_column(Integer, default=0)


T = TypeVar("T")


class Memory(Generic[T]):
    """A column of the session's learner's `CardState`, read and written as the card's own.

    On an instance it is the learner's value (the default while the card is new to them);
    setting it creates the learner's row. On the class it is a correlated subquery, which
    `db.learner_scope` narrows to the session's learner, so `select(Card).where(Card.state ==
    "new")` means "new to this learner" without a join in every query.
    """

    def __init__(self, default: T) -> None:
        self.default = default

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, card: None, owner: type[Card]) -> ColumnElement[T]: ...
    @overload
    def __get__(self, card: Card, owner: type[Card]) -> T: ...
    def __get__(self, card: Card | None, owner: type[Card]) -> ColumnElement[T] | T:
        if card is None:
            column = getattr(CardState, self.name)
            value: ColumnElement[Any] = (
                select(column).where(CardState.card_id == owner.id).scalar_subquery()
            )
            if self.default is not None:
                value = func.coalesce(value, self.default)
            return value.label(self.name)
        memory = card.memory
        return self.default if memory is None else getattr(memory, self.name)

    def __set__(self, card: Card, value: T) -> None:
        if card.memory is None:
            # The learner is filled in at flush, from the session (see db.learner_scope).
            card.memory = CardState(**{name: m.default for name, m in MEMORY_FIELDS.items()})
        setattr(card.memory, self.name, value)


class Card(Base):
    """A flashcard: shared content, with the session's learner's memory of it.

    `identity` is the hash of the normalised question within the deck: it survives re-imports,
    so the review history stays with the card. `retired_at` is set when the source text is
    gone; the row and its history are kept and come back if the text returns.
    """

    __tablename__ = "cards"
    __table_args__ = (
        UniqueConstraint("deck_id", "identity", name="uq_cards_deck_identity"),
        Index("ix_cards_deck_position", "deck_id", "position"),
        # Statistics (migration 0007): a scope's cards per chapter, and a live card's chapter
        # and deck from its id, read from the index instead of the rows and their text.
        Index("ix_cards_scope", "chapter", "deck_id", "retired_at"),
        Index("ix_cards_live", "retired_at", "id", "chapter", "deck_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("sections.id", ondelete="SET NULL"), index=True
    )
    identity: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    generated: Mapped[bool] = mapped_column(Boolean, default=False)
    title: Mapped[str | None] = mapped_column(String(512))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    context: Mapped[str] = mapped_column(Text, default="")
    chapter: Mapped[str | None] = mapped_column(String(512))
    source_file: Mapped[str] = mapped_column(String(1024))
    source_line: Mapped[int]
    position: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    retired_at: Mapped[dt.datetime | None]

    # The session's learner's memory (a session bound to a learner loads only theirs),
    # loaded with the card, so a card read in one session still knows it after.
    memory: Mapped[CardState | None] = relationship(
        uselist=False, lazy="joined", cascade="save-update, merge", passive_deletes=True
    )
    # FSRS memory state. "new" cards have no stability yet.
    state = Memory[str]("new")
    step = Memory[int | None](0)
    stability = Memory[float | None](None)
    difficulty = Memory[float | None](None)
    due = Memory[dt.datetime | None](None)
    last_review = Memory[dt.datetime | None](None)
    reps = Memory[int](0)
    lapses = Memory[int](0)
    suspended = Memory[bool](False)
    buried_until = Memory[dt.datetime | None](None)
    flag = Memory[int](0)

    deck: Mapped[Deck] = relationship(back_populates="cards")
    demo_links: Mapped[list[DemoLink]] = relationship(
        back_populates="card", cascade="all, delete-orphan", passive_deletes=True
    )


MEMORY_FIELDS: dict[str, Memory[Any]] = {
    name: value for name, value in vars(Card).items() if isinstance(value, Memory)
}


class CardText(Base):
    """A card's text as the screen shows it: math rendered to Unicode, the accents of symbols
    dropped, so that a search for θ finds the card whose source says `\\hat{\\theta}`.

    Derived data, indexed for full-text search by migration 0005: a trigger deletes a card's
    row whenever its text changes, and `studyapp.store.card_text` renders the missing rows.
    """

    __tablename__ = "card_text"

    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    rendered: Mapped[str] = mapped_column(Text)


class ReviewLog(PerLearner, Base):
    """One row per answer; `before`/`after` hold the full scheduling state, so undo is exact."""

    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_log_card_time", "learner_id", "card_id", "reviewed_at"),
        # Statistics (migration 0003): every daily and weekly figure is a range scan of this.
        Index(
            "ix_review_log_stats",
            "learner_id",
            "reviewed_at",
            "card_id",
            "state_before",
            "rating",
            "duration_ms",
            "previous_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    reviewed_at: Mapped[dt.datetime] = mapped_column(index=True)
    rating: Mapped[int] = mapped_column(
        Integer, CheckConstraint("rating BETWEEN 1 AND 4", name="rating_range")
    )
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    state_before: Mapped[str] = mapped_column(String(16))
    state_after: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, Any]]
    after: Mapped[dict[str, Any]]
    # The card's previous answer time, for young/mature retention. Kept exact by migration
    # 0003's triggers (also across undo and out-of-order inserts); the app never writes it.
    previous_at: Mapped[dt.datetime | None] = mapped_column(
        server_default=FetchedValue(), server_onupdate=FetchedValue()
    )


class DemoLink(Base):
    """A card or a notes section linked to a demo, explicitly (`demo:` link) or automatically."""

    __tablename__ = "demo_links"
    __table_args__ = (
        CheckConstraint("(card_id IS NULL) <> (section_id IS NULL)", name="card_xor_section"),
        UniqueConstraint("card_id", "section_id", "demo_name", name="uq_demo_links_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[int | None] = mapped_column(
        ForeignKey("sections.id", ondelete="CASCADE"), index=True
    )
    demo_name: Mapped[str] = mapped_column(String(64))
    explicit: Mapped[bool] = mapped_column(Boolean)

    card: Mapped[Card | None] = relationship(back_populates="demo_links")


class DemoRun(PerLearner, Base):
    """One launch of a demo: parameters, device, outcome and where its artifacts went."""

    __tablename__ = "demo_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), index=True
    )
    demo_name: Mapped[str] = mapped_column(String(64), index=True)
    card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="SET NULL"), index=True
    )
    parameters: Mapped[dict[str, Any]]
    backend: Mapped[str | None] = mapped_column(String(32))
    device: Mapped[str | None] = mapped_column(String(256))
    precision: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime]
    ended_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(16))
    exit_code: Mapped[int | None]
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    artifacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    artifact_dir: Mapped[str | None] = mapped_column(String(1024))
    stderr_tail: Mapped[str] = mapped_column(Text, default="")


class Setting(PerLearner, Base):
    """A learner's setting (desired retention, limits, day boundary...) as a JSON value."""

    __tablename__ = "settings"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
