"""Full-text search of cards and notes sections, ranked by relevance.

SQLite uses the FTS5 tables of migration 0002 (external content, kept in sync by triggers) and
ranks with bm25; PostgreSQL uses `websearch_to_tsquery` against the weighted `to_tsvector`
expressions that migration 0002 indexes with GIN, ranked with `ts_rank`. Either way a hit's
`score` is "higher is better". A card matches on its source text or on its rendered text
(migration 0005, `studyapp.store.card_text`), so `theta` and `θ` both find `\\hat{\\theta}`.

User text never reaches the FTS5 query parser as syntax: it is split into words, each quoted.
Imports neither Textual nor Keras.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    column,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from db.models import Card, CardText, Deck, Section
from studyapp.store.card_text import closest_terms, refresh_card_text, vocabulary, without_marks

CardState = Literal["new", "learning", "review", "relearning"]
STATES: tuple[CardState, ...] = ("new", "learning", "review", "relearning")
NOTES_FORMAT = "notes"  # `DeckFormat.NOTES`: sections that are prose, not card syntax

# Keep identical to PG_CARD_VECTOR / PG_SECTION_VECTOR in migration 0002: the GIN indexes
# are on these expressions, and PostgreSQL uses an expression index only for the same expression.
CARD_VECTOR_SQL = (
    "setweight(to_tsvector('english'::regconfig, coalesce(cards.title, '')), 'A') || "
    "setweight(to_tsvector('english'::regconfig, cards.question), 'B') || "
    "setweight(to_tsvector('english'::regconfig, cards.answer), 'C') || "
    "setweight(to_tsvector('english'::regconfig, "
    "cards.context || ' ' || coalesce(cards.chapter, '')), 'D')"
)
SECTION_VECTOR_SQL = (
    "setweight(to_tsvector('english'::regconfig, sections.title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, sections.markdown), 'B')"
)
# bm25 column weights for cards_fts(title, question, answer, context, chapter): a word in the
# title or question says more about a card than one in its context.
BM25 = {
    "cards": "bm25(cards_fts, 6.0, 4.0, 2.0, 1.0, 1.0)",
    "sections": "bm25(sections_fts, 4.0, 1.0)",
}
PG_VECTORS = {"cards": CARD_VECTOR_SQL, "sections": SECTION_VECTOR_SQL}
# Keep identical to PG_RENDERED_VECTOR in migration 0005 (the GIN index's expression).
RENDERED_VECTOR_SQL = "to_tsvector('english'::regconfig, card_text.rendered)"
# A word found only in the rendered text counts like one in the answer.
RENDERED_BM25 = "bm25(card_text_fts) * 2.0"

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_MATH_OR_CODE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|\]\([^)]*\)", re.DOTALL)
# Words that say nothing about a topic; left out of the "related notes" query.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our out over own same she should
    so some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you your
    yours one two use uses used using get gets make makes made way ways many much may might must
    given thus hence e g i e etc via per every example called""".split()  # noqa: SIM905
)


@dataclass(frozen=True, slots=True)
class CardHit:
    """One card found by `search_cards`: what the browser's table shows."""

    card_id: int
    deck_id: int
    deck: str
    chapter: str | None
    title: str | None
    question: str
    state: str
    due: dt.datetime | None
    suspended: bool
    flag: int
    score: float
    buried_until: dt.datetime | None = None

    def shown_state(self, now: dt.datetime) -> str:
        """What the browser calls the card: suspended and buried before its FSRS state."""
        if self.suspended:
            return "suspended"
        if self.buried_until is not None and self.buried_until > now:
            return "buried"
        return self.state


@dataclass(frozen=True, slots=True)
class CardFilters:
    """The browser's filters; None means "any"."""

    deck_id: int | None = None
    chapter: str | None = None
    state: CardState | None = None
    due_now: dt.datetime | None = None
    """Learned cards whose due time has come by then."""
    suspended: bool | None = None
    flagged: bool | None = None
    buried_at: dt.datetime | None = None
    """Only the cards buried at that moment."""


@dataclass(frozen=True, slots=True)
class SectionHit:
    """A notes section found by `related_sections` or `search_sections`."""

    section_id: int
    deck_id: int
    deck: str
    title: str
    chapter: str | None
    score: float


def words(query: str) -> list[str]:
    """The words of a query, lower-cased, marks dropped (θ̂ is θ), in order, once each."""
    return list(dict.fromkeys(w.casefold() for w in _WORD.findall(without_marks(query))))


