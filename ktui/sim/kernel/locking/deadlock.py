"""Run-time deadlock detection over the wait-for graph.

When a task starts waiting for a lock, follow the chain task -> lock it waits
for -> that lock's owner -> the lock the owner waits for ... the way
``rt_mutex_adjust_prio_chain()`` (kernel/locking/rtmutex.c) walks owner
chains and returns -EDEADLK; a lock held for read (rwlock, rw_semaphore) is
waited for through each of its readers. A chain that comes back to the new waiter is a
deadlock that this very wait closed: the machine emits a ``deadlock`` event
naming the tasks, the locks and the event that closed the cycle, and runs
stop there. (The kernel itself only finds such cycles for rt-mutexes; for
mutexes and spinlocks it is the hung-task or soft-lockup detector that fires,
much later. Lockdep, which predicts them, is the lockdep issue's.) The
check runs as the ``lock_contended`` hook of `ktui.sim.kernel.locking.lock`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.locking.lock import Lock, register_lock_hook
from ktui.sim.machine import PRIO_CONT, register_kind
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

EV_DEADLOCK = define_event(
    "deadlock", "ktui", ("tasks", "pids"), ("locks", "locks"), ("event", "event")
)


def holders(lock: Lock) -> list[int]:
    """Who a waiter for `lock` waits for: its owner, else its readers (an
    rwlock or rw_semaphore held for read), in the order they took it."""
    return [lock.owner] if lock.owner else list(lock.readers)


def find_cycle(m: Machine, start: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The wait-for cycle through task `start`, as (pids, lock ids), or None.

    A task waits for every holder of the lock it is blocked on: a writer
    waiting on a read-held lock waits for each reader, so the walk is a
    depth-first search, holders in order (the first cycle found is the
    one reported; deterministic).
    """
    pids = [start]
    locks: list[int] = []
    seen: set[int] = {start}

    def walk(pid: int) -> bool:
        lock_id = m.tasks[pid].blocked_on
        if lock_id < 0:
            return False
        for holder in holders(m.locks[lock_id]):
            if holder == start:
                locks.append(lock_id)
                return True
            if holder in seen:
                continue  # a cycle without `start` (found before), or a visited branch
            seen.add(holder)
            pids.append(holder)
            locks.append(lock_id)
            if walk(holder):
                return True
            pids.pop()
            locks.pop()
        return False

    if walk(start):
        return tuple(pids), tuple(locks)
    return None


def check_deadlock(m: Machine, task: TaskStruct, lock: Lock, _how: int) -> None:
    """The ``lock_contended`` hook: `task` began waiting for `lock` (its
    lock_contended was the last event); queue a ``deadlock`` event if that
    closed a cycle."""
    cycle = find_cycle(m, task.pid)
    if cycle is None:
        return
    pids, locks = cycle
    # where each edge began: the position after its owner's lock_acquired
    acquired = tuple(m.locks[lk].acquired_event for lk in locks)
    m.deadlocks.append((m.nr_events, pids, locks, acquired))
    m.push(m.now, PRIO_CONT, K_DEADLOCK, len(m.deadlocks) - 1, 0)


def _emit_deadlock(m: Machine, index: int, _b: int) -> bool:
    closing, pids, locks, _acquired = m.deadlocks[index]
    cpu = m.tasks[pids[0]].cpu
    m.emit(EV_DEADLOCK, cpu, pids[0], len(pids), *pids, len(locks), *locks, closing)
    return True


K_DEADLOCK = register_kind("deadlock", _emit_deadlock)
register_lock_hook("lock_contended", check_deadlock)
