"""Scheduling entities' arithmetic and the fair tree. Models parts of
kernel/sched/fair.c and kernel/sched/core.c shared by CFS and EEVDF.

Fixed-point weights (``__calc_delta()``, ``calc_delta_fair()``,
``set_load_weight()`` of core.c), the "tree data structure manipulation
methods" of fair.c (``__enqueue_entity()``, ``__dequeue_entity()``,
``__pick_first_entity()``) on the augmented `TasksTimeline`, and the EEVDF
averages (``avg_vruntime()``, ``vruntime_eligible()``, ``update_entity_lag()``,
``update_min_vruntime()``/``update_zero_vruntime()``). fair.py builds the
class on these; cfs.py the pre-6.6 paths.

Left out: PELT, group entities (``se->my_q``), ``reweight_entity()`` of a
queued group. Arithmetic is the kernel's, in integer ns: u64 values are
Python ints that never wrap, divisions truncate as C does. Hot paths inline
``scale_load_down()`` (``w >> 10``, at least 2) and ``entity_key()``
(``vruntime - v0``).
"""

from __future__ import annotations

from typing import Protocol, cast

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import SchedEntity, SchedPolicy, TaskStruct
from ktui.sim.include.linux.sched.prio import MAX_RT_PRIO
from ktui.sim.kernel.sched.features import DEADLINE_TREE, EEVDF, ZERO_VRUNTIME, SchedConfig
from ktui.sim.kernel.sched.sched import (
    NICE_0_LOAD,
    WEIGHT_IDLEPRIO,
    WMULT_IDLEPRIO,
    CfsRq,
    Rq,
    scale_load,
    scale_load_down,
    sched_prio_to_weight,
    sched_prio_to_wmult,
)
from ktui.sim.kernel.sched.topology import Topology

WMULT_CONST = 0xFFFFFFFF  # ~0U
WMULT_SHIFT = 32
SCHED_NORMAL = int(SchedPolicy.SCHED_NORMAL)
SCHED_IDLE = int(SchedPolicy.SCHED_IDLE)


class FairConfig(Protocol):
    """What fair.c reads of the machine's configuration."""

    @property
    def sched(self) -> SchedConfig:
        """The feature level and tunables (features.py)."""
        ...

    @property
    def topology(self) -> Topology:
        """The sched domain levels (topology.py)."""
        ...

    @property
    def this_cpu(self) -> int:
        """smp_processor_id() of select_task_rq()'s caller."""
        ...


class FairMachine(Protocol):
    """What fair.c needs of the machine (ktui.sim.machine.Machine)."""

    now: int
    ncpus: int
    tasks: dict[int, TaskStruct]
    rqs: list[Rq]

    @property
    def cfg(self) -> FairConfig:
        """The run's configuration: ``cfg.sched`` is chosen at boot."""
        ...

    def next_seq(self) -> int:
        """A monotonic counter: the tree's tie-breaker (rb_add_cached order)."""
        ...


# --------------------------------------------------------------------------
# Fixed-point arithmetic: __calc_delta(), calc_delta_fair()


