"""Automatic demo links fire only on strong evidence and only in decks about the subject:
measured on a hand-labelled set of 156 cards (64 from the book, 92 from other subjects)."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.models import DemoLink
from studyapp.demos.matching import deck_on_subject, link_deck, match_demos, own_chapter_demos
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from tests.support.books import write_book

LABELLED = Path(__file__).parents[1] / "fixtures" / "linking" / "labelled.toml"
NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def labelled() -> list[dict[str, str]]:
    with LABELLED.open("rb") as handle:
        return tomllib.load(handle)["card"]


def test_precision_and_recall_on_the_labelled_cards() -> None:
    cards = labelled()
    assert len(cards) >= 150 and sum(not c["demo"] for c in cards) >= 80
    links = [(c["demo"], name) for c in cards for name in match_demos(c["text"])]
    precision = sum(label == name for label, name in links) / len(links)
    book = [c for c in cards if c["demo"]]
    recall = sum(c["demo"] in match_demos(c["text"]) for c in book) / len(book)
    assert precision >= 0.95, precision
    assert recall >= 0.95, recall


def test_generic_training_words_never_link_on_their_own() -> None:
    text = "Tune the learning rate and the optimizer; the softmax and ReLU; ten epochs of Adam."
    assert match_demos(text) == []
    assert match_demos(text, chapter="Chapter 2: Multi-armed Bandits") == []


def test_in_its_own_chapter_a_generic_word_is_evidence() -> None:
    text = "Optimizers: algorithms such as Adam that update the weights to reduce the loss."
    assert match_demos(text, chapter="Chapter 2: Deep Learning") == ["mlp-cifar10"]


@pytest.mark.parametrize(
    "heading",
    ["Chapter 2: Deep Learning", "2. Deep Learning", "Ch. 2 - Deep Learning (MLPs and CNNs)"],
)
def test_a_chapter_is_the_books_own_given_or_taken_its_number(heading: str) -> None:
    assert own_chapter_demos(heading) == {"mlp-cifar10", "cnn-cifar10"}


def test_a_heading_that_only_contains_a_chapter_title_is_another_books() -> None:
    """An RL book's "Deep Learning for Value Functions" is not chapter 2 of this one: its
    generic words (learning rate, optimizer) stay no evidence."""
    text = "Which optimizer and learning rate suit TD(0) with a neural value function?"
    assert own_chapter_demos("Chapter 9: Deep Learning for Value Functions") == frozenset()
    assert match_demos(text, chapter="Chapter 9: Deep Learning for Value Functions") == []


def test_the_cards_own_chapter_breaks_ties() -> None:
    text = "Why does the VAE's latent space beat a plain autoencoder's?"
    assert match_demos(text, chapter="Chapter 3: Variational Autoencoders") in (
        ["vae"],
        ["autoencoder"],
    )
    assert match_demos("Leaky ReLU, Conv2DTranspose and the discriminator", "Chapter 4: GANs") == [
        "dcgan"
    ]


def test_a_large_deck_off_the_subject_links_nothing() -> None:
    cpp = [
        (f"Design pattern {n}: the generator of unique ids uses a GAN-like singleton.", None)
        for n in range(30)
    ]
    assert not deck_on_subject([text for text, _ in cpp])
    assert link_deck(cpp) == [[] for _ in cpp]
    ml = [
        (f"Card {n}: a neural network trained with gradient descent; the VAE encoder.", None)
        for n in range(30)
    ]
    assert deck_on_subject([text for text, _ in ml])
    assert link_deck(ml)[0] == ["vae"]


def test_a_reinforcement_learning_book_gets_no_automatic_links(tmp_path: Path) -> None:
    write_book(tmp_path / "rl", "2A012---Reinforcement-Learning_processed", 6, 12)
    store = open_store(str(tmp_path / "study.db"))
    try:
        reports = import_paths(store.sessions, [tmp_path / "rl"], NOW)  # the catalogue's rules
        assert sum(r.added for r in reports) == 72
        with store.sessions() as session:
            assert session.scalar(select(func.count(DemoLink.id))) == 0
    finally:
        store.close()
