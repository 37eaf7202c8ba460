"""Which dialect a file speaks, decided per file by evidence, and the settings a dialect reads.

- **Obsidian Spaced Repetition**: a flashcard tag (`#flashcards`, any subtag) outside code, front
  matter whose tags name one or that holds the plugin's `sr-` keys, a schedule comment
  `<!--SR:…-->`; this content evidence wins over every other.
- **hashcards**: the first line with text (after any `---` front matter) starts with `Q:` or
  `C:`, as hashcards demands; or, below a title or a line of description (at most
  `PREAMBLE_LINES` lines of other text, none inside a vault), card lines (`Q:` or `C:` at the
  very start of a line, outside fenced code) make at least one whole card: a `Q:` followed by
  its `A:` line, or a `C:` card holding a `[deletion]`. A note that merely holds a `Q:` line,
  or holds card lines below more prose than that, stays a note.
- **Obsidian Spaced Repetition**, again: any other file inside an Obsidian vault (a folder above
  it holds `.obsidian/`).
- **studyapp**: everything else, and book flashcards anywhere.

Detection must stay cheap for ordinary files: substring and anchored regex checks first, the
line scan for code only when a tag is found.

Pure: no I/O (vault folders and `data.json` are read in `studyapp.domain.parsing.vault`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from typing import TYPE_CHECKING

from studyapp.domain.parsing.model import Dialect
from studyapp.domain.parsing.source import SourceText

if TYPE_CHECKING:
    from studyapp.domain.parsing.hashcards_db import HashcardsLog

DEFAULT_CLOZE_PATTERNS = (
    "==[123;;]answer[;;hint]==",
    "**[123;;]answer[;;hint]**",
    "{{[123;;]answer[;;hint]}}",
)
# The plugin's own settings keys (data.json, and `--separator`-style overrides).
PLUGIN_KEYS = {
    "singleLineCardSeparator": "single_line",
    "singleLineReversedCardSeparator": "single_line_reversed",
    "multilineCardSeparator": "multiline",
    "multilineReversedCardSeparator": "multiline_reversed",
    "multilineCardEndMarker": "end_marker",
}
# Before the plugin had `clozePatterns`, three switches chose the cloze syntax.
LEGACY_CLOZE_SWITCHES = {
    "convertHighlightsToClozes": DEFAULT_CLOZE_PATTERNS[0],
    "convertBoldTextToClozes": DEFAULT_CLOZE_PATTERNS[1],
    "convertCurlyBracketsToClozes": DEFAULT_CLOZE_PATTERNS[2],
}
MAX_SETTING_LENGTH = 64
MAX_CLOZE_PATTERNS = 16


@dataclass(frozen=True, slots=True)
class ObsidianSettings:
    """The plugin's parser settings (its parser test suite's defaults, all three clozes on)."""

    single_line: str = "::"
    single_line_reversed: str = ":::"
    multiline: str = "?"
    multiline_reversed: str = "??"
    end_marker: str = ""
    cloze_patterns: tuple[str, ...] = DEFAULT_CLOZE_PATTERNS
    flashcard_tags: tuple[str, ...] = ("#flashcards",)
    convert_folders_to_decks: bool = False

    def with_plugin_values(
        self, values: Mapping[str, object]
    ) -> tuple[ObsidianSettings, list[str]]:
        """These settings changed by plugin-named values; returns the problems found (a value
        of the wrong type or size is ignored, never trusted)."""
        changes: dict[str, object] = {}
        problems: list[str] = []
        for key, name in PLUGIN_KEYS.items():
            if key not in values:
                continue
            value = values[key]
            if isinstance(value, str) and len(value) <= MAX_SETTING_LENGTH and "\n" not in value:
                changes[name] = value
            else:
                problems.append(f"{key} is not a short one-line text; ignored")
        if "clozePatterns" in values:
            patterns = values["clozePatterns"]
            if isinstance(patterns, list) and all(
                isinstance(p, str) and "\n" not in p and len(p) <= MAX_SETTING_LENGTH
                for p in patterns
            ):
                changes["cloze_patterns"] = tuple(patterns[:MAX_CLOZE_PATTERNS])
            else:
                problems.append("clozePatterns is not a list of texts; ignored")
        elif any(key in values for key in LEGACY_CLOZE_SWITCHES):
            changes["cloze_patterns"] = tuple(
                pattern
                for key, pattern in LEGACY_CLOZE_SWITCHES.items()
                if values.get(key, key == "convertHighlightsToClozes") is True
            )
        if "flashcardTags" in values:
            tags = values["flashcardTags"]
            if isinstance(tags, list) and all(isinstance(t, str) and _valid_tag(t) for t in tags):
                changes["flashcard_tags"] = tuple(tags)
            else:
                problems.append("flashcardTags is not a list of #tags; ignored")
        if isinstance(values.get("convertFoldersToDecks"), bool):
            changes["convert_folders_to_decks"] = values["convertFoldersToDecks"]
        return replace(self, **changes), problems  # type: ignore[arg-type]


def _valid_tag(tag: str) -> bool:
    return len(tag) > 1 and tag.startswith("#") and TAG_BODY.fullmatch(tag[1:]) is not None


@dataclass(frozen=True, slots=True)
class ParseOptions:
    """How to read one file: a dialect the user forced, and what its folder says."""

    dialect: Dialect | None = None
    obsidian: ObsidianSettings = field(default_factory=ObsidianSettings)
    vault: bool = False  # inside an Obsidian vault
    folder_deck: str | None = None  # its folder below the vault root, for folder decks
    hashcards: HashcardsLog | None = None  # the review states of its hashcards collection

    def fingerprint(self) -> str:
        """Changes whenever these options may change what a file yields."""
        return repr(tuple(getattr(self, f.name) for f in fields(self)))


DEFAULT_OPTIONS = ParseOptions()


@dataclass(frozen=True, slots=True)
class SourceWithOptions(SourceText):
    """A file's text with the options to read it by, so it crosses into the parsing process
    as one picklable value."""

    options: ParseOptions = DEFAULT_OPTIONS


TAG_BODY = re.compile(r"[\w/-]*[^\W\d][\w/-]*")
TAG = re.compile(r"(?:^|(?<=\s))#([\w/-]*[^\W\d][\w/-]*)", re.M)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)")
HTML_COMMENT = re.compile(r"<!--.*?-->")
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$", re.S | re.M)
HASHCARDS_START = re.compile(r"(?:[ \t]*\n)*(?:Q|C):(?!:)")
CARD_LINE = re.compile(r"^[QC]:(?!:)", re.M)  # `Q::A` is an Obsidian card
DELETION = re.compile(r"(?<![!\\])\[[^\[\]\n]+\]")
HASHCARDS_FRONT = re.compile(r"---[ \t]*\n(?:.*\n)*?[ \t]*---[ \t]*(?:\n|\Z)")
PREAMBLE_LINES = 5
FRONT_TAGS = re.compile(r"^(?:tags?|Tags?)[ \t]*:[ \t]*(.*)$")
SR_KEY = re.compile(r"^sr-(?:due|interval|ease)[ \t]*:", re.M)


@cache
def _tag_finder(tags: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(t.lstrip("#")) for t in sorted(tags, key=len, reverse=True))
    return re.compile(rf"(?:^|(?<=\s))#(?:{names})(?![\w-])", re.M)


def is_flashcard_tag(tag: str, tags: tuple[str, ...]) -> bool:
    """`tag` (with its `#`) is one of `tags` or a subtag of one, as the plugin compares them."""
    return any(tag == t or tag.startswith(t + "/") for t in tags)


def front_matter(text: str) -> tuple[str, int]:
    """The front matter's text and the number of lines it spans (0, "" when there is none)."""
    match = FRONT_MATTER.match(text)
    if match is None:
        return "", 0
    return match.group(1), match.group(0).count("\n") + 1


