"""`effcli explore`: the backbone as an interactive explorer in the terminal (Textual).

The screen, top to bottom: the network's name and input; the controls (width, depth, resolution, classes, batch,
dtype); the totals with their change against the base network; a status line (errors, what was saved); the
stage/block tree beside four panes (Summary, Block, Scaling, Compare); the search bar when open; the footer.
Every pane is a document of :mod:`effcli.render.views`, laid out by the table writer at the pane's width, so the
explorer shows what `summary`, `explain`, `scale` and `compare` print, number for number.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import ClassVar

from rich.console import Console
from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Footer, Input, Label, Select, Static, TabbedContent, TabPane, Tree
from textual.widgets.tree import TreeNode

from effcli.core.memory import DTYPES
from effcli.errors import EffcliError
from effcli.render import views
from effcli.render.table import LEFT_OUT_WIDER, TableWriter
from effcli.render.text import shape_text, type_text
from effcli.tools.session import CONTROLS, Match, Session, View

# Every key of the explorer, as `?` lists them (docs/commands.md lists the same; tests/test_explore.py checks).
KEYS: tuple[tuple[str, str], ...] = (
    ("Up Down", "move in the block tree (Home, End, Page Up and Page Down too)"),
    ("Left Right", "fold or unfold a stage"),
    ("Enter", "open the block under the cursor in the Block view: its layers, channel flow and why"),
    ("1 2 3 4", "the Summary, Block, Scaling and Compare views"),
    ("e", "edit the network: width, depth, resolution, classes, batch and dtype; Tab moves between them"),
    ("Escape", "leave a control or the search, back to the tree; closes a dialog"),
    ("/", "search blocks and layers by name; Enter opens the first match"),
    ("n", "the next match of the last search"),
    ("c", "compare with a second model: a preset, an alias or a YAML file (empty: stop comparing)"),
    ("s", "save the network as a YAML stage config (never over an existing file)"),
    ("u", "undo every edit: back to the base network"),
    ("?", "this list of keys"),
    ("q Ctrl+C", "quit"),
)
CONTROL_LABELS = {"Resolution": "Res"}  # 80 columns hold every control with this one short
VIEWS = {"1": "summary", "2": "block", "3": "scaling", "4": "compare"}
HINT = "Enter opens a block · e edits the network · c compares · ? lists every key"
NO_COMPARISON = (
    "No second model yet.\n\nPress c and give a preset, an alias or a YAML file (for example efficientnetv2_b3 "
    "or v1-b0): the two are shown stage by stage, as `effcli compare` shows them, at this network's input."
)
NO_BLOCK = "Move to a block in the tree and press Enter: its layers, channel flow and why it is built so."
TAP_STYLE = "bold magenta"
CHANGE_STYLE = "bold yellow"


def control_id(name: str) -> str:
    return f"control-{name.lower()}"


class Pane(VerticalScroll):
    """A scrolling pane showing one document, laid out at the pane's width (again when the terminal resizes)."""

    DEFAULT_CSS = """
    Pane { height: 1fr; scrollbar-gutter: stable; scrollbar-size-vertical: 1; }
    Pane > Static { width: auto; }
    """

    def __init__(self, *, id: str):
        super().__init__(id=id, can_focus=True)
        self.document = None
        self.message = ""
        self.plain = ""  # what the pane shows, as text (the tests read it)
        self._width = 0

    def compose(self) -> ComposeResult:
        yield Static()

    def show(self, document=None, message: str = "") -> None:
        self.document, self.message = document, message
        self._paint()

    def on_resize(self) -> None:
        if self.scrollable_content_region.width != self._width:
            self._paint()

    def _paint(self) -> None:
        width = self.scrollable_content_region.width
        self._width = width
        if width == 0 and self.document is not None:  # a view not shown yet: laid out when it is (on_resize)
            return
        if self.document is None:
            text = Text(self.message)
        else:
            writer = TableWriter(color=True, width=max(width, 20), left_out=LEFT_OUT_WIDER)
            text = Text.from_ansi(writer.write(self.document).rstrip("\n"))
        text.no_wrap = True  # laid out at this width already: a line the terminal cannot hold scrolls
        self.plain = text.plain
        self.query_one(Static).update(text)


