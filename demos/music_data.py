"""The music demo's data: pieces read as the book reads them, as note and duration tokens.

The book trains on the MIDI files of Bach's cello suites (a folder of `.mid` files the app never
downloads); `--data PATH` takes that folder (or any folder of MIDI files, or one file) and reads
it as the book does: each score is chordified and every chord gives its top note. music21's
bundled corpus has no cello suites, so `--data offline` (and `auto`, which has nothing to
download) reads the 408 Bach chorales that ship inside the music21 wheel: the soprano part (the
first part where no part is called "Soprano"), a single melodic line like a cello's.

Each piece becomes two parallel streams of string tokens, as in the book: "START" (duration
"0.0") opens a piece; a key ("F:major") or time signature ("4/4TS") is an event of duration
"0.0"; a note is its pitch with octave ("B-4"), a chord its top pitch, a rest "rest", each with
its length in quarter notes ("0.5", "1/3"). All pieces are joined into one stream and cut into
overlapping windows of 51 events: the model reads the first 50 and predicts the last 50.

Imports numpy; music21 only inside the functions that parse, so a missing dataset fails fast.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from demos.data import DatasetUnavailable
from demos.text_data import PAD, UNK, Vocabulary
from studyapp.demos.protocol import DatasetEvent

SEQ_LEN = 50
START = "START"
REST = "rest"
ZERO_DURATION = "0.0"
MIDI_SUFFIXES = frozenset({".mid", ".midi"})
SOURCE_CORPUS = "offline:music21-corpus"
SOURCE_PATH = "path"


@dataclass(frozen=True)
class MusicCorpus:
    """Pieces as parallel note and duration tokens, and where they came from."""

    name: str
    title: str
    source: str
    pieces: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    """Per piece: (notes, durations), each starting with START / "0.0"."""
    piece_names: tuple[str, ...]
    stands_in_for: str | None = None
    """The book's dataset these pieces stand in for."""

    def stream(self) -> tuple[list[str], list[str]]:
        """All pieces joined into one pair of streams, as the book's parser builds them."""
        notes: list[str] = []
        durations: list[str] = []
        for piece_notes, piece_durations in self.pieces:
            notes += piece_notes
            durations += piece_durations
        return notes, durations


def _music21_folder() -> Path | None:
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def chorale_files() -> list[Path]:
    """The Bach chorales (MusicXML) of music21's bundled corpus, sorted by name."""
    folder = _music21_folder()
    if folder is None:
        return []
    return sorted((folder / "corpus" / "bach").glob("*.mxl"))


def midi_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path] if path.suffix.lower() in MIDI_SUFFIXES else []
    return sorted(p for p in path.rglob("*") if p.suffix.lower() in MIDI_SUFFIXES)


def check_music_data(data: str) -> None:
    """Fail fast, before any backend import (and without importing music21)."""
    if _music21_folder() is None:
        raise DatasetUnavailable(
            "the music demo needs music21 (pip install 'studyapp[demos]' or pip install music21)"
        )
    if data in ("auto", "offline"):
        if not chorale_files():
            raise DatasetUnavailable(
                f"music21's corpus of Bach chorales is missing from {_music21_folder()}/corpus; "
                "reinstall music21, or pass a folder of MIDI files with --data PATH"
            )
        return
    path = Path(data)
    if not path.exists():
        raise DatasetUnavailable(f"--data {data}: no such file or directory")
    if not midi_files(path):
        raise DatasetUnavailable(
            f"--data {data}: no MIDI files (.mid, .midi) here; the book's data is a folder of "
            "the cello suites' MIDI files"
        )


def duration_token(quarter_length: Any) -> str:
    """The book's duration string: str(quarterLength), "0.5", "2.0" or "1/3" for triplets."""
    return str(quarter_length)


def duration_value(token: str) -> float:
    """Quarter notes of a duration token ("0.5" -> 0.5, "1/3" -> 0.333...)."""
    return float(Fraction(token))


