"""What the CLI shares with the TUI lives below it: `studyapp.exports` imports neither typer nor
rich, `studyapp.text` neither typer nor textual. Each is imported in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

import pytest


def roots_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return {name.split(".")[0] for name in output.split()} | set(output.split())


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("studyapp.exports.anki", {"typer", "rich", "textual", "studyapp.cli"}),
        ("studyapp.exports.backup", {"typer", "rich", "textual", "studyapp.cli"}),
        ("studyapp.exports.csv_log", {"typer", "rich", "textual", "studyapp.cli"}),
        ("studyapp.exports.restore", {"typer", "rich", "textual", "studyapp.cli"}),
        ("studyapp.text.console", {"typer", "textual", "studyapp.cli", "studyapp.tui"}),
        ("studyapp.text.charts", {"typer", "textual", "studyapp.cli", "studyapp.tui"}),
        ("studyapp.text.formatting", {"typer", "textual", "studyapp.cli", "studyapp.tui"}),
    ],
)
def test_shared_layers_import_no_face(module: str, forbidden: set[str]) -> None:
    assert not roots_after_import(module) & forbidden
