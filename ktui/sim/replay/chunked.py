"""Big array state whose checkpoints cost what changed, not what it holds.

Memory will keep a ``struct page`` worth of words per frame (262,144 frames
for 1 GiB). A subsystem keeps such state in a `ChunkedArray`: a fixed-length
``array`` split into `CHUNK_WORDS`-word chunks, each remembering whether it
changed since the last checkpoint. A checkpoint made with a `ChunkStore`
(the history's) stores only the chunks that changed, and refers to the others
by id (copy-on-write at chunk granularity, as QEMU's dirty-page tracking for
incremental snapshots); restoring one copies back only the chunks that
differ from the live array, into the same `ChunkedArray` object.

Reads and writes go through ``a[i]`` / ``a[i] = v`` (a write marks its chunk).
"""

from __future__ import annotations

import hashlib
from array import array
from typing import Final

CHUNK_SHIFT: Final = 9
CHUNK_WORDS: Final = 1 << CHUNK_SHIFT
"""Words per chunk (512: 4 KiB of ``'Q'``, a page)."""
_MASK: Final = CHUNK_WORDS - 1


class ChunkedArray:
    """A fixed-length array of machine words, checkpointed by changed chunk.

    Args:
        name: Unique name in the machine (``"mm.pages"``): a restore puts the
            checkpointed contents back into the live array of that name.
        typecode: The ``array`` type code (``'Q'`` for u64).
        length: Number of words (all zero at first).
    """

    __slots__ = ("name", "typecode", "length", "chunks", "ids")

    def __init__(self, name: str, typecode: str, length: int) -> None:
        self.name = name
        self.typecode = typecode
        self.length = length
        nchunks = (length + _MASK) >> CHUNK_SHIFT
        itemsize = array(typecode).itemsize
        self.chunks = [
            array(typecode, bytes(itemsize * min(CHUNK_WORDS, length - (c << CHUNK_SHIFT))))
            for c in range(nchunks)
        ]
        self.ids = [0] * nchunks
        """Per chunk: the `ChunkStore` id holding its current contents, 0 if
        it changed since (bookkeeping, not state: not in the state digest)."""

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, i: int) -> int:
        return self.chunks[i >> CHUNK_SHIFT][i & _MASK]

    def __setitem__(self, i: int, value: int) -> None:
        c = i >> CHUNK_SHIFT
        self.chunks[c][i & _MASK] = value
        self.ids[c] = 0

    def digest(self) -> str:
        """sha256 of the contents (for `checkpoint.canonical`)."""
        h = hashlib.sha256()
        for chunk in self.chunks:
            h.update(chunk.tobytes())
        return h.hexdigest()

    def __reduce__(self) -> tuple[object, ...]:
        # A plain pickle (no store): every chunk, in full.
        return (_from_bytes, (self.name, self.typecode, self.length, tuple(c.tobytes() for c in self.chunks)))


def _from_bytes(name: str, typecode: str, length: int, blobs: tuple[bytes, ...]) -> ChunkedArray:
    a = ChunkedArray.__new__(ChunkedArray)
    a.name, a.typecode, a.length = name, typecode, length
    a.chunks = [array(typecode, b) for b in blobs]
    a.ids = [0] * len(blobs)
    return a


class ChunkStore:
    """Chunk contents shared by checkpoints, with reference counts.

    Ids only grow, so an id never names two contents.
    """

    __slots__ = ("blobs", "refs", "live", "nbytes", "_next", "new_bytes")

    def __init__(self) -> None:
        self.blobs: dict[int, bytes] = {}
        self.refs: dict[int, int] = {}
        self.live: dict[str, ChunkedArray] = {}
        """The machine's arrays by name, which restores write into."""
        self.nbytes = 0
        """Bytes of chunk contents held."""
        self.new_bytes = 0
        """Bytes of chunks stored by the last `save_ids` (for cache bounds)."""
        self._next = 1

    def save_ids(self, a: ChunkedArray, refs: list[int]) -> tuple[int, ...]:
        """The chunk ids of `a` now, storing the changed chunks; each id is
        referenced once more and appended to `refs`."""
        self.live[a.name] = a
        ids = a.ids
        for c, cid in enumerate(ids):
            if cid == 0 or cid not in self.refs:
                blob = a.chunks[c].tobytes()
                cid = self._next
                self._next += 1
                self.blobs[cid] = blob
                self.refs[cid] = 1
                self.nbytes += len(blob)
                self.new_bytes += len(blob)
                ids[c] = cid
            else:
                self.refs[cid] += 1
            refs.append(cid)
        return tuple(ids)

    def release(self, refs: list[int]) -> None:
        """Drop one reference to each id (a checkpoint was forgotten)."""
        for cid in refs:
            n = self.refs[cid] - 1
            if n:
                self.refs[cid] = n
            else:
                del self.refs[cid]
                self.nbytes -= len(self.blobs.pop(cid))

    def load(self, name: str, typecode: str, length: int, ids: tuple[int, ...]) -> ChunkedArray:
        """The live array `name` with the contents of chunk `ids`, copying
        only the chunks that differ."""
        a = self.live.get(name)
        if a is None or a.typecode != typecode or a.length != length:
            a = ChunkedArray(name, typecode, length)
            a.ids = [-1] * len(a.ids)
            self.live[name] = a
        cur = a.ids
        for c, cid in enumerate(ids):
            if cur[c] != cid:
                a.chunks[c] = array(typecode, self.blobs[cid])
                cur[c] = cid
        return a


_LOADING: list[ChunkStore] = []
"""The store of the restore in progress (`checkpoint.restore_into`)."""


def _from_store(name: str, typecode: str, length: int, ids: tuple[int, ...]) -> ChunkedArray:
    return _LOADING[-1].load(name, typecode, length, ids)
