"""Cloze patterns of the Obsidian Spaced Repetition plugin, as its `clozecraft` library reads them.

A pattern such as `==[123;;]answer[;;hint]==` names where the deleted text (`answer`), an
optional hint (`[…hint…]`) and an optional sequence (`[…123…]`) go. Each pattern yields three
regular expressions, tried in this order of priority: *classic* (a number groups deletions into
cards), *overlapping* (a string of `a`sk/`h`ide/`s`how actions, one per card) and *simple* (one
card per deletion). A note is of the highest-priority type any pattern finds in it, and only
deletions of that type count, exactly as clozecraft does.

Pure: no I/O. Imports nothing outside the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import cache

ANSWER, HINT, SEQ = "answer", "hint", "seq"
# Regular expressions clozecraft uses to find the bracketed parts of a pattern.
_NUM_PART = re.compile(r"\[(?:(?:\\\])?[^\]]?)+?\d+(?:(?:\\\])?[^\]]?)+?\]")
_HINT_PART = re.compile(r"\[(?:(?:\\\])?[^\]]?)+?hint(?:(?:\\\])?[^\]]?)+?\]")
_JS_SPECIAL = re.compile(r"[.*+?^${}()|\[\]\\]")
HIDDEN = "[…]"
MAX_TAIL = 200
MAX_TAIL_ANSWER = 100
# How many characters of one file patterns that go on after their closer may search: their
# failed searches are not bounded by the closer, only by the answer's length.
TAIL_BUDGET = 100_000


@dataclass(slots=True)
class SearchBudget:
    """What is left for one file's searches with such patterns."""

    characters: int = TAIL_BUDGET
    exhausted: bool = False


class ClozeType(Enum):
    CLASSIC = "classic"
    OVERLAPPING = "overlapping"
    SIMPLE = "simple"


PRIORITY = (ClozeType.CLASSIC, ClozeType.OVERLAPPING, ClozeType.SIMPLE)


@dataclass(frozen=True, slots=True)
class _Regex:
    regex: re.Pattern[str]
    order: tuple[str, ...]  # which field each capture group holds


@dataclass(frozen=True, slots=True)
class ClozePattern:
    raw: str
    regexes: dict[ClozeType, _Regex]
    # The text that must follow a deletion's answer (`==` in `==[123;;]answer[;;hint]==`).
    # A line without it holds no deletion, and no search runs past its last occurrence:
    # a lazy answer that finds no closer would otherwise rescan the line from every opener.
    closer: str = ""
    tail: int = 0  # how far past the closer a match may reach (hint or number after it)


@dataclass(frozen=True, slots=True)
class Deletion:
    start: int  # where the deletion stands in the text, delimiters included
    end: int
    answer: str
    hint: str | None
    seq: str | None  # the number (classic) or the actions (overlapping); None when simple


def _escape(text: str) -> str:
    return _JS_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _process(part: str) -> str:
    """The bracketed part without its brackets, user brackets unescaped, as a regex."""
    inner = part[1:-1].replace("\\[", "[").replace("\\]", "]")
    return _escape(inner)


