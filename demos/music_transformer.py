"""Chapter 11 demo: the book's Music Transformer, which writes a melody one note at a time.

    python -m demos.music_transformer [--quick] [--data auto|offline|PATH] [--temperature T]
                                      [--events N] ...

The book's Music Transformer, in three parts: `demos.music_data` reads the pieces (the book's
MIDI files with `--data PATH`; the 408 Bach chorales that ship inside music21 offline) as
parallel note and duration tokens cut into windows of 50 events; `demos.music_model` is the
model (two embeddings with a sine position encoding, the chapter 9 GPT's transformer block, a
note head and a duration head) and its generation; `demos.music_output` writes MIDI and the
piano roll. This module trains: the loss is the sum of both heads' sparse categorical
cross-entropies, Adam, the catalogue's batch size and epochs (the book runs 5,000 epochs over
the cello suites; the default here is 10 epochs of the chorales, about 90 steps each, and
every event is seen in up to 50 windows per epoch). It then writes a piece of up to `--events`
events (book 50) at `--temperature` (book 0.5).

A tenth of the pieces (at least one) is held out. The lesson metric, `note_perplexity_ratio`, is
the perplexity of the held-out pieces' next notes divided by that of a unigram model of notes
(how often each note token occurs in the training pieces, add-one smoothed): below 1 the model
uses the melody so far; the lesson asks for 0.6.

Artifacts: `generated.mid` (written by music21), `piano_roll.png` (a real chorale melody above
the generated one), `generated.json` (the generated tokens), `model.keras` (reload with
`keras.saving.load_model(path, custom_objects=demos.music_model.custom_objects())`) and
`vocabulary.json` (the note and duration vocabularies). keras and music21 are imported inside
the functions: the entry point sets KERAS_BACKEND before the first keras import, and a missing
dataset fails fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from demos import lesson_metrics
from demos.data import DatasetUnavailable
from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.music_data import (
    REST,
    SEQ_LEN,
    check_music_data,
    dataset_event,
    is_sounding,
    load_music,
    make_sequences,
)
from demos.music_model import build_music_transformer, generate_music, generation_rng
from demos.music_output import piano_roll, piano_roll_notes, to_music21_stream
from demos.text_data import Vocabulary, positive_float
from studyapp.demos.catalogue import demo_by_module

TEMPERATURE = 0.5
GENERATED_EVENTS = 50
#: Chorales parsed by a --quick run (under a second): about 1,400 events, 1,360 windows.
QUICK_PIECES = 24
#: Events of the real melody drawn above the generated one in the piano roll.
PIANO_ROLL_EVENTS = 50
#: Chorales parsed by a lesson run, and the share of the pieces held out for validation.
LESSON_PIECES = 120
VALIDATION_FRACTION = 0.1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--temperature",
        type=positive_float,
        default=TEMPERATURE,
        help=f"sampling temperature of the generated music (default {TEMPERATURE})",
    )
    parser.add_argument(
        "--events",
        type=_events,
        default=GENERATED_EVENTS,
        help=f"events (notes, rests, keys...) in the generated piece, START included "
        f"(default {GENERATED_EVENTS})",
    )


def _events(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 2 (START and one event)")
    return value


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    options = demo.options
    corpus = load_music(
        options.data,
        stands_in_for=demo.info.dataset_key,
        max_pieces=QUICK_PIECES if options.quick else LESSON_PIECES if options.lesson else None,
    )
    notes, durations = (list(stream) for stream in corpus.stream())
    held = max(1, round(len(corpus.pieces) * VALIDATION_FRACTION))
    cut = len(notes) - sum(len(n) for n, _ in corpus.pieces[-held:])
    if len(corpus.pieces) < 2 or len(notes) - cut <= SEQ_LEN or cut <= SEQ_LEN:
        raise DatasetUnavailable(
            f"--data {options.data}: {len(corpus.pieces)} piece(s), {len(notes)} events: too "
            f"little music to hold a tenth out and still train on windows of {SEQ_LEN} events"
        )
    notes, durations, held_notes, held_durations = (
        notes[:cut], durations[:cut], notes[cut:], durations[cut:]
    )  # fmt: skip
    note_vocabulary = Vocabulary.build([notes], len(set(notes)) + 2)
    duration_vocabulary = Vocabulary.build([durations], len(set(durations)) + 2)
    sequences = make_sequences(notes, durations, note_vocabulary, duration_vocabulary)
    # Back-to-back validation windows: every held-out event (but the first) a target once.
    validation = make_sequences(held_notes, held_durations, note_vocabulary, duration_vocabulary)
    validation = validation.take(np.arange(0, len(validation), SEQ_LEN))
    if options.max_steps_per_epoch is not None:
        order = np.random.default_rng(options.seed).permutation(len(sequences))
        sequences = sequences.take(order[: options.max_steps_per_epoch * options.batch_size])
    demo.events.write(
        dataset_event(corpus, sequences, note_vocabulary, duration_vocabulary, len(notes))
    )

    model = build_music_transformer(len(note_vocabulary), len(duration_vocabulary))
    model.compile(
        optimizer=keras.optimizers.Adam(),
        loss={
            "note_outputs": keras.losses.SparseCategoricalCrossentropy(),
            "duration_outputs": keras.losses.SparseCategoricalCrossentropy(),
        },
        jit_compile=demo.plan.jit_compile,
    )
    demo.prepare(model)
    history = model.fit(
        [sequences.x_notes, sequences.x_durations],
        {"note_outputs": sequences.y_notes, "duration_outputs": sequences.y_durations},
        epochs=options.epochs,
        batch_size=options.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[demo.progress_callback()],
    )
    held_out = model.evaluate(
        [validation.x_notes, validation.x_durations],
        {"note_outputs": validation.y_notes, "duration_outputs": validation.y_durations},
        verbose=0,
        return_dict=True,
    )
    note_perplexity = float(np.exp(held_out["note_outputs_loss"]))
    unigram = lesson_metrics.unigram_perplexity(
        note_vocabulary.encode(notes), validation.y_notes.reshape(-1), len(note_vocabulary)
    )

    temperature = float(options.extra.get("temperature", TEMPERATURE))
    generated_notes, generated_durations = generate_music(
        model,
        note_vocabulary,
        duration_vocabulary,
        events=int(options.extra.get("events", GENERATED_EVENTS)),
        temperature=temperature,
        rng=generation_rng(options.seed),
    )
    midi_path = demo.out_dir / "generated.mid"
    to_music21_stream(generated_notes, generated_durations).write("midi", fp=str(midi_path))
    demo.artifact("midi", midi_path)
    real_notes, real_durations = corpus.pieces[0]
    real_title = (
        f"A real melody: {corpus.piece_names[0]} from {corpus.name} "
        f"(first {PIANO_ROLL_EVENTS} events)"
    )
    real_roll = piano_roll_notes(real_notes[:PIANO_ROLL_EVENTS], real_durations[:PIANO_ROLL_EVENTS])
    generated_title = f"Generated by the Music Transformer (temperature {temperature})"
    generated_roll = piano_roll_notes(generated_notes, generated_durations)
    roll_path = piano_roll(
        [(real_title, real_roll), (generated_title, generated_roll)],
        demo.out_dir / "piano_roll.png",
    )
    demo.artifact("piano-roll", roll_path)
    demo.write_json(
        "generated-music",
        "generated.json",
        {
            "temperature": temperature,
            "events": len(generated_notes),
            "notes": generated_notes,
            "durations": generated_durations,
        },
    )
    model_path = demo.out_dir / "model.keras"
    model.save(model_path)
    demo.artifact("model", model_path)
    demo.write_json(
        "vocabulary",
        "vocabulary.json",
        {
            "padding_index": 0,
            "unknown_index": 1,
            "notes": list(note_vocabulary.words),
            "durations": list(duration_vocabulary.words),
        },
    )
    logs = history.history
    return {
        "loss": float(logs["loss"][-1]),
        "note_loss": float(logs["note_outputs_loss"][-1]),
        "duration_loss": float(logs["duration_outputs_loss"][-1]),
        "generated_notes": float(sum(1 for n in generated_notes if is_sounding(n) and n != REST)),
        "note_perplexity": note_perplexity,
        "unigram_note_perplexity": unigram,
        "note_perplexity_ratio": lesson_metrics.ratio(note_perplexity, unigram),
    }


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    add_arguments=add_arguments,
    check_data=check_music_data,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
