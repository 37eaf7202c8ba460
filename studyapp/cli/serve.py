"""`studyapp serve`: the study app in a browser, on textual-serve, behind a secret token.

The server process answers HTTP (`studyapp.serve`); for each browser page that connects with
the token it starts one app process, `studyapp --db DB serve --session`: the same command, in
its hidden session mode, which runs the TUI on textual-serve's web driver. A served session's
user is not at this machine, so it cannot open the editor or run demos here unless the server
was started with --allow-local-actions.

textual-serve and aiohttp load inside the command, in server mode only: no other command,
and no session process, pays for them.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shlex
import socket
import sys
from typing import Annotated
from urllib.parse import quote

import typer

from studyapp.cli.context import CliContext

TOKEN_ENV = "STUDYAPP_SERVE_TOKEN"

HostOption = Annotated[
    str, typer.Option("--host", help="Address to listen on; 0.0.0.0 opens it to the network.")
]
PortOption = Annotated[int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        envvar=TOKEN_ENV,
        show_envvar=True,
        help="The secret every request needs (?token=); default: a new random one.",
    ),
]
LocalActionsOption = Annotated[
    bool,
    typer.Option(
        "--allow-local-actions",
        help="Let browser sessions open the editor and run demos on this machine.",
    ),
]
SessionOption = Annotated[
    bool,
    typer.Option(
        "--session",
        hidden=True,
        help="Run one browser session's app (what the server starts for each page).",
    ),
]


def serve_command(
    ctx: typer.Context,
    host: HostOption = "127.0.0.1",
    port: PortOption = 8000,
    token: TokenOption = None,
    allow_local_actions: LocalActionsOption = False,
    session: SessionOption = False,
) -> None:
    """Serve the app to a web browser at http://HOST:PORT/?token=TOKEN."""
    context = ctx.ensure_object(CliContext)
    if session:
        run_session(context, local_actions=allow_local_actions)
        return
    if token is not None and not token.strip():
        context.fail("serve", "the token must not be empty")
    token = token or secrets.token_urlsafe(32)

    from studyapp.store.deck_files import ensure_bundled_deck

    # Migrate and fill a new database once, here, rather than in each page's process at once.
    with context.opened_store() as store:
        ensure_bundled_deck(store.sessions, context.now())

    from studyapp.serve.server import StudyServer

    server = StudyServer(
        session_command(context.db, context.profile, allow_local_actions),
        host=host,
        port=port,
        token=token,
    )
    if not is_loopback(host):
        context.error(
            f"studyapp serve: warning: listening on {host}: the app is reachable from the "
            "network, and anyone with the URL can review and change this database."
        )

    def announce() -> None:
        context.echo(f"Serving studyapp on {page_url(host, port, token)}")
        context.echo("Press Ctrl+C to stop.")

    try:
        server.run(announce)
    except OSError as error:
        context.fail("serve", f"cannot listen on {host}:{port}: {bind_failure(error)}")


def run_session(context: CliContext, *, local_actions: bool) -> None:
    """The app of one browser page; textual-serve's environment selects the web driver."""
    with context.opened_store() as store:
        from studyapp.tui.app import make_app

        make_app(store, now=context.now, local_actions=local_actions).run()


def session_command(db: str | None, profile: str, allow_local_actions: bool) -> str:
    """The shell command textual-serve runs for each page: this `studyapp`, on the same
    database (None: the environment's or the default one, which the session inherits), as
    the same learner."""
    words = [sys.executable, "-m", "studyapp"]
    if db is not None:
        words += ["--db", db]
    words += ["--profile", profile]
    words += ["serve", "--session"]
    if allow_local_actions:
        words.append("--allow-local-actions")
    return shlex.join(words)


def bind_failure(error: OSError) -> str:
    """Why the address did not bind, in words: asyncio's own message repeats the address."""
    if isinstance(error, socket.gaierror) or not error.errno:
        return str(error.strerror or error)  # an unknown host name
    return os.strerror(error.errno)


def page_url(host: str, port: int, token: str) -> str:
    """The URL to open: the page with its token."""
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address
    return f"http://{shown}:{port}/?token={quote(token, safe='')}"


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach `host` (a name other than localhost may not be)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
