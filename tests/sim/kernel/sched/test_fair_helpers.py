"""The fair class's pure helpers under their kernel names (fair.py), checked
against the kernel's numbers with the arithmetic written out."""

from __future__ import annotations

import pytest

from ktui.sim.include.linux.sched import SchedEntity
from ktui.sim.kernel.sched import fair
from ktui.sim.kernel.sched.sched import ENQUEUE_INITIAL, NICE_0_LOAD
from ktui.sim.machine import Machine
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import make_sim

MS = 1_000_000
WMULT_CONST = 0xFFFFFFFF


def queued(n: int, cpus: int, kernel: str = "6.5") -> Simulator:
    """n nice-0 tasks forked onto CPU 0 (pinned), run past their forks."""
    sim = make_sim({f"t{i}": "affinity = [0]\n--- run 50ms" for i in range(n)}, cpus=cpus, kernel=kernel)
    sim.run(until_ns=1000)
    assert sim.machine.rqs[0].cfs.nr_queued == n
    return sim


@pytest.mark.parametrize(("cpus", "factor"), [(1, 1), (2, 2), (4, 3), (8, 4), (16, 4), (64, 4)])
def test_get_update_sysctl_factor(cpus: int, factor: int) -> None:
    """SCHED_TUNABLESCALING_LOG: 1 + ilog2(min(ncpus, 8))."""
    assert fair.get_update_sysctl_factor(cpus) == factor


@pytest.mark.parametrize(
    ("cpus", "nr", "period"),
    [
        # 1 CPU: latency 6 ms, min_granularity 0.75 ms, sched_nr_latency 8
        (1, 1, 6 * MS),
        (1, 8, 6 * MS),
        (1, 9, 9 * 750_000),  # 6.75 ms: 9 > 8 tasks stretch the period
        (1, 12, 12 * 750_000),
        # 8 CPUs: factor 1 + ilog2(8) = 4: latency 24 ms, min_granularity 3 ms
        (8, 3, 24 * MS),
        (8, 8, 24 * MS),
        (8, 9, 9 * 3 * MS),  # 27 ms
    ],
)
def test_sched_period(cpus: int, nr: int, period: int) -> None:
    """__sched_period(): sysctl_sched_latency up to 8 tasks, then nr * min_gran."""
    m = queued(1, cpus).machine
    assert fair.__sched_period(m, nr) == period


def _calc_delta(delta: int, weight: int, lw: int) -> int:
    """__calc_delta() by hand: inv = WMULT_CONST / scale_load_down(lw), then
    (delta * (weight' * inv) >> fs) >> (32 - fs), fs bringing it under 2^32."""
    inv = WMULT_CONST // (lw >> 10)
    fact = (weight >> 10) * inv
    shift = 32
    while fact >> 32:
        fact >>= 1
        shift -= 1
    return (delta * fact) >> shift


@pytest.mark.parametrize(
    ("cpus", "nr", "expected"),
    [
        # 1 CPU, 3 tasks: period 6 ms; inv = 0xFFFFFFFF // 3072 = 1398101;
        # fact = 1024 * 1398101 = 1431655424 < 2^32: 6e6 * fact >> 32
        (1, 3, (6 * MS * 1024 * 1398101) >> 32),
        # 1 CPU, 9 tasks: 6.75 ms / 9 = 0.75 ms, and min_granularity is the floor
        (1, 9, max(_calc_delta(6_750_000, NICE_0_LOAD, 9 * NICE_0_LOAD), 750_000)),
        # 8 CPUs, 3 tasks: period 24 ms, a third each
        (8, 3, (24 * MS * 1024 * 1398101) >> 32),
        # 8 CPUs, 9 tasks: period 27 ms, a ninth each, at least 3 ms
        (8, 9, max(_calc_delta(27 * MS, NICE_0_LOAD, 9 * NICE_0_LOAD), 3 * MS)),
    ],
)
def test_sched_slice(cpus: int, nr: int, expected: int) -> None:
    """sched_slice() (CFS): __calc_delta(period, se weight, cfs_rq weight)."""
    sim = queued(nr, cpus)
    m = sim.machine
    task = m.tasks[1]
    assert fair.sched_slice(m, m.rqs[0].cfs, task.se) == expected
    # the share of __sched_period(), floored at min_granularity
    share = _calc_delta(fair.__sched_period(m, nr), NICE_0_LOAD, nr * NICE_0_LOAD)
    assert expected == max(share, m.cfg.sched.base_slice)


