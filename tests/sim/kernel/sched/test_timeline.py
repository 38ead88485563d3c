"""Tests for ktui/sim/kernel/sched/timeline.py and the O(log n) EEVDF pick.

The augmented tree must keep the entries in ``(key, seq)`` order with the
subtree minima of vruntime up to date, and ``__pick_eevdf()``'s descent must
choose exactly what a walk of the whole tree chooses (the leftmost eligible
entity, curr only with a strictly earlier deadline), ties included.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.include.linux.sched.prio import NICE_TO_PRIO
from ktui.sim.kernel.sched import debug, fair
from ktui.sim.kernel.sched.features import DEADLINE_TREE, ZERO_VRUNTIME, sched_config
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_SLEEP,
    ENQUEUE_INITIAL,
    ENQUEUE_WAKEUP,
    Rq,
    scale_load_down,
)
from ktui.sim.kernel.sched.timeline import LOAD, TasksTimeline

MS = 1_000_000


class FakeConfig:
    def __init__(self, kver: tuple[int, int]) -> None:
        self.sched = sched_config(kver, 1, 250)


class FakeMachine:
    """fair.FairMachine on one CPU, with its tree checked on every change."""

    def __init__(self, kver: tuple[int, int]) -> None:
        self.now = 0
        self.ncpus = 1
        self.tasks: dict[int, TaskStruct] = {}
        self.rqs = [Rq(0)]
        self.cfg = FakeConfig(kver)
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq


# -- the tree on its own ------------------------------------------------------

ops = st.lists(
    st.tuples(st.booleans(), st.integers(-50, 50), st.integers(-20, 20)),
    min_size=1,
    max_size=300,
)


@settings(max_examples=200, deadline=None)
@given(ops, st.integers(-60, 60))
def test_tree_order_and_first_eligible_match_a_sorted_list(
    seq_ops: list[tuple[bool, int, int]], limit: int
) -> None:
    """Adds and removes (keys with many ties, so blocks split and empty) keep
    rb_add_cached() order, and the descent finds the first entry with
    vruntime <= limit, as a walk of the sorted entries does."""
    tl = TasksTimeline()
    ref: dict[tuple[int, int, int], int] = {}
    seq = 0
    for add, key, vruntime in seq_ops:
        if add or not ref:
            seq += 1
            entry = (key, seq, seq)
            tl.add(entry, vruntime)
            ref[entry] = vruntime
        else:
            entry = sorted(ref)[abs(key) % len(ref)]
            tl.remove(entry)
            del ref[entry]
        order = sorted(ref)
        assert list(tl) == order and len(tl) == len(order)
        assert all(len(b) <= 2 * LOAD for b in tl.blocks)
        if order:
            assert tl.root_min() == min(ref.values())
            assert tl[0] == order[0] and tl[len(order) - 1] == order[-1]
        for probe in (limit, vruntime, vruntime - 1, key, key - 1):
            want = next((e[2] for e in order if ref[e] <= probe), 0)
            assert tl.first_eligible(probe) == want
            # 6.6/6.7: least value among keys <= probe, leftmost on ties
            prefix = [e for e in order if e[0] <= probe]
            least = min((ref[e] for e in prefix), default=None)
            want = next((e[2] for e in prefix if ref[e] == least), 0)
            assert tl.min_in_prefix(probe) == want


def test_min_in_prefix_ties_go_left_across_blocks() -> None:
    """min_deadline search: equal deadlines in two blocks, the left one wins."""
    tl = TasksTimeline()
    for seq in range(1, 3 * LOAD):
        tl.add((seq, seq, 100 + seq), 5)
    assert len(tl.blocks) > 1
    assert tl.min_in_prefix(3 * LOAD - 2) == 101
    assert tl.min_in_prefix(0) == 0


def test_equal_keys_keep_insertion_order() -> None:
    """rb_add_cached(): an equal key goes right of the ones already there."""
    tl = TasksTimeline()
    for seq in range(1, 4 * LOAD):
        tl.add((7, seq, 100 + seq), 0)
    assert [e[2] for e in tl] == [100 + s for s in range(1, 4 * LOAD)]
    assert tl.first_eligible(0) == 101
    assert tl.index((7, 40, 140)) == 39


# -- the pick against a brute-force reference -------------------------------------


def reference_pick(m: FakeMachine, rq: Rq) -> int:
    """pick_eevdf() by walking every entity (the pre-augmentation model)."""
    cfs_rq = rq.cfs
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if m.cfg.sched.level >= DEADLINE_TREE and cfs_rq.nr_queued == 1:
        if curr is not None and curr.se.on_rq:
            return curr.pid
        return next(iter(cfs_rq.tasks_timeline))[2] if cfs_rq.tasks_timeline else 0
    queued = [m.tasks[e[2]] for e in cfs_rq.tasks_timeline]
    if curr is not None and curr.se.on_rq:
        queued_all = [*queued, curr]
    else:
        queued_all = queued
    v0 = cfs_rq.zero_vruntime if m.cfg.sched.level >= ZERO_VRUNTIME else cfs_rq.min_vruntime
    load = sum(scale_load_down(t.se.load_weight) for t in queued_all)
    avg = sum((t.se.vruntime - v0) * scale_load_down(t.se.load_weight) for t in queued_all)

    def eligible(t: TaskStruct) -> bool:
        return avg >= (t.se.vruntime - v0) * load

    if curr is not None and (not curr.se.on_rq or not eligible(curr)):
        curr = None
    if curr is not None and fair._protect_slice(m, curr.se):
        return curr.pid
    if m.cfg.sched.level < DEADLINE_TREE:
        # 6.6/6.7: earliest deadline among curr and the eligible entities
        best = curr
        for t in queued:
            if eligible(t) and (best is None or t.se.deadline < best.se.deadline):
                best = t
        if best is None and queued:
            return queued[0].pid
        return best.pid if best is not None else 0
    best = next((t for t in queued if eligible(t)), None)
    if best is None or (curr is not None and curr.se.deadline < best.se.deadline):
        best = curr
    return best.pid if best is not None else 0


steps = st.lists(
    st.tuples(st.sampled_from(["fork", "run", "sleep", "wake"]), st.integers(0, 10**6)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=60, deadline=None)
@given(steps, st.sampled_from([(6, 6), (6, 7), (6, 8), (6, 12), (6, 17), (6, 18), (6, 19)]))
def test_pick_equals_brute_force_on_random_trees(
    plan: list[tuple[str, int]], kver: tuple[int, int]
) -> None:
    """Forks at random nice values, runs, sleeps and wakes; before every
    pick the O(log n) descent (min_vruntime from 6.8, min_deadline in
    6.6/6.7) agrees with walking the tree."""
    m = FakeMachine(kver)
    rq = m.rqs[0]
    asleep: list[TaskStruct] = []
    for what, n in plan:
        if what == "fork" and len(m.tasks) < 40:
            pid = len(m.tasks) + 1
            task = TaskStruct(pid, f"t{pid}", (0,))
            task.static_prio = task.normal_prio = task.prio = NICE_TO_PRIO(n % 40 - 20)
            fair.set_load_weight(task)
            m.tasks[pid] = task
            fair.task_fork_fair(m, task)
            fair.enqueue_task_fair(m, rq, task, ENQUEUE_INITIAL)
            task.on_rq = 1
        elif what == "run":
            m.now += n * 7
            rq.clock = rq.clock_task = m.now
            if rq.curr:
                fair.task_tick_fair(m, rq, m.tasks[rq.curr])
        elif what == "sleep" and rq.curr:
            task = m.tasks[rq.curr]
            if fair.dequeue_task_fair(m, rq, task, DEQUEUE_SLEEP):
                task.on_rq = 0
                asleep.append(task)
        elif what == "wake" and asleep:
            task = asleep.pop(n % len(asleep))
            fair.enqueue_task_fair(m, rq, task, ENQUEUE_WAKEUP)
            task.on_rq = 1
        debug.validate_cfs_rq(m, rq)
        want = reference_pick(m, rq)
        assert fair._pick_eevdf(m, rq.cfs) == want
        if rq.curr:
            fair.put_prev_task_fair(m, rq, m.tasks[rq.curr])
        nxt = fair.pick_next_task_fair(m, rq)
        rq.curr = nxt.pid if nxt is not None else 0
        rq.need_resched = False
