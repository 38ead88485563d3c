"""rwlock_t: the rwlock half of kernel/locking/spinlock.c over qrwlock
(kernel/locking/qrwlock.c, include/asm-generic/qrwlock.h), with the lockdep
hooks of include/linux/rwlock_api_smp.h.

Spinning like `ktui.sim.kernel.locking.spinlock`: preemption off, the
waiting task stays on its CPU (``rq.spinning_on``) until the lock is given to
it. The writer is ``lock.owner`` (``_QW_LOCKED``), the readers
``lock.readers`` (the ``_QR_BIAS`` count); ``lock.wait_list`` is the
``wait_lock`` queue, in arrival order.

qrwlock fairness, as queued_read_lock()/queued_write_lock() do it:

- ``read_lock``: the fast path succeeds unless a writer holds the lock or
  waits for it (``cnts & _QW_WMASK``). queued_read_lock_slowpath(): in
  interrupt context (``in_interrupt()``) the reader only spins while a
  writer *holds* the lock, jumping the queue and any waiting writer; in
  process context it queues on ``wait_lock`` behind everyone already there.
- ``write_lock``: the fast path takes a lock with no readers, writer or
  waiter (``cnts == 0``). queued_write_lock_slowpath(): queue on
  ``wait_lock``; at its head the writer sets ``_QW_WAITING`` (new
  process-context readers now queue behind it) and spins until the readers
  are gone.
- The head of the ``wait_lock`` queue is served when it can be: readers at
  the head get the lock one after the other while no writer holds it (each
  releases ``wait_lock`` to the next), a writer at the head when the lock
  is free.

lockdep: readers call rwlock_acquire_read(), which is
lock_acquire_shared_recursive() (read=2) when read_lock_is_recursive()
(kernel/locking/lockdep.c: ``!IS_ENABLED(CONFIG_QUEUED_RWLOCKS) ||
in_interrupt()``), else lock_acquire_shared() (read=1); writers read=0.
Trylocks call lock_acquire(trylock=1) only on success.

Left out: the exact ``cnts`` word (readers that bumped the bias and back it
off before queueing), ``_QW_WAITING`` seen by an interrupt reader between
queueing and setting it, PREEMPT_RT's rwbase rwlocks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.hw.cpu import continue_task, local_irq_restore
from ktui.sim.include.linux.preempt import (
    PREEMPT_LOCK_OFFSET,
    in_interrupt,
    preempt_count_add,
    preempt_count_sub,
)
from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.entry.common import record_return
from ktui.sim.kernel.locking.lock import (
    Lock,
    acquire_how,
    lock_acquire,
    lock_acquired,
    lock_contended,
    lock_init,
    lock_release,
    lock_trylock_acquired,
    take,
    take_read,
)
from ktui.sim.kernel.sched.core import kick
from ktui.sim.machine import PRIO_CONT
from ktui.sim.ops import Op, register_lock_kind, register_op

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

IRQ_NONE, IRQ_DISABLE, IRQ_SAVE = 0, 1, 2
RWLOCK_KINDS = ("rwlock",)
READ_OPS = frozenset(("read_lock", "read_lock_irq", "read_lock_irqsave"))


def _in_interrupt(m: Machine, cpu: int) -> bool:
    return in_interrupt(m.pcpu[cpu].preempt_count)


def _is_reader(m: Machine, pid: int) -> bool:
    """A waiter spins in one of the read_lock ops (else a write_lock one)."""
    task = m.tasks[pid]
    program = m.cfg.programs[pid]
    return task.pc < len(program) and program[task.pc].name in READ_OPS


def writer_waiting(m: Machine, lock: Lock) -> bool:
    """``_QW_WAITING``: a writer is at the head of the ``wait_lock`` queue."""
    return bool(lock.wait_list) and not _is_reader(m, lock.wait_list[0])


def _grant(m: Machine, pid: int) -> None:
    """The spinner `pid` has the lock now: its CPU stops spinning."""
    rq = m.rqs[m.tasks[pid].cpu]
    rq.spinning_on = -1
    kick(m, rq, m.now, PRIO_CONT)


def rwlock_wake(m: Machine, lock: Lock) -> None:
    """After a change of `lock`: serve the spinners that can go on.

    Interrupt-context readers only wait for a holding writer; then the
    ``wait_lock`` queue's head: readers one after the other while no writer
    holds the lock, a writer once it is free.
    """
    if lock.owner:
        return
    for pid in [p for p in lock.wait_list if _is_reader(m, p) and _in_interrupt(m, m.tasks[p].cpu)]:
        take_read(m, lock, pid)
        _grant(m, pid)
    while lock.wait_list:
        head = lock.wait_list[0]
        if _is_reader(m, head):
            take_read(m, lock, head)
            _grant(m, head)
            continue
        if not lock.readers:
            take(m, lock, head)
            _grant(m, head)
        return


def _lock(m: Machine, rq: Rq, task: TaskStruct, op: Op, irq: int, read: bool) -> bool:
    lock = m.locks[op.args[0]]
    irq_ctx = _in_interrupt(m, rq.cpu)
    how = acquire_how(0, (2 if irq_ctx else 1) if read else 0)
    if task.op_phase == 0:
        if irq == IRQ_SAVE:
            task.saved_irqs.append(task.irqs_disabled)
        if irq:
            task.irqs_disabled = True
        preempt_count_add(m.pcpu[rq.cpu], PREEMPT_LOCK_OFFSET)  # preempt_disable()
        task.op_phase = 1
        lock_acquire(m, rq, task, lock, how)  # rwlock_acquire[_read]()
        continue_task(m, rq)
        return True
    if task.op_phase == 1:
        if read:
            free = not lock.owner and (irq_ctx or not writer_waiting(m, lock))
        else:
            free = not lock.owner and not lock.readers and not lock.wait_list
        if not free:
            # queued_{read,write}_lock_slowpath(): queue and spin.
            task.op_phase = 2
            rq.spinning_on = lock.id
            lock_contended(m, rq, task, lock, how)
            return True
    # Phase 1 free, or phase 2: rwlock_wake() gave us the lock.
    rq.spinning_on = -1
    task.op_phase = 0
    task.pc += 1
    lock_acquired(m, rq, task, lock, how)
    continue_task(m, rq)
    return True


def _unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op, irq: int, read: bool) -> bool:
    lock = m.locks[op.args[0]]
    task.pc += 1
    if not lock_release(m, rq, task, lock, read=read):  # rwlock_release()
        continue_task(m, rq)
        return True
    if not read:
        lock.owner = 0
    rwlock_wake(m, lock)
    if irq == IRQ_SAVE:
        local_irq_restore(m, rq, task, task.saved_irqs.pop() if task.saved_irqs else False)
    elif irq == IRQ_DISABLE:
        local_irq_restore(m, rq, task, False)
    preempt_count_sub(m.pcpu[rq.cpu], PREEMPT_LOCK_OFFSET)  # preempt_enable()
    continue_task(m, rq)
    return True


def _trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op, read: bool) -> bool:
    """queued_read_trylock() / queued_write_trylock(): 1 and the lock (with
    preemption off), or 0 and nothing."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    if read:
        ok = not lock.owner and not writer_waiting(m, lock)
    else:
        ok = not lock.owner and not lock.readers and not lock.wait_list
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, int(ok))
    if not ok:
        return False  # preempt_disable(); preempt_enable(): nothing seen
    preempt_count_add(m.pcpu[rq.cpu], PREEMPT_LOCK_OFFSET)
    read_how = (2 if _in_interrupt(m, rq.cpu) else 1) if read else 0
    lock_trylock_acquired(m, rq, task, lock, acquire_how(0, read_how, trylock=True))
    continue_task(m, rq)
    return True


