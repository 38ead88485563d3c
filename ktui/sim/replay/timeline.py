"""The timeline: a machine plus its history, with the debugging verbs.

`Simulator` is what the UI and the CLI drive: step, back, goto, goto_time,
run (until the end, a deadlock, a breakpoint or a limit), reverse_continue,
and `apply` for commands from outside the scenario. The record and the way
back live in `ktui.sim.replay.history`; the breakpoints in
`ktui.sim.replay.breakpoint_table`.

Positions count events: position N is the state right after event N (1-based;
0 is the boot state). Going back never forgets the future: the recorded
events stay, and stepping forward again replays them identically (checked
against the record). Only a command issued in the past replaces the future.
The machine is one object for the whole run (checkpoints are restored into
it), so a reference to ``sim.machine`` never goes stale.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ktui.sim.boot import boot
from ktui.sim.errors import BreakpointError, CommandError, ScenarioError
from ktui.sim.kernel.locking.deadlock import EV_DEADLOCK
from ktui.sim.machine import KTIME_MAX_REASON, NO_HORIZON
from ktui.sim.replay import checkpoint
from ktui.sim.replay.breakpoint_table import BreakpointEntry, BreakpointTable
from ktui.sim.replay.history import (
    CHECKPOINT_INTERVAL,
    DENSE_INTERVAL,
    DENSE_MAX_BYTES,
    DENSE_WINDOW,
    DenseCache,
    History,
)
from ktui.sim.trace import Event, TraceLog, decode
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.commands import Command
    from ktui.sim.machine import Machine
    from ktui.sim.scenario import Scenario
    from ktui.sim.snapshot import MachineSnapshot, TraceReader

__all__ = [
    "CHECKPOINT_INTERVAL",
    "DENSE_INTERVAL",
    "DENSE_MAX_BYTES",
    "DENSE_WINDOW",
    "BreakpointEntry",
    "Simulator",
    "Status",
    "StopInfo",
]

Status = Literal["paused", "finished", "deadlock", "breakpoint", "limit", "livelock"]
"""``livelock``: the machine did `SILENT_WORK_LIMIT` silent work without an
event (`ktui.sim.machine`): a simulator live-lock, not a kernel state."""

class _Interrupted(Exception):
    """A should_stop callback asked a long search to stop."""


@dataclass(slots=True)
class StopInfo:
    """Why the last run stopped."""

    status: Status = "paused"
    reason: str = ""
    breakpoint: int = 0
    events: list[int] = field(default_factory=list)


class Simulator:
    """A scenario's machine with history, breakpoints and time travel.

    Args:
        scenario: The loaded scenario.
        history: Keep the trace and checkpoints (time travel). Off, the
            machine only runs forward (``--no-history``).
    """

    def __init__(self, scenario: Scenario, *, history: bool = True) -> None:
        self.scenario = scenario
        self.history = history
        self.machine: Machine = boot(scenario)
        """The machine; the same object for the whole run (restored in place)."""
        self.cfg = self.machine.cfg
        self.hist = History(self.machine, record=history)
        self.table = BreakpointTable(self.machine)
        self.stop = StopInfo()
        self._reader: TraceReader | None = None
        for expr, line in scenario.breakpoints:
            try:
                self.add_breakpoint(expr)
            except BreakpointError as exc:
                raise ScenarioError(
                    exc.detail, scenario.path, line, f"[[breakpoint]] when = {shorten(expr, 80)!r}"
                ) from None

    # -- the record -------------------------------------------------------
    @property
    def log(self) -> TraceLog:
        """The recorded trace."""
        return self.hist.log

    @property
    def checkpoints(self) -> dict[int, bytes]:
        """The sparse checkpoints, by position."""
        return self.hist.checkpoints

    @property
    def dense(self) -> DenseCache:
        """The dense-checkpoint cache (bounded, see `DENSE_MAX_BYTES`)."""
        return self.hist.dense

    @property
    def end(self) -> int | None:
        """Event count at which the machine ran out of work, once known."""
        return self.hist.end

    @property
    def breakpoints(self) -> list[BreakpointEntry]:
        """Every breakpoint, in the order they were set."""
        return self.table.entries

    def journal(self) -> tuple[tuple[int, Command], ...]:
        """The commands issued, as ``(position, command)`` in execution order."""
        return self.hist.journal.entries()

    # -- position ---------------------------------------------------------
    @property
    def event(self) -> int:
        """Current position: the number of events that have happened."""
        return self.machine.nr_events

    @property
    def time_ns(self) -> int:
        """Simulated time at the current position."""
        return self.machine.now

    @property
    def recorded(self) -> int:
        """Events recorded so far (the furthest position reached)."""
        return self.hist.recorded

    @property
    def status(self) -> Status:
        """Why the last command stopped (``paused`` before any)."""
        return self.stop.status

    def state_hash(self) -> str:
        """Digest of the whole machine state at the current position."""
        return checkpoint.state_hash(self.machine)

    def at_end(self) -> bool:
        """True when the current position is the last event there will be."""
        end = self.hist.end
        return end is not None and self.machine.nr_events >= end

    def _paused(self) -> None:
        if not self.at_end():
            self.stop = StopInfo("paused")
        elif self.hist.livelock:
            self.stop = StopInfo("livelock", self.hist.livelock, events=[self.event])
        else:
            self.stop = StopInfo("finished")

    def _need_history(self, what: str) -> None:
        if not self.history:
            raise CommandError(f"{what}: time travel needs history (run without --no-history)")

    # -- commands ---------------------------------------------------------
    def apply(self, cmd: Command) -> None:
        """Issue command `cmd` at the current position (see `ktui.sim.commands`).

        It is journaled at this position and executes now, emitting the next
        event. Issued after stepping back, it replaces the recorded future:
        the trace, checkpoints and journal after this position are dropped.

        Raises:
            CommandError: the command cannot execute here (nothing changed).
        """
        cut = self.event < self.recorded
        self.hist.apply(cmd)
        if cut:
            self._reader = None  # a new reader: the old one's caches saw the lost future
        self._paused()

    # -- stepping ---------------------------------------------------------
    def step(self, n: int = 1) -> int:
        """Go forward `n` events (fewer at the end). Returns how many."""
        done = 0
        advance = self.hist.advance
        while done < n and advance():
            done += 1
        self._paused()
        return done

    def back(self, n: int = 1) -> None:
        """Step back `n` events (to position 0 at most)."""
        self.goto(max(0, self.event - n))

    def goto(self, target: int) -> None:
        """Go to position `target` (0 .. the end), forward or back.

        Raises:
            CommandError: without history, or past the end of the run.
        """
        self._need_history("goto")
        end = self.hist.end
        if target < 0:
            raise CommandError(f"goto: event {target} is before the start (0)")
        if end is not None and target > end:
            raise CommandError(f"goto: event {target} is past the end of the run ({end})")
        cur = self.event
        recorded = self.recorded
        if target <= recorded:
            if target != cur:
                self.hist.seek(target)
        else:
            if cur < recorded:
                self.hist.seek(recorded)
            advance = self.hist.advance
            while self.event < target and advance():
                pass
            if self.event < target:
                end = self.event
                self.goto(cur)  # nothing half-done: back where we were
                raise CommandError(f"goto: event {target} is past the end of the run ({end})")
        self._paused()

    def goto_time(self, time_ns: int) -> None:
        """Go to the last event at or before `time_ns` (running on if needed)."""
        self._need_history("goto_time")
        if time_ns < 0:
            raise CommandError("goto_time: time must be >= 0")
        times = self.log.times
        if len(times) and times[-1] > time_ns:
            self.goto(bisect.bisect_right(times, time_ns))
            return
        self.goto(len(times))
        self.run(until_ns=time_ns)

    # -- breakpoints ------------------------------------------------------
    def add_breakpoint(self, expr: str) -> BreakpointEntry:
        """Parse and set a breakpoint; returns its entry.

        Raises:
            BreakpointError: the expression does not parse or names an
                unknown task, CPU or lock.
        """
        return self.table.add(expr)

    def remove_breakpoint(self, bp_id: int) -> None:
        """Delete breakpoint `bp_id`.

        Raises:
            CommandError: no breakpoint has that number.
        """
        self.table.remove(bp_id)

    def set_enabled(self, bp_id: int, enabled: bool) -> None:
        """Enable or disable breakpoint `bp_id`."""
        self.table.set_enabled(bp_id, enabled)

    # -- running ----------------------------------------------------------
    def run(
        self,
        steps: int | None = None,
        until_ns: int | None = None,
        *,
        stop_on_deadlock: bool = True,
        should_stop: object = None,
    ) -> Status:
        """Run forward until the end, a deadlock, a breakpoint or a limit.

        Args:
            steps: At most this many events.
            until_ns: Do not go past this simulated time.
            stop_on_deadlock: Stop on a ``deadlock`` event.
            should_stop: Optional callable polled every 1024 events; a true
                result interrupts the run (status ``paused``).

        Returns:
            The status: ``finished``, ``deadlock``, ``breakpoint``, ``limit``,
            ``livelock`` (see `SILENT_WORK_LIMIT`) or ``paused``
            (interrupted).
        """
        m = self.machine
        self.table.sync()
        poll = should_stop if callable(should_stop) else None
        if until_ns is not None:
            m.cfg.horizon = until_ns
        try:
            stop = self._run(steps, until_ns, stop_on_deadlock, poll)
        finally:
            m.cfg.horizon = NO_HORIZON
        self.stop = stop
        return stop.status

    def _run(
        self,
        steps: int | None,
        until_ns: int | None,
        stop_on_deadlock: bool,
        poll: Callable[[], object] | None,
    ) -> StopInfo:
        """The loop of `run` (with ``cfg.horizon`` set to `until_ns`)."""
        m = self.machine
        table = self.table
        names = self.cfg.names
        have_bps = table.any_enabled()
        hist = self.hist
        advance = hist.advance
        count = 0
        stop = StopInfo("paused", "interrupted")
        while True:
            if steps is not None and count >= steps:
                stop = StopInfo("limit", f"{steps} events")
                break
            if until_ns is not None:
                nxt = m.peek_time()
                if nxt is not None and nxt > until_ns:
                    stop = StopInfo("limit", f"until t={until_ns} ns")
                    break
            if not advance():
                if hist.stalled == "until":
                    stop = StopInfo("limit", f"until t={until_ns} ns")
                elif hist.stalled == "livelock":
                    stop = StopInfo("livelock", hist.livelock, events=[self.event])
                elif hist.stalled == "ktime_max":
                    stop = StopInfo("limit", KTIME_MAX_REASON)
                else:
                    stop = StopInfo("finished", "no more work")
                break
            count += 1
            rec = m.last
            if until_ns is not None and rec[1] > until_ns:
                if self.history:
                    self.back(1)
                stop = StopInfo("limit", f"until t={until_ns} ns")
                break
            if stop_on_deadlock and rec[0] == EV_DEADLOCK:
                entry = table.hit(rec, names) if have_bps else None
                if entry is not None:
                    entry.hits += 1  # a `deadlock` breakpoint counts its hit too
                stop = StopInfo("deadlock", self.describe(self.event), events=[self.event])
                break
            if have_bps:
                entry = table.hit(rec, names)
                if entry is not None:
                    entry.hits += 1
                    stop = StopInfo("breakpoint", f"breakpoint {entry.id}: {entry.bp.expr}", entry.id)
                    break
            if poll is not None and count % 1024 == 0 and poll():
                break
        return stop

    def reverse_continue(self, should_stop: object = None) -> Status:
        """Run backwards to the previous breakpoint hit (or deadlock).

        Goes to position 0 (status ``limit``) when there is none before.

        Args:
            should_stop: Optional callable polled between checkpoint intervals
                while state breakpoints are searched; a true result leaves the
                position unchanged (status ``paused``).
        """
        self._need_history("reverse_continue")
        cur = self.event
        poll = should_stop if callable(should_stop) else None
        try:
            found = self._previous_hit(cur, poll)
        except _Interrupted:
            self.hist.restore(cur)
            self.stop = StopInfo("paused", "interrupted")
            return self.stop.status
        if found is None:
            self.goto(0)
            self.stop = StopInfo("limit", "start of the run")
            return self.stop.status
        pos, entry_id = found
        self.goto(pos)
        self.table.sync()
        if entry_id == 0:
            self.stop = StopInfo("deadlock", self.describe(pos), events=[pos])
        else:
            entry = self.table.find(entry_id)
            self.stop = StopInfo("breakpoint", f"breakpoint {entry.id}: {entry.bp.expr}", entry.id)
        return self.stop.status

    def _previous_hit(
        self, cur: int, poll: Callable[[], object] | None = None
    ) -> tuple[int, int] | None:
        """Latest position < `cur` where a run would have stopped."""
        names = self.cfg.names
        table = self.table
        best: tuple[int, int] | None = None
        log = self.log
        for i in range(cur - 2, -1, -1):  # events cur-1 .. 1 (slots cur-2 .. 0)
            if log.type_id(i) == EV_DEADLOCK:
                best = (i + 1, 0)
                break
            hit = table.event_hit(log.record(i), names)
            if hit is not None:
                best = (i + 1, hit.id)
                break
        if not table.has_state_breakpoints():
            return best
        lo = best[0] if best is not None else 0
        try:
            state_hit = self._previous_state_hit(lo, cur, poll)
        finally:
            self.hist.restore(cur)
        return state_hit or best

    def _previous_state_hit(
        self, lo: int, cur: int, poll: Callable[[], object] | None = None
    ) -> tuple[int, int] | None:
        """Latest rising edge of a state breakpoint in positions (lo, cur).

        Replays each checkpoint interval back from `cur` (silently, checked
        against the record, like every replay) until one has an edge; the
        caller restores the position afterwards.
        """
        hist = self.hist
        starts = sorted(k for k in hist.checkpoints if k < cur)
        for base in reversed(starts):
            if base + CHECKPOINT_INTERVAL <= lo:
                break
            if poll is not None and poll():
                raise _Interrupted
            checkpoint.restore_into(self.machine, hist.checkpoints[base], hist.chunks)
            on_event, edges = self.table.edge_watcher(lo)
            hist.replay(min(base + CHECKPOINT_INTERVAL, cur - 1), on_event=on_event)
            if edges:
                return edges[-1]
        return None

    # -- reading ----------------------------------------------------------
    def event_at(self, index: int) -> Event:
        """Decoded event number `index` (1-based) from the record."""
        self._need_history("event_at")
        if not 1 <= index <= len(self.log):
            raise CommandError(f"no event {index} (recorded: 1..{len(self.log)})")
        return decode(index, self.log.record(index - 1), self.cfg.names)

    def last_event(self) -> Event | None:
        """The event at the current position, decoded (None at position 0)."""
        m = self.machine
        if m.nr_events == 0:
            return None
        return decode(m.nr_events, m.last, self.cfg.names)

    def describe(self, index: int) -> str:
        """One line about event `index` for status messages."""
        m = self.machine
        if index == m.nr_events and m.last:
            ev = decode(index, m.last, self.cfg.names)
        else:
            ev = self.event_at(index)
        if ev.name == "deadlock":
            tasks = ", ".join(str(c) for c in ev.fields["tasks_comm"])  # type: ignore[union-attr]
            locks = ", ".join(str(x) for x in ev.fields["locks"])  # type: ignore[union-attr]
            return f"deadlock: tasks {tasks} on locks {locks} (closed by event #{ev.fields['event']})"
        return f"#{index} {ev.name}"

    def trace_reader(self) -> TraceReader:
        """Read-only access to the recorded trace (for the trace/timeline panes)."""
        if self._reader is None:
            self._reader = TraceReader(self.log, self.cfg.names, self.machine.ncpus)
        return self._reader

    def snapshot(self) -> MachineSnapshot:
        """A frozen view of the current position (see `ktui.sim.snapshot`)."""
        return take_snapshot(self)

    def history_bytes(self) -> int:
        """Bytes held by the history: the trace plus every checkpoint."""
        return self.hist.nbytes()

    def report(self) -> dict[str, object]:
        """The state at the current position as plain data (``--json``)."""
        from ktui.sim.report import build_report

        return build_report(self)


from ktui.sim.snapshot import TraceReader, take_snapshot  # noqa: E402  (snapshot imports timeline types)
