"""Reading files for an import: expanding folders, hashing, parsing and matching demo
keywords, everything an import does before it touches the database.

A large import parses in a second process (which dies with its parent) while the first
writes; if that process dies, the rest is parsed here and the report says so. A parser bug on
one file fails that file only. Imports no UI and no database code.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from studyapp.domain.parsing import SUFFIXES, ParsedDeck, ParseError
from studyapp.domain.parsing.dialect import DEFAULT_OPTIONS, ParseOptions, SourceWithOptions
from studyapp.domain.parsing.source import (
    SourceText,
    content_digest,
    decode_source,
    read_limited,
)

DemoMatcher = Callable[[str], Sequence[str]]


@dataclass(frozen=True, slots=True)
class Target:
    path: Path  # resolved, the key decks are stored under
    display: str  # as the user wrote it, for messages


def collect_targets(
    paths: Iterable[str | Path],
) -> tuple[list[Target], list[tuple[str, str]], list[Path]]:
    """Expand files and folders into the files to import.

    Returns the files, (path, message) for each path that holds nothing to import, and the
    folders that were walked (decks under them whose file is gone get retired).
    """
    targets: list[Target] = []
    failures: list[tuple[str, str]] = []
    folders: list[Path] = []
    for raw in paths:
        path = Path(raw).expanduser()
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()
            )
            if not found:
                failures.append((str(raw), "folder holds no markdown (.md, .markdown, .txt)"))
            folders.append(path.resolve())
            targets += [Target(p.resolve(), str(p)) for p in found]
        elif path.exists():
            targets.append(Target(path.resolve(), str(raw)))
        else:
            failures.append((str(raw), "no such file or folder"))
    unique = list({t.path: t for t in targets}.values())
    return unique, failures, folders


@dataclass(slots=True)
class Prepared:
    """A file read, hashed, parsed and matched against the demo catalogue: everything an
    import does before it touches the database, so it can run in another process."""

    content_hash: str = ""
    unchanged: bool = False
    parsed: ParsedDeck | None = None
    automatic: list[tuple[str, ...]] = field(default_factory=list)  # per card
    error: ParseError | None = None
    note: str | None = None  # said in the file's report (the parsing process died, ...)


def read_target(
    target: Target, known_hash: str | None, options: ParseOptions = DEFAULT_OPTIONS
) -> Prepared | SourceText:
    def with_options(content_hash: str) -> str:
        # A vault, other separators or a forced dialect change what the same text yields.
        key = f"{content_hash}\x00{options.fingerprint()}".encode()
        return hashlib.sha256(key).hexdigest()

    name = target.display or str(target.path)
    try:
        data = read_limited(target.path, name)
        content_hash = content_digest(data)
        if options != DEFAULT_OPTIONS:
            content_hash = with_options(content_hash)
        if content_hash == known_hash:  # the same bytes as last time: nothing to decode
            return Prepared(content_hash, unchanged=True)
        source = decode_source(name, data)
    except ParseError as error:
        return Prepared(error=error)
    if options != DEFAULT_OPTIONS:
        source = SourceWithOptions(source.path, source.text, content_hash, source.warnings, options)
    return source


def prepare(source: SourceText, match_demos: DemoMatcher | None) -> Prepared:
    """`source` parsed and linked to demos, or the one error that fails this file alone."""
    try:
        return _prepare(source, match_demos)
    except ParseError as error:
        return Prepared(error=error)
    except Exception as error:
        # A parser or linker bug on one file must not lose the import of every other file;
        # nor may it escape the parsing process, whose pool would stop the whole import.
        return Prepared(error=ParseError(source.path, f"could not parse: {error!r}"))


def _prepare(source: SourceText, match_demos: DemoMatcher | None) -> Prepared:
    # Imported here: the parsers load markdown-it, which an unchanged re-import never needs.
    from studyapp.domain.parsing.detect import parse_source

    parsed = parse_source(source)
    if match_demos is not None:  # a caller's own matcher (tests, custom setups), per card
        automatic = [
            () if card.demo_names else tuple(match_demos(card_text(card))) for card in parsed.cards
        ]
    else:  # the catalogue's rules, which also judge the deck as a whole
        from studyapp.demos.matching import link_deck

        linked = link_deck([(card_text(card), card.chapter) for card in parsed.cards])
        automatic = [
            () if card.demo_names else tuple(links)
            for card, links in zip(parsed.cards, linked, strict=True)
        ]
    return Prepared(source.content_hash, parsed=parsed, automatic=automatic)


def prepare_with_catalogue(source: SourceText) -> Prepared:
    return prepare(source, None)


# Below this many files to parse, a second process costs more to start than it saves.
PARALLEL_MIN_FILES = 24
# Files parsed here while the parsing process starts (spawning it and importing the parser
# takes about as long as parsing and writing this many files).
PARSED_WHILE_STARTING = 8


def parsing_processes() -> int:
    """How many processes parse a large import while this one writes: one core is this
    process's, the others parse (one at least, four at most)."""
    return max(1, min(4, (os.cpu_count() or 1) - 1))