def _reg_pair(lock_name: str, unlock_name: str, irq: int, read: bool, what: str) -> None:
    def lock_fn(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
        return _lock(m, rq, task, op, irq, read)

    def unlock_fn(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
        return _unlock(m, rq, task, op, irq, read)

    lock_fn.__doc__ = f"{lock_name}()."
    unlock_fn.__doc__ = f"{unlock_name}()."
    register_op(lock_name, ("lock", "lock"), lock_kinds=RWLOCK_KINDS, doc=f"{what}; preemption off")(lock_fn)
    register_op(unlock_name, ("lock", "lock"), lock_kinds=RWLOCK_KINDS, doc=f"undo {lock_name}")(unlock_fn)


_reg_pair("read_lock", "read_unlock", IRQ_NONE, True, "take an rwlock for read, spinning while a writer holds it (or, in process context, waits)")
_reg_pair("write_lock", "write_unlock", IRQ_NONE, False, "take an rwlock for write, spinning until no reader or writer holds it")
_reg_pair("read_lock_irq", "read_unlock_irq", IRQ_DISABLE, True, "local_irq_disable() + read_lock()")
_reg_pair("write_lock_irq", "write_unlock_irq", IRQ_DISABLE, False, "local_irq_disable() + write_lock()")
_reg_pair("read_lock_irqsave", "read_unlock_irqrestore", IRQ_SAVE, True, "save the irq flag, mask interrupts, read_lock()")
_reg_pair("write_lock_irqsave", "write_unlock_irqrestore", IRQ_SAVE, False, "save the irq flag, mask interrupts, write_lock()")


@register_op("read_trylock", ("lock", "lock"), lock_kinds=RWLOCK_KINDS, returns=True, doc="read_lock() if no writer holds or waits for it: returns 1, else 0")
def op_read_trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """read_trylock()."""
    return _trylock(m, rq, task, op, True)


@register_op("write_trylock", ("lock", "lock"), lock_kinds=RWLOCK_KINDS, returns=True, doc="write_lock() if the rwlock is free: returns 1, else 0")
def op_write_trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """write_trylock()."""
    return _trylock(m, rq, task, op, False)


def reset_lock(lock: Lock) -> None:
    """What an init op leaves: an unlocked lock (waiters are kept)."""
    lock.owner = 0
    lock.readers = []
    lock.handoff = False
    lock.acquired_event = -1


@register_op("rwlock_init", ("lock", "lock"), lock_kinds=RWLOCK_KINDS, doc="rwlock_init(): lockdep's lock_init check, then an unlocked rwlock")
def op_rwlock_init(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """rwlock_init() -> __rwlock_init(): lockdep_init_map_wait(), then
    ``*lock = __ARCH_RW_LOCK_UNLOCKED``. A held lock is left as it is
    (its holders keep it; lockdep's lock_init hook reports that)."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    lock_init(m, rq, task, lock)
    if not lock.owner and not lock.readers:
        reset_lock(lock)
    continue_task(m, rq)
    return True


register_lock_kind("rwlock", "write_lock", "write_unlock")
