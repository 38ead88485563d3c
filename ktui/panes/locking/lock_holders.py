"""Lock pane: every lock, its kind, owner task and CPU, waiters in order,
how long it has been held, and the wait-for cycle of a deadlock in red.

Each edge of a cycle is a row: ``enter`` on it goes to the position where
its lock's owner took the lock; ``e`` goes to the next edge's (cycling), and
remembers the last cycle seen, so that it keeps working after the jump has
moved back before the deadlock.

Models what ``/proc/lockdep`` and ``/proc/lock_stat`` show together
(kernel/locking/lockdep_proc.c), for the locks of the scenario.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
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

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("e", "next_edge", "Deadlock edge", show=False),
    ]

    view: reactive[LockingView] = reactive(EMPTY_LOCKING, init=False, repaint=False)
    """The locking subsystem's view."""

    def view_of(self, snap: MachineSnapshot) -> LockingView:
        """The ``locking`` section (empty when there is none)."""
        return self.section(snap, "locking", EMPTY_LOCKING)

    def __init__(self) -> None:
        super().__init__()
        self._edges: tuple[int, ...] = ()
        """Where each edge of the last deadlock seen began."""
        self._edge = -1

    def build_rows(self, view: object) -> list[Row]:
        """Every lock with its owner and waiters, then the deadlock cycles."""
        assert isinstance(view, LockingView)
        if view.deadlocks and view.deadlocks[-1].acquired != self._edges:
            self._edges, self._edge = view.deadlocks[-1].acquired, -1
        rows = lock_rows(view)
        if len(rows) != len(self._rows):
            self.refresh(layout=True)  # the pane's height follows its rows
        return rows

    def action_next_edge(self) -> None:
        """Go to where the next edge of the last deadlock's cycle began."""
        if not self._edges:
            self.notify("no deadlock seen yet", severity="warning")
            return
        self._edge = (self._edge + 1) % len(self._edges)
        self.post_message(self.EventSelected(self._edges[self._edge]))

    def header_cells(self) -> Cells | None:
        return lock_header()

    def content_width(self) -> int:
        return ROW_WIDTH