def score_tokens(elements: Iterable[Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(notes, durations) of one piece's flattened elements, the book's `parse_midi_files`."""
    from music21 import chord, key, meter, note

    notes, durations = [START], [ZERO_DURATION]
    for element in elements:
        if isinstance(element, key.Key):
            token, length = f"{element.tonic.name}:{element.mode}", ZERO_DURATION
        elif isinstance(element, meter.TimeSignature):
            token, length = f"{element.ratioString}TS", ZERO_DURATION
        elif isinstance(element, chord.Chord):
            if not element.pitches:
                continue
            # The top note: the melody sits above whatever else sounds with it.
            top = max(element.pitches, key=lambda p: p.ps)
            token, length = top.nameWithOctave, duration_token(element.duration.quarterLength)
        elif isinstance(element, note.Rest):
            token, length = REST, duration_token(element.duration.quarterLength)
        elif isinstance(element, note.Note):
            token, length = element.nameWithOctave, duration_token(element.duration.quarterLength)
        else:
            continue
        notes.append(token)
        durations.append(length)
    return tuple(notes), tuple(durations)


def _melody_part(score: Any) -> Any:
    parts = list(score.parts)
    if not parts:
        return score
    sopranos = [p for p in parts if (p.partName or "").strip().lower().startswith("soprano")]
    return sopranos[0] if sopranos else parts[0]


def quick_selection(files: Sequence[Path], count: int) -> list[Path]:
    """`count` files spread evenly over `files` (the whole corpus, not only its first names)."""
    if len(files) <= count:
        return list(files)
    indices = np.linspace(0, len(files) - 1, count).round().astype(int)
    return [files[i] for i in dict.fromkeys(indices.tolist())]


def load_music(
    data: str, *, stands_in_for: str | None = None, max_pieces: int | None = None
) -> MusicCorpus:
    """The pieces for `--data` (see the module docstring); `max_pieces` for quick runs."""
    from music21 import converter

    check_music_data(data)
    # forceSource: parse the file itself and write no pickle into music21's scratch folder.
    if data in ("auto", "offline"):
        files = chorale_files()
        chosen = quick_selection(files, max_pieces) if max_pieces else files
        pieces: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        for file in chosen:
            score = converter.parse(file, forceSource=True)
            pieces.append(score_tokens(_melody_part(score).flatten()))
        return MusicCorpus(
            "bach-chorales",
            f"Bach chorales from music21's corpus, soprano line ({len(pieces)} of {len(files)})",
            SOURCE_CORPUS,
            tuple(pieces),
            tuple(file.stem for file in chosen),
            stands_in_for,
        )
    path = Path(data)
    files = midi_files(path)
    chosen = quick_selection(files, max_pieces) if max_pieces else files
    pieces = []
    names: list[str] = []
    for file in chosen:
        try:
            score = converter.parse(file, forceSource=True)
        except Exception as exc:  # music21 raises many kinds; one bad file must not end a run
            print(f"skipping {file}: music21 could not read it ({exc})", file=sys.stderr)
            continue
        # The book's way: chordify every voice together, then keep each chord's top note.
        pieces.append(score_tokens(score.chordify().flatten()))
        names.append(file.stem)
    if not any(len(notes) > 1 for notes, _ in pieces):
        raise DatasetUnavailable(f"--data {data}: none of the MIDI files has notes music21 reads")
    return MusicCorpus(
        path.stem if path.is_file() else path.name,
        f"MIDI files from {path} ({len(pieces)} of {len(files)})",
        SOURCE_PATH,
        tuple(pieces),
        tuple(names),
        stands_in_for,
    )


@dataclass(frozen=True)
class MusicSequences:
    """Next-event training pairs for both streams: x[i, t] predicts y[i, t] = x[i, t + 1]."""

    x_notes: np.ndarray
    x_durations: np.ndarray
    y_notes: np.ndarray
    y_durations: np.ndarray

    def __len__(self) -> int:
        return len(self.x_notes)

    def take(self, indices: np.ndarray) -> MusicSequences:
        return MusicSequences(
            self.x_notes[indices],
            self.x_durations[indices],
            self.y_notes[indices],
            self.y_durations[indices],
        )


def make_sequences(
    notes: Sequence[str],
    durations: Sequence[str],
    note_vocabulary: Vocabulary,
    duration_vocabulary: Vocabulary,
    seq_len: int = SEQ_LEN,
) -> MusicSequences:
    """Every window of `seq_len` + 1 consecutive events, one event apart (the book's)."""
    note_ids = np.asarray(note_vocabulary.encode(notes), dtype="int32")
    duration_ids = np.asarray(duration_vocabulary.encode(durations), dtype="int32")
    count = max(0, len(note_ids) - seq_len)
    if count == 0:
        raise DatasetUnavailable(
            f"the music has {len(note_ids)} events; at least {seq_len + 1} are needed"
        )
    windows = np.arange(count)[:, None] + np.arange(seq_len + 1)[None, :]
    n, d = note_ids[windows], duration_ids[windows]
    return MusicSequences(n[:, :-1], d[:, :-1], n[:, 1:], d[:, 1:])


def dataset_event(
    corpus: MusicCorpus,
    sequences: MusicSequences,
    note_vocabulary: Vocabulary,
    duration_vocabulary: Vocabulary,
    events: int,
) -> DatasetEvent:
    """The `dataset` event of the music demo (the image demos' fields, for two streams)."""
    windows = [len(sequences), 2, SEQ_LEN]
    return DatasetEvent(
        corpus.name,
        corpus.source,
        {"x_train": windows, "y_train": windows, "x_test": None, "y_test": None},
        title=corpus.title,
        stands_in_for=corpus.stands_in_for,
        extra={
            "pieces": len(corpus.pieces),
            "events": events,
            "note_vocabulary_size": len(note_vocabulary),
            "duration_vocabulary_size": len(duration_vocabulary),
        },
    )


def is_sounding(token: str) -> bool:
    """A note or a rest (it takes time), as opposed to START, a key or a time signature."""
    return token not in (START, PAD, UNK) and not token.endswith("TS") and ":" not in token
