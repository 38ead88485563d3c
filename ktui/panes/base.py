"""The `Pane` base: one reactive `view`, a title, and how to cut its view
out of a `MachineSnapshot`.

Panes never hold the simulator: the screen hands each pane its sub-view
(`pane.show_snapshot(snap)` sets `pane.view = pane.view_of(snap)`) and panes
post their own nested Messages upwards. The trace and timeline panes also
get the read-only `TraceReader` once, through `bind_reader`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

from textual.widget import Widget

if TYPE_CHECKING:
    from ktui.sim.snapshot import MachineSnapshot, TraceReader

V = TypeVar("V")

Area = Literal["left", "right", "strip", "bottom"]
"""Where a pane sits in the wide (non-tabbed) layout of the main screen."""


class Pane(Widget):
    """Base class of every main-screen pane.

    Subclasses declare ``view = reactive(EMPTY_…, repaint=False)`` (a pane repaints
    what changed itself; a repainting reactive would redraw the whole pane on
    every step) and implement `view_of`.
    """

    PANE_ID: ClassVar[str] = ""
    """Stable name, used by ``ktui render --pane`` and as the widget id."""
    PANE_TITLE: ClassVar[str] = ""
    """Border and tab title."""
    AREA: ClassVar[Area] = "left"
    """Region of the wide layout the pane goes into."""

    DEFAULT_CSS = """
    Pane {
        height: 1fr;
    }
    """

    def __init__(self) -> None:
        super().__init__(id=self.PANE_ID)
        self.border_title = self.PANE_TITLE

    def view_of(self, snap: MachineSnapshot) -> object:
        """The part of `snap` this pane shows.

        Args:
            snap: The snapshot for the current position.

        Returns:
            A frozen view (assigned to `view`).
        """
        raise NotImplementedError

    @staticmethod
    def section(snap: MachineSnapshot, name: str, empty: V) -> V:
        """Subsystem `name`'s view in `snap`, or `empty` when that subsystem
        has no view (not loaded, or a view of another type): a pane then
        shows its empty state instead of failing.

        Args:
            snap: The snapshot.
            name: Subsystem name (``sched``, ``locking``).
            empty: The pane's ``EMPTY_*`` sentinel; its type is the one expected.
        """
        view = snap.sections.get(name)
        return view if isinstance(view, type(empty)) else empty

    def show_snapshot(self, snap: MachineSnapshot) -> None:
        """Set `view` from a new snapshot."""
        self.view = self.view_of(snap)

    def bind_reader(self, reader: TraceReader | None) -> None:
        """Receive the read-only trace reader (default: unused)."""
