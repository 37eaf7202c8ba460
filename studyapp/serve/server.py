"""textual-serve's `Server` with the token gate in front, serving one study database.

What differs from textual-serve's own:
- every route (`/`, `/ws`, `/static`, `/download`) sits behind `access.token_gate`, so a
  request without the token gets 403 before a handler, and so before an app process, runs;
- the page gets the token cookie, and its websocket and static URLs name the host the browser
  used, not `public_url`: for `--host 0.0.0.0` that would be an address no phone can reach, and
  a cookie set for `127.0.0.1` is not sent to `localhost`;
- `run` binds first and then calls `announce`, so the one URL is printed only once the server
  listens; it logs no requests (their URLs hold the token) and prints no banner of its own.

Each page that connects to `/ws` gets its own process of `command`, as in textual-serve.
Imports aiohttp and textual-serve; never the TUI or the CLI.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from textual_serve.server import Server, to_int

from studyapp.serve.access import cookie_name, token_gate

SHUTDOWN_SECONDS = 5.0
"""How long Ctrl+C waits for open pages' apps to quit before their handlers are cancelled."""


class StudyServer(Server):
    """Serves `command` (one app process per browser page) to those who hold `token`."""

    def __init__(self, command: str, *, host: str, port: int, token: str) -> None:
        super().__init__(command, host=host, port=port, title="studyapp")
        self.token = token
        """The secret every request must carry."""
        self.cookie = cookie_name(port)
        """The cookie that carries the token on the page's own requests."""

    async def _make_app(self) -> web.Application:
        # textual-serve builds its routes here; the gate goes in before the app is frozen.
        app = await super()._make_app()
        app.middlewares.append(token_gate(self.token, self.cookie))
        return app

    async def handle_index(self, request: web.Request) -> web.Response:
        """The page, as textual-serve's template draws it, and the token's cookie."""
        response = aiohttp_jinja2.render_template(
            "app_index.html", request, page_context(request, self.title)
        )
        response.set_cookie(self.cookie, self.token, httponly=True, samesite="Strict", path="/")
        response.headers["Cache-Control"] = "no-store"
        return response

    async def on_startup(self, app: web.Application) -> None:
        """Nothing: textual-serve prints its banner and a URL without the token here."""

    def run(self, announce: Callable[[], None]) -> None:
        """Listen until SIGINT or SIGTERM, calling `announce` once the port is bound.

        Raises OSError when the address cannot be bound (a port in use, an unknown host).
        """
        asyncio.run(self._run(announce))

    async def _run(self, announce: Callable[[], None]) -> None:
        runner = web.AppRunner(
            await self._make_app(), access_log=None, shutdown_timeout=SHUTDOWN_SECONDS
        )
        await runner.setup()
        try:
            await web.TCPSite(runner, self.host, self.port).start()
            announce()
            await _until_stopped()
        finally:
            await runner.cleanup()


def page_context(request: web.Request, title: str) -> dict[str, Any]:
    """What textual-serve's `app_index.html` reads, with URLs on the host the request named."""
    router = request.app.router
    origin = f"{request.scheme}://{request.host}"
    socket = f"{'wss' if request.scheme == 'https' else 'ws'}://{request.host}"
    statics = str(router["static"].url_for(filename="/")).rstrip("/") + "/"
    return {
        "font_size": to_int(request.query.get("fontsize", "16"), 16),
        "app_websocket_url": socket + str(router["websocket"].url_for()),
        "config": {"static": {"url": origin + statics}},
        "application": {"name": title},
    }


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for number in signals:
        loop.add_signal_handler(number, stop.set)
    try:
        await stop.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)
