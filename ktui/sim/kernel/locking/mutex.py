"""Sleeping mutexes. Models kernel/locking/mutex.c.

``mutex_lock()``: ``lock_acquire``; if the owner field is free the caller
takes it at once (the fast path; it may overtake sleeping waiters, as a
cmpxchg does), else ``lock_contended``, the caller joins the FIFO
``wait_list`` and sleeps in TASK_UNINTERRUPTIBLE. ``mutex_unlock()`` clears
the owner and wakes the first waiter, which retries when it runs; a first
waiter that finds the mutex stolen sets MUTEX_FLAG_HANDOFF, and the next
unlock then hands the mutex straight to it (``__mutex_handoff()``).

Left out: optimistic spinning on the owner (MCS/OSQ,
CONFIG_MUTEX_SPIN_ON_OWNER): a contended ``mutex_lock`` sleeps at once.
ww_mutexes, ``mutex_lock_interruptible``/``killable``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.kernel.locking.lock import (
    Lock,
    bug,
    lock_acquire,
    lock_acquired,
    lock_contended,
    lock_release,
)
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.ops import Op, register_lock_kind, register_op

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

D_STATE = int(TaskState.TASK_UNINTERRUPTIBLE)
PHASE_MIGHT_SLEEP_WARNED = 3
"""op_phase after __might_sleep() warned: lock_acquire comes next."""


@register_op("mutex_lock", ("lock", "lock"), lock_kinds=("mutex",), might_sleep=True, doc="take a mutex; sleep in D state while another task holds it")
def op_mutex_lock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """mutex_lock(): phase 0 might_sleep() and lock_acquire, 1 try, 2 retry
    after a wakeup."""
    lock = m.locks[op.args[0]]
    pid = task.pid
    if task.op_phase == 0 and (m.pcpu[rq.cpu].preempt_count or task.irqs_disabled):
        # __might_sleep() (kernel/sched/core.c)
        bug(m, rq.cpu, pid, "BUG: sleeping function called from invalid context", lock.id)
        task.op_phase = PHASE_MIGHT_SLEEP_WARNED
        continue_task(m, rq)
        return True
    if task.op_phase in (0, PHASE_MIGHT_SLEEP_WARNED):
        task.op_phase = 1
        lock_acquire(m, rq, task, lock)  # mutex_acquire()
        continue_task(m, rq)
        return True
    if task.op_phase == 1 and task.blocked_on < 0 and lock.owner == 0 and not lock.handoff:
        return _acquired(m, rq, task, lock)
    if task.op_phase == 2 and lock.owner in (0, pid):
        # Woken (or handed the lock): __mutex_trylock() succeeds.
        if lock.owner == 0:
            lock.handoff = False
        return _acquired(m, rq, task, lock)
    if task.op_phase == 2:
        # Stolen while we were waking up: the first waiter asks for handoff.
        if lock.wait_list and lock.wait_list[0] == pid:
            lock.handoff = True
        task.state = D_STATE
        continue_task(m, rq)
        return False
    # Contended: __mutex_add_waiter(), set_current_state(), schedule.
    task.op_phase = 2
    task.state = D_STATE
    lock_contended(m, rq, task, lock)
    continue_task(m, rq)
    return True


def _acquired(m: Machine, rq: Rq, task: TaskStruct, lock: Lock) -> bool:
    task.op_phase = 0
    task.pc += 1
    lock_acquired(m, rq, task, lock)
    continue_task(m, rq)
    return True


@register_op("mutex_unlock", ("lock", "lock"), lock_kinds=("mutex",), doc="release a mutex and wake its first waiter")
def op_mutex_unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """mutex_unlock(): release; wake (or hand off to) the first waiter."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    if not lock_release(m, rq, task, lock):  # mutex_release()
        continue_task(m, rq)
        return True
    if lock.wait_list:
        first = lock.wait_list[0]
        if lock.handoff:
            lock.handoff = False
            lock.owner = first  # __mutex_handoff()
            lock.acquired_at = m.now
        else:
            lock.owner = 0
        try_to_wake_up(m, first, rq.cpu)
    else:
        lock.owner = 0
    continue_task(m, rq)
    return True


register_lock_kind("mutex", "mutex_lock", "mutex_unlock")
