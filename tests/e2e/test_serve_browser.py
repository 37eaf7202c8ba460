"""`studyapp serve` reviewed from a real browser: Debian's Chromium, headless, driven by
Playwright with that browser (`executable_path`; Playwright downloads none).

The page draws the terminal on a canvas, so its text is not in the DOM. An init script,
run before the page's own, catches the xterm.js terminal that textual-serve's script creates
(it stores it as `this.terminal = new Terminal(…)`, and a setter on `Object.prototype` sees that
assignment) and the test reads the screen from xterm's public buffer API: the characters the
browser shows, as a person would see them. Every wait is on a condition (screen text, database
rows) with a deadline.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.test_end_to_end import QUESTIONS, SHOW_ANSWER
from tests.e2e.test_serve import Serving, free_port, imported_deck, serve_env, wait_until

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying Google's hosts, which this
# machine's closed network refuses.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, configurable: true, enumerable: true,
    });
    if (value && value.buffer && value.buffer.active) window.studyTerminal = value;
  },
});
"""
READ_SCREEN = """() => {
  const terminal = window.studyTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active;
  const rows = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""
EDITOR_OFF = "The editor is off in a served session"


@pytest.fixture
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright gives each launch a new, empty profile (--user-data-dir) of its own.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


def review_log(db: Path) -> list[tuple[str, int]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT c.question, r.rating FROM review_log r JOIN cards c ON c.id = r.card_id "
            "ORDER BY r.id"
        ).fetchall()
    connection.close()
    return [(question, rating) for question, rating in rows]


def test_review_three_cards_in_a_browser(tmp_path: Path, deck_dir: Path, browser: Browser) -> None:
    db = imported_deck(tmp_path / "served.db", deck_dir / "cards.md")
    # An editor that would leave a mark if it ever ran on the server.
    marker = tmp_path / "editor-ran"
    editor = tmp_path / "editor"
    editor.write_text(f"#!/bin/sh\ntouch {marker}\n")
    editor.chmod(0o755)
    env = {**serve_env(tmp_path), "EDITOR": str(editor)}
    served = Serving(env, db, "--port", str(free_port()), "--token", "browser-token")
    try:
        page = browser.new_page()
        page.add_init_script(CATCH_TERMINAL)
        page.goto(served.url())
        review_three_cards(page)
        wait_until(lambda: len(review_log(db)) >= 3, "three reviews in the database")
        assert review_log(db) == [(question, 3) for question in QUESTIONS[:3]]
        assert not marker.exists()
        page.close()
    finally:
        served.stop()


def review_three_cards(page: Page) -> None:
    """From the home screen: `r`, then space and `3` (Good) on three cards; on the first,
    `e` too, which in a served session only says that the editor is off."""

    def wait_for(text: str, without: str | None = None) -> None:
        def shown() -> bool:
            screen = str(page.evaluate(READ_SCREEN))
            return text in screen and (without is None or without not in screen)

        wait_until(shown, f"{text!r} in the browser")

    wait_for("Decks")
    page.locator(".xterm-helper-textarea").focus()
    page.keyboard.press("r")
    for number, (question, next_question) in enumerate(itertools.pairwise(QUESTIONS)):
        wait_for(question)
        wait_for(SHOW_ANSWER)
        if number == 0:
            page.keyboard.press("e")
            wait_for(EDITOR_OFF)
        page.keyboard.press("Space")
        wait_for("Again", without=SHOW_ANSWER)
        page.keyboard.press("3")
        wait_for(next_question)  # shown only once the answer is committed
