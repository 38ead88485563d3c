"""`PaneScreen`: a screen of panes, laid out by area, or in tabs when the
terminal is small. The overview and every subsystem's screen are one.

The screen coordinates its panes: it hands each its sub-view of the
snapshot, tells the task pane which task was selected in the run-queue or
lock pane, and turns trace/timeline choices into `SeekRequested` for the app.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Footer, Static, TabbedContent, TabPane

from ktui.messages import SeekRequested
from ktui.panes.base import Pane
from ktui.panes.locking.lock_holders import LockHolders
from ktui.panes.sched.rq_table import RqTable
from ktui.panes.sched.task_detail import TaskDetail
from ktui.panes.sched.timeline import Timeline
from ktui.panes.status_bar import StatusBar
from ktui.panes.task_rows import TaskRowList
from ktui.panes.trace.trace_view import TraceView
from ktui.screens.base import SnapshotScreen
from ktui.sim.snapshot import MachineSnapshot

if TYPE_CHECKING:
    from ktui.sim.snapshot import TraceReader

NARROW_WIDTH = 100
"""Below this many columns the panes go into tabs."""
NARROW_HEIGHT = 30
"""Below this many rows the panes go into tabs."""


def is_narrow(width: int, height: int) -> bool:
    """Whether a terminal of this size gets the tabbed layout."""
    return width < NARROW_WIDTH or height < NARROW_HEIGHT


class PaneScreen(SnapshotScreen):
    """Some panes at once (by `Pane.AREA`), or in tabs on a small terminal.

    Args:
        panes: The pane classes to show, in tab order.
        title: The screen's name in the status line.
        reader: Read-only trace access for the trace and timeline panes.
    """

    narrow: reactive[bool] = reactive(False, init=False, repaint=False)
    """Tabbed layout (small terminal)."""
    selected_pid: reactive[int | None] = reactive(None, init=False, repaint=False)
    """Task shown in the task pane."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "cycle_pane(1)", "Next pane", show=False),
        Binding("shift+tab", "cycle_pane(-1)", "Previous pane", show=False),
    ]

    def __init__(self, panes: Sequence[type[Pane]], title: str, reader: TraceReader | None = None) -> None:
        super().__init__()
        self.pane_types = tuple(panes)
        """The pane classes shown, in tab order."""
        self.title = title
        self.reader = reader
        """Read-only trace access for the trace and timeline panes."""

    def compose(self) -> ComposeResult:
        self.narrow = is_narrow(*self.app.size)
        panes = [cls() for cls in self.pane_types]
        yield StatusBar(self.title or "")
        if not panes:
            yield Static(self.empty_hint(), id="no-panes")
        elif self.narrow:
            with TabbedContent(id="tabs"):
                for pane in panes:
                    with TabPane(pane.PANE_TITLE, id=f"tab-{pane.PANE_ID}"):
                        yield pane
        else:
            by_area: dict[str, list[Pane]] = {}
            for pane in panes:
                by_area.setdefault(pane.AREA, []).append(pane)
            if by_area.get("left") or by_area.get("right"):
                with Horizontal(id="top"):
                    if by_area.get("left"):
                        with Vertical(id="left"):
                            yield from by_area["left"]
                    if by_area.get("right"):
                        with Vertical(id="right"):
                            yield from by_area["right"]
            yield from by_area.get("strip", [])
            if by_area.get("bottom"):
                with Vertical(id="bottom"):
                    yield from by_area["bottom"]
        yield Footer(compact=True, show_command_palette=self.app.size.width >= NARROW_WIDTH)

    def empty_hint(self) -> str:
        """What the screen says when it has no panes."""
        return "no panes"

    def on_mount(self) -> None:
        self.push_all()
        first = next(iter(self.query(Pane)), None)
        if first is not None:
            self.focus_pane(first)

    async def on_resize(self, event: events.Resize) -> None:
        narrow = is_narrow(event.size.width, event.size.height)
        if narrow != self.narrow:
            await self.recompose()
            self.push_all()

    def push_all(self) -> None:
        """Hand every pane the reader, the status and the current snapshot."""
        for pane in self.query(Pane):
            pane.bind_reader(self.reader)
        self.query_one(StatusBar).view = self.status
        if self.snapshot.scenario:
            self.watch_snapshot(self.snapshot)
        self._apply_selection()

    def watch_snapshot(self, snap: MachineSnapshot) -> None:
        if self.selected_pid is None and snap.tasks:
            self.set_reactive(PaneScreen.selected_pid, snap.tasks[0].pid)
            self._apply_selection()
        for pane in self.query(Pane):
            pane.show_snapshot(snap)

    def watch_selected_pid(self) -> None:
        self._apply_selection()

    def _apply_selection(self) -> None:
        pid = self.selected_pid
        for task_pane in self.query(TaskDetail):
            task_pane.pid = pid
        if pid is not None:
            for rq in self.query(RqTable):
                rq.select_pid(pid)

    def on_task_row_list_task_selected(self, message: TaskRowList.TaskSelected) -> None:
        self.selected_pid = message.pid
        if self.narrow and isinstance(message.control, LockHolders) and self.query(TaskDetail):
            self.query_one(TabbedContent).active = "tab-task"

    def on_task_row_list_event_selected(self, message: TaskRowList.EventSelected) -> None:
        message.stop()
        self.post_message(SeekRequested(event=message.event))

    def on_trace_view_event_selected(self, message: TraceView.EventSelected) -> None:
        message.stop()
        self.post_message(SeekRequested(event=message.event))

    def on_timeline_time_selected(self, message: Timeline.TimeSelected) -> None:
        message.stop()
        self.post_message(SeekRequested(time_ns=message.time_ns))

    def focused_pane(self) -> Pane | None:
        """The pane that has the focus (or holds the focused widget)."""
        node = self.focused
        while node is not None and not isinstance(node, Pane):
            node = node.parent  # type: ignore[assignment]
        return node

    def action_cycle_pane(self, delta: int) -> None:
        """Show and focus the next (1) or previous (-1) pane, switching tabs."""
        panes = list(self.query(Pane))
        if not panes:
            return
        current = self.focused_pane()
        index = panes.index(current) + delta if current in panes else 0
        pane = self.show_pane(panes[index % len(panes)].PANE_ID)
        self.call_after_refresh(self.focus_pane, pane)

    def focus_pane(self, pane: Pane) -> None:
        """Focus `pane`, or its first focusable widget (the task pane's text)."""
        if pane.focusable:
            pane.focus()
            return
        inner = next((w for w in pane.query("*") if w.focusable), None)
        if inner is not None:
            inner.focus()

    def show_pane(self, pane_id: str) -> Pane:
        """Make pane `pane_id` visible (its tab, when tabbed) and return it."""
        if self.narrow:
            self.query_one(TabbedContent).active = f"tab-{pane_id}"
        return self.query_one(f"#{pane_id}", Pane)

    def has_pane(self, pane_id: str) -> bool:
        """Whether this screen shows pane `pane_id`."""
        return any(cls.PANE_ID == pane_id for cls in self.pane_types)
