"""Read-write semaphores: kernel/locking/rwsem.c (the 6.x count/owner rwsem).

The writer is ``lock.owner`` (``RWSEM_WRITER_LOCKED``), the readers
``lock.readers`` (``RWSEM_READER_BIAS`` each), ``lock.wait_list`` the FIFO
``sem->wait_list`` of readers and writers, who sleep in D state
(TASK_UNINTERRUPTIBLE).

- ``down_read``: the fast path (``__down_read()``) succeeds unless a writer
  holds it or anyone waits (``RWSEM_READ_FAILED_MASK``).
  rwsem_down_read_slowpath() still takes it ("reader optimistic lock
  stealing") when no writer holds it, unless readers hold it already while
  others wait (``RWSEM_READER_OWNED && rcnt > 1``); else it queues.
- ``down_write``: the fast path needs ``count == 0`` (no holder, no
  waiter). rwsem_down_write_slowpath() queues, and each time it runs
  rwsem_try_write_lock() takes the lock if nobody holds it.
- ``up_read`` (the last reader) and ``up_write`` with waiters call
  rwsem_wake() -> rwsem_mark_wake(RWSEM_WAKE_ANY): a writer at the head is
  woken alone and retries; a reader at the head grants the lock to the
  readers of the queue, up to MAX_READERS_WAKEUP, skipping queued writers
  ("wake up almost all readers", as 6.x does), before waking them.
- ``downgrade_write``: the writer becomes a reader (lock_downgrade() for
  lockdep; no tracepoint, so a ``lock_downgrade`` event here) and
  rwsem_downgrade_wake() -> rwsem_mark_wake(RWSEM_WAKE_READ_OWNED) admits
  the queued readers when a reader heads the queue.

lockdep: rwsem_acquire_read() passes read=1, rwsem_acquire() read=0;
trylocks call it with trylock=1 after succeeding.

Left out: writer optimistic spinning on the owner (CONFIG_RWSEM_SPIN_ON_OWNER,
osq), the handoff bit (RWSEM_FLAG_HANDOFF after RWSEM_WAIT_TIMEOUT), the
killable/interruptible forms, DEBUG_RWSEMS owner warnings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.kernel.entry.common import record_return
from ktui.sim.kernel.locking.lock import (
    Lock,
    acquire_how,
    bug,
    holds,
    lock_acquire,
    lock_acquired,
    lock_contended,
    lock_init,
    lock_release,
    lock_trylock_acquired,
    take_read,
)
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.ops import Op, register_lock_kind, register_op
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

D_STATE = int(TaskState.TASK_UNINTERRUPTIBLE)
MAX_READERS_WAKEUP: Final = 0x100
"""kernel/locking/rwsem.c: readers one rwsem_mark_wake() admits at most."""
PHASE_ASKED, PHASE_WAITING, PHASE_MIGHT_SLEEP_WARNED = 1, 2, 3
RWSEM_KINDS = ("rw_semaphore",)
READ_WAIT_OPS = frozenset(("down_read",))

EV_LOCK_DOWNGRADE = define_event("lock_downgrade", "lock", ("lock", "lock"))
"""downgrade_write(): lockdep's lock_downgrade() (no tracepoint in the kernel)."""
register_format("lock_downgrade", lambda ev: str(ev.fields["lock"]))  # as the lock.h events


def _is_reader(m: Machine, pid: int) -> bool:
    """A waiter sleeps in ``down_read`` (RWSEM_WAITING_FOR_READ)."""
    task = m.tasks[pid]
    program = m.cfg.programs[pid]
    return task.pc < len(program) and program[task.pc].name in READ_WAIT_OPS


def rwsem_mark_wake(m: Machine, lock: Lock, waker_cpu: int, read_owned: bool = False) -> None:
    """rwsem_mark_wake(): wake the writer at the head (RWSEM_WAKE_ANY only),
    or grant the lock to the queued readers and wake them."""
    if not lock.wait_list:
        return
    head = lock.wait_list[0]
    if not _is_reader(m, head):
        if not read_owned:
            try_to_wake_up(m, head, waker_cpu)
        return
    woken = [p for p in lock.wait_list if _is_reader(m, p)][:MAX_READERS_WAKEUP]
    for pid in woken:  # 1st pass: the reader count for all of them
        take_read(m, lock, pid)
    for pid in woken:  # 2nd pass: waiter->task = NULL, wake_up_q()
        try_to_wake_up(m, pid, waker_cpu)


def _might_sleep(m: Machine, rq: Rq, task: TaskStruct, lock: Lock) -> bool:
    if task.op_phase == 0 and (m.pcpu[rq.cpu].preempt_count or task.irqs_disabled):
        # __might_sleep() (kernel/sched/core.c)
        bug(m, rq.cpu, task.pid, "BUG: sleeping function called from invalid context", lock.id)
        task.op_phase = PHASE_MIGHT_SLEEP_WARNED
        continue_task(m, rq)
        return True
    return False


def _acquired(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, how: int) -> bool:
    task.op_phase = 0
    task.pc += 1
    lock_acquired(m, rq, task, lock, how)
    continue_task(m, rq)
    return True


