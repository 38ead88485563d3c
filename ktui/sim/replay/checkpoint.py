"""Checkpoints and the state digest. As QEMU's replay snapshots: a whole copy
of the machine state, taken every so many events, from which any position is
reached by replaying forward.

A checkpoint is the machine state pickled into one `bytes` object: compact
(slot objects pickle as flat tuples, see `ktui.sim.state`), and invisible to
the garbage collector. It is not compressed: zlib would take a third off the
size but add a third to the time of every checkpoint. Only
checkpoints this process made are ever unpickled; no user input goes near
`pickle`.

`state_hash` digests a canonical form of the state (tuples of ints and
strings, walked field by field in slot order), not the pickle, so it does not
depend on object identity, sharing or the Python version's pickle details.
"""

from __future__ import annotations

import hashlib
import pickle
import random
from typing import TYPE_CHECKING

from sortedcontainers import SortedList

if TYPE_CHECKING:
    from ktui.sim.machine import Config, Machine

Canonical = None | bool | int | float | str | tuple["Canonical", ...]


def save(m: Machine) -> bytes:
    """The whole state of `m` (without its static config) as compact bytes.

    What is pickled is ``Machine.__getstate__()``, the tuple of its slots, so
    that `restore_into` can put it back into an existing machine.
    """
    return pickle.dumps(m.__getstate__(), protocol=pickle.HIGHEST_PROTOCOL)


def restore_into(m: Machine, blob: bytes) -> None:
    """Put checkpoint `blob` back into `m` itself (restore in place).

    The machine object stays the same, so every caller holding it sees the
    restored state; its static config (``m.cfg``) is untouched.
    """
    m.__setstate__(pickle.loads(blob))  # noqa: S301 - our own bytes


def restore(blob: bytes, cfg: Config) -> Machine:
    """A new machine from checkpoint `blob` (made by `save` in this process)."""
    from ktui.sim.machine import Machine

    m = Machine.__new__(Machine)
    m.__setstate__(pickle.loads(blob))  # noqa: S301 - our own bytes
    m.cfg = cfg
    return m


def _slots(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        for s in getattr(klass, "__slots__", ()):
            if s not in names and s != "cfg":
                names.append(s)
    return tuple(names)


_SLOTS_CACHE: dict[type, tuple[str, ...]] = {}


def canonical(obj: object) -> Canonical:
    """A canonical, identity-free form of a piece of state."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, (list, tuple)):
        return tuple(canonical(x) for x in obj)
    if isinstance(obj, SortedList):
        return ("SortedList", tuple(canonical(x) for x in obj))
    if isinstance(obj, dict):
        items = sorted(obj.items(), key=lambda kv: (type(kv[0]).__name__, kv[0]))
        return ("dict", tuple((canonical(k), canonical(v)) for k, v in items))
    if isinstance(obj, random.Random):
        return ("Random", canonical(obj.getstate()))
    cls = type(obj)
    slots = _SLOTS_CACHE.get(cls)
    if slots is None:
        slots = _SLOTS_CACHE[cls] = _slots(cls)
    if not slots:
        raise TypeError(f"state object of type {cls.__name__} has no __slots__")
    return (cls.__name__, tuple(canonical(getattr(obj, s)) for s in slots))


def state_hash(m: Machine) -> str:
    """A stable digest of the whole machine state (16 hex digits)."""
    return hashlib.sha256(repr(canonical(m)).encode()).hexdigest()[:16]
