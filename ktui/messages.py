"""UI-level Messages shared by screens and the app.

Commands go up: panes post their own nested Messages, screens translate them
into these, and `KtuiApp` (the only holder of the simulator) applies them.
"""

from __future__ import annotations

from typing import Literal

from textual.message import Message


class SeekRequested(Message):
    """Move the simulator to an event index or a simulated time.

    Exactly one of `event` and `time_ns` is set.
    """

    def __init__(self, event: int | None = None, time_ns: int | None = None) -> None:
        super().__init__()
        self.event = event
        """Target position (number of events happened), or None."""
        self.time_ns = time_ns
        """Target simulated time in ns, or None."""


BreakpointOp = Literal["add", "remove", "enable", "disable"]
"""What a `BreakpointCommand` does."""


class BreakpointCommand(Message):
    """Add, remove, enable or disable a breakpoint."""

    def __init__(self, op: BreakpointOp, expr: str = "", bp_id: int = 0) -> None:
        super().__init__()
        self.op: BreakpointOp = op
        """The operation."""
        self.expr = expr
        """Expression for ``add``."""
        self.bp_id = bp_id
        """Breakpoint number for the other operations."""
