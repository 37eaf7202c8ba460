"""Anki collections come over with their history: packages built by Anki's own library, with
cards answered through Anki's own scheduler, exported with scheduling."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from db.models import Card, ReviewLog
from studyapp.store.library import import_paths
from studyapp.store.opening import Store


def build_collection(folder: Path) -> tuple[Path, dict[str, Any]]:
    """A collection with a basic, a reversed and a cloze note; the basic card answered three
    times and the cloze's first card once through Anki's scheduler; exported as .apkg and
    .colpkg."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    col = Collection(str(folder / "source.anki2"))
    deck = col.decks.id("GDL::Chapter 3")
    basic = col.new_note(col.models.by_name("Basic"))
    basic["Front"] = "What does a <b>VAE</b> encoder output?"
    basic["Back"] = 'A mean and a log-variance<br><img src="latent.png"> [sound:say.mp3]'
    col.add_note(basic, deck)
    both = col.new_note(col.models.by_name("Basic (and reversed card)"))
    both["Front"] = "KL divergence"
    both["Back"] = "How far one distribution is from another"
    col.add_note(both, deck)
    cloze = col.new_note(col.models.by_name("Cloze"))
    cloze["Text"] = "The {{c1::decoder}} maps {{c2::latent points::where?}} to images"
    cloze.tags = ["vae"]
    col.add_note(cloze, col.decks.id("GDL"))
    ids = {
        "basic": col.find_cards(f"nid:{basic.id}")[0],
        "cloze1": next(c for c in col.find_cards(f"nid:{cloze.id}") if col.get_card(c).ord == 0),
    }
    for key, ratings in (("basic", (3, 3, 4)), ("cloze1", (1,))):
        for rating in ratings:
            card = col.get_card(ids[key])
            card.start_timer()
            card.timer_started -= 7  # seven seconds of thinking: Anki logs 7,000 ms
            col.sched.answerCard(card, rating)
    col.get_card(sorted(col.find_cards(f"nid:{both.id}"))[1])  # the reverse stays new
    apkg = folder / "gdl.apkg"
    col.export_anki_package(
        out_path=str(apkg),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=True, legacy=False
        ),
        limit=None,
    )
    ids["due_basic"] = col.get_card(ids["basic"]).due
    revlog = col.db.all("select id, ease, time from revlog where cid = ? order by id", ids["basic"])
    ids |= {f"revlog_{n}": row for n, row in enumerate(revlog)}
    ids["crt"] = col.crt
    col.export_collection_package(str(folder / "gdl.colpkg"), include_media=True, legacy=False)
    col.close()
    return apkg, ids


