"""The studyapp Textual application and `make_app`, the one factory the CLI and the tests use.

The app is built from injected dependencies: the store (database), the clock and the editor
command, so tests pass a temporary database and a frozen clock. Screens live in
`studyapp.tui.screens`, one module each.

The app holds what outlives a screen: the one undo stack of changes to cards, and the watcher
of the deck files (`library_watch`), whose changes it imports again in a worker and announces
to the screen on show (`LibraryChanged`).
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import shlex
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from studyapp.domain.clock import utc_now
from studyapp.domain.scheduling import SchedulerSettings
from studyapp.store.deck_files import deck_files
from studyapp.store.learners import DEFAULT_PROFILE
from studyapp.store.opening import Store
from studyapp.store.review import QueueScope
from studyapp.store.settings import load_scheduler_settings
from studyapp.tui.library_watch import LibraryWatcher
from studyapp.tui.messages import BrowseRequested, LaunchDemo, LibraryChanged, LibraryFilesChanged
from studyapp.tui.textual_fixes import free_removed_widgets_styles
from studyapp.tui.undo import UndoStack

# textual-image asks the terminal which graphics it speaks when it is imported, which works
# only before Textual takes the terminal over: so the demo screen's image widget is imported
# here, not lazily. The screens themselves load when first opened (a faster start).
from studyapp.tui.widgets import image_view  # noqa: F401

if TYPE_CHECKING:
    from studyapp.store.library import DemoMatcher

Clock = Callable[[], dt.datetime]


def freeze_startup_heap() -> None:
    """Moves every object alive once the app has drawn (modules, styles, the screens) out of
    the garbage collector's reach. Each answer mounts a new card view, which leaves about a
    thousand objects in reference cycles; the full collections that free them scanned the
    whole 150,000-object heap for 50-140 ms, a stutter in one answer of ten. With the heap
    frozen they scan only what came after, in 7-37 ms. Once per process: a second app (in
    the tests) would freeze the first one's garbage for good."""
    if gc.get_freeze_count() == 0:
        gc.freeze()


