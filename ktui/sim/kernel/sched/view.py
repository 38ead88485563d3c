"""The scheduler's frozen view: tasks and run queues, for the snapshot and
the report (what /proc/PID/sched and /proc/sched_debug show, kernel/sched/debug.c).

One view, two readers: panes read `SchedView`; the ``tasks`` and ``cpus``
sections of ``ktui run --json`` are `sched_report` of the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ktui.sim.include.linux.preempt import task_preempt_count
from ktui.sim.include.linux.sched import POLICY_BY_NAME, policy_name
from ktui.sim.kernel.sched.cfs import __sched_period
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.debug import cfs_rq_sums
from ktui.sim.kernel.sched.fair import fair_sched_class
from ktui.sim.kernel.sched.features import SCHED_NR_LATENCY
from ktui.sim.kernel.sched.o1 import (
    O1RqView,
    O1TaskView,
    o1_rq_report,
    o1_rq_view,
    o1_task_report,
    o1_task_view,
)
from ktui.sim.kernel.sched.sched import cpu_context
from ktui.sim.kernel.sched.subjects import task_state_letter

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

def task_sched_runtime(m: Machine, task: TaskStruct) -> int:
    """task_sched_runtime() (kernel/sched/core.c): sum_exec_runtime plus the
    not yet accounted time of a task that is running right now."""
    runtime = task.se.sum_exec_runtime
    if task.on_cpu and m.rqs[task.cpu].curr == task.pid:
        runtime += max(0, m.now - task.se.exec_start)
    return runtime


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
    static_prio: int
    normal_prio: int
    rt_priority: int
    policy_nr: int
    """The SCHED_* number (``policy`` in /proc/PID/sched)."""
    sched_class: str
    """``stop``, ``dl``, ``rt`` or ``fair`` (from prio, as p->sched_class)."""
    exec_start: int
    nr_migrations: int
    wait_sum: int
    wait_count: int
    rt_time_slice: int
    """SCHED_RR: ticks left of its round-robin slice (rt.time_slice)."""
    dl_runtime: int
    dl_deadline: int
    dl_period: int
    dl_runtime_left: int
    """dl.runtime: ns left of the current instance (negative after an overrun)."""
    dl_deadline_abs: int
    """dl.deadline: the current instance's absolute deadline."""
    dl_throttled: bool
    o1: O1TaskView | None = None
    """The O(1) scheduler's state (2.6.0 .. 2.6.22 machines only)."""


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
    clock: int
    sched_period: int
    """__sched_period() for the fair tasks queued now (CFS; EEVDF has no period)."""
    rt_nr_running: int
    rt_throttled: bool
    rt_queue: tuple[tuple[int, tuple[int, ...]], ...]
    """(prio, pids in FIFO order) for each non-empty RT list, best prio first."""
    dl_nr_running: int
    running_bw: int
    this_bw: int
    dl_queue: tuple[int, ...]
    """pids in the EDF tree by absolute deadline (a server is negative)."""
    o1: O1RqView | None = None
    """The O(1) scheduler's prio arrays (2.6.0 .. 2.6.22 machines only)."""


@dataclass(frozen=True, slots=True, eq=False)
class SchedView:
    """The scheduler's section of a snapshot."""

    tasks: tuple[TaskView, ...]
    """Every task ever created, by pid."""
    rqs: tuple[RqView, ...]
    """One run queue per CPU."""
    tunables: tuple[tuple[str, int], ...] = ()
    """The scaled sysctl_sched_* tunables (update_sysctl()), as reported."""


EMPTY_SCHED = SchedView((), ())


def sched_tunables(m: Machine) -> tuple[tuple[str, int], ...]:
    """What /sys/kernel/debug/sched/ shows of the fair tunables, for the
    machine's CPU count and kernel version (features.sched_config())."""
    cfg = m.cfg.sched
    return (
        ("latency_ns", cfg.latency),
        ("min_granularity_ns", cfg.base_slice),
        ("wakeup_granularity_ns", cfg.wakeup_granularity),
        ("nr_latency", SCHED_NR_LATENCY),
        ("base_slice_ns", cfg.base_slice),
        ("tunable_scaling_factor", cfg.factor),
    )


def sched_view(m: Machine) -> SchedView:
    """The scheduler's view of `m` at its current position."""
    # vruntime_eligible(): avg >= (vruntime - v0) * load, with each rq's sums
    # taken once rather than once per task.
    sums = [cfs_rq_sums(m, rq) for rq in m.rqs]
    eevdf = sums[0].eevdf
    tasks = []
    programs = m.cfg.program_texts
    locks = m.locks
    for pid in sorted(m.tasks):
        t = m.tasks[pid]
        texts, lines = programs[pid]
        se = t.se
        tasks.append(
            TaskView(
                pid,
                t.comm,
                task_state_letter(t),
                policy_name(t.policy),
                t.nice,
                t.prio,
                se.load_weight >> 10,
                t.cpu,
                t.on_cpu,
                bool(t.on_rq),
                se.vruntime,
                se.deadline,
                se.vlag,
                se.slice,
                task_sched_runtime(m, t),
                t.nr_switches,
                t.nvcsw,
                t.nivcsw,
                bool(se.sched_delayed),
                locks[t.blocked_on].name if t.blocked_on >= 0 else "",
                tuple(locks[i].name for i in t.held_locks),
                t.pc,
                texts,
                lines,
                task_preempt_count(m, t),
                t.start_time,
                bool(t.on_rq) and sums[t.cpu].eligible(se.vruntime),
                t.static_prio,
                t.normal_prio,
                t.rt_priority,
                t.policy,
                task_sched_class(t).name,
                se.exec_start,
                se.nr_migrations,
                se.wait_sum,
                se.wait_count,
                t.rt.time_slice,
                t.dl.dl_runtime,
                t.dl.dl_deadline,
                t.dl.dl_period,
                t.dl.runtime,
                t.dl.deadline,
                t.dl.dl_throttled,
                o1_task_view(m, t),
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
                cpu_context(m.pcpu[rq.cpu]),
                m.pcpu[rq.cpu].preempt_count,
                curr.irqs_disabled if curr else False,
                rq.need_resched,
                locks[rq.spinning_on].name if rq.spinning_on >= 0 else "",
                rq.nr_switches,
                rq.tick_stopped,
                rq.clock,
                __sched_period(m, rq.cfs.nr_queued),
                rq.rt.rt_nr_running,
                rq.rt.rt_throttled,
                tuple((prio, tuple(q)) for prio, q in enumerate(rq.rt.queue) if q),
                rq.dl.dl_nr_running,
                rq.dl.running_bw,
                rq.dl.this_bw,
                tuple(key[2] for key in rq.dl.root),
                o1_rq_view(rq),
            )
        )
    return SchedView(tuple(tasks), tuple(rqs), sched_tunables(m))


