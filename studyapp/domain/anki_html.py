"""Anki's rendered card HTML as studyapp markdown: the text a learner saw, not Anki's markup.

Anki renders each card from its note type's templates; the rendered question and answer are
what the learner knows, whatever the note type (basic, reversed, cloze or a custom one). The
answer side repeats the question above `<hr id=answer>`, which is cut. Sound and video are
replaced by Anki with `[anki:play:q:0]` placeholders; they come back here as links to their
media files, as do images (markdown image links). Pure: markdownify does the HTML.
"""

from __future__ import annotations

import re

from studyapp.domain.text_safety import strip_controls

ANSWER_RULE = re.compile(r"<hr\s+id\s*=\s*[\"']?answer[\"']?\s*/?>", re.I)
PLAY = re.compile(r"\[anki:play:([qa]):(\d+)\]")
STYLE_OR_SCRIPT = re.compile(r"<(style|script)\b.*?</\1\s*>", re.I | re.S)
BLANK_LINES = re.compile(r"\n{3,}")


def answer_side(answer_html: str) -> str:
    """The part of Anki's rendered answer below the question (all of it if there is no rule)."""
    parts = ANSWER_RULE.split(answer_html, maxsplit=1)
    return parts[-1]


def html_to_markdown(html: str, media: dict[str, list[str]] | None = None) -> str:
    """Rendered card HTML as markdown. `media` maps "q"/"a" to the side's sound/video files,
    in the order of Anki's `[anki:play:…]` placeholders."""
    from markdownify import markdownify

    def play(match: re.Match[str]) -> str:
        files = (media or {}).get(match.group(1), [])
        index = int(match.group(2))
        if index < len(files):
            return f"[▶ {files[index]}]({files[index]})"
        return ""

    html = PLAY.sub(play, STYLE_OR_SCRIPT.sub("", html))
    text = markdownify(html, heading_style="ATX", bullets="-", escape_underscores=False)
    text = "\n".join(line.rstrip() for line in strip_controls(text).split("\n"))
    return BLANK_LINES.sub("\n\n", text).strip()


def deck_and_chapter(anki_deck: str, top_levels: int) -> tuple[str, str | None]:
    """An Anki deck path `GDL::Chapter 3::VAE` as (deck, chapter). With a single top-level
    deck in the package, the first level is the deck and the rest the chapter; with several,
    the package is the deck and the whole path the chapter."""
    parts = [p.strip() for p in anki_deck.split("::") if p.strip()]
    if not parts:
        return "Anki", None
    if top_levels > 1:
        return "", " / ".join(parts)
    return parts[0], " / ".join(parts[1:]) or None
