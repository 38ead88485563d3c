"""rt_mutex with priority inheritance. Models kernel/locking/rtmutex.c,
rtmutex_api.c and rtmutex_common.h (6.x).

* Waiters are ordered by priority (``rt_waiter_node_less()``: the lower
  ``prio`` first; equal priorities in arrival order, as ``rb_add_cached()``
  puts an equal key after the ones already there). ``Lock.wait_list`` is
  that tree in order; a waiter's prio is its task's ``prio``, which is what
  the chain walk keeps ``waiter->tree.prio`` at.
* ``rt_mutex_lock()``: the fast path takes a lock with no owner and no
  waiters; otherwise ``try_to_take_rt_mutex()`` without a waiter may take an
  ownerless lock only by *stealing* it from its top waiter, which needs a
  strictly better priority (``rt_mutex_steal()``, non-PREEMPT_RT). Else
  ``task_blocks_on_rt_mutex()``: the task queues by priority and sleeps in
  D; if it became the top waiter, the owner's priority is adjusted and, if
  the owner is itself blocked on an rt_mutex, the boost walks on through
  that lock (``rt_mutex_adjust_prio_chain()``), requeueing each blocked
  owner at its new prio, up to ``max_lock_depth`` (1024) locks.
* ``rt_mutex_unlock()``: no waiters: the owner is cleared. Else
  ``mark_wakeup_next_waiter()``: the unlocking task is deboosted first
  (so two tasks never run at the same borrowed prio), the lock is left
  ownerless with RT_MUTEX_HAS_WAITERS, and the top waiter is woken; it
  stays queued and takes the lock when it runs, unless a task of better
  priority stole it in between.
* ``rt_mutex_trylock()``: 1 and the lock, or 0; never sleeps.

Each boost or deboost is a ``sched_pi_setprio`` event
(`ktui.sim.kernel.sched.pi`), one per lock of the chain. A cycle of
rt_mutexes is reported by the wait-for check (`deadlock`) when the wait
that closes it begins; the kernel's own -EDEADLK check in the chain walk
only runs with CONFIG_DEBUG_RT_MUTEXES or a full chain walk (futexes), so
for ``rt_mutex_lock()`` a cycle just hangs, as here.

Left out: adaptive spinning on a running owner (``rtmutex_spin_on_owner()``),
deadline waiters (their deadline as the tie-break), PREEMPT_RT's lateral
steal and its rtmutex-based spinlocks, ww_mutex, the interruptible and
timed variants.
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
    lock_acquire,
    lock_acquired,
    lock_contended,
    lock_init,
    lock_release,
    take,
)
from ktui.sim.kernel.printk import printk
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.kernel.sched.pi import __rt_effective_prio, rt_mutex_setprio
from ktui.sim.machine import PRIO_NESTED, register_kind
from ktui.sim.ops import Op, register_lock_kind, register_op

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

D_STATE: Final = int(TaskState.TASK_UNINTERRUPTIBLE)
MAX_LOCK_DEPTH: Final = 1024
"""``max_lock_depth`` (kernel/locking/rtmutex.c, /proc/sys/kernel/max_lock_depth)."""
KIND: Final = "rt_mutex"

PHASE_WARNED: Final = 3
PHASE_TRY: Final = 1
PHASE_WAITING: Final = 2


def rt_mutex_top_waiter_prio(m: Machine, lock: Lock) -> int | None:
    """The prio of the lock's top waiter (``rt_mutex_top_waiter()``), or None."""
    return m.tasks[lock.wait_list[0]].prio if lock.wait_list else None


def pi_top_prio(m: Machine, task: TaskStruct) -> int | None:
    """``task_top_pi_waiter()``'s prio: the best top waiter over the
    rt_mutexes `task` owns (its ``pi_waiters`` tree), or None."""
    best: int | None = None
    for lock_id in task.held_locks:
        lock = m.locks[lock_id]
        if lock.kind != KIND or lock.owner != task.pid:
            continue
        prio = rt_mutex_top_waiter_prio(m, lock)
        if prio is not None and (best is None or prio < best):
            best = prio
    return best


