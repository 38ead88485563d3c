"""Frozen views of the machine handed to the UI (and to scripts).

Views are tuples of ints and strings, never live simulator objects, so a
stale view cannot change the model. `take_snapshot` builds one for the
current position; `TraceReader` gives read-only, lazy access to the recorded
trace (a million events are never copied).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ktui.sim.kernel.locking.view import (
    EMPTY_LOCKING,
    DeadlockView,
    LockingView,
    LockView,
)
from ktui.sim.kernel.printk import log_level
from ktui.sim.kernel.sched.core import EV_SCHED_SWITCH
from ktui.sim.kernel.sched.view import EMPTY_SCHED, RqView, SchedView, TaskView
from ktui.sim.subsystems import SUBSYSTEMS
from ktui.sim.trace import EVENTS_BY_NAME, Event, Names, TraceLog, decode, format_line

if TYPE_CHECKING:
    from ktui.sim.machine import Machine
    from ktui.sim.replay.timeline import Simulator

__all__ = [
    "DeadlockView",
    "LockView",
    "LogView",
    "MachineSnapshot",
    "RqView",
    "TaskView",
    "TraceReader",
    "take_snapshot",
]


@dataclass(frozen=True, slots=True, eq=False)
class LogView:
    """One kernel log message (`ktui.sim.kernel.printk`), as dmesg shows it."""

    event: int
    """The event the message came with."""
    time_ns: int
    cpu: int
    pid: int
    comm: str
    level: str
    """``BUG``, ``WARNING`` or ``INFO``."""
    message: str

    @property
    def line(self) -> str:
        """The dmesg line: ``[    0.012000] WARNING: ...``."""
        secs, ns = divmod(self.time_ns, 1_000_000_000)
        return f"[{secs:5d}.{ns // 1000:06d}] {self.message}"


@dataclass(frozen=True, slots=True, eq=False)
class BreakpointView:
    """A breakpoint as the breakpoints screen lists it."""

    id: int
    expr: str
    kind: str
    enabled: bool
    hits: int


@dataclass(frozen=True, slots=True, eq=False)
class MachineSnapshot:
    """Everything the UI shows for one position.

    Each subsystem's part is its own frozen view in `sections`, built by its
    descriptor's ``view``; the JSON report is derived from the same views.
    """

    scenario: str
    description: str
    kernel: str
    event: int
    recorded: int
    end: int | None
    time_ns: int
    status: str
    reason: str
    ncpus: int
    hz: int
    breakpoints: tuple[BreakpointView, ...]
    history: bool
    log: tuple[LogView, ...] = ()
    """The kernel log up to this position: every BUG/WARNING, in order."""
    sections: Mapping[str, object] = field(default_factory=dict)
    """Each subsystem's view, by subsystem name."""
    journal: tuple[tuple[int, str], ...] = ()
    """Commands issued from outside the scenario: ``(position, description)``."""

    @property
    def sched(self) -> SchedView:
        """The scheduler's view."""
        view = self.sections.get("sched", EMPTY_SCHED)
        assert isinstance(view, SchedView)
        return view

    @property
    def locking(self) -> LockingView:
        """The locking view."""
        view = self.sections.get("locking", EMPTY_LOCKING)
        assert isinstance(view, LockingView)
        return view

    @property
    def tasks(self) -> tuple[TaskView, ...]:
        """Every task (the scheduler view's)."""
        return self.sched.tasks

    @property
    def rqs(self) -> tuple[RqView, ...]:
        """Every run queue (the scheduler view's)."""
        return self.sched.rqs

    @property
    def locks(self) -> tuple[LockView, ...]:
        """Every lock (the locking view's)."""
        return self.locking.locks

    @property
    def deadlocks(self) -> tuple[DeadlockView, ...]:
        """Every detected deadlock (the locking view's)."""
        return self.locking.deadlocks

    def task(self, pid: int) -> TaskView | None:
        """The task with `pid`, if it exists at this position."""
        for t in self.tasks:
            if t.pid == pid:
                return t
        return None


EMPTY_SNAPSHOT = MachineSnapshot("", "", "", 0, 0, None, 0, "paused", "", 0, 0, (), False)
"""What panes show before the first snapshot arrives."""


def log_views(m: Machine) -> tuple[LogView, ...]:
    """The machine's kernel log as views."""
    return tuple(
        LogView(ev, t, cpu, pid, m.comm(pid, cpu), log_level(msg), msg)
        for ev, t, cpu, pid, msg in m.bugs
    )


