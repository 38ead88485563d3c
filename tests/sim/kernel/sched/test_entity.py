"""Tests for ktui/sim/kernel/sched/entity.py: the folded fixed-point paths."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ktui.sim.include.linux.sched import SchedEntity
from ktui.sim.kernel.sched import entity
from ktui.sim.kernel.sched.sched import (
    WEIGHT_IDLEPRIO,
    WMULT_IDLEPRIO,
    scale_load,
    sched_prio_to_weight,
    sched_prio_to_wmult,
)

WEIGHTS = [*zip(sched_prio_to_weight, sched_prio_to_wmult, strict=True), (WEIGHT_IDLEPRIO, WMULT_IDLEPRIO)]


@given(st.sampled_from(WEIGHTS), st.integers(0, 1 << 40))
def test_calc_delta_fair_is_calc_delta_with_nice_0_load(w: tuple[int, int], delta: int) -> None:
    """calc_delta_fair() == __calc_delta(delta, NICE_0_LOAD, &se->load) for every
    table weight and SCHED_IDLE, whatever the delta."""
    se = SchedEntity()
    se.load_weight, se.inv_weight = scale_load(w[0]), w[1]
    general = entity.__calc_delta(delta, 1 << 20, se.load_weight, se.inv_weight)
    assert entity.calc_delta_fair(delta, se) == general


def test_calc_delta_fair_nice_19_by_hand() -> None:
    """nice 19: weight 15, wmult 286331153; fact = 1024 * 0x11111111 = 0x44_4444_4400
    (fls of the high word 0x44 is 7), so delta * (fact >> 7) >> 25."""
    se = SchedEntity()
    se.load_weight, se.inv_weight = scale_load(15), 286331153
    fact = 1024 * 286331153
    assert fact >> 32 == 0x44 and (0x44).bit_length() == 7
    assert entity.calc_delta_fair(4_000_000, se) == (4_000_000 * (fact >> 7)) >> 25 == 273066666
