"""The fair class (CFS before 6.6, EEVDF from 6.6). Models kernel/sched/fair.c.

Version-dependent on ``m.kver`` (mainline release tags):

* < 6.6: CFS as in 5.13..6.5: tree keyed by vruntime, ``min_vruntime``,
  ``sched_slice()`` (ALT_PERIOD, BASE_SLICE), ``check_preempt_tick()``,
  ``place_entity()`` with GENTLE_FAIR_SLEEPERS / START_DEBIT, vruntime
  normalised against ``min_vruntime`` across non-wakeup dequeue/enqueue,
  wakeup preemption with ``wakeup_gran()``, next/last/skip buddies.
* >= 6.6: EEVDF (147f3efaa241 and its 6.6 follow-ups): ``avg_vruntime``,
  eligibility, lag placement (PLACE_LAG, PLACE_DEADLINE_INITIAL),
  ``update_entity_lag()`` clamping, RUN_TO_PARITY through ``vlag ==
  deadline`` (6.6..6.16) or ``vprot`` (6.17+, 74eec63661d4 and the rest of
  Vincent Guittot's series).
* >= 6.8: tree sorted by virtual deadline (2227a957e1d5) and the O(1) pick
  fast path (ee4373dc902c).
* >= 6.12: DELAY_DEQUEUE / DELAY_ZERO, PLACE_REL_DEADLINE, PREEMPT_SHORT,
  custom slices.
* >= 6.15: base slice 0.70 ms instead of 0.75 ms ("sched: Reduce the default
  slice to avoid tasks getting an extra tick"); SCHED_IDLE curr loses its
  slice protection when a normal task wakes.
* >= 6.18: yield forfeits the rest of the request (79104becf42b).
* >= 6.19: ``zero_vruntime`` replaces ``min_vruntime`` as the avg_vruntime
  reference (79f3f9bedd14, tip sched/core 2025-11-11; it went to stable
  trees too, which this model does not follow).

Left out: PELT and util_est, group scheduling (one root cfs_rq per CPU, so
``for_each_sched_entity`` is one step), load balancing and NUMA, bandwidth
control, HRTICK, core scheduling, proxy execution, sched features other than
the defaults, the NEXT_BUDDY feature (off by default). Ties between equal
deadlines in the 6.6/6.7 heap search are broken in tree order.

Arithmetic is the kernel's, in integer ns: u64 values are Python ints that
never wrap (s64 differences of two u64 are the plain difference), divisions
truncate as C does.
"""

from __future__ import annotations

import functools
from bisect import bisect_left, insort
from collections.abc import Iterator
from typing import Final, Protocol

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import (
    MAX_RT_PRIO,
    SchedEntity,
    SchedPolicy,
    TaskStruct,
)
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_DELAYED,
    DEQUEUE_MOVE,
    DEQUEUE_SAVE,
    DEQUEUE_SLEEP,
    DEQUEUE_SPECIAL,
    ENQUEUE_DELAYED,
    ENQUEUE_INITIAL,
    ENQUEUE_MIGRATED,
    ENQUEUE_WAKEUP,
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

NSEC_PER_SEC = 1_000_000_000
WMULT_CONST = 0xFFFFFFFF  # ~0U
WMULT_SHIFT = 32


class FairMachine(Protocol):
    """What fair.c needs of the machine (ktui.sim.machine.Machine)."""

    now: int
    kver: tuple[int, int]
    ncpus: int
    hz: int
    tasks: dict[int, TaskStruct]
    rqs: list[Rq]

    def next_seq(self) -> int:
        """A monotonic counter: the tree's tie-breaker (rb_add_cached order)."""
        ...


# --------------------------------------------------------------------------
# Version switches (mainline tags)


# Each is compared inline (``m.kver >= EEVDF_KVER``): these tests run several
# times per event, and a helper call would cost more than the comparison.
EEVDF_KVER: Final = (6, 6)
"""147f3efaa241 "sched/fair: Implement an EEVDF-like scheduling policy" (6.6)."""
DEADLINE_TREE_KVER: Final = (6, 8)
"""2227a957e1d5 "sched/eevdf: Sort the rbtree by virtual deadline" (6.8)."""
DELAY_DEQUEUE_KVER: Final = (6, 12)
"""DELAY_DEQUEUE, DELAY_ZERO, PLACE_REL_DEADLINE, PREEMPT_SHORT (6.12)."""
VPROT_KVER: Final = (6, 17)
"""74eec63661d4 "sched/fair: Fix NO_RUN_TO_PARITY case" and the series (6.17)."""
ZERO_VRUNTIME_KVER: Final = (6, 19)
"""79f3f9bedd14 "sched/eevdf: Fix min_vruntime vs avg_vruntime" (6.19)."""


# --------------------------------------------------------------------------
# Tunables: get_update_sysctl_factor(), update_sysctl()


def _ilog2(n: int) -> int:
    return n.bit_length() - 1


def _sysctl_factor(m: FairMachine) -> int:
    """get_update_sysctl_factor(): SCHED_TUNABLESCALING_LOG, 1 + ilog2(min(ncpus, 8))."""
    return 1 + _ilog2(min(max(m.ncpus, 1), 8))


def normalized_sched_base_slice(m: FairMachine) -> int:
    """normalized_sysctl_sched_base_slice: 0.75 ms, 0.70 ms from 6.15."""
    return 700_000 if m.kver >= (6, 15) else 750_000


def sched_base_slice(m: FairMachine) -> int:
    """sysctl_sched_base_slice (EEVDF); sysctl_sched_min_granularity before 6.6.

    Both are 0.75 ms scaled by the factor; 6.15 made the base slice 0.70 ms.
    """
    return _base_slice(m.kver, m.ncpus)


@functools.lru_cache(maxsize=64)
def _base_slice(kver: tuple[int, int], ncpus: int) -> int:
    factor = 1 + _ilog2(min(max(ncpus, 1), 8))
    if kver < (6, 6):
        return factor * 750_000
    return factor * (700_000 if kver >= (6, 15) else 750_000)


def sched_latency(m: FairMachine) -> int:
    """sysctl_sched_latency (CFS, before 6.6): 6 ms scaled."""
    return _sysctl_factor(m) * 6_000_000


def sched_wakeup_granularity(m: FairMachine) -> int:
    """sysctl_sched_wakeup_granularity (CFS, before 6.6): 1 ms scaled."""
    return _sysctl_factor(m) * 1_000_000


