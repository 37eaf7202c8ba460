"""Full-text search: bm25 ranking on SQLite (FTS5), ts_rank on PostgreSQL (GIN), filters, and
the index kept in sync by triggers through re-imports and edits.

Every test that takes `store` runs on a SQLite file and on a fresh PostgreSQL database (the
`postgres` mark, server named by STUDYAPP_TEST_PG_URL; see tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, select, text, update

from db.migrate import alembic_config
from db.models import Card, Deck, Section
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store import review
from studyapp.store.library import import_paths
from studyapp.store.opening import Store, open_store
from studyapp.store.search import (
    CARD_VECTOR_SQL,
    fts5_query,
    related_sections_in,
    search_cards,
    search_sections,
    significant_words,
)
from tests.conftest import no_demos

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
SETTINGS = SchedulerSettings(timezone="UTC", fuzz=False)

BOOK = """\
# Flashcards: Search fixture

**Starting Chapter:** Chapter 4: Generative Adversarial Networks

---

#### Training loop
Both networks are trained in turns. The discriminator is mentioned here once.

:p How are the two networks of a GAN trained?
??x
Alternately: a step for one network with the other frozen, then the other way round.
x??

---

#### The discriminator
The discriminator is a classifier of real and fake images.

:p What does the discriminator of a GAN output?
??x
The discriminator outputs the probability that its input image is real rather than generated.
x??

---

**Starting Chapter:** Chapter 3: Variational Autoencoders

---

#### The reparameterization trick
:p How is z sampled so that gradients flow?
??x
As mu plus sigma times epsilon, with epsilon drawn from a standard normal distribution.
x??
"""

NOTES = """\
# Search notes

## Chapter 3: Variational Autoencoders

### Sampling the latent vector

- The reparameterization trick writes z as mu plus sigma times epsilon.
- Epsilon comes from a standard normal, so gradients reach mu and sigma.

## Chapter 4: Generative Adversarial Networks

### The adversarial game

- The discriminator outputs the probability that an image is real.
- The generator tries to fool the discriminator.
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    book = tmp_path / "book.md"
    notes = tmp_path / "notes.md"
    book.write_text(BOOK)
    notes.write_text(NOTES)
    return book, notes


@pytest.fixture
def loaded(store: Store, files: tuple[Path, Path]) -> Store:
    reports = import_paths(store.sessions, list(files), NOW, no_demos)
    assert [r.status for r in reports] == ["imported", "imported"]
    return store


def titles(hits) -> list[str | None]:  # type: ignore[no-untyped-def]
    return [hit.title for hit in hits]


def card_id(store: Store, title: str) -> int:
    with store.sessions() as session:
        return session.scalars(select(Card.id).where(Card.title == title)).one()


def test_the_best_match_ranks_first(loaded: Store) -> None:
    """One card says "discriminator" once in its context; the other in its title, question,
    answer and context. bm25 (ts_rank) puts the second first although it comes later."""
    hits = search_cards(loaded.sessions, "discriminator")
    assert titles(hits) == ["The discriminator", "Training loop"]
    assert hits[0].score > hits[1].score
    assert hits[0].deck == "Search fixture"
    assert hits[0].chapter == "Chapter 4: Generative Adversarial Networks"


def test_all_words_must_match_and_stems_count(loaded: Store) -> None:
    assert titles(search_cards(loaded.sessions, "epsilon normal")) == [
        "The reparameterization trick"
    ]
    # "outputs" in the answer, "output" in the query: both stem to the same word.
    assert titles(search_cards(loaded.sessions, "output probability")) == ["The discriminator"]
    assert search_cards(loaded.sessions, "epsilon discriminator") == []


def test_a_word_of_the_answer_finds_the_card(loaded: Store) -> None:
    assert titles(search_cards(loaded.sessions, "frozen")) == ["Training loop"]


def test_user_text_is_never_query_syntax(loaded: Store) -> None:
    for query in ('"unbalanced', "AND OR NOT", "disc* (", "col:umn", "-", "NEAR(a b)"):
        search_cards(loaded.sessions, query)  # no syntax error
    assert fts5_query('say "hi" OR -x') == '"say"* "hi"* "or"* "x"*'


def test_no_words_lists_every_live_card_in_deck_order(loaded: Store) -> None:
    hits = search_cards(loaded.sessions, "  ")
    assert titles(hits) == ["Training loop", "The discriminator", "The reparameterization trick"]


def test_filters(loaded: Store) -> None:
    trick = card_id(loaded, "The reparameterization trick")
    review.answer(loaded.sessions, trick, 1, NOW, SETTINGS)
    review.set_suspended(loaded.sessions, card_id(loaded, "Training loop"), True)
    with loaded.sessions() as session:
        book = session.scalars(select(Deck.id).where(Deck.title == "Search fixture")).one()
        notes = session.scalars(select(Deck.id).where(Deck.title == "Search notes")).one()
        assert len(search_cards(loaded.sessions, "", deck_id=book)) == 3
        assert search_cards(loaded.sessions, "", deck_id=notes) == []
        assert titles(
            search_cards(loaded.sessions, "", chapter="Chapter 3: Variational Autoencoders")
        ) == ["The reparameterization trick"]
        assert titles(search_cards(loaded.sessions, "", state="learning")) == [
            "The reparameterization trick"
        ]
        assert len(search_cards(loaded.sessions, "", state="new")) == 2
        # Due a minute after the Again answer, not at the moment of it.
        assert search_cards(loaded.sessions, "", due_now=NOW) == []
        later = NOW + dt.timedelta(minutes=2)
        assert titles(search_cards(loaded.sessions, "", due_now=later)) == [
            "The reparameterization trick"
        ]
        assert titles(search_cards(loaded.sessions, "", suspended=True)) == ["Training loop"]
        assert len(search_cards(loaded.sessions, "", suspended=False)) == 2
        assert titles(search_cards(loaded.sessions, "discriminator", suspended=False)) == [
            "The discriminator"
        ]


