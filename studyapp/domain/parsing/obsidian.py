"""Notes written for the Obsidian Spaced Repetition plugin, read by the plugin's own rules.

`split_flashcards` is a line-by-line port of the plugin's `parse()` (src/parser.ts): `::` and
`:::` anywhere on a line, with or without spaces (longest separator first); a question of
several lines, then a line holding only `?` or `??`, then the answer, up to a blank line (or up
to the end marker, when one is set); cloze deletions of the configured patterns; nothing from
fenced code, inline code or HTML comments. Each flashcard is then expanded as the plugin does:
a question-specific `#tag` at its start, its `<!--SR:…-->` schedule and its `^block-id` are
taken off, a reversed flashcard makes two cards, a cloze flashcard one per card of its
deletions. Where the plugin differs by accident (it drops the line after an HTML comment, and
everything after a comment whose first line does not close it) the comment alone is skipped.

Decks: a flashcard belongs to the deck of its own leading tag, else of the last flashcard tag
line above it, else of the front matter's tags, else of the note's first flashcard tag (with
`convertFoldersToDecks`, of its folder). The deck path most of the note's flashcards carry
(`#flashcards/biology/cells` → `biology/cells`; the first on a tie) is the note's deck title,
so notes tagged alike anywhere in the vault are one deck; a bare `#flashcards` keeps the note's
own title. A flashcard of another deck path keeps that path as its chapter.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, replace
from enum import Enum

from studyapp.domain.parsing import cloze_patterns as cloze
from studyapp.domain.parsing.blocks import demo_names, parse_blocks
from studyapp.domain.parsing.dialect import (
    ObsidianSettings,
    ParseOptions,
    front_matter,
    front_matter_tags,
    is_flashcard_tag,
    line_tags,
    mask_code,
)
from studyapp.domain.parsing.model import (
    CardKind,
    DeckFormat,
    Dialect,
    ImportedReview,
    ParsedCard,
    ParsedDeck,
    ParseWarning,
)
from studyapp.domain.parsing.notes import parse_structure
from studyapp.domain.parsing.sr_schedule import schedules

SR_CALLOUT = "> [!sr|card-metadata]"
SR_ANYWHERE = re.compile(r"<!--SR:.+-->")
QUESTION_TAG = re.compile(r"#[^\s#]+")
BLOCK_ID = re.compile(r" (\^[a-zA-Z0-9-]+)$")
LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d{1,9}[.)])\s+(?:\[.\]\s+)?")
FENCE_RUN = re.compile(r"`+|~+")
MAX_CARDS_PER_FLASHCARD = 50
# Each cloze card holds the whole note: thousands of deletions would be quadratic text.
MAX_DELETIONS = 200


class Shape(Enum):
    """The plugin's CardType."""

    SINGLE_LINE_BASIC = "single-line basic"
    SINGLE_LINE_REVERSED = "single-line reversed"
    MULTI_LINE_BASIC = "multi-line basic"
    MULTI_LINE_REVERSED = "multi-line reversed"
    CLOZE = "cloze"


SINGLE_LINE = (Shape.SINGLE_LINE_BASIC, Shape.SINGLE_LINE_REVERSED)


@dataclass(frozen=True, slots=True)
class Flashcard:
    """One flashcard text as the plugin's parser finds it (lines 0-based, inclusive)."""

    shape: Shape
    text: str
    first: int
    last: int


def patterns_of(settings: ObsidianSettings) -> tuple[tuple[cloze.ClozePattern, ...], list[str]]:
    """The usable cloze patterns, and a problem for each one that is not."""
    return cloze.usable_patterns(settings.cloze_patterns)


def _has_marker(line: str, separator: str) -> bool:
    return bool(separator) and separator in line and separator in mask_code(line)