SCHED_NR_LATENCY = 8  # DIV_ROUND_UP(latency, min_granularity): both scale alike
SYSCTL_SCHED_IDLE_MIN_GRANULARITY = 750_000  # not scaled


def tick_nsec(m: FairMachine) -> int:
    """TICK_NSEC: (NSEC_PER_SEC + HZ/2) / HZ."""
    return (NSEC_PER_SEC + m.hz // 2) // m.hz


# --------------------------------------------------------------------------
# Fixed-point arithmetic: __calc_delta(), calc_delta_fair()


def _div_s64(a: int, b: int) -> int:
    """div_s64(): C division, truncating toward zero."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _fls(x: int) -> int:
    return x.bit_length()


def __calc_delta(
    delta_exec: int, weight: int, lw_weight: int, lw_inv_weight: int = 0
) -> int:
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
        fs = _fls(fact_hi)
        shift -= fs
        fact >>= fs
    fact = (fact & 0xFFFFFFFF) * inv  # mul_u32_u32()
    fact_hi = (fact >> 32) & 0xFFFFFFFF
    if fact_hi:
        fs = _fls(fact_hi)
        shift -= fs
        fact >>= fs
    return ((delta_exec * fact) >> shift) & 0xFFFFFFFFFFFFFFFF


def calc_delta_fair(delta: int, se: SchedEntity) -> int:
    """calc_delta_fair(): delta scaled by NICE_0_LOAD / se->load.weight."""
    if se.load_weight != NICE_0_LOAD:
        delta = __calc_delta(delta, NICE_0_LOAD, se.load_weight, se.inv_weight)
    return delta


# --------------------------------------------------------------------------
# Weights: set_load_weight() (kernel/sched/core.c), reweight_entity()


def _task_has_idle_policy(task: TaskStruct) -> bool:
    return task.policy == int(SchedPolicy.SCHED_IDLE)


def _prio_load(task: TaskStruct) -> tuple[int, int]:
    if _task_has_idle_policy(task):
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


def reweight_task_fair(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """reweight_task_fair() -> reweight_entity() for a possibly queued entity.

    Follows the 6.13+ shape of reweight_entity() for EEVDF (lag kept, deadline
    kept relative, entity re-placed) and the CFS one before 6.6 (load only).
    """
    se = task.se
    weight, inv = _prio_load(task)
    if se.load_weight == weight and se.inv_weight == inv:
        return
    if not se.on_rq:
        set_load_weight(task)
        return
    cfs_rq = rq.cfs
    curr = cfs_rq.curr == task.pid
    if not (m.kver >= EEVDF_KVER):
        if curr:
            _update_curr(m, rq)
        cfs_rq.load_weight -= se.load_weight
        se.load_weight, se.inv_weight = weight, inv
        cfs_rq.load_weight += se.load_weight
        return
    _update_curr(m, rq)
    _update_entity_lag(m, cfs_rq, se)
    se.deadline -= se.vruntime
    se.rel_deadline = 1
    cfs_rq.nr_queued -= 1
    if not curr:
        __dequeue_entity(m, cfs_rq, task)
    cfs_rq.load_weight -= se.load_weight
    se.vlag = _div_s64(se.vlag * se.load_weight, weight)
    se.deadline = _div_s64(se.deadline * se.load_weight, weight)
    se.load_weight, se.inv_weight = weight, inv
    _place_entity(m, cfs_rq, task, 0)
    cfs_rq.load_weight += se.load_weight
    if not curr:
        __enqueue_entity(m, cfs_rq, task)
    cfs_rq.nr_queued += 1
    if not (m.kver >= ZERO_VRUNTIME_KVER):
        _update_min_vruntime(m, cfs_rq)


# --------------------------------------------------------------------------
# The tree: __enqueue_entity(), __dequeue_entity(), avg_vruntime


def _v0(m: FairMachine, cfs_rq: CfsRq) -> int:
    """The avg_vruntime reference: min_vruntime, zero_vruntime from 6.19."""
    return cfs_rq.zero_vruntime if (m.kver >= ZERO_VRUNTIME_KVER) else cfs_rq.min_vruntime


def _entity_key(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> int:
    """entity_key(): (s64)(se->vruntime - v0)."""
    return se.vruntime - _v0(m, cfs_rq)


def _tree_key(m: FairMachine, se: SchedEntity) -> int:
    """__entity_less(): vruntime (CFS, 6.6, 6.7), deadline from 6.8."""
    return se.deadline if (m.kver >= DEADLINE_TREE_KVER) else se.vruntime


def _avg_vruntime_update(cfs_rq: CfsRq, delta: int) -> None:
    """avg_vruntime_update(): v' = v + d ==> avg_vruntime' = avg_vruntime - d*avg_load."""
    cfs_rq.avg_vruntime -= cfs_rq.avg_load * delta


def _update_zero_vruntime(m: FairMachine, cfs_rq: CfsRq) -> None:
    """update_zero_vruntime() (6.19): move v0 to avg_vruntime()."""
    vruntime = _avg_vruntime(m, cfs_rq)
    _avg_vruntime_update(cfs_rq, vruntime - cfs_rq.zero_vruntime)
    cfs_rq.zero_vruntime = vruntime


def __enqueue_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct) -> None:
    """__enqueue_entity(): avg_vruntime_add() then rb_add_(augmented_)cached()."""
    se = task.se
    if (m.kver >= EEVDF_KVER):
        weight = scale_load_down(se.load_weight)
        cfs_rq.avg_vruntime += _entity_key(m, cfs_rq, se) * weight
        cfs_rq.avg_load += weight
        if (m.kver >= ZERO_VRUNTIME_KVER):
            _update_zero_vruntime(m, cfs_rq)
        se.min_vruntime = se.vruntime
    key = (_tree_key(m, se), m.next_seq(), task.pid)
    se.run_key = key
    # (through task.se, which mypy does not narrow: compiled by mypyc, the
    # tree then holds the same tuple object as run_key, as it does in Python)
    cfs_rq.tasks_timeline.add(task.se.run_key)
    # the augmented callbacks: subtree min_vruntime / min_slice
    insort(cfs_rq.vruntime_index, (se.vruntime, key[1]))
    cfs_rq.slice_count[se.slice] = cfs_rq.slice_count.get(se.slice, 0) + 1


def __dequeue_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct) -> None:
    """__dequeue_entity(): rb_erase_(augmented_)cached() then avg_vruntime_sub()."""
    se = task.se
    if se.run_key is None:
        raise SimInvariantError(f"pid {task.pid} is not in the cfs tree")
    cfs_rq.tasks_timeline.remove(se.run_key)
    index = cfs_rq.vruntime_index
    del index[bisect_left(index, (se.vruntime, se.run_key[1]))]
    left = cfs_rq.slice_count[se.slice] - 1
    if left:
        cfs_rq.slice_count[se.slice] = left
    else:
        del cfs_rq.slice_count[se.slice]
    se.run_key = None
    if (m.kver >= EEVDF_KVER):
        weight = scale_load_down(se.load_weight)
        cfs_rq.avg_vruntime -= _entity_key(m, cfs_rq, se) * weight
        cfs_rq.avg_load -= weight
        if (m.kver >= ZERO_VRUNTIME_KVER):
            _update_zero_vruntime(m, cfs_rq)


def _first_pid(cfs_rq: CfsRq) -> int:
    """__pick_first_entity(): the leftmost entity's pid, 0 if the tree is empty."""
    if not cfs_rq.tasks_timeline:
        return 0
    pid: int = cfs_rq.tasks_timeline[0][2]
    return pid



def _avg_sums(m: FairMachine, cfs_rq: CfsRq) -> tuple[int, int]:
    """The tree's sums plus curr's, as avg_vruntime()/vruntime_eligible() add it."""
    avg = cfs_rq.avg_vruntime
    load = cfs_rq.avg_load
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is not None and curr.se.on_rq:
        weight = scale_load_down(curr.se.load_weight)
        avg += _entity_key(m, cfs_rq, curr.se) * weight
        load += weight
    return avg, load


def _avg_vruntime(m: FairMachine, cfs_rq: CfsRq) -> int:
    """avg_vruntime(): weighted average vruntime, rounded toward -inf."""
    avg, load = _avg_sums(m, cfs_rq)
    if load:
        if avg < 0:  # sign flips effective floor / ceil
            avg -= load - 1
        avg = _div_s64(avg, load)
    return _v0(m, cfs_rq) + avg


def avg_vruntime(m: FairMachine, rq: Rq) -> int:
    """avg_vruntime() of rq's cfs_rq (EEVDF), for the UI and tests."""
    return _avg_vruntime(m, rq.cfs)


def _vruntime_eligible(m: FairMachine, cfs_rq: CfsRq, vruntime: int) -> bool:
    """vruntime_eligible(): \\Sum (v_i - v0)*w_i >= (vruntime - v0) * \\Sum w_i."""
    avg, load = _avg_sums(m, cfs_rq)
    return avg >= (vruntime - _v0(m, cfs_rq)) * load


def eligibility_sums(m: FairMachine, rq: Rq) -> tuple[int, int, int]:
    """(avg, load, v0) of rq's cfs_rq: a task is eligible when
    ``avg >= (vruntime - v0) * load`` (vruntime_eligible()), for callers that
    test many tasks at once."""
    avg, load = _avg_sums(m, rq.cfs)
    return avg, load, _v0(m, rq.cfs)


def entity_eligible(m: FairMachine, rq: Rq, task: TaskStruct) -> bool:
    """entity_eligible(): lag >= 0 on rq's cfs_rq (EEVDF)."""
    return _vruntime_eligible(m, rq.cfs, task.se.vruntime)


def _eligible(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> bool:
    return _vruntime_eligible(m, cfs_rq, se.vruntime)


def _update_entity_lag(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> None:
    """update_entity_lag() / entity_lag(): vlag = V - v, clamped.

    limit = calc_delta_fair(max(2*slice, TICK_NSEC), se).
    """
    vlag = _avg_vruntime(m, cfs_rq) - se.vruntime
    limit = calc_delta_fair(max(2 * se.slice, tick_nsec(m)), se)
    se.vlag = max(-limit, min(limit, vlag))


def _update_min_vruntime(m: FairMachine, cfs_rq: CfsRq) -> None:
    """update_min_vruntime(): min of curr and the tree's least vruntime, never back.

    EEVDF (6.6..6.18) also shifts avg_vruntime when min_vruntime, its
    reference, moves (__update_min_vruntime()).
    """
    vruntime = cfs_rq.min_vruntime
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is not None and not curr.se.on_rq:
        curr = None
    if curr is not None:
        vruntime = curr.se.vruntime
    if cfs_rq.tasks_timeline:
        if (m.kver >= DEADLINE_TREE_KVER):  # the root's augmented se->min_vruntime
            least = cfs_rq.vruntime_index[0][0]
        else:  # __pick_first_entity()
            least = m.tasks[_first_pid(cfs_rq)].se.vruntime
        vruntime = least if curr is None else min(vruntime, least)
    delta = vruntime - cfs_rq.min_vruntime
    if delta > 0:
        if (m.kver >= EEVDF_KVER):
            _avg_vruntime_update(cfs_rq, delta)
        cfs_rq.min_vruntime = vruntime


# --------------------------------------------------------------------------
# Buddies and slice protection


def _clear_buddies(cfs_rq: CfsRq, pid: int) -> None:
    """clear_buddies(): next (all versions), last and skip (CFS)."""
    if cfs_rq.next == pid:
        cfs_rq.next = 0
    if cfs_rq.last == pid:
        cfs_rq.last = 0
    if cfs_rq.skip == pid:
        cfs_rq.skip = 0


def _cfs_rq_min_slice(m: FairMachine, cfs_rq: CfsRq) -> int:
    """cfs_rq_min_slice(): least slice of curr (if queued) and the tree, else ~0."""
    min_slice = 0xFFFFFFFFFFFFFFFF
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is not None and curr.se.on_rq:
        min_slice = curr.se.slice
    if cfs_rq.slice_count:
        min_slice = min(min_slice, min(cfs_rq.slice_count))
    return min_slice


def _set_protect_slice(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> None:
    """set_next_entity()'s RUN_TO_PARITY mark.

    6.6..6.16: the HACK ``se->vlag = se->deadline``. 6.17+:
    set_protect_slice(): vprot = min(deadline, vruntime + the least slice
    enqueued, in se's virtual time). vprot shares storage with vlag in the
    kernel (a union), so vlag shows it too.
    """
    if not (m.kver >= VPROT_KVER):
        se.vlag = se.deadline
        return
    slice_ = min(_cfs_rq_min_slice(m, cfs_rq), se.slice)  # RUN_TO_PARITY
    vprot = se.deadline
    if slice_ != se.slice:
        vprot = min(vprot, se.vruntime + calc_delta_fair(slice_, se))
    se.vprot = vprot
    se.vlag = vprot


def _protect_slice(m: FairMachine, se: SchedEntity) -> bool:
    """protect_slice(): curr still inside its RUN_TO_PARITY protection."""
    if (m.kver >= VPROT_KVER):
        return se.vprot - se.vruntime > 0
    return se.vlag == se.deadline


def _cancel_protect_slice(m: FairMachine, se: SchedEntity) -> None:
    """cancel_protect_slice()."""
    if _protect_slice(m, se):
        if (m.kver >= VPROT_KVER):
            se.vprot = se.vruntime
            se.vlag = se.vprot
        else:
            se.vlag = se.deadline + 1


# --------------------------------------------------------------------------
# update_curr(), update_deadline()


def _update_deadline(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> bool:
    """update_deadline(): a new request once vruntime reaches the deadline.

    Returns:
        True when the request was used up (the caller reschedules).
    """
    if se.vruntime - se.deadline < 0:
        return False
    # EEVDF: the request size r_i is the base slice (or a custom slice, 6.12+)
    if not ((m.kver >= DELAY_DEQUEUE_KVER) and se.custom_slice):
        se.slice = sched_base_slice(m)
    se.deadline = se.vruntime + calc_delta_fair(se.slice, se)
    return True


def _update_curr(m: FairMachine, rq: Rq) -> None:
    """update_curr(): charge curr for the time since exec_start."""
    cfs_rq = rq.cfs
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is None:
        return
    se = curr.se
    now = rq.clock_task
    delta_exec = now - se.exec_start
    if delta_exec <= 0:
        return
    se.exec_start = now
    se.sum_exec_runtime += delta_exec
    se.vruntime += calc_delta_fair(delta_exec, se)
    if not (m.kver >= EEVDF_KVER):
        _update_min_vruntime(m, cfs_rq)
        return
    resched = _update_deadline(m, cfs_rq, se)
    if not (m.kver >= ZERO_VRUNTIME_KVER):
        _update_min_vruntime(m, cfs_rq)
    if not (m.kver >= DELAY_DEQUEUE_KVER):
        # 6.6..6.11: update_deadline() itself reschedules when nr_running > 1
        if resched and cfs_rq.nr_queued > 1:
            rq.need_resched = True
            _clear_buddies(cfs_rq, curr.pid)
        return
    if cfs_rq.nr_queued == 1:
        return
    if (m.kver >= VPROT_KVER):
        # 0b9ca2dcabc3: resched at the end of every protected period
        expired = not _protect_slice(m, se)
    else:
        # did_preempt_short(): protection cancelled and no longer eligible
        expired = not _protect_slice(m, se) and not _eligible(m, cfs_rq, se)
    if resched or expired:
        rq.need_resched = True
        _clear_buddies(cfs_rq, curr.pid)


def update_curr_fair(m: FairMachine, rq: Rq) -> None:
    """update_curr_fair(): update_curr() of rq's cfs_rq."""
    _update_curr(m, rq)


# --------------------------------------------------------------------------
# Placement: place_entity()


def _sched_slice(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity, idle: bool) -> int:
    """sched_slice() (CFS): the wall-time share of the period, at least min_gran."""
    nr_running = cfs_rq.nr_queued  # ALT_PERIOD: rq->cfs.h_nr_running
    nr = nr_running + (0 if se.on_rq else 1)
    min_gran = sched_base_slice(m)
    # __sched_period()
    period = nr * min_gran if nr > SCHED_NR_LATENCY else sched_latency(m)
    load = cfs_rq.load_weight if se.on_rq else cfs_rq.load_weight + se.load_weight
    slice_ = __calc_delta(period, se.load_weight, load)
    # BASE_SLICE
    if idle and not _sched_idle_cfs_rq(m, cfs_rq):
        min_gran = SYSCTL_SCHED_IDLE_MIN_GRANULARITY
    return max(slice_, min_gran)


def _sched_idle_cfs_rq(m: FairMachine, cfs_rq: CfsRq) -> bool:
    """sched_idle_cfs_rq(): every queued entity is SCHED_IDLE."""
    pids = [e[2] for e in cfs_rq.tasks_timeline]
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is not None and curr.se.on_rq:
        pids.append(curr.pid)
    return bool(pids) and all(_task_has_idle_policy(m.tasks[p]) for p in pids)


def _place_entity_cfs(
    m: FairMachine, cfs_rq: CfsRq, task: TaskStruct, initial: bool
) -> None:
    """place_entity() (CFS): START_DEBIT for forks, sleeper credit for wakeups."""
    se = task.se
    vruntime = cfs_rq.min_vruntime
    idle = _task_has_idle_policy(task)
    if initial:  # START_DEBIT
        vruntime += calc_delta_fair(_sched_slice(m, cfs_rq, se, idle), se)
    else:
        thresh = sched_base_slice(m) if idle else sched_latency(m)
        thresh >>= 1  # GENTLE_FAIR_SLEEPERS
        vruntime -= thresh
    # entity_is_long_sleeper(): 2^63 / scale_load_down(NICE_0_LOAD)
    long_sleeper = False
    if se.exec_start:
        now = m.rqs[task.cpu].clock_task
        if now > se.exec_start:
            long_sleeper = now - se.exec_start > (1 << 63) // scale_load_down(
                NICE_0_LOAD
            )
    se.vruntime = vruntime if long_sleeper else max(se.vruntime, vruntime)


def _place_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct, flags: int) -> None:
    """place_entity() (EEVDF): keep the lag across sleep (PLACE_LAG).

    The lag is inflated by (W + w_i)/W so that adding the entity to the
    weighted average leaves it with the lag it had (the comment in fair.c).
    """
    se = task.se
    vruntime = _avg_vruntime(m, cfs_rq)
    lag = 0
    if not ((m.kver >= DELAY_DEQUEUE_KVER) and se.custom_slice):
        se.slice = sched_base_slice(m)
    vslice = calc_delta_fair(se.slice, se)
    if cfs_rq.nr_queued and se.vlag:  # PLACE_LAG
        lag = se.vlag
        load = cfs_rq.avg_load
        curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
        if curr is not None and curr.se.on_rq:
            load += scale_load_down(curr.se.load_weight)
        lag *= load + scale_load_down(se.load_weight)
        if not load:  # WARN_ON_ONCE(!load)
            load = 1
        lag = _div_s64(lag, load)
    se.vruntime = vruntime - lag
    if se.rel_deadline:  # PLACE_REL_DEADLINE (6.12)
        se.deadline += se.vruntime
        se.rel_deadline = 0
        return
    if flags & ENQUEUE_INITIAL:  # PLACE_DEADLINE_INITIAL
        vslice //= 2
    se.deadline = se.vruntime + vslice


# --------------------------------------------------------------------------
# enqueue / dequeue


def _enqueue_entity(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """enqueue_entity()."""
    cfs_rq = rq.cfs
    se = task.se
    curr = cfs_rq.curr == task.pid
    if not (m.kver >= EEVDF_KVER):
        renorm = not (flags & ENQUEUE_WAKEUP) or bool(flags & ENQUEUE_MIGRATED)
        if renorm and curr:
            se.vruntime += cfs_rq.min_vruntime
        _update_curr(m, rq)
        if renorm and not curr:
            se.vruntime += cfs_rq.min_vruntime
        cfs_rq.load_weight += se.load_weight  # account_entity_enqueue()
        cfs_rq.nr_queued += 1
        if flags & ENQUEUE_WAKEUP:
            _place_entity_cfs(m, cfs_rq, task, False)
    else:
        if curr:
            _place_entity(m, cfs_rq, task, flags)
        _update_curr(m, rq)
        if not curr:
            _place_entity(m, cfs_rq, task, flags)
        cfs_rq.load_weight += se.load_weight  # account_entity_enqueue()
        cfs_rq.nr_queued += 1
    if flags & ENQUEUE_MIGRATED:  # no longer cache hot
        se.exec_start = 0
    if not curr:
        __enqueue_entity(m, cfs_rq, task)
    se.on_rq = 1


def _requeue_delayed_entity(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """requeue_delayed_entity(): a delayed entity woke; DELAY_ZERO drops its credit."""
    cfs_rq = rq.cfs
    se = task.se
    if not se.sched_delayed or not se.on_rq:
        raise SimInvariantError(f"requeue of pid {task.pid}, which is not delayed")
    curr = cfs_rq.curr == task.pid
    _update_entity_lag(m, cfs_rq, se)  # DELAY_ZERO
    if se.vlag > 0:
        cfs_rq.nr_queued -= 1
        if not curr:
            __dequeue_entity(m, cfs_rq, task)
        se.vlag = 0
        _place_entity(m, cfs_rq, task, 0)
        if not curr:
            __enqueue_entity(m, cfs_rq, task)
        cfs_rq.nr_queued += 1
    se.sched_delayed = 0
    cfs_rq.h_nr_runnable += 1


def enqueue_task_fair(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """enqueue_task_fair(): queue task (or requeue a delayed one) on rq.

    Args:
        m: The machine.
        rq: task's run queue; its clock is current.
        task: The task.
        flags: ENQUEUE_* flags. ENQUEUE_DELAYED (6.12+) requeues a delayed task.
    """
    se = task.se
    if flags & ENQUEUE_DELAYED or (se.on_rq and se.sched_delayed):
        _requeue_delayed_entity(m, rq, task)
        return
    if se.on_rq:
        return
    _enqueue_entity(m, rq, task, flags)
    if not se.sched_delayed:
        rq.cfs.h_nr_runnable += 1
    rq.nr_running += 1  # add_nr_running()


def _dequeue_entity(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """dequeue_entity(). Returns False when DELAY_DEQUEUE keeps it queued."""
    cfs_rq = rq.cfs
    se = task.se
    sleep = bool(flags & DEQUEUE_SLEEP)
    _update_curr(m, rq)
    if (m.kver >= DELAY_DEQUEUE_KVER) and not flags & DEQUEUE_DELAYED:
        delay = sleep and not flags & DEQUEUE_SPECIAL
        if delay and not _eligible(m, cfs_rq, se):  # DELAY_DEQUEUE
            if cfs_rq.next == task.pid:
                cfs_rq.next = 0
            se.sched_delayed = 1
            return False
    _clear_buddies(cfs_rq, task.pid)
    if (m.kver >= EEVDF_KVER):
        _update_entity_lag(m, cfs_rq, se)
        if (m.kver >= DELAY_DEQUEUE_KVER) and not sleep:  # PLACE_REL_DEADLINE
            se.deadline -= se.vruntime
            se.rel_deadline = 1
    if cfs_rq.curr != task.pid:
        __dequeue_entity(m, cfs_rq, task)
    se.on_rq = 0
    cfs_rq.load_weight -= se.load_weight  # account_entity_dequeue()
    cfs_rq.nr_queued -= 1
    if not (m.kver >= EEVDF_KVER) and not sleep:
        # normalise: the next enqueue adds the (new) rq's min_vruntime back
        se.vruntime -= cfs_rq.min_vruntime
    if (flags & (DEQUEUE_SAVE | DEQUEUE_MOVE)) != DEQUEUE_SAVE and not (
        m.kver >= ZERO_VRUNTIME_KVER
    ):
        _update_min_vruntime(m, cfs_rq)
    if flags & DEQUEUE_DELAYED:  # finish_delayed_dequeue_entity()
        se.sched_delayed = 0
        if se.vlag > 0:  # noqa: PLR1730 - DELAY_ZERO, as fair.c spells it
            se.vlag = 0
    return True


def dequeue_task_fair(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """dequeue_task_fair() / dequeue_entities().

    Returns:
        False if the dequeue was delayed (6.12+ DEQUEUE_SLEEP of an entity that
        is not eligible): the task stays queued with ``se.sched_delayed = 1``
        and is still counted in rq.nr_running and cfs_rq.nr_queued. True on a
        real dequeue (se.on_rq = 0, rq.nr_running decremented); with
        DEQUEUE_DELAYED it also does __block_task()'s ``task.on_rq = 0``.
    """
    se = task.se
    was_delayed = bool(se.sched_delayed)
    if not se.on_rq:
        raise SimInvariantError(f"dequeue of pid {task.pid}, which is not queued")
    if not _dequeue_entity(m, rq, task, flags):
        rq.cfs.h_nr_runnable -= 1
        return False
    if not was_delayed:
        rq.cfs.h_nr_runnable -= 1
    rq.nr_running -= 1  # sub_nr_running()
    if flags & DEQUEUE_DELAYED:
        task.on_rq = 0  # __block_task()
    return True


def migrate_task_rq_fair(m: FairMachine, task: TaskStruct, new_cpu: int) -> None:
    """migrate_task_rq_fair(): a waking task moves CPU (set_task_cpu()).

    Before 6.6 a sleeping task keeps an absolute vruntime, so its old rq's
    min_vruntime is subtracted here and the new one added by the
    ENQUEUE_MIGRATED enqueue. From 6.6 the lag carries over on its own.
    """
    if not (m.kver >= EEVDF_KVER) and not task.se.on_rq:
        task.se.vruntime -= m.rqs[task.cpu].cfs.min_vruntime


# --------------------------------------------------------------------------
# pick


def _entity_before(a: SchedEntity, b: SchedEntity, deadline: bool) -> bool:
    """entity_before(): by vruntime (CFS) or deadline (EEVDF)."""
    if deadline:
        return a.deadline - b.deadline < 0
    return a.vruntime - b.vruntime < 0


def _pick_eevdf(m: FairMachine, cfs_rq: CfsRq, protect: bool = True) -> int:
    """pick_eevdf() / __pick_eevdf(): earliest eligible virtual deadline.

    Returns:
        The pid picked (curr included as a candidate), 0 if none.
    """
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    first = _first_pid(cfs_rq)
    if (m.kver >= DEADLINE_TREE_KVER) and cfs_rq.nr_queued == 1:  # O(1) fast path (6.8)
        return curr.pid if curr is not None and curr.se.on_rq else first
    # vruntime_eligible()'s sums do not change during the pick: take them once.
    avg, load = _avg_sums(m, cfs_rq)
    v0 = _v0(m, cfs_rq)
    if curr is not None and (
        not curr.se.on_rq or avg < (curr.se.vruntime - v0) * load
    ):
        curr = None
    if curr is not None and protect and _protect_slice(m, curr.se):
        return curr.pid  # RUN_TO_PARITY
    best: TaskStruct | None = None
    if (m.kver >= DEADLINE_TREE_KVER):
        # leftmost eligible in deadline order (what the min_vruntime heap
        # search finds); curr wins only with a strictly earlier deadline
        tasks = m.tasks
        for entry in cfs_rq.tasks_timeline:
            task = tasks[entry[2]]
            if avg >= (task.se.vruntime - v0) * load:
                best = task
                break
        if best is None or (
            curr is not None and _entity_before(curr.se, best.se, True)
        ):
            best = curr
    else:
        # 6.6/6.7: vruntime-ordered tree, min_deadline heap search
        best = curr
        for entry in cfs_rq.tasks_timeline:
            task = m.tasks[entry[2]]
            if avg < (task.se.vruntime - v0) * load:
                break  # vruntime order: everything further right is later
            if best is None or best.se.deadline - task.se.deadline > 0:
                best = task
        if best is None and first:
            return first  # "EEVDF scheduling fail, picking leftmost"
    return best.pid if best is not None else 0


def _wakeup_preempt_entity(m: FairMachine, curr: SchedEntity, se: SchedEntity) -> int:
    """wakeup_preempt_entity() (CFS): -1, 0 or 1 against wakeup_gran()."""
    vdiff = curr.vruntime - se.vruntime
    if vdiff <= 0:
        return -1
    if vdiff > calc_delta_fair(sched_wakeup_granularity(m), se):
        return 1
    return 0


def _pick_next_entity_cfs(
    m: FairMachine, cfs_rq: CfsRq, curr: TaskStruct | None
) -> int:
    """pick_next_entity() (CFS): leftmost, then skip/next/last buddies."""
    left_pid = _first_pid(cfs_rq)
    left = m.tasks[left_pid] if left_pid else None
    if left is None or (curr is not None and _entity_before(curr.se, left.se, False)):
        left = curr
    if left is None:
        return 0
    se = left
    if cfs_rq.skip and cfs_rq.skip == se.pid:
        second: TaskStruct | None
        if curr is not None and se is curr:
            second = m.tasks[left_pid] if left_pid else None
        else:
            idx = cfs_rq.tasks_timeline.index(se.se.run_key)
            nxt = (
                cfs_rq.tasks_timeline[idx + 1][2]
                if idx + 1 < len(cfs_rq.tasks_timeline)
                else 0
            )
            second = m.tasks[nxt] if nxt else None
            if second is None or (
                curr is not None and _entity_before(curr.se, second.se, False)
            ):
                second = curr
        if second is not None and _wakeup_preempt_entity(m, second.se, left.se) < 1:
            se = second
    if cfs_rq.next and _wakeup_preempt_entity(m, m.tasks[cfs_rq.next].se, left.se) < 1:
        se = m.tasks[cfs_rq.next]
    elif (
        cfs_rq.last and _wakeup_preempt_entity(m, m.tasks[cfs_rq.last].se, left.se) < 1
    ):
        se = m.tasks[cfs_rq.last]
    return se.pid


def _set_next_entity(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """set_next_entity(): take the pick out of the tree and make it curr."""
    cfs_rq = rq.cfs
    se = task.se
    _clear_buddies(cfs_rq, task.pid)
    if se.on_rq:
        __dequeue_entity(m, cfs_rq, task)
        if (m.kver >= EEVDF_KVER):
            _set_protect_slice(m, cfs_rq, se)
    se.exec_start = rq.clock_task  # update_stats_curr_start()
    cfs_rq.curr = task.pid
    se.prev_sum_exec_runtime = se.sum_exec_runtime


def _put_prev_entity(m: FairMachine, rq: Rq, prev: TaskStruct) -> None:
    """put_prev_entity(): charge prev and put it back in the tree if queued."""
    cfs_rq = rq.cfs
    if prev.se.on_rq:
        _update_curr(m, rq)
        __enqueue_entity(m, cfs_rq, prev)
    cfs_rq.curr = 0


def pick_next_task_fair(m: FairMachine, rq: Rq) -> TaskStruct | None:
    """pick_next_task_fair() / pick_task_fair(): choose and set the next task.

    Works in either order with put_prev_task_fair(): if rq.cfs.curr is still
    set (the kernel's order, which lets RUN_TO_PARITY keep curr), it is a
    candidate and is put back only if something else is picked. When the
    result is curr itself nothing changes. From 6.12 a picked delayed entity
    is dequeued for real (DEQUEUE_SLEEP | DEQUEUE_DELAYED) and the pick
    retried.

    Returns:
        The task now ``rq.cfs.curr``, or None if no fair task is runnable
        (then a still-set curr is left for put_prev_task_fair()).
    """
    cfs_rq = rq.cfs
    while True:
        if not cfs_rq.nr_queued:
            return None
        curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
        if curr is not None:
            if curr.se.on_rq:
                _update_curr(m, rq)
            else:
                curr = None
        if (m.kver >= EEVDF_KVER):
            pid = _pick_eevdf(m, cfs_rq)  # pick_next_entity(); NEXT_BUDDY is off
        else:
            pid = _pick_next_entity_cfs(m, cfs_rq, curr)
        if not pid:
            return None
        task = m.tasks[pid]
        if task.se.sched_delayed:
            dequeue_task_fair(m, rq, task, DEQUEUE_SLEEP | DEQUEUE_DELAYED)
            continue
        break
    if cfs_rq.curr and cfs_rq.curr != pid:
        _put_prev_entity(m, rq, m.tasks[cfs_rq.curr])
    if cfs_rq.curr != pid:
        _set_next_entity(m, rq, task)
    return task


def put_prev_task_fair(m: FairMachine, rq: Rq, prev: TaskStruct) -> None:
    """put_prev_task_fair() -> put_prev_entity(). No-op if prev is not curr."""
    if rq.cfs.curr != prev.pid:
        return
    _put_prev_entity(m, rq, prev)


# --------------------------------------------------------------------------
# tick, wakeup preemption, yield, fork, prio change


def _check_preempt_tick(m: FairMachine, rq: Rq, curr: TaskStruct) -> None:
    """check_preempt_tick() (CFS): resched after the ideal slice or a big lead."""
    cfs_rq = rq.cfs
    se = curr.se
    ideal_runtime = _sched_slice(m, cfs_rq, se, _task_has_idle_policy(curr))
    delta_exec = se.sum_exec_runtime - se.prev_sum_exec_runtime
    if delta_exec > ideal_runtime:
        rq.need_resched = True
        _clear_buddies(cfs_rq, curr.pid)
        return
    if delta_exec < sched_base_slice(m):  # sysctl_sched_min_granularity
        return
    first = _first_pid(cfs_rq)
    if not first:
        return
    delta = se.vruntime - m.tasks[first].se.vruntime
    if delta < 0:
        return
    if delta > ideal_runtime:
        rq.need_resched = True


def task_tick_fair(m: FairMachine, rq: Rq, curr: TaskStruct) -> None:
    """task_tick_fair() -> entity_tick(): update_curr(), and check_preempt_tick() before 6.6."""
    if rq.cfs.curr != curr.pid:
        return
    _update_curr(m, rq)
    if not (m.kver >= EEVDF_KVER) and rq.cfs.nr_queued > 1:
        _check_preempt_tick(m, rq, curr)


def wakeup_preempt_fair(
    m: FairMachine, rq: Rq, task: TaskStruct, wake_flags: int
) -> None:
    """check_preempt_wakeup_fair() (check_preempt_wakeup() before 6.7).

    Sets rq.need_resched when the woken task should preempt curr: before 6.6
    when curr leads it by more than wakeup_gran(), from 6.6 when pick_eevdf()
    would now choose it (PREEMPT_SHORT from 6.12 lets a shorter slice break
    curr's RUN_TO_PARITY protection). ``wake_flags`` (WF_FORK) only matters
    to the NEXT_BUDDY feature, which is off by default.
    """
    cfs_rq = rq.cfs
    if not rq.curr or rq.curr != cfs_rq.curr or rq.curr == task.pid:
        return
    curr = m.tasks[rq.curr]
    se, pse = curr.se, task.se
    scale = cfs_rq.nr_queued >= SCHED_NR_LATENCY
    if rq.need_resched:  # test_tsk_need_resched(curr)
        return
    preempt = False
    cancel = False
    if _task_has_idle_policy(curr) and not _task_has_idle_policy(task):
        preempt = True  # idle tasks are by definition preempted
        # "sched: Cancel the slice protection of the idle entity" (6.15)
        cancel = m.kver >= (6, 15)
    elif task.policy != int(SchedPolicy.SCHED_NORMAL):
        return  # batch and idle wakers do not preempt
    elif not (m.kver >= EEVDF_KVER):
        _update_curr(m, rq)
        if _wakeup_preempt_entity(m, se, pse) == 1:
            cfs_rq.next = task.pid  # set_next_buddy()
            preempt = True
    else:
        _update_curr(m, rq)
        if (m.kver >= VPROT_KVER):
            cancel = pse.slice < se.slice  # do_preempt_short (PREEMPT_SHORT)
            if _pick_eevdf(m, cfs_rq, protect=not cancel) == task.pid:
                preempt = True
            elif cancel:  # RUN_TO_PARITY: update_protect_slice()
                se.vprot = min(
                    se.vprot,
                    se.vruntime + calc_delta_fair(_cfs_rq_min_slice(m, cfs_rq), se),
                )
                se.vlag = se.vprot
                return
        else:
            if (m.kver >= DELAY_DEQUEUE_KVER) and _do_preempt_short(m, cfs_rq, pse, se):
                _cancel_protect_slice(m, se)
            preempt = _pick_eevdf(m, cfs_rq) == task.pid
    if not preempt:
        return
    if cancel:
        _cancel_protect_slice(m, se)
    rq.need_resched = True  # resched_curr()
    # LAST_BUDDY (CFS): only when curr is still queued and the rq is busy
    if not (m.kver >= EEVDF_KVER) and se.on_rq and scale:
        cfs_rq.last = curr.pid


def _do_preempt_short(
    m: FairMachine, cfs_rq: CfsRq, pse: SchedEntity, se: SchedEntity
) -> bool:
    """do_preempt_short() (6.12..6.16)."""
    if pse.slice >= se.slice:
        return False
    if not _eligible(m, cfs_rq, pse):
        return False
    if _entity_before(pse, se, True):
        return True
    return not _eligible(m, cfs_rq, se)


def yield_task_fair(m: FairMachine, rq: Rq) -> None:
    """yield_task_fair(): skip buddy (CFS), push the deadline (EEVDF).

    6.6..6.17 move the deadline one slice further; 6.18 forfeits the rest of
    the request if curr is eligible (vruntime = deadline, new deadline).
    """
    cfs_rq = rq.cfs
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is None or rq.nr_running == 1:
        return
    se = curr.se
    _clear_buddies(cfs_rq, curr.pid)
    if not (m.kver >= EEVDF_KVER):
        if curr.policy != int(SchedPolicy.SCHED_BATCH):
            rq.clock = rq.clock_task = m.now  # update_rq_clock()
            _update_curr(m, rq)
        cfs_rq.skip = curr.pid  # set_skip_buddy()
        return
    rq.clock = rq.clock_task = m.now
    _update_curr(m, rq)
    if m.kver < (6, 18):
        se.deadline += calc_delta_fair(se.slice, se)
    elif _eligible(m, cfs_rq, se):
        se.vruntime = se.deadline
        se.deadline += calc_delta_fair(se.slice, se)
        if not (m.kver >= ZERO_VRUNTIME_KVER):
            _update_min_vruntime(m, cfs_rq)


def task_fork_fair(m: FairMachine, task: TaskStruct) -> None:
    """task_fork_fair(): initial se of a child, on its parent's rq (task.cpu).

    CFS: vruntime from the parent (curr), START_DEBIT placement, then made
    relative to min_vruntime for wake_up_new_task(). EEVDF: a zero-lag
    placement with half a slice (PLACE_DEADLINE_INITIAL); enqueue with
    ENQUEUE_INITIAL places it again, as the kernel does.
    """
    rq = m.rqs[task.cpu]
    cfs_rq = rq.cfs
    se = task.se
    if not se.load_weight:
        set_load_weight(task)
    se.vruntime = 0  # __sched_fork()
    se.vlag = 0
    se.sum_exec_runtime = 0
    se.prev_sum_exec_runtime = 0
    se.exec_start = 0
    se.on_rq = 0
    se.sched_delayed = 0
    se.rel_deadline = 0
    se.slice = sched_base_slice(m)
    rq.clock = rq.clock_task = m.now  # update_rq_clock()
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is not None:
        _update_curr(m, rq)
    if not (m.kver >= EEVDF_KVER):
        if curr is not None:
            se.vruntime = curr.se.vruntime
        _place_entity_cfs(m, cfs_rq, task, True)
        se.vruntime -= cfs_rq.min_vruntime
        return
    _place_entity(m, cfs_rq, task, ENQUEUE_INITIAL)


def prio_changed_fair(m: FairMachine, rq: Rq, task: TaskStruct, old_prio: int) -> None:
    """prio_changed_fair(): reweight if still needed, then check preemption.

    If set_load_weight() found the entity queued (the caller did not dequeue
    it around the change), reweight_entity() is done here.
    """
    if not task.se.on_rq:  # task_on_rq_queued()
        return
    reweight_task_fair(m, rq, task)
    if rq.cfs.nr_queued == 1:
        return
    if rq.curr == task.pid:
        if task.prio > old_prio:
            rq.need_resched = True
    else:
        wakeup_preempt_fair(m, rq, task, 0)


def init_cfs_rq(m: FairMachine, cfs_rq: CfsRq) -> None:
    """init_cfs_rq(): v0 starts at (u64)(-(1LL << 20)) to catch wrap bugs early."""
    if (m.kver >= ZERO_VRUNTIME_KVER):
        cfs_rq.zero_vruntime = -(1 << 20)
    else:
        cfs_rq.min_vruntime = -(1 << 20)


# --------------------------------------------------------------------------
# UI and invariants


def for_each_cfs_entity(m: FairMachine, rq: Rq) -> Iterator[TaskStruct]:
    """The tasks in rq's cfs tree, leftmost first (curr is not in the tree)."""
    for entry in list(rq.cfs.tasks_timeline):
        yield m.tasks[entry[2]]


def validate_cfs_rq(m: FairMachine, rq: Rq) -> None:
    """Check rq's cfs_rq against a recomputation.

    Raises:
        SimInvariantError: on a tree entry whose key is stale, curr in the
            tree, counts or load that do not match the queued entities, a
            delayed entity before 6.12, or avg_vruntime/avg_load (EEVDF) that
            differ from the sums over the tree.
    """
    cfs_rq = rq.cfs
    where = f"cpu{rq.cpu} cfs_rq"
    queued: list[TaskStruct] = []
    avg = load = 0
    prev: tuple[int, int, int] | None = None
    for entry in cfs_rq.tasks_timeline:
        if prev is not None and prev >= entry:
            raise SimInvariantError(f"{where}: tree not sorted at {entry}")
        prev = entry
        task = m.tasks.get(entry[2])
        if task is None:
            raise SimInvariantError(f"{where}: unknown pid {entry[2]} in tree")
        se = task.se
        if entry[2] == cfs_rq.curr:
            raise SimInvariantError(f"{where}: curr pid {cfs_rq.curr} is in the tree")
        if se.run_key != entry or entry[0] != _tree_key(m, se):
            raise SimInvariantError(f"{where}: pid {task.pid} key {entry} is stale")
        if not se.on_rq:
            raise SimInvariantError(
                f"{where}: pid {task.pid} in tree with se.on_rq == 0"
            )
        queued.append(task)
        w = scale_load_down(se.load_weight)
        avg += _entity_key(m, cfs_rq, se) * w
        load += w
    curr = (m.tasks[cfs_rq.curr] if cfs_rq.curr else None)
    if curr is not None:
        if curr.se.run_key is not None:
            raise SimInvariantError(f"{where}: curr pid {curr.pid} has a tree key")
        if curr.se.on_rq:
            queued.append(curr)
    if cfs_rq.nr_queued != len(queued):
        raise SimInvariantError(
            f"{where}: nr_queued {cfs_rq.nr_queued} != {len(queued)} queued"
        )
    weight = sum(t.se.load_weight for t in queued)
    if cfs_rq.load_weight != weight:
        raise SimInvariantError(
            f"{where}: load.weight {cfs_rq.load_weight} != {weight}"
        )
    runnable = sum(1 for t in queued if not t.se.sched_delayed)
    if cfs_rq.h_nr_runnable != runnable:
        raise SimInvariantError(
            f"{where}: h_nr_runnable {cfs_rq.h_nr_runnable} != {runnable}"
        )
    if not (m.kver >= DELAY_DEQUEUE_KVER) and runnable != len(queued):
        raise SimInvariantError(f"{where}: sched_delayed entity before 6.12")
    if rq.nr_running < len(queued):
        raise SimInvariantError(
            f"{where}: rq.nr_running {rq.nr_running} < {len(queued)}"
        )
    index = sorted((m.tasks[e[2]].se.vruntime, e[1]) for e in cfs_rq.tasks_timeline)
    if cfs_rq.vruntime_index != index:
        raise SimInvariantError(f"{where}: min_vruntime index out of date")
    slices: dict[int, int] = {}
    for e in cfs_rq.tasks_timeline:
        s = m.tasks[e[2]].se.slice
        slices[s] = slices.get(s, 0) + 1
    if cfs_rq.slice_count != slices:
        raise SimInvariantError(f"{where}: min_slice index {cfs_rq.slice_count} != {slices}")
    if (m.kver >= EEVDF_KVER) and (cfs_rq.avg_vruntime != avg or cfs_rq.avg_load != load):
        raise SimInvariantError(
            f"{where}: avg_vruntime/avg_load {cfs_rq.avg_vruntime}/{cfs_rq.avg_load}"
            f" != {avg}/{load}"
        )
