"""Run-queue pane: per CPU the current task and the CFS tree in key order,
then tasks that are not runnable and what they wait on.

Models what ``/proc/sched_debug`` prints per ``cfs_rq`` (kernel/sched/debug.c:
``print_cfs_rq`` and ``print_rq``), drawn with the Line API so that a
thousand tasks cost only the visible rows.
"""

from __future__ import annotations

from typing import ClassVar

from textual.reactive import reactive

from ktui.panes.base import Area
from ktui.panes.line_list import Cells
from ktui.panes.task_rows import TaskRowList
from ktui.renderables.sched import COMPACT_WIDTH, ROW_WIDTH, Row, rq_header, rq_rows
from ktui.sim.kernel.sched.view import EMPTY_SCHED, SchedView
from ktui.sim.snapshot import MachineSnapshot


class RqTable(TaskRowList):
    """Run queues of every CPU; the cursor row selects a task."""

    PANE_ID: ClassVar[str] = "rq"
    PANE_TITLE: ClassVar[str] = "Run queues"
    AREA: ClassVar[Area] = "left"

    view: reactive[SchedView] = reactive(EMPTY_SCHED, init=False, repaint=False)
    """The scheduler's view."""

    def __init__(self) -> None:
        super().__init__()
        self._pid: int | None = None
        self._compact = False

    def view_of(self, snap: MachineSnapshot) -> SchedView:
        """The ``sched`` section (empty when there is none)."""
        return self.section(snap, "sched", EMPTY_SCHED)

    def build_rows(self, view: object) -> list[Row]:
        """Per CPU: summary, curr, the tree; then the tasks not runnable."""
        assert isinstance(view, SchedView)
        return rq_rows(view, self._compact)

    def watch_view(self, view: object) -> None:
        super().watch_view(view)
        if self._pid is not None:
            self.select_pid(self._pid)

    def on_resize(self) -> None:
        """Below `ROW_WIDTH` columns use the compact layout (every column kept)."""
        compact = self.scrollable_content_region.width < ROW_WIDTH
        if compact != self._compact:
            self._compact = compact
            self.watch_view(self.view)

    def row_cells(self, index: int) -> Cells:
        return self._rows[index].render(self._compact)

    def select_pid(self, pid: int) -> None:
        """Put the cursor on `pid`'s row (if shown), without notifying."""
        self._pid = pid
        for i, row in enumerate(self._rows):
            if row.pid == pid:
                self.set_cursor(i, notify=False)
                return

    def header_cells(self) -> Cells | None:
        return rq_header(self._compact)

    def content_width(self) -> int:
        return (COMPACT_WIDTH if self._compact else ROW_WIDTH) + 24

    def row_moved(self, index: int) -> None:
        self.row_selected(index)

    def row_selected(self, index: int) -> None:
        pid = self.row_pid(index)
        if pid is not None:
            self._pid = pid
        super().row_selected(index)
