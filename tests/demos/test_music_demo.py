"""The chapter 11 Music Transformer: a quick offline run as the app runs it, and its model.

The demo runs once (`--quick --data offline`, Bach chorales from music21's corpus) in a
subprocess, cached for the module, and several tests read that run: the event protocol, a
loss that went down, the dataset it names, a MIDI file that music21 reads back with the
generated notes in it, a valid piano-roll PNG, and a saved model that reloads and writes the
same music. The model's properties (causal attention over both streams, an exact save/reload
round trip) and the book's tokenization (`--data PATH` of MIDI files) are checked in this
process on small inputs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

Runner = Callable[..., Any]

SEED = 7
QUICK_EPOCHS = 3
ARTIFACTS = {"midi", "piano-roll", "generated-music", "model", "vocabulary"}
GROUP = pytest.mark.xdist_group("quick-music-transformer")

#: Keras 3.15's TensorFlow `convert_to_numpy` calls np.array(variable), which numpy 2 answers with
#: this DeprecationWarning while a model is saved; it is Keras' to fix and harmless here.
KERAS_SAVE_WARNING = (
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


class QuickRun:
    """Runs the demo at most once per module and remembers the result and its folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.result: tuple[Any, Path] | None = None

    def get(self, run_python: Runner, demo_env: Runner) -> tuple[Any, Path]:
        if self.result is None:
            out = self.root / "music-transformer"
            keras_home = self.root / "keras-home"
            keras_home.mkdir()
            # A small batch (the book's is 256): the checks below do not depend on it.
            args = ["-m", "demos.music_transformer", "--quick", "--data", "offline"]
            args += ["--batch-size", "32"]
            result = run_python(
                [*args, "--seed", str(SEED), "--out", str(out)],
                env=demo_env(keras_home),
                timeout=300,
            )
            assert result.returncode == 0, result.describe()
            self.result = (result, out)
        return self.result


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory: pytest.TempPathFactory) -> QuickRun:
    return QuickRun(tmp_path_factory.mktemp("music-demo"))


