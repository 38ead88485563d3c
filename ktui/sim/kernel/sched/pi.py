"""The scheduler's half of priority inheritance: ``rt_mutex_setprio()``
and ``__rt_effective_prio()`` of kernel/sched/core.c.

A task's ``prio`` is its ``normal_prio`` unless an rt_mutex it owns has a
waiter of better (lower) priority: then it runs at that waiter's prio, in
the class that prio belongs to (``__setscheduler_class()``; here
`task_sched_class` derives the class from the prio), so a SCHED_NORMAL
owner boosted by a SCHED_FIFO waiter becomes an RT task until it lets go.
``rt_mutex_setprio()`` does it the way ``__sched_setscheduler()`` changes a
policy: dequeue (and put_prev_task() if it is running), set the prio,
enqueue (at the head when the prio got worse, so a deboosted RT task does
not lose its place), set_next_task(), then check_class_changed(). The
``sched_pi_setprio`` tracepoint (include/trace/events/sched.h) records it.

Left out: deadline boosting (``dl.pi_se``, a DL waiter lending its
runtime and deadline), the idle-task refusal, ``p->pi_top_task`` as a
field (the top waiter is derived from the locks the task owns, see
`ktui.sim.kernel.locking.rtmutex`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched.prio import rt_prio
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import activate_task, deactivate_task, update_rq_clock
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_DELAYED,
    DEQUEUE_MOVE,
    DEQUEUE_SAVE,
    DEQUEUE_SLEEP,
    ENQUEUE_HEAD,
    ENQUEUE_MOVE,
    ENQUEUE_RESTORE,
)
from ktui.sim.kernel.sched.syscalls import check_class_changed
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

EV_SCHED_PI_SETPRIO = define_event(
    "sched_pi_setprio", "sched", ("pid", "pid"), ("oldprio", "prio"), ("newprio", "prio")
)
register_format(
    "sched_pi_setprio",
    lambda ev: (
        f"comm={ev.fields['comm']} pid={ev.fields['pid']} "
        f"oldprio={ev.fields['oldprio']} newprio={ev.fields['newprio']}"
    ),
)


def __rt_effective_prio(pi_prio: int | None, prio: int) -> int:
    """__rt_effective_prio(): the better of `prio` (the task's normal_prio)
    and its top PI waiter's prio (`pi_prio`, None without one)."""
    if pi_prio is not None:
        return min(prio, pi_prio)
    return prio


def rt_mutex_setprio(m: Machine, p: TaskStruct, prio: int, cpu: int) -> bool:
    """rt_mutex_setprio(): run `p` at `prio` from now on; emits
    ``sched_pi_setprio`` on `cpu` (the CPU doing the boost) and returns
    True, or returns False when the prio does not change (the kernel's
    early bail-out)."""
    if prio == p.prio:
        return False
    rq = m.rqs[p.cpu]
    update_rq_clock(m, rq)
    oldprio = p.prio
    m.emit(EV_SCHED_PI_SETPRIO, cpu, m.rqs[cpu].curr, p.pid, oldprio, prio)
    prev_class = task_sched_class(p)
    queued = bool(p.on_rq) and not p.exit_state
    running = rq.curr == p.pid
    # A sleeping fair task whose dequeue was delayed (DELAY_DEQUEUE) leaves
    # the fair class's tree for real before it changes class.
    if queued and not running and p.se.sched_delayed and rt_prio(prio) != rt_prio(oldprio):
        prev_class.dequeue_task(m, rq, p, DEQUEUE_SLEEP | DEQUEUE_DELAYED)
        queued = bool(p.on_rq)
    if queued:
        deactivate_task(m, rq, p, DEQUEUE_SAVE | DEQUEUE_MOVE)
    if running:
        prev_class.put_prev_task(m, rq, p, None)
    p.prio = prio
    if queued:
        # "if (oldprio < prio) queue_flag |= ENQUEUE_HEAD" (an RT task that
        # is deboosted keeps the front of its new list).
        flags = ENQUEUE_RESTORE | ENQUEUE_MOVE | (ENQUEUE_HEAD if oldprio < prio and rt_prio(prio) else 0)
        activate_task(m, rq, p, flags)
    if running:
        task_sched_class(p).set_next_task(m, rq, p, True)
    check_class_changed(m, rq, p, prev_class, oldprio)
    return True
