"""Lock invariants (drgn's ``validate_*`` style): owners and waiters agree
with the tasks' held and blocked-on locks. Run by the tests after every event."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.errors import SimInvariantError

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def validate_locks(m: Machine) -> None:
    """Raise `SimInvariantError` on the first lock inconsistent with its tasks."""
    for lock in m.locks:
        for pid in lock.readers:
            if lock.id not in m.tasks[pid].held_locks:
                raise SimInvariantError(f"lock {lock.name}: reader {pid} does not hold it")
        if lock.owner and lock.id not in m.tasks[lock.owner].held_locks:
            waiting_handoff = m.tasks[lock.owner].blocked_on == lock.id
            if not waiting_handoff:
                raise SimInvariantError(f"lock {lock.name}: owner {lock.owner} does not hold it")
        for pid in lock.wait_list:
            if m.tasks[pid].blocked_on != lock.id and lock.kind == "spinlock":
                raise SimInvariantError(f"lock {lock.name}: waiter {pid} not blocked on it")
    for task in m.tasks.values():
        for lock_id in task.held_locks:
            lock = m.locks[lock_id]
            if lock.owner != task.pid and task.pid not in lock.readers:
                raise SimInvariantError(f"pid {task.pid} holds {m.locks[lock_id].name} it does not own")
