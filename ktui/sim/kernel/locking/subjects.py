"""Locking's breakpoint subject: ``lock <name> attr``.

Reads what ``struct mutex`` / ``spinlock_t`` hold in the model (the owner,
the wait list; `ktui.sim.kernel.locking.lock.Lock`). Lock ids are the
scenario's ``[locks]`` order, so a name resolves once to its id. Left out:
lock_stat's counters (``contentions`` ...), which the model keeps but no
condition reads yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.breakpoints.subject import Attr, Key, Subject
from ktui.sim.breakpoints.values import Value

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def lock_id(m: Machine, item: str) -> int | None:
    """Id of the lock named `item` in `m`'s scenario."""
    locks = m.cfg.names.locks
    return locks.index(item) if item in locks else None


def lock_get(m: Machine, key: Key, attr: str) -> Value | None:
    """Attribute `attr` of lock `key` (an id)."""
    lock = int(key)
    if lock >= len(m.locks):
        return None
    lk = m.locks[lock]
    if attr == "owner":
        return m.comm(lk.owner) if lk.owner else ""
    if attr == "waiters":
        return len(lk.wait_list)
    if attr == "held":
        return int(lk.owner != 0)
    return None


def _lock_choices(m: Machine) -> Sequence[str]:
    return m.cfg.names.locks


LOCK: Final = Subject(
    keyword="lock",
    items="name",
    what="a lock name",
    attrs={
        "owner": Attr("str", ref="task", doc="comm of the owner, '' when free"),
        "waiters": Attr("num", doc="tasks on its wait list"),
        "held": Attr("bool", doc="has an owner"),
    },
    lookup=lock_id,
    get=lock_get,
    choices=_lock_choices,
)
"""``lock <name> attr``."""
