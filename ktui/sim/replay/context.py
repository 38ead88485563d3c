"""Reading the machine for breakpoint conditions (`breakpoints.StateContext`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.trace import state_letter

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine


def task_state_letter(task: TaskStruct) -> str:
    """ps-style state of a task: R, S, D, Z ... (TASK_REPORT bits)."""
    if task.exit_state:
        return state_letter(task.exit_state)
    return state_letter(task.state & 0x7F) if task.state & 0x7F else "R"


class MachineContext:
    """`StateContext` over a live machine: tasks by comm or pid, CPUs, locks."""

    __slots__ = ("m",)

    def __init__(self, m: Machine) -> None:
        self.m = m

    def _task(self, name: str) -> TaskStruct | None:
        m = self.m
        if name.isdigit():
            return m.tasks.get(int(name))
        for task in m.tasks.values():
            if task.comm == name:
                return task
        return None

    def has_task(self, task: str) -> bool:
        """Whether the scenario has (or will have) a task of that comm or pid."""
        names = self.m.cfg.names.comms
        return (task.isdigit() and 0 < int(task) < len(names)) or task in names[1:]

    def has_lock(self, lock: str) -> bool:
        """Whether the scenario defines lock `lock`."""
        return lock in self.m.cfg.names.locks

    def ncpus(self) -> int:
        """Number of CPUs."""
        return self.m.ncpus

    def task_attr(self, task: str, attr: str) -> int | str | None:
        """Attribute `attr` of a task, None if it does not exist (yet)."""
        t = self._task(task)
        if t is None:
            return None
        if attr == "state":
            return task_state_letter(t)
        if attr == "prio":
            return t.prio
        if attr == "nice":
            return t.nice
        if attr == "cpu":
            return t.cpu
        if attr == "nr_switches":
            return t.nr_switches
        if attr == "sum_exec_runtime":
            return t.se.sum_exec_runtime
        if attr == "vruntime":
            return t.se.vruntime
        if attr == "on_cpu":
            return int(t.on_cpu)
        if attr == "blocked_on":
            return self.m.locks[t.blocked_on].name if t.blocked_on >= 0 else ""
        return None

    def cpu_attr(self, cpu: int, attr: str) -> int | str | None:
        """Attribute `attr` of CPU `cpu`."""
        m = self.m
        if not 0 <= cpu < m.ncpus:
            return None
        rq = m.rqs[cpu]
        curr = m.tasks[rq.curr] if rq.curr else None
        if attr == "nr_running":
            return rq.nr_running
        if attr == "curr":
            return m.comm(rq.curr, cpu)
        if attr == "idle":
            return int(curr is None)
        if attr == "preempt_count":
            return m.pcpu[cpu].preempt_count
        if attr == "irqs_disabled":
            return int(curr.irqs_disabled) if curr is not None else 0
        return None

    def lock_attr(self, lock: str, attr: str) -> int | str | None:
        """Attribute `attr` of the lock named `lock`."""
        m = self.m
        for lk in m.locks:
            if lk.name == lock:
                if attr == "owner":
                    return m.comm(lk.owner) if lk.owner else ""
                if attr == "waiters":
                    return len(lk.wait_list)
                if attr == "held":
                    return int(lk.owner != 0)
                return None
        return None
