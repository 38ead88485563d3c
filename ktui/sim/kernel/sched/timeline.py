"""``cfs_rq->tasks_timeline``: the fair class's augmented tree.

Models the rb_root_cached of kernel/sched/fair.c with its augmented
callbacks: entities in key order (``__entity_less()``), each subtree knowing
the least augmented value below it, so that ``__pick_eevdf()`` descends from
the root instead of walking the tree. From 6.8 the key is the deadline and
the augmented value the vruntime (``min_vruntime_cb``): the pick is the
leftmost eligible entity (`first_eligible`). In 6.6/6.7 the key is the
vruntime, so the eligible entities are a prefix of the tree, and the
augmented value is the deadline (``min_deadline_cb``): the pick is the
earliest deadline in that prefix (`min_in_prefix`). Before 6.6 (CFS) the
augmented value is the vruntime and unused.

The shape is a two-level B-tree rather than a red-black tree: the entries
``(key, seq, pid)`` sit in sorted blocks of at most ``2 * LOAD`` entries, and
a segment tree over the blocks holds each block's least augmented value
(the subtree minima). Insertion and removal are O(log n) plus O(LOAD) inside
one block; the picks descend the segment tree in O(log n) and scan one or
two blocks. ``seq`` (a per-machine insertion counter) keeps equal keys in
insertion order, as ``rb_add_cached()`` puts an equal key to the right of
the ones already there. An entity's vruntime and deadline do not change
while it is in the tree (``curr`` is kept out of it, as in the kernel), so
each entry's augmented value is stored beside it.

Left out: the ``min_slice`` augmentation (a count per slice value on the
cfs_rq does its job), the rb colours.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from typing import Final

from ktui.sim.state import PlainState, mypyc_attr

Entry = tuple[int, int, int]
"""``(key, seq, pid)``: key is vruntime (CFS, 6.6, 6.7) or deadline (6.8+)."""

LOAD: Final = 16
"""Half the largest block: a block of more than ``2 * LOAD`` entries splits."""
INF: Final = 1 << 127
"""Larger than any vruntime or deadline: the minimum of an empty segment."""


@mypyc_attr(allow_interpreted_subclasses=True)
class TasksTimeline(PlainState):
    """The sorted entries with per-block minima and a segment tree over them.

    Attributes:
        blocks: Sorted blocks of entries; all non-empty, in key order.
        ablocks: The augmented value of each entry (vruntime, or deadline
            in 6.6/6.7), block by block.
        maxes: The last entry of each block (bisect target).
        seg: Segment tree of block minima: ``seg[size + i]`` is block i's
            least augmented value, ``seg[j] = min(seg[2j], seg[2j+1])``;
            ``seg[1]`` is the root's ``min_vruntime`` (``min_deadline``).
        size: Leaves in ``seg`` (a power of two >= number of blocks).
        count: Entries in the tree.
    """

    __slots__: Final = ("blocks", "ablocks", "maxes", "seg", "size", "count")

    def __init__(self) -> None:
        self.blocks: list[list[Entry]] = []
        self.ablocks: list[list[int]] = []
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

    def root_min(self) -> int:
        """The root's augmented value: ``se->min_vruntime`` (6.8+), INF if empty."""
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
        ablock = self.ablocks[b]
        for i, v in enumerate(ablock):
            if v <= limit:
                return self.blocks[b][i][2]
        raise AssertionError("segment tree out of date")  # pragma: no cover

    def min_in_prefix(self, limit: int) -> int:
        """pid of the least augmented value among entries with key <= `limit`.

        The 6.6/6.7 ``__pick_eevdf()`` (min_deadline heap search): of the
        eligible entities (a prefix in vruntime order), the earliest
        deadline, leftmost on ties; 0 if the prefix is empty. The whole
        blocks of the prefix are covered by O(log n) segment-tree nodes, the
        block the prefix ends in is scanned.
        """
        maxes = self.maxes
        probe = (limit, INF, INF)  # right of every entry with key == limit
        nb = bisect_right(maxes, probe)  # blocks [0, nb) lie in the prefix
        seg = self.seg
        size = self.size
        best = INF
        best_b = -1
        if nb:
            lo, hi = size, size + nb
            left: list[int] = []
            right: list[int] = []
            while lo < hi:
                if lo & 1:
                    left.append(lo)
                    lo += 1
                if hi & 1:
                    hi -= 1
                    right.append(hi)
                lo >>= 1
                hi >>= 1
            node = 0
            for j in left + right[::-1]:  # the cover, left to right
                if seg[j] < best:
                    best, node = seg[j], j
            while node < size:  # leftmost leaf holding that minimum
                node <<= 1
                if seg[node] != best:
                    node += 1
            best_b = node - size
        if nb < len(maxes):
            end = bisect_right(self.blocks[nb], probe)
            if end:
                part = self.ablocks[nb][:end]
                least = min(part)
                if least < best:  # strictly: the whole blocks are to its left
                    return self.blocks[nb][part.index(least)][2]
        if best_b < 0:
            return 0
        return self.blocks[best_b][self.ablocks[best_b].index(best)][2]

    # -- write -------------------------------------------------------------
    def add(self, entry: Entry, value: int) -> None:
        """rb_add_augmented_cached(): insert `entry` with augmented `value`."""
        self.count += 1
        maxes = self.maxes
        if not maxes:
            self.blocks.append([entry])
            self.ablocks.append([value])
            maxes.append(entry)
            self._rebuild()
            return
        b = bisect_left(maxes, entry)
        if b == len(maxes):
            b -= 1
        block = self.blocks[b]
        i = bisect_right(block, entry)
        block.insert(i, entry)
        ablock = self.ablocks[b]
        ablock.insert(i, value)
        if i == len(block) - 1:
            maxes[b] = entry
        if len(block) > 2 * LOAD:
            # split in two halves; the block count changes: rebuild the index
            self.blocks.insert(b + 1, block[LOAD:])
            self.ablocks.insert(b + 1, ablock[LOAD:])
            del block[LOAD:], ablock[LOAD:]
            maxes.insert(b, block[-1])
            self._rebuild()
            return
        seg = self.seg
        j = self.size + b
        if value < seg[j]:
            seg[j] = value
            j >>= 1
            while j and value < seg[j]:
                seg[j] = value
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
        ablock = self.ablocks[b]
        del block[i]
        v = ablock.pop(i)
        if not block:
            del self.blocks[b], self.ablocks[b], maxes[b]
            self._rebuild()
            return
        if i == len(block):
            maxes[b] = block[-1]
        seg = self.seg
        j = self.size + b
        if v == seg[j]:
            seg[j] = min(ablock)
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
        n = len(self.ablocks)
        size = 1
        while size < n:
            size <<= 1
        seg = [INF] * (2 * size)
        for b, ablock in enumerate(self.ablocks):
            seg[size + b] = min(ablock)
        for j in range(size - 1, 0, -1):
            seg[j] = min(seg[2 * j], seg[2 * j + 1])
        self.seg = seg
        self.size = size