def pi_boosted_by(m: Machine, task: TaskStruct) -> int:
    """The pid of the waiter `task` borrows its prio from, 0 when unboosted."""
    if task.prio >= task.normal_prio:
        return 0
    for lock_id in task.held_locks:
        lock = m.locks[lock_id]
        if lock.kind == KIND and lock.wait_list and m.tasks[lock.wait_list[0]].prio == task.prio:
            return lock.wait_list[0]
    return 0


def enqueue_waiter(m: Machine, lock: Lock, pid: int) -> None:
    """rt_mutex_enqueue(): (re)insert `pid` in prio order, after equals."""
    if pid in lock.wait_list:
        lock.wait_list.remove(pid)
    prio = m.tasks[pid].prio
    pos = len(lock.wait_list)
    for i, other in enumerate(lock.wait_list):
        if prio < m.tasks[other].prio:
            pos = i
            break
    lock.wait_list.insert(pos, pid)


def _adjust_prio_chain(m: Machine, lock_id: int, arg: int) -> bool:
    """One lock of rt_mutex_adjust_prio_chain(): give the owner of `lock_id`
    the prio of its best waiter (or back its own); if that changed it and
    the owner waits on another rt_mutex, requeue it there and go on.
    `arg` is the depth | the walking CPU << 16."""
    depth, cpu = arg & 0xFFFF, arg >> 16
    lock = m.locks[lock_id]
    if lock.owner == 0:
        return False  # released meanwhile: the walk ends
    owner = m.tasks[lock.owner]
    prio = __rt_effective_prio(pi_top_prio(m, owner), owner.normal_prio)
    if not rt_mutex_setprio(m, owner, prio, cpu):
        return False  # nothing changed: the kernel stops the walk here
    nxt = owner.blocked_on
    if nxt < 0 or m.locks[nxt].kind != KIND:
        return True
    if depth + 1 >= MAX_LOCK_DEPTH:
        printk(m, owner.cpu, owner.pid, f"Maximum lock depth {MAX_LOCK_DEPTH} reached task: {owner.comm} ({owner.pid})")
        return True
    enqueue_waiter(m, m.locks[nxt], owner.pid)
    m.push(m.now, PRIO_NESTED, K_PI_CHAIN, nxt, (depth + 1) | cpu << 16)
    return True


K_PI_CHAIN = register_kind("rt_mutex_adjust_prio_chain", _adjust_prio_chain)


def _deboost(m: Machine, pid: int, _b: int) -> bool:
    """rt_mutex_adjust_prio() of mark_wakeup_next_waiter(): the unlocking
    task drops back to its own prio or the best waiter's of the rt_mutexes
    it still owns."""
    task = m.tasks[pid]
    prio = __rt_effective_prio(pi_top_prio(m, task), task.normal_prio)
    return rt_mutex_setprio(m, task, prio, task.cpu)


K_PI_DEBOOST = register_kind("rt_mutex_deboost", _deboost)


def _may_take(m: Machine, lock: Lock, task: TaskStruct) -> bool:
    """try_to_take_rt_mutex(): an ownerless lock is ours if we are its top
    waiter, it has no waiters, or we may steal it from the top waiter."""
    if lock.owner:
        return False
    if not lock.wait_list:
        return True
    if lock.wait_list[0] == task.pid:
        return True
    if task.pid in lock.wait_list:
        return False  # queued, but not the top waiter
    top_prio = rt_mutex_top_waiter_prio(m, lock)
    return top_prio is not None and task.prio < top_prio  # rt_mutex_steal()


def _take(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, how: int) -> bool:
    # take() dequeues our waiter; the rest stay, and the new top waiter
    # goes on our pi_waiters (derived: pi_top_prio()).
    task.op_phase = 0
    task.pc += 1
    take(m, lock, task.pid)
    lock_acquired(m, rq, task, lock, how)
    continue_task(m, rq)
    return True


