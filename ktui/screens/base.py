"""`SnapshotScreen`: a screen the app pushes snapshots and status into."""

from __future__ import annotations

from textual.reactive import reactive
from textual.screen import Screen

from ktui.panes.status_bar import EMPTY_STATUS, StatusBar, StatusView
from ktui.sim.snapshot import EMPTY_SNAPSHOT, MachineSnapshot


class SnapshotScreen(Screen[None]):
    """Base of screens that show the machine: a status line plus content."""

    snapshot: reactive[MachineSnapshot] = reactive(EMPTY_SNAPSHOT, init=False, repaint=False)
    """The snapshot of the current position (set by the app)."""
    status: reactive[StatusView] = reactive(EMPTY_STATUS, init=False, repaint=False)
    """The status line (set by the app)."""

    def watch_status(self, status: StatusView) -> None:
        for bar in self.query(StatusBar):
            bar.view = status

    def show(self, snap: MachineSnapshot | None, status: StatusView) -> None:
        """Set the status and, unless None, the snapshot."""
        self.status = status
        if snap is not None:
            self.snapshot = snap
