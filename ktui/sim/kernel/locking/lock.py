"""The lock object shared by every lock kind, and the lock tracepoints.

Holds what ``struct mutex`` and ``spinlock_t`` have in common in the model:
an owner (``mutex->owner`` / the debug ``spinlock->owner``), a FIFO of
waiters (``mutex->wait_list`` / the qspinlock MCS queue) and the name its
``lockdep_map`` carries. Tracepoints are those of include/trace/events/lock.h
(CONFIG_LOCKDEP / CONFIG_LOCK_STAT): ``lock_acquire`` when a task asks,
``lock_contended`` when it has to wait, ``lock_acquired`` when it has it,
``lock_release``. Left out: lock addresses, subclasses, read locks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.printk import printk
from ktui.sim.state import PlainState
from ktui.sim.trace import Event, define_event, register_format, symbol

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

EV_LOCK_ACQUIRE = define_event("lock_acquire", "lock", ("lock", "lock"))
EV_LOCK_CONTENDED = define_event("lock_contended", "lock", ("lock", "lock"))
EV_LOCK_ACQUIRED = define_event("lock_acquired", "lock", ("lock", "lock"))
EV_LOCK_RELEASE = define_event("lock_release", "lock", ("lock", "lock"))
EV_BUG = define_event("bug", "ktui", ("msg", "sym"), ("lock", "lock"))


def _format_lock_event(ev: Event) -> str:
    # TP_printk("%s", name) in include/trace/events/lock.h (address omitted)
    return str(ev.fields["lock"])


for _name in ("lock_acquire", "lock_contended", "lock_acquired", "lock_release"):
    register_format(_name, _format_lock_event)
register_format("bug", lambda ev: f"{ev.fields['msg']} (lock {ev.fields['lock']})")


class Lock(PlainState):
    """One lock of the scenario.

    Attributes:
        id: Index in ``[locks]`` order.
        name: Its name (the lockdep class name).
        kind: ``mutex`` or ``spinlock``.
        owner: pid holding it, 0 when free.
        wait_list: pids waiting, in arrival order.
        handoff: MUTEX_FLAG_HANDOFF: the next unlock gives the mutex straight
            to the first waiter.
        acquired_at: When the owner got it (ns).
        contentions: lock_stat ``contentions``.
        acquisitions: lock_stat ``acquisitions``.
    """

    __slots__ = (
        "id",
        "name",
        "kind",
        "owner",
        "wait_list",
        "handoff",
        "acquired_at",
        "contentions",
        "acquisitions",
    )

    def __init__(self, lock_id: int, name: str, kind: str) -> None:
        self.id = lock_id
        self.name = name
        self.kind = kind
        self.owner = 0
        self.wait_list: list[int] = []
        self.handoff = False
        self.acquired_at = 0
        self.contentions = 0
        self.acquisitions = 0


def init_locks(m: Machine) -> None:
    """Create the scenario's locks, all free."""
    m.locks = [Lock(spec.id, spec.name, spec.kind) for spec in m.cfg.scenario.locks]


def take(m: Machine, lock: Lock, pid: int) -> None:
    """Make `pid` the owner of `lock` and record it among its held locks."""
    lock.owner = pid
    lock.acquired_at = m.now
    lock.acquisitions += 1
    task = m.tasks[pid]
    task.held_locks.append(lock.id)
    task.blocked_on = -1
    if pid in lock.wait_list:
        lock.wait_list.remove(pid)


def bug(m: Machine, cpu: int, pid: int, message: str, lock_id: int) -> None:
    """Emit a ``bug`` event: what the kernel would print as BUG/WARNING."""
    printk(m, cpu, pid, message)
    m.emit(EV_BUG, cpu, pid, symbol(message), lock_id)