def test_sched_slice_numbers() -> None:
    """The parametrised numbers above, in ns: 1999999, 7999998, 2999994."""
    assert (6 * MS * 1024 * 1398101) >> 32 == 1_999_999
    assert (24 * MS * 1024 * 1398101) >> 32 == 7_999_998
    # 9 tasks: inv = 0xFFFFFFFF // 9216 = 466033, fact = 1024 * 466033 = 477217792
    assert _calc_delta(27 * MS, NICE_0_LOAD, 9 * NICE_0_LOAD) == (27 * MS * 477217792) >> 32 == 2_999_994


def _se(m: Machine, nice_weight: int, wmult: int) -> SchedEntity:
    se = SchedEntity()
    se.load_weight = nice_weight << 10
    se.inv_weight = wmult
    return se


def test_calc_delta_fair() -> None:
    """delta * NICE_0_LOAD / weight: identity for nice 0; nice 19 (weight 15,
    wmult 286331153): fact = 286331153 << 10 = 293203100672, fls(fact >> 32 =
    68) = 7: (1 ms * (fact >> 7)) >> 25 = 68266666 (1 ms * 1024 / 15 = 68.27 ms)."""
    m = queued(1, 1).machine
    assert fair.calc_delta_fair(MS, _se(m, 1024, 4194304)) == MS
    fact = 286331153 << 10
    assert fact >> 32 == 68 and (68).bit_length() == 7
    assert fair.calc_delta_fair(MS, _se(m, 15, 286331153)) == (MS * (fact >> 7)) >> 25 == 68266666


def test_wakeup_preempt_entity() -> None:
    """CFS: -1 if se is not behind curr, 1 if curr leads by more than
    wakeup_gran() = calc_delta_fair(1 ms * factor, se), else 0 (1 CPU: 1 ms)."""
    m = queued(1, 1).machine
    curr, se = _se(m, 1024, 4194304), _se(m, 1024, 4194304)
    curr.vruntime, se.vruntime = 5 * MS, 5 * MS
    assert fair.wakeup_preempt_entity(m, curr, se) == -1
    se.vruntime = 5 * MS - MS  # lead of exactly the granularity: not more
    assert fair.wakeup_preempt_entity(m, curr, se) == 0
    se.vruntime -= 1
    assert fair.wakeup_preempt_entity(m, curr, se) == 1


def test_entity_lag_is_clamped() -> None:
    """entity_lag(): V - v within ±calc_delta_fair(max(2 * slice, TICK_NSEC)):
    6.18 on 1 CPU, slice 0.7 ms: max(1.4 ms, 4 ms) = 4 ms for nice 0."""
    m = queued(1, 1, kernel="6.18").machine
    se = _se(m, 1024, 4194304)
    se.slice = 700_000
    se.vruntime = 100 * MS
    assert fair.entity_lag(m, 101 * MS, se) == MS
    assert fair.entity_lag(m, 110 * MS, se) == 4 * MS
    assert fair.entity_lag(m, 90 * MS, se) == -4 * MS


def test_pick_eevdf_and_entity_eligible() -> None:
    """At the 4 ms tick t0 has run 4 ms past its 0.7 ms request: its vruntime
    is above the average, so it is not eligible and pick_eevdf() chooses t1."""
    sim = make_sim({"t0": "--- run 50ms", "t1": "--- run 50ms"}, kernel="6.18")
    sim.add_breakpoint("hrtimer_expire_entry")
    assert sim.run() == "breakpoint" and sim.time_ns == 4 * MS
    m = sim.machine
    rq = m.rqs[0]
    t0, t1 = m.tasks[1], m.tasks[2]
    assert rq.curr == t0.pid
    assert not fair.entity_eligible(m, rq.cfs, t0.se) and fair.entity_eligible(m, rq, t1)
    assert fair.pick_eevdf(m, rq.cfs) is t1


def test_place_entity_eevdf() -> None:
    """place_entity(): zero lag puts se at avg_vruntime(); the deadline is one
    vslice on (half of it for ENQUEUE_INITIAL, PLACE_DEADLINE_INITIAL)."""
    sim = make_sim({"t1": "--- msleep 1", "t0": "--- run 50ms"}, kernel="6.18")
    sim.run(until_ns=500_000)
    m = sim.machine
    rq = m.rqs[0]
    task = m.tasks[1]
    assert not task.se.on_rq  # asleep: placing it touches no tree
    se = task.se
    se.vlag = 0
    fair.place_entity(m, rq.cfs, task, 0)
    V = fair.avg_vruntime(m, rq)
    assert se.vruntime == V and se.deadline == V + m.cfg.sched.base_slice
    fair.place_entity(m, rq.cfs, task, ENQUEUE_INITIAL)
    assert se.deadline == V + m.cfg.sched.base_slice // 2
