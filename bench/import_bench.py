"""Import speed: 10,000 cards in 100 files; fresh import, unchanged re-import, 1 % edited.

Two corpora: the bundled deck's book cards, repeated with a variant number in each question;
and random technical prose that is not the deck's own (inline math on every card, a code
block in half of them), so the figures hold on any text. Each figure is also given as a ratio
to markdown-it-py alone parsing the same files (`MarkdownIt('commonmark').parse`, best of 3,
measured in the same run). The unchanged re-import is also timed as a whole CLI process
against `studyapp --version`.
Targets: fresh ≤ 1.5× bare parse, unchanged re-import ≤ 0.1× fresh, the unchanged CLI
re-import ≤ 1.3× `studyapp --version`, peak memory ≤ 200 MB.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from bench.results_io import report
from studyapp.store.deck_files import bundled_deck
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store

FILES = 100
CARDS_PER_FILE = 100
NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)


def templates() -> list[str]:
    """The bundled deck's own book cards, as markdown: real titles, context, questions and
    answers with code fences and math, so the mix of text (and of demo keywords) is a real
    deck's, not a made-up one."""
    deck = (bundled_deck() / "gdl-book-cards.md").read_text()
    chunks = [c.strip() for c in deck.split("\n---\n") if c.count("\n:p ") == 1]
    return [c[c.index("####") :] if "####" in c else c for c in chunks]


def card_text(template: str, file: int, card: int) -> str:
    # A variant number keeps every question distinct (one identity per card).
    return template.replace("\n:p ", f"\n:p (deck {file}, card {card}) ", 1) + "\n\n---\n\n"


WORDS = [
    "gradient",
    "estimator",
    "variance",
    "bias",
    "kernel",
    "posterior",
    "prior",
    "sampler",
    "tensor",
    "batch",
    "latent",
    "manifold",
    "entropy",
    "divergence",
    "likelihood",
    "regulariser",
    "schedule",
    "throughput",
    "cache",
    "shard",
    "replica",
    "quorum",
    "lattice",
    "operator",
    "eigenvalue",
    "spectrum",
    "projection",
    "residual",
]


def prose_templates(count: int = 400, seed: int = 5) -> list[str]:
    """Random technical prose: a title, context, a question and an answer with inline math on
    every card and a code block in half of them."""
    rng = random.Random(seed)

    def sentence(n: int) -> str:
        return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."

    cards = []
    for n in range(count):
        math = f"$\\sum_{{i=1}}^{{{rng.randint(2, 9)}}} x_i^{rng.randint(2, 4)} \\leq \\lambda$"
        answer = f"{sentence(12)} It holds that {math} for every {rng.choice(WORDS)}."
        if n % 2:
            answer += f"\n\n```python\ndef f(x):\n    return x ** {rng.randint(2, 5)}\n```"
        cards.append(
            f"#### {sentence(3)}\n{sentence(15)}\n\n:p {sentence(8)[:-1]}?\n??x\n{answer}\nx??"
        )
    return cards


def write_library(folder: Path, cards: list[str]) -> list[Path]:
    paths = []
    for file in range(FILES):
        chapter = f"**Starting Chapter:** Chapter {file % 14 + 1}: Benchmark\n\n---\n\n"
        body = "".join(
            card_text(cards[(file * CARDS_PER_FILE + card) % len(cards)], file, card)
            for card in range(CARDS_PER_FILE)
        )
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
    status = 0
    for corpus, cards in (("deck", templates()), ("prose", prose_templates())):
        work = Path(tempfile.mkdtemp(prefix="studyapp-bench-"))
        try:
            status |= _run(work, corpus, cards)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return status


def cli_seconds(args: list[str], runs: int = 5) -> float:
    """Best wall time of running `studyapp ARGS` as its own process.

    As on a user's machine, Python keeps the compiled modules (`__pycache__`): a first run
    writes them, also where the environment says PYTHONDONTWRITEBYTECODE (as some sandboxes
    and CI images do), which would otherwise have every run compile the app's sources again.
    """
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    command = [sys.executable, "-m", "studyapp", *args]
    subprocess.run(command, capture_output=True, check=True, env=env)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return min(times)


def _run(work: Path, corpus: str, cards: list[str]) -> int:
    decks = work / "decks"
    decks.mkdir()
    paths = write_library(decks, cards)
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
    database = work / "cli.db"
    subprocess.run(
        [sys.executable, "-m", "studyapp", "--db", str(database), "import", str(decks)],
        capture_output=True,
        check=True,
    )
    cli_unchanged = cli_seconds(["--db", str(database), "import", str(decks)])
    cli_version = cli_seconds(["--version"])

    rng = random.Random(11)
    edits = iter(range(1, 100))

    def edit_one_percent() -> None:
        round_ = next(edits)
        for target in rng.sample(range(FILES * CARDS_PER_FILE), FILES * CARDS_PER_FILE // 100):
            path = paths[target // CARDS_PER_FILE]
            text = path.read_text()
            marker = f":p (deck {target // CARDS_PER_FILE}, card {target % CARDS_PER_FILE}) "
            at = text.index(marker)
            answer_at = text.index("??x\n", at) + len("??x\n")
            path.write_text(f"{text[:answer_at]}(edit {round_}) {text[answer_at:]}")

    def edited_import() -> None:
        reports = import_paths(store.sessions, [decks], NOW)  # type: ignore[attr-defined]
        assert sum(r.added for r in reports) == 0
        assert sum(r.updated for r in reports) > 0

    edited = best_of(3, edited_import, edit_one_percent)
    # The import parses large folders in a second process: count its peak too.
    peak_mb = (
        max(
            resource.getrusage(who).ru_maxrss
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        / 1024
    )
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
            "name": "re-import, no change, whole CLI process",
            "value": cli_unchanged,
            "unit": "s",
            "ratio_to_version": cli_unchanged / cli_version,
            "target": "≤ 1.3× `studyapp --version`",
            "ok": cli_unchanged <= 1.3 * cli_version,
        },
        {"name": "`studyapp --version`", "value": cli_version, "unit": "s"},
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
    return report(
        f"import-{corpus}",
        figures,
        {"corpus": corpus, "files": FILES, "cards": FILES * CARDS_PER_FILE},
    )