class Prompt(ModalScreen[str | None]):
    """A one-line question: Enter answers (``answer`` returns an error to show, or None when done), Escape cancels."""

    DEFAULT_CSS = """
    Prompt { align: center middle; }
    Prompt > Vertical { width: 90%; max-width: 84; height: auto; border: round $accent; padding: 0 1;
                        background: $surface; }
    Prompt Input { margin: 1 0 0 0; }
    Prompt #prompt-error { color: $error; height: auto; }
    Prompt #prompt-keys { color: $text-muted; }
    """
    BINDINGS: ClassVar = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, question: str, value: str, answer, suggestions: list[str] | None = None):
        super().__init__()
        self.question, self.value, self.answer = question, value, answer
        self.suggester = SuggestFromList(suggestions, case_sensitive=False) if suggestions else None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            yield Input(value=self.value, id="prompt-input", suggester=self.suggester)
            yield Static("", id="prompt-error")
            yield Label("Enter: OK · Escape: cancel", id="prompt-keys")

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        error = self.answer(event.value)
        if error is None:
            self.dismiss(event.value)
        else:
            self.query_one("#prompt-error", Static).update(Text(error))

    def action_cancel(self) -> None:
        self.dismiss(None)


class Help(ModalScreen[None]):
    """Every key of the explorer."""

    DEFAULT_CSS = """
    Help { align: center middle; }
    Help > VerticalScroll { width: 90%; max-width: 90; height: auto; max-height: 90%; border: round $accent;
                            padding: 0 1; background: $surface; }
    """
    BINDINGS: ClassVar = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        from rich.console import Group
        from rich.table import Table

        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, what in KEYS:
            keys.add_row(key, what)
        with VerticalScroll():
            yield Static(
                Group(
                    Text("effcli explore: the keys\n", style="bold"),
                    keys,
                    Text("\nThe mouse works too: click a block, a tab or a control. Escape closes this list."),
                )
            )

    def action_close(self) -> None:
        self.dismiss(None)


