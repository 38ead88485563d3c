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
from typing import TYPE_CHECKING, NamedTuple

from ktui.sim.kernel.sched.debug import cfs_rq_sums
from ktui.sim.kernel.sched.core import EV_SCHED_SWITCH
from ktui.sim.kernel.sched.sched import cpu_context
from ktui.sim.replay.context import task_state_letter
from ktui.sim.report import POLICY_NAMES, task_sched_runtime
from ktui.sim.trace import Event, Names, TraceLog, decode, format_line

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator


class TaskView(NamedTuple):
    """One task as the panes show it.

    A NamedTuple rather than a frozen dataclass: a snapshot of a thousand
    tasks builds a thousand of these per frame, and a tuple is built in C.
    """

    pid: int
    comm: str
    state: str
    policy: str
    nice: int
    prio: int
    weight: int
    cpu: int
    on_cpu: bool
    on_rq: bool
    vruntime: int
    deadline: int
    vlag: int
    slice: int
    sum_exec_runtime: int
    nr_switches: int
    nvcsw: int
    nivcsw: int
    sched_delayed: bool
    blocked_on: str
    held_locks: tuple[str, ...]
    pc: int
    program: tuple[str, ...]
    program_lines: tuple[int, ...]
    preempt_count: int
    start_time: int
    eligible: bool
    """entity_eligible() on its cfs_rq (EEVDF, queued tasks; else False)."""


@dataclass(frozen=True, slots=True, eq=False)
class RqView:
    """One CPU's run queue and CPU state."""

    cpu: int
    curr: int
    curr_comm: str
    nr_running: int
    tree: tuple[int, ...]
    """pids in the CFS tree, in key order (``curr`` is not in the tree)."""
    min_vruntime: int
    avg_vruntime: int
    """avg_vruntime() (EEVDF: the load-weighted mean vruntime V); min_vruntime before 6.6."""
    eevdf: bool
    """The modelled kernel uses EEVDF (6.6+): lag and eligibility apply."""
    context: str
    preempt_count: int
    irqs_disabled: bool
    need_resched: bool
    spinning_on: str
    nr_switches: int
    tick_stopped: bool


@dataclass(frozen=True, slots=True, eq=False)
class LockView:
    """One lock: owner, waiters, whether it is in a deadlock cycle."""

    id: int
    name: str
    kind: str
    owner: int
    owner_comm: str
    owner_cpu: int
    waiters: tuple[int, ...]
    waiter_comms: tuple[str, ...]
    held_ns: int
    in_cycle: bool
    contentions: int
    acquisitions: int


@dataclass(frozen=True, slots=True, eq=False)
class DeadlockView:
    """A detected wait-for cycle."""

    event: int
    pids: tuple[int, ...]
    comms: tuple[str, ...]
    locks: tuple[str, ...]


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
    """Everything the UI shows for one position."""

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
    tasks: tuple[TaskView, ...]
    rqs: tuple[RqView, ...]
    locks: tuple[LockView, ...]
    deadlocks: tuple[DeadlockView, ...]
    breakpoints: tuple[BreakpointView, ...]
    history: bool
    ext: Mapping[str, object] = field(default_factory=dict)
    """Views of later subsystems, by name."""

    def task(self, pid: int) -> TaskView | None:
        """The task with `pid`, if it exists at this position."""
        for t in self.tasks:
            if t.pid == pid:
                return t
        return None


EMPTY_SNAPSHOT = MachineSnapshot(
    "", "", "", 0, 0, None, 0, "paused", "", 0, 0, (), (), (), (), (), False
)
"""What panes show before the first snapshot arrives."""


def take_snapshot(sim: Simulator) -> MachineSnapshot:
    """A frozen view of `sim` at its current position."""
    m = sim.machine
    cycle_locks = {lk for _, _, locks in m.deadlocks for lk in locks}
    # vruntime_eligible(): avg >= (vruntime - v0) * load, with each rq's sums
    # taken once rather than once per task.
    sums = [cfs_rq_sums(m, rq) for rq in m.rqs]
    eevdf = sums[0].eevdf
    tasks = []
    programs = m.cfg.program_texts
    for pid in sorted(m.tasks):
        t = m.tasks[pid]
        texts, lines = programs[pid]
        tasks.append(
            TaskView(
                pid,
                t.comm,
                task_state_letter(t),
                POLICY_NAMES.get(t.policy, str(t.policy)),
                t.nice,
                t.prio,
                t.se.load_weight >> 10,
                t.cpu,
                t.on_cpu,
                bool(t.on_rq),
                t.se.vruntime,
                t.se.deadline,
                t.se.vlag,
                t.se.slice,
                task_sched_runtime(m, t),
                t.nr_switches,
                t.nvcsw,
                t.nivcsw,
                bool(t.se.sched_delayed),
                m.locks[t.blocked_on].name if t.blocked_on >= 0 else "",
                tuple(m.locks[i].name for i in t.held_locks),
                t.pc,
                texts,
                lines,
                t.preempt_count,
                t.start_time,
                bool(t.on_rq) and sums[t.cpu].eligible(t.se.vruntime),
            )
        )
    rqs = []
    for rq in m.rqs:
        curr = m.tasks[rq.curr] if rq.curr else None
        rqs.append(
            RqView(
                rq.cpu,
                rq.curr,
                m.comm(rq.curr, rq.cpu),
                rq.nr_running,
                tuple(key[2] for key in rq.cfs.tasks_timeline),
                rq.cfs.min_vruntime,
                sums[rq.cpu].avg_vruntime,
                eevdf,
                cpu_context(rq, m.nr_events),
                curr.preempt_count if curr else 0,
                curr.irqs_disabled if curr else False,
                rq.need_resched,
                m.locks[rq.spinning_on].name if rq.spinning_on >= 0 else "",
                rq.nr_switches,
                rq.tick_stopped,
            )
        )
    locks = []
    for lk in m.locks:
        owner = m.tasks.get(lk.owner) if lk.owner else None
        locks.append(
            LockView(
                lk.id,
                lk.name,
                lk.kind,
                lk.owner,
                owner.comm if owner else "",
                owner.cpu if owner else -1,
                tuple(lk.wait_list),
                tuple(m.comm(p) for p in lk.wait_list),
                m.now - lk.acquired_at if owner else 0,
                lk.id in cycle_locks,
                lk.contentions,
                lk.acquisitions,
            )
        )
    deadlocks = tuple(
        DeadlockView(ev, pids, tuple(m.comm(p) for p in pids), tuple(m.locks[i].name for i in lks))
        for ev, pids, lks in m.deadlocks
    )
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
        tuple(tasks),
        tuple(rqs),
        tuple(locks),
        deadlocks,
        bps,
        sim.history,
    )


class TraceReader:
    """Read-only, lazy access to the recorded trace for the trace and
    timeline panes. Holds the append-only log, never the machine."""

    __slots__ = ("_log", "_names", "_ncpus", "_seg_cache", "_times")

    def __init__(self, log: TraceLog, names: Names, ncpus: int) -> None:
        self._log = log
        self._names = names
        self._ncpus = ncpus
        self._seg_cache: tuple[int, list[list[tuple[int, int]]]] = (0, [[] for _ in range(ncpus)])
        self._times: list[list[int]] = [[] for _ in range(ncpus)]

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
        self._seg_cache = (n, segs)
        return segs

    def switch_times(self) -> list[list[int]]:
        """Per CPU, the times of `switches()` alone (for bisecting)."""
        self.switches()
        return self._times
