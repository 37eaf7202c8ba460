"""The parsed form of a deck: plain frozen dataclasses, each remembering its file and line."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from studyapp.domain.scheduling import MemoryState


class DeckFormat(StrEnum):
    BOOK = "book"
    NOTES = "notes"
    CARDS = "cards"


class Dialect(StrEnum):
    """Whose card syntax a file is read in (see `flashcards/FORMAT.md`)."""

    STUDYAPP = "studyapp"
    OBSIDIAN = "obsidian"  # the Obsidian Spaced Repetition plugin
    HASHCARDS = "hashcards"


class CardKind(StrEnum):
    BASIC = "basic"
    REVERSED = "reversed"
    CLOZE = "cloze"
    DEFINITION = "definition"


class ParseError(Exception):
    """A file that cannot be imported at all. `str()` is the one-line message a user sees."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.message = message

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, str, int | None]]:
        # Raised in the parsing process and re-raised in the importing one: the default
        # pickling would call ParseError(message) and fail to unpickle.
        return (type(self), (self.path, self.message, self.line))


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something in a readable file that did not become a card (or needs the user's eye)."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class ParsedSection:
    index: int
    parent_index: int | None
    level: int
    title: str
    chapter: str | None
    markdown: str
    line: int
    end_line: int
    demo_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PastAnswer:
    """One answer another tool logged for a card: when, the rating (1 Again … 4 Easy) and the
    memory state it left (None where the tool does not say)."""

    reviewed_at: dt.datetime
    rating: int
    stability: float | None = None
    difficulty: float | None = None
    due: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class ImportedReview:
    """Review state another tool kept for a card, carried over when the card is new here.

    Already converted to FSRS terms; `source` names the tool, `interval_days` and `ease` are
    what it stored (ease as a factor, 2.5 for the plugin's 250), kept for messages and tests.
    `history` holds the tool's own log of answers, oldest first, where it keeps one (hashcards
    does; the Obsidian plugin keeps only the latest state).
    """

    source: str
    due: dt.datetime
    stability: float
    difficulty: float
    last_review: dt.datetime
    state: str = "review"
    step: int | None = None
    lapses: int = 0
    interval_days: float = 0.0
    ease: float | None = None
    history: tuple[PastAnswer, ...] = ()

    def memory(self) -> MemoryState:
        """The card's first memory state here. `reps` counts the answers of the other tool's
        log; without a log it is 0 while the state is not "new" (reviewed elsewhere, never
        here: a migrated card)."""
        from studyapp.domain.scheduling import MemoryState

        memory = MemoryState(self.state, self.step, self.stability, self.difficulty)
        return replace(
            memory,
            due=self.due,
            last_review=self.last_review,
            lapses=self.lapses,
            reps=len(self.history),
        )

    def logged_answers(self) -> list[tuple[PastAnswer, MemoryState, MemoryState]]:
        """The other tool's answers with the memory state before and after each, for the
        review log: the states it recorded (the previous one where an answer omits them),
        all in review, as those tools have no learning steps."""
        from studyapp.domain.scheduling import MemoryState

        logged = []
        before = MemoryState()
        for count, answer in enumerate(self.history, start=1):
            after = MemoryState(
                state="review",
                step=None,
                stability=answer.stability if answer.stability is not None else before.stability,
                difficulty=(
                    answer.difficulty if answer.difficulty is not None else before.difficulty
                ),
                due=answer.due,
                last_review=answer.reviewed_at,
                reps=count,
                lapses=before.lapses + (answer.rating == 1),
            )
            logged.append((answer, before, after))
            before = after
        return logged


@dataclass(frozen=True, slots=True)
class ParsedCard:
    kind: CardKind
    question: str
    answer: str
    line: int
    title: str | None = None
    context: str = ""
    chapter: str | None = None
    section_index: int | None = None
    demo_names: tuple[str, ...] = ()
    generated: bool = False
    # Not part of the card's content: applied once, when the card is first stored.
    review: ImportedReview | None = None

    @property
    def content_hash(self) -> str:
        """Changes whenever anything shown on the card changes (not only the question)."""
        text = "\x1f".join(
            (
                self.kind,
                self.title or "",
                self.question,
                self.answer,
                self.context,
                self.chapter or "",
                ",".join(self.demo_names),
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class ParsedDeck:
    path: str
    title: str
    format: DeckFormat
    sections: list[ParsedSection] = field(default_factory=list)
    cards: list[ParsedCard] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list)
    dialect: Dialect = Dialect.STUDYAPP

    def identities(self) -> list[str]:
        """Each card's identity, in order; a repeated question gets an occurrence suffix so
        that two cards asking the same thing are both kept."""
        seen: dict[str, int] = {}
        result = []
        for card in self.cards:
            base = question_key(card.question)
            seen[base] = seen.get(base, 0) + 1
            n = seen[base]
            result.append(question_hash(base if n == 1 else f"{base}\x00{n}"))
        return result


_NON_WORD = re.compile(r"[\W_]+")


def question_key(question: str) -> str:
    """The question with case, punctuation, markup and spacing normalised away."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", question).casefold()).strip()


def question_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]
