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
import io
import pickle
import random
from array import array
from typing import TYPE_CHECKING

from sortedcontainers import SortedList

from ktui.sim.replay.chunked import _LOADING, ChunkedArray, ChunkStore, _from_store

if TYPE_CHECKING:
    from ktui.sim.machine import Config, Machine

Canonical = None | bool | int | float | str | tuple["Canonical", ...]


class _ChunkPickler(pickle.Pickler):
    """Pickles `ChunkedArray`s as chunk ids in a `ChunkStore` (changed chunks only)."""

    def __init__(self, f: io.BytesIO, store: ChunkStore, refs: list[int]) -> None:
        super().__init__(f, protocol=pickle.HIGHEST_PROTOCOL)
        self.store = store
        self.refs = refs

    def reducer_override(self, obj: object) -> object:  # type: ignore[override]
        if type(obj) is ChunkedArray:
            ids = self.store.save_ids(obj, self.refs)
            return (_from_store, (obj.name, obj.typecode, obj.length, ids))
        return NotImplemented


def save(m: Machine, store: ChunkStore | None = None, refs: list[int] | None = None) -> bytes:
    """The whole state of `m` (without its static config) as compact bytes.

    What is pickled is ``Machine.__getstate__()``, the tuple of its slots, so
    that `restore_into` can put it back into an existing machine.

    Args:
        m: The machine.
        store: Keep `ChunkedArray` contents here, only the chunks changed
            since the last checkpoint (the blob then refers to the store);
            without one they are pickled in full.
        refs: With `store`: receives the chunk ids this checkpoint holds a
            reference to (release them with `ChunkStore.release`).
    """
    if store is None:
        return pickle.dumps(m.__getstate__(), protocol=pickle.HIGHEST_PROTOCOL)
    f = io.BytesIO()
    _ChunkPickler(f, store, refs if refs is not None else []).dump(m.__getstate__())
    return f.getvalue()


def restore_into(m: Machine, blob: bytes, store: ChunkStore | None = None) -> None:
    """Put checkpoint `blob` back into `m` itself (restore in place).

    The machine object stays the same, so every caller holding it sees the
    restored state; its static config (``m.cfg``) is untouched. A blob saved
    with a `ChunkStore` needs the same store; its `ChunkedArray`s are
    restored into the live ones, copying only the chunks that differ.
    """
    if store is None:
        m.__setstate__(pickle.loads(blob))  # noqa: S301 - our own bytes
        return
    _LOADING.append(store)
    try:
        m.__setstate__(pickle.loads(blob))  # noqa: S301 - our own bytes
    finally:
        _LOADING.pop()


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
    if isinstance(obj, ChunkedArray):
        return ("ChunkedArray", obj.name, obj.typecode, obj.length, obj.digest())
    if isinstance(obj, array):
        return ("array", obj.typecode, hashlib.sha256(obj.tobytes()).hexdigest())
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
