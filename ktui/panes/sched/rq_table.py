"""Run-queue pane: per CPU the current task and the CFS tree in key order,
then tasks that are not runnable and what they wait on.

Models what ``/proc/sched_debug`` prints per ``cfs_rq`` (kernel/sched/debug.c:
``print_cfs_rq`` and ``print_rq``), drawn with the Line API so that a
thousand tasks cost only the visible rows.
"""

from __future__ import annotations

from typing import ClassVar

from textual.message import Message
from textual.reactive import reactive

from ktui.panes.base import Area
from ktui.panes.line_list import Cells, LineList
from ktui.renderables.sched import ROW_WIDTH, Row, rq_header, rq_rows
from ktui.sim.snapshot import EMPTY_SNAPSHOT, MachineSnapshot


class RqTable(LineList):
    """Run queues of every CPU; the cursor row selects a task."""

    PANE_ID: ClassVar[str] = "rq"
    PANE_TITLE: ClassVar[str] = "Run queues"
    AREA: ClassVar[Area] = "left"

    class TaskSelected(Message):
        """The user moved to or chose a task row."""

        def __init__(self, pid: int) -> None:
            super().__init__()
            self.pid = pid
            """The task's pid."""

    view: reactive[MachineSnapshot] = reactive(EMPTY_SNAPSHOT, init=False)
    """The snapshot shown (this pane reads `rqs` and `tasks`)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []
        self._pid: int | None = None

    def view_of(self, snap: MachineSnapshot) -> MachineSnapshot:
        """This pane shows run queues and tasks: the whole snapshot."""
        return snap

    def watch_view(self, snap: MachineSnapshot) -> None:
        self._rows = rq_rows(snap)
        self.rows_changed()
        if self._pid is not None:
            self.select_pid(self._pid)

    def select_pid(self, pid: int) -> None:
        """Put the cursor on `pid`'s row (if shown), without notifying."""
        self._pid = pid
        for i, row in enumerate(self._rows):
            if row.pid == pid:
                self.set_cursor(i, notify=False)
                return

    def row_count(self) -> int:
        return len(self._rows)

    def row_cells(self, index: int) -> Cells:
        return self._rows[index].render()

    def header_cells(self) -> Cells | None:
        return rq_header()

    def content_width(self) -> int:
        return ROW_WIDTH + 24

    def row_moved(self, index: int) -> None:
        self.row_selected(index)

    def row_selected(self, index: int) -> None:
        pid = self._rows[index].pid
        if pid is not None:
            self._pid = pid
            self.post_message(self.TaskSelected(pid))