def _div_s64(a: int, b: int) -> int:
    """div_s64(): C division, truncating toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def __calc_delta(delta_exec: int, weight: int, lw_weight: int, lw_inv_weight: int = 0) -> int:
    """__calc_delta() (64-bit): delta_exec * weight / lw.weight via inv_weight.

    Args:
        delta_exec: u64 ns.
        weight: A scaled weight (``se->load.weight`` or NICE_0_LOAD).
        lw_weight: The divisor's scaled weight.
        lw_inv_weight: Its cached inv_weight, 0 if not yet computed
            (__update_inv_weight() then computes WMULT_CONST / weight).

    Returns:
        ``mul_u64_u32_shr(delta_exec, fact, shift)`` exactly as the kernel.
    """
    inv = lw_inv_weight
    if not inv:  # __update_inv_weight()
        w = scale_load_down(lw_weight)
        if w >= WMULT_CONST:
            inv = 1
        elif not w:
            inv = WMULT_CONST
        else:
            inv = WMULT_CONST // w
    fact = scale_load_down(weight)
    shift = WMULT_SHIFT
    fact_hi = (fact >> 32) & 0xFFFFFFFF
    if fact_hi:
        fs = fact_hi.bit_length()  # fls()
        shift -= fs
        fact >>= fs
    fact = (fact & 0xFFFFFFFF) * inv  # mul_u32_u32()
    fact_hi = (fact >> 32) & 0xFFFFFFFF
    if fact_hi:
        fs = fact_hi.bit_length()
        shift -= fs
        fact >>= fs
    return ((delta_exec * fact) >> shift) & 0xFFFFFFFFFFFFFFFF


def calc_delta_fair(delta: int, se: SchedEntity) -> int:
    """calc_delta_fair(): delta scaled by NICE_0_LOAD / se->load.weight.

    __calc_delta() with weight NICE_0_LOAD, folded: scale_load_down() of it
    is 1024, so ``fact = 1024 * inv_weight`` (under 2^42) and only the second
    fls() step can shift.
    """
    if se.load_weight == NICE_0_LOAD:
        return delta
    inv = se.inv_weight
    if not inv:
        return __calc_delta(delta, NICE_0_LOAD, se.load_weight, 0)
    fact = inv << 10
    fs = (fact >> 32).bit_length()
    return ((delta * (fact >> fs)) >> (WMULT_SHIFT - fs)) & 0xFFFFFFFFFFFFFFFF


# --------------------------------------------------------------------------
# Weights: set_load_weight() (kernel/sched/core.c), reweight_entity()


def task_has_idle_policy(task: TaskStruct) -> bool:
    """task_has_idle_policy(): SCHED_IDLE."""
    return task.policy == SCHED_IDLE


def _prio_load(task: TaskStruct) -> tuple[int, int]:
    if task.policy == SCHED_IDLE:
        return scale_load(WEIGHT_IDLEPRIO), WMULT_IDLEPRIO
    prio = task.static_prio - MAX_RT_PRIO
    return scale_load(sched_prio_to_weight[prio]), sched_prio_to_wmult[prio]


def set_load_weight(task: TaskStruct) -> None:
    """set_load_weight() (kernel/sched/core.c): se.load from policy and static_prio.

    SCHED_IDLE gets WEIGHT_IDLEPRIO/WMULT_IDLEPRIO. For a dequeued entity this
    is also reweight_entity()'s !on_rq part (vlag, and a relative deadline,
    rescaled by old/new weight), which is the state set_user_nice() and
    __sched_setscheduler() call it in. A queued entity keeps its weight here;
    prio_changed_fair() (or reweight_task_fair()) then reweights it in place.
    """
    se = task.se
    weight, inv = _prio_load(task)
    if se.on_rq and se.load_weight:
        return
    if se.load_weight and se.load_weight != weight:
        # reweight_entity(): "we keep se->vlag = V - v_i, while lag_i =
        # w_i*(V - v_i), we need to scale se->vlag when w_i changes."
        se.vlag = _div_s64(se.vlag * se.load_weight, weight)
        if se.rel_deadline:
            se.deadline = _div_s64(se.deadline * se.load_weight, weight)
    se.load_weight = weight
    se.inv_weight = inv


# --------------------------------------------------------------------------
# The tree: __enqueue_entity(), __dequeue_entity(), avg_vruntime


def v0(m: FairMachine, cfs_rq: CfsRq) -> int:
    """The avg_vruntime reference: min_vruntime, zero_vruntime from 6.19."""
    return cfs_rq.zero_vruntime if m.cfg.sched.level >= ZERO_VRUNTIME else cfs_rq.min_vruntime


def tree_key(m: FairMachine, se: SchedEntity) -> int:
    """__entity_less(): vruntime (CFS, 6.6, 6.7), deadline from 6.8."""
    return se.deadline if m.cfg.sched.level >= DEADLINE_TREE else se.vruntime


def _update_zero_vruntime(m: FairMachine, cfs_rq: CfsRq) -> None:
    """update_zero_vruntime() (6.19): move v0 to avg_vruntime()."""
    vruntime = _avg_vruntime(m, cfs_rq)
    # avg_vruntime_update(): v' = v + d ==> avg_vruntime' = avg_vruntime - d*avg_load
    cfs_rq.avg_vruntime -= cfs_rq.avg_load * (vruntime - cfs_rq.zero_vruntime)
    cfs_rq.zero_vruntime = vruntime


def __enqueue_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct) -> None:
    """__enqueue_entity(): avg_vruntime_add() then rb_add_augmented_cached()."""
    se = task.se
    lvl = m.cfg.sched.level
    if lvl >= EEVDF:
        weight = se.load_weight >> 10  # scale_load_down()
        if weight < 2:
            weight = 2 if se.load_weight else 0
        if lvl >= ZERO_VRUNTIME:
            cfs_rq.avg_vruntime += (se.vruntime - cfs_rq.zero_vruntime) * weight
            cfs_rq.avg_load += weight
            _update_zero_vruntime(m, cfs_rq)
        else:
            cfs_rq.avg_vruntime += (se.vruntime - cfs_rq.min_vruntime) * weight
            cfs_rq.avg_load += weight
        se.min_vruntime = se.vruntime
        if lvl >= DEADLINE_TREE:  # by deadline, augmented with min_vruntime
            key = (se.deadline, m.next_seq(), task.pid)
            augment = se.vruntime
        else:  # 6.6/6.7: by vruntime, augmented with min_deadline
            key = (se.vruntime, m.next_seq(), task.pid)
            augment = se.deadline
    else:
        key = (se.vruntime, m.next_seq(), task.pid)
        augment = se.vruntime
    # One boxed tuple for run_key and the tree: compiled by mypyc, a native
    # tuple would be boxed twice, and checkpoints would pickle two objects
    # where Python has one (same state_hash, different bytes).
    boxed: object = key
    se.run_key = cast(tuple[int, int, int], boxed)
    cfs_rq.tasks_timeline.add(se.run_key, augment)
    # the min_slice augmentation
    slice_count = cfs_rq.slice_count
    slice_count[se.slice] = slice_count.get(se.slice, 0) + 1


def __dequeue_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct) -> None:
    """__dequeue_entity(): rb_erase_augmented_cached() then avg_vruntime_sub()."""
    se = task.se
    if se.run_key is None:
        raise SimInvariantError(f"pid {task.pid} is not in the cfs tree")
    cfs_rq.tasks_timeline.remove(se.run_key)
    slice_count = cfs_rq.slice_count
    left = slice_count[se.slice] - 1
    if left:
        slice_count[se.slice] = left
    else:
        del slice_count[se.slice]
    se.run_key = None
    lvl = m.cfg.sched.level
    if lvl >= EEVDF:
        weight = se.load_weight >> 10  # scale_load_down()
        if weight < 2:
            weight = 2 if se.load_weight else 0
        if lvl >= ZERO_VRUNTIME:
            cfs_rq.avg_vruntime -= (se.vruntime - cfs_rq.zero_vruntime) * weight
            cfs_rq.avg_load -= weight
            _update_zero_vruntime(m, cfs_rq)
        else:
            cfs_rq.avg_vruntime -= (se.vruntime - cfs_rq.min_vruntime) * weight
            cfs_rq.avg_load -= weight


def first_pid(cfs_rq: CfsRq) -> int:
    """__pick_first_entity(): the leftmost entity's pid, 0 if the tree is empty."""
    if not cfs_rq.tasks_timeline:
        return 0
    return cfs_rq.tasks_timeline[0][2]


