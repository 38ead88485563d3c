"""Spinlocks. Models kernel/locking/spinlock.c over qspinlock
(kernel/locking/qspinlock.c) with the lockdep hooks of
include/linux/spinlock_api_smp.h.

``spin_lock()``: ``preempt_disable()``, ``lock_acquire``, then the
``LOCK_CONTENDED()`` pattern: a free lock is taken at once; a held one emits
``lock_contended`` and the CPU spins, still running the task, with preemption
off (ticks still come and account its time, but cannot preempt it). Waiters
queue in arrival order, as on the MCS queue, and the unlock hands the lock to
the head of the queue. The ``_irq``/``_irqsave`` variants also mask
interrupts, so the tick waits until ``spin_unlock_irq[restore]``. Taking a
spinlock the task already holds spins forever: the CONFIG_DEBUG_SPINLOCK
"spinlock recursion" case, reported as a deadlock of one.
``spin_lock_nested(lock, subclass)`` is ``spin_lock()`` telling lockdep the
subclass (include/linux/spinlock.h). A ``raw_spinlock`` is the same lock on
!PREEMPT_RT kernels; the ``raw_spin_*`` ops take either kind.

Left out: the pending bit and lock stealing before queueing, paravirt
spinlocks, raw vs. sleeping spinlocks on PREEMPT_RT.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING

from ktui.sim.hw.cpu import continue_task, local_irq_restore
from ktui.sim.include.linux.irqflags import trace_hardirqs_off
from ktui.sim.include.linux.preempt import PREEMPT_LOCK_OFFSET, preempt_count_add, preempt_count_sub
from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.locking.lock import (
    acquire_how,
    lock_acquire,
    lock_acquired,
    lock_contended,
    lock_release,
    take,
)
from ktui.sim.kernel.sched.core import kick
from ktui.sim.machine import PRIO_CONT
from ktui.sim.ops import Op, register_lock_kind, register_op

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

IRQ_NONE, IRQ_DISABLE, IRQ_SAVE = 0, 1, 2


SPIN_KINDS = ("spinlock", "raw_spinlock")


def _lock(m: Machine, rq: Rq, task: TaskStruct, op: Op, irq: int, subclass: int = 0) -> bool:
    lock = m.locks[op.args[0]]
    how = acquire_how(subclass)
    if task.op_phase == 0:
        if irq == IRQ_SAVE:
            task.saved_irqs.append(task.irqs_disabled)
        if irq and not task.irqs_disabled:
            task.irqs_disabled = True
            trace_hardirqs_off(m, rq.cpu, task.pid)
        preempt_count_add(m.pcpu[rq.cpu], PREEMPT_LOCK_OFFSET)  # preempt_disable()
        task.op_phase = 1
        lock_acquire(m, rq, task, lock, how)  # spin_acquire()
        continue_task(m, rq)
        return True
    if task.op_phase == 1 and lock.owner != 0:
        # LOCK_CONTENDED(): queue and spin, still on the CPU.
        task.op_phase = 2
        rq.spinning_on = lock.id
        lock_contended(m, rq, task, lock, how)
        return True
    # Phase 1 uncontended, or phase 2: the unlocker handed us the lock.
    rq.spinning_on = -1
    task.op_phase = 0
    task.pc += 1
    lock_acquired(m, rq, task, lock, how)
    continue_task(m, rq)
    return True


def _unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op, irq: int) -> bool:
    lock = m.locks[op.args[0]]
    task.pc += 1
    if not lock_release(m, rq, task, lock):  # spin_release()
        continue_task(m, rq)
        return True
    lock.owner = 0
    if lock.wait_list:
        # The MCS queue head now owns the lock word; its CPU stops spinning.
        nxt = m.tasks[lock.wait_list[0]]
        take(m, lock, nxt.pid)
        m.rqs[nxt.cpu].spinning_on = -1
        kick(m, m.rqs[nxt.cpu], m.now, PRIO_CONT)
    if irq == IRQ_SAVE:
        local_irq_restore(m, rq, task, task.saved_irqs.pop() if task.saved_irqs else False)
    elif irq == IRQ_DISABLE:
        local_irq_restore(m, rq, task, False)
    # preempt_enable(): need_resched is seen at the next op boundary.
    preempt_count_sub(m.pcpu[rq.cpu], PREEMPT_LOCK_OFFSET)
    continue_task(m, rq)
    return True


@register_op("spin_lock", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="take a spinlock, spinning while it is held; preemption off")
def op_spin_lock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_lock()."""
    return _lock(m, rq, task, op, IRQ_NONE)