def split_flashcards(
    lines: list[str],
    settings: ObsidianSettings,
    patterns: tuple[cloze.ClozePattern, ...],
    code: bytearray | None = None,
    budget: cloze.SearchBudget | None = None,
) -> list[Flashcard]:
    """The plugin's `parse()`: flashcard texts in file order. `code` marks lines inside code
    blocks the plugin's own fence rule misses (indented fences, indented code)."""
    inline = sorted(
        [
            (settings.single_line, Shape.SINGLE_LINE_BASIC),
            (settings.single_line_reversed, Shape.SINGLE_LINE_REVERSED),
        ],
        key=lambda item: len(item[0]),
        reverse=True,
    )
    end_marker = settings.end_marker
    found: list[Flashcard] = []
    text, shape, first = "", None, 0
    count, i = len(lines), 0
    while i < count:
        line = lines[i]
        trimmed = line.strip()
        if line.startswith("<!--") and not line.startswith("<!--SR:"):
            while i + 1 < count and "-->" not in lines[i]:
                i += 1
            i += 1
            continue
        empty = not trimmed
        if (empty and (not end_marker or shape is None)) or (end_marker and trimmed == end_marker):
            if shape is not None:
                found.append(Flashcard(shape, text.rstrip(), first, i - 1))
                shape = None
            text, first = "", i + 1
            i += 1
            continue
        text = f"{text}\n{line.rstrip()}" if text else line.rstrip()
        if code is not None and code[i] and not line.startswith(("```", "~~~")):
            i += 1
            continue
        for separator, kind in inline:
            if _has_marker(line, separator):
                shape = kind
                break
        if shape in SINGLE_LINE:
            assert shape is not None
            text, first = line, i
            if i + 1 < count and lines[i + 1].startswith("<!--SR:"):
                text += "\n" + lines[i + 1]
                i += 1
            elif i + 1 < count and lines[i + 1].startswith(SR_CALLOUT):
                for j in range(i + 1, count):
                    text += "\n" + lines[j]
                    i += 1
                    if "<!--SR:" in lines[j]:
                        break
            found.append(Flashcard(shape, text, first, i))
            shape, text = None, ""
        elif trimmed == settings.multiline:
            if len(text) > 1:
                shape = Shape.MULTI_LINE_BASIC
        elif trimmed == settings.multiline_reversed:
            if len(text) > 1:
                shape = Shape.MULTI_LINE_REVERSED
        elif line.startswith(("```", "~~~")):
            run = FENCE_RUN.match(line)
            close = run.group(0) if run else line[:3]
            while i + 1 < count and not lines[i + 1].startswith(close):
                i += 1
                text += "\n" + lines[i]
            text += "\n" + close
            i += 1
        elif shape is None and patterns and cloze.note_type(mask_code(line), patterns, budget):
            shape = Shape.CLOZE
        i += 1
    if shape is not None and text:
        found.append(Flashcard(shape, text.rstrip(), first, count - 1))
    return found


@dataclass(frozen=True, slots=True)
class Side:
    kind: CardKind
    front: str
    back: str


def _without_schedule(text: str) -> str:
    """The flashcard without its `<!--SR:…-->` comment and what is left of its callout."""
    lines = SR_ANYWHERE.sub("", text).split("\n")
    callout = next((n for n, line in enumerate(lines) if line.startswith(SR_CALLOUT)), None)
    if callout is not None:
        rest = [line for line in lines[callout + 1 :] if line[:1] != ">" or line[1:].strip()]
        lines = lines[:callout] + rest
    return "\n".join(lines)


def question_text(flashcard: Flashcard) -> tuple[str, str | None]:
    """The flashcard without schedule, leading tag and block id; and that tag, if any."""
    text = _without_schedule(flashcard.text).rstrip()
    tag = None
    stripped = text.lstrip()
    if match := QUESTION_TAG.match(stripped):
        tag = match.group(0)
        text = stripped[match.end() :].lstrip()
    if match := BLOCK_ID.search(text):
        text = text[: match.start()].rstrip()
    return text, tag


def _split_at(text: str, separator: str) -> tuple[str, str]:
    at = mask_code(text).find(separator)
    if at < 0:
        at = text.find(separator)
    return text[:at], text[at + len(separator) :]


def _split_at_line(text: str, separator: str) -> tuple[str, str]:
    lines = text.split("\n")
    at = next((n for n, line in enumerate(lines) if line.strip() == separator), len(lines))
    return "\n".join(lines[:at]), "\n".join(lines[at + 1 :])


