"""The goto dialog: an event index (``1234``, ``#1234``) or a time
(``5ms``); bad input is explained inline and nothing happens."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from ktui.renderables.units import parse_target

Target = tuple[int | None, int | None]
"""``(event, None)`` or ``(None, time_ns)``."""


class GotoDialog(ModalScreen[Target | None]):
    """Ask where to go; dismisses with a `Target`, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    GotoDialog { align: center middle; }
    GotoDialog > Vertical {
        width: 60; height: auto; border: round $accent; background: $surface; padding: 0 1;
    }
    GotoDialog #goto-error { color: $error; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Go to event (1234, #1234) or time (5ms, 1.5us, 200ns):")
            yield Input(id="goto-input")
            yield Static("", id="goto-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            target = parse_target(event.value)
        except ValueError as exc:
            self.query_one("#goto-error", Static).update(Text(str(exc)))
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        """Close without going anywhere."""
        self.dismiss(None)
