"""``cfs_rq->tasks_timeline``: the fair class's augmented tree.

Models the rb_root_cached of kernel/sched/fair.c with its augmented
callbacks (``RB_DECLARE_CALLBACKS(static, min_vruntime_cb, ...)``): entities
in key order (``__entity_less()``), each subtree knowing the least vruntime
below it, so that ``__pick_eevdf()`` finds the leftmost eligible entity by
descending from the root instead of walking the tree.

The shape is a two-level B-tree rather than a red-black tree: the entries
``(key, seq, pid)`` sit in sorted blocks of at most ``2 * LOAD`` entries, and
a segment tree over the blocks holds each block's least vruntime (the
subtree minima). Insertion and removal are O(log n) plus O(LOAD) inside one
block; `first_eligible` descends the segment tree in O(log n) and scans one
block. ``seq`` (a per-machine insertion counter) keeps equal keys in
insertion order, as ``rb_add_cached()`` puts an equal key to the right of
the ones already there. The entities' vruntimes do not change while they are
in the tree (``curr`` is kept out of it, as in the kernel), so each entry's
vruntime is stored beside it.

Left out: the ``min_slice`` augmentation (a count per slice value on the
cfs_rq does its job), the rb colours.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Final

from ktui.sim.state import PlainState

Entry = tuple[int, int, int]
"""``(key, seq, pid)``: key is vruntime (CFS, 6.6, 6.7) or deadline (6.8+)."""

LOAD: Final = 16
"""Half the largest block: a block of more than ``2 * LOAD`` entries splits."""
INF: Final = 1 << 127
"""Larger than any vruntime: the minimum of an empty segment."""


class TasksTimeline(PlainState):
    """The sorted entries with per-block vruntime minima and a segment tree.

    Attributes:
        blocks: Sorted blocks of entries; all non-empty, in key order.
        vblocks: The vruntime of each entry, block by block.
        maxes: The last entry of each block (bisect target).
        seg: Segment tree of block minima: ``seg[size + i]`` is block i's
            least vruntime, ``seg[j] = min(seg[2j], seg[2j+1])``; ``seg[1]``
            is the root's ``min_vruntime``.
        size: Leaves in ``seg`` (a power of two >= number of blocks).
        count: Entries in the tree.
    """

    __slots__ = ("blocks", "vblocks", "maxes", "seg", "size", "count")

    def __init__(self) -> None:
        self.blocks: list[list[Entry]] = []
        self.vblocks: list[list[int]] = []
        self.maxes: list[Entry] = []
        self.seg: list[int] = [INF, INF]
        self.size = 1
        self.count = 0

    # -- read --------------------------------------------------------------
    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def __iter__(self) -> Iterator[Entry]:
        for block in self.blocks:
            yield from block

    def __getitem__(self, index: int) -> Entry:
        """The entry at in-order position `index` (0 is the leftmost)."""
        if index < 0:
            index += self.count
        for block in self.blocks:
            if index < len(block):
                return block[index]
            index -= len(block)
        raise IndexError(index)

    def __contains__(self, entry: object) -> bool:
        if not isinstance(entry, tuple):
            return False
        try:
            self.index(entry)
        except ValueError:
            return False
        return True

    def index(self, entry: Entry) -> int:
        """In-order position of `entry` (ValueError if absent)."""
        b = bisect_left(self.maxes, entry)
        if b < len(self.blocks):
            block = self.blocks[b]
            i = bisect_left(block, entry)
            if i < len(block) and block[i] == entry:
                return sum(len(x) for x in self.blocks[:b]) + i
        raise ValueError(f"{entry} is not in the tree")

    def min_vruntime(self) -> int:
        """The root's augmented ``se->min_vruntime`` (the tree must not be empty)."""
        return self.seg[1]

    def first_eligible(self, limit: int) -> int:
        """pid of the leftmost entry whose vruntime is <= `limit`, 0 if none.

        ``__pick_eevdf()``'s descent: go left while the left subtree holds an
        eligible entity (its min_vruntime is eligible), here down the segment
        tree to the first such block, then along that block.
        """
        seg = self.seg
        if seg[1] > limit:
            return 0
        j = 1
        size = self.size
        while j < size:
            j <<= 1
            if seg[j] > limit:
                j += 1
        b = j - size
        vblock = self.vblocks[b]
        for i, v in enumerate(vblock):
            if v <= limit:
                return self.blocks[b][i][2]
        raise AssertionError("segment tree out of date")  # pragma: no cover

    # -- write -------------------------------------------------------------
    def add(self, entry: Entry, vruntime: int) -> None:
        """rb_add_augmented_cached(): insert and update the minima up the path."""
        self.count += 1
        maxes = self.maxes
        if not maxes:
            self.blocks.append([entry])
            self.vblocks.append([vruntime])
            maxes.append(entry)
            self._rebuild()
            return
        b = bisect_left(maxes, entry)
        if b == len(maxes):
            b -= 1
        block = self.blocks[b]
        i = bisect_right(block, entry)
        block.insert(i, entry)
        vblock = self.vblocks[b]
        vblock.insert(i, vruntime)
        if i == len(block) - 1:
            maxes[b] = entry
        if len(block) > 2 * LOAD:
            # split in two halves; the block count changes: rebuild the index
            self.blocks.insert(b + 1, block[LOAD:])
            self.vblocks.insert(b + 1, vblock[LOAD:])
            del block[LOAD:], vblock[LOAD:]
            maxes.insert(b, block[-1])
            self._rebuild()
            return
        seg = self.seg
        j = self.size + b
        if vruntime < seg[j]:
            seg[j] = vruntime
            j >>= 1
            while j and vruntime < seg[j]:
                seg[j] = vruntime
                j >>= 1

    def remove(self, entry: Entry) -> None:
        """rb_erase_augmented_cached(): remove and recompute the path's minima.

        Raises:
            ValueError: `entry` is not in the tree.
        """
        maxes = self.maxes
        b = bisect_left(maxes, entry)
        block = self.blocks[b] if b < len(maxes) else []
        i = bisect_left(block, entry)
        if i == len(block) or block[i] != entry:
            raise ValueError(f"{entry} is not in the tree")
        self.count -= 1
        vblock = self.vblocks[b]
        del block[i]
        v = vblock.pop(i)
        if not block:
            del self.blocks[b], self.vblocks[b], maxes[b]
            self._rebuild()
            return
        if i == len(block):
            maxes[b] = block[-1]
        seg = self.seg
        j = self.size + b
        if v == seg[j]:
            seg[j] = min(vblock)
            j >>= 1
            while j:
                m = seg[2 * j]
                r = seg[2 * j + 1]
                m = r if r < m else m
                if seg[j] == m:
                    break
                seg[j] = m
                j >>= 1

    def _rebuild(self) -> None:
        """Recompute the segment tree after the number of blocks changed."""
        n = len(self.vblocks)
        size = 1
        while size < n:
            size <<= 1
        seg = [INF] * (2 * size)
        for b, vblock in enumerate(self.vblocks):
            seg[size + b] = min(vblock)
        for j in range(size - 1, 0, -1):
            seg[j] = min(seg[2 * j], seg[2 * j + 1])
        self.seg = seg
        self.size = size