def sched_report(view: object) -> dict[str, object]:
    """The ``tasks``, ``cpus``, ``rqs`` and ``sched_tunables`` report
    sections, from `view`."""
    assert isinstance(view, SchedView)
    fair_policies = fair_sched_class.policies
    by_pid = {t.pid: t for t in view.tasks}
    tasks = [
        {
            "pid": t.pid,
            "comm": t.comm,
            "state": t.state,
            "policy": t.policy,
            "sched_class": t.sched_class,
            # se->load.weight >> 10; only fair-class tasks are weighted
            "weight": t.weight if int(POLICY_BY_NAME[t.policy]) in fair_policies else None,
            "nice": t.nice,
            "prio": t.prio,
            "static_prio": t.static_prio,
            "normal_prio": t.normal_prio,
            "rt_priority": t.rt_priority,
            "cpu": t.cpu,
            "on_cpu": t.on_cpu,
            "sum_exec_runtime_ns": t.sum_exec_runtime,
            "vruntime_ns": t.vruntime,
            "deadline_ns": t.deadline,
            "lag_ns": t.vlag,
            "sched_slice_ns": t.slice,
            "dl_runtime_ns": t.dl_runtime,
            "dl_deadline_ns": t.dl_deadline,
            "dl_period_ns": t.dl_period,
            "dl_runtime_left_ns": t.dl_runtime_left,
            "dl_deadline_abs_ns": t.dl_deadline_abs,
            "dl_throttled": t.dl_throttled,
            "nr_switches": t.nr_switches,
            "nr_voluntary_switches": t.nvcsw,
            "nr_involuntary_switches": t.nivcsw,
            "wait_sum_ns": t.wait_sum,
            "wait_count": t.wait_count,
            "nr_migrations": t.nr_migrations,
            "blocked_on": t.blocked_on or None,
            "held_locks": list(t.held_locks),
            # only on a 2.6.0 .. 2.6.22 machine, so later kernels' JSON is unchanged
            **({"o1": o1_task_report(t.o1)} if t.o1 is not None else {}),
        }
        for t in view.tasks
    ]
    cpus = [
        {
            "cpu": rq.cpu,
            "curr": rq.curr,
            "curr_comm": rq.curr_comm,
            "nr_running": rq.nr_running,
            "context": rq.context,
            "preempt_count": rq.preempt_count,
            "irqs_disabled": rq.irqs_disabled,
            "need_resched": rq.need_resched,
            "spinning_on": rq.spinning_on or None,
            "nr_switches": rq.nr_switches,
            "tick_stopped": rq.tick_stopped,
        }
        for rq in view.rqs
    ]
    rqs = [_rq_report(rq, by_pid) for rq in view.rqs]
    return {"tasks": tasks, "cpus": cpus, "rqs": rqs, "sched_tunables": dict(view.tunables)}


def _rq_report(rq: RqView, by_pid: dict[int, TaskView]) -> dict[str, object]:
    """One CPU's run queues, each class's queue in pick order with its keys."""
    cfs_queue = [
        {
            "pid": pid,
            "vruntime_ns": by_pid[pid].vruntime,
            "deadline_ns": by_pid[pid].deadline,
            "lag_ns": by_pid[pid].vlag,
            "eligible": by_pid[pid].eligible,
        }
        for pid in rq.tree
    ]
    rt_queue = [{"pid": pid, "prio": prio} for prio, pids in rq.rt_queue for pid in pids]
    dl_queue = [
        {
            "pid": pid,
            "deadline_ns": by_pid[pid].dl_deadline_abs,
            "runtime_left_ns": by_pid[pid].dl_runtime_left,
        }
        if pid in by_pid
        else {"server": "fair", "pid": None}
        for pid in rq.dl_queue
    ]
    out: dict[str, object] = {
        "cpu": rq.cpu,
        "nr_running": rq.nr_running,
        "curr": rq.curr,
        "cfs": {
            "min_vruntime_ns": rq.min_vruntime,
            "sched_period_ns": rq.sched_period,
            "avg_vruntime_ns": rq.avg_vruntime,
            "queue": cfs_queue,
        },
        "rt": {"rt_nr_running": rq.rt_nr_running, "rt_throttled": rq.rt_throttled, "queue": rt_queue},
        "dl": {
            "dl_nr_running": rq.dl_nr_running,
            "running_bw": rq.running_bw,
            "this_bw": rq.this_bw,
            "queue": dl_queue,
        },
    }
    if rq.o1 is not None:
        out["o1"] = o1_rq_report(rq.o1)
    return out
