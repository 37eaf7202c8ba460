"""Chapter 11 demo: the book's Music Transformer, which writes a melody one note at a time.

    python -m demos.music_transformer [--quick] [--data auto|offline|PATH] [--temperature T]
                                      [--events N] ...

The book trains on the MIDI files of Bach's cello suites (a folder of `.mid` files the app never
downloads); `--data PATH` takes that folder (or any folder of MIDI files, or one file) and reads
it as the book does: each score is chordified and every chord gives its top note. music21's
bundled corpus has no cello suites, so `--data offline` (and `auto`, which has nothing to
download) trains on the 408 Bach chorales that ship inside the music21 wheel: the soprano part
(the first part where no part is called "Soprano"), a single melodic line like a cello's.

Each piece becomes two parallel streams of string tokens, as in the book: "START" (duration
"0.0") opens a piece; a key ("F:major") or time signature ("4/4TS") is an event of duration
"0.0"; a note is its pitch with octave ("B-4"), a chord its top pitch, a rest "rest", each with
its length in quarter notes ("0.5", "1/3"). All pieces are joined into one stream and cut into
overlapping windows of 51 events: the model reads the first 50 and predicts the last 50.

Model, as in the book: note ids and duration ids each get an Embedding of 128 (he_uniform) plus
a sine position encoding; the two are concatenated into 256 values per event -> one transformer
block (the chapter 9 GPT's: MultiHeadAttention, 5 heads of key size 256 under a causal mask,
dropout 0.3, residual + LayerNormalization, a 256-unit relu feed-forward layer, residual +
LayerNormalization) -> two softmax heads, the next note and the next duration, each with its own
sparse categorical cross-entropy (the loss is their sum). Adam, batch 256. The book runs 5,000
epochs over the cello suites; the default here is 10 epochs of the chorales (about 90 steps each,
and every event is seen in up to 50 windows per epoch), `--epochs` to change it.

Generation, as in the book's MusicGenerator: start from "START", sample the next note and the
next duration from the two heads at `--temperature` (book 0.5), append, repeat up to `--events`
events (book 50). Two constraints keep the output playable: "START" (a new piece) and the
padding/unknown tokens are never drawn, and a sounding event (note or rest) never gets the
zero duration of a key or time signature, which in turn always gets "0.0".

Artifacts: `generated.mid` (written by music21), `piano_roll.png` (a real chorale melody above
the generated one), `generated.json` (the generated tokens), `model.keras` (reload with
`keras.saving.load_model(path, custom_objects=custom_objects())`) and `vocabulary.json` (the
note and duration vocabularies). keras and music21 are imported inside the functions: the entry
point sets KERAS_BACKEND before the first keras import, and a missing dataset fails fast.
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from demos.data import DatasetUnavailable
from demos.entrypoint import DemoRun, DemoSpec, run
from demos.options import TrainingDefaults
from demos.text_data import PAD, UNK, Vocabulary, positive_float

NAME = "music-transformer"
SEQ_LEN = 50
EMBEDDING_DIM = 256
KEY_DIM = 256
N_HEADS = 5
DROPOUT_RATE = 0.3
FEED_FORWARD_DIM = 256
DEFAULTS = TrainingDefaults(epochs=10, batch_size=256, quick_epochs=3, quick_steps_per_epoch=6)
TEMPERATURE = 0.5
GENERATED_EVENTS = 50
#: Chorales parsed by a --quick run (under a second): about 1,400 events, 1,360 windows.
QUICK_PIECES = 24
#: Events of the real melody drawn above the generated one in the piano roll.
PIANO_ROLL_EVENTS = 50

START = "START"
REST = "rest"
ZERO_DURATION = "0.0"
MIDI_SUFFIXES = frozenset({".mid", ".midi"})
SOURCE_CORPUS = "offline:music21-corpus"
SOURCE_PATH = "path"
BOOK_DATASET = "bach-cello-suites"


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


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class MusicCorpus:
    """Pieces as parallel note and duration tokens, and where they came from."""

    name: str
    title: str
    source: str
    pieces: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
    """Per piece: (notes, durations), each starting with START / "0.0"."""
    piece_names: tuple[str, ...]
    stands_in_for: str | None = BOOK_DATASET

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


def load_music(data: str, *, max_pieces: int | None = None) -> MusicCorpus:
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
) -> dict[str, Any]:
    """The `dataset` event of the music demo (the image demos' fields, for two streams)."""
    return {
        "name": corpus.name,
        "title": corpus.title,
        "source": corpus.source,
        "stands_in_for": corpus.stands_in_for,
        "classes": [],
        "shapes": {
            "x_train": [len(sequences), 2, SEQ_LEN],
            "y_train": [len(sequences), 2, SEQ_LEN],
            "x_test": None,
            "y_test": None,
        },
        "pieces": len(corpus.pieces),
        "events": events,
        "note_vocabulary_size": len(note_vocabulary),
        "duration_vocabulary_size": len(duration_vocabulary),
    }


# --------------------------------------------------------------------------- model


@functools.cache
def custom_objects() -> dict[str, Any]:
    """The model's own layers, for `keras.saving.load_model` (defined once keras is imported).

    The transformer block and its causal mask are the chapter 9 GPT's, as in the book.
    """
    import keras
    from keras import layers, ops

    from demos import gpt

    def sine_position_encoding(length: Any, width: int, dtype: str) -> Any:
        """(length, width): sin on even features, cos on odd ones, wavelengths up to 10,000
        (KerasNLP's SinePositionEncoding, which the book uses)."""
        position = ops.cast(ops.arange(length), "float32")
        features = ops.arange(width)
        timescales = ops.power(
            1.0 / 10_000.0, ops.cast(2 * (features // 2), "float32") / float(width)
        )
        angles = ops.expand_dims(position, 1) * ops.expand_dims(timescales, 0)
        cos_mask = ops.cast(features % 2, "float32")
        encoding = ops.sin(angles) * (1.0 - cos_mask) + ops.cos(angles) * cos_mask
        return ops.cast(encoding, dtype)

    @keras.saving.register_keras_serializable(package="studyapp_music")
    class TokenAndSinePositionEmbedding(layers.Layer):
        def __init__(self, vocab_size: int, embed_dim: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.vocab_size, self.embed_dim = vocab_size, embed_dim
            self.token_emb = layers.Embedding(
                vocab_size, embed_dim, embeddings_initializer="he_uniform", name="token_emb"
            )

        def build(self, input_shape: Any) -> None:
            # Explicit, so that a reloaded model builds its weights before they are loaded.
            self.token_emb.build(input_shape)

        def call(self, x: Any) -> Any:
            embedding = self.token_emb(x)
            encoding = sine_position_encoding(ops.shape(x)[-1], self.embed_dim, self.compute_dtype)
            return embedding + encoding

        def get_config(self) -> dict[str, Any]:
            return {
                **super().get_config(),
                "vocab_size": self.vocab_size,
                "embed_dim": self.embed_dim,
            }

    return {
        **gpt.custom_objects(),
        "TokenAndSinePositionEmbedding": TokenAndSinePositionEmbedding,
        "sine_position_encoding": sine_position_encoding,
    }


def build_music_transformer(
    note_vocab_size: int,
    duration_vocab_size: int,
    *,
    embedding_dim: int = EMBEDDING_DIM,
    num_heads: int = N_HEADS,
    key_dim: int = KEY_DIM,
    feed_forward_dim: int = FEED_FORWARD_DIM,
) -> Any:
    """Two id streams in ((batch, T) each), two next-event distributions out ((batch, T, V))."""
    import keras
    from keras import layers

    objects = custom_objects()
    note_inputs = keras.Input(shape=(None,), dtype="int32", name="note_ids")
    duration_inputs = keras.Input(shape=(None,), dtype="int32", name="duration_ids")
    embed = objects["TokenAndSinePositionEmbedding"]
    note_embeddings = embed(note_vocab_size, embedding_dim // 2, name="note_embedding")(note_inputs)
    duration_embeddings = embed(duration_vocab_size, embedding_dim // 2, name="duration_embedding")(
        duration_inputs
    )
    embeddings = layers.Concatenate(name="event_embedding")([note_embeddings, duration_embeddings])
    x, _ = objects["TransformerBlock"](
        num_heads, key_dim, embedding_dim, feed_forward_dim, DROPOUT_RATE, name="attention"
    )(embeddings)
    # float32 probabilities under a mixed policy: the sampling takes their logarithm.
    note_outputs = layers.Dense(
        note_vocab_size, activation="softmax", dtype="float32", name="note_outputs"
    )(x)
    duration_outputs = layers.Dense(
        duration_vocab_size, activation="softmax", dtype="float32", name="duration_outputs"
    )(x)
    return keras.Model(
        [note_inputs, duration_inputs], [note_outputs, duration_outputs], name="music_transformer"
    )


# --------------------------------------------------------------------------- generation


def is_sounding(token: str) -> bool:
    """A note or a rest (it takes time), as opposed to START, a key or a time signature."""
    return token not in (START, PAD, UNK) and not token.endswith("TS") and ":" not in token


def sample_from(
    probabilities: np.ndarray, allowed: np.ndarray, temperature: float, rng: np.random.Generator
) -> int:
    """Draw an index among `allowed` from `probabilities` sharpened or flattened by temperature
    (the book's `sample_from`: p ** (1 / T), renormalised)."""
    logits = np.log(np.clip(np.asarray(probabilities, dtype="float64"), 1e-12, None)) / temperature
    logits = np.where(allowed, logits, -np.inf)
    logits -= logits.max()
    weights = np.exp(logits)
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def generation_rng(seed: int) -> np.random.Generator:
    """The random stream of a run's generated piece: a reloaded model given the same stream
    must write the same music."""
    return np.random.default_rng([seed, 11])


def generate_music(
    model: Any,
    note_vocabulary: Vocabulary,
    duration_vocabulary: Vocabulary,
    *,
    events: int,
    temperature: float,
    rng: np.random.Generator,
) -> tuple[list[str], list[str]]:
    """(notes, durations) of a new piece, START first, sampled one event at a time."""
    notes, durations = [START], [ZERO_DURATION]
    note_index, duration_index = note_vocabulary.index(), duration_vocabulary.index()
    note_allowed = np.array([is_sounding(w) or w.endswith("TS") or ":" in w
                             for w in note_vocabulary.words])  # fmt: skip
    zero = np.array([w == ZERO_DURATION for w in duration_vocabulary.words])
    positive = np.array(
        [w not in (PAD, UNK) and duration_value(w) > 0 for w in duration_vocabulary.words]
    )
    while len(notes) < events:
        x_notes = np.asarray([[note_index.get(n, 1) for n in notes[-SEQ_LEN:]]], dtype="int32")
        x_durations = np.asarray(
            [[duration_index.get(d, 1) for d in durations[-SEQ_LEN:]]], dtype="int32"
        )
        with warnings.catch_warnings():
            # With START alone as context each head attends to a single key, and Keras warns
            # that a softmax over an axis of size 1 is always 1: here that is exactly right.
            warnings.filterwarnings(
                "ignore", message="You are using a softmax over axis", category=UserWarning
            )
            note_probabilities, duration_probabilities = model(
                [x_notes, x_durations], training=False
            )
        note = note_vocabulary.words[
            sample_from(np.asarray(note_probabilities)[0, -1], note_allowed, temperature, rng)
        ]
        allowed = positive if is_sounding(note) else zero
        if not allowed.any():  # a vocabulary without such durations: take what there is
            allowed = positive | zero
        duration = duration_vocabulary.words[
            sample_from(np.asarray(duration_probabilities)[0, -1], allowed, temperature, rng)
        ]
        notes.append(note)
        durations.append(duration)
    return notes, durations


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


# --------------------------------------------------------------------------- training


def train(demo: DemoRun) -> dict[str, float]:
    import keras

    options = demo.options
    corpus = load_music(options.data, max_pieces=QUICK_PIECES if options.quick else None)
    notes, durations = corpus.stream()
    note_vocabulary = Vocabulary.build([notes], len(set(notes)) + 2)
    duration_vocabulary = Vocabulary.build([durations], len(set(durations)) + 2)
    sequences = make_sequences(notes, durations, note_vocabulary, duration_vocabulary)
    if options.max_steps_per_epoch is not None:
        order = np.random.default_rng(options.seed).permutation(len(sequences))
        sequences = sequences.take(order[: options.max_steps_per_epoch * options.batch_size])
    demo.events.emit(
        "dataset",
        **dataset_event(corpus, sequences, note_vocabulary, duration_vocabulary, len(notes)),
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
    history = model.fit(
        [sequences.x_notes, sequences.x_durations],
        {"note_outputs": sequences.y_notes, "duration_outputs": sequences.y_durations},
        epochs=options.epochs,
        batch_size=options.batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[demo.progress_callback()],
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
    }


SPEC = DemoSpec(
    name=NAME,
    title="The Music Transformer: notes and durations (Generative Deep Learning, chapter 11)",
    dataset=BOOK_DATASET,
    defaults=DEFAULTS,
    train=train,
    add_arguments=add_arguments,
    check_data=check_music_data,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
