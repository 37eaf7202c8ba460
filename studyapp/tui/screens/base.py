"""What every screen shares: typed access to the app, and worker failures shown, not lost."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar, cast

from textual.screen import Screen
from textual.worker import Worker, WorkerState

if TYPE_CHECKING:
    from studyapp.tui.app import StudyApp

ResultType = TypeVar("ResultType")


class StudyScreen(Screen[ResultType]):
    @property
    def study_app(self) -> StudyApp:
        return cast("StudyApp", self.app)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # Workers run with exit_on_error=False: a failed query or import is reported on
        # screen, in one line, and the app keeps running.
        if event.state == WorkerState.ERROR:
            self.notify(f"{event.worker.name}: {event.worker.error}", severity="error")