@pytest.fixture(scope="module")
def keras_tf() -> Any:
    """keras on the TensorFlow backend in this process, for the model checks."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


# --------------------------------------------------------------------------- the quick run


@pytest.mark.slow
@GROUP
def test_quick_offline_run_speaks_the_protocol(
    quick_run: QuickRun, run_python: Runner, demo_env: Runner
) -> None:
    result, _ = quick_run.get(run_python, demo_env)

    kinds = [e["event"] for e in result.events]
    assert "error" not in kinds, result.describe()
    assert kinds[:2] == ["device", "dataset"], kinds[:5]
    assert kinds[-1] == "done", kinds[-5:]
    first_artifact = kinds.index("artifact")
    assert set(kinds[2:first_artifact]) == {"progress", "epoch"}
    assert set(kinds[first_artifact:-1]) == {"artifact"}, kinds
    assert [e["epoch"] for e in result.of_type("epoch")] == list(range(1, QUICK_EPOCHS + 1))
    for event in result.of_type("progress"):
        assert 1 <= event["epoch"] <= event["epochs"] == QUICK_EPOCHS
        assert 1 <= event["step"] <= event["steps"]
        assert isinstance(event["loss"], float)
        assert set(event["metrics"]) == {"note_outputs_loss", "duration_outputs_loss"}

    device = result.events[0]
    assert device["backend"] == "tensorflow" and device["precision"] == "float32"
    done = result.events[-1]
    assert done["metrics"] and all(isinstance(v, float) for v in done["metrics"].values())


@pytest.mark.slow
@GROUP
def test_quick_run_names_the_chorales_and_both_losses_go_down(
    quick_run: QuickRun, run_python: Runner, demo_env: Runner
) -> None:
    result, _ = quick_run.get(run_python, demo_env)

    dataset = result.of_type("dataset")[0]
    assert (dataset["name"], dataset["source"]) == ("bach-chorales", "offline:music21-corpus")
    assert dataset["stands_in_for"] == "bach-cello-suites" and "chorales" in dataset["title"]
    assert dataset["shapes"]["x_train"][1:] == [2, 50] and dataset["shapes"]["x_train"][0] > 0
    assert dataset["pieces"] > 1 and dataset["note_vocabulary_size"] > 10
    epochs = result.of_type("epoch")
    for key in ("loss", "note_outputs_loss", "duration_outputs_loss"):
        losses = [e["logs"][key] for e in epochs]
        assert losses[-1] < losses[0], (key, losses)


@pytest.mark.slow
@GROUP
def test_quick_run_writes_its_artifacts(
    quick_run: QuickRun, run_python: Runner, demo_env: Runner
) -> None:
    result, out = quick_run.get(run_python, demo_env)

    artifacts = result.of_type("artifact")
    assert {a["kind"] for a in artifacts} == ARTIFACTS
    for artifact in artifacts:
        path = Path(artifact["path"])
        assert path.is_file() and path.parent == out.resolve()
        if path.suffix == ".png":
            with Image.open(path) as image:
                image.verify()
                assert image.format == "PNG" and min(image.size) >= 100
        elif path.suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.slow
@GROUP
def test_generated_midi_parses_back_with_the_generated_notes(
    quick_run: QuickRun, run_python: Runner, demo_env: Runner
) -> None:
    from music21 import converter, pitch

    from demos.music_data import REST, START, is_sounding

    _, out = quick_run.get(run_python, demo_env)
    generated = json.loads((out / "generated.json").read_text(encoding="utf-8"))
    assert generated["notes"][0] == START and len(generated["notes"]) == 50
    assert START not in generated["notes"][1:]

    score = converter.parse(out / "generated.mid", forceSource=True)
    # A note that crosses a barline comes back as two tied notes: merge them first.
    midi_notes = [p.midi for n in score.stripTies().flatten().notes for p in n.pitches]

    # MIDI keeps pitch numbers, not spellings (B-4 comes back as A#4).
    expected = [pitch.Pitch(n).midi for n in generated["notes"] if is_sounding(n) and n != REST]
    assert midi_notes and midi_notes == expected


@pytest.mark.slow
@pytest.mark.filterwarnings(KERAS_SAVE_WARNING)
@GROUP
def test_saved_model_reloads_and_writes_the_same_music(
    quick_run: QuickRun, run_python: Runner, demo_env: Runner, keras_tf: Any
) -> None:
    from demos import music_model
    from demos.text_data import Vocabulary

    _, out = quick_run.get(run_python, demo_env)
    model = keras_tf.saving.load_model(
        out / "model.keras", custom_objects=music_model.custom_objects(), compile=False
    )
    vocabulary = json.loads((out / "vocabulary.json").read_text(encoding="utf-8"))
    generated = json.loads((out / "generated.json").read_text(encoding="utf-8"))

    notes, durations = music_model.generate_music(
        model,
        Vocabulary(tuple(vocabulary["notes"])),
        Vocabulary(tuple(vocabulary["durations"])),
        events=generated["events"],
        temperature=generated["temperature"],
        rng=music_model.generation_rng(SEED),
    )

    assert (notes, durations) == (generated["notes"], generated["durations"])


# --------------------------------------------------------------------------- the model


def _small_model(keras: Any) -> Any:
    from demos import music_model

    keras.utils.set_random_seed(5)
    return music_model.build_music_transformer(
        14, 9, embedding_dim=16, num_heads=2, key_dim=8, feed_forward_dim=16
    )


def test_causal_attention_never_lets_an_event_see_a_later_one(keras_tf: Any) -> None:
    model = _small_model(keras_tf)
    rng = np.random.default_rng(1)
    length = 10
    notes = rng.integers(2, 14, size=(2, length)).astype("int32")
    durations = rng.integers(2, 9, size=(2, length)).astype("int32")
    before = [np.asarray(t) for t in model([notes, durations], training=False)]

    for position in range(length):
        for stream in (0, 1):
            changed = [notes.copy(), durations.copy()]
            vocab = 14 if stream == 0 else 9
            changed[stream][:, position] = (changed[stream][:, position] - 2 + 1) % (vocab - 2) + 2
            after = [np.asarray(t) for t in model(changed, training=False)]
            for head in range(2):  # the note head and the duration head
                np.testing.assert_array_equal(before[head][:, :position], after[head][:, :position])
                # The event itself does see the change: the dependence is real.
                assert not np.allclose(before[head][:, position], after[head][:, position])


def test_two_heads_give_distributions_over_their_own_vocabularies(keras_tf: Any) -> None:
    model = _small_model(keras_tf)
    notes = np.arange(2, 14, dtype="int32").reshape(1, 12)
    durations = np.resize(np.arange(2, 9, dtype="int32"), (1, 12))

    note_p, duration_p = (np.asarray(t) for t in model([notes, durations], training=False))

    assert note_p.shape == (1, 12, 14) and duration_p.shape == (1, 12, 9)
    np.testing.assert_allclose(note_p.sum(-1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(duration_p.sum(-1), 1.0, rtol=1e-5)


def test_the_books_model_sizes(keras_tf: Any) -> None:
    from demos import music_model

    model = music_model.build_music_transformer(60, 12)

    assert model.get_layer("note_embedding").output.shape[-1] == 128
    assert model.get_layer("duration_embedding").output.shape[-1] == 128
    block = model.get_layer("attention")
    assert (block.num_heads, block.key_dim, block.ff_dim) == (5, 256, 256)
    assert block.dropout_rate == 0.3


@pytest.mark.filterwarnings(KERAS_SAVE_WARNING)
def test_model_reloads_from_a_keras_file_with_identical_outputs(
    keras_tf: Any, tmp_path: Path
) -> None:
    from demos import music_model

    model = _small_model(keras_tf)
    notes = np.arange(2, 10, dtype="int32").reshape(1, 8)
    durations = np.resize(np.arange(2, 9, dtype="int32"), (1, 8))
    path = tmp_path / "music.keras"
    model.save(path)

    reloaded = keras_tf.saving.load_model(
        path, custom_objects=music_model.custom_objects(), compile=False
    )

    for original, loaded in zip(
        model([notes, durations]), reloaded([notes, durations]), strict=True
    ):
        np.testing.assert_array_equal(np.asarray(original), np.asarray(loaded))


def test_sine_position_encoding_is_the_transformer_papers(keras_tf: Any) -> None:
    from demos import music_model

    encode = music_model.custom_objects()["sine_position_encoding"]
    encoding = np.asarray(encode(6, 8, "float32"))

    position, feature = np.meshgrid(np.arange(6), np.arange(8), indexing="ij")
    angle = position / 10_000 ** (2 * (feature // 2) / 8)
    expected = np.where(feature % 2 == 0, np.sin(angle), np.cos(angle))
    np.testing.assert_allclose(encoding, expected, atol=1e-6)


# --------------------------------------------------------------------------- data


def test_midi_folder_is_read_the_books_way(tmp_path: Path) -> None:
    """Chordified, each chord read as its top note; START opens each piece."""
    from music21 import chord, note, pitch, stream

    from demos.music_data import load_music

    folder = tmp_path / "bach-cello"
    folder.mkdir()
    piece: Any = stream.Stream()
    piece.append(note.Note("C4", quarterLength=1.0))
    piece.append(chord.Chord(["E3", "G4"], quarterLength=0.5))
    piece.append(note.Rest(quarterLength=0.5))
    piece.append(note.Note("B-3", quarterLength=2.0))
    piece.write("midi", fp=str(folder / "suite1.mid"))
    (folder / "notes.txt").write_text("not music", encoding="utf-8")

    corpus = load_music(str(folder))

    assert (corpus.name, corpus.source, corpus.piece_names) == ("bach-cello", "path", ("suite1",))
    ((notes, durations),) = corpus.pieces
    events = [(n, d) for n, d in zip(notes, durations, strict=True) if not n.endswith("TS")]
    assert events[0] == ("START", "0.0") and events[3] == ("rest", "0.5")
    assert [d for _, d in events] == ["0.0", "1.0", "0.5", "0.5", "2.0"]
    # MIDI keeps pitch numbers, not spellings (B-3 may come back as A#3): compare numbers.
    pitches = [pitch.Pitch(n).midi for n, _ in events if n not in ("START", "rest")]
    assert pitches == [60, 67, 58]  # C4, the chord's top note G4, B-3


def test_tokens_make_overlapping_windows_of_both_streams() -> None:
    from demos.music_data import make_sequences
    from demos.text_data import Vocabulary

    notes = ["START", "C4", "D4", "E4", "rest", "C4"]
    durations = ["0.0", "1.0", "0.5", "0.5", "1.0", "2.0"]
    note_vocabulary = Vocabulary.build([notes], 10)
    duration_vocabulary = Vocabulary.build([durations], 10)

    sequences = make_sequences(notes, durations, note_vocabulary, duration_vocabulary, seq_len=3)

    assert len(sequences) == 3
    decoded = [[note_vocabulary.words[i] for i in row] for row in sequences.x_notes]
    assert decoded == [["START", "C4", "D4"], ["C4", "D4", "E4"], ["D4", "E4", "rest"]]
    np.testing.assert_array_equal(sequences.y_notes[:, :-1], sequences.x_notes[:, 1:])
    np.testing.assert_array_equal(sequences.y_durations[:, :-1], sequences.x_durations[:, 1:])
    assert [duration_vocabulary.words[i] for i in sequences.y_durations[2]] == [
        "0.5", "1.0", "2.0",
    ]  # fmt: skip


def test_a_folder_without_midi_fails_fast(tmp_path: Path, failing_demo: Callable[..., str]) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    assert "no MIDI files" in failing_demo("demos.music_transformer", "--data", str(folder))
