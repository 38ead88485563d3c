"""Task creation. Models kernel/fork.c (``kernel_clone()``) and the fork half
of kernel/sched/core.c (``sched_fork()``, ``wake_up_new_task()``).

Scenario tasks are created at their ``start`` time as children of the idle
task on CPU 0 (the simulator has no init or kthreadd): ``sched_process_fork``
on CPU 0, then ``sched_wakeup_new`` on the CPU chosen for the child. Pids are
the scenario order, from 1. Left out: copying mm/files/signals, clone flags,
``sched_child_runs_first``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import POLICY_BY_NAME, SchedO1Entity, TaskState, TaskStruct
from ktui.sim.include.linux.sched.prio import NICE_TO_PRIO
from ktui.sim.include.uapi.linux.sched.types import SchedAttr
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import wake_up_new_task
from ktui.sim.kernel.sched.fair import set_load_weight
from ktui.sim.kernel.sched.o1 import sched_fork as o1_sched_fork
from ktui.sim.kernel.sched.rt import sched_rr_timeslice
from ktui.sim.kernel.sched.syscalls import sched_setattr_nocheck
from ktui.sim.machine import PRIO_CONT, PRIO_FORK, register_kind
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

EV_SCHED_PROCESS_FORK = define_event(
    "sched_process_fork", "sched", ("pid", "pid"), ("child_pid", "pid")
)

def schedule_forks(m: Machine) -> None:
    """Queue the creation of every scenario task at its start time."""
    for spec in m.cfg.scenario.tasks:
        m.push(spec.start_ns, PRIO_FORK, K_FORK, spec.pid, 0)


def _fork(m: Machine, pid: int, _b: int) -> bool:
    spec = m.cfg.scenario.tasks[pid - 1]
    task = TaskStruct(pid, spec.name, spec.affinity)
    if m.cfg.sched.classes:  # 2.6.0 .. 2.6.22: the task's O(1) scheduler state
        task.o1 = SchedO1Entity()
    # sched_fork(): the parent (the idle task) is SCHED_NORMAL, nice 0...
    task.static_prio = task.normal_prio = task.prio = NICE_TO_PRIO(spec.nice)
    task.start_time = m.now
    task.cpu = spec.cpu if spec.cpu is not None else spec.affinity[0]
    task.state = int(TaskState.TASK_NEW)
    set_load_weight(task)
    task.rt.time_slice = sched_rr_timeslice(m)  # __sched_fork()
    m.tasks[pid] = task
    policy = int(POLICY_BY_NAME[spec.policy])
    if policy != task.policy:
        # ... and the scenario's policy is what chrt(1) does before exec():
        # sched_setattr() on the new task (a SCHED_DEADLINE parent could
        # not fork at all: sched_fork() returns -EAGAIN for dl_prio()).
        attr = SchedAttr(
            sched_policy=policy,
            sched_nice=spec.nice,
            sched_priority=spec.rt_priority,
            sched_runtime=spec.dl_runtime,
            sched_deadline=spec.dl_deadline,
            sched_period=spec.dl_period,
        )
        sched_setattr_nocheck(m, task, attr)
    if task.o1 is not None:  # copy_process() -> sched_fork() (2.6.22)
        o1_sched_fork(m, task, None)
    # The parent is the idle task; CPU 0's current task is what the trace's
    # common fields show, as for the sched_wakeup_new that follows.
    m.emit(EV_SCHED_PROCESS_FORK, 0, m.rqs[0].curr, 0, pid)
    m.push(m.now, PRIO_CONT, K_WAKE_NEW, pid, 0)
    return True


def _wake_new(m: Machine, pid: int, _b: int) -> bool:
    task = m.tasks[pid]
    spec = m.cfg.scenario.tasks[pid - 1]
    task_sched_class(task).task_fork(m, task)  # sched_cgroup_fork()
    if spec.cpu is not None:
        # The scenario pins the first CPU: set_task_cpu() before the wakeup.
        saved = task.cpus_mask
        task.cpus_mask = (spec.cpu,)
        wake_up_new_task(m, task)
        # back to the scenario's affinity through the class
        # (set_cpus_allowed_rt() makes a queued RT task pushable again)
        task_sched_class(task).set_cpus_allowed(m, task, saved)
    else:
        wake_up_new_task(m, task)
    return True


K_FORK = register_kind("fork", _fork)
K_WAKE_NEW = register_kind("wake_up_new_task", _wake_new)
