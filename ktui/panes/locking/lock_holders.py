"""Lock pane: every lock, its kind, owner task and CPU, waiters in order,
how long it has been held, and the wait-for cycle of a deadlock in red.

Models what ``/proc/lockdep`` and ``/proc/lock_stat`` show together
(kernel/locking/lockdep_proc.c), for the locks of the scenario.
"""

from __future__ import annotations

from typing import ClassVar

from textual.message import Message
from textual.reactive import reactive

from ktui.panes.base import Area
from ktui.panes.line_list import Cells, LineList
from ktui.renderables.locking import ROW_WIDTH, lock_header, lock_rows
from ktui.renderables.sched import Row
from ktui.sim.snapshot import EMPTY_SNAPSHOT, MachineSnapshot


class LockHolders(LineList):
    """Locks, owners and waiters; the cursor row selects a task."""

    PANE_ID: ClassVar[str] = "locks"
    PANE_TITLE: ClassVar[str] = "Locks"
    AREA: ClassVar[Area] = "left"

    class TaskSelected(Message):
        """The user chose the owner or a waiter of a lock."""

        def __init__(self, pid: int) -> None:
            super().__init__()
            self.pid = pid
            """The task's pid."""

    view: reactive[MachineSnapshot] = reactive(EMPTY_SNAPSHOT, init=False)
    """The snapshot shown (this pane reads `locks` and `deadlocks`)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []

    def view_of(self, snap: MachineSnapshot) -> MachineSnapshot:
        """Locks and deadlocks come from the whole snapshot."""
        return snap

    def watch_view(self, snap: MachineSnapshot) -> None:
        self._rows = lock_rows(snap)
        self.rows_changed()

    def row_count(self) -> int:
        return len(self._rows)

    def row_cells(self, index: int) -> Cells:
        return self._rows[index].render()

    def header_cells(self) -> Cells | None:
        return lock_header()

    def content_width(self) -> int:
        return ROW_WIDTH

    def row_selected(self, index: int) -> None:
        pid = self._rows[index].pid
        if pid is not None:
            self.post_message(self.TaskSelected(pid))
