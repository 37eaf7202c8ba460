"""What the music demo writes besides its model: the generated piece as a music21 stream
(for `generated.mid`), and a piano roll of real and generated melodies (`piano_roll.png`).

music21 and matplotlib are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from demos.music_data import REST, START, duration_value, is_sounding
from demos.text_data import PAD, UNK


def to_music21_stream(notes: Sequence[str], durations: Sequence[str]) -> Any:
    """The book's `get_midi_note` for every event: a music21 stream ready to write as MIDI."""
    from music21 import duration, instrument, key, meter, note, stream

    piece: Any = stream.Stream()
    piece.append(instrument.Piano())
    for token, length in zip(notes, durations, strict=True):
        if token in (START, PAD, UNK):
            continue
        if token.endswith("TS"):
            piece.append(meter.TimeSignature(token[: -len("TS")]))
        elif ":" in token:
            tonic, mode = token.split(":", 1)
            piece.append(key.Key(tonic, mode))
        else:
            event = note.Rest() if token == REST else note.Note(token)
            event.duration = duration.Duration(duration_value(length))
            piece.append(event)
    return piece


@dataclass(frozen=True)
class RollNote:
    """One sounding note of a piano roll: when it starts and how long, in quarter notes."""

    start: float
    length: float
    midi: int
    name: str


def piano_roll_notes(notes: Sequence[str], durations: Sequence[str]) -> list[RollNote]:
    """The notes of an event list placed in time (rests only move the clock)."""
    from music21 import pitch

    roll: list[RollNote] = []
    clock = 0.0
    for token, length in zip(notes, durations, strict=True):
        if not is_sounding(token):
            continue
        quarters = duration_value(length)
        if token != REST:
            roll.append(RollNote(clock, quarters, int(pitch.Pitch(token).midi), token))
        clock += quarters
    return roll


def piano_roll(panels: Sequence[tuple[str, Sequence[RollNote]]], path: Path) -> Path:
    """Save one piano roll per (title, notes): time across, pitch up."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 3.2 * len(panels)), layout="constrained")
    for index, (title, roll) in enumerate(panels):
        axes = figure.add_subplot(len(panels), 1, index + 1)
        for item in roll:
            axes.broken_barh(
                [(item.start, max(item.length, 0.05))], (item.midi - 0.4, 0.8),
                facecolors="#1f77b4", edgecolors="black", linewidth=0.5,
            )  # fmt: skip
        if roll:
            low = min(n.midi for n in roll)
            high = max(n.midi for n in roll)
            axes.set_ylim(low - 2, high + 2)
            axes.set_xlim(0, max(n.start + n.length for n in roll) + 0.5)
            ticks = [m for m in range(low - 1, high + 2) if m % 12 in (0, 4, 7)]
            names = {0: "C", 4: "E", 7: "G"}
            axes.set_yticks(ticks, labels=[f"{names[m % 12]}{m // 12 - 1}" for m in ticks])
        axes.grid(axis="x", alpha=0.3)
        axes.set_xlabel("time (quarter notes)")
        axes.set_ylabel("pitch")
        axes.set_title(title)
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=100)
    return path
