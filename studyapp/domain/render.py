"""Card markdown in, display markdown out: LaTeX math as readable Unicode for a terminal.

A terminal cannot typeset `$\\hat{\\theta} = \\arg\\max_{\\theta} p(D|\\theta)$`, but it can show
`θ̂ = arg max_θ p(D|θ)`. pylatexenc parses the LaTeX; this module walks its node tree itself
because pylatexenc's own text conversion drops operator names (`\\arg`), spaces (`\\log p`) and the
grouping of sub- and superscripts. Math inside code fences and inline code is left untouched.

Generated decks are messy about spacing around dollars (`$D $`, `$\\theta $that`,
`function$p(D|\\theta)$`, `$ P(X, Y)$and`): inner spaces are trimmed and a space is put back
between the math and a word it touches.

Imports neither Textual nor Keras: the review screen, the browser and the CLI can all use it.
"""

from __future__ import annotations

import re

from studyapp.domain.math_text import WORD_CHAR, math_to_text

# Finding math in markdown

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Characters that would start markdown syntax if they appeared in converted math.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]<>])")


def render_markdown(markdown: str) -> str:
    """Card or notes markdown with every `$…$` / `$$…$$` turned into Unicode text.

    Code fences and inline code are copied unchanged; display math that stands on its own line
    stays on a line of its own.
    """
    return _render(markdown, escape=True)


def render_text(text: str) -> str:
    """A short plain string (a question in a table row, a tree label) with its math converted."""
    return " ".join(_render(text, escape=False).split())


def _render(markdown: str, escape: bool) -> str:
    if "$" not in markdown:
        return markdown
    out: list[str] = []
    chunk: list[str] = []
    fence: str | None = None
    for line in markdown.splitlines(keepends=True):
        match = _FENCE.match(line)
        if fence is None and match:
            out.append(_render_prose("".join(chunk), escape))
            chunk = []
            fence = match.group(1)
            out.append(line)
        elif fence is not None:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}:
                fence = None
        else:
            chunk.append(line)
    out.append(_render_prose("".join(chunk), escape))
    return "".join(out)


def _render_prose(text: str, escape: bool) -> str:
    """Convert math in text that holds no code fence (inline code is skipped here)."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            out.append(text[i : i + 2])
            i += 2
            continue
        if ch == "`":
            run = len(text[i:]) - len(text[i:].lstrip("`"))
            close = _find_backticks(text, i + run, run)
            if close is None:
                out.append(text[i : i + run])
                i += run
            else:
                out.append(text[i : close + run])
                i = close + run
            continue
        if ch == "$":
            display = text.startswith("$$", i)
            opener = 2 if display else 1
            close = _find_dollar(text, i + opener, display)
            if close is None:
                out.append(text[i : i + opener])
                i += opener
                continue
            latex = text[i + opener : close]
            end = close + opener
            if not display and end < n and text[end].isdigit():
                out.append(text[i:end])  # "$5 and $10": prices, not math
                i = end
                continue
            rendered = math_to_text(latex)
            if escape:
                rendered = _escape(rendered)
            if display and escape and _alone_on_line(text, i, end):
                out.append(_display_block(out, rendered, text, end))
            else:
                before = "".join(out[-1:])
                if rendered and before and WORD_CHAR.match(before[-1]):
                    rendered = " " + rendered
                if rendered and end < n and WORD_CHAR.match(text[end]):
                    rendered += " "
                out.append(rendered)
            i = end
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _find_backticks(text: str, start: int, run: int) -> int | None:
    pattern = re.compile(rf"(?<!`)`{{{run}}}(?!`)")
    match = pattern.search(text, start)
    return match.start() if match else None


def _find_dollar(text: str, start: int, display: bool) -> int | None:
    """The closing `$`/`$$`: never across a blank line, skipping escaped dollars."""
    i = start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "\n" and text[i + 1 :].lstrip(" \t").startswith("\n"):
            return None
        if ch == "$":
            if display:
                return i if text.startswith("$$", i) else None
            if i == start:  # "$$" where a single dollar opened: empty math is not math
                return None
            return i
        i += 1
    return None


def _alone_on_line(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    return not text[line_start:start].strip() and not text[end:line_end].strip()


def _display_block(out: list[str], rendered: str, text: str, end: int) -> str:
    """Display math on its own line becomes its own paragraph (kept at the line's indent)."""
    so_far = "".join(out)
    indent = so_far[so_far.rfind("\n") + 1 :]
    prefix = ""
    if so_far.strip() and not so_far.rstrip(" ").endswith("\n\n"):
        # End the paragraph above; keep the indent so a list item continues.
        prefix = "\n" + indent
    suffix = ""
    following = text[end:]
    if following.strip() and not re.match(r"[ \t]*\n[ \t]*\n", following):
        suffix = "\n"
    return f"{prefix}{rendered}{suffix}"


def _escape(text: str) -> str:
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    # "_" only matters for emphasis where it is not between two word characters.
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", escaped)