class ExploreApp(App[None]):
    """The explorer of one network (``session``); ``start``: the controls' text at the start (default: the
    session's defaults, the base network)."""

    TITLE = "effcli explore"
    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { layout: vertical; }
    #title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    #controls { height: 1; }
    #controls Label { margin: 0 1 0 0; }
    #controls Input { margin: 0 1 0 0; }
    #control-width, #control-depth { width: 6; }
    #control-resolution { width: 8; }
    #control-classes { width: 5; }
    #control-batch { width: 4; }
    #control-dtype { width: 16; }
    #totals { height: 2; padding: 0 1; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    #status.error { color: $error; text-style: bold; }
    #main { height: 1fr; }
    #tree { width: 30%; min-width: 24; max-width: 36; height: 1fr; scrollbar-size-vertical: 1; }
    #tabs { width: 1fr; height: 1fr; }
    TabPane { padding: 0; height: 1fr; }
    #search { dock: bottom; display: none; }
    #search.open { display: block; }
    """
    BINDINGS: ClassVar = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("slash", "search", "Find", key_display="/"),
        Binding("n", "next_match", "Next"),
        Binding("e", "edit", "Edit"),
        Binding("c", "compare", "Compare"),
        Binding("s", "save", "Save"),
        Binding("u", "reset", "Undo"),
        *(
            Binding(key, f"view('{name}')", name.title(), group=Binding.Group("Views", compact=True))
            for key, name in VIEWS.items()
        ),
        Binding("escape", "leave", "Back", show=False),
    ]

    def __init__(self, session: Session, *, start: dict[str, str] | None = None):
        super().__init__()
        self.session = session
        self.start = start or session.defaults()
        self.current: View | None = None
        self.block_name: str | None = None
        self.matches: list[Match] = []
        self.match_index = -1
        self.last_search = ""
        self._live = False

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        defaults = self.start
        yield Static(id="title")
        with Horizontal(id="controls"):
            for name in CONTROLS[:-1]:
                yield Label(CONTROL_LABELS.get(name, name))
                yield Input(value=defaults[name], id=control_id(name), compact=True, select_on_focus=True)
            yield Select(
                [(dtype, dtype) for dtype in DTYPES],
                value=defaults["dtype"],
                allow_blank=False,
                compact=True,
                id=control_id("dtype"),
            )
        yield Static(id="totals")
        yield Static(HINT, id="status")
        with Horizontal(id="main"):
            yield Tree("blocks", id="tree")
            with TabbedContent(id="tabs", initial="summary"):
                with TabPane("Summary", id="summary"):
                    yield Pane(id="summary-pane")
                with TabPane("Block", id="block"):
                    yield Pane(id="block-pane")
                with TabPane("Scaling", id="scaling"):
                    yield Pane(id="scaling-pane")
                with TabPane("Compare", id="compare"):
                    yield Pane(id="compare-pane")
        yield Input(placeholder="search blocks and layers (Enter opens, Escape closes)", id="search")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        tree = self.query_one(Tree)
        tree.show_root = False
        tree.guide_depth = 2
        self._live = True
        self.recompute()
        for note in self.session.notes:
            self.say(note)
        tree.focus()

    # ---------------------------------------------------------------- the numbers

    def texts(self) -> dict[str, str]:
        texts = {name: self.query_one(f"#{control_id(name)}", Input).value for name in CONTROLS[:-1]}
        texts["dtype"] = str(self.query_one(f"#{control_id('dtype')}", Select).value)
        return texts

    @on(Input.Changed, "#controls Input")
    @on(Select.Changed, "#controls Select")
    def _control_changed(self) -> None:
        if self._live:
            self.recompute()

    def recompute(self) -> None:
        """Count the network at the controls' values and show it; a control not valid keeps the last view."""
        try:
            view = self.session.view(self.session.settings(self.texts()))
        except EffcliError as error:
            kept = "" if self.current is None else " (the numbers are still those of the last valid values)"
            self.say(f"Error: {error}{kept}", error=True)
            return
        self.current = view
        self.say(HINT)
        self.show_view(view)

    def show_view(self, view: View) -> None:
        report, memory = view.report, view.settings.memory
        title = f"{report.name} · {report.family_title} · input {shape_text(report.input_shape)}"
        if view.other is not None:
            title += f" · vs {view.other.name}"
        self.query_one("#title", Static).update(Text(title))
        self.query_one("#totals", Static).update(self.totals_text(view))
        self.rebuild_tree(view)
        self.query_one("#summary-pane", Pane).show(views.summary(report, memory=memory))
        self.query_one("#scaling-pane", Pane).show(views.scale(view.scaling, memory=memory))
        if view.comparison is None:
            self.query_one("#compare-pane", Pane).show(message=NO_COMPARISON)
        else:
            self.query_one("#compare-pane", Pane).show(views.compare(view.comparison, memory=memory))
        self.show_block()

    @staticmethod
    def totals_text(view: View) -> Text:
        text = Text()
        items = views.explore_totals(view.report, view.base, view.settings.memory)
        for n, (label, value, change) in enumerate(items):
            if n == 3:
                text.append("\n")
            elif n:
                text.append("   ")
            text.append(f"{label} ", style="bold")
            text.append(value)
            if change != "same":
                text.append(f" ({change})", style=CHANGE_STYLE)
        return text

    def show_block(self) -> None:
        pane = self.query_one("#block-pane", Pane)
        view = self.current
        if view is None or self.block_name is None or view.block(self.block_name) is None:
            pane.show(message=NO_BLOCK)
            return
        pane.show(views.explain(view.explanation(self.block_name), memory=view.settings.memory))

    # ---------------------------------------------------------------- the tree

    def rebuild_tree(self, view: View) -> None:
        tree: Tree = self.query_one(Tree)
        folded = {node.data for node in tree.root.children if node.data is not None and not node.is_expanded}
        cursor = tree.cursor_node.data if tree.cursor_node is not None else None
        taps: dict[str, list[str]] = {}
        for level in view.report.pyramid:
            taps.setdefault(level.block, []).append(level.level)
        tree.clear()
        wanted: TreeNode | None = None
        for stage, blocks in view.stages():
            if stage == -1:
                (block,) = blocks
                node = tree.root.add_leaf(self.block_label(block.name, taps), data=block.name)
            else:
                key = f"stage {stage}"
                types = "+".join(dict.fromkeys(b.type for b in blocks))
                label = Text(f"stage {stage}  {type_text(types, short=True)} x{len(blocks)}", style="bold")
                parent = tree.root.add(label, data=key, expand=key not in folded)
                for block in blocks:
                    child = parent.add_leaf(self.block_label(block.name, taps), data=block.name)
                    if block.name == cursor:
                        wanted = child
                node = parent
            if node.data == cursor:
                wanted = node
        if wanted is not None:
            self.call_after_refresh(tree.move_cursor, wanted)

    @staticmethod
    def block_label(name: str, taps: dict[str, list[str]]) -> Text:
        label = Text(name)
        if name in taps:
            label.append(f"  ◂ {' '.join(taps[name])}", style=TAP_STYLE)
        return label

    def find_node(self, name: str) -> TreeNode | None:
        tree: Tree = self.query_one(Tree)
        for node in tree.root.children:
            if node.data == name:
                return node
            for child in node.children:
                if child.data == name:
                    return child
        return None

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected) -> None:
        name = event.node.data
        if name is not None and self.current is not None and self.current.block(name) is not None:
            self.open_block(name)

    @on(Tree.NodeHighlighted)
    def _highlighted(self, event: Tree.NodeHighlighted) -> None:
        # the Block view follows the cursor while it is open
        name = event.node.data
        following = self.query_one(TabbedContent).active == "block" and self.current is not None
        if following and self.current is not None and self.current.block(name) is not None:
            self.block_name = name
            self.show_block()

    def open_block(self, name: str) -> None:
        self.block_name = name
        self.show_block()
        self.query_one(TabbedContent).active = "block"

    # ---------------------------------------------------------------- the status line

    def say(self, message: str, *, error: bool = False) -> None:
        status = self.query_one("#status", Static)
        status.set_class(error, "error")
        status.update(Text(message))

    # ---------------------------------------------------------------- actions

    def action_view(self, name: str) -> None:
        self.query_one(TabbedContent).active = name

    def action_edit(self) -> None:
        self.query_one(f"#{control_id('Width')}", Input).focus()

    def action_leave(self) -> None:
        search = self.query_one("#search", Input)
        if search.has_class("open"):
            search.remove_class("open")
        self.query_one(Tree).focus()

    def action_reset(self) -> None:
        self._live = False
        for name, value in self.session.defaults().items():
            if name == "dtype":
                self.query_one(f"#{control_id(name)}", Select).value = value
            else:
                self.query_one(f"#{control_id(name)}", Input).value = value
        self._live = True
        self.recompute()
        self.say("Back to the base network: " + self.session.spec.name)

    def action_help(self) -> None:
        self.push_screen(Help())

    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.add_class("open")
        search.value = ""
        search.focus()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self.current is None or not event.value.strip():
            self.say(HINT)
            return
        self.matches = self.current.search(event.value)
        self.match_index = -1
        self.last_search = event.value
        if not self.matches:
            self.say(f"No block or layer of {self.current.report.name} has '{event.value.strip()}' in its name")
            return
        shown = ", ".join(m.block if m.layer is None else f"{m.block} ({m.layer})" for m in self.matches[:4])
        more = f", and {len(self.matches) - 4} more" if len(self.matches) > 4 else ""
        count = "1 match" if len(self.matches) == 1 else f"{len(self.matches)} matches"
        self.say(f"{count}: {shown}{more}")

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.query_one("#search", Input).remove_class("open")
        self.query_one(Tree).focus()
        if self.matches:
            self.action_next_match()

    def action_next_match(self) -> None:
        if not self.matches or self.current is None:
            self.say("No search yet: press / and type part of a block or layer name")
            return
        self.match_index = (self.match_index + 1) % len(self.matches)
        match = self.matches[self.match_index]
        node = self.find_node(match.block)
        if node is not None:
            if node.parent is not None:
                node.parent.expand()
            self.call_after_refresh(self.query_one(Tree).move_cursor, node)
        self.open_block(match.block)
        where = "" if match.layer is None else f", layer {match.layer}"
        self.say(f"Match {self.match_index + 1} of {len(self.matches)}: {match.block}{where} (n: next)")

    def action_compare(self) -> None:
        from effcli.config import compiled

        names = [row["name"] for row in compiled.presets()]
        names += [alias for row in compiled.presets() for alias in row["aliases"]]

        def answer(target: str) -> str | None:
            try:
                notes = self.session.set_other(target)
            except EffcliError as error:
                return f"Error: {error}"
            self.recompute()
            if self.session.other_target is None:
                self.say("No second model: the Compare view is empty again")
            else:
                self.say(" ".join(notes) or f"Comparing with {self.session.other_target} (4: Compare view)")
                self.query_one(TabbedContent).active = "compare"
            return None

        self.push_screen(
            Prompt(
                "Compare with (a preset, an alias or a YAML file; empty: stop comparing):",
                self.session.other_target or "",
                answer,
                sorted(set(names)),
            )
        )

    def action_save(self) -> None:
        if self.current is None:
            return
        view = self.current

        def answer(text: str) -> str | None:
            if not text.strip():
                return "Error: give a file name ending in .yaml"
            try:
                path = self.session.save(view, Path(text.strip()))
            except EffcliError as error:
                return f"Error: {error}"
            self.say(f"Saved {view.spec.name} to {path}")
            return None

        self.push_screen(Prompt("Save this network as a YAML stage config, to:", f"{view.spec.name}.yaml", answer))

    # ---------------------------------------------------------------- for the tests and the benchmark

    def screen_text(self) -> str:
        """The screen as plain text, line by line (what a person sees, without colours)."""
        width, height = self.size
        console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
        console.print(self.screen._compositor.render_update(full=True))
        return console.export_text()
