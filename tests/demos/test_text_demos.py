"""The text demos' data: sliding windows over one token stream, runs sized by steps, and
`--data library`, a GPT on the user's own cards and notes read from the study database."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from demos.data import DatasetUnavailable
from demos.text_data import (
    Vocabulary,
    load_corpus,
    split_documents,
    tiled_windows,
    token_stream,
    tokenize,
    windows_at,
)
from studyapp.demos.runner import DemoEvent, DemoRequest, run_demo
from studyapp.store.library import import_paths
from studyapp.store.opening import Store, open_store
from studyapp.store.study_text import NoStudyText, read_study_text

Runner = Callable[..., Any]
NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
DECK = """\
# Chapter 9: Transformers

The attention mechanism lets every token look at every earlier token of the sequence.

A causal mask hides the future, so that the model can be trained on all positions at once.

What does the causal mask hide from a token? ?? The tokens that come after it in the sequence.
""" + "".join(
    f"\nWhat does layer {n} of the stack add to token {n}? ?? "
    f"A residual update of the embedding of token {n}, after the attention of head {n % 4}.\n"
    for n in range(40)
)


def test_the_stream_joins_documents_with_the_end_token_and_windows_slide_over_it() -> None:
    documents = [tokenize("Recipe for toast | Toast bread."), tokenize("Recipe for tea")]
    vocabulary = Vocabulary.build(documents, size=6)
    stream = token_stream(documents, vocabulary)

    assert documents[0] == ["recipe", "for", "toast", "|", "toast", "bread", "."]
    assert vocabulary.words == ("", "[UNK]", "for", "recipe", "toast", ".")
    # Each document ends with 0, which is what the model learns to predict at a text's end.
    assert stream.tolist() == [3, 2, 4, 1, 4, 1, 5, 0, 3, 2, 1, 0]
    x, y = windows_at(stream, np.array([0, 6]), 4)
    assert x.tolist() == [[3, 2, 4, 1], [5, 0, 3, 2]]
    assert y.tolist() == [[2, 4, 1, 4], [0, 3, 2, 1]]
    # Validation tiles the stream: every id but the first is a target exactly once.
    xv, yv = tiled_windows(stream, 5)
    assert yv.reshape(-1).tolist() == stream[1:11].tolist() and xv.shape == (2, 5)


def test_validation_documents_are_held_out_and_the_same_for_a_seed() -> None:
    documents = [[f"w{i}"] for i in range(50)]
    train, validation = split_documents(documents, seed=4)

    assert len(validation) == 5 and len(train) == 45
    assert not {d[0] for d in train} & {d[0] for d in validation}
    assert split_documents(documents, seed=4) == (train, validation)


def test_a_text_demos_epoch_is_sized_by_steps_and_capped_by_the_lesson() -> None:
    from demos.text_generation import MIN_STEPS_PER_EPOCH, steps_per_epoch

    class Run:
        def __init__(self, cap: int | None) -> None:
            self.options = type("O", (), {"batch_size": 32, "max_steps_per_epoch": cap})()

    deck_tokens, wine_tokens = 25_000, 5_000_000
    assert steps_per_epoch(Run(None), deck_tokens, 80) == MIN_STEPS_PER_EPOCH  # type: ignore[arg-type]
    assert steps_per_epoch(Run(None), wine_tokens, 80) == 1954  # type: ignore[arg-type]
    assert steps_per_epoch(Run(40), wine_tokens, 80) == 40  # type: ignore[arg-type]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Store]:
    deck = tmp_path / "my-notes.md"
    deck.write_text(DECK, encoding="utf-8")
    store = open_store(str(tmp_path / "study.db"))
    reports = import_paths(store.sessions, [deck], NOW, match_demos=lambda _text: [])
    assert all(r.status == "imported" for r in reports), reports
    yield store
    store.close()


def test_the_study_text_is_every_note_and_card_of_the_database(
    library: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = read_study_text(library.url)
    joined = "\n".join(texts)
    assert "The attention mechanism lets every token" in joined
    assert "The tokens that come after it in the sequence." in joined

    monkeypatch.setenv("STUDYAPP_DB", library.url)
    from demos.text_data import library_texts

    library_texts.cache_clear()
    corpus = load_corpus("library", stands_in_for="wine-reviews")
    assert corpus.source == "library:study-database" and corpus.stands_in_for == "wine-reviews"
    assert any("causal mask hides the future" in d for d in corpus.documents)
    library_texts.cache_clear()


def test_no_study_database_is_one_line_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(NoStudyText, match="no study database"):
        read_study_text(f"sqlite:///{missing}")
    assert not missing.exists()  # reading never creates a database

    monkeypatch.setenv("STUDYAPP_DB", str(missing))
    from demos.text_data import check_text_data, library_texts

    library_texts.cache_clear()
    with pytest.raises(DatasetUnavailable) as raised:
        check_text_data("library")
    assert str(missing) in str(raised.value) and "--data offline" in str(raised.value)
    library_texts.cache_clear()


@pytest.mark.slow
def test_the_runner_trains_a_text_demo_on_the_database_it_records_in(
    library: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--data library` through the runner: the child reads the run's own database."""
    monkeypatch.delenv("STUDYAPP_DB", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    events: list[DemoEvent] = []
    lock = threading.Lock()

    def record(event: DemoEvent) -> None:
        with lock:
            events.append(event)

    result = run_demo(
        library.sessions,
        DemoRequest("gpt", quick=True, data="library", epochs=1),
        on_event=record,
        artifacts_root=tmp_path / "runs",
    )

    assert result.succeeded, result.stderr_tail
    dataset = next(e for e in events if type(e).__name__ == "DatasetEvent")
    assert dataset.source == "library:study-database"  # type: ignore[union-attr]
    assert result.metrics["val_perplexity"] > 1.0
    assert result.metrics["unigram_perplexity"] > 1.0
