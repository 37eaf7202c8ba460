"""The installed `studyapp` command in a real terminal (tmux send-keys / capture-pane):
a review session by keyboard alone, and an answer's durability when the app is SIGKILLed.

Each test runs its own tmux server (`-L`), so tests can run in parallel. Waiting is done by
polling the screen for the text that proves the app got there, with a deadline.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

STUDYAPP = str(Path(sys.executable).with_name("studyapp"))
pytestmark = pytest.mark.slow


class Terminal:
    def __init__(self, env: dict[str, str]) -> None:
        self.socket = f"studyapp-{uuid.uuid4().hex[:8]}"
        self.env = env

    def tmux(self, *args: str) -> str:
        return subprocess.run(
            ["tmux", "-L", self.socket, *args],
            capture_output=True,
            text=True,
            check=True,
            env=self.env,
        ).stdout

    def start(self, command: str, size: tuple[int, int] = (120, 40)) -> None:
        width, height = (str(n) for n in size)
        self.tmux("new-session", "-d", "-s", "app", "-x", width, "-y", height, f"exec {command}")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "app", *keys)

    def wait_for(self, text: str, *, without: str | None = None, timeout: float = 30) -> str:
        """Wait until `text` is on screen (and `without` is not)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen and (without is None or without not in screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")
            time.sleep(0.05)  # polling the screen for a condition, with a deadline

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    # Textual sizes itself from COLUMNS/LINES when they are set (pytest-xdist sets them):
    # the tmux window's own size must win.
    inherited = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {
        **inherited,
        "STUDYAPP_DB": str(tmp_path / "e2e.db"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "TERM": "xterm-256color",
        "EDITOR": "true",
    }


@pytest.fixture
def terminal(env: dict[str, str]) -> Iterator[Terminal]:
    term = Terminal(env)
    yield term
    term.close()


def studyapp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [STUDYAPP, *args], env=env, capture_output=True, text=True, timeout=120, check=True
    )


# The reverse of "Mode collapse" ("The generator produces only a few kinds of output.") is
# not among them: answering one side of a reversed card buries the other until tomorrow.
QUESTIONS = [
    "What does the discriminator output?",
    "Mode collapse",
    "What loss does a WGAN critic use?",
    "Lipschitz constraint",
]


SHOW_ANSWER = "Show answer  (space)"  # the button, not the footer's "space Show answer"


def reveal(terminal: Terminal, question: str) -> None:
    # The question and its "Show answer" button are both drawn before space can reveal it.
    terminal.wait_for(question)
    terminal.wait_for(SHOW_ANSWER)
    terminal.keys("space")
    terminal.wait_for("Again", without=SHOW_ANSWER)


def review_three(terminal: Terminal) -> None:
    terminal.start(f"{STUDYAPP} review")
    for question, next_question in itertools.pairwise(QUESTIONS):
        reveal(terminal, question)
        terminal.keys("3")
        # The next card shows only after the answer was committed.
        terminal.wait_for(next_question)


def test_review_three_cards_by_keyboard(terminal: Terminal, env: dict[str, str]) -> None:
    studyapp(env, "import", str(FIXTURES / "cards.md"))
    review_three(terminal)
    terminal.keys("ctrl+q")
    cards = json.loads(studyapp(env, "cards", "--json").stdout)
    reviewed = {c["question"]: c["reps"] for c in cards if c["reps"]}
    assert reviewed == {q: 1 for q in QUESTIONS[:3]}
    assert {c["state"] for c in cards if c["reps"]} == {"learning"}


def test_sigkill_mid_session_keeps_every_answer(
    terminal: Terminal, env: dict[str, str], tmp_path: Path
) -> None:
    studyapp(env, "import", str(FIXTURES / "cards.md"))
    review_three(terminal)
    reveal(terminal, QUESTIONS[3])  # the fourth card is half-way: revealed, not rated
    os.kill(terminal.pid(), signal.SIGKILL)

    with sqlite3.connect(tmp_path / "e2e.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute(
            "SELECT c.question, s.reps, s.state, r.rating, r.state_before, r.state_after, "
            'r."after" FROM review_log r JOIN cards c ON c.id = r.card_id '
            "JOIN card_states s ON s.card_id = r.card_id AND s.learner_id = r.learner_id "
            "ORDER BY r.id"
        ).fetchall()
    db.close()
    assert [r[0] for r in rows] == QUESTIONS[:3]
    for question, reps, state, rating, before, after, snapshot in rows:
        assert (reps, rating, before) == (1, 3, "new"), question
        assert after == state == json.loads(snapshot)["state"] == "learning"


def test_at_80x24_a_long_answer_is_revealed_and_read_to_its_end(
    terminal: Terminal, env: dict[str, str], tmp_path: Path
) -> None:
    """The smallest terminal we support: revealing shows the answer's start (the view scrolls
    to it), `end` reaches its last line, and no line of the screen runs past 80 columns."""
    steps = "\n".join(
        f"{n}. Step {n} of the reparameterisation trick, said plainly." for n in range(1, 31)
    )
    deck = tmp_path / "long.md"
    deck.write_text(
        "# Flashcards: Long answers\n\n---\n\n#### Training a VAE\n"
        ":p Why can a VAE be trained by backpropagation?\n??x\n"
        f"The first line of the answer.\n\n{steps}\n\nThe last line of the answer.\nx??\n"
    )
    studyapp(env, "import", str(deck))
    terminal.start(f"{STUDYAPP} review", size=(80, 24))
    reveal(terminal, "Why can a VAE be trained")
    screen = terminal.wait_for("The first line of the answer.")
    assert "The last line of the answer." not in screen  # it is long: more than one screen
    terminal.keys("End")
    screen = terminal.wait_for("The last line of the answer.")
    assert all(len(line) <= 80 for line in screen.splitlines())
    terminal.keys("4")  # Easy: the only card graduates, and the session ends
    terminal.wait_for("Session complete")