def take_snapshot(sim: Simulator) -> MachineSnapshot:
    """A frozen view of `sim` at its current position."""
    m = sim.machine
    sections = {sub.name: sub.view(m) for sub in SUBSYSTEMS if sub.view is not None}
    bps = tuple(
        BreakpointView(e.id, e.bp.expr, e.bp.kind, e.enabled, e.hits) for e in sim.breakpoints
    )
    sc = sim.scenario
    return MachineSnapshot(
        sc.name,
        sc.description,
        sc.machine.kernel,
        m.nr_events,
        sim.recorded,
        sim.end,
        m.now,
        sim.status,
        sim.stop.reason,
        m.ncpus,
        m.hz,
        bps,
        sim.history,
        log_views(m),
        sections,
        tuple((index, cmd.describe()) for index, cmd in sim.journal()),
    )


class TraceReader:
    """Read-only, lazy access to the recorded trace for the trace and
    timeline panes. Holds the append-only log, never the machine."""

    __slots__ = ("_log", "_names", "_ncpus", "_seg_cache", "_times", "_prios", "_marks", "_cuts")

    def __init__(self, log: TraceLog, names: Names, ncpus: int) -> None:
        self._log = log
        self._names = names
        self._ncpus = ncpus
        self._seg_cache: tuple[int, list[list[tuple[int, int]]]] = (0, [[] for _ in range(ncpus)])
        self._times: list[list[int]] = [[] for _ in range(ncpus)]
        self._prios: list[list[int]] = [[] for _ in range(ncpus)]
        self._marks: tuple[int, list[list[tuple[int, str]]]] = (0, [[] for _ in range(ncpus)])
        self._cuts = log.cuts

    def __len__(self) -> int:
        return len(self._log)

    def event(self, index: int) -> Event:
        """Event number `index` (1-based)."""
        return decode(index, self._log.record(index - 1), self._names)

    def line(self, index: int) -> str:
        """Event `index` as an ftrace text line."""
        return format_line(self.event(index))

    def time_of(self, index: int) -> int:
        """Time of event `index` (0 for position 0)."""
        return self._log.times[index - 1] if index > 0 else 0

    def index_at_time(self, time_ns: int) -> int:
        """The last event at or before `time_ns` (0 if none)."""
        return bisect.bisect_right(self._log.times, time_ns)

    def switches(self) -> list[list[tuple[int, int]]]:
        """Per CPU, ``(time_ns, next_pid)`` of every recorded sched_switch.

        Computed incrementally: only events recorded since the last call are
        scanned.
        """
        done, segs = self._seg_cache
        log = self._log
        n = len(log)
        if n < done or log.cuts != self._cuts:  # the record was cut (a command changed the future)
            self._reset()
            self._cuts = log.cuts
            done, segs = self._seg_cache
        data, offs = log.data, log.offs
        times = self._times
        for i in range(done, n):
            o = offs[i]
            # (a wide record starts negative; sched_switch fields never are wide)
            if data[o] == EV_SCHED_SWITCH:
                # record layout in data: type, cpu, common_pid, prev_pid,
                # prev_prio, prev_state, next_pid, next_prio
                cpu = data[o + 1]
                segs[cpu].append((log.times[i], data[o + 6]))
                times[cpu].append(log.times[i])
                self._prios[cpu].append(data[o + 7])
        self._seg_cache = (n, segs)
        return segs

    def _reset(self) -> None:
        ncpus = self._ncpus
        self._seg_cache = (0, [[] for _ in range(ncpus)])
        self._times = [[] for _ in range(ncpus)]
        self._prios = [[] for _ in range(ncpus)]
        self._marks = (0, [[] for _ in range(ncpus)])

    def switch_prios(self) -> list[list[int]]:
        """Per CPU, the next_prio of each of `switches()` (the class of the
        task switched to: below 0 deadline, below 100 RT)."""
        self.switches()
        return self._prios

    def marks(self, specs: Mapping[str, tuple[str, str]]) -> list[list[tuple[int, str]]]:
        """Per CPU, ``(time_ns, mark)`` of every recorded event named in
        `specs`: event name -> (the field naming the CPU to mark, "" for the
        event's own CPU; the mark). Incremental, as `switches`."""
        self.switches()  # (resets every cache if the record was cut)
        done, marks = self._marks
        log = self._log
        n = len(log)
        if done < n:
            wanted: dict[int, tuple[str, str]] = {}
            for name, spec in specs.items():
                et = EVENTS_BY_NAME.get(name)
                if et is not None:
                    wanted[et.id] = spec
            data, offs = log.data, log.offs
            for i in range(done, n):
                first = data[offs[i]]
                if first < 0:  # a wide record: ~type
                    first = ~first
                if first in wanted:
                    field, mark = wanted[first]
                    ev = self.event(i + 1)
                    cpu = ev.fields.get(field, ev.cpu) if field else ev.cpu
                    if isinstance(cpu, int) and 0 <= cpu < self._ncpus:
                        marks[cpu].append((log.times[i], mark))
            self._marks = (n, marks)
        return marks

    def switch_times(self) -> list[list[int]]:
        """Per CPU, the times of `switches()` alone (for bisecting)."""
        self.switches()
        return self._times
