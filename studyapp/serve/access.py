"""The gate in front of every route of the served app: no right token, no page and no app.

A request passes with `?token=T`, or with the cookie that the page got when it was opened with
the token. The cookie is how the page's own requests carry the token: textual-serve's page
script builds its websocket URL as `<url>?width=…&height=…`, which leaves no room for a query of
ours, and its scripts and styles are plain links. The cookie is HttpOnly and SameSite=Strict,
and a websocket whose `Origin` is another site is refused as well, so a page elsewhere cannot
borrow a browser's cookie to drive the app.

Tokens are compared in constant time, and as SHA-256 digests, so that neither how much of a
token is right nor how long it is changes how soon the 403 comes.

Imports aiohttp only.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

TOKEN_PARAMETER = "token"
"""The query parameter that carries the token: `http://host:port/?token=T`."""

FORBIDDEN = "403: open the URL that `studyapp serve` printed, with its ?token=.\n"


def cookie_name(port: int) -> str:
    """The cookie that carries the token of the server on `port`.

    Browsers keep cookies by host, not by port: two servers on one machine, each with its own
    token, must not overwrite each other's.
    """
    return f"studyapp_serve_{port}"


def token_matches(given: str | None, token: str) -> bool:
    """Whether `given` is `token`, in a time that does not depend on how close it is."""
    if given is None:
        return False
    return hmac.compare_digest(_digest(given), _digest(token))


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).digest()


def same_origin(request: web.Request) -> bool:
    """False for a request that a page of another site sent (its `Origin` names another host);
    top-level page loads and clients that are not browsers send no `Origin` at all."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


def token_gate(token: str, cookie: str) -> Middleware:
    """Middleware that answers 403, before any handler runs, to a request without the token
    (in the query, else in `cookie`) or from another site's page."""

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        given = request.query.get(TOKEN_PARAMETER)
        if given is None:
            given = request.cookies.get(cookie)
        if not token_matches(given, token) or not same_origin(request):
            raise web.HTTPForbidden(text=FORBIDDEN)
        response = await handler(request)
        if not response.prepared:  # a websocket has sent its headers already
            # The page's URL holds the token: it must not travel to the font server it links.
            response.headers["Referrer-Policy"] = "no-referrer"
        return response

    return require_token
