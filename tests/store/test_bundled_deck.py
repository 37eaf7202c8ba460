"""The bundled deck: imported once into an empty database on first start, clean (no warnings),
and written as atomic cards: 350-450 of them over all 14 chapters, short answers, no question
asked twice, and demo links that point at the demo showing the idea.

The numbers come from issue 17. Answer length counts prose words only: code blocks and display
math are the answer's content, not its length, but must stay short themselves.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import Counter
from dataclasses import dataclass

import pytest
from rapidfuzz import fuzz
from sqlalchemy import func, select

from db.models import Card, Deck, DemoLink
from studyapp.demos.catalogue import all_demos, chapter_titles
from studyapp.domain.parsing.model import question_key
from studyapp.store.deck_files import bundled_deck, ensure_bundled_deck
from studyapp.store.opening import Store

NOW = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)

CARDS_MIN, CARDS_MAX = 350, 450
CARDS_PER_CHAPTER_MIN = 20
MEDIAN_ANSWER_WORDS_MAX = 25
ANSWER_WORDS_MAX = 45
CODE_BLOCK_LINES_MAX = 12
NEAR_DUPLICATE = 90  # rapidfuzz ratio on normalised questions
GOOD_LINK_SHARE_MIN = 0.90  # explicit, or to a demo of the card's own chapter

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"\$[^$\n]+\$")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
WORD = re.compile(r"[\w'’-]+")


@dataclass(frozen=True)
class DeckCard:
    id: int
    source: str
    line: int
    kind: str
    chapter: str
    title: str
    question: str
    answer: str

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.question}"


@dataclass(frozen=True)
class Link:
    card: DeckCard
    demo: str
    explicit: bool


@dataclass(frozen=True)
class BundledDeck:
    cards: list[DeckCard]
    links: list[Link]

    def links_of(self, card: DeckCard) -> set[str]:
        return {link.demo for link in self.links if link.card == card}


@pytest.fixture
def deck(sqlite_store: Store) -> BundledDeck:
    reports = ensure_bundled_deck(sqlite_store.sessions, NOW)
    assert [m for r in reports for m in r.messages] == []
    with sqlite_store.sessions() as session:
        cards = {
            row.id: DeckCard(
                row.id,
                row.source_file,
                row.source_line,
                row.kind,
                row.chapter or "",
                row.title or "",
                row.question,
                row.answer,
            )
            for row in session.scalars(select(Card).where(Card.retired_at.is_(None)))
        }
        links = [
            Link(cards[card_id], demo, explicit)
            for card_id, demo, explicit in session.execute(
                select(DemoLink.card_id, DemoLink.demo_name, DemoLink.explicit).where(
                    DemoLink.card_id.is_not(None)
                )
            )
            if card_id is not None
        ]
    return BundledDeck(list(cards.values()), links)


def prose_words(answer: str) -> int:
    """Words of the answer outside code blocks and display math; inline math is one word."""
    text = DISPLAY_MATH.sub(" ", FENCE.sub(" ", answer))
    text = LINK.sub(r"\1", INLINE_MATH.sub(" x ", text))
    return len(WORD.findall(text))


def chapter_number(chapter: str) -> int:
    return {f"Chapter {n}: {title}": n for n, title in chapter_titles().items()}[chapter]


def test_first_start_imports_the_bundled_deck_once_without_warnings(sqlite_store: Store) -> None:
    reports = ensure_bundled_deck(sqlite_store.sessions, NOW)
    assert {r.format for r in reports} == {"book", "notes", "cards"}
    assert all(r.status == "imported" and r.errors == 0 and not r.messages for r in reports), [
        m for r in reports for m in r.messages
    ]
    assert ensure_bundled_deck(sqlite_store.sessions, NOW) == []
    with sqlite_store.sessions() as session:
        assert session.scalar(select(func.count(Deck.id))) == 3
    assert all(str(path).endswith(".md") for path in bundled_deck().iterdir())


def test_every_chapter_of_the_book_has_enough_cards(deck: BundledDeck) -> None:
    assert CARDS_MIN <= len(deck.cards) <= CARDS_MAX, len(deck.cards)
    chapters = Counter(card.chapter for card in deck.cards)
    # Chapter names match the catalogue's, so statistics add up across the three files.
    assert set(chapters) == {f"Chapter {n}: {title}" for n, title in chapter_titles().items()}
    thin = {chapter: n for chapter, n in chapters.items() if n < CARDS_PER_CHAPTER_MIN}
    assert not thin, thin


def test_answers_are_short(deck: BundledDeck) -> None:
    words = {card: prose_words(card.answer) for card in deck.cards}
    assert statistics.median(words.values()) <= MEDIAN_ANSWER_WORDS_MAX
    long = [(c.source, c.line, n) for c, n in words.items() if n > ANSWER_WORDS_MAX]
    assert not long, long
    long_code = [
        (card.source, card.line)
        for card in deck.cards
        for block in FENCE.findall(card.answer)
        if block.count("\n") - 1 > CODE_BLOCK_LINES_MAX
    ]
    assert not long_code, long_code


def test_no_question_is_asked_twice(deck: BundledDeck) -> None:
    """Near-identical questions anywhere in the deck fail. The deletions of one cloze note
    share its text by design, so they are not compared with each other."""
    keyed = [(question_key(card.question), card) for card in deck.cards]
    twins = [
        (a.source, a.line, b.source, b.line, round(score))
        for i, (key_a, a) in enumerate(keyed)
        for key_b, b in keyed[i + 1 :]
        if not (a.kind == b.kind == "cloze" and (a.source, a.line) == (b.source, b.line))
        and (score := fuzz.ratio(key_a, key_b, score_cutoff=NEAR_DUPLICATE))
    ]
    assert not twins, twins


def test_links_are_explicit_or_stay_in_the_cards_chapter(deck: BundledDeck) -> None:
    chapter_of = {demo.name: demo.chapter for demo in all_demos()}
    assert {link.demo for link in deck.links if link.explicit} <= set(chapter_of)
    good = [
        link
        for link in deck.links
        if link.explicit or chapter_of[link.demo] == chapter_number(link.card.chapter)
    ]
    assert len(good) >= GOOD_LINK_SHARE_MIN * len(deck.links), [
        (link.card.question, link.demo) for link in deck.links if link not in good
    ]


def test_every_demo_is_linked_explicitly_from_a_card(deck: BundledDeck) -> None:
    explicit = {link.demo for link in deck.links if link.explicit}
    assert {demo.name for demo in all_demos()} <= explicit
    assert any(not link.explicit for link in deck.links)  # keywords still link the rest


def test_links_point_at_the_demo_that_shows_the_idea(deck: BundledDeck) -> None:
    """The wrong links issue 17 found stay fixed, and the right ones stay."""

    def cards(*words: str, chapter: int | None = None) -> list[DeckCard]:
        return [
            card
            for card in deck.cards
            if any(word.lower() in card.text.lower() for word in words)
            and (chapter is None or chapter_number(card.chapter) == chapter)
        ]

    wrong = {
        "music-transformer": cards("MuseGAN"),  # polyphonic GAN, not the monophonic model
        "autoencoder": cards("CLIP", "Flamingo"),  # "encoder" is not an autoencoder
        "mlp-cifar10": cards("temperature", "attention"),  # "softmax" is not the MLP
    }
    for demo, suspects in wrong.items():
        assert suspects
        assert not [c.question for c in suspects if demo in deck.links_of(c)], demo
    right = {
        "diffusion": cards("reverse diffusion", "sampler", chapter=8),
        "cnn-cifar10": cards("filter", chapter=2),
        "dcgan": cards("discriminator", chapter=4),
        "wgan-gp": cards("gradient penalty"),
    }
    for demo, expected in right.items():
        assert expected
        assert not [c.question for c in expected if demo not in deck.links_of(c)], demo
