"""The Obsidian Spaced Repetition plugin's own parser examples, as a table: every case of its
parser test suite (`tests/fixtures/dialects/obsidian_parser_cases.toml`, 99 cases, 70 of them
with the suite's default options), for every card type. Each must find the flashcards the
plugin finds (type, text and lines) and make as many cards as the plugin shows."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from studyapp.domain.parsing import CardKind, parse_text
from studyapp.domain.parsing.dialect import ObsidianSettings, ParseOptions
from studyapp.domain.parsing.model import Dialect
from studyapp.domain.parsing.obsidian import Shape, patterns_of, split_flashcards

CASES_FILE = Path(__file__).parents[1] / "fixtures" / "dialects" / "obsidian_parser_cases.toml"
CASES: list[dict[str, Any]] = tomllib.loads(CASES_FILE.read_text())["case"]
DEFAULT_CASES = [case for case in CASES if "options" not in case]
SHAPES = {
    "SingleLineBasic": Shape.SINGLE_LINE_BASIC,
    "SingleLineReversed": Shape.SINGLE_LINE_REVERSED,
    "MultiLineBasic": Shape.MULTI_LINE_BASIC,
    "MultiLineReversed": Shape.MULTI_LINE_REVERSED,
    "Cloze": Shape.CLOZE,
}
KINDS = {
    Shape.SINGLE_LINE_BASIC: CardKind.BASIC,
    Shape.MULTI_LINE_BASIC: CardKind.BASIC,
    Shape.SINGLE_LINE_REVERSED: CardKind.REVERSED,
    Shape.MULTI_LINE_REVERSED: CardKind.REVERSED,
    Shape.CLOZE: CardKind.CLOZE,
}


def settings_of(case: dict[str, Any]) -> ObsidianSettings:
    settings, problems = ObsidianSettings().with_plugin_values(case.get("options", {}))
    assert not problems
    return settings


def card_kinds(case: dict[str, Any]) -> list[CardKind]:
    return [KINDS[SHAPES[f[0]]] for f in case["flashcards"] for _ in range(f[4])]


def parse_case(case: dict[str, Any]) -> list[CardKind]:
    options = ParseOptions(dialect=Dialect.OBSIDIAN, obsidian=settings_of(case))
    deck = parse_text(f"case{case['id']}.md", case["text"], options)
    return [card.kind for card in deck.cards]


def test_the_table_holds_the_plugins_suite() -> None:
    assert len(CASES) == 99
    assert len(DEFAULT_CASES) == 70
    covered = {SHAPES[f[0]] for case in DEFAULT_CASES for f in case["flashcards"]}
    assert covered == set(Shape)
    assert sum(1 for case in DEFAULT_CASES if not case["flashcards"]) >= 20  # must find none


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"case{case['id']}")
def test_flashcards_as_the_plugin_finds_them(case: dict[str, Any]) -> None:
    settings = settings_of(case)
    patterns, _ = patterns_of(settings)
    found = split_flashcards(case["text"].split("\n"), settings, patterns)
    assert [(f.shape, f.text, f.first, f.last) for f in found] == [
        (SHAPES[shape], text, first, last) for shape, text, first, last, _ in case["flashcards"]
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda case: f"case{case['id']}")
def test_cards_as_the_plugin_shows_them(case: dict[str, Any]) -> None:
    kinds = parse_case(case)
    assert len(kinds) == case["cards"]
    assert kinds == card_kinds(case)


def test_agreement_on_the_default_cases() -> None:
    """The measure of issue 16: at least 67 of the 70 default cases agree on how many cards
    the text holds (all of them do)."""
    agree = sum(1 for case in DEFAULT_CASES if len(parse_case(case)) == case["cards"])
    assert agree >= 67
    assert agree == len(DEFAULT_CASES)