def expand(
    flashcard: Flashcard,
    text: str,
    settings: ObsidianSettings,
    patterns: tuple[cloze.ClozePattern, ...],
    budget: cloze.SearchBudget | None = None,
) -> list[Side] | None:
    """The cards of one flashcard, in the plugin's order (its schedules follow this order);
    None for a cloze flashcard with more deletions than any note of cards should hold."""
    shape = flashcard.shape
    if shape is Shape.CLOZE:
        masked = mask_code(text)
        kind = cloze.note_type(masked, patterns, budget)
        if kind is None:
            return []
        found = cloze.deletions(text, patterns, kind, masked, MAX_DELETIONS, budget)
        if len(found) > MAX_DELETIONS:
            return None
        sides = []
        for card in range(min(cloze.card_count(kind, found), MAX_CARDS_PER_FLASHCARD)):
            front, back, asked = cloze.card_sides(text, kind, found, card)
            sides.append(
                Side(CardKind.CLOZE, front, back) if asked else Side(CardKind.CLOZE, "", "")
            )
        return sides
    if shape in SINGLE_LINE:
        separator = (
            settings.single_line
            if shape is Shape.SINGLE_LINE_BASIC
            else settings.single_line_reversed
        )
        front, back = _split_at(text, separator)
        front = LIST_MARKER.sub("", front, count=1)
    else:
        separator = (
            settings.multiline if shape is Shape.MULTI_LINE_BASIC else settings.multiline_reversed
        )
        front, back = _split_at_line(text, separator)
    if shape in (Shape.SINGLE_LINE_REVERSED, Shape.MULTI_LINE_REVERSED):
        return [Side(CardKind.REVERSED, front, back), Side(CardKind.REVERSED, back, front)]
    return [Side(CardKind.BASIC, front, back)]


def _deck_lookup(
    lines: list[str],
    code: bytearray,
    front: str,
    flashcards: list[Flashcard],
    tags: tuple[str, ...],
) -> tuple[list[str], list[tuple[int, str]], list[tuple[int, str]]]:
    """Front matter flashcard tags; content flashcard tags not on a flashcard's lines (the
    note-level ones); and every content flashcard tag."""
    front_tags = [t for t in front_matter_tags(front) if is_flashcard_tag(t, tags)]
    content = [(n, t) for n, t in line_tags(lines, code) if is_flashcard_tag(t, tags)]
    covered = bytearray(len(lines))
    for flashcard in flashcards:
        covered[flashcard.first : flashcard.last + 1] = b"\x01" * (
            flashcard.last + 1 - flashcard.first
        )
    note_level = [(n, t) for n, t in content if not covered[n]]
    return front_tags, note_level, content


def _topic(tag: str) -> str | None:
    parts = [p for p in tag.lstrip("#").split("/") if p]
    return "/".join(parts) or None


def deck_path(tag: str | None, tags: tuple[str, ...]) -> str:
    """The deck a tag names, as studyapp shows it: its path below the flashcard tag it is
    (`#flashcards/biology/cells` → `biology/cells`), "" for a bare flashcard tag (no deck of
    its own). When the settings name several flashcard tags the tag's own name stays in front
    (`#spanish/verbs` → `spanish/verbs`), so that decks of different tags stay apart; a tag
    that is no flashcard tag (a question's own `#tag`) is its whole path."""
    path = _topic(tag) if tag else None
    if path is None:
        return ""
    for root in sorted((_topic(t) or "" for t in tags), key=len, reverse=True):
        if root and (path == root or path.startswith(root + "/")):
            if path == root:
                return ""
            return path[len(root) + 1 :] if len(tags) == 1 else path
    return path


