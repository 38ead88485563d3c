"""The toy subsystem's pane: one line per widget with its count."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive

from ktui.panes.base import Area, Pane
from ktui.sim.snapshot import MachineSnapshot
from tests.toy.toy import ToyView

EMPTY_TOY = ToyView(())


class ToyPane(Pane):
    """Widgets and their pokes."""

    PANE_ID: ClassVar[str] = "toy"
    PANE_TITLE: ClassVar[str] = "Toy widgets"
    AREA: ClassVar[Area] = "right"

    view: reactive[ToyView] = reactive(EMPTY_TOY)

    def view_of(self, snap: MachineSnapshot) -> object:
        view = snap.sections.get("toy", EMPTY_TOY)
        return view

    def render(self) -> Text:
        return Text("\n".join(f"{name}: {n} pokes" for name, n in self.view.widgets) or "(none)")
