"""`studyapp serve` as a real process on a free loopback port: the token gate, the token's
precedence, the network warning and light start. The browser itself is driven in
`test_serve_browser.py`, which uses the helpers here.

A served app runs as a child of the server (textual-serve starts one per page that connects to
`/ws`), so "no app started" is read off the process table: the server has no children.
"""

from __future__ import annotations

import datetime as dt
import os
import queue
import shlex
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import aiohttp
import pytest
from typer.testing import CliRunner

from studyapp.cli.app import app
from studyapp.cli.serve import session_command
from studyapp.store.library import import_paths
from studyapp.store.opening import open_store
from studyapp.tui.app import make_app
from studyapp.tui.screens.demo import DemoScreen
from tests.cli.conftest import run_cli
from tests.conftest import no_demos

TOKEN = "correct-horse-battery-staple"
TOKEN_ENV = "STUDYAPP_SERVE_TOKEN"


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; the server binds it a moment later)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)  # polling a condition, with a deadline


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid`, from /proc."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # it ended while we looked
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return children


class Serving:
    """One `studyapp serve` process; its stdout and stderr are read line by line."""

    def __init__(self, env: dict[str, str], db: Path, *args: str) -> None:
        command = [sys.executable, "-m", "studyapp", "--db", str(db), "serve", *args]
        self.process = subprocess.Popen(
            command, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        self.readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self.out.put)),
            threading.Thread(target=self._read, args=(self.process.stderr, self.err.append)),
        ]
        for reader in self.readers:
            reader.start()

    @staticmethod
    def _read(stream: IO[str] | None, keep: Callable[[str], None]) -> None:
        assert stream is not None
        with stream:
            for line in iter(stream.readline, ""):
                keep(line.rstrip("\n"))

    def url(self, timeout: float = 20) -> str:
        """The URL the server prints once it listens."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.out.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no URL printed; stderr: {self.err}") from None
            if line.startswith("Serving studyapp on "):
                return line.removeprefix("Serving studyapp on ")

    def app_processes(self) -> list[int]:
        return children_of(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=20)
        for reader in self.readers:
            reader.join(timeout=20)


def serve_env(tmp_path: Path) -> dict[str, str]:
    """The test's environment for a server: no database, token or terminal size of the
    developer's, and a data folder of the test's."""
    dropped = ("COLUMNS", "LINES", "STUDYAPP_DB", TOKEN_ENV)
    inherited = {k: v for k, v in os.environ.items() if k not in dropped}
    return {**inherited, "XDG_DATA_HOME": str(tmp_path / "data")}


def imported_deck(db: Path, deck: Path) -> Path:
    """`db`, a SQLite file with `deck` imported (at the real time: the served app runs on the
    real clock, so the cards are due now)."""
    store = open_store(str(db))
    try:
        import_paths(store.sessions, [deck], dt.datetime.now(dt.UTC), match_demos=no_demos)
    finally:
        store.close()
    return db


@pytest.fixture
def deck_db(tmp_path: Path, deck_dir: Path) -> Path:
    return imported_deck(tmp_path / "served.db", deck_dir / "cards.md")


@pytest.fixture
def serve(tmp_path: Path, deck_db: Path) -> Iterator[Callable[..., Serving]]:
    """`serve("--port", P, ...)` starts a server on `deck_db`, stopped after the test."""
    env = serve_env(tmp_path)
    started: list[Serving] = []

    def start(*args: str, extra_env: dict[str, str] | None = None) -> Serving:
        serving = Serving({**env, **(extra_env or {})}, deck_db, *args)
        started.append(serving)
        return serving

    yield start
    for serving in started:
        serving.stop()


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


async def websocket_status(url: str, origin: str | None = None) -> int:
    """403 for a refused handshake; 101 when the websocket opened (closed again at once)."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, origin=origin):
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


def iter_queue(lines: queue.Queue[str]) -> Iterator[str]:
    while not lines.empty():
        yield lines.get()


async def test_without_the_right_token_every_path_is_403_and_no_app_starts(
    serve: Callable[..., Serving],
) -> None:
    served = serve("--port", str(free_port()), "--token", TOKEN)
    base = served.url().split("?", 1)[0]
    nearly = TOKEN[:-1] + "x"
    for query in ("", "?token=wrong", f"?token={nearly}", f"?token={TOKEN}x"):
        assert status_of(f"{base}{query}") == 403, query
        assert status_of(f"{base}static/js/textual.js{query}") == 403, query
        socket_query = f"{query}&width=80&height=24" if query else "?width=80&height=24"
        assert await websocket_status(f"{base}ws{socket_query}") == 403, query
    assert served.app_processes() == []

    # The control: the right token opens the websocket, which starts an app process, which
    # quits when the page goes.
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{base}ws?token={TOKEN}&width=80&height=24"):
            wait_until(lambda: served.app_processes() != [], "the app process")
        wait_until(lambda: served.app_processes() == [], "the app to quit")
        # The right token, but from another site's page (cross-site websocket hijacking).
        assert await websocket_status(f"{base}ws?token={TOKEN}", origin="http://evil.test") == 403
    assert served.app_processes() == []


def test_the_page_hands_its_websocket_the_token_as_a_cookie(
    serve: Callable[..., Serving],
) -> None:
    """textual-serve's page script appends `?width=…` to the websocket URL it is given, so
    the token reaches `/ws` as a cookie, set by the page."""
    served = serve("--port", str(free_port()), "--token", TOKEN)
    url = served.url()
    port = url.split(":")[2].split("/")[0]
    with urllib.request.urlopen(url, timeout=10) as response:
        cookie = response.headers["Set-Cookie"]
        page = response.read().decode()
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert cookie.startswith(f"studyapp_serve_{port}={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert f'data-session-websocket-url="ws://127.0.0.1:{port}/ws"' in page
    with_cookie = urllib.request.Request(
        f"http://127.0.0.1:{port}/static/js/textual.js",
        headers={"Cookie": f"studyapp_serve_{port}={TOKEN}"},
    )
    with urllib.request.urlopen(with_cookie, timeout=10) as response:
        assert response.status == 200


def test_token_flag_beats_environment(serve: Callable[..., Serving]) -> None:
    port = free_port()
    served = serve("--port", str(port), "--token", "from-flag", extra_env={TOKEN_ENV: "from-env"})
    url = served.url()
    assert url == f"http://127.0.0.1:{port}/?token=from-flag"
    assert status_of(url) == 200
    assert status_of(f"http://127.0.0.1:{port}/?token=from-env") == 403
    assert served.err == []  # no warning on loopback

    # A second server on the same port: one line, not a traceback.
    clash = serve("--port", str(port), "--token", "other")
    assert clash.process.wait(timeout=20) == 1
    clash.stop()
    assert clash.err == [
        f"studyapp serve: cannot listen on 127.0.0.1:{port}: Address already in use"
    ]


def test_token_from_environment(serve: Callable[..., Serving]) -> None:
    port = free_port()
    served = serve("--port", str(port), extra_env={TOKEN_ENV: "from-env"})
    assert served.url() == f"http://127.0.0.1:{port}/?token=from-env"


def test_random_token_and_a_warning_on_all_interfaces(serve: Callable[..., Serving]) -> None:
    port = free_port()
    served = serve("--host", "0.0.0.0", "--port", str(port))
    url = served.url()
    assert url.startswith(f"http://0.0.0.0:{port}/?token=")
    token = url.split("?token=", 1)[1]
    assert len(token) >= 40  # secrets.token_urlsafe(32)
    assert status_of(f"http://127.0.0.1:{port}/?token={token}") == 200
    assert served.err == [
        "studyapp serve: warning: listening on 0.0.0.0: the app is reachable from the "
        "network, and anyone with the URL can review and change this database."
    ]
    served.stop()
    assert [line for line in iter_queue(served.out) if "token=" in line] == []  # printed once


def test_an_empty_token_is_refused_and_the_session_flag_is_hidden(tmp_path: Path) -> None:
    refused = run_cli(str(tmp_path / "x.db"), "serve", "--token", " ")
    assert (refused.exit_code, refused.one_line()) == (
        1,
        "studyapp serve: the token must not be empty",
    )
    shown = CliRunner().invoke(app, ["serve", "--help"]).output
    assert "--allow-local-actions" in shown and "--session" not in shown


def test_each_page_runs_studyapp_on_the_same_database_as_the_same_learner() -> None:
    python = shlex.quote(sys.executable)
    assert session_command("my study.db", "alice", False) == (
        f"{python} -m studyapp --db 'my study.db' --profile alice serve --session"
    )
    assert session_command(None, "default", True) == (
        f"{python} -m studyapp --profile default serve --session --allow-local-actions"
    )


def test_the_cli_loads_no_web_server_until_serve_runs() -> None:
    code = "import sys, studyapp.cli.app; print(' '.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not {name.split(".")[0] for name in output} & {"textual_serve", "aiohttp", "jinja2"}


async def test_a_served_session_runs_no_demo_on_the_server(
    deck_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`make_app(local_actions=False)`, as `serve --session` builds it: a demo link only says
    why nothing runs."""
    store = open_store(str(deck_db))
    try:
        study = make_app(store, local_actions=False)
        notices: list[str] = []
        monkeypatch.setattr(study, "notify", lambda message, **_: notices.append(message))
        async with study.run_test() as pilot:
            study.launch_demo(1, "gan")
            await pilot.pause()
            assert not isinstance(study.screen, DemoScreen)
        assert notices == ["Demos are off in a served session (see --allow-local-actions)."]
    finally:
        store.close()
