"""Settings: desired retention, daily limits (each deck's default; Home's `l` sets a deck's
own), learning steps (`1 10`, `30s 1h 1d`), maximum interval, day start, sibling burying and
the answer time cap.

Input is checked twice: each field must parse, then `SchedulerSettings.validate` must accept the
whole; problems are shown next to the form, never as a traceback. Saved to the database with
`studyapp.store.settings.save_scheduler_settings`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Input, Label, Static

from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.settings import save_scheduler_settings
from studyapp.tui.messages import SettingsRejected, SettingsSaved
from studyapp.tui.screens.base import StudyScreen

UNIT_MINUTES = {"s": 1 / 60, "m": 1.0, "h": 60.0, "d": 1440.0}
STEP = re.compile(r"^(\d+(?:\.\d+)?)([smhd]?)$")


def _steps(text: str) -> tuple[float, ...]:
    """Steps in minutes from "1 10", "1m 10m", "30s 1h" or "1d" (as Anki writes them)."""
    steps = []
    for part in (p for p in re.split(r"[\s,]+", text.strip().casefold()) if p):
        match = STEP.match(part)
        if match is None:
            raise ValueError(part)
        steps.append(float(match.group(1)) * UNIT_MINUTES[match.group(2) or "m"])
    return tuple(steps)


def _format_steps(steps: tuple[float, ...]) -> str:
    return " ".join(_format_step(s) for s in steps)


def _format_step(minutes: float) -> str:
    for unit, size in (("d", 1440.0), ("h", 60.0)):
        if minutes >= size and (minutes / size).is_integer():
            return f"{minutes / size:g}{unit}"
    if minutes < 1:
        return f"{minutes * 60:g}s"
    return f"{minutes:g}"


def _yes_no(text: str) -> bool:
    answer = text.strip().casefold()
    if answer in ("yes", "y", "on", "true", "1"):
        return True
    if answer in ("no", "n", "off", "false", "0"):
        return False
    raise ValueError(text)


# (field, label, parse, format, what a valid value looks like)
FIELDS: list[tuple[str, str, Callable[[str], Any], Callable[[Any], str], str]] = [
    ("desired_retention", "Desired retention", float, lambda v: f"{v:.2f}", "0.70 to 0.99"),
    ("new_per_day", "New cards per day (each deck)", int, str, "a whole number"),
    ("reviews_per_day", "Reviews per day (each deck)", int, str, "a whole number"),
    ("learning_steps_minutes", "Learning steps", _steps, _format_steps,
     "minutes, or with a unit, e.g. 1 10 or 30s 1h 1d"),
    ("relearning_steps_minutes", "Relearning steps", _steps, _format_steps,
     "minutes, or with a unit, e.g. 10 or 1h"),
    ("maximum_interval_days", "Maximum interval (days)", int, str, "a whole number of days"),
    ("day_starts_at_hour", "New day starts at hour", int, str, "an hour from 0 to 23"),
    ("timezone", "Time zone (blank: local)", lambda t: t.strip() or None, lambda v: v or "",
     "an IANA name such as Europe/Paris"),
    ("bury_siblings", "Bury siblings until tomorrow", _yes_no, lambda v: "yes" if v else "no",
     "yes or no"),
    ("answer_time_cap_seconds", "Answer time cap (seconds)", int, str,
     "a whole number of seconds"),
]  # fmt: skip


def parse_form(values: dict[str, str], base: SchedulerSettings) -> tuple[SchedulerSettings | None,
                                                                          list[str]]:  # fmt: skip
    """The settings the form describes, or the problems with it (one line each)."""
    problems: list[str] = []
    changes: dict[str, Any] = {}
    for name, label, parse, _format, hint in FIELDS:
        raw = values.get(name, "")
        try:
            changes[name] = parse(raw)
        except ValueError:
            problems.append(f"{label}: {raw!r} is not valid ({hint})")
    if problems:
        return None, problems
    settings = dataclasses.replace(base, **changes)
    problems = settings.validate()
    return (None, problems) if problems else (settings, [])


class SettingsScreen(StudyScreen[None]):
    CSS_PATH = "settings.tcss"
    SUB_TITLE = "Settings"
    AUTO_FOCUS = "#desired_retention"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "back", "Back"),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [("enter", "Save")]

    def compose(self) -> ComposeResult:
        current = self.study_app.scheduler_settings
        yield Header()
        with VerticalScroll(id="settings-form"):
            yield Static("Scheduling", classes="panel-title")
            with Grid(id="settings-grid"):
                for name, label, _parse, format_, hint in FIELDS:
                    yield Label(label, classes="field-label")
                    yield Input(
                        format_(getattr(current, name)), placeholder=hint, id=name, compact=True
                    )
            yield Static("", id="settings-errors", classes="error")
            with Horizontal(id="settings-buttons"):
                yield Button("Save  (ctrl+s)", id="save", variant="primary")
                yield Button("Back  (esc)", id="back")
        yield Footer()

    def form_values(self) -> dict[str, str]:
        return {name: self.query_one(f"#{name}", Input).value for name, *_rest in FIELDS}

    def action_save(self) -> None:
        settings, problems = parse_form(self.form_values(), self.study_app.scheduler_settings)
        if settings is None:
            self.post_message(SettingsRejected(problems))
            return
        self.save(settings)

    @work(thread=True, exclusive=True, exit_on_error=False)
    def save(self, settings: SchedulerSettings) -> None:
        try:
            save_scheduler_settings(self.study_app.store.sessions, settings)
        except ValueError as error:
            self.post_message(SettingsRejected(str(error).split("; ")))
            return
        self.post_message(SettingsSaved(settings))

    def on_settings_rejected(self, message: SettingsRejected) -> None:
        # A problem quotes what was typed: text, never markup.
        self.query_one("#settings-errors", Static).update(
            Text("Not saved:\n" + "\n".join(f"• {p}" for p in message.problems))
        )

    def on_settings_saved(self, message: SettingsSaved) -> None:
        self.study_app.scheduler_settings = message.settings
        self.query_one("#settings-errors", Static).update("")
        self.notify("Settings saved.", timeout=3)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#save")
    def save_pressed(self) -> None:
        self.action_save()

    @on(Button.Pressed, "#back")
    def action_back(self) -> None:
        self.app.pop_screen()
