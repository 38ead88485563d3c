"""The breakpoints screen: list, add (parse errors inline, with the caret),
enable/disable and delete breakpoints.

It only shows `MachineSnapshot.breakpoints` and posts `BreakpointCommand`;
the app applies the command and, on a parse error, sets `error`.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import DataTable, Footer, Input, Static

from ktui.messages import BreakpointCommand
from ktui.panes.status_bar import StatusBar
from ktui.screens.base import SnapshotScreen
from ktui.sim.snapshot import MachineSnapshot

EXAMPLES = (
    "examples:  deadlock  ·  sched_switch next_comm=t1 prev_state=D  ·  time >= 5ms  ·  "
    "task t1 state == D  ·  lock A waiters >= 1"
)


class BreakpointsScreen(SnapshotScreen):
    """List and edit breakpoints."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", priority=True),
        Binding("a", "add", "Add"),
        Binding("e", "toggle_enabled", "On/off"),
        Binding("d,delete", "delete", "Delete"),
    ]

    DEFAULT_CSS = """
    BreakpointsScreen #bp-body { padding: 0 1; }
    BreakpointsScreen DataTable { height: 1fr; border: round $panel-lighten-2; }
    BreakpointsScreen DataTable:focus { border: round $accent; }
    BreakpointsScreen #bp-input { margin-top: 1; }
    BreakpointsScreen #bp-error { color: $error; height: auto; }
    BreakpointsScreen #bp-help { color: $text-muted; height: auto; }
    """

    error: reactive[str] = reactive("", init=False)
    """The last add's error (with its caret line), or empty."""

    def compose(self) -> ComposeResult:
        yield StatusBar("Breakpoints")
        with Vertical(id="bp-body"):
            table: DataTable[str] = DataTable(id="bp-table", cursor_type="row", zebra_stripes=True)
            table.border_title = "Breakpoints"
            yield table
            yield Input(placeholder="new breakpoint, e.g. sched_switch next_comm=t1  (enter adds)", id="bp-input")
            yield Static("", id="bp-error")
            yield Static(EXAMPLES, id="bp-help")
        yield Footer(compact=True, show_command_palette=False)  # room for ? Help and q Quit

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("ID", "EXPRESSION", "KIND", "ENABLED", "HITS")
        self.query_one(StatusBar).view = self.status
        self._ready = True
        self._fill(self.snapshot)
        table.focus()

    _ready = False

    def watch_snapshot(self, snap: MachineSnapshot) -> None:
        if self._ready:
            self._fill(snap)

    def _fill(self, snap: MachineSnapshot) -> None:
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for bp in snap.breakpoints:
            enabled = Text("yes", style="green") if bp.enabled else Text("no", style="dim")
            table.add_row(str(bp.id), Text(bp.expr), bp.kind, enabled, str(bp.hits), key=str(bp.id))
        if snap.breakpoints:
            table.move_cursor(row=min(row, len(snap.breakpoints) - 1))

    def watch_error(self, error: str) -> None:
        if self._ready:
            self.query_one("#bp-error", Static).update(Text(error))

    def _current_id(self) -> int | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def on_input_submitted(self, event: Input.Submitted) -> None:
        expr = event.value.strip()
        if expr:
            self.error = ""
            self.post_message(BreakpointCommand("add", expr=expr))

    def breakpoint_added(self) -> None:
        """Called by the app after a successful add: clear the input and
        go back to the table (where e/d act on the new breakpoint)."""
        self.query_one(Input).value = ""
        self.error = ""
        table = self.query_one(DataTable)
        table.focus()
        self.call_after_refresh(lambda: table.move_cursor(row=table.row_count - 1))

    def action_add(self) -> None:
        """Focus the input line."""
        self.query_one(Input).focus()

    def action_toggle_enabled(self) -> None:
        """Enable or disable the breakpoint under the cursor."""
        bp_id = self._current_id()
        if bp_id is None:
            return
        bp = next((b for b in self.snapshot.breakpoints if b.id == bp_id), None)
        if bp is not None:
            self.post_message(BreakpointCommand("disable" if bp.enabled else "enable", bp_id=bp_id))

    def action_delete(self) -> None:
        """Delete the breakpoint under the cursor."""
        bp_id = self._current_id()
        if bp_id is not None:
            self.post_message(BreakpointCommand("remove", bp_id=bp_id))

    def action_back(self) -> None:
        """Go back to the screen below, from the table or the input alike
        (one escape always leaves; an unsubmitted expression is dropped)."""
        self.dismiss()
