"""include/linux/atomic.h model: int32 wraparound, return values, cmpxchg, events."""

from __future__ import annotations

from ktui.sim.include.linux.atomic import wrap32
from tests.sim.helpers import lines_of, make_sim


def _run(program: str) -> tuple[dict[str, object], dict[str, int]]:
    sim = make_sim({"t": "--- " + program})
    assert sim.run() == "finished"
    rep = sim.report()
    rets = {r["label"]: r["value"] for r in rep["returns"]}  # type: ignore[union-attr]
    return rep.get("atomics", {}), rets  # type: ignore[return-value]


def test_wrap32_is_twos_complement() -> None:
    """INT_MAX + 1 = INT_MIN; -1 stays -1 (2**31 - 1 = 2147483647)."""
    assert wrap32(2147483647 + 1) == -2147483648
    assert wrap32(-2147483648 - 1) == 2147483647
    assert wrap32(-1) == -1


def test_refcount_style_dec_and_test() -> None:
    """set 2, dec_and_test twice: 0 then 1 (the second reached 0)."""
    atomics, rets = _run("atomic_set refs 2\nr0 = atomic_dec_and_test refs\nr1 = atomic_dec_and_test refs")
    assert rets == {"r0": 0, "r1": 1}
    assert atomics == {"refs": 0}


def test_cmpxchg_stores_only_on_a_match_and_returns_the_old_value() -> None:
    """cmpxchg(v=5, 4, 9) fails (returns 5, v stays 5); cmpxchg(v, 5, 9) succeeds."""
    atomics, rets = _run("atomic_set v 5\nr0 = atomic_cmpxchg v 4 9\nr1 = atomic_read v\nr2 = atomic_cmpxchg v 5 9")
    assert rets == {"r0": 5, "r1": 5, "r2": 5}
    assert atomics == {"v": 9}


def test_add_wraps_at_int_max_and_return_forms() -> None:
    """2147483647 + 1 wraps to -2147483648; fetch_add returns the old value, add_return the new."""
    atomics, rets = _run("atomic_set v 2147483646\nr0 = atomic_inc_return v\nr1 = atomic_fetch_add v 1\nr2 = atomic_read v")
    assert rets == {"r0": 2147483647, "r1": 2147483647, "r2": -2147483648}


def test_first_use_creates_at_zero_and_each_op_is_an_event() -> None:
    """An unknown name starts at 0 (ATOMIC_INIT(0)); every op is one event with old/new."""
    sim = make_sim({"t": "--- atomic_inc a\natomic_sub a 3\natomic_xchg b 7"})
    sim.run()
    ev = [ln for ln in lines_of(sim) if ":atomic_" in ln]
    assert ev == ["t:atomic_inc:var=a old=0 new=1", "t:atomic_sub:var=a old=1 new=-2", "t:atomic_xchg:var=b old=0 new=7"]
    assert sim.report()["atomics"] == {"a": -2, "b": 7}


def test_a_scenario_without_atomics_has_no_section() -> None:
    sim = make_sim({"t": "--- run 1ms"})
    sim.run()
    assert "atomics" not in sim.report()


def test_bad_arguments_are_scenario_errors() -> None:
    """atomic_add without its integer: one message naming the op's expectation."""
    import pytest

    from ktui.sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="expected an atomic_t NAME"):
        make_sim({"t": "--- atomic_add refs"})
