"""Running the real `studyapp` app in-process: `main(args, context)` with a `CliContext` of the
test's own (its database, a fixed clock, the CLI's own `SafeConsole`s writing to `StringIO`),
so nothing in `studyapp.cli` is monkeypatched."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from studyapp.cli.app import main
from studyapp.cli.context import CliContext
from studyapp.text.console import SafeConsole
from tests.conftest import NOW

WIDTH = 200


@dataclass(frozen=True)
class Outcome:
    """What one command did: its exit status and what it wrote to stdout and stderr."""

    exit_code: int
    stdout: str
    stderr: str

    def one_line(self) -> str:
        """The only line on stderr (the test fails if there are more)."""
        lines = self.stderr.strip().splitlines()
        assert len(lines) == 1, self.stderr
        return lines[0]


Cli = Callable[..., Outcome]


def run_cli(db: str | None, *args: str, now: dt.datetime = NOW) -> Outcome:
    """`studyapp ARGS` on database `db` at time `now`."""
    out, err = io.StringIO(), io.StringIO()
    context = CliContext(
        db=db,
        now=lambda: now,
        out=SafeConsole(file=out, width=WIDTH),
        err=SafeConsole(file=err, width=WIDTH, soft_wrap=True, highlight=False),
    )
    with pytest.raises(SystemExit) as exited:
        main(list(args), context)
    code = exited.value.code
    assert code is None or isinstance(code, int), code
    return Outcome(code or 0, out.getvalue(), err.getvalue())


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """`cli("stats", "--json")`: the command on this test's `study.db`, at `NOW`."""
    database = str(tmp_path / "study.db")

    def invoke(*args: str) -> Outcome:
        return run_cli(database, *args)

    return invoke