def fts5_query(query: str, *, any_word: bool = False, prefix: bool = True) -> str:
    """A safe FTS5 MATCH expression: every word quoted; all words (AND) or any (OR)."""
    terms = [f'"{w}"' + ("*" if prefix else "") for w in words(query)]
    return (" OR " if any_word else " ").join(terms)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def search_cards(
    sessions: sessionmaker[Session],
    query: str = "",
    *,
    limit: int = 200,
    offset: int = 0,
    **filters: Any,
) -> list[CardHit]:
    """Cards matching `query` (all of its words), best first; with no words, all cards in deck
    order. `filters` are the fields of `CardFilters`. Retired cards never. One page of
    `limit` hits from `offset`; `count_cards` gives the total."""
    refresh_card_text(sessions)
    with sessions() as session:
        return _search_cards(session, query, CardFilters(**filters), limit, offset)


def count_cards(sessions: sessionmaker[Session], query: str = "", **filters: Any) -> int:
    """How many cards `search_cards` would find over all its pages."""
    with sessions() as session:
        stmt = _matching(session, select(func.count(Card.id)), query, CardFilters(**filters))[0]
        return session.scalar(stmt) or 0


def suggest_terms(sessions: sessionmaker[Session], query: str) -> list[str]:
    """For a query that found nothing: the closest words the cards do contain."""
    with sessions() as session:
        return closest_terms(words(query), vocabulary(session))


def _matching(
    session: Session, stmt: Select, query: str, filters: CardFilters
) -> tuple[Select, ColumnElement[float]]:
    score: ColumnElement[float] = literal_column("0.0", Float)
    if words(query):
        stmt, score = _ranked_cards(session, stmt, query)
    return _card_filters(stmt, filters), score


def _search_cards(
    session: Session, query: str, filters: CardFilters, limit: int, offset: int
) -> list[CardHit]:
    stmt = select(
        Card.id.label("card_id"),
        Card.deck_id,
        Deck.title.label("deck"),
        Card.chapter,
        Card.title,
        Card.question,
        Card.state,
        Card.due,
        Card.suspended,
        Card.flag,
        Card.buried_until,
    ).join(Deck, Card.deck_id == Deck.id)
    stmt, score = _matching(session, stmt, query, filters)
    stmt = stmt.add_columns(score.label("score"))
    order = (score.desc(), Card.id) if words(query) else (Deck.title, Card.position, Card.id)
    rows = session.execute(stmt.order_by(*order).limit(limit).offset(offset))
    return [CardHit(**row._asdict()) for row in rows]


def _ranked_cards(
    session: Session, stmt: Select, query: str
) -> tuple[Select, ColumnElement[float]]:
    """`stmt` narrowed to the cards whose source or rendered text matches every word."""
    if _is_postgres(session):
        tsquery = func.websearch_to_tsquery(
            literal_column("'english'::regconfig"), " ".join(words(query))
        )
        source: ColumnElement[Any] = literal_column(CARD_VECTOR_SQL)
        rendered: ColumnElement[Any] = literal_column(RENDERED_VECTOR_SQL)
        stmt = stmt.outerjoin(CardText, CardText.card_id == Card.id).where(
            or_(source.op("@@")(tsquery), rendered.op("@@")(tsquery))
        )
        score = func.greatest(
            func.ts_rank(source, tsquery, type_=Float),
            func.coalesce(func.ts_rank(rendered, tsquery, type_=Float), 0.0),
        )
        return stmt, score
    hits = (
        text(
            f"SELECT id, max(score) AS score FROM ("
            f"SELECT rowid AS id, -{BM25['cards']} AS score FROM cards_fts "
            "WHERE cards_fts MATCH :match UNION ALL "
            f"SELECT rowid AS id, -{RENDERED_BM25} AS score FROM card_text_fts "
            "WHERE card_text_fts MATCH :match) GROUP BY id"
        )
        .bindparams(match=fts5_query(query))
        .columns(column("id", Integer), column("score", Float))
        .subquery("hits")
    )
    return stmt.join(hits, hits.c.id == Card.id), hits.c.score


def _ranked(
    session: Session,
    stmt: Select,
    query: str,
    table: str,
    id_column: InstrumentedAttribute[int],
    *,
    any_word: bool,
    prefix: bool,
) -> tuple[Select, ColumnElement[float]]:
    """`stmt` narrowed to the rows matching `query`, and their relevance (higher is better)."""
    if _is_postgres(session):
        joined = (" or " if any_word else " ").join(words(query))
        tsquery = func.websearch_to_tsquery(literal_column("'english'::regconfig"), joined)
        vector: ColumnElement[Any] = literal_column(PG_VECTORS[table])
        return stmt.where(vector.op("@@")(tsquery)), func.ts_rank(vector, tsquery, type_=Float)
    fts = f"{table}_fts"
    hits = (
        text(f"SELECT rowid AS id, -{BM25[table]} AS score FROM {fts} WHERE {fts} MATCH :match")
        .bindparams(match=fts5_query(query, any_word=any_word, prefix=prefix))
        .columns(column("id", Integer), column("score", Float))
        .subquery("hits")
    )
    return stmt.join(hits, hits.c.id == id_column), hits.c.score


