"""Notes: the section hierarchy of the notes decks, with the selected section as markdown."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Footer, Header, Markdown, Static, Tree
from textual.widgets.tree import TreeNode

from studyapp.domain.render import render_markdown
from studyapp.store.notes_data import NoteSection, NotesOutline, load_outline
from studyapp.tui.messages import NotesLoaded
from studyapp.tui.screens.base import StudyScreen
from studyapp.tui.widgets.card_view import DeckTree


class NotesScreen(StudyScreen[None]):
    CSS_PATH = "notes.tcss"
    SUB_TITLE = "Notes"
    AUTO_FOCUS = "#notes-tree"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("backspace", "back", "Back", show=False),
        Binding("tab", "focus_next", "Switch pane", show=False),
    ]
    WIDGET_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("enter", "Open the section, or fold it"),
        ("space", "Fold a section"),
    ]

    def __init__(self, section_id: int | None = None) -> None:
        super().__init__()
        self.start_section = section_id
        self.outline: NotesOutline | None = None
        self.nodes: dict[int, TreeNode[object]] = {}
        self.shown_section: int | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="notes-body"):
            tree: DeckTree = DeckTree("Notes", id="notes-tree")
            tree.show_root = False
            tree.auto_expand = False
            yield tree
            with VerticalScroll(id="section-view"):
                yield Static("Loading notes…", id="section-title")
                yield Static("", id="section-meta")
                yield Markdown("", id="section-body", open_links=False)
        yield Footer()

    def on_mount(self) -> None:
        self.load_notes()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load_notes(self) -> None:
        outline = load_outline(self.study_app.store.sessions)
        self.post_message(NotesLoaded(outline))

    def on_notes_loaded(self, message: NotesLoaded) -> None:
        self.outline = outline = message.outline
        tree = self.query_one("#notes-tree", DeckTree)
        tree.clear()
        # One node per book: the sections of all its part files go under it.
        books = {
            title: tree.root.add(Text(title, style="bold"), data=None, expand=False)
            for _, title in outline.decks
        }
        for section in outline.sections:
            parent = self.nodes.get(section.parent_id) if section.parent_id else None
            anchor = parent if parent is not None else books[section.deck]
            # Titles are the user's text: never markup (a str label would be parsed as such).
            node = anchor.add(Text(section.title), data=section, expand=section.level <= 2)
            self.nodes[section.section_id] = node
        for node in self.nodes.values():
            if not node.children:
                node.allow_expand = False
        if not outline.sections:
            self.query_one("#section-title", Static).update("No notes imported yet.")
            return
        target = self.nodes.get(self.start_section or -1)
        if target is None:
            target = self.nodes[outline.sections[0].section_id]
        self.select(target)

    def select(self, node: TreeNode[object]) -> None:
        ancestor = node.parent
        while ancestor is not None:
            ancestor.expand()
            ancestor = ancestor.parent
        tree = self.query_one("#notes-tree", DeckTree)
        tree.move_cursor(node)
        self.call_after_refresh(tree.scroll_to_node, node, animate=False)
        if isinstance(node.data, NoteSection):
            self.show_section(node.data)

    @on(Tree.NodeHighlighted, "#notes-tree")
    def highlighted(self, event: Tree.NodeHighlighted[object]) -> None:
        if isinstance(event.node.data, NoteSection):
            self.show_section(event.node.data)

    @on(Tree.NodeSelected, "#notes-tree")
    def selected(self, event: Tree.NodeSelected[object]) -> None:
        if event.node.children:
            event.node.toggle()
        else:
            self.query_one("#section-view").focus()

    def show_section(self, section: NoteSection) -> None:
        if self.shown_section == section.section_id:
            return
        self.shown_section = section.section_id
        self.query_one("#section-title", Static).update(Text(section.title, style="bold"))
        self.query_one("#section-meta", Static).update(
            Text(" · ".join((section.deck, section.location)))
        )
        body = section.markdown.strip()
        if not body and self.outline is not None:
            children = [s.title for s in self.outline.sections if s.parent_id == section.section_id]
            body = "\n".join(f"- {title}" for title in children) or "*(empty section)*"
        self.query_one("#section-body", Markdown).update(render_markdown(body))
        self.query_one("#section-view", VerticalScroll).scroll_home(animate=False)

    def action_back(self) -> None:
        self.app.pop_screen()
