"""The stop class. Models kernel/sched/stop_task.c (``DEFINE_SCHED_CLASS(stop)``).

The highest class: a CPU's stopper thread (``migration/N``, kernel/stop_machine.c)
preempts everything, and nothing preempts it. ``rq.stop`` is its pid; no
stopper threads are created yet (active load balancing and CPU hot-plug,
their users, move tasks directly), so `pick_task` finds nothing and the class
only takes its place at the head of ``for_each_class()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.sched.sched import Rq, SchedClass
from ktui.sim.state import mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine


@mypyc_attr(native_class=False)
class StopSchedClass(SchedClass):
    """``stop_sched_class``: the per-CPU stopper task, if any."""

    __slots__ = ()
    name = "stop"

    def enqueue_task(self, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
        """enqueue_task_stop(): add_nr_running()."""
        rq.nr_running += 1

    def dequeue_task(self, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
        """dequeue_task_stop(): sub_nr_running()."""
        rq.nr_running -= 1
        return True

    def pick_task(self, m: Machine, rq: Rq) -> TaskStruct | None:
        """pick_task_stop(): the stopper, when it is queued."""
        if rq.stop and m.tasks[rq.stop].on_rq:
            return m.tasks[rq.stop]
        return None

    def select_task_rq(self, m: Machine, task: TaskStruct, wake_flags: int) -> int:
        """select_task_rq_stop(): stop tasks never migrate."""
        return task.cpu


stop_sched_class: SchedClass = StopSchedClass()
"""DEFINE_SCHED_CLASS(stop)."""
