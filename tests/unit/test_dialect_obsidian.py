"""Obsidian Spaced Repetition notes beyond the parser table: decks from tags, the plugin's
documented cloze forms, schedule comments turned into FSRS memory (the mapping documented in
flashcards/FORMAT.md), and the vault's own settings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS

from studyapp.domain.parsing import CardKind, parse_text
from studyapp.domain.parsing.dialect import ObsidianSettings, ParseOptions
from studyapp.domain.parsing.model import Dialect
from studyapp.domain.parsing.sr_schedule import sm2_memory
from studyapp.domain.parsing.vault import PLUGIN_DATA, DialectResolver

OBSIDIAN = ParseOptions(dialect=Dialect.OBSIDIAN)
FOOTNOTE_PATTERN = "==answer==[^\\[hint\\]][\\[^123\\]]"


def cards(text: str, options: ParseOptions = OBSIDIAN) -> list[tuple[str, str, str]]:
    return [(c.kind.value, c.question, c.answer) for c in parse_text("n.md", text, options).cards]


def with_patterns(*patterns: str) -> ParseOptions:
    return ParseOptions(
        dialect=Dialect.OBSIDIAN, obsidian=ObsidianSettings(cloze_patterns=patterns)
    )


@pytest.mark.parametrize(
    ("text", "title", "chapters"),
    [
        ("#flashcards\nA::B\n", "n", [None]),  # a bare tag: the note's own title
        ("# Cells\n\n#flashcards\n\nA::B\n", "Cells", [None]),
        ("#flashcards/science #flashcards/poetry\nA::B\n", "science", [None]),
        ("#flashcards/a\n\nQ1::A1\n\n#flashcards/b\n\nQ2::A2\n", "a", [None, "b"]),  # tie: first
        ("#flashcards/a\n\n#flashcards/b Q1::A1\n\nQ2::A2\n", "b", [None, "a"]),
        ("#flashcards/a\n\nQ1::A1\n\n#flashcards/b\n\nQ2::A2\n\nQ3::A3\n", "b", ["a", None, None]),
        (
            "---\ntags:\n  - flashcards\n  - data-structure\n---\n#2024/03-11\n\n"
            "**What is a Heap?**\n?\nA tree-based structure.\n",
            "n",
            [None],
        ),
        ("Q1::A1\n\n#flashcards/late\n", "late", [None]),  # only tag below: the first one
        ("#flashcards/biology/cells\n\n## Organelles\n\nA::B\n", "biology/cells", ["Organelles"]),
        # A card of the bare tag in a note of a deck: the plugin's root deck, by its name.
        (
            "#flashcards/biology\n\nA::B\n\nC::D\n\n#flashcards E::F\n",
            "biology",
            [None, None, "flashcards"],
        ),
        ("#flashcards/x/\n\nA::B\n", "x", [None]),
        ("#flashcards/bio\n\n# Notes only\n\nNo card here.\n", "bio", []),
    ],
)
def test_flashcard_tags_are_decks(text: str, title: str, chapters: list[str | None]) -> None:
    """The deck path most of a note's flashcards carry is its deck title; another deck's card
    keeps its path as its chapter; a card of the note's deck has its heading's chapter."""
    deck = parse_text("n.md", text)
    assert deck.dialect is Dialect.OBSIDIAN
    assert deck.title == title
    assert [c.chapter for c in deck.cards] == chapters


@pytest.mark.parametrize(
    ("tags", "text", "title", "chapters"),
    [
        (("#srs",), "#srs/lang/de\nHund::dog\n", "lang/de", [None]),
        (("#flashcards/school",), "#flashcards/school/maths\n1+1::2\n", "maths", [None]),
        # Several flashcard tags: each deck keeps its tag's name, so they stay apart.
        (
            ("#flashcards", "#spanish"),
            "#spanish/verbs\nser::to be\n\n#flashcards/verbs estar::to be\n",
            "spanish/verbs",
            [None, "flashcards/verbs"],
        ),
        (("#flashcards", "#spanish"), "#spanish\nser::to be\n", "n", [None]),
    ],
)
def test_deck_paths_below_the_configured_flashcard_tags(
    tags: tuple[str, ...], text: str, title: str, chapters: list[str | None]
) -> None:
    options = ParseOptions(obsidian=ObsidianSettings(flashcard_tags=tags))
    deck = parse_text("n.md", text, options)
    assert (deck.dialect, deck.title) == (Dialect.OBSIDIAN, title)
    assert [c.chapter for c in deck.cards] == chapters


def test_question_tag_schedule_and_block_id_are_taken_off() -> None:
    deck = parse_text("n.md", "\n#flashcards/test A::B <!--SR:!2023-09-03,1,230--> ^d7cee0\n")
    (card,) = deck.cards
    assert (card.question, card.answer, card.chapter, card.line) == ("A", "B", None, 2)
    assert deck.title == "test"
    assert card.review is not None and card.review.due == dt.datetime(2023, 9, 3, tzinfo=dt.UTC)


def test_documented_question_and_answer_cards() -> None:
    assert cards("the question goes on this side::answer goes here!") == [
        ("basic", "the question goes on this side", "answer goes here!")
    ]
    assert cards("info 1:::info 2") == [
        ("reversed", "info 1", "info 2"),
        ("reversed", "info 2", "info 1"),
    ]
    multi = "As per the definition\nof multiline\n?\nsame goes for\nthe answer"
    assert cards(multi) == [
        ("basic", "As per the definition\nof multiline", "same goes for\nthe answer")
    ]
    assert len(cards("info 1A\ninfo 1B\n??\ninfo 2A\ninfo 2B")) == 2
    assert cards("- bullet question::answer") == [("basic", "bullet question", "answer")]


@pytest.mark.parametrize(
    ("text", "fronts"),
    [
        (
            "This ==note== doesn't need to have ==number==^[hint] on clozes",
            [
                "This […] doesn't need to have number on clozes",
                "This note doesn't need to have [hint] on clozes",
            ],
        ),
        (
            "This is a ==cloze==^[a hint][^1]. This is ==too, but without hint==[^2]. And this "
            "one is asked ==together with the first cloze==[^1].",
            [
                "This is a [a hint]. This is too, but without hint. And this one is asked […].",
                "This is a cloze. This is […]. And this one is asked together with the first "
                "cloze.",
            ],
        ),
    ],
)
def test_documented_footnote_clozes(text: str, fronts: list[str]) -> None:
    assert [q for _, q, _ in cards(text, with_patterns(FOOTNOTE_PATTERN))] == fronts


def test_documented_cloze_forms() -> None:
    assert len(cards("The first female prime minister of Australia was ==Julia Gillard==")) == 1
    two = cards("The first female ==prime minister== of Australia was ==Julia Gillard==")
    assert [q for _, q, _ in two] == [
        "The first female […] of Australia was Julia Gillard",
        "The first female prime minister of Australia was […]",
    ]
    overlapping = cards(
        "==Context for items 2 and 4==[^hshs]\n- ==Item 1==[^ashh]\n- ==Item 2==[^hash]\n"
        "- ==Item 3==[^hhas]\n- ==Item 4==[^hhha]",
        with_patterns(FOOTNOTE_PATTERN),
    )
    assert len(overlapping) == 4
    # Asking item 2 shows the context and item 1 and hides the rest, as the docs say.
    assert overlapping[1][1] == "Context for items 2 and 4\n- Item 1\n- […]\n- […]\n- […]"
    # The docs warn that the Anki-like pattern needs another separator than `::`.
    settings = ObsidianSettings(
        single_line="&&",
        single_line_reversed="&&&",
        cloze_patterns=(FOOTNOTE_PATTERN, "{{[123::]answer[::hint]}}"),
    )
    both = cards(
        "This note has both ==highlighted clozes==[^1] and {{2::anki like clozes}}",
        ParseOptions(dialect=Dialect.OBSIDIAN, obsidian=settings),
    )
    assert len(both) == 2 and {k for k, _, _ in both} == {"cloze"}


def test_nothing_from_code_or_comments() -> None:
    text = (
        "#flashcards\n\n<!--\nhidden::card\n-->\nshown::card\n\n    indented::code\n\n"
        "- item\n  ```\n  fenced::in a list\n  ```\n\ntext <!-- a::b --> only\n"
    )
    assert cards(text) == [("basic", "shown", "card")]


def test_sm2_mapping_is_the_one_anki_uses() -> None:
    """stability = interval, difficulty from the ease, as fsrs-rs memory_state_from_sm2 at
    90 % retention with FSRS-6's default parameters."""
    fsrs = FSRS(DEFAULT_PARAMETERS)
    for interval in (1, 4, 30, 365):
        for ease in (1.3, 2.5, 2.7, 3.5):
            stability, difficulty = sm2_memory(interval, ease)
            expected = fsrs.memory_state_from_sm2(ease, float(interval), 0.9)
            assert stability == pytest.approx(expected.stability, rel=1e-4)
            assert difficulty == pytest.approx(expected.difficulty, rel=1e-4)
    assert sm2_memory(4, 2.7) == pytest.approx((4.0, 7.0249), rel=1e-4)
    assert sm2_memory(4, 1.3)[1] == 10.0  # the hardest ease: the most difficult card


