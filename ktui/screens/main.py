"""The main (overview) screen: every registered pane at once, or in tabs
when the terminal is small.

The screen coordinates its panes: it hands each its sub-view of the
snapshot, tells the task pane which task was selected in the run-queue or
lock pane, and turns trace/timeline choices into `SeekRequested` for the app.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Footer, TabbedContent, TabPane

from ktui.messages import SeekRequested
from ktui.panes import pane_classes
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


class MainScreen(SnapshotScreen):
    """Overview: run queues, locks, task detail, timeline and trace."""

    AUTO_FOCUS = "#rq"

    narrow: reactive[bool] = reactive(False, init=False, repaint=False)
    """Tabbed layout (small terminal)."""
    selected_pid: reactive[int | None] = reactive(None, init=False, repaint=False)
    """Task shown in the task pane."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(str(n), f"pane({n - 1})", f"Pane {n}", show=False) for n in range(1, 10)
    ]

    def __init__(self, reader: TraceReader | None = None) -> None:
        super().__init__()
        self.reader = reader
        """Read-only trace access for the trace and timeline panes."""

    def compose(self) -> ComposeResult:
        self.narrow = is_narrow(*self.app.size)
        panes = [cls() for cls in pane_classes()]
        yield StatusBar()
        if self.narrow:
            with TabbedContent(id="tabs"):
                for pane in panes:
                    with TabPane(pane.PANE_TITLE, id=f"tab-{pane.PANE_ID}"):
                        yield pane
        else:
            by_area: dict[str, list[Pane]] = {}
            for pane in panes:
                by_area.setdefault(pane.AREA, []).append(pane)
            with Horizontal(id="top"):
                with Vertical(id="left"):
                    yield from by_area.get("left", [])
                with Vertical(id="right"):
                    yield from by_area.get("right", [])
            yield from by_area.get("strip", [])
            with Vertical(id="bottom"):
                yield from by_area.get("bottom", [])
        yield Footer()

    def on_mount(self) -> None:
        self._push_all()

    async def on_resize(self, event: events.Resize) -> None:
        narrow = is_narrow(event.size.width, event.size.height)
        if narrow != self.narrow:
            await self.recompose()
            self._push_all()

    def _push_all(self) -> None:
        for pane in self.query(Pane):
            pane.bind_reader(self.reader)
        self.query_one(StatusBar).view = self.status
        if self.snapshot.scenario:
            self.watch_snapshot(self.snapshot)
        self._apply_selection()

    def watch_snapshot(self, snap: MachineSnapshot) -> None:
        if self.selected_pid is None and snap.tasks:
            self.set_reactive(MainScreen.selected_pid, snap.tasks[0].pid)
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
        if self.narrow and isinstance(message.control, LockHolders):
            self.query_one(TabbedContent).active = "tab-task"

    def on_trace_view_event_selected(self, message: TraceView.EventSelected) -> None:
        message.stop()
        self.post_message(SeekRequested(event=message.event))

    def on_timeline_time_selected(self, message: Timeline.TimeSelected) -> None:
        message.stop()
        self.post_message(SeekRequested(time_ns=message.time_ns))

    def action_pane(self, index: int) -> None:
        """Show and focus the `index`-th registered pane (keys 1..9)."""
        panes = list(self.query(Pane))
        if 0 <= index < len(panes):
            pane = self.show_pane(panes[index].PANE_ID)
            self.call_after_refresh(pane.focus)

    def show_pane(self, pane_id: str) -> Pane:
        """Make pane `pane_id` visible (its tab, when tabbed) and return it."""
        if self.narrow:
            self.query_one(TabbedContent).active = f"tab-{pane_id}"
        return self.query_one(f"#{pane_id}", Pane)