@register_op("spin_unlock", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="release a spinlock to the next spinner")
def op_spin_unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_unlock()."""
    return _unlock(m, rq, task, op, IRQ_NONE)


@register_op("spin_lock_irq", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="local_irq_disable() + spin_lock()")
def op_spin_lock_irq(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_lock_irq()."""
    return _lock(m, rq, task, op, IRQ_DISABLE)


@register_op("spin_unlock_irq", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="spin_unlock() + local_irq_enable()")
def op_spin_unlock_irq(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_unlock_irq()."""
    return _unlock(m, rq, task, op, IRQ_DISABLE)


@register_op("spin_lock_irqsave", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="save the irq flag, mask interrupts, spin_lock()")
def op_spin_lock_irqsave(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_lock_irqsave()."""
    return _lock(m, rq, task, op, IRQ_SAVE)


@register_op("spin_unlock_irqrestore", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="spin_unlock(), then restore the saved irq flag")
def op_spin_unlock_irqrestore(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_unlock_irqrestore()."""
    return _unlock(m, rq, task, op, IRQ_SAVE)


@register_op(
    "spin_lock_nested",
    ("lock", "lock"),
    ("subclass", "int"),
    lock_kinds=SPIN_KINDS,
    doc="spin_lock() of a lock of lockdep subclass N (0..7), for nesting locks of one class",
)
def op_spin_lock_nested(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_lock_nested(): spin_lock() with lockdep subclass ``op.args[1]``."""
    return _lock(m, rq, task, op, IRQ_NONE, op.args[1])


@register_op("raw_spin_lock", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="raw_spin_lock(): spin_lock() of a raw_spinlock_t")
def op_raw_spin_lock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """raw_spin_lock()."""
    return _lock(m, rq, task, op, IRQ_NONE)


@register_op("raw_spin_unlock", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="raw_spin_unlock()")
def op_raw_spin_unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """raw_spin_unlock()."""
    return _unlock(m, rq, task, op, IRQ_NONE)


register_lock_kind("spinlock", "spin_lock", "spin_unlock")
register_lock_kind("raw_spinlock", "raw_spin_lock", "raw_spin_unlock")


# -- the _bh forms (kernel/softirq.py's BH count) ---------------------------
def _softirq() -> ModuleType:
    """kernel/softirq.py, imported late: it imports the CPU model this module does."""
    from ktui.sim.kernel import softirq

    return softirq


@register_op("spin_lock_bh", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="local_bh_disable() + spin_lock(): softirqs wait on this CPU")
def op_spin_lock_bh(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_lock_bh(): __raw_spin_lock_bh() adds SOFTIRQ_LOCK_OFFSET
    (SOFTIRQ_DISABLE_OFFSET here, PREEMPT_LOCK_OFFSET in `_lock`)."""
    if task.op_phase == 0:
        sirq = _softirq()
        sirq.local_bh_disable_cnt(m, rq, task, sirq.SOFTIRQ_DISABLE_OFFSET)
    return _lock(m, rq, task, op, IRQ_NONE)


@register_op("spin_unlock_bh", ("lock", "lock"), lock_kinds=SPIN_KINDS, doc="spin_unlock() + local_bh_enable(): pending softirqs run here")
def op_spin_unlock_bh(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """spin_unlock_bh(): the unlock, then __local_bh_enable_ip(SOFTIRQ_LOCK_OFFSET)
    (its preempt part dropped by `_unlock`), running pending softirqs."""
    _unlock(m, rq, task, op, IRQ_NONE)
    sirq = _softirq()
    if sirq.local_bh_enable_cnt(m, rq, task, sirq.SOFTIRQ_DISABLE_OFFSET):
        sirq.do_softirq(m, rq.cpu)
    return True
