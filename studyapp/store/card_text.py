"""What search reads besides the source: each card's text as the screen shows it, and the
vocabulary that a query with no hits is matched against for suggestions.

Rendering is Python (`studyapp.domain.render.render_text`), so the database cannot do it in a
trigger: a trigger of migration 0005 deletes a card's `card_text` row when its text changes,
and `sync_card_text` renders the cards that have none, before a search. Combining marks are
dropped from the rendered text (θ̂ is indexed as θ) because neither FTS5 nor PostgreSQL's
English configuration would match a bare θ against θ̂ otherwise.

Imports neither Textual nor Keras.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from rapidfuzz import fuzz, process
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, CardText
from studyapp.domain.render import render_text

BATCH = 500
SUGGESTIONS = 3
_VOCABULARY_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def without_marks(text: str) -> str:
    """`text` with combining marks (hats, tildes, bars over symbols) removed."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize(
        "NFC", "".join(c for c in decomposed if not unicodedata.combining(c))
    )


def rendered_text(title: str | None, question: str, answer: str, context: str) -> str:
    """The card's fields as the screen renders them, as one searchable text."""
    parts = (title or "", question, answer, context)
    return without_marks("\n".join(render_text(part) for part in parts if part))


def sync_card_text(session: Session) -> int:
    """Render the live cards that have no `card_text` row yet (new or edited since); returns
    how many. Commits nothing itself: the caller's transaction does."""
    stale = session.execute(
        select(Card.id, Card.title, Card.question, Card.answer, Card.context)
        .outerjoin(CardText, CardText.card_id == Card.id)
        .where(Card.retired_at.is_(None), CardText.card_id.is_(None))
    ).all()
    for start in range(0, len(stale), BATCH):
        rows = [
            {"card_id": row.id, "rendered": rendered_text(*row[1:])}
            for row in stale[start : start + BATCH]
        ]
        # Another worker may have rendered some of them in the meantime: replace, don't add.
        session.execute(delete(CardText).where(CardText.card_id.in_([r["card_id"] for r in rows])))
        session.execute(insert(CardText), rows)
    return len(stale)


def refresh_card_text(sessions: sessionmaker[Session]) -> int:
    """`sync_card_text` in a transaction of its own, yielding to a concurrent one."""
    try:
        with sessions.begin() as session:
            return sync_card_text(session)
    except IntegrityError:
        return 0  # another writer rendered the same cards; its rows are as good as ours


def vocabulary(session: Session) -> set[str]:
    """Every word of the live cards' source and rendered text, case-folded."""
    found: set[str] = set()
    rows = session.execute(
        select(Card.title, Card.question, Card.answer, CardText.rendered)
        .outerjoin(CardText, CardText.card_id == Card.id)
        .where(Card.retired_at.is_(None))
    )
    for row in rows:
        for text in row:
            if text:
                found.update(w.casefold() for w in _VOCABULARY_WORD.findall(text))
    return found


def closest_terms(words: Iterable[str], known: set[str], limit: int = SUGGESTIONS) -> list[str]:
    """The known words closest to the words of a query that found nothing: the best match of
    each unknown word in the query's order, then the runners-up by similarity."""
    best: list[str] = []
    others: list[tuple[float, str]] = []
    choices = sorted(known)
    for word in words:
        if word in known:
            continue
        matches = process.extract(word, choices, scorer=fuzz.ratio, limit=limit, score_cutoff=60)
        best += [term for term, _score, _index in matches[:1]]
        others += [(-score, term) for term, score, _index in matches[1:]]
    ranked = best + [term for _score, term in sorted(others)]
    return list(dict.fromkeys(ranked))[:limit]
