"""Run-queue pane: per CPU the current task and the CFS tree in key order,
then tasks that are not runnable and what they wait on.

Models what ``/proc/sched_debug`` prints per ``cfs_rq`` (kernel/sched/debug.c:
``print_cfs_rq`` and ``print_rq``), drawn with the Line API so that a
thousand tasks cost only the visible rows.
"""

from __future__ import annotations

from typing import ClassVar

from ktui.panes.base import Area
from ktui.panes.line_list import Cells
from ktui.panes.task_rows import TaskRowList
from ktui.renderables.sched import ROW_WIDTH, Row, rq_header, rq_rows
from ktui.sim.snapshot import MachineSnapshot


class RqTable(TaskRowList):
    """Run queues of every CPU; the cursor row selects a task."""

    PANE_ID: ClassVar[str] = "rq"
    PANE_TITLE: ClassVar[str] = "Run queues"
    AREA: ClassVar[Area] = "left"

    def __init__(self) -> None:
        super().__init__()
        self._pid: int | None = None

    def build_rows(self, snap: MachineSnapshot) -> list[Row]:
        """Per CPU: summary, curr, the tree; then the tasks not runnable."""
        return rq_rows(snap)

    def watch_view(self, snap: MachineSnapshot) -> None:
        super().watch_view(snap)
        if self._pid is not None:
            self.select_pid(self._pid)

    def select_pid(self, pid: int) -> None:
        """Put the cursor on `pid`'s row (if shown), without notifying."""
        self._pid = pid
        for i, row in enumerate(self._rows):
            if row.pid == pid:
                self.set_cursor(i, notify=False)
                return

    def header_cells(self) -> Cells | None:
        return rq_header()

    def content_width(self) -> int:
        return ROW_WIDTH + 24

    def row_moved(self, index: int) -> None:
        self.row_selected(index)

    def row_selected(self, index: int) -> None:
        pid = self.row_pid(index)
        if pid is not None:
            self._pid = pid
        super().row_selected(index)
