"""The timeline: a machine plus its history, with time travel.

As QEMU's record/replay: the history is the trace (every event, flat) plus
whole-state checkpoints every `CHECKPOINT_INTERVAL` events; any position is
reached by restoring the nearest checkpoint at or before it and replaying
forward, which the determinism of the model makes exact. Replays made for a
step back also leave denser checkpoints (every `DENSE_INTERVAL` events, in a
bounded LRU) behind, so that holding "step back" costs a short replay each
time, not a long one.

Positions count events: position N is the state right after event N (1-based;
0 is the boot state). Going back never forgets the future: the recorded
events stay, and stepping forward again replays them identically (checked
against the record).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from ktui.sim import breakpoints as bpmod
from ktui.sim.boot import boot
from ktui.sim.errors import BreakpointError, CommandError, ScenarioError, SimInvariantError
from ktui.sim.kernel.locking.deadlock import EV_DEADLOCK
from ktui.sim.replay import checkpoint
from ktui.sim.replay.context import MachineContext
from ktui.sim.trace import Event, TraceLog, decode

if TYPE_CHECKING:
    from ktui.sim.machine import Machine
    from ktui.sim.scenario import Scenario
    from ktui.sim.snapshot import MachineSnapshot, TraceReader

Status = Literal["paused", "finished", "deadlock", "breakpoint", "limit"]

CHECKPOINT_INTERVAL = 1024
DENSE_INTERVAL = 32
DENSE_MAX = 1024
FORWARD_REPLAY_MAX = 2048  # a goto this far ahead just steps forward


class _Interrupted(Exception):
    """A should_stop callback asked a long search to stop."""


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
        self.cfg = self.machine.cfg
        self.log = TraceLog()
        self.checkpoints: dict[int, bytes] = {}
        self.dense: OrderedDict[int, bytes] = OrderedDict()
        self.end: int | None = None
        """Event count at which the machine ran out of work, once known."""
        self.breakpoints: list[BreakpointEntry] = []
        self._next_bp_id = 1
        self.stop = StopInfo()
        self._reader: TraceReader | None = None
        if history:
            self.checkpoints[0] = checkpoint.save(self.machine)
        for expr, line in scenario.breakpoints:
            try:
                self.add_breakpoint(expr)
            except BreakpointError as exc:
                raise ScenarioError(
                    exc.detail, scenario.path, line, f"[[breakpoint]] when = {expr!r}"
                ) from None

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
        return len(self.log) if self.history else self.machine.nr_events

    @property
    def status(self) -> Status:
        """Why the last command stopped (``paused`` before any)."""
        return self.stop.status

    def state_hash(self) -> str:
        """Digest of the whole machine state at the current position."""
        return checkpoint.state_hash(self.machine)

    # -- stepping ---------------------------------------------------------
    def _advance(self) -> bool:
        """One event forward; records it. False at the end of the run."""
        m = self.machine
        if self.end is not None and m.nr_events >= self.end:
            return False
        if not m.step():
            self._reached_end()
            return False
        if self.history:
            n = m.nr_events
            log = self.log
            times = log.times
            if n > len(times):
                # TraceLog.append(), inlined: this runs once per event
                rec = m.last
                times.append(rec[1])
                data = log.data
                start = len(data)
                log.offs.append(start)
                data.append(rec[0])
                try:
                    data.extend(rec[2:])
                except OverflowError:
                    log.append_wide(start, rec)
                if n % CHECKPOINT_INTERVAL == 0:
                    self.checkpoints[n] = checkpoint.save(m)
            elif log.record(n - 1) != m.last:
                raise SimInvariantError(f"replay diverged at event {n}")
        return True

    def _reached_end(self) -> None:
        m = self.machine
        self.end = m.nr_events
        if self.history:
            # Draining the queue ran silent work past the last event; put the
            # state back to "right after the last event" like any position.
            self._reload(self.end)

    def step(self, n: int = 1) -> int:
        """Go forward `n` events (fewer at the end). Returns how many."""
        done = 0
        while done < n and self._advance():
            done += 1
        self.stop = StopInfo("finished" if self.at_end() else "paused")
        return done

    def at_end(self) -> bool:
        """True when the current position is the last event there will be."""
        return self.end is not None and self.machine.nr_events >= self.end

    def back(self, n: int = 1) -> None:
        """Step back `n` events (to position 0 at most)."""
        self.goto(max(0, self.event - n))

    def goto(self, target: int) -> None:
        """Go to position `target` (0 .. the end), forward or back.

        Raises:
            CommandError: without history, or past the end of the run.
        """
        self._need_history("goto")
        if target < 0:
            raise CommandError(f"goto: event {target} is before the start (0)")
        if self.end is not None and target > self.end:
            raise CommandError(f"goto: event {target} is past the end of the run ({self.end})")
        cur = self.event
        if target == cur:
            pass
        elif cur < target <= cur + FORWARD_REPLAY_MAX or target > self.recorded:
            while self.event < target and self._advance():
                pass
            if self.event < target:
                end = self.event
                self.goto(cur)  # nothing half-done: back where we were
                raise CommandError(f"goto: event {target} is past the end of the run ({end})")
        else:
            self._reload(target)
        self.stop = StopInfo("finished" if self.at_end() else "paused")

    def goto_time(self, time_ns: int) -> None:
        """Go to the last event at or before `time_ns` (running on if needed)."""
        self._need_history("goto_time")
        if time_ns < 0:
            raise CommandError("goto_time: time must be >= 0")
        times = self.log.times
        if len(times) and times[-1] > time_ns:
            import bisect

            self.goto(bisect.bisect_right(times, time_ns))
            return
        self.goto(len(times))
        self.run(until_ns=time_ns)

    def _reload(self, target: int) -> None:
        """Restore the best checkpoint at or before `target` and replay to it."""
        base = max(k for k in self.checkpoints if k <= target)
        dense = [k for k in self.dense if base < k <= target]
        if dense:
            base = max(dense)
            blob = self.dense[base]
            self.dense.move_to_end(base)
        else:
            blob = self.checkpoints[base]
        self.machine = checkpoint.restore(blob, self.cfg)
        m = self.machine
        sink, self.cfg.sink = self.cfg.sink, None  # replayed events are not new
        try:
            self._replay_to(m, target)
        finally:
            self.cfg.sink = sink

    def _replay_to(self, m: Machine, target: int) -> None:
        while m.nr_events < target:
            if not m.step():
                raise SimInvariantError(f"replay ended at {m.nr_events} before {target}")
            n = m.nr_events
            if self.log.record(n - 1) != m.last:
                raise SimInvariantError(f"replay diverged at event {n}")
            if n % DENSE_INTERVAL == 0 and n % CHECKPOINT_INTERVAL and n not in self.dense:
                self.dense[n] = checkpoint.save(m)
                if len(self.dense) > DENSE_MAX:
                    self.dense.popitem(last=False)

    def _need_history(self, what: str) -> None:
        if not self.history:
            raise CommandError(f"{what}: time travel needs history (run without --no-history)")

    # -- breakpoints ------------------------------------------------------
    def add_breakpoint(self, expr: str) -> BreakpointEntry:
        """Parse and set a breakpoint; returns its entry.

        Raises:
            BreakpointError: the expression does not parse or names an
                unknown task, CPU or lock.
        """
        bp = bpmod.parse(expr)
        ctx = MachineContext(self.machine)
        bpmod.validate(bp, ctx)
        entry = BreakpointEntry(self._next_bp_id, bp)
        if bp.kind != "event":
            entry.prev = bpmod.holds(bp, ctx, self.machine.now)
        self._next_bp_id += 1
        self.breakpoints.append(entry)
        return entry

    def remove_breakpoint(self, bp_id: int) -> None:
        """Delete breakpoint `bp_id`.

        Raises:
            CommandError: no breakpoint has that number.
        """
        for i, entry in enumerate(self.breakpoints):
            if entry.id == bp_id:
                del self.breakpoints[i]
                return
        raise CommandError(f"no breakpoint {bp_id}")

    def set_enabled(self, bp_id: int, enabled: bool) -> None:
        """Enable or disable breakpoint `bp_id`."""
        for entry in self.breakpoints:
            if entry.id == bp_id:
                entry.enabled = enabled
                if enabled and entry.bp.kind != "event":
                    entry.prev = bpmod.holds(entry.bp, MachineContext(self.machine), self.time_ns)
                return
        raise CommandError(f"no breakpoint {bp_id}")

    def _sync_state_breakpoints(self) -> None:
        ctx = MachineContext(self.machine)
        for entry in self.breakpoints:
            if entry.bp.kind != "event":
                entry.prev = bpmod.holds(entry.bp, ctx, self.machine.now)

    def _hit(self, rec: tuple[int, ...]) -> BreakpointEntry | None:
        """The first enabled breakpoint the last event hits, if any."""
        hit: BreakpointEntry | None = None
        ctx: MachineContext | None = None
        for entry in self.breakpoints:
            if not entry.enabled:
                continue
            bp = entry.bp
            if bp.kind == "event":
                tid = bp.event_type_id()
                if (tid is None or tid == rec[0]) and bpmod.matches_event(bp, rec, self.cfg.names):
                    hit = hit or entry
            else:
                ctx = ctx or MachineContext(self.machine)
                now = bpmod.holds(bp, ctx, self.machine.now)
                if now and not entry.prev:
                    hit = hit or entry
                entry.prev = now
        return hit

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
            The status: ``finished``, ``deadlock``, ``breakpoint``, ``limit``
            or ``paused`` (interrupted).
        """
        m = self.machine
        self._sync_state_breakpoints()
        have_bps = any(e.enabled for e in self.breakpoints)
        count = 0
        stop = StopInfo("paused", "interrupted")
        poll = should_stop if callable(should_stop) else None
        while True:
            if steps is not None and count >= steps:
                stop = StopInfo("limit", f"{steps} events")
                break
            if until_ns is not None:
                nxt = m.peek_time()
                if nxt is not None and nxt > until_ns:
                    stop = StopInfo("limit", f"until t={until_ns} ns")
                    break
            if not self._advance():
                stop = StopInfo("finished", "no more work")
                break
            m = self.machine
            count += 1
            rec = m.last
            if until_ns is not None and rec[1] > until_ns:
                if self.history:
                    self.back(1)
                stop = StopInfo("limit", f"until t={until_ns} ns")
                break
            if stop_on_deadlock and rec[0] == EV_DEADLOCK:
                entry = self._hit(rec) if have_bps else None
                if entry is not None:
                    entry.hits += 1  # a `deadlock` breakpoint counts its hit too
                stop = StopInfo("deadlock", self.describe(self.event), events=[self.event])
                break
            if have_bps:
                entry = self._hit(rec)
                if entry is not None:
                    entry.hits += 1
                    stop = StopInfo("breakpoint", f"breakpoint {entry.id}: {entry.bp.expr}", entry.id)
                    break
            if poll is not None and count % 1024 == 0 and poll():
                break
        self.stop = stop
        return stop.status

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
            self._reload(cur)
            self.stop = StopInfo("paused", "interrupted")
            return self.stop.status
        if found is None:
            self.goto(0)
            self.stop = StopInfo("limit", "start of the run")
            return self.stop.status
        pos, entry_id = found
        self.goto(pos)
        self._sync_state_breakpoints()
        if entry_id == 0:
            self.stop = StopInfo("deadlock", self.describe(pos), events=[pos])
        else:
            entry = next(e for e in self.breakpoints if e.id == entry_id)
            self.stop = StopInfo("breakpoint", f"breakpoint {entry.id}: {entry.bp.expr}", entry.id)
        return self.stop.status

    def _previous_hit(
        self, cur: int, poll: Callable[[], object] | None = None
    ) -> tuple[int, int] | None:
        """Latest position < `cur` where a run would have stopped."""
        names = self.cfg.names
        enabled = [e for e in self.breakpoints if e.enabled]
        event_bps = [e for e in enabled if e.bp.kind == "event"]
        state_bps = [e for e in enabled if e.bp.kind != "event"]
        best: tuple[int, int] | None = None
        log = self.log
        for i in range(cur - 2, -1, -1):  # events cur-1 .. 1 (slots cur-2 .. 0)
            tid = log.type_id(i)
            if tid == EV_DEADLOCK:
                best = (i + 1, 0)
                break
            hit = None
            for e in event_bps:
                etid = e.bp.event_type_id()
                if etid is not None and etid != tid:
                    continue
                if bpmod.matches_event(e.bp, log.record(i), names):
                    hit = e
                    break
            if hit is not None:
                best = (i + 1, hit.id)
                break
        if not state_bps:
            return best
        lo = best[0] if best is not None else 0
        state_hit = self._previous_state_hit(state_bps, lo, cur, poll)
        return state_hit or best

    def _previous_state_hit(
        self,
        entries: list[BreakpointEntry],
        lo: int,
        cur: int,
        poll: Callable[[], object] | None = None,
    ) -> tuple[int, int] | None:
        """Latest rising edge of a state breakpoint in positions (lo, cur)."""
        saved = self.event
        starts = sorted(k for k in self.checkpoints if k < cur)
        result: tuple[int, int] | None = None
        sink, self.cfg.sink = self.cfg.sink, None  # replayed events are not new
        try:
            result = self._search_state_edges(entries, starts, lo, cur, poll)
        finally:
            self.cfg.sink = sink
        self._reload(saved)
        return result

    def _search_state_edges(
        self,
        entries: list[BreakpointEntry],
        starts: list[int],
        lo: int,
        cur: int,
        poll: Callable[[], object] | None,
    ) -> tuple[int, int] | None:
        result: tuple[int, int] | None = None
        log = self.log
        for base in reversed(starts):
            if base + CHECKPOINT_INTERVAL <= lo:
                break
            if poll is not None and poll():
                raise _Interrupted
            self.machine = checkpoint.restore(self.checkpoints[base], self.cfg)
            m = self.machine
            ctx = MachineContext(m)
            prev = [bpmod.holds(e.bp, ctx, m.now) for e in entries]
            hi = min(base + CHECKPOINT_INTERVAL, cur - 1)
            while m.nr_events < hi and m.step():
                if log.record(m.nr_events - 1) != m.last:
                    raise SimInvariantError(f"replay diverged at event {m.nr_events}")
                ctx = MachineContext(m)
                for j, e in enumerate(entries):
                    now = bpmod.holds(e.bp, ctx, m.now)
                    if now and not prev[j] and m.nr_events > lo:
                        result = (m.nr_events, e.id)
                    prev[j] = now
            if result is not None:
                break
        return result

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
        return (
            self.log.nbytes()
            + sum(len(b) for b in self.checkpoints.values())
            + sum(len(b) for b in self.dense.values())
        )

    def report(self) -> dict[str, object]:
        """The state at the current position as plain data (``--json``)."""
        from ktui.sim.report import build_report

        return build_report(self)


from ktui.sim.snapshot import TraceReader, take_snapshot  # noqa: E402  (snapshot imports timeline types)