def front_matter_tags(front: str) -> list[str]:
    """Tags a YAML front matter names (`tags: a, b`, `tags: [a, b]` or a `- a` list), as `#a`."""
    found: list[str] = []
    lines = front.split("\n")
    for index, line in enumerate(lines):
        match = FRONT_TAGS.match(line)
        if match is None:
            continue
        value = match.group(1).strip()
        if value:
            items = re.split(r"[,\s]+", value.strip("[]"))
        else:
            items = []
            for item in lines[index + 1 :]:
                if not item.strip().startswith("-"):
                    break
                items.append(item.strip()[1:])
        for item in items:
            tag = item.strip().strip("'\"").lstrip("#")
            if tag and TAG_BODY.fullmatch(tag):
                found.append("#" + tag)
    return found


def code_lines(lines: list[str]) -> bytearray:
    """1 for each line inside (or opening/closing) a fenced code block."""
    marks = bytearray(len(lines))
    fence: str | None = None
    for index, line in enumerate(lines):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                marks[index] = 1
        else:
            marks[index] = 1
            run = match.group(1) if match else ""
            if run[:1] == fence[0] and len(run) >= len(fence) and not line.strip().strip(run[0]):
                fence = None
    return marks


def mask_code(line: str) -> str:
    """The line with inline code and HTML comments blanked (same length)."""
    line = CODE_SPAN.sub(lambda m: "\x00" * len(m.group(0)), line)
    return HTML_COMMENT.sub(lambda m: "\x00" * len(m.group(0)), line) if "<!--" in line else line


