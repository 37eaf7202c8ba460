"""Text renderings shared by the CLI and the TUI: statistics charts and short formatters.

Everything here returns `str` or `rich.text.Text`, so `studyapp stats` prints the same pictures
the Stats screen shows. May import rich, the domain and the store's plain data; never typer,
textual or `studyapp.cli`/`studyapp.tui` (the TUI must start without paying for the CLI).
"""
