"""The review state a hashcards collection keeps in its `hashcards.db`, by card hash.

hashcards (src/schema.sql) stores one `cards` row per card hash with its FSRS stability,
difficulty, last review and due date, and one `reviews` row per answer (grade `forgot`, `hard`,
`good` or `easy`). The database is opened read-only and immutable: nothing is ever written to
it, not even a lock. Its timestamps carry no zone and are read as UTC.

The card hash is hashcards' own: BLAKE3 of `Basic` + question + answer, or of `Cloze` + the
text without brackets + the deletion's first and last byte (little-endian 64-bit).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from studyapp.domain.parsing.blake3 import blake3_hex
from studyapp.domain.parsing.model import ImportedReview, PastAnswer

SOURCE = "hashcards"
DATABASE = "hashcards.db"
MAX_CARDS = 200_000
#: A card's answers kept from the log, the latest ones (a hostile file may hold millions).
MAX_ANSWERS_PER_CARD = 1_000
#: hashcards' grades as FSRS ratings.
RATINGS = {"forgot": 1, "hard": 2, "good": 3, "easy": 4}


@dataclass(frozen=True, slots=True)
class HashcardsLog:
    """The states of one collection; its repr is the database's digest, so parse options
    that carry it stay cheap to compare."""

    digest: str
    states: dict[str, ImportedReview] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return f"HashcardsLog({self.digest[:16]})"


def basic_hash(question: str, answer: str) -> str:
    return blake3_hex(b"Basic" + question.encode() + answer.encode())


def cloze_hash(text: str, start: int, end: int) -> str:
    return blake3_hex(
        b"Cloze" + text.encode() + start.to_bytes(8, "little") + end.to_bytes(8, "little")
    )


def _timestamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def read_log(path: Path) -> HashcardsLog:
    """The collection's review states; raises `sqlite3.Error` or `ValueError` for a file
    that is not a hashcards database."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    uri = f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True)
    try:
        answers: dict[str, list[PastAnswer]] = {}
        for card_hash, at, grade, stability, difficulty, due in connection.execute(
            "select card_hash, reviewed_at, grade, stability, difficulty, due_date from reviews "
            "order by card_hash, reviewed_at, review_id"
        ):
            answer = _past_answer(at, grade, stability, difficulty, due)
            if answer is not None:
                answers.setdefault(str(card_hash), []).append(answer)
        rows = connection.execute(
            "select card_hash, last_reviewed_at, stability, difficulty, interval_raw, due_date "
            "from cards where last_reviewed_at is not null and stability is not null "
            "and difficulty is not null and due_date is not null limit ?",
            (MAX_CARDS,),
        ).fetchall()
    finally:
        connection.close()
    states = {}
    for card_hash, last, stability, difficulty, interval, due in rows:
        if not (math.isfinite(stability) and stability > 0 and math.isfinite(difficulty)):
            continue
        due_at = dt.datetime.combine(dt.date.fromisoformat(due), dt.time(), tzinfo=dt.UTC)
        states[str(card_hash)] = ImportedReview(
            source=SOURCE,
            due=due_at,
            stability=float(stability),
            difficulty=min(10.0, max(1.0, float(difficulty))),
            last_review=_timestamp(last),
            lapses=sum(a.rating == 1 for a in answers.get(str(card_hash), ())),
            interval_days=float(interval or 0.0),
            history=tuple(answers.get(str(card_hash), ())[-MAX_ANSWERS_PER_CARD:]),
        )
    return HashcardsLog(digest, states)


def _past_answer(
    at: object, grade: object, stability: object, difficulty: object, due: object
) -> PastAnswer | None:
    """One `reviews` row, or None for a row that does not read as an answer (it is dropped,
    as a row of another tool's database is never trusted)."""
    rating = RATINGS.get(str(grade))
    if rating is None or not isinstance(at, str):
        return None
    try:
        reviewed_at = _timestamp(at)
        due_at = (
            dt.datetime.combine(dt.date.fromisoformat(due), dt.time(), tzinfo=dt.UTC)
            if isinstance(due, str)
            else None
        )
    except ValueError:
        return None
    finite = [
        float(v) if isinstance(v, int | float) and math.isfinite(v) else None
        for v in (stability, difficulty)
    ]
    return PastAnswer(reviewed_at, rating, finite[0], finite[1], due_at)
