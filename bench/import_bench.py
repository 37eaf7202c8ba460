"""Import speed: 10,000 cards in 100 files; fresh import, unchanged re-import, 1 % edited.

Each figure is also given as a ratio to markdown-it-py alone parsing the same files
(`MarkdownIt('commonmark').parse`, best of 3, measured in the same run).
Targets: fresh ≤ 1.5× bare parse, unchanged re-import ≤ 0.1× fresh, peak memory ≤ 200 MB.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from bench.results_io import report
from studyapp.library import import_paths
from studyapp.store import open_store

FILES = 100
CARDS_PER_FILE = 100
NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
TOPICS = [
    "encoder",
    "decoder",
    "latent space",
    "critic",
    "generator",
    "attention",
    "diffusion step",
    "coupling layer",
    "energy",
    "pixel ordering",
]


def card_text(file: int, card: int, rng: random.Random) -> str:
    topic = rng.choice(TOPICS)
    words = " ".join(rng.choice(TOPICS) for _ in range(12))
    return (
        f"#### Card {file}-{card} about the {topic}\n"
        f"Context for the {topic}: {words}. The loss is $L = -\\log p(x|\\theta)$.\n\n"
        f":p What does the {topic} do in model {file} variant {card}?\n"
        "??x\n"
        f"It transforms the input; {words}.\n"
        "```python\n"
        f"layer = keras.layers.Dense({card + 1})\n"
        "```\n"
        "x??\n\n---\n\n"
    )


def write_library(folder: Path) -> list[Path]:
    rng = random.Random(7)
    paths = []
    for file in range(FILES):
        chapter = f"**Starting Chapter:** Chapter {file % 14 + 1}: Benchmark\n\n---\n\n"
        body = "".join(card_text(file, card, rng) for card in range(CARDS_PER_FILE))
        path = folder / f"deck{file:03}.md"
        path.write_text(f"# Flashcards: Benchmark deck {file}\n\n{chapter}{body}")
        paths.append(path)
    return paths


def best_of(
    runs: int, action: Callable[[], None], setup: Callable[[], None] | None = None
) -> float:
    times = []
    for _ in range(runs):
        if setup:
            setup()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="studyapp-bench-"))
    try:
        return _run(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _run(work: Path) -> int:
    decks = work / "decks"
    decks.mkdir()
    paths = write_library(decks)
    texts = [p.read_text() for p in paths]

    def bare_parse() -> None:
        md = MarkdownIt("commonmark")
        for text in texts:
            md.parse(text)

    bare = best_of(3, bare_parse)
    counter = iter(range(1000))
    state: dict[str, object] = {}

    def new_database() -> None:
        store = open_store(str(work / f"fresh{next(counter)}.db"))
        state["store"] = store

    def fresh_import() -> None:
        store = state["store"]
        reports = import_paths(store.sessions, [decks], NOW)  # type: ignore[attr-defined]
        assert sum(r.added for r in reports) == FILES * CARDS_PER_FILE

    fresh = best_of(3, fresh_import, new_database)
    store = state["store"]

    def unchanged_import() -> None:
        reports = import_paths(store.sessions, [decks], NOW)  # type: ignore[attr-defined]
        assert all(r.status == "unchanged" for r in reports)

    unchanged = best_of(3, unchanged_import)

    rng = random.Random(11)
    edits = iter(range(1, 100))

    def edit_one_percent() -> None:
        round_ = next(edits)
        for target in rng.sample(range(FILES * CARDS_PER_FILE), FILES * CARDS_PER_FILE // 100):
            path = paths[target // CARDS_PER_FILE]
            text = path.read_text()
            marker = f"#### Card {target // CARDS_PER_FILE}-{target % CARDS_PER_FILE} "
            at = text.index(marker)
            answer_at = text.index("It transforms", at)
            path.write_text(f"{text[:answer_at]}(edit {round_}) {text[answer_at:]}")

    def edited_import() -> None:
        reports = import_paths(store.sessions, [decks], NOW)  # type: ignore[attr-defined]
        assert sum(r.added for r in reports) == 0
        assert sum(r.updated for r in reports) > 0

    edited = best_of(3, edited_import, edit_one_percent)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = [
        {"name": "bare markdown-it parse", "value": bare, "unit": "s"},
        {
            "name": "fresh import",
            "value": fresh,
            "unit": "s",
            "ratio_to_parse": fresh / bare,
            "target": "≤ 1.5× bare parse",
            "ok": fresh <= 1.5 * bare,
        },
        {"name": "fresh import / bare parse", "value": fresh / bare, "unit": "×"},
        {
            "name": "re-import, no change",
            "value": unchanged,
            "unit": "s",
            "ratio_to_fresh": unchanged / fresh,
            "ratio_to_parse": unchanged / bare,
            "target": "≤ 0.1× fresh import",
            "ok": unchanged <= 0.1 * fresh,
        },
        {"name": "re-import, no change / fresh", "value": unchanged / fresh, "unit": "×"},
        {
            "name": "re-import, 1% edited",
            "value": edited,
            "unit": "s",
            "ratio_to_parse": edited / bare,
        },
        {
            "name": "peak memory (RSS)",
            "value": peak_mb,
            "unit": "MB",
            "target": "≤ 200 MB",
            "ok": peak_mb <= 200,
        },
    ]
    return report("import", figures, {"files": FILES, "cards": FILES * CARDS_PER_FILE})
