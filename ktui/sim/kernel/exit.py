"""Task exit. Models kernel/exit.c (``do_exit()``) and ``do_task_dead()``.

``exit`` (or the end of a program) emits ``sched_process_exit``, makes the
task a zombie (EXIT_ZOMBIE; it stays in the task list, as nobody reaps it)
and switches away for good, so its last ``sched_switch`` reports
``prev_state=Z``. Locks it still holds stay held, as in the kernel (lockdep
would print "lock held when returning to user space"; the lockdep issue adds
that). Left out: exit codes to a parent, signals, thread groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.ops import Op, register_op
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_SCHED_PROCESS_EXIT = define_event(
    "sched_process_exit", "sched", ("pid", "pid"), ("prio", "prio")
)


@register_op("exit", doc="do_exit(): the task ends (also implied at the end of its program)")
def op_exit(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """do_exit(): trace, become a zombie, schedule away for the last time."""
    m.emit(EV_SCHED_PROCESS_EXIT, rq.cpu, task.pid, task.pid, task.prio)
    task.exit_state = int(TaskState.EXIT_ZOMBIE)
    task.state = int(TaskState.TASK_DEAD)
    m.nr_exited += 1
    continue_task(m, rq)
    return True