@cache
def compile_pattern(raw: str) -> ClozePattern:
    """The three regular expressions of one pattern; `ValueError` for an unusable pattern."""
    num = _NUM_PART.search(raw)
    hint = _HINT_PART.search(raw)
    if num is None:
        raise ValueError(f"cloze pattern {raw!r} has no [123] sequence part")
    if hint is None:
        raise ValueError(f"cloze pattern {raw!r} has no [hint] part")
    if ANSWER not in raw:
        raise ValueError(f"cloze pattern {raw!r} has no 'answer'")
    num_regex = re.sub(r"\d+", r"(\\d+)", _process(num.group(0)))
    seq_regex = re.sub(r"\d+", "([ash]+)", _process(num.group(0)))
    closer, ends = _closer(raw, (num.span(), hint.span()))
    # Where the closer does not end the pattern, answers and hints are kept short so that a
    # failed search from each opener stays cheap (the closer bounds the others).
    some = "+?" if ends else f"{{1,{MAX_TAIL_ANSWER}}}?"
    answer_regex = f"(.{some})"
    hint_text = _process(hint.group(0))
    after = hint_text[hint_text.index(HINT) + len(HINT) :]
    if hint_text.index(HINT) == 0 or not after:
        hint_regex = hint_text.replace(HINT, f"(.{some})", 1)
    else:
        hint_regex = hint_text.replace(HINT, f"((?:(?!{after}).){some})", 1)
    hint_regex = f"(?:{hint_regex})?"
    positions = {ANSWER: raw.index(ANSWER), HINT: hint.start(), SEQ: num.start()}
    order = tuple(sorted((ANSWER, HINT, SEQ), key=positions.__getitem__))

    def build(num_replace: str) -> str:
        parts = [(num, num_replace), (hint, hint_regex)]
        parts.sort(key=lambda item: item[0].start())
        (first, first_re), (second, second_re) = parts
        text = (
            _escape(raw[: first.start()])
            + first_re
            + _escape(raw[first.end() : second.start()])
            + second_re
            + _escape(raw[second.end() :])
        )
        return text.replace(ANSWER, answer_regex, 1)

    try:
        regexes = {
            ClozeType.SIMPLE: _Regex(re.compile(build("")), tuple(f for f in order if f != SEQ)),
            ClozeType.CLASSIC: _Regex(re.compile(build(num_regex)), order),
            ClozeType.OVERLAPPING: _Regex(re.compile(build(seq_regex)), order),
        }
    except re.error as error:
        raise ValueError(f"cloze pattern {raw!r} is not usable: {error}") from None
    return ClozePattern(raw, regexes, closer, 0 if ends else MAX_TAIL)


def _closer(raw: str, parts: tuple[tuple[int, int], ...]) -> tuple[str, bool]:
    """The first literal text after `answer`, skipping the bracketed parts; and whether the
    pattern ends with it."""
    at = raw.index(ANSWER) + len(ANSWER)
    while True:
        part = next((end for start, end in parts if start == at), None)
        if part is None:
            break
        at = part
    end = min((start for start, _ in parts if start > at), default=len(raw))
    return raw[at:end], end == len(raw)


def _searches(
    text: str, pattern: ClozePattern, budget: SearchBudget | None
) -> list[tuple[int, int]]:
    """(start, end) bounds to search the pattern in: each line that holds its closer, up to
    the last one (and the tail that may follow it)."""
    closer = pattern.closer
    if not closer:
        return [(0, len(text))]
    bounds, start = [], 0
    while start <= len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        last = text.rfind(closer, start, end)
        # A pattern that goes on after its closer (a footnote number) cannot be bounded by
        # it: with a budget, only so many characters are searched.
        if last >= 0 and pattern.tail:
            if budget is not None and budget.characters < end - start:
                budget.exhausted = True
            else:
                if budget is not None:
                    budget.characters -= end - start
                bounds.append((start, min(end, last + len(closer) + pattern.tail)))
        elif last >= 0:
            bounds.append((start, last + len(closer)))
        start = end + 1
    return bounds


def usable_patterns(raws: tuple[str, ...]) -> tuple[tuple[ClozePattern, ...], list[str]]:
    """The patterns that compile, and a problem for each one that does not."""
    usable, problems = [], []
    for raw in raws:
        try:
            usable.append(compile_pattern(raw))
        except ValueError as error:
            problems.append(str(error))
    return tuple(usable), problems