def study_on_in_anki(folder: Path, ids: dict[str, Any]) -> dict[str, Any]:
    """Answer the basic card once more and the reversed pair's reverse for the first time in
    the same collection, then export it again over the same package."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    col = Collection(str(folder / "source.anki2"))
    (reverse,) = col.find_cards('"note:Basic (and reversed card)" card:2')
    for card_id, rating in ((ids["basic"], 3), (reverse, 2)):
        card = col.get_card(card_id)
        card.start_timer()
        col.sched.answerCard(card, rating)
    col.export_anki_package(
        out_path=str(folder / "gdl.apkg"),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=True, with_media=True, legacy=False
        ),
        limit=None,
    )
    later = {"reverse": reverse, "due_basic": col.get_card(ids["basic"]).due, "crt": col.crt}
    col.close()
    return later


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    return build_collection(tmp_path_factory.mktemp("anki"))


def cards_by_identity(store: Store) -> dict[str, Card]:
    with store.sessions() as session:
        return {c.identity: c for c in session.scalars(select(Card))}


@pytest.mark.parametrize("suffix", [".apkg", ".colpkg"])
def test_a_package_imports_with_kinds_text_media_and_chapters(
    sqlite_store: Store, package: tuple[Path, dict[str, Any]], now: dt.datetime, suffix: str
) -> None:
    path, ids = package
    (report,) = import_paths(sqlite_store.sessions, [path.with_suffix(suffix)], now)
    assert (report.status, report.format, report.deck, report.added) == (
        "imported",
        "anki",
        "GDL",
        5,
    )
    cards = cards_by_identity(sqlite_store)
    basic = cards[f"anki:{ids['basic']}"]
    assert basic.kind == "basic" and basic.chapter == "Chapter 3"
    assert basic.question == "What does a **VAE** encoder output?"
    assert "![](latent.png)" in basic.answer and "(say.mp3)" in basic.answer
    assert "<" not in basic.answer
    kinds = sorted(c.kind for c in cards.values())
    assert kinds == ["basic", "cloze", "cloze", "reversed", "reversed"]
    cloze = cards[f"anki:{ids['cloze1']}"]
    assert cloze.chapter == "vae" and "decoder" not in cloze.question and "decoder" in cloze.answer


def test_the_review_log_and_due_dates_continue_from_anki(
    sqlite_store: Store, package: tuple[Path, dict[str, Any]], now: dt.datetime
) -> None:
    path, ids = package
    import_paths(sqlite_store.sessions, [path], now)
    cards = cards_by_identity(sqlite_store)
    basic = cards[f"anki:{ids['basic']}"]
    with sqlite_store.sessions() as session:
        logs = session.scalars(
            select(ReviewLog).where(ReviewLog.card_id == basic.id).order_by(ReviewLog.reviewed_at)
        ).all()
    assert [log.rating for log in logs] == [3, 3, 4]
    # Anki's own times and durations: a revlog id is the answer's time in milliseconds.
    revlog = [ids[f"revlog_{n}"] for n in range(3)]
    assert [(log.reviewed_at, log.rating, log.duration_ms) for log in logs] == [
        (dt.datetime.fromtimestamp(at / 1000, dt.UTC), ease, millis) for at, ease, millis in revlog
    ]
    assert all(6_000 <= log.duration_ms <= 60_000 for log in logs)
    assert basic.reps == 3 and basic.state == "review" and basic.stability
    expected_due = dt.datetime.fromtimestamp(ids["crt"] + ids["due_basic"] * 86400, dt.UTC)
    assert basic.due == expected_due
    cloze = cards[f"anki:{ids['cloze1']}"]
    assert cloze.reps == 1 and cloze.state in ("learning", "relearning")
    new = [c for c in cards.values() if c.reps == 0]
    assert len(new) == 3 and all(c.state == "new" for c in new)


def test_reimporting_the_same_package_changes_nothing(
    sqlite_store: Store, package: tuple[Path, dict[str, Any]], now: dt.datetime
) -> None:
    path, _ids = package
    import_paths(sqlite_store.sessions, [path], now)
    (again,) = import_paths(sqlite_store.sessions, [path], now + dt.timedelta(hours=1))
    assert (again.status, again.added, again.unchanged) == ("unchanged", 0, 5)
    with sqlite_store.sessions() as session:
        assert session.scalar(select(func.count(ReviewLog.id))) == 4
        assert session.scalar(select(func.count(Card.id))) == 5


def test_answers_given_in_anki_after_an_import_come_over_on_the_next(
    sqlite_store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    path, ids = build_collection(tmp_path)
    import_paths(sqlite_store.sessions, [path], now)
    later = study_on_in_anki(tmp_path, ids)
    (report,) = import_paths(sqlite_store.sessions, [path], now + dt.timedelta(days=1))
    assert (report.status, report.added, report.updated) == ("imported", 0, 2)
    cards = cards_by_identity(sqlite_store)
    basic, reverse = cards[f"anki:{ids['basic']}"], cards[f"anki:{later['reverse']}"]
    with sqlite_store.sessions() as session:
        ratings = {
            card.id: session.scalars(
                select(ReviewLog.rating)
                .where(ReviewLog.card_id == card.id)
                .order_by(ReviewLog.reviewed_at)
            ).all()
            for card in (basic, reverse)
        }
        total = session.scalar(select(func.count(ReviewLog.id)))
    assert ratings == {basic.id: [3, 3, 4, 3], reverse.id: [2]}
    assert total == 6 and basic.reps == 4 and reverse.reps == 1
    assert basic.due == dt.datetime.fromtimestamp(later["crt"] + later["due_basic"] * 86400, dt.UTC)
    # The same package once more: nothing new to tell.
    (again,) = import_paths(sqlite_store.sessions, [path], now + dt.timedelta(days=2))
    assert again.status == "unchanged"


def test_a_file_that_is_not_a_package_is_one_line(
    sqlite_store: Store, tmp_path: Path, now: dt.datetime
) -> None:
    bogus = tmp_path / "broken.apkg"
    bogus.write_bytes(b"PK\x03\x04 not really a zip")
    (report,) = import_paths(sqlite_store.sessions, [bogus], now)
    assert report.status == "failed"
    assert report.messages[0].startswith(f"{bogus}: not a readable Anki package")
    assert "\n" not in report.messages[0]
