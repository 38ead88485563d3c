"""kernel/locking/deadlock.py: the wait-for cycle through a new waiter."""

from __future__ import annotations

from ktui.sim.kernel.locking.deadlock import find_cycle
from tests.sim.helpers import make_sim


def test_three_way_cycle_names_every_task_and_lock() -> None:
    """t1 holds A wants B, t2 holds B wants C, t3 holds C wants A: one cycle of three."""
    sim = make_sim(
        {
            "t1": "cpu = 0\n--- mutex_lock A\nrun 1ms\nmutex_lock B",
            "t2": "cpu = 1\n--- mutex_lock B\nrun 2ms\nmutex_lock C",
            "t3": "cpu = 2\n--- mutex_lock C\nrun 3ms\nmutex_lock A",
        },
        cpus=3,
        locks='A = "mutex"\nB = "mutex"\nC = "mutex"',
    )
    assert sim.run() == "deadlock"
    (dl,) = sim.report()["deadlocks"]  # type: ignore[misc]
    assert dl["tasks"] == ["t3", "t1", "t2"]  # from the waiter that closed it, along the chain
    assert dl["locks"] == ["A", "B", "C"]
    assert sim.event_at(dl["event"]).common_comm == "t3"


def test_a_chain_without_a_cycle_is_no_deadlock() -> None:
    """t2 waits for t1 who waits for nothing: find_cycle() finds none and the run finishes."""
    sim = make_sim(
        {
            "t1": "cpu = 0\n--- mutex_lock A\nrun 2ms\nmutex_unlock A",
            "t2": 'cpu = 1\nstart = "1ms"\n--- mutex_lock A\nmutex_unlock A',
        },
        cpus=2,
    )
    sim.add_breakpoint("lock_contended")
    assert sim.run() == "breakpoint"
    assert find_cycle(sim.machine, 2) is None
    assert sim.run() == "finished" and sim.report()["deadlocks"] == []


def test_each_edge_names_where_its_lock_was_taken() -> None:
    """Every edge of the cycle points at its owner's lock_acquired: t1 holds
    A wanted by t3, t2 holds B wanted by t1, t3 holds C wanted by t2."""
    sim = make_sim(
        {
            "t1": "cpu = 0\n--- mutex_lock A\nrun 1ms\nmutex_lock B",
            "t2": "cpu = 1\n--- mutex_lock B\nrun 2ms\nmutex_lock C",
            "t3": "cpu = 2\n--- mutex_lock C\nrun 3ms\nmutex_lock A",
        },
        cpus=3,
        locks='A = "mutex"\nB = "mutex"\nC = "mutex"',
    )
    assert sim.run() == "deadlock"
    (dl,) = sim.report()["deadlocks"]  # type: ignore[misc]
    edges = dl["edges"]
    assert [(e["task"], e["wants"], e["held_by"]) for e in edges] == [
        ("t3", "A", "t1"),
        ("t1", "B", "t2"),
        ("t2", "C", "t3"),
    ]
    for e in edges:
        ev = sim.event_at(e["acquired_event"])
        assert (ev.name, ev.fields["lock"], ev.common_comm) == ("lock_acquired", e["wants"], e["held_by"])
        assert e["acquired_event"] < dl["event"]
