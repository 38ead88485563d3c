"""lib/percpu_counter.c model: the batch, folding into fbc->count, read vs sum;
this_cpu ops act on the running CPU's slot."""

from __future__ import annotations

from ktui.sim.lib.percpu_counter import compute_batch_value
from tests.sim.helpers import make_sim


def test_batch_is_max_32_or_twice_the_cpus() -> None:
    """compute_batch_value(): max(32, 2 * nr): 2 CPUs -> 32, 16 -> 32, 64 -> 128."""
    assert (compute_batch_value(2), compute_batch_value(16), compute_batch_value(64)) == (32, 32, 128)


def test_adds_stay_per_cpu_until_the_batch_then_fold() -> None:
    """On 2 CPUs (batch 32): 31 incs on CPU 0 stay in its slot (read 0, sum 31);
    the 32nd makes abs(31 + 1) >= 32 and folds 32 into fbc->count. 31 more on
    CPU 1: read 32, sum 63; read is off by 31 < batch * CPUs = 64."""
    sim = make_sim(
        {
            "a": "cpu = 0\naffinity = [0]\n--- repeat 31 {\npercpu_counter_inc c\n}\nr0 = percpu_counter_read c\nr1 = percpu_counter_sum c\npercpu_counter_inc c\nr2 = percpu_counter_read c",
            "b": 'cpu = 1\naffinity = [1]\nstart = "1ms"\n--- repeat 31 {\npercpu_counter_inc c\n}\nr3 = percpu_counter_read c\nr4 = percpu_counter_sum c',
        },
        cpus=2,
    )
    assert sim.run() == "finished"
    rep = sim.report()
    rets = {r["label"]: r["value"] for r in rep["returns"]}  # type: ignore[union-attr]
    assert rets == {"r0": 0, "r1": 31, "r2": 32, "r3": 32, "r4": 63}
    assert rep["percpu"]["counters"]["c"] == {"count": 32, "counters": [0, 31], "sum": 63, "batch": 32}  # type: ignore[index]
    assert rets["r4"] - rets["r3"] < 32 * 2


def test_a_negative_amount_folds_on_its_absolute_value() -> None:
    """abs(count + amount) >= batch: -40 folds at once (fbc->count = -40)."""
    sim = make_sim({"a": "--- percpu_counter_add c -40\nr0 = percpu_counter_read c"})
    sim.run()
    assert {r["label"]: r["value"] for r in sim.report()["returns"]} == {"r0": -40}  # type: ignore[union-attr]


def test_this_cpu_ops_touch_only_the_running_cpu() -> None:
    """this_cpu_inc on CPU 1 leaves CPU 0's slot alone; this_cpu_read reads its own."""
    sim = make_sim(
        {
            "a": "cpu = 0\naffinity = [0]\n--- this_cpu_add hits 5\nr0 = this_cpu_read hits",
            "b": 'cpu = 1\naffinity = [1]\nstart = "1ms"\n--- this_cpu_inc hits\nr1 = this_cpu_read hits',
        },
        cpus=2,
    )
    sim.run()
    rep = sim.report()
    assert {r["label"]: r["value"] for r in rep["returns"]} == {"r0": 5, "r1": 1}  # type: ignore[union-attr]
    assert rep["percpu"]["vars"] == {"hits": [5, 1]}  # type: ignore[index]