def prepare_all(sources: list[SourceText], match_demos: DemoMatcher | None) -> Iterator[Prepared]:
    """Parsed files in order. A large import parses in other processes
    (`parsing_processes`) while this one writes to the database, so every core works; a
    small one, or one with a custom matcher (which may not cross a process boundary), parses
    here. This process parses the first files itself, while the pool starts. If a parsing
    process dies, the rest is parsed here, and the next file's report says so."""
    if match_demos is not None or len(sources) < PARALLEL_MIN_FILES or (os.cpu_count() or 1) < 2:
        for source in sources:
            yield prepare(source, match_demos)
        return
    # "spawn": the parent may run threads (the TUI's workers), which fork does not survive.
    context = multiprocessing.get_context("spawn")
    done = 0
    pool = ProcessPoolExecutor(
        max_workers=parsing_processes(), mp_context=context, initializer=die_with_parent
    )
    try:
        first = min(PARSED_WHILE_STARTING, len(sources))
        with children_ignore_interrupts():  # the pool starts its processes in `submit`
            futures = [pool.submit(prepare_with_catalogue, s) for s in sources[first:]]
        for source in sources[:first]:
            done += 1
            yield prepare(source, None)
        for future in futures:
            prepared = future.result()
            done += 1
            yield prepared
    except BrokenProcessPool as error:
        note: str | None = (
            f"the parsing process stopped ({error or 'killed'}); parsed the rest in-process"
        )
        for source in sources[done:]:
            prepared = prepare(source, None)
            prepared.note, note = note, None
            yield prepared
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@contextmanager
def children_ignore_interrupts() -> Iterator[None]:
    """Processes started inside never see Ctrl-C: they start with SIGINT blocked, and a
    blocked signal stays blocked across exec. A terminal sends SIGINT to the whole process
    group, and answering it (one line, exit 130, the pool shut down) is this process's job; a
    parsing process still importing its modules would print a traceback.

    Blocked, not ignored: a Ctrl-C that arrives meanwhile waits, and this process answers it
    as soon as the block ends (ignoring it lost it, and the import ran on to its end; CI saw
    that on a loaded machine, 2026-12-03). Only the main thread receives Ctrl-C as a signal;
    elsewhere (the TUI's workers) it is a key."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def die_with_parent() -> None:
    """In the parsing process: be killed when the importing process dies (SIGKILL included),
    so no orphan keeps parsing forever. Linux only (prctl); elsewhere the pool's own
    shutdown covers a normal exit."""
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


class LinkedText(Protocol):
    """The texts of a card, parsed or stored."""

    @property
    def title(self) -> str | None: ...
    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def context(self) -> str: ...


def card_text(card: LinkedText) -> str:
    """What automatic demo linking reads of a card."""
    return f"{card.title or ''}\n{card.question}\n{card.answer}\n{card.context}"
