"""hashcards decks: a fixture folder equivalent to hashcards' own example (7 files, 9 questions,
12 deletions, math, a table cloze, an image and an audio card) and cases of hashcards' parser
tests (src/parser.rs), translated: where hashcards refuses a file, a warning names the line.
Card hashes are hashcards' own (BLAKE3), so its review database can be matched."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from studyapp.domain.parsing import CardKind, parse_file, parse_text
from studyapp.domain.parsing.blake3 import blake3_hex
from studyapp.domain.parsing.hashcards import cloze_deletions
from studyapp.domain.parsing.hashcards_db import basic_hash, cloze_hash
from studyapp.domain.parsing.model import Dialect

FOLDER = Path(__file__).parents[1] / "fixtures" / "dialects" / "hashcards"


def test_the_example_folder_imports_21_cards() -> None:
    decks = [parse_file(path) for path in sorted(FOLDER.glob("*.md"))]
    assert len(decks) == 7
    assert {deck.dialect for deck in decks} == {Dialect.HASHCARDS}
    assert [w for deck in decks for w in deck.warnings] == []
    kinds = Counter(card.kind for deck in decks for card in deck.cards)
    assert kinds == {CardKind.BASIC: 9, CardKind.CLOZE: 12}


def test_media_math_and_the_table_cloze_stay_as_written() -> None:
    by_name = {path.stem: parse_file(path) for path in FOLDER.glob("*.md")}
    painting = by_name["Painting"].cards[0]
    assert painting.question == "Who painted this picture?\n\n![](@/night.png)"
    assert by_name["Sound"].cards[0].answer == "![](a440.wav)"
    calculus = by_name["Calculus"].cards
    assert calculus[0].question == "What is the derivative of $x^2$?"
    assert calculus[1].answer.startswith("$$\n\\int_a^b") and calculus[1].answer.endswith("$$")
    assert calculus[4].answer == "The TeX command `\\beta` renders as **$\\beta$**."
    table = [card for card in calculus if card.question.startswith("Truth table")]
    assert len(table) == 4
    assert "| F   | F   | […]       |" in table[0].question
    assert "| T   | F   | **F**       |" in table[2].answer
    quote = by_name["Proverbs"].cards
    assert [c.question.rsplit("\n", 1)[-1] for c in quote] == [
        "— […] 1:7",
        "— Proverbs […]:7",
        "— Proverbs 1:[…]",
    ]


@pytest.mark.parametrize(
    ("text", "clean", "spans"),
    [
        ("Foo [bar] baz.", "Foo bar baz.", [(4, 6)]),
        ("Foo [bar] baz [quux].", "Foo bar baz quux.", [(4, 6), (12, 15)]),
        ("Foo [bar] ![](image.jpg) [quux].", "Foo bar ![](image.jpg) quux.", [(4, 6), (23, 26)]),
        ("Key: [`\\[`]", "Key: `[`", [(5, 7)]),
        ("\\[markdown\\] [`\\[cloze\\]`]", "[markdown] `[cloze]`", [(11, 19)]),
        ("[foo]\n[bar]\nbaz.", "foo\nbar\nbaz.", [(0, 2), (4, 6)]),
        (
            "The notation [$n!$] means 'n factorial'.",
            "The notation $n!$ means 'n factorial'.",
            [(13, 16)],
        ),
        (
            "The string `\\alpha` renders as [$\\alpha$].",
            "The string `\\alpha` renders as $\\alpha$.",
            [(31, 38)],
        ),
    ],
)
def test_cloze_deletions_as_hashcards_finds_them(
    text: str, clean: str, spans: list[tuple[int, int]]
) -> None:
    found = cloze_deletions(text)
    assert {d.text for d in found} == {clean}
    assert [(d.start, d.end) for d in found] == spans


@pytest.mark.parametrize(
    ("text", "cards"),
    [
        ("Q: What is Rust?\nA: A systems programming language.", 1),
        ("Q: foo\nbaz\nbaz\nA: FOO\nBAR\nBAZ", 1),
        ("Q: foo\nA: bar\n\nQ: baz\nA: quux\n\n", 2),
        ("C: [foo]\nQ: Question\nA: Answer", 2),
        ("C: [foo]\nC: [bar]", 2),
        ("Q: foo\nA: bar\n\nQ: foo\nA: bar\n\n", 1),  # identical cards are kept once
        ("C: foo [bar]\n\nC: foo [bar]", 1),
        ("Q: foo\nA: bar\n---\nQ: baz\nA: quux", 2),
        ("C: [foo]\n---\nC: [bar]", 2),
        ("Q: foo\nA: bar\n---\n---\nQ: baz\nA: quux", 2),
        ("Q: foo\nA: bar\n---", 1),
        ('---\nname = "Custom Deck"\n---\nQ: q\nA: a', 1),
        (
            "C:\nBuild something people want in Lisp.\n\n— [Paul Graham], [_Hackers and Painters_]"
            "\n\n",
            2,
        ),
    ],
)
def test_hashcards_parser_cases(text: str, cards: int) -> None:
    deck = parse_text("deck.md", text)
    assert deck.dialect is Dialect.HASHCARDS
    assert len(deck.cards) == cards and deck.warnings == []


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        ("Q: Question without answer", "deck.md:1: question at line 1 has no answer"),
        ("Q: Question\nC: Cloze [x]", "deck.md:2: question at line 1 has no answer"),
        ("Q: Question\nQ: Another\nA: yes", "deck.md:2: question at line 1 has no answer"),
        ("Q: Question\nA: Answer\nA: Another answer", "deck.md:3: a second 'A:' in one card"),
        ("C: Cloze\nA: Answer", "deck.md:2: a second 'A:' in one card"),
        ("C: Cloze", "deck.md:1: cloze card must contain at least one [deletion]"),
        ("Q: Question\n---\nA: Answer", "deck.md:2: card separator '---' while reading"),
        (
            "Q: foo\nA: bar\n\n---\n\nI'm a mistake!\n\n---\n\nQ: baz\nA: quux",
            "deck.md:6: text that is not a card",
        ),
        ("C: [] empty", "deck.md:1: empty [] deletion makes no card"),
    ],
)
def test_what_hashcards_refuses_is_named_by_line(text: str, warning: str) -> None:
    deck = parse_text("deck.md", text)
    assert any(str(w).startswith(warning) for w in deck.warnings), deck.warnings


def test_front_matter_names_the_deck() -> None:
    deck = parse_text("file.md", '---\nname = "Custom Deck"\n---\n\nQ: q\nA: a\n')
    assert deck.title == "Custom Deck" and deck.cards[0].line == 5
    assert parse_text("file.md", "Q: q\nA: a\n").title == "file"


@pytest.mark.parametrize(
    ("length", "digest"),
    [
        (0, "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"),
        (1, "2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213"),
        (1024, "42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7"),
        (1025, "d00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444"),
        (3073, "7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3"),
        (7169, "a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817"),
    ],
)
def test_blake3_matches_the_official_vectors(length: int, digest: str) -> None:
    """BLAKE3's test vectors: input bytes 0, 1, …, 250, 0, 1, … of each length."""
    assert blake3_hex(bytes(n % 251 for n in range(length))) == digest


def test_card_hashes_are_hashcards_own() -> None:
    assert blake3_hex(b"test") == "4878ca0425c739fa427f7eda20fe845f6b2e46ba5fe2a14df5b1e32f50603215"
    assert basic_hash("q", "a") == blake3_hex(b"Basicqa")
    (deletion,) = cloze_deletions("Foo [bar] baz.")
    expected = blake3_hex(
        b"ClozeFoo bar baz." + (4).to_bytes(8, "little") + (6).to_bytes(8, "little")
    )
    assert cloze_hash(deletion.text, deletion.start, deletion.end) == expected
