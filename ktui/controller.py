"""The one owner of the `Simulator` on the UI side.

`KtuiApp` holds a `SimController`; screens and panes never see it. Every
method here calls into the simulator, so the app only calls them on the
event loop, or -- for long runs -- from its single exclusive worker thread,
during which nothing else calls in (`busy`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ktui.panes.status_bar import StatusView

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator
    from ktui.sim.snapshot import MachineSnapshot, TraceReader

SPEEDS: tuple[int, ...] = (1, 2, 5, 10, 20, 50, 100, 200, 500)
"""Events per animation frame while playing (``+``/``-`` pick one)."""

WORDS: dict[str, str] = {
    "paused": "PAUSED",
    "limit": "PAUSED",
    "finished": "FINISHED",
    "deadlock": "DEADLOCK",
    "livelock": "LIVELOCK",
    "breakpoint": "BREAKPOINT",
}
"""Simulator status -> status-line word."""


class SimController:
    """Wraps a `Simulator` with what the UI needs around it.

    Args:
        sim: The loaded simulator (position wherever the caller left it).
        max_run_events: Most events one forward run (``c``, or a goto past the
            recorded history) executes before it pauses with status ``limit``;
            None runs until a stop or an interrupt. A scenario that loops
            forever then needs no escape key to come back.
    """

    def __init__(self, sim: Simulator, max_run_events: int | None = None) -> None:
        if max_run_events is not None and max_run_events < 1:
            raise ValueError(f"max_run_events must be >= 1, not {max_run_events}")
        self.sim = sim
        self.max_run_events = max_run_events
        """Bound on the events of one forward run (None: unbounded)."""
        self.busy = False
        """True while the worker thread is inside the simulator."""
        self.stop_flag = threading.Event()
        """Set to interrupt a run (polled through ``should_stop``)."""
        self.progress = 0
        """Event reached by the running worker (written by the worker only)."""
        self.progress_ns = 0
        """Simulated time reached by the running worker (written by the worker only)."""
        self.note = ""
        """An error from the last command, shown instead of the stop reason."""
        self.speed_index = 3
        """Index into `SPEEDS`."""
        self.recorded = 0
        self.warnings = 0
        self.last_warning = ""
        self._snap: MachineSnapshot | None = None

    @property
    def speed(self) -> int:
        """Events per animation frame."""
        return SPEEDS[self.speed_index]

    @property
    def scenario(self) -> str:
        """The scenario's name."""
        return self.sim.scenario.name

    def reader(self) -> TraceReader | None:
        """The read-only trace reader (None without history)."""
        return self.sim.trace_reader() if self.sim.history else None

    def snapshot(self) -> MachineSnapshot:
        """The snapshot of the current position (rebuilt only after changes)."""
        if self._snap is None:
            self._snap = self.sim.snapshot()
        return self._snap

    def status_view(self, *, playing: bool = False) -> StatusView:
        """The status line for the current position and run state."""
        if self.busy:
            # the worker's live position, read without touching the simulator
            return StatusView(
                self.scenario, self.progress_ns, self.progress, max(self.progress, self.recorded),
                None, "RUNNING", "press space or escape to interrupt",
                warnings=self.warnings, last_warning=self.last_warning,
            )
        snap = self.snapshot()
        self.recorded = snap.recorded
        warnings = [log for log in snap.log if log.level in ("BUG", "WARNING")]
        self.warnings = len(warnings)
        self.last_warning = warnings[-1].message if warnings else ""
        if playing:
            word, reason = "PLAYING", "space pauses, +/- change speed"
        else:
            word = WORDS.get(snap.status, snap.status.upper())
            reason = self.note or snap.reason
        return StatusView(
            snap.scenario, snap.time_ns, snap.event, snap.recorded, snap.end, word, reason,
            self.speed if playing else 0, self.warnings, self.last_warning,
        )

    # -- commands (event loop) ---------------------------------------------
    def step(self, n: int) -> None:
        """Step `n` events forward (n > 0) or back (n < 0)."""
        self.note = ""
        self._snap = None
        if n >= 0:
            self.sim.step(n)
        else:
            self.sim.back(-n)

    def play_frame(self) -> bool:
        """Run one animation frame; False when the run stopped on its own."""
        self.note = ""
        self._snap = None
        status = self.sim.run(steps=self.speed)
        return status == "limit"

    def cheap_seek(self, event: int | None, time_ns: int | None) -> bool:
        """Whether a seek stays inside the recorded history (no new events)."""
        reader = self.reader()
        if reader is None:
            return False
        if event is not None:
            return event <= len(reader)
        return time_ns is not None and len(reader) > 0 and time_ns < reader.time_of(len(reader))

    def seek(self, event: int | None, time_ns: int | None) -> None:
        """Go to an event index or a time (may run forward to reach it, at
        most `max_run_events` past the recorded history)."""
        self.note = ""
        self._snap = None
        cap = self.max_run_events
        if cap is None or self.cheap_seek(event, time_ns):
            if event is not None:
                self.sim.goto(event)
            elif time_ns is not None:
                self.sim.goto_time(time_ns)
            return
        sim = self.sim
        if event is not None:
            limit = sim.recorded + cap
            sim.goto(min(event, limit))
            if event > limit:
                self.note = f"goto: stopped at event {limit}, after {cap} new events (the run limit)"
        elif time_ns is not None:
            # Simulator.goto_time past the record, with the run bounded: go to
            # the end of the record, then run on up to the time.
            sim.goto(sim.recorded)
            start = sim.event
            if sim.run(steps=cap, until_ns=time_ns) == "limit" and sim.event - start == cap:
                self.note = f"goto: stopped after {cap} new events (the run limit), before the time"

    def change_breakpoint(self, op: str, expr: str, bp_id: int) -> None:
        """Add, remove, enable or disable a breakpoint (errors propagate)."""
        if op == "add":
            self.sim.add_breakpoint(expr)
        elif op == "remove":
            self.sim.remove_breakpoint(bp_id)
        else:
            self.sim.set_enabled(bp_id, op == "enable")
        self._snap = None

    # -- commands (worker thread) ------------------------------------------
    def _should_stop(self) -> bool:
        self.progress = self.sim.event
        self.progress_ns = self.sim.time_ns
        return self.stop_flag.is_set()

    def start_run(self) -> None:
        """Before a worker run: the live position starts at the current one."""
        self.busy = True
        self.stop_flag.clear()
        self.progress = self.sim.event
        self.progress_ns = self.sim.time_ns

    def run_continue(self) -> None:
        """Run to the next breakpoint, deadlock or the end, or for
        `max_run_events` events (interruptible)."""
        self.note = ""
        self._snap = None
        cap = self.max_run_events
        start = self.sim.event
        status = self.sim.run(steps=cap, should_stop=self._should_stop)
        if status == "limit" and cap is not None and self.sim.event - start == cap:
            self.note = f"stopped after {cap} events (the run limit); c runs on"
        self._snap = None

    def run_reverse(self) -> None:
        """Run back to the previous breakpoint hit or deadlock (interruptible)."""
        self.note = ""
        self._snap = None
        self.sim.reverse_continue(should_stop=self._should_stop)
        self._snap = None
