"""The overview: the panes the user chose, from every subsystem, at once.

``o`` on any screen adds the focused pane to the overview, or removes it
(`KtuiApp.overview`, kept for the session); the overview lays its panes out
in the registry's order (`ktui.panes.pane_classes`), so the same choice
always gives the same picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ktui.panes import pane_classes
from ktui.screens.main import PaneScreen

if TYPE_CHECKING:
    from ktui.panes.base import Pane
    from ktui.sim.snapshot import TraceReader

DEFAULT_OVERVIEW: tuple[str, ...] = ("rq", "locks", "task", "timeline", "trace")
"""Pane ids on the overview until the user changes it."""


def overview_order(pane_ids: Sequence[str]) -> list[str]:
    """`pane_ids` that exist, once each, in registry order."""
    chosen = set(pane_ids)
    return [cls.PANE_ID for cls in pane_classes() if cls.PANE_ID in chosen]


def toggle_pane(pane_ids: Sequence[str], pane: Pane) -> tuple[list[str], str]:
    """`pane_ids` with `pane` added (in registry order) or removed, and a
    note saying which."""
    if pane.PANE_ID in pane_ids:
        return [i for i in pane_ids if i != pane.PANE_ID], f"{pane.PANE_TITLE} removed from the overview"
    return overview_order([*pane_ids, pane.PANE_ID]), f"{pane.PANE_TITLE} added to the overview (1)"


class OverviewScreen(PaneScreen):
    """The user's choice of panes; recomposed when the choice changes.

    Args:
        pane_ids: The panes to show (ids; unknown ones are ignored).
        reader: Read-only trace access.
    """

    def __init__(self, pane_ids: Sequence[str], reader: TraceReader | None = None) -> None:
        ids = overview_order(pane_ids)
        by_id = {cls.PANE_ID: cls for cls in pane_classes()}
        super().__init__([by_id[i] for i in ids], "Overview", reader)

    def empty_hint(self) -> str:
        return (
            "The overview is empty: go to a subsystem's screen (2, 3 ...), "
            "focus a pane (tab) and press o to add it here."
        )

    async def choose(self, pane_ids: Sequence[str]) -> None:
        """Show `pane_ids` instead (recomposes only when they differ)."""
        ids = overview_order(pane_ids)
        if ids == [cls.PANE_ID for cls in self.pane_types]:
            return
        by_id = {cls.PANE_ID: cls for cls in pane_classes()}
        self.pane_types = tuple(by_id[i] for i in ids)
        await self.recompose()
        self.on_mount()
