"""The typer CLI: one app, every command registered in `studyapp.cli.app`."""

from studyapp.cli.app import main

__all__ = ["main"]