def test_schedule_comment_gives_each_card_its_state() -> None:
    deck = parse_text(
        "n.md",
        "#flashcards\nA:::B\n<!--SR:!2000-01-01,1,250!2023-09-10,4,270-->\n\n"
        "The ==x== and ==y==\n<!--SR:!10-09-2023,2,250!Sun Sep 10 2023,5,250-->\n",
    )
    first, second, x, y = (c.review for c in deck.cards)
    assert first is None  # 2000-01-01: never reviewed
    assert second is not None and second.due == dt.datetime(2023, 9, 10, tzinfo=dt.UTC)
    assert second.last_review == dt.datetime(2023, 9, 6, tzinfo=dt.UTC)
    assert (second.interval_days, second.ease, second.state) == (4, 2.7, "review")
    assert x is not None and x.due.date() == dt.date(2023, 9, 10) and x.stability == 2
    assert y is not None and y.due.date() == dt.date(2023, 9, 10) and y.stability == 5


def test_fsrs_schedule_comments_and_the_callout() -> None:
    text = (
        "#flashcards\nA:::B\n<!--SR:!2000-01-01,1,250!fsrs,2023-09-06T00:10:00.000Z,0,0.4,5.5,"
        "1,1,0,1,2023-09-06T00:00:00.000Z-->\n\nQ::A\n> [!sr|card-metadata] \n"
        "> <!--SR:!2021-08-11,4,270-->\n"
    )
    deck = parse_text("n.md", text)
    assert [(c.question, c.answer) for c in deck.cards] == [("A", "B"), ("B", "A"), ("Q", "A")]
    new, learning, callout = (c.review for c in deck.cards)
    assert new is None
    assert learning is not None and (learning.state, learning.step) == ("learning", 1)
    assert (learning.stability, learning.difficulty) == (0.4, 5.5)
    assert callout is not None and callout.due.date() == dt.date(2021, 8, 11)


