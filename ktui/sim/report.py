"""The report: the state at the current position as plain JSON-able data.

What ``ktui run --json`` prints and `Simulator.report()` returns. Sections
are registered, so a later subsystem adds its own (``slab``, ``irqs`` ...)
with `register_section` instead of editing this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import SchedPolicy
from ktui.sim.kernel.sched.sched import cpu_context
from ktui.sim.replay.context import task_state_letter

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine
    from ktui.sim.replay.timeline import Simulator

Section = Callable[["Machine"], object]
SECTIONS: dict[str, Section] = {}

POLICY_NAMES = {int(p): p.name.removeprefix("SCHED_").lower() for p in SchedPolicy}


def register_section(name: str, build: Section) -> None:
    """Add section `name` to every report, built by `build(machine)`."""
    SECTIONS[name] = build


def task_sched_runtime(m: Machine, task: TaskStruct) -> int:
    """task_sched_runtime() (kernel/sched/core.c): sum_exec_runtime plus the
    not yet accounted time of a task that is running right now."""
    runtime = task.se.sum_exec_runtime
    if task.on_cpu and m.rqs[task.cpu].curr == task.pid:
        runtime += max(0, m.now - task.se.exec_start)
    return runtime


def _tasks(m: Machine) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for pid in sorted(m.tasks):
        t = m.tasks[pid]
        out.append(
            {
                "pid": pid,
                "comm": t.comm,
                "state": task_state_letter(t),
                "policy": POLICY_NAMES.get(t.policy, str(t.policy)),
                "nice": t.nice,
                "prio": t.prio,
                "cpu": t.cpu,
                "on_cpu": t.on_cpu,
                "sum_exec_runtime_ns": task_sched_runtime(m, t),
                "vruntime_ns": t.se.vruntime,
                "deadline_ns": t.se.deadline,
                "nr_switches": t.nr_switches,
                "nr_voluntary_switches": t.nvcsw,
                "nr_involuntary_switches": t.nivcsw,
                "blocked_on": m.locks[t.blocked_on].name if t.blocked_on >= 0 else None,
                "held_locks": [m.locks[i].name for i in t.held_locks],
            }
        )
    return out


def _cpus(m: Machine) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for rq in m.rqs:
        curr = m.tasks[rq.curr] if rq.curr else None
        out.append(
            {
                "cpu": rq.cpu,
                "curr": rq.curr,
                "curr_comm": m.comm(rq.curr, rq.cpu),
                "nr_running": rq.nr_running,
                "context": cpu_context(m.pcpu[rq.cpu]),
                "preempt_count": m.pcpu[rq.cpu].preempt_count,
                "irqs_disabled": curr.irqs_disabled if curr else False,
                "need_resched": rq.need_resched,
                "spinning_on": m.locks[rq.spinning_on].name if rq.spinning_on >= 0 else None,
                "nr_switches": rq.nr_switches,
                "tick_stopped": rq.tick_stopped,
            }
        )
    return out


def _locks(m: Machine) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for lk in m.locks:
        owner = m.tasks.get(lk.owner) if lk.owner else None
        out.append(
            {
                "name": lk.name,
                "kind": lk.kind,
                "owner": owner.comm if owner else None,
                "owner_pid": lk.owner or None,
                "owner_cpu": owner.cpu if owner else None,
                "held_ns": m.now - lk.acquired_at if owner else 0,
                "waiters": [m.comm(p) for p in lk.wait_list],
                "contentions": lk.contentions,
                "acquisitions": lk.acquisitions,
            }
        )
    return out


def _deadlocks(m: Machine) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for event, pids, locks in m.deadlocks:
        out.append(
            {
                "tasks": [m.comm(p) for p in pids],
                "pids": list(pids),
                "locks": [m.locks[i].name for i in locks],
                "event": event,
            }
        )
    return out


register_section("tasks", _tasks)
register_section("cpus", _cpus)
register_section("locks", _locks)
register_section("deadlocks", _deadlocks)


def build_report(sim: Simulator) -> dict[str, object]:
    """The report for `sim`'s current position."""
    m = sim.machine
    out: dict[str, object] = {
        "scenario": sim.scenario.name,
        "seed": sim.scenario.seed,
        "kernel": sim.scenario.machine.kernel,
        "event": sim.event,
        "recorded": sim.recorded,
        "time_ns": m.now,
        "status": sim.status,
        "reason": sim.stop.reason,
        "state_hash": sim.state_hash(),
    }
    for name, build in SECTIONS.items():
        out[name] = build(m)
    return out