def line_tags(lines: list[str], code: bytearray) -> list[tuple[int, str]]:
    """Every `#tag` outside code, as (0-based line, `#tag`)."""
    found: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if code[index] or "#" not in line:
            continue
        for match in TAG.finditer(mask_code(line)):
            found.append((index, "#" + match.group(1)))
    return found


def _has_flashcard_tag(text: str, settings: ObsidianSettings) -> bool:
    finder = _tag_finder(settings.flashcard_tags)
    if finder.search(text) is None:
        return False
    # Confirm outside code: a file documenting the plugin shows its tags in code blocks.
    lines = text.split("\n")
    code = code_lines(lines)
    return any(is_flashcard_tag(tag, settings.flashcard_tags) for _, tag in line_tags(lines, code))


def _has_schedule_comment(text: str) -> bool:
    lines = text.split("\n")
    code = code_lines(lines)
    return any(
        not code[n] and "<!--SR:" in CODE_SPAN.sub("", line)
        for n, line in enumerate(lines)
        if "<!--SR:" in line
    )


def obsidian_content_evidence(text: str, settings: ObsidianSettings) -> bool:
    """The text itself says it was written for the Obsidian plugin."""
    if "<!--SR:" in text and _has_schedule_comment(text):
        return True
    if text.startswith("---"):
        front, _ = front_matter(text)
        if SR_KEY.search(front) or any(
            is_flashcard_tag(t, settings.flashcard_tags) for t in front_matter_tags(front)
        ):
            return True
    # A substring test first: the regex (and the code scan) only run when the tag is there.
    return any(t in text for t in settings.flashcard_tags) and _has_flashcard_tag(text, settings)


def is_hashcards(text: str, preamble_lines: int = PREAMBLE_LINES) -> bool:
    """The file's cards open it, or open it below a short preamble (rules above)."""
    if CARD_LINE.search(text) is None:
        return False
    start = 0
    if text.startswith("---"):
        match = HASHCARDS_FRONT.match(text)
        if match is None:
            return False
        start = match.end()
    if HASHCARDS_START.match(text, start):
        return True
    lines = text[start:].split("\n")
    code = code_lines(lines)
    preamble = 0
    card: list[str] | None = None  # the open card's lines, its `Q:` or `C:` line first
    for index, line in enumerate(lines):
        head = "" if code[index] else line[:2]
        separator = not code[index] and line.strip() == "---"
        if separator or (head in ("Q:", "C:") and line[2:3] != ":"):
            if card is not None and _is_cloze_card(card):
                return True
            card = None if separator else [line]
        elif card is None:
            preamble += bool(line.strip())
            if preamble > preamble_lines:
                return False
        elif head == "A:" and card[0].startswith("Q:"):
            return True
        else:
            card.append(line)
    return card is not None and _is_cloze_card(card)


def _is_cloze_card(card: list[str]) -> bool:
    return card[0].startswith("C:") and DELETION.search("\n".join(card)) is not None
