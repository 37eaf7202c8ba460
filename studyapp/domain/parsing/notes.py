"""Notes and hand-written cards: headings become a section hierarchy, cards come from
"Term: definition" bullets and from the hand-written syntax of `flashcards/FORMAT.md`.

Both formats are one markdown dialect, so one pass over markdown-it's block tokens serves both.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from typing import Protocol

from markdown_it.token import Token

from studyapp.domain.parsing.blocks import Blocks, demo_names, join_lines
from studyapp.domain.parsing.model import (
    CardKind,
    DeckFormat,
    ParsedCard,
    ParsedDeck,
    ParsedSection,
    ParseWarning,
)

TOC_ENTRY = re.compile(r"^\s*\[[^\]]+\]\(#[^)\s]*\)\s*$")
TOC_LABEL = re.compile(r"^\s*(table of contents|contents|toc)\s*:?\s*$", re.I)
ANKI_CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
HIGHLIGHT = re.compile(r"==(?=\S)(.+?)(?<=\S)==")
REVERSED = re.compile(r"(?:(?<=\s)|^):::(?=\s|$)")
BASIC = re.compile(r"(?:(?<=\s)|^)::(?=\s|$)")
# Each deletion makes a card holding the whole note: a note of thousands of deletions would
# make a quadratic amount of text. Anki's own notes rarely pass a few dozen.
MAX_CLOZES = 50
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
DEFINITION = re.compile(r"^(?P<term>[^:]{1,80}?):\s+(?P<definition>\S.*)$", re.S)
NOT_A_TERM = {
    "note",
    "notes",
    "example",
    "examples",
    "e.g",
    "eg",
    "i.e",
    "steps",
    "tip",
    "warning",
    "todo",
    "see",
    "see also",
    "source",
    "sources",
    "reference",
    "references",
    "update",
    "edit",
    "important",
    "question",
    "answer",
    "hint",
    "caveat",
    "remember",
    "idea",
    "why",
    "how",
}
MAX_TERM_WORDS = 8


class AddCard(Protocol):
    def __call__(
        self,
        kind: CardKind,
        question: str,
        answer: str,
        line: int,
        *,
        generated: bool = False,
        extra: str = "",
    ) -> None: ...


@dataclass(slots=True)
class _Heading:
    index: int
    level: int
    title: str
    line: int  # 0-based


def parse_notes(path: str, blocks: Blocks) -> ParsedDeck:
    deck, section_of_line, hidden = parse_structure(path, blocks)
    _cards(path, blocks, hidden, section_of_line, deck)
    if any(card.kind is not CardKind.DEFINITION for card in deck.cards):
        deck.format = DeckFormat.CARDS
    return deck


def parse_structure(path: str, blocks: Blocks) -> tuple[ParsedDeck, list[int | None], bytearray]:
    """A deck with its title and sections but no cards yet; the section index of each line;
    and the lines of a table of contents (not content). Other dialects share this."""
    lines, tokens = blocks.lines, blocks.tokens
    hidden = bytearray(len(lines))  # lines of a table of contents, not stored as content
    headings: list[_Heading] = []
    title: str | None = None
    for position, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            level = int(token.tag[1])
            text = tokens[position + 1].content.strip()
            headings.append(_Heading(len(headings), level, text, token.map[0]))
            if level == 1 and title is None:
                title = text
        elif token.type == "bullet_list_open" and token.level == 0 and token.map:
            _hide_table_of_contents(tokens, position, blocks, hidden)

    deck = ParsedDeck(
        path, title or PurePath(path).stem, DeckFormat.NOTES, warnings=list(blocks.warnings)
    )
    section_of_line = _sections(path, blocks, headings, hidden, deck)
    return deck, section_of_line, hidden


def _hide_table_of_contents(
    tokens: list[Token], start: int, blocks: Blocks, hidden: bytearray
) -> None:
    depth, entries = 0, 0
    for token in tokens[start:]:
        depth += (
            token.nesting
            if token.type.endswith("_list_open") or token.type.endswith("_list_close")
            else 0
        )
        if token.type == "inline":
            if not TOC_ENTRY.match(token.content):
                return
            entries += 1
        if depth == 0:
            break
    map_ = tokens[start].map
    if not entries or map_ is None:
        return
    first, end = map_
    # The "Table of contents:" label just above the list goes with it.
    above = first - 1
    while above >= 0 and not blocks.lines[above].strip():
        above -= 1
    if above >= 0 and TOC_LABEL.match(blocks.lines[above]):
        first = above
    hidden[first:end] = b"\x01" * (end - first)


def _sections(
    path: str, blocks: Blocks, headings: list[_Heading], hidden: bytearray, deck: ParsedDeck
) -> list[int | None]:
    """Store one section per heading; returns the section index each line belongs to."""
    lines = blocks.lines
    section_of_line: list[int | None] = [None] * len(lines)
    stack: list[ParsedSection] = []
    chapter: str | None = None
    bounds = [h.line for h in headings] + [len(lines)]
    for heading, end in zip(headings, bounds[1:], strict=False):
        while stack and stack[-1].level >= heading.level:
            stack.pop()
        if heading.level <= 2:
            chapter = heading.title if heading.level == 2 else None
        body = [lines[i] for i in range(heading.line + 1, end) if not hidden[i]]
        markdown = join_lines(body)
        section = ParsedSection(
            index=heading.index,
            parent_index=stack[-1].index if stack else None,
            level=heading.level,
            title=heading.title,
            chapter=chapter,
            markdown=markdown,
            line=heading.line + 1,
            end_line=max(heading.line + 1, _last_text_line(lines, heading.line, end)),
            demo_names=demo_names(markdown),
        )
        deck.sections.append(section)
        stack.append(section)
        for i in range(heading.line, end):
            section_of_line[i] = heading.index
    return section_of_line


def _last_text_line(lines: list[str], start: int, end: int) -> int:
    for i in range(end - 1, start, -1):
        if lines[i].strip():
            return i + 1
    return start + 1


def _cards(
    path: str,
    blocks: Blocks,
    hidden: bytearray,
    section_of_line: list[int | None],
    deck: ParsedDeck,
) -> None:
    lines, tokens = blocks.lines, blocks.tokens
    sections = deck.sections
    consumed = bytearray(len(lines))  # lines already part of a multi-line answer

    def place(line: int) -> tuple[int | None, str | None, str | None]:
        index = section_of_line[line]
        if index is None:
            return None, None, None
        section = sections[index]
        card_title = section.title if section.level > 2 else None
        return index, section.chapter, card_title

    def add(
        kind: CardKind,
        question: str,
        answer: str,
        line: int,
        *,
        generated: bool = False,
        extra: str = "",
    ) -> None:
        section, chapter, card_title = place(line)
        deck.cards.append(
            ParsedCard(
                kind=kind,
                question=question.strip(),
                answer=answer.strip(),
                line=line + 1,
                title=card_title,
                chapter=chapter,
                section_index=section,
                demo_names=demo_names(f"{question}\n{answer}\n{extra}"),
                generated=generated,
            )
        )

    for position, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.map is None:
            continue
        start, end = token.map
        if hidden[start] or consumed[start]:
            continue
        content = tokens[position + 1].content
        if _cloze_cards(path, content, start, add, deck):
            continue
        paragraph = content.split("\n")
        if _multiline_card(path, blocks, paragraph, start, end, consumed, add, deck):
            continue
        found = False
        for offset, text in enumerate(paragraph):
            masked = _mask_code_spans(text)
            match = REVERSED.search(masked) or BASIC.search(masked)
            if match is None:
                continue
            found = True
            front, back = text[: match.start()], text[match.end() :]
            if not front.strip() or not back.strip():
                side = "question" if not front.strip() else "answer"
                deck.warnings.append(
                    ParseWarning(path, start + offset + 1, f"card without a {side}: {text.strip()}")
                )
            elif match.re is REVERSED:
                add(CardKind.REVERSED, front, back, start + offset)
                add(CardKind.REVERSED, back, front, start + offset)
            else:
                add(CardKind.BASIC, front, back, start + offset)
        if not found and token.level >= 2 and tokens[position - 1].type == "list_item_open":
            _definition_card(blocks, tokens[position - 1], content, start, add)


def _mask_code_spans(text: str) -> str:
    """The text with inline code blanked out, so `a :: b` inside backticks is no card."""
    return CODE_SPAN.sub(lambda m: "\x00" * len(m.group(0)), text)


def _outside_code(text: str, replace: Callable[[str], str]) -> str:
    """Apply `replace` to the parts of `text` that are not inline code."""
    parts, last = [], 0
    for span in CODE_SPAN.finditer(text):
        parts += [replace(text[last : span.start()]), span.group(0)]
        last = span.end()
    parts.append(replace(text[last:]))
    return "".join(parts)


def _cloze_cards(path: str, content: str, start: int, add: AddCard, deck: ParsedDeck) -> bool:
    masked = _mask_code_spans(content)
    anki = ANKI_CLOZE.findall(masked)
    highlights = HIGHLIGHT.findall(masked)
    if not anki and not highlights:
        return False
    if len(anki) + len(highlights) > MAX_CLOZES * 4:
        # Not even numbered: a note this size is a mistake or an attack, not a card.
        deck.warnings.append(
            ParseWarning(
                path,
                start + 1,
                f"{len(anki) + len(highlights)} cloze deletions in one note; the limit is "
                f"{MAX_CLOZES} cards per note, so this note made none",
            )
        )
        return True
    # Obsidian highlights are numbered after the highest Anki number, in reading order.
    offset = max((int(n) for n, _, _ in anki), default=0)
    counter = iter(range(offset + 1, offset + 1 + len(highlights)))
    text = _outside_code(
        content,
        lambda part: HIGHLIGHT.sub(lambda m: f"{{{{c{next(counter)}::{m.group(1)}}}}}", part),
    )
    found = ANKI_CLOZE.findall(_mask_code_spans(text))
    numbers = sorted({int(n) for n, answer, _ in found if answer.strip()})
    if empty := sorted({int(n) for n, answer, _ in found if not answer.strip()} - set(numbers)):
        deck.warnings.append(
            ParseWarning(
                path,
                start + 1,
                f"empty cloze deletion c{empty[0]} makes no card: {{{{c{empty[0]}::}}}}",
            )
        )
    if len(numbers) > MAX_CLOZES:
        deck.warnings.append(
            ParseWarning(
                path,
                start + 1,
                f"{len(numbers)} cloze deletions in one note; only the first {MAX_CLOZES} "
                "became cards",
            )
        )
        numbers = numbers[:MAX_CLOZES]
    for number in numbers:

        def hide(m: re.Match[str], n: int = number) -> str:
            return f"[{m.group(3) or '…'}]" if int(m.group(1)) == n else m.group(2)

        def show(m: re.Match[str], n: int = number) -> str:
            return f"**{m.group(2)}**" if int(m.group(1)) == n else m.group(2)

        question = _outside_code(text, partial(ANKI_CLOZE.sub, hide))
        answer = _outside_code(text, partial(ANKI_CLOZE.sub, show))
        add(CardKind.CLOZE, question, answer, start)
    return True


def _multiline_card(
    path: str,
    blocks: Blocks,
    paragraph: list[str],
    start: int,
    end: int,
    consumed: bytearray,
    add: AddCard,
    deck: ParsedDeck,
) -> bool:
    marks = [p for p, text in enumerate(paragraph) if text.strip() in ("?", "??")]
    if not marks:
        return False
    mark = marks[0]
    reversed_ = paragraph[mark].strip() == "??"
    question = join_lines(paragraph[:mark])
    # The answer runs to the next blank line outside a code fence, or the next heading.
    lines = blocks.lines
    answer_lines = list(paragraph[mark + 1 :])
    index = end
    while index < len(lines) and (blocks.in_code(index) or lines[index].strip()):
        if not blocks.in_code(index) and lines[index].lstrip().startswith("#"):
            break
        answer_lines.append(lines[index])
        consumed[index] = 1
        index += 1
    answer = join_lines(answer_lines)
    line = start + mark
    if not question or not answer:
        what = "question" if not question else "answer"
        deck.warnings.append(ParseWarning(path, line + 1, f"multi-line card without a {what}"))
        return True
    kind = CardKind.REVERSED if reversed_ else CardKind.BASIC
    add(kind, question, answer, start)
    if reversed_:
        add(kind, answer, question, start)
    return True


def _definition_card(blocks: Blocks, item: Token, content: str, start: int, add: AddCard) -> None:
    first_line = content.split("\n", 1)[0]
    match = DEFINITION.match(content)
    if not match or ":" not in first_line:
        return
    term = " ".join(match.group("term").split())
    if (
        len(term.split()) > MAX_TERM_WORDS
        or not term[0].isalpha()
        or term.casefold().rstrip(".") in NOT_A_TERM
        or any(mark in term for mark in ("[", "`", "$", "http", "*", "=", "{"))
    ):
        return
    definition = " ".join(match.group("definition").split())
    assert item.map is not None
    # Sub-bullets under the definition are part of the answer, as markdown.
    para_end = start + len(content.split("\n"))
    details = [blocks.lines[i] for i in range(para_end, item.map[1])]
    answer = join_lines([definition, *_dedent(details)])
    add(
        CardKind.DEFINITION,
        f"What is meant by “{term}”?",
        answer,
        start,
        generated=True,
    )


def _dedent(lines: list[str]) -> list[str]:
    indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
    cut = min(indents, default=0)
    return [x[cut:] for x in lines]
