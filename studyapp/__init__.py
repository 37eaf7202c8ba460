"""studyapp: a spaced-repetition study app for the terminal.

The core (parsing, library sync, scheduling, statistics, demo catalogue and runner) lives in
this package and imports neither Textual nor Keras; the TUI is the `studyapp.tui` subpackage.
"""

__version__ = "0.1.0"