def parse_obsidian(path: str, text: str, options: ParseOptions) -> ParsedDeck:
    settings = options.obsidian
    lines = text.split("\n")
    front, front_lines = front_matter(text)
    # The plugin parses the note with its front matter blanked; so do the line numbers here.
    body = lines[:]
    body[:front_lines] = [""] * front_lines
    blocks = parse_blocks(path, "\n".join(body))
    deck, section_of_line, _hidden = parse_structure(path, blocks)
    deck.dialect = Dialect.OBSIDIAN
    patterns, problems = patterns_of(settings)
    deck.warnings += [ParseWarning(path, 1, f"{p}; pattern ignored") for p in problems]
    budget = cloze.SearchBudget()
    flashcards = split_flashcards(body, settings, patterns, blocks.code_lines, budget)
    front_tags, note_level, content = _deck_lookup(
        body, blocks.code_lines, front, flashcards, settings.flashcard_tags
    )
    has_tag = bool(front_tags or content)
    # In a vault the plugin reads only notes with a flashcard tag (or every note, with folder
    # decks); a note outside a vault was chosen by its own evidence or by the user.
    folders = settings.convert_folders_to_decks and options.vault
    if (
        options.vault
        and options.dialect is None
        and not has_tag
        and not (folders and options.folder_deck)
    ):
        return deck
    first_tag = front_tags[0] if front_tags else (content[0][1] if content else None)
    # Each line of note-level tags, with its first tag (all of them are decks of what follows).
    tag_lines = dict(reversed(note_level))
    tag_line_numbers = sorted(tag_lines)
    tags = settings.flashcard_tags
    placed: list[tuple[Flashcard, str, str, str | None]] = []  # with deck path and its tag
    for flashcard in flashcards:
        shown, tag = question_text(flashcard)
        if folders:
            placed.append((flashcard, shown, options.folder_deck or "", None))
            continue
        if tag is None:
            above = bisect_left(tag_line_numbers, flashcard.first)
            tag = tag_lines[tag_line_numbers[above - 1]] if above else None
            tag = tag or (front_tags[0] if front_tags else first_tag)
        placed.append((flashcard, shown, deck_path(tag, tags), tag))
    # A note of no cards is still a note of its deck.
    note_deck = (options.folder_deck or "") if folders else deck_path(first_tag, tags)
    title = Counter([p[2] for p in placed] or [note_deck]).most_common(1)[0][0]
    deck.title = title or deck.title
    for flashcard, shown, where, tag in placed:
        # A card of another deck keeps its path (a bare tag's is the tag's own name).
        topic = None if where == title else where or (_topic(tag) if tag else None)
        _add_cards(path, deck, flashcard, shown, topic, section_of_line, settings, patterns, budget)
    if budget.exhausted:
        message = (
            "a cloze pattern that goes on after its closing mark searches only the first "
            f"{cloze.TAIL_BUDGET} characters of a note; deletions after them were not looked for"
        )
        deck.warnings.append(ParseWarning(path, 1, message))
    if deck.cards:
        deck.format = DeckFormat.CARDS
    return deck


def _add_cards(
    path: str,
    deck: ParsedDeck,
    flashcard: Flashcard,
    shown: str,
    topic: str | None,
    section_of_line: list[int | None],
    settings: ObsidianSettings,
    patterns: tuple[cloze.ClozePattern, ...],
    budget: cloze.SearchBudget,
) -> None:
    line = flashcard.first + 1
    sides = expand(flashcard, shown, settings, patterns, budget)
    if sides is None:
        message = f"more than {MAX_DELETIONS} cloze deletions in one note; it made no card"
        deck.warnings.append(ParseWarning(path, line, message))
        return
    states: list[ImportedReview | None] = (
        schedules(flashcard.text, path, line, deck.warnings) if "<!--SR:" in flashcard.text else []
    )
    index = section_of_line[flashcard.first] if flashcard.first < len(section_of_line) else None
    section = deck.sections[index] if index is not None else None
    chapter = topic or (section.chapter if section else None)
    title = section.title if section is not None and section.level > 2 else None
    for position, side in enumerate(sides):
        front, back = side.front.strip(), side.back.strip()
        if not front or not back:
            if side.kind is CardKind.CLOZE:
                what = f"cloze card {position + 1} asks no deletion"
            else:
                what = f"card without a {'question' if not front else 'answer'}"
            deck.warnings.append(ParseWarning(path, line, f"{what}: {shown[:80]!r}"))
            continue
        review = states[position] if position < len(states) else None
        links = demo_names(f"{front}\n{back}")
        card = ParsedCard(side.kind, front, back, line, title, chapter=chapter, review=review)
        deck.cards.append(replace(card, section_index=index, demo_names=links))
