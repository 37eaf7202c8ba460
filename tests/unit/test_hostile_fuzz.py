"""Fuzzing the parsers with hostile input: control characters and escape sequences, markup,
deep nesting, broken fences and huge clozes. The contract: a file is refused with the
documented `ParseError`, or parsed; no control character survives; and a card that the file
plainly holds is either made or named by a warning at or before its line: never lost
silently, never a traceback."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.domain.parsing import ParseError
from studyapp.domain.parsing.detect import parse_source
from studyapp.domain.parsing.source import decode_source
from studyapp.domain.text_safety import CONTROL

ESCAPES = [
    "\x1b]52;c;cm0gLXJmIH4K\x07",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x9b31m",
    "\x07",
    "\x7f",
    "\u202e",
    "\r",
]
MARKUP = ["[@click=app.quit]X[/]", "[/x]", "[bold]", "[link=file:///etc/passwd]x[/]", "list[int]"]
JUNK = [
    "```python\nnever closed",
    "```\nunterminated bare",
    "~~~\ntilde",
    "````markdown\n```python\nnested\n```\n````",
    "{{c1::}}",
    "{{c1::a}} {{c1::}}",
    "Q ::",
    "F :::",
    "?",
    "??",
    ":p lone question",
    "??x",
    "x??",
    "---",
]


@st.composite
def nesting(draw: st.DrawFn) -> str:
    depth = draw(st.integers(1, 120))
    marker = draw(st.sampled_from(["> ", "- ", "  - "]))
    if marker == "  - ":
        return "\n".join("  " * n + "- level" for n in range(depth))
    return marker * depth + "deep text"


@st.composite
def cloze_bomb(draw: st.DrawFn) -> str:
    count = draw(st.integers(1, 400))
    return " ".join(f"{{{{c{n}::w}}}}" for n in range(1, count + 1))


@st.composite
def hostile_text(draw: st.DrawFn) -> str:
    pieces = st.one_of(
        st.sampled_from(ESCAPES),
        st.sampled_from(MARKUP),
        st.sampled_from(JUNK),
        nesting(),
        cloze_bomb(),
        st.text(max_size=30),
    )
    return draw(st.lists(pieces, max_size=6).map(lambda parts: "\n".join(parts)))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(hostile_text(), min_size=1, max_size=6),
    st.booleans(),
)
def test_hostile_notes_keep_every_plain_card_or_warn(junk: list[str], book: bool) -> None:
    blocks, sentinels = [], []
    if book:
        blocks.append("# Flashcards: Hostile")
    else:
        blocks.append("# Hostile notes")
    for n, piece in enumerate(junk):
        blocks.append(piece)
        if book:
            blocks.append(
                f"---\n\n#### Sentinel {n}\n:p Sentinel question {n}?\n??x\n"
                f"Sentinel {n}.\nx??\n\n---"
            )
        else:
            blocks.append(f"Sentinel question {n}? :: Sentinel answer {n}.")
        sentinels.append(n)
    text = "\n\n".join(blocks) + "\n"
    try:
        source = decode_source("hostile.md", text.encode("utf-8", "surrogatepass"))
        deck = parse_source(source)
    except ParseError as error:
        assert str(error).startswith("hostile.md")
        return
    except UnicodeEncodeError:
        return
    for card in deck.cards:
        for value in (card.question, card.answer, card.context, card.title or ""):
            assert CONTROL.search(value) is None, value
    for section in deck.sections:
        assert CONTROL.search(section.markdown) is None and CONTROL.search(section.title) is None
    assert CONTROL.search(deck.title) is None
    lines = source.text.split("\n")
    # A sentinel that ambiguous markers turned into part of another card (a book file's answer,
    # say) is kept, not lost: its text is in a card.
    shown = "\n".join(f"{c.question}\n{c.answer}\n{c.context}" for c in deck.cards)
    for n in sentinels:
        question = f"Sentinel question {n}?"
        if question in shown:
            continue
        line = next(i for i, text in enumerate(lines, 1) if question in text)
        assert any(w.line <= line for w in deck.warnings), (question, deck.warnings, text)