def test_reimport_and_edits_keep_the_index_in_sync(loaded: Store, files: tuple[Path, Path]) -> None:
    book, notes = files
    book.write_text(
        BOOK.replace("with the other frozen", "while the other waits").replace(
            "#### The reparameterization trick\n:p How is z sampled so that gradients flow?\n"
            "??x\nAs mu plus sigma times epsilon, with epsilon drawn from a standard normal "
            "distribution.\nx??\n",
            "",
        )
    )
    notes.write_text(NOTES.replace("fool the discriminator", "outwit the critic"))
    import_paths(loaded.sessions, [book, notes], NOW, no_demos)
    assert search_cards(loaded.sessions, "frozen") == []
    assert titles(search_cards(loaded.sessions, "waits")) == ["Training loop"]
    # The retired card's text is still indexed, but a retired card is never a hit.
    assert search_cards(loaded.sessions, "epsilon") == []
    assert [h.title for h in search_sections(loaded.sessions, "outwit")] == ["The adversarial game"]
    assert search_sections(loaded.sessions, "fool") == []
    # A direct edit of a card's text goes through the update trigger too.
    with loaded.sessions.begin() as session:
        session.execute(
            update(Card).where(Card.title == "The discriminator").values(answer="A zebra.")
        )
    assert titles(search_cards(loaded.sessions, "zebra")) == ["The discriminator"]
    assert titles(search_cards(loaded.sessions, "probability")) == []


def test_related_sections_are_the_notes_closest_to_the_card(loaded: Store) -> None:
    trick_id = card_id(loaded, "The reparameterization trick")
    disc_id = card_id(loaded, "The discriminator")
    with loaded.sessions() as session:
        trick = session.get_one(Card, trick_id)
        disc = session.get_one(Card, disc_id)
        closest = related_sections_in(session, trick)
        assert closest[0].title == "Sampling the latent vector"
        related = related_sections_in(session, disc, limit=1)
        assert [h.title for h in related] == ["The adversarial game"]
        assert related[0].deck == "Search notes"


def test_significant_words_leave_out_math_code_and_stopwords() -> None:
    words = significant_words(
        "The sampler uses $\\mu + \\sigma$ and `torch.randn` for the sampler [it](demo:vae)"
    )
    assert words == ["sampler"]


def test_sqlite_has_fts5_tables_and_the_migration_goes_down(tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "fts.db"))
    tables = set(inspect(store.engine).get_table_names())
    assert {"cards_fts", "sections_fts"} <= tables
    with store.engine.connect() as connection:
        triggers = set(
            connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .scalars()
            .all()
        )
    assert {f"{t}_fts_{op}" for t in ("cards", "sections") for op in ("ai", "ad", "au")} <= triggers
    command.downgrade(alembic_config(store.engine), "0001")
    assert not {"cards_fts", "sections_fts"} & set(inspect(store.engine).get_table_names())
    command.upgrade(alembic_config(store.engine), "head")
    store.close()


def test_existing_rows_are_indexed_by_the_migration(
    tmp_path: Path, files: tuple[Path, Path]
) -> None:
    """A database imported before 0002 gets its cards and sections indexed (backfill)."""
    store = open_store(str(tmp_path / "old.db"))
    import_paths(store.sessions, list(files), NOW, no_demos)
    # Back to before the index existed, with the rows kept; then forward again.
    store.engine.dispose()
    command.downgrade(alembic_config(store.engine), "0001")
    command.upgrade(alembic_config(store.engine), "head")
    assert titles(search_cards(store.sessions, "frozen")) == ["Training loop"]
    assert [h.title for h in search_sections(store.sessions, "outputs")] == ["The adversarial game"]
    store.close()


@pytest.mark.postgres
def test_postgres_queries_use_the_gin_indexes(postgres_url: str, files: tuple[Path, Path]) -> None:
    store = open_store(postgres_url)
    import_paths(store.sessions, list(files), NOW, no_demos)
    with store.sessions() as session:
        indexes = {
            row[0]
            for row in session.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexname LIKE '%fts'")
            )
        }
        assert indexes == {"ix_cards_fts", "ix_sections_fts"}
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            row[0]
            for row in session.execute(
                text(
                    f"EXPLAIN SELECT id FROM cards WHERE ({CARD_VECTOR_SQL}) @@ "
                    "websearch_to_tsquery('english'::regconfig, 'discriminator')"
                )
            )
        )
        assert "ix_cards_fts" in plan
        assert Section.__tablename__ == "sections"
    store.close()
