"""Locking's breakpoint subject (ktui.sim.kernel.locking.subjects): locks by name."""

from __future__ import annotations

from ktui.sim.kernel.locking.subjects import LOCK, lock_get, lock_id
from tests.sim.helpers import make_sim


def test_lock_items_and_reads() -> None:
    sim = make_sim(
        {"t1": "---\nmutex_lock A\nrun 2ms\nmutex_unlock A", "t2": "---\nrun 1ms\nmutex_lock A"},
        cpus=2,
    )
    m = sim.machine
    assert (lock_id(m, "A"), lock_id(m, "B"), lock_id(m, "Q")) == (0, 1, None)
    assert list(LOCK.choices(m)) == ["A", "B", "S"]
    sim.add_breakpoint("lock A waiters >= 1")
    assert sim.run() == "breakpoint"  # t2 queues behind t1
    m = sim.machine
    assert (lock_get(m, 0, "owner"), lock_get(m, 0, "held"), lock_get(m, 0, "waiters")) == (
        "t1",
        1,
        1,
    )
    assert lock_get(m, 1, "held") == 0
