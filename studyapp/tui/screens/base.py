"""What every screen shares: typed access to the app, and worker failures shown, not lost.

Every screen subclasses `StudyScreen`, keeps its styles in the `.tcss` file beside its module,
runs blocking work in thread workers and gets their results back as the typed messages of
`studyapp.tui.messages`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Protocol, TypeVar, cast

from textual.screen import Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from studyapp.tui.app import StudyApp

ResultType = TypeVar("ResultType")


class HasSessions(Protocol):
    """What a screen built on an injected store needs of `studyapp.store.opening.Store`."""

    @property
    def sessions(self) -> sessionmaker[Session]: ...


class StudyScreen(Screen[ResultType]):
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = []
    """(key, what it does) for keys the screen's widgets handle rather than its BINDINGS (a
    tree's or a table's enter): the help screen lists them with the bindings."""

    @property
    def study_app(self) -> StudyApp:
        return cast("StudyApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers run with exit_on_error=False: a failed query or import is reported on
        # screen, in one line, and the app keeps running. The error may quote a deck or a
        # file, so it is shown as text, never as markup.
        if event.state == WorkerState.ERROR:
            self.notify(
                f"{event.worker.name}: {event.worker.error}", severity="error", markup=False
            )