@register_op("rt_mutex_lock", ("lock", "lock"), lock_kinds=(KIND,), might_sleep=True, doc="take an rt_mutex; sleep in D while held, boosting the owner (and its chain) to the waiter's priority")
def op_rt_mutex_lock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """rt_mutex_lock() -> __rt_mutex_lock_common(): might_sleep(),
    mutex_acquire(), then the fast path or rt_mutex_slowlock()."""
    lock = m.locks[op.args[0]]
    how = acquire_how()
    if task.op_phase == 0 and (m.pcpu[rq.cpu].preempt_count or task.irqs_disabled):
        bug(m, rq.cpu, task.pid, "BUG: sleeping function called from invalid context", lock.id)
        task.op_phase = PHASE_WARNED
        continue_task(m, rq)
        return True
    if task.op_phase in (0, PHASE_WARNED):
        task.op_phase = PHASE_TRY
        lock_acquire(m, rq, task, lock, how)
        continue_task(m, rq)
        return True
    if _may_take(m, lock, task):
        return _take(m, rq, task, lock, how)
    if task.op_phase == PHASE_WAITING:
        # Woken, but a better task stole it: back to sleep, still queued.
        task.state = D_STATE
        continue_task(m, rq)
        return False
    # task_blocks_on_rt_mutex()
    task.op_phase = PHASE_WAITING
    task.state = D_STATE
    lock_contended(m, rq, task, lock, how)
    enqueue_waiter(m, lock, task.pid)
    if lock.owner and lock.wait_list[0] == task.pid:
        m.push(m.now, PRIO_NESTED, K_PI_CHAIN, lock.id, rq.cpu << 16)
    continue_task(m, rq)
    return True


@register_op("rt_mutex_trylock", ("lock", "lock"), lock_kinds=(KIND,), returns=True, doc="rt_mutex_trylock(): 1 and the rt_mutex if it can be had now, else 0; never sleeps")
def op_rt_mutex_trylock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """rt_mutex_trylock(): the fast path or rt_mutex_slowtrylock(); on
    success mutex_acquire(.., trylock=1), then lock_acquired."""
    lock = m.locks[op.args[0]]
    how = acquire_how(trylock=True)
    if task.op_phase == PHASE_TRY:
        return _take(m, rq, task, lock, how)
    ok = _may_take(m, lock, task)
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, int(ok))
    if not ok:
        task.pc += 1
        continue_task(m, rq)
        return False
    task.op_phase = PHASE_TRY
    lock_acquire(m, rq, task, lock, how)
    continue_task(m, rq)
    return True


@register_op("rt_mutex_unlock", ("lock", "lock"), lock_kinds=(KIND,), doc="release an rt_mutex: deboost, then wake the top waiter")
def op_rt_mutex_unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """rt_mutex_unlock() -> rt_mutex_slowunlock()."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    if not lock_release(m, rq, task, lock):
        continue_task(m, rq)
        return True
    lock.owner = 0  # ownerless; RT_MUTEX_HAS_WAITERS when wait_list is not empty
    if lock.wait_list:
        m.push(m.now, PRIO_NESTED, K_PI_DEBOOST, task.pid, 0)
        try_to_wake_up(m, lock.wait_list[0], rq.cpu)
    continue_task(m, rq)
    return True


@register_op("rt_mutex_init", ("lock", "lock"), lock_kinds=(KIND,), doc="rt_mutex_init(): (re)initialise an rt_mutex: no owner, no waiters")
def op_rt_mutex_init(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """rt_mutex_init() -> __rt_mutex_base_init(): owner NULL, empty tree."""
    lock = m.locks[op.args[0]]
    task.pc += 1
    lock_init(m, rq, task, lock)
    if lock.owner and lock.id in m.tasks[lock.owner].held_locks:
        # the owner's hold is clobbered (lockdep reports it, as freeing a
        # held lock); its later unlock is then an unbalanced one
        m.tasks[lock.owner].held_locks.remove(lock.id)
    lock.owner = 0
    lock.wait_list.clear()
    continue_task(m, rq)
    return True


register_lock_kind(KIND, "rt_mutex_lock", "rt_mutex_unlock")
