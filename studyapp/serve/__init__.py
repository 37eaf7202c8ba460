"""The browser face: the study app served by textual-serve, behind a secret token.

`access` is the gate (a token on every request, compared in constant time); `server` is
textual-serve's `Server` with that gate in front and its page pointed at the request's own
host. Each browser page that passes the gate gets its own app process, started by the command
the CLI hands in; this package never imports the TUI or the CLI, and only `studyapp serve`
imports it, so no other command pays for aiohttp and textual-serve.
"""
