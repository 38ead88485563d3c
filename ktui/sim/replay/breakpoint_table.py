"""The timeline's breakpoint table: set, remove, enable, and test for hits.

As gdb's breakpoint table: numbered entries, each an expression
(`ktui.sim.breakpoints`) with an enabled flag and a hit count. Event
breakpoints match one trace record; time and state breakpoints stop on the
rising edge of their condition, so each entry remembers whether it held
after the last event (``prev``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim import breakpoints as bpmod
from ktui.sim.errors import CommandError
from ktui.sim.replay.context import MachineContext

if TYPE_CHECKING:
    from ktui.sim.machine import Machine
    from ktui.sim.trace import Names


@dataclass(slots=True)
class BreakpointEntry:
    """A breakpoint set on the timeline.

    Attributes:
        id: Stable number (1-based) for the UI and the CLI.
        bp: The parsed expression.
        enabled: Whether runs stop on it.
        hits: Times a forward run stopped on it.
        prev: For time/state breakpoints: whether it held after the last
            event, for rising-edge detection.
    """

    id: int
    bp: bpmod.Breakpoint
    enabled: bool = True
    hits: int = 0
    prev: bool = False


class BreakpointTable:
    """The numbered breakpoints of one timeline.

    Args:
        m: The machine they are evaluated on (the same object all run long).
    """

    def __init__(self, m: Machine) -> None:
        self.m = m
        self.entries: list[BreakpointEntry] = []
        """Every breakpoint, in the order they were set."""
        self._next_id = 1

    def add(self, expr: str) -> BreakpointEntry:
        """Parse and set a breakpoint; returns its entry.

        Raises:
            BreakpointError: the expression does not parse or names an
                unknown task, CPU or lock.
        """
        ctx = MachineContext(self.m)
        bp = bpmod.validate(bpmod.parse(expr), ctx)  # resolves its items once
        entry = BreakpointEntry(self._next_id, bp)
        if bp.kind != "event":
            entry.prev = bpmod.holds(bp, ctx, self.m.now)
        self._next_id += 1
        self.entries.append(entry)
        return entry

    def find(self, bp_id: int) -> BreakpointEntry:
        """The entry numbered `bp_id`.

        Raises:
            CommandError: no breakpoint has that number.
        """
        for entry in self.entries:
            if entry.id == bp_id:
                return entry
        raise CommandError(f"no breakpoint {bp_id}")

    def remove(self, bp_id: int) -> None:
        """Delete breakpoint `bp_id` (CommandError if there is none)."""
        self.entries.remove(self.find(bp_id))

    def set_enabled(self, bp_id: int, enabled: bool) -> None:
        """Enable or disable breakpoint `bp_id` (CommandError if there is none)."""
        entry = self.find(bp_id)
        entry.enabled = enabled
        if enabled and entry.bp.kind != "event":
            entry.prev = bpmod.holds(entry.bp, MachineContext(self.m), self.m.now)

    def any_enabled(self) -> bool:
        """Whether a run has anything to test after each event."""
        return any(e.enabled for e in self.entries)

    def sync(self) -> None:
        """Re-read every state breakpoint's condition at the current position."""
        ctx = MachineContext(self.m)
        for entry in self.entries:
            if entry.bp.kind != "event":
                entry.prev = bpmod.holds(entry.bp, ctx, self.m.now)

    def hit(self, rec: tuple[int, ...], names: Names) -> BreakpointEntry | None:
        """The first enabled breakpoint the last event `rec` hits, if any."""
        hit: BreakpointEntry | None = None
        ctx: MachineContext | None = None
        for entry in self.entries:
            if not entry.enabled:
                continue
            bp = entry.bp
            if bp.kind == "event":
                tid = bp.event_type_id()
                if (tid is None or tid == rec[0]) and bpmod.matches_event(bp, rec, names):
                    hit = hit or entry
            else:
                ctx = ctx or MachineContext(self.m)
                now = bpmod.holds(bp, ctx, self.m.now)
                if now and not entry.prev:
                    hit = hit or entry
                entry.prev = now
        return hit

    def event_hit(self, rec: tuple[int, ...], names: Names) -> BreakpointEntry | None:
        """The first enabled event breakpoint recorded event `rec` matches."""
        tid = rec[0]
        for e in self.entries:
            if not e.enabled or e.bp.kind != "event":
                continue
            etid = e.bp.event_type_id()
            if etid is not None and etid != tid:
                continue
            if bpmod.matches_event(e.bp, rec, names):
                return e
        return None

    def edge_watcher(
        self, lo: int
    ) -> tuple[Callable[[Machine], None], list[tuple[int, int]]]:
        """A per-event callback for a replay that notes rising edges of the
        enabled state breakpoints after position `lo`.

        Returns:
            The callback (state read at the replay's start, so call it after
            restoring) and the list it appends ``(position, entry id)`` to.
        """
        entries = [e for e in self.entries if e.enabled and e.bp.kind != "event"]
        ctx = MachineContext(self.m)
        prev = [bpmod.holds(e.bp, ctx, self.m.now) for e in entries]
        edges: list[tuple[int, int]] = []

        def on_event(m: Machine) -> None:
            ctx = MachineContext(m)
            for j, e in enumerate(entries):
                now = bpmod.holds(e.bp, ctx, m.now)
                if now and not prev[j] and m.nr_events > lo:
                    edges.append((m.nr_events, e.id))
                prev[j] = now

        return on_event, edges

    def has_state_breakpoints(self) -> bool:
        """Whether any enabled breakpoint is a time or state condition."""
        return any(e.enabled and e.bp.kind != "event" for e in self.entries)