def avg_sums(m: FairMachine, cfs_rq: CfsRq) -> tuple[int, int]:
    """The tree's sums plus curr's, as avg_vruntime()/vruntime_eligible() add it."""
    avg = cfs_rq.avg_vruntime
    load = cfs_rq.avg_load
    if cfs_rq.curr:
        se = m.tasks[cfs_rq.curr].se
        if se.on_rq:
            weight = se.load_weight >> 10  # scale_load_down()
            if weight < 2:
                weight = 2 if se.load_weight else 0
            avg += (se.vruntime - v0(m, cfs_rq)) * weight
            load += weight
    return avg, load


def _avg_vruntime(m: FairMachine, cfs_rq: CfsRq) -> int:
    """avg_vruntime(): weighted average vruntime, rounded toward -inf."""
    avg, load = avg_sums(m, cfs_rq)
    if load:
        if avg < 0:  # sign flips effective floor / ceil
            avg -= load - 1
        avg = _div_s64(avg, load)
    return v0(m, cfs_rq) + avg


def avg_vruntime(m: FairMachine, rq: Rq) -> int:
    """avg_vruntime() of rq's cfs_rq (EEVDF)."""
    return _avg_vruntime(m, rq.cfs)


def _eligible(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> bool:
    """vruntime_eligible(): \\Sum (v_i - v0)*w_i >= (vruntime - v0) * \\Sum w_i."""
    avg, load = avg_sums(m, cfs_rq)
    return avg >= (se.vruntime - v0(m, cfs_rq)) * load


def entity_eligible(m: FairMachine, rq: Rq, task: TaskStruct) -> bool:
    """entity_eligible(): lag >= 0 on rq's cfs_rq (EEVDF)."""
    return _eligible(m, rq.cfs, task.se)


def _update_entity_lag(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> None:
    """update_entity_lag() / entity_lag(): vlag = V - v, clamped.

    limit = calc_delta_fair(max(2*slice, TICK_NSEC), se).
    """
    vlag = _avg_vruntime(m, cfs_rq) - se.vruntime
    limit = calc_delta_fair(max(2 * se.slice, m.cfg.sched.tick_nsec), se)
    se.vlag = max(-limit, min(limit, vlag))


def _update_min_vruntime(m: FairMachine, cfs_rq: CfsRq) -> None:
    """update_min_vruntime(): min of curr and the tree's least vruntime, never back.

    EEVDF (6.6..6.18) also shifts avg_vruntime when min_vruntime, its
    reference, moves (__update_min_vruntime()).
    """
    vruntime = cfs_rq.min_vruntime
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if curr is not None and not curr.se.on_rq:
        curr = None
    if curr is not None:
        vruntime = curr.se.vruntime
    timeline = cfs_rq.tasks_timeline
    if timeline:
        if m.cfg.sched.level >= DEADLINE_TREE:  # the root's se->min_vruntime
            least = timeline.seg[1]
        else:  # __pick_first_entity(): the tree is in vruntime order
            least = timeline.blocks[0][0][0]
        if curr is None or least < vruntime:
            vruntime = least
    delta = vruntime - cfs_rq.min_vruntime
    if delta > 0:
        if m.cfg.sched.level >= EEVDF:
            cfs_rq.avg_vruntime -= cfs_rq.avg_load * delta  # avg_vruntime_update()
        cfs_rq.min_vruntime = vruntime


# --------------------------------------------------------------------------
# Buddies and slice protection


def clear_buddies(cfs_rq: CfsRq, pid: int) -> None:
    """clear_buddies(): next (all versions), last and skip (CFS)."""
    if cfs_rq.next == pid:
        cfs_rq.next = 0
    if cfs_rq.last == pid:
        cfs_rq.last = 0
    if cfs_rq.skip == pid:
        cfs_rq.skip = 0