def _card_filters(stmt: Select, filters: CardFilters) -> Select:
    stmt = stmt.where(Card.retired_at.is_(None))
    if filters.deck_id is not None:
        stmt = stmt.where(Card.deck_id == filters.deck_id)
    if filters.chapter is not None:
        stmt = stmt.where(Card.chapter == filters.chapter)
    if filters.state is not None:
        stmt = stmt.where(Card.state == filters.state)
    if filters.due_now is not None:
        stmt = stmt.where(Card.state != "new", Card.due <= filters.due_now)
    if filters.suspended is not None:
        stmt = stmt.where(Card.suspended.is_(filters.suspended))
    if filters.flagged is not None:
        stmt = stmt.where((Card.flag != 0) if filters.flagged else (Card.flag == 0))
    if filters.buried_at is not None:
        stmt = stmt.where(Card.buried_until > filters.buried_at)
    return stmt


def significant_words(text_: str, limit: int = 24) -> list[str]:
    """The words that say what a text is about: no math, code or link targets, no stopwords,
    most frequent first."""
    prose = _MATH_OR_CODE.sub(" ", text_)
    counts = Counter(
        w.casefold()
        for w in _WORD.findall(prose)
        if len(w) > 2 and not w.isdigit() and w.casefold() not in STOPWORDS
    )
    return [w for w, _n in counts.most_common(limit)]


def search_sections(
    sessions: sessionmaker[Session], query: str, *, any_word: bool = False, limit: int = 20
) -> list[SectionHit]:
    """Notes sections matching `query` (all words, or any word), best first."""
    with sessions() as session:
        return _search_sections(session, query, any_word=any_word, limit=limit)


def _search_sections(
    session: Session,
    query: str,
    *,
    any_word: bool = False,
    limit: int = 20,
    notes_only: bool = False,
) -> list[SectionHit]:
    terms = words(query)
    if not terms:
        return []
    stmt = select(
        Section.id.label("section_id"),
        Section.deck_id,
        Deck.title.label("deck"),
        Section.title,
        Section.chapter,
    ).join(Deck, Section.deck_id == Deck.id)
    if notes_only:
        stmt = stmt.where(Deck.format == NOTES_FORMAT)
    stmt, score = _ranked(
        session, stmt, query, "sections", Section.id, any_word=any_word, prefix=False
    )
    stmt = stmt.add_columns(score.label("score")).order_by(score.desc(), Section.id).limit(limit)
    return [SectionHit(**row._asdict()) for row in session.execute(stmt)]


def related_sections(
    sessions: sessionmaker[Session], card_id: int, limit: int = 5
) -> list[SectionHit]:
    with sessions() as session:
        return related_sections_in(session, session.get_one(Card, card_id), limit)


def related_sections_in(session: Session, card: Card, limit: int = 5) -> list[SectionHit]:
    """The notes sections closest to a card: an OR query of the card's significant words,
    ranked by the backend's full-text relevance. Only sections of notes decks: a section of a
    hand-written cards file is card syntax (`q :: a`), not notes to read."""
    source = f"{card.title or ''}\n{card.title or ''}\n{card.question}\n{card.answer}"
    terms = significant_words(source)
    if not terms:
        return []
    return _search_sections(session, " ".join(terms), any_word=True, limit=limit, notes_only=True)


def filter_choices(sessions: sessionmaker[Session]) -> tuple[list[tuple[int, str]], list[str]]:
    """The browser's filters: (deck id, title) of decks with live cards, and their chapters
    in natural order."""
    from studyapp.domain.book_title import natural_key

    with sessions() as session:
        decks = [
            (deck_id, title)
            for deck_id, title in session.execute(
                select(Deck.id, Deck.title)
                .where(Deck.id.in_(select(Card.deck_id).where(Card.retired_at.is_(None))))
                .order_by(Deck.title)
            )
        ]
        chapters = session.scalars(
            select(Card.chapter)
            .where(Card.retired_at.is_(None), Card.chapter.is_not(None))
            .distinct()
        ).all()
    return decks, sorted((c for c in chapters if c), key=natural_key)