def test_a_broken_schedule_is_named_by_file_and_line() -> None:
    deck = parse_text("n.md", "#flashcards\n\nQ::A\n<!--SR:!2021-13-45,x,270-->\n")
    (card,) = deck.cards
    assert card.review is None
    assert [str(w) for w in deck.warnings] == [
        "n.md:3: schedule '2021-13-45,x,270' not understood (no date)"
    ]


def write_vault(root: Path, settings: dict[str, object] | str) -> Path:
    data = root / PLUGIN_DATA
    data.parent.mkdir(parents=True)
    data.write_text(settings if isinstance(settings, str) else json.dumps({"settings": settings}))
    note = root / "deck" / "note.md"
    note.parent.mkdir()
    note.write_text("#flashcards\n\nQ&&A\n\nR::S\n\nThe **bold** and ==marked== words\n")
    return note


def test_vault_settings_are_read_and_an_override_beats_them(tmp_path: Path) -> None:
    note = write_vault(tmp_path, {"singleLineCardSeparator": "&&", "convertBoldTextToClozes": True})
    options = DialectResolver().options_for(note)
    assert options.vault and options.folder_deck == "deck"
    assert options.obsidian.single_line == "&&"
    # No clozePatterns: the plugin builds them from its switches (highlights on by default).
    assert options.obsidian.cloze_patterns == (
        "==[123;;]answer[;;hint]==",
        "**[123;;]answer[;;hint]**",
    )
    deck = parse_text(str(note), note.read_text(), options)
    # `R::S` is no card with `&&`; deletions are in the order of the patterns, as the plugin's.
    assert [(c.question, c.answer) for c in deck.cards] == [
        ("Q", "A"),
        ("The bold and […] words", "The bold and **marked** words"),
        ("The […] and marked words", "The **bold** and marked words"),
    ]
    override = DialectResolver(overrides={"singleLineCardSeparator": "::"}).options_for(note)
    assert override.obsidian.single_line == "::"


