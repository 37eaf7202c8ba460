"""The notes outline: books in natural order, each book one node however many files hold it,
sections in document order under their parents."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from studyapp.store.library import import_paths
from studyapp.store.notes_data import load_outline
from studyapp.store.opening import Store
from tests.conftest import no_demos


def notes(title: str, *sections: str) -> str:
    body = "".join(f"## {name}\n\n- {name} term: what {name} means.\n\n" for name in sections)
    return f"# {title}\n\n{body}"


def test_books_in_natural_order_and_one_node_per_title(
    store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    (tmp_path / "a.md").write_text(notes("Chapter 10 Flows", "Coupling", "Jacobian"))
    (tmp_path / "b.md").write_text(notes("Chapter 2 Deep Learning", "Layers"))
    (tmp_path / "c.md").write_text(notes("Chapter 2 Deep Learning", "Optimisers"))
    import_paths(store.sessions, [tmp_path], now, no_demos)

    outline = load_outline(store.sessions)
    assert [title for _, title in outline.decks] == ["Chapter 2 Deep Learning", "Chapter 10 Flows"]
    second = [s.title for s in outline.sections if s.deck == "Chapter 2 Deep Learning"]
    assert {"Layers", "Optimisers"} <= set(second)
    flows = [s.title for s in outline.sections if s.deck == "Chapter 10 Flows"]
    assert flows.index("Coupling") < flows.index("Jacobian")
    # Every section's deck is one the outline lists, so the tree has a node for it.
    assert {s.deck for s in outline.sections} == {title for _, title in outline.decks}
