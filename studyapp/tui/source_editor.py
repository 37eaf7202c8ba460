"""Opening a card's source file at its line in the user's editor, with the app suspended.

The caller re-imports the file afterwards (in a worker); this module only runs the editor.
"""

from __future__ import annotations

import subprocess
from typing import TYPE_CHECKING

from textual.app import SuspendNotSupported

from studyapp.store.card_data import CardData

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp


def edit_card_source(app: StudyApp, card: CardData) -> bool:
    """Run the editor on the card's file; False, with a notice, if it could not be started.

    A non-zero exit is only reported: the user may have saved before quitting with an error.
    """
    if not app.local_actions:
        app.notify("The editor is off in a served session (see --allow-local-actions).")
        return False
    command = [*app.editor_command(), f"+{card.source_line}", card.source_file]
    try:
        with app.suspend():
            code = subprocess.call(command)
    except SuspendNotSupported:  # headless (tests): the editor needs no terminal
        code = subprocess.call(command, stdin=subprocess.DEVNULL)
    except OSError as error:
        # The command and the error quote paths: text, never markup.
        message = f"Cannot start the editor {command[0]!r}: {error}"
        app.notify(message, severity="error", markup=False)
        return False
    if code != 0:
        app.notify(f"The editor exited with status {code}; re-importing anyway.", markup=False)
    return True
