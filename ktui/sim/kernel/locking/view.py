"""The locking frozen view: every lock and every detected deadlock, for the
snapshot and the report (what /proc/lock_stat would show of them).

Panes read `LockingView`; the ``locks`` and ``deadlocks`` sections of
``ktui run --json`` are `locking_report` of the same view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


@dataclass(frozen=True, slots=True, eq=False)
class LockView:
    """One lock: owner, waiters, whether it is in a deadlock cycle."""

    id: int
    name: str
    kind: str
    owner: int
    owner_comm: str
    owner_cpu: int
    waiters: tuple[int, ...]
    waiter_comms: tuple[str, ...]
    held_ns: int
    in_cycle: bool
    contentions: int
    acquisitions: int
    cls: str = ""
    """Its lockdep class."""
    readers: tuple[int, ...] = ()
    """pids holding it for read (rwlock, rw_semaphore)."""
    reader_comms: tuple[str, ...] = ()
    count: int = 0
    """A semaphore's count."""
    sequence: int = 0
    """A seqlock's sequence."""
    boost: int = -1
    """The owner's priority while a waiter boosts it above its own
    (rt_mutex priority inheritance: ``prio`` < ``normal_prio``), else -1."""
    boost_by: int = 0
    """The waiter whose prio the owner borrows (its top PI waiter), 0: none."""
    boost_by_comm: str = ""
    owner_normal_prio: int = -1
    """The owner's own prio (``normal_prio``) while boosted."""


@dataclass(frozen=True, slots=True, eq=False)
class DeadlockView:
    """A detected wait-for cycle: ``pids[i]`` wants ``locks[i]``, which
    ``pids[i + 1]`` (the first again at the end) holds since position
    ``acquired[i]``; `event` is the position after the wait that closed it."""

    event: int
    pids: tuple[int, ...]
    comms: tuple[str, ...]
    locks: tuple[str, ...]
    acquired: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True, eq=False)
class LockingView:
    """The locking section of a snapshot."""

    locks: tuple[LockView, ...]
    deadlocks: tuple[DeadlockView, ...]


EMPTY_LOCKING = LockingView((), ())


def locking_view(m: Machine) -> LockingView:
    """The locking view of `m` at its current position."""
    from ktui.sim.kernel.locking.rtmutex import pi_boosted_by

    cycle_locks = {lk for _, _, locks, _ in m.deadlocks for lk in locks}
    locks = []
    for lk in m.locks:
        owner = m.tasks.get(lk.owner) if lk.owner else None
        boosted = owner is not None and owner.prio < owner.normal_prio
        by = pi_boosted_by(m, owner) if owner is not None and boosted else 0
        locks.append(
            LockView(
                lk.id,
                lk.name,
                lk.kind,
                lk.owner,
                owner.comm if owner else "",
                owner.cpu if owner else -1,
                tuple(lk.wait_list),
                tuple(m.comm(p) for p in lk.wait_list),
                m.now - lk.acquired_at if owner else 0,
                lk.id in cycle_locks,
                lk.contentions,
                lk.acquisitions,
                lk.cls,
                tuple(lk.readers),
                tuple(m.comm(p) for p in lk.readers),
                lk.count,
                lk.sequence,
                owner.prio if owner and boosted else -1,
                by,
                m.comm(by) if by else "",
                owner.normal_prio if owner and boosted else -1,
            )
        )
    deadlocks = tuple(
        DeadlockView(ev, pids, tuple(m.comm(p) for p in pids), tuple(m.locks[i].name for i in lks), acq)
        for ev, pids, lks, acq in m.deadlocks
    )
    return LockingView(tuple(locks), deadlocks)


def locking_report(view: object) -> dict[str, object]:
    """The ``locks`` and ``deadlocks`` report sections, from `view`."""
    assert isinstance(view, LockingView)
    locks = [
        {
            "name": lk.name,
            "kind": lk.kind,
            "class": lk.cls,
            "owner": lk.owner_comm or None,
            "owner_pid": lk.owner or None,
            "owner_cpu": lk.owner_cpu if lk.owner else None,
            "held_ns": lk.held_ns,
            "waiters": list(lk.waiter_comms),
            "contentions": lk.contentions,
            "acquisitions": lk.acquisitions,
            "readers": list(lk.reader_comms),
            "boost": lk.boost if lk.boost >= 0 else None,
            "boosted_by": lk.boost_by_comm or None,
            **({"count": lk.count} if lk.kind == "semaphore" else {}),
            **({"sequence": lk.sequence} if lk.kind == "seqlock" else {}),
        }
        for lk in view.locks
    ]
    deadlocks = [
        {
            "tasks": list(d.comms),
            "pids": list(d.pids),
            "locks": list(d.locks),
            "event": d.event,
            "edges": [
                {
                    "task": d.comms[i],
                    "wants": d.locks[i],
                    "held_by": d.comms[(i + 1) % len(d.comms)],
                    "acquired_event": d.acquired[i] if i < len(d.acquired) else None,
                }
                for i in range(len(d.locks))
            ],
        }
        for d in view.deadlocks
    ]
    return {"locks": locks, "deadlocks": deadlocks}
