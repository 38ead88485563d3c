"""Voluntary scheduling ops: ``schedule`` and ``sched_yield``, and
``set_user_nice()``. Models ``schedule()`` called by a running task
(kernel/sched/core.c), ``do_sched_yield()`` and ``set_user_nice()``
(kernel/sched/syscalls.c, 6.11+; core.c before). Left out of
set_user_nice(): RT and deadline policies (not modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import NICE_TO_PRIO, TaskStruct
from ktui.sim.kernel.sched import fair
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import schedule, update_rq_clock
from ktui.sim.kernel.sched.entity import set_load_weight
from ktui.sim.ops import Op, register_op
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine


@register_op("schedule", might_sleep=True, doc="call schedule() while TASK_RUNNING: switch only if another task should run")
def op_schedule(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """schedule() with TASK_RUNNING: a voluntary switch if one is due."""
    task.pc += 1
    return schedule(m, rq, preempt=False)


@register_op("sched_yield", doc="sched_yield(): the class's yield_task(), then schedule()")
def op_sched_yield(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """do_sched_yield(): the class marks the yield, then schedule()."""
    task.pc += 1
    task_sched_class(task).yield_task(m, rq)  # current->sched_class->yield_task()
    return schedule(m, rq, preempt=False)


EV_SCHED_SET_USER_NICE = define_event(
    "sched_set_user_nice", "ktui", ("pid", "pid"), ("old_nice", "int"), ("nice", "int")
)
"""set_user_nice() ran (the kernel has no tracepoint there; a ktui event)."""


def set_user_nice(m: Machine, task: TaskStruct, nice: int) -> None:
    """set_user_nice() (kernel/sched/syscalls.c): a new nice value for `task`.

    Under the task's rq lock: static_prio from the nice value, then
    set_load_weight(p, true), which for a queued fair task is
    reweight_task_fair() (lag and relative deadline kept, entity re-placed)
    and for a dequeued one just the new weight; prio = effective_prio();
    then the class's prio_changed(), which reschedules when the running
    task's priority dropped or a queued one should now preempt. The kernel's
    dequeue/put_prev ... enqueue/set_next pair around the change is what
    reweight_task_fair() does in place here. Emits ``sched_set_user_nice``,
    also when the value does not change (where the kernel returns early).
    """
    old_nice = task.nice
    rq = m.rqs[task.cpu]
    if nice != old_nice:
        update_rq_clock(m, rq)
        task.static_prio = NICE_TO_PRIO(nice)
        if task.se.on_rq:
            fair.reweight_task_fair(m, rq, task)
        else:
            set_load_weight(task)
        old_prio = task.prio
        # effective_prio() -> normal_prio(): static_prio for a fair policy
        task.normal_prio = task.static_prio
        task.prio = task.normal_prio
        task_sched_class(task).prio_changed(m, rq, task, old_prio)
    m.emit(EV_SCHED_SET_USER_NICE, task.cpu, rq.curr, task.pid, old_nice, nice)
