"""Lock pane: every lock, its kind, owner task and CPU, waiters in order,
how long it has been held, and the wait-for cycle of a deadlock in red.

Models what ``/proc/lockdep`` and ``/proc/lock_stat`` show together
(kernel/locking/lockdep_proc.c), for the locks of the scenario.
"""

from __future__ import annotations

from typing import ClassVar

from textual.reactive import reactive

from ktui.panes.base import Area
from ktui.panes.line_list import Cells
from ktui.panes.task_rows import TaskRowList
from ktui.renderables.locking import ROW_WIDTH, lock_header, lock_rows
from ktui.renderables.sched import Row
from ktui.sim.kernel.locking.view import EMPTY_LOCKING, LockingView
from ktui.sim.snapshot import MachineSnapshot


class LockHolders(TaskRowList):
    """Locks, owners and waiters; the cursor row selects a task."""

    PANE_ID: ClassVar[str] = "locks"
    PANE_TITLE: ClassVar[str] = "Locks"
    AREA: ClassVar[Area] = "left"

    view: reactive[LockingView] = reactive(EMPTY_LOCKING, init=False, repaint=False)
    """The locking subsystem's view."""

    def view_of(self, snap: MachineSnapshot) -> LockingView:
        """The ``locking`` section (empty when there is none)."""
        return self.section(snap, "locking", EMPTY_LOCKING)

    def build_rows(self, view: object) -> list[Row]:
        """Every lock with its owner and waiters, then the deadlock cycles."""
        assert isinstance(view, LockingView)
        rows = lock_rows(view)
        if len(rows) != len(self._rows):
            self.refresh(layout=True)  # the pane's height follows its rows
        return rows

    def header_cells(self) -> Cells | None:
        return lock_header()

    def content_width(self) -> int:
        return ROW_WIDTH
