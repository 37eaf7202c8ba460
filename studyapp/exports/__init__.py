"""Files written from the study database: the review-log CSV, Anki packages, backups.

Plain functions over a `sessionmaker[Session]` (or a SQLite file) and an output path, so the
CLI and the TUI can both use them. Problems a user can fix (a missing folder, a file that is
not a studyapp database) raise `ExportError` with a one-line message naming the file. Never
imports typer, rich or textual; genanki loads only when an Anki package is written.
"""

from studyapp.exports.output import ExportError

__all__ = ["ExportError"]