def note_type(
    text: str, patterns: tuple[ClozePattern, ...], budget: SearchBudget | None = None
) -> ClozeType | None:
    """The type of cloze note `text` is, or None when it holds no deletion."""
    found: ClozeType | None = None
    for pattern in patterns:
        for kind in PRIORITY:
            regex = pattern.regexes[kind].regex
            if any(regex.search(text, a, b) for a, b in _searches(text, pattern, budget)):
                if found is None or PRIORITY.index(kind) < PRIORITY.index(found):
                    found = kind
                break
    return found


def deletions(
    text: str,
    patterns: tuple[ClozePattern, ...],
    kind: ClozeType,
    masked: str | None = None,
    limit: int | None = None,
    budget: SearchBudget | None = None,
) -> list[Deletion]:
    """The deletions of type `kind` in reading order of each pattern, as clozecraft lists them
    (a deletion two patterns both find is counted once). With `masked` (the text with inline
    code blanked, same length) deletions are searched there and read from `text`. At most
    `limit` + 1 are returned: more than `limit` is as good as too many."""
    searched = text if masked is None else masked
    result: list[Deletion] = []
    seen: set[int] = set()
    for pattern in patterns:
        order = pattern.regexes[kind].order
        regex = pattern.regexes[kind].regex
        bounds = _searches(searched, pattern, budget)
        for match in (m for a, b in bounds for m in regex.finditer(searched, a, b)):
            seq = _part(text, match, order, SEQ)
            if kind is not ClozeType.SIMPLE and not seq:
                break
            at = match.start() + match.group(0).index(match.group(order.index(ANSWER) + 1))
            if at in seen:
                break
            seen.add(at)
            answer = _part(text, match, order, ANSWER) or ""
            hint = _part(text, match, order, HINT)
            result.append(Deletion(match.start(), match.end(), answer, hint, seq))
            if limit is not None and len(result) > limit:
                return result
    return result


def _part(text: str, match: re.Match[str], order: tuple[str, ...], name: str) -> str | None:
    """A field of a match, read from `text` (the match may come from its masked copy)."""
    if name not in order:
        return None
    group = order.index(name) + 1
    start, end = match.span(group)
    return None if start < 0 else text[start:end]


def card_count(kind: ClozeType, found: list[Deletion]) -> int:
    if kind is ClozeType.SIMPLE:
        return len(found)
    if kind is ClozeType.CLASSIC:
        return max((int(d.seq or 0) for d in found), default=0)
    return max((len(d.seq or "") for d in found), default=0)


def _action(kind: ClozeType, deletion: Deletion, index: int, card: int) -> str:
    """`a` (ask), `h` (hide) or `s` (show) for a deletion on card `card` (0-based)."""
    if kind is ClozeType.SIMPLE:
        return "a" if index == card else "s"
    if kind is ClozeType.CLASSIC:
        return "a" if int(deletion.seq or 0) == card + 1 else "s"
    seq = deletion.seq or ""
    return seq[card] if card < len(seq) else "s"


def card_sides(
    text: str, kind: ClozeType, found: list[Deletion], card: int
) -> tuple[str, str, bool]:
    """Front and back of card `card`, and whether any deletion is asked on it.

    The asked deletion shows as `[…]` (or `[hint]`) on the front and in bold on the back; the
    plugin replaces each deletion's first occurrence in turn, which is the same as replacing it
    where it stands (of two overlapping deletions, the first one read wins here)."""
    front, back, asked = [], [], False
    at = 0
    for index, deletion in sorted(enumerate(found), key=lambda item: item[1].start):
        if deletion.start < at:
            continue
        before = text[at : deletion.start]
        action = _action(kind, deletion, index, card)
        hidden = f"[{deletion.hint}]" if deletion.hint else HIDDEN
        if action == "a":
            asked = True
            sides = (hidden, f"**{deletion.answer}**")
        elif action == "h":
            sides = (hidden, hidden)
        else:
            sides = (deletion.answer, deletion.answer)
        front += [before, sides[0]]
        back += [before, sides[1]]
        at = deletion.end
    return "".join([*front, text[at:]]), "".join([*back, text[at:]]), asked
