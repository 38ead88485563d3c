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
from ktui.sim.kernel.sched.debug import cfs_rq_sums
from ktui.sim.kernel.sched.fair import fair_sched_class
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
class SchedView:
    """The scheduler's section of a snapshot."""

    tasks: tuple[TaskView, ...]
    """Every task ever created, by pid."""
    rqs: tuple[RqView, ...]
    """One run queue per CPU."""


EMPTY_SCHED = SchedView((), ())


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
            )
        )
    return SchedView(tuple(tasks), tuple(rqs))


def sched_report(view: object) -> dict[str, object]:
    """The ``tasks`` and ``cpus`` report sections, from `view`."""
    assert isinstance(view, SchedView)
    fair_policies = fair_sched_class.policies
    tasks = [
        {
            "pid": t.pid,
            "comm": t.comm,
            "state": t.state,
            "policy": t.policy,
            # se->load.weight >> 10; only fair-class tasks are weighted
            "weight": t.weight if int(POLICY_BY_NAME[t.policy]) in fair_policies else None,
            "nice": t.nice,
            "prio": t.prio,
            "cpu": t.cpu,
            "on_cpu": t.on_cpu,
            "sum_exec_runtime_ns": t.sum_exec_runtime,
            "vruntime_ns": t.vruntime,
            "deadline_ns": t.deadline,
            "nr_switches": t.nr_switches,
            "nr_voluntary_switches": t.nvcsw,
            "nr_involuntary_switches": t.nivcsw,
            "blocked_on": t.blocked_on or None,
            "held_locks": list(t.held_locks),
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
    return {"tasks": tasks, "cpus": cpus}
