"""Voluntary scheduling ops: ``schedule`` and ``sched_yield``. Models
``schedule()`` called by a running task (kernel/sched/core.c) and
``do_sched_yield()`` (kernel/sched/syscalls.c, 6.11+; core.c before).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import schedule
from ktui.sim.ops import Op, register_op

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
