"""What every CLI command gets: the database to open, the clock, and the two consoles.

The main callback in `studyapp.cli.app` puts one `CliContext` in typer's `ctx.obj`; a command
reads it with `ctx.ensure_object(CliContext)`. Tests build their own (a fixed clock, a
database of the test's, consoles writing to `StringIO`) and pass it to `main(args, context)`
or to `CliRunner().invoke(app, args, obj=context)`; nothing in the CLI is a module global.

`CliContext.opened_store()` is the one way a command opens the database: whatever stops it
(a bad URL, a folder, a file that is not a database, no permission, a server that does not
answer) is one line, `studyapp: cannot open database <where>: <reason>`, and exit status 2.
A database found damaged while the command works (a page that does not read) is one line
too, naming the database and suggesting `studyapp check`, exit status 2.

Both consoles are `SafeConsole`s: nothing the CLI prints, whatever database it came from, can
carry a terminal escape sequence.

Imports typer and rich, never Textual; the store opens lazily, inside the command.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.text import Text

from studyapp.domain.clock import utc_now
from studyapp.domain.text_safety import strip_controls
from studyapp.text.console import SafeConsole

if TYPE_CHECKING:
    from studyapp.store.opening import Store

EXIT_FAILED = 1
"""Bad input the user can fix: a missing file, an unknown deck, an unwritable output."""
EXIT_USAGE = 2
"""The command cannot start: the database does not open, an unknown demo (click's own code
for usage errors, too)."""

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _stderr_console() -> Console:
    # soft_wrap: a message is one line however narrow the terminal, so scripts can read it.
    return SafeConsole(stderr=True, soft_wrap=True, highlight=False)


@dataclass(frozen=True)
class CliContext:
    """The database, the clock and the consoles one run of the CLI works with."""

    db: str | None = None
    """`--db` or $STUDYAPP_DB: a database URL or a SQLite file path; None for the default file
    in the user data folder."""
    profile: str = "default"
    """`--profile` or $STUDYAPP_PROFILE: the learner whose schedule, answers and settings the
    commands use (created on first use where the database allows)."""
    now: Callable[[], dt.datetime] = utc_now
    """The clock, returning aware UTC datetimes; tests pass a fixed one."""
    out: Console = field(default_factory=SafeConsole)
    """Standard output: tables, statistics pictures, JSON."""
    err: Console = field(default_factory=_stderr_console)
    """Standard error: one-line problems and what a command wrote where."""

    def echo(self, text: str, *, err: bool = False) -> None:
        """`text` exactly as it is (JSON, a demo's raw lines), a newline, flushed at once so a
        reader of a pipe sees each line as it comes. Control characters are dropped (JSON
        escapes its own)."""
        file = (self.err if err else self.out).file
        file.write(strip_controls(text) + "\n")
        file.flush()

    def error(self, message: str) -> None:
        """One line on stderr, shown literally: user text is never read as markup."""
        self.err.print(Text(message), soft_wrap=True)

    def fail(self, command: str, message: str) -> NoReturn:
        """`studyapp <command>: <message>` on stderr and exit status 1."""
        self.error(f"studyapp {command}: {message}")
        raise typer.Exit(EXIT_FAILED)

    def cannot_open(self, error: BaseException) -> NoReturn:
        """The one line for a database that does not open, and exit status 2."""
        self.error(f"studyapp: cannot open database {database_location(self.db)}: {_reason(error)}")
        raise typer.Exit(EXIT_USAGE) from None

    def damaged(self, reason: str) -> NoReturn:
        """The one line for a database whose pages do not read, and exit status 2."""
        self.error(
            f"studyapp: database {database_location(self.db)} is damaged ({reason}); "
            "run `studyapp check`"
        )
        raise typer.Exit(EXIT_USAGE) from None

    @contextmanager
    def opened_store(self, *, learner: bool = True) -> Iterator[Store]:
        """The migrated database for one command, its sessions bound to the profile's learner
        (to none with `learner=False`: admin work, the class view), closed when the block
        ends; a database found damaged inside the block is the one line of `damaged`."""
        from studyapp.store.learners import LearnerProblem
        from studyapp.store.opening import database_damage, open_store

        try:
            store = open_store(self.db, self.profile if learner else None)
        except LearnerProblem as problem:
            self.error(f"studyapp: profile {self.profile!r}: {problem}")
            raise typer.Exit(EXIT_USAGE) from None
        except Exception as error:  # anything that stops the database opening: one line
            self.cannot_open(error)
        if store.migration_backup is not None:
            self.error(f"Database upgraded; the old file was copied to {store.migration_backup}")
        try:
            yield store
        except Exception as error:
            if (reason := database_damage(error)) is None:
                raise
            self.damaged(reason)
        finally:
            store.close()


def database_location(db: str | None) -> str:
    """What names the database to its user (see `db.engine.database_location`)."""
    from db.engine import database_location as location

    return location(db)


def _reason(error: BaseException) -> str:
    # SQLAlchemy wraps the driver's error and appends the statement and a help link; the
    # driver's first line is what says what went wrong.
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__
