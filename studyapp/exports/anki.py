"""Every card that is not retired as an Anki package (.apkg): one Anki deck per studyapp deck,
basic and cloze note types with fixed ids, card markdown as HTML with MathJax math.

genanki loads only inside `write_apkg`, so importing this module stays cheap.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Card, Deck

# Fixed ids: Anki recognises the note types again when a newer export is imported.
BASIC_MODEL_ID = 1_744_190_201
CLOZE_MODEL_ID = 1_744_190_202
ANKI_CSS = (
    ".card { font-family: sans-serif; font-size: 20px; text-align: left; color: black; "
    "background-color: white; }\n.cloze { font-weight: bold; color: blue; }\n"
    ".nightMode .cloze { color: lightblue; }\n.source { color: grey; font-size: 12px; }\n"
    "pre { text-align: left; }"
)
_CLOZE_GAP = re.compile(r"\[([^\[\]]*)\]")


def cloze_text(question: str, answer: str) -> str | None:
    """Our cloze card back in Anki's syntax: the question shows the gap as `[…]` (or
    `[hint]`), the answer the same text with the hidden part in `**bold**`; the result puts
    `{{c1::hidden}}` (or `{{c1::hidden::hint}}`) in the gap. None if they do not line up."""
    for gap in _CLOZE_GAP.finditer(question):
        before, after = question[: gap.start()], question[gap.end() :]
        if not (answer.startswith(before + "**") and answer.endswith("**" + after)):
            continue
        hidden = answer[len(before) + 2 : len(answer) - len(after) - 2]
        if not hidden or len(before) + 2 > len(answer) - len(after) - 2:
            continue
        hint = gap.group(1).strip()
        inner = hidden if hint in ("", "…", "...") else f"{hidden}::{hint}"
        return f"{before}{{{{c1::{inner}}}}}{after}"
    return None


def markdown_html(markdown: str) -> str:
    """Card markdown as the HTML Anki shows; `$…$` / `$$…$$` become MathJax `\\(…\\)` /
    `\\[…\\]`, which Anki renders; raw HTML in the card is escaped, not passed through."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def math(content: str, options: dict[str, Any]) -> str:
        body = html.escape(content)
        return f"\\[{body}\\]" if options.get("display_mode") else f"\\({body}\\)"

    md = MarkdownIt("commonmark", {"html": False}).use(
        dollarmath_plugin, renderer=math, allow_space=True, allow_digits=True
    )
    return md.render(markdown).strip()


def chapter_tag(chapter: str) -> str:
    """Anki tags cannot hold spaces: 'Chapter 4: GANs' -> 'Chapter_4_GANs'."""
    return re.sub(r"[^\w-]+", "_", chapter).strip("_")


def _anki_id(text: str) -> int:
    return (1 << 30) + int(hashlib.sha1(text.encode()).hexdigest()[:7], 16)


def write_apkg(sessions: sessionmaker[Session], path: Path, now: dt.datetime) -> tuple[int, int]:
    """An Anki package of every card that is not retired: one Anki deck per studyapp deck,
    basic cards as "studyapp basic" notes, cloze cards as "studyapp cloze" notes, a tag per
    chapter. `now` stamps the collection. Returns (notes, decks)."""
    import genanki

    basic = genanki.Model(
        BASIC_MODEL_ID,
        "studyapp basic",
        fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Source"}],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Answer}}<div class=source>{{Source}}</div>",
            }
        ],
        css=ANKI_CSS,
    )
    cloze = genanki.Model(
        CLOZE_MODEL_ID,
        "studyapp cloze",
        model_type=genanki.Model.CLOZE,
        fields=[{"name": "Text"}, {"name": "Back Extra"}, {"name": "Source"}],
        templates=[
            {
                "name": "Cloze",
                "qfmt": "{{cloze:Text}}",
                "afmt": "{{cloze:Text}}<br>{{Back Extra}}<div class=source>{{Source}}</div>",
            }
        ],
        css=ANKI_CSS,
    )
    anki_decks: dict[int, Any] = {}
    names: set[str] = set()
    notes = 0
    with sessions() as session:
        rows = session.execute(
            select(Card, Deck)
            .join(Deck, Deck.id == Card.deck_id)
            .where(Card.retired_at.is_(None))
            .order_by(Deck.title, Deck.id, Card.position, Card.id)
        )
        for card, deck in rows:
            if deck.id not in anki_decks:
                name = deck.title if deck.title not in names else f"{deck.title} ({deck.id})"
                names.add(name)
                anki_decks[deck.id] = genanki.Deck(_anki_id(deck.source_path), name)
            tags = ["studyapp"] + ([chapter_tag(card.chapter)] if card.chapter else [])
            source = html.escape(f"{Path(card.source_file).name}:{card.source_line}")
            guid = genanki.guid_for(deck.source_path, card.identity)
            text = cloze_text(card.question, card.answer) if card.kind == "cloze" else None
            if text is not None:
                fields = [markdown_html(text), markdown_html(card.context), source]
                note = genanki.Note(model=cloze, fields=fields, tags=tags, guid=guid)
            else:
                question = (
                    card.question if not card.title else f"**{card.title}**\n\n" + (card.question)
                )
                fields = [markdown_html(question), markdown_html(card.answer), source]
                note = genanki.Note(model=basic, fields=fields, tags=tags, guid=guid)
            anki_decks[deck.id].add_note(note)
            notes += 1
    package = genanki.Package(list(anki_decks.values()))
    # genanki's write_to_file leaves its temporary collection behind; this writes the same
    # package (collection.anki2 + media) from a folder that is cleaned up.
    with tempfile.TemporaryDirectory(prefix="studyapp-apkg-") as folder:
        collection = Path(folder) / "collection.anki2"
        connection = sqlite3.connect(collection)
        try:
            timestamp = now.timestamp()
            package.write_to_db(connection.cursor(), timestamp, _ids(int(timestamp * 1000)))
            connection.commit()
        finally:
            connection.close()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(collection, "collection.anki2")
            archive.writestr("media", "{}")
    return notes, len(anki_decks)


def _ids(start: int) -> Iterator[int]:
    value = start
    while True:
        yield value
        value += 1