def _down(m: Machine, rq: Rq, task: TaskStruct, op: Op, read: bool) -> bool:
    lock = m.locks[op.args[0]]
    how = acquire_how(0, 1 if read else 0)
    if _might_sleep(m, rq, task, lock):
        return True
    if task.op_phase in (0, PHASE_MIGHT_SLEEP_WARNED):
        task.op_phase = PHASE_ASKED
        lock_acquire(m, rq, task, lock, how)  # rwsem_acquire[_read]()
        continue_task(m, rq)
        return True
    if task.op_phase == PHASE_ASKED:
        if read:
            # __down_read() fast path, else the slowpath's lock stealing.
            free = not lock.owner and not (lock.readers and lock.wait_list)
        else:
            free = not lock.owner and not lock.readers and not lock.wait_list
        if free:
            return _acquired(m, rq, task, lock, how)
        task.op_phase = PHASE_WAITING
        task.state = D_STATE
        lock_contended(m, rq, task, lock, how)
        continue_task(m, rq)
        return True
    # Woken: a reader was granted the lock by rwsem_mark_wake(); a writer
    # retries rwsem_try_write_lock().
    if read and holds(lock, task.pid):
        return _acquired(m, rq, task, lock, how)
    if not read and not lock.owner and not lock.readers:
        return _acquired(m, rq, task, lock, how)
    task.state = D_STATE  # back to sleep: schedule() again
    continue_task(m, rq)
    return False


def _up(m: Machine, rq: Rq, task: TaskStruct, op: Op, read: bool) -> bool:
    lock = m.locks[op.args[0]]
    task.pc += 1
    if not lock_release(m, rq, task, lock, read=read):  # rwsem_release()
        continue_task(m, rq)
        return True
    if not read:
        lock.owner = 0
    if not lock.owner and not lock.readers:
        rwsem_mark_wake(m, lock, rq.cpu)  # rwsem_wake()
    continue_task(m, rq)
    return True


@register_op("down_read", ("lock", "lock"), lock_kinds=RWSEM_KINDS, might_sleep=True, doc="take an rw_semaphore for read; sleep in D while a writer holds it (or, with readers in, anyone waits)")
def op_down_read(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """down_read()."""
    return _down(m, rq, task, op, True)


@register_op("down_write", ("lock", "lock"), lock_kinds=RWSEM_KINDS, might_sleep=True, doc="take an rw_semaphore for write; sleep in D until no reader or writer holds it")
def op_down_write(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """down_write()."""
    return _down(m, rq, task, op, False)


@register_op("up_read", ("lock", "lock"), lock_kinds=RWSEM_KINDS, doc="release a read hold; the last reader wakes the waiters (rwsem_mark_wake)")
def op_up_read(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """up_read()."""
    return _up(m, rq, task, op, True)


@register_op("up_write", ("lock", "lock"), lock_kinds=RWSEM_KINDS, doc="release the write hold; wake the head writer, or admit the queued readers")
def op_up_write(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """up_write()."""
    return _up(m, rq, task, op, False)


@register_op("downgrade_write", ("lock", "lock"), lock_kinds=RWSEM_KINDS, doc="turn the write hold into a read hold and admit the queued readers")
def op_downgrade_write(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """downgrade_write(): lock_downgrade(), __downgrade_write()."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    if lock.owner != task.pid:
        # lockdep's lock_downgrade() on a lock not held: print_unlock_imbalance_bug()
        bug(m, rq.cpu, task.pid, "WARNING: bad unlock balance detected!", lock.id)
        continue_task(m, rq)
        return True
    lock.owner = 0
    lock.readers.append(task.pid)  # (held_locks already has it)
    m.emit(EV_LOCK_DOWNGRADE, rq.cpu, task.pid, lock.id)
    rwsem_mark_wake(m, lock, rq.cpu, read_owned=True)
    continue_task(m, rq)
    return True


def _trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op, read: bool) -> bool:
    lock = m.locks[op.args[0]]
    task.pc += 1
    # __down_read_trylock(): no RWSEM_READ_FAILED_MASK bit; __down_write_trylock(): count == 0.
    ok = not lock.owner and not lock.wait_list and (read or not lock.readers)
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, int(ok))
    if not ok:
        return False
    lock_trylock_acquired(m, rq, task, lock, acquire_how(0, 1 if read else 0, trylock=True))
    continue_task(m, rq)
    return True


@register_op("down_read_trylock", ("lock", "lock"), lock_kinds=RWSEM_KINDS, returns=True, doc="down_read() if no writer holds it and nobody waits: returns 1, else 0")
def op_down_read_trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """down_read_trylock()."""
    return _trylock(m, rq, task, op, True)


@register_op("down_write_trylock", ("lock", "lock"), lock_kinds=RWSEM_KINDS, returns=True, doc="down_write() if the rw_semaphore is free with no waiter: returns 1, else 0")
def op_down_write_trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """down_write_trylock()."""
    return _trylock(m, rq, task, op, False)


@register_op("init_rwsem", ("lock", "lock"), lock_kinds=RWSEM_KINDS, doc="init_rwsem(): lockdep's lock_init check, then an unlocked rw_semaphore")
def op_init_rwsem(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """init_rwsem() -> __init_rwsem(). A held rw_semaphore is left as it is
    (its holders keep it; lockdep's lock_init hook reports that)."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    lock_init(m, rq, task, lock)
    if not lock.owner and not lock.readers:
        lock.acquired_event = -1
    continue_task(m, rq)
    return True


register_lock_kind("rw_semaphore", "down_write", "up_write")
