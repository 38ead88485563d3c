"""One subsystem's screen: its panes (from its descriptor) beside the core
panes, the task detail and the trace."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.panes import PaneGroup, core_panes
from ktui.screens.main import PaneScreen

if TYPE_CHECKING:
    from ktui.sim.snapshot import TraceReader


class SubsystemScreen(PaneScreen):
    """The panes of `group`, then the core panes.

    Args:
        group: The subsystem's panes.
        reader: Read-only trace access.
    """

    def __init__(self, group: PaneGroup, reader: TraceReader | None = None) -> None:
        panes = list(group.panes)
        panes.extend(cls for cls in core_panes() if cls not in panes)
        super().__init__(panes, group.title, reader)
        self.group = group
        """The subsystem shown."""