class StudyApp(App[None]):
    """Home, review, notes, browser, settings and help screens over one study database."""

    CSS_PATH = "app.tcss"
    TITLE = "studyapp"
    SUB_TITLE = "spaced repetition"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(
        self,
        store: Store,
        start: str = "home",
        now: Clock | None = None,
        editor: str | None = None,
        match_demos: DemoMatcher | None = None,
        local_actions: bool = True,
        watch_library: bool = True,
    ) -> None:
        super().__init__()
        free_removed_widgets_styles()
        if start not in ("home", "review"):
            raise ValueError(f"start must be 'home' or 'review', not {start!r}")
        self.store = store
        self.start = start
        self.clock: Clock = now or utc_now
        self.editor = editor
        self.match_demos = match_demos
        self.local_actions = local_actions
        """Whether the editor and demos may run on this machine: off in a browser session of
        `studyapp serve`, whose user is not at this machine (unless --allow-local-actions)."""
        if store.learner is not None and store.learner.name != DEFAULT_PROFILE:
            # Whose schedule this is, where more than one person studies from the database
            # (in the title: each screen has a subtitle of its own).
            self.title = f"{self.TITLE} · {store.learner.name}"
        self.scheduler_settings: SchedulerSettings = load_scheduler_settings(store.sessions)
        self.undo = UndoStack()
        """Every change to cards made in this run, newest last (`u` / `ctrl+z` everywhere)."""
        self.watcher: LibraryWatcher | None = None
        if watch_library:
            self.watcher = LibraryWatcher(
                partial(deck_files, store.sessions),
                lambda paths: self.post_message(LibraryFilesChanged(paths)),
            )

    def now(self) -> dt.datetime:
        """The current time in UTC from the injected clock."""
        return self.clock().astimezone(dt.UTC)

    def editor_command(self) -> list[str]:
        """The editor to open a card's source with: the injected one, $VISUAL, $EDITOR, vi."""
        command = self.editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        return shlex.split(command)

    def on_mount(self) -> None:
        from studyapp.tui.screens.home import HomeScreen

        self.push_screen(HomeScreen(deferred=self.start == "review"))
        if self.start == "review":
            self.start_review(QueueScope())
        if self.watcher is not None:
            self.watcher.start()
        self.call_after_refresh(freeze_startup_heap)

    def on_unmount(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()

    # Live re-import of the deck files.

    def on_library_files_changed(self, message: LibraryFilesChanged) -> None:
        self.reimport_files(message.paths)

    @work(thread=True, exit_on_error=False, group="reimport")
    def reimport_files(self, paths: list[str]) -> None:
        from studyapp.store.library import import_paths

        reports = import_paths(self.store.sessions, paths, self.now(), self.match_demos)
        if any(report.status != "unchanged" for report in reports):
            self.post_message(LibraryChanged(reports))

    def on_library_changed(self, message: LibraryChanged) -> None:
        if self.watcher is not None:
            self.watcher.reload()  # a file may have become a deck, or stopped being one
        if self.screen_stack:  # none while the app closes
            self.screen.post_message(LibraryChanged(message.reports))

    # Navigation, shared by the screens' bindings and the command palette.

    def start_review(self, scope: QueueScope, label: str = "All decks") -> None:
        from studyapp.tui.screens.review import ReviewScreen

        self.push_screen(ReviewScreen(scope, label))

    def open_notes(self, section_id: int | None = None) -> None:
        from studyapp.tui.screens.notes import NotesScreen

        self.push_screen(NotesScreen(section_id))

    def open_browser(
        self, chapter: str | None = None, deck_id: int | None = None, card_id: int | None = None
    ) -> None:
        from studyapp.tui.screens.browser import BrowserScreen

        self.push_screen(BrowserScreen(chapter=chapter, deck_id=deck_id, card_id=card_id))

    def open_card_info(self, card_id: int) -> None:
        from studyapp.tui.screens.card_info import CardInfoScreen

        self.push_screen(CardInfoScreen(card_id))

    def open_custom_study(self) -> None:
        from studyapp.tui.screens.home import HomeScreen

        self.go_home()
        if isinstance(self.screen, HomeScreen):
            self.screen.action_custom_study()

    def open_add_card(self) -> None:
        from studyapp.tui.screens.add_card import AddCardScreen

        self.push_screen(AddCardScreen())

    def open_stats(self) -> None:
        from studyapp.tui.screens.stats import StatsScreen

        self.push_screen(StatsScreen(self.store, now=self.now, settings=self.scheduler_settings))

    def on_browse_requested(self, message: BrowseRequested) -> None:
        wanted = message.filter
        self.open_browser(chapter=wanted.chapter, deck_id=wanted.deck_id, card_id=wanted.card_id)

    def open_settings(self) -> None:
        from studyapp.tui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen())

    def action_help(self) -> None:
        from studyapp.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def go_home(self) -> None:
        from studyapp.tui.screens.home import HomeScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, HomeScreen):
            self.pop_screen()

    def on_launch_demo(self, message: LaunchDemo) -> None:
        self.launch_demo(message.card_id, message.demo_name)

    def launch_demo(self, card_id: int, demo_name: str) -> None:
        """Run the demo's lesson on its offline data in its own process, on the demo screen:
        a few minutes on a laptop CPU, ending with the card's picture or number and whether it
        reached its target; `studyapp demo run` takes every option (`--quick` for a smoke
        test)."""
        if not self.local_actions:
            self.notify("Demos are off in a served session (see --allow-local-actions).")
            return
        from studyapp.demos.catalogue import UnknownDemo, demo_by_name
        from studyapp.demos.runner import DemoRequest
        from studyapp.tui.screens.demo import DemoScreen

        try:
            lesson = demo_by_name(demo_name).lesson is not None
        except UnknownDemo:
            lesson = False  # the demo screen says the demo does not exist
        # A demo without a lesson yet runs its smoke test instead.
        request = DemoRequest(
            demo_name, card_id=card_id, lesson=lesson, quick=not lesson, data="offline"
        )
        self.push_screen(DemoScreen(self.store, request))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own "Keys" (a help panel of the focused widget) would stand beside ours,
        # the page of every key: one "Keys" in the palette.
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command
        yield SystemCommand("Home", "Decks, chapters and today's progress", self.go_home)
        yield SystemCommand(
            "Review all decks",
            "Today's queue across every deck",
            partial(self.start_review, QueueScope()),
        )
        yield SystemCommand("Browse cards", "Search all cards with filters", self.open_browser)
        yield SystemCommand("Notes", "Read the notes sections", self.open_notes)
        yield SystemCommand(
            "Statistics", "Progress, retention, forecast, weak chapters", self.open_stats
        )
        yield SystemCommand(
            "Custom study",
            "Extra new cards, today's Agains, flagged cards, cram a chapter",
            self.open_custom_study,
        )
        yield SystemCommand("Add a card", "Write a card to a deck file", self.open_add_card)
        yield SystemCommand("Settings", "Retention, limits, steps, day start", self.open_settings)
        yield SystemCommand("Keys", "Every key binding", self.action_help)
        # Every action bound on the current screen, so nothing needs its key remembered.
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if active.node is not screen or not binding.description or not active.enabled:
                continue
            yield SystemCommand(
                f"{screen.__class__.__name__.removesuffix('Screen')}: {binding.description}",
                f"key {binding.key_display or key}",
                partial(screen.run_action, binding.action),
            )


def make_app(
    store: Store,
    start: str = "home",
    now: Clock | None = None,
    editor: str | None = None,
    match_demos: DemoMatcher | None = None,
    local_actions: bool = True,
    watch_library: bool = True,
) -> StudyApp:
    """Build the app on an opened store. `now` freezes or moves time in tests (UTC);
    `editor` overrides $EDITOR; `match_demos` overrides the demo catalogue on re-import;
    `local_actions=False` keeps the editor and demos from running on this machine;
    `watch_library=False` leaves the deck files unwatched (tests that edit files by hand)."""
    return StudyApp(
        store,
        start=start,
        now=now,
        editor=editor,
        match_demos=match_demos,
        local_actions=local_actions,
        watch_library=watch_library,
    )
