"""Book flashcards: `# Flashcards:` files of `#### title`, context, `:p` and `??x … x??`.

These files come from a generator and are messy; every tolerance the format reference lists
is handled here, and a card that still cannot be made is reported, never dropped silently.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import PurePath

from studyapp.domain.parsing.blocks import Blocks, demo_names, join_lines
from studyapp.domain.parsing.model import CardKind, DeckFormat, ParsedCard, ParsedDeck, ParseWarning

DECK_TITLE = re.compile(r"^#\s+Flashcards:\s*(.*?)\s*#*\s*$")
CHAPTER = re.compile(r"^\s*\*\*Starting Chapter:\*\*\s*(.*?)\s*$")
SEPARATOR = re.compile(r"^ {0,3}-{3,}\s*$")
CARD_TITLE = re.compile(r"^ {0,3}#{2,6}\s+(.*?)\s*#*\s*$")
QUESTION = re.compile(r"^\s*:p(?:\s+|$)(.*)$")
OPENER = re.compile(r"^(.*?)\s*\?\?x\s*$")
CLOSER_LINE = {"x??", "x?", "??"}
CLOSER_END = re.compile(r"^(.*?)(?:x\?\?|\s+x\?|\s+\?\?)\s*$")


@dataclass(slots=True)
class _Chunk:
    chapter: str | None
    lines: list[int] = field(default_factory=list)  # 0-based indexes into Blocks.lines


def looks_like_book(blocks: Blocks) -> bool:
    """A `# Flashcards:` title, or both `:p` and `??x` markers, outside code blocks."""
    has_question = has_opener = False
    for index, line in enumerate(blocks.lines):
        if blocks.in_code(index):
            continue
        if DECK_TITLE.match(line):
            return True
        has_question = has_question or bool(QUESTION.match(line))
        has_opener = has_opener or _is_opener(line)
        if has_question and has_opener:
            return True
    return False


def parse_book(path: str, blocks: Blocks) -> ParsedDeck:
    lines = blocks.lines
    title = PurePath(path).stem
    chunks: list[_Chunk] = []
    chapter: str | None = None
    current = _Chunk(chapter)
    for index, line in enumerate(lines):
        if blocks.in_code(index):
            current.lines.append(index)
            continue
        # Cheap first-character tests keep the regexes off ordinary text lines.
        first = line.lstrip()[:1]
        if first not in ("#", "*", "-"):
            current.lines.append(index)
            continue
        if first == "#" and (match := DECK_TITLE.match(line)):
            title = match.group(1) or title
            continue
        if first == "*" and (match := CHAPTER.match(line)):
            chapter = match.group(1) or None
            # A marker inside a card belongs to the cards that follow it.
            if not _has_text(blocks, current.lines):
                current.chapter = chapter
            continue
        if first == "-" and SEPARATOR.match(line):
            chunks.append(current)
            current = _Chunk(chapter)
            continue
        current.lines.append(index)
    chunks.append(current)

    deck = ParsedDeck(path, title, DeckFormat.BOOK, warnings=list(blocks.warnings))
    for chunk in chunks:
        if _has_text(blocks, chunk.lines):
            _parse_chunk(path, blocks, chunk, deck)
    return deck


def _has_text(blocks: Blocks, indexes: list[int]) -> bool:
    return any(blocks.lines[i].strip() for i in indexes)


def _parse_chunk(path: str, blocks: Blocks, chunk: _Chunk, deck: ParsedDeck) -> None:
    lines = blocks.lines
    body = list(chunk.lines)
    title: str | None = None
    title_line = body[0] + 1
    for position, index in enumerate(body):
        if not lines[index].strip():
            continue
        if not blocks.in_code(index) and (match := CARD_TITLE.match(lines[index])):
            title, title_line = match.group(1), index + 1
            body = body[position + 1 :]
        break
    question_at = [
        p for p, i in enumerate(body) if not blocks.in_code(i) and QUESTION.match(lines[i])
    ]
    first_question = question_at[0] if question_at else len(body)
    context_lines = body[:first_question]

    if not question_at:
        opener = _find_opener(blocks, context_lines)
        if opener is None:
            answer = join_lines([lines[i] for i in context_lines])
            context = ""
        else:
            answer = _answer(path, blocks, context_lines[opener:], deck, first=True)
            context = join_lines([lines[i] for i in context_lines[:opener]])
        line = title_line
        if not title:
            deck.warnings.append(ParseWarning(path, line, "card without a title or :p question"))
        elif not answer:
            deck.warnings.append(ParseWarning(path, line, f"card '{title}' has no answer"))
        else:
            deck.cards.append(_card(title, answer, line, title, context, chunk.chapter))
        return

    context = join_lines([lines[i] for i in context_lines])
    bounds = [*question_at, len(body)]
    for start, end in itertools.pairwise(bounds):
        segment = body[start:end]
        line = segment[0] + 1
        opener = _find_opener(blocks, segment)
        if opener is None:
            # No ??x: the question is the :p paragraph, the answer what follows it.
            stop = next((p for p, i in enumerate(segment) if not lines[i].strip()), len(segment))
            question_lines = [lines[i] for i in segment[:stop]]
            answer = join_lines([lines[i] for i in segment[stop:]])
        else:
            question_lines = [lines[i] for i in segment[:opener]]
            head = OPENER.match(lines[segment[opener]])
            if head and head.group(1).strip():
                question_lines.append(head.group(1))
            answer = _answer(path, blocks, segment[opener:], deck, first=False)
        question_lines[0] = QUESTION.match(question_lines[0]).group(1)  # type: ignore[union-attr]
        question = join_lines(question_lines).strip()
        if not question:
            question = title or ""
        if not question:
            deck.warnings.append(ParseWarning(path, line, "empty :p question"))
        elif not answer:
            deck.warnings.append(ParseWarning(path, line, "card without an answer (no ??x … x??)"))
        else:
            deck.cards.append(_card(question, answer, line, title, context, chunk.chapter))


def _is_opener(line: str) -> bool:
    return line.rstrip().endswith("??x") and OPENER.match(line) is not None


def _find_opener(blocks: Blocks, segment: list[int]) -> int | None:
    for position, index in enumerate(segment):
        if not blocks.in_code(index) and _is_opener(blocks.lines[index]):
            return position
    return None


def _answer(path: str, blocks: Blocks, segment: list[int], deck: ParsedDeck, first: bool) -> str:
    """The lines after the `??x` line up to a closer, or to the end of the segment."""
    lines = blocks.lines
    answer: list[str] = []
    rest = segment[1:]
    for position, index in enumerate(rest):
        line = lines[index]
        if blocks.in_code(index):
            answer.append(line)
            continue
        if line.strip() in CLOSER_LINE:
            _trailing(path, blocks, rest[position + 1 :], deck)
            break
        if line.rstrip().endswith(("x?", "??")) and (match := CLOSER_END.match(line)):
            answer.append(match.group(1))
            _trailing(path, blocks, rest[position + 1 :], deck)
            break
        answer.append(line)
    return join_lines(answer)


def _trailing(path: str, blocks: Blocks, rest: list[int], deck: ParsedDeck) -> None:
    text = [i for i in rest if blocks.lines[i].strip()]
    if text:
        deck.warnings.append(
            ParseWarning(path, text[0] + 1, "text after the answer's x?? belongs to no card")
        )


def _card(
    question: str, answer: str, line: int, title: str | None, context: str, chapter: str | None
) -> ParsedCard:
    return ParsedCard(
        kind=CardKind.BASIC,
        question=question,
        answer=answer,
        line=line,
        title=title,
        context=context,
        chapter=chapter,
        demo_names=demo_names(f"{question}\n{answer}\n{context}"),
    )