def test_bad_plugin_settings_are_reported_and_defaults_used(tmp_path: Path) -> None:
    note = write_vault(tmp_path, "{not json")
    resolver = DialectResolver()
    options = resolver.options_for(note)
    assert options.obsidian.single_line == "::"
    (problem,) = resolver.problems
    assert problem.path.endswith("data.json") and problem.line == 1
    with pytest.raises(ValueError, match="unknown dialect"):
        DialectResolver("anki")
    with pytest.raises(ValueError, match="unknown Obsidian setting"):
        DialectResolver(overrides={"separator": "&&"})


def test_vault_notes_without_a_flashcard_tag_have_no_cards(tmp_path: Path) -> None:
    note = write_vault(tmp_path, {"convertFoldersToDecks": False})
    note.write_text("# Journal\n\n- Note: prose\n- a::b\n- The ==milk==.\n")
    deck = parse_text(str(note), note.read_text(), DialectResolver().options_for(note))
    assert deck.dialect is Dialect.OBSIDIAN and deck.cards == [] and deck.sections
    folders = write_vault(tmp_path / "other", {"convertFoldersToDecks": True})
    folders.write_text("a::b\n")
    deck = parse_text(str(folders), folders.read_text(), DialectResolver().options_for(folders))
    # Folder decks: the folder below the vault is the deck, whatever the tags say.
    assert deck.title == "deck" and [(c.kind, c.chapter) for c in deck.cards] == [
        (CardKind.BASIC, None)
    ]
    tagged = folders.parent / "sub" / "tagged.md"
    tagged.parent.mkdir()
    tagged.write_text("#flashcards/elsewhere\n\nc::d\n")
    deck = parse_text(str(tagged), tagged.read_text(), DialectResolver().options_for(tagged))
    assert deck.title == "deck/sub" and [c.chapter for c in deck.cards] == [None]


@pytest.mark.parametrize(
    "text",
    ["=" * 200_000, "{{" * 100_000, "**a**" + "**" * 100_000, "==" + ";;" * 50_000 + "x=="],
)
def test_hostile_cloze_text_stays_fast(text: str) -> None:
    """A lazy answer that finds no closer would rescan the line from every opener; the search
    stops at the line's last closer, and a note of too many deletions makes no card."""
    deck = parse_text("n.md", text, OBSIDIAN)
    assert len(deck.cards) <= 50


def test_a_pattern_that_goes_on_after_its_closer_searches_a_bounded_amount() -> None:
    text = "\n".join("==^[" * 250 for _ in range(500))
    deck = parse_text("n.md", text, with_patterns(FOOTNOTE_PATTERN))
    assert any("searches only the first" in w.message for w in deck.warnings)
    many = "\n\n".join(f"A ==word {n}==" for n in range(300))
    assert len(parse_text("n.md", many, OBSIDIAN).cards) == 300
    assert len(parse_text("n.md", "x ==" + "a" * 200 + "== y", OBSIDIAN).cards) == 1
