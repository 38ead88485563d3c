"""Whole-machine invariant checks (drgn's ``validate_*`` style).

`validate_machine` raises `SimInvariantError` on the first broken invariant:
the fair run queues (`debug.validate_cfs_rq`), one current task per CPU that
is on that CPU, lock owners and waiters consistent with the tasks' held and
blocked-on locks. Tests call it after every step of random runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.errors import SimInvariantError
from ktui.sim.kernel.sched.debug import validate_cfs_rq

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def validate_machine(m: Machine) -> None:
    """Check every invariant the model keeps; raise on the first broken one."""
    for rq in m.rqs:
        validate_cfs_rq(m, rq)
        if rq.curr:
            task = m.tasks[rq.curr]
            if not task.on_cpu or task.cpu != rq.cpu:
                raise SimInvariantError(f"cpu{rq.cpu}: curr pid {rq.curr} not on this CPU")
    running = [t.pid for t in m.tasks.values() if t.on_cpu]
    if len(running) != sum(1 for rq in m.rqs if rq.curr):
        raise SimInvariantError(f"tasks marked on_cpu {running} != the CPUs' curr")
    for lock in m.locks:
        if lock.owner and lock.id not in m.tasks[lock.owner].held_locks:
            waiting_handoff = m.tasks[lock.owner].blocked_on == lock.id
            if not waiting_handoff:
                raise SimInvariantError(f"lock {lock.name}: owner {lock.owner} does not hold it")
        for pid in lock.wait_list:
            if m.tasks[pid].blocked_on != lock.id and lock.kind == "spinlock":
                raise SimInvariantError(f"lock {lock.name}: waiter {pid} not blocked on it")
    for task in m.tasks.values():
        for lock_id in task.held_locks:
            if m.locks[lock_id].owner != task.pid:
                raise SimInvariantError(f"pid {task.pid} holds {m.locks[lock_id].name} it does not own")
