"""The idle class. Models kernel/sched/idle.c (``DEFINE_SCHED_CLASS(idle)``).

The idle task (``swapper/N``, pid 0) is the model's ``rq.curr == 0``: it has
no `TaskStruct`, so ``pick_task_idle()`` returns None for it, and the
NO_HZ/idle-time bookkeeping that follows a switch to it stays in
``__schedule()`` (core.py). The class is always last in ``for_each_class()``
and always has something to run. Left out: cpuidle states and governors,
``do_idle()``'s polling, the idle task's own preempt_count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.sched.sched import Rq, SchedClass
from ktui.sim.state import mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine


@mypyc_attr(native_class=False)
class IdleSchedClass(SchedClass):
    """``idle_sched_class``: only the per-CPU idle task."""

    __slots__ = ()
    name = "idle"

    def enqueue_task(self, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
        """The idle task is never enqueued (idle.c has no enqueue_task)."""
        raise AssertionError(f"enqueue of pid {task.pid} on the idle class")

    def dequeue_task(self, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
        """dequeue_task_idle(): "bad: scheduling from the idle thread!"."""
        raise AssertionError(f"dequeue of pid {task.pid} from the idle class")

    def wakeup_preempt(self, m: Machine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
        """wakeup_preempt_idle(): any task preempts idle (resched_curr())."""
        rq.need_resched = True

    def pick_task(self, m: Machine, rq: Rq) -> TaskStruct | None:
        """pick_task_idle(): rq->idle, which is None (pid 0) in the model."""
        return None

    def select_task_rq(self, m: Machine, task: TaskStruct, wake_flags: int) -> int:
        """select_task_rq_idle(): stays on its CPU."""
        return task.cpu


idle_sched_class: SchedClass = IdleSchedClass()
"""DEFINE_SCHED_CLASS(idle)."""
