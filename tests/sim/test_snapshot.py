"""ktui/sim/snapshot.py: frozen views and the lazy trace reader."""

from __future__ import annotations

import ktui.sim


def test_snapshot_at_the_deadlock() -> None:
    """Both locks are marked in the cycle; views are immutable tuples of plain values."""
    sim = ktui.sim.load("abba")
    sim.run()
    snap = sim.snapshot()
    # lockdep's circular report is event 15: t1 asked for B holding A (11),
    # t2 asks for A holding B (14); then t2's lock_contended and the deadlock
    assert snap.status == "deadlock" and snap.event == 17
    assert [(lk.name, lk.owner_comm, lk.waiter_comms, lk.in_cycle) for lk in snap.locks] == [
        ("A", "t1", ("t2",), True),
        ("B", "t2", ("t1",), True),
    ]
    t1 = snap.task(1)
    assert t1 is not None and t1.state == "D" and t1.blocked_on == "B" and t1.held_locks == ("A",)
    assert t1.program[t1.pc] == "mutex_lock B"
    try:
        t1.state = "R"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("TaskView must be immutable")


def test_trace_reader_switches_match_the_sched_switch_events() -> None:
    """switches() lists (time, next_pid) per CPU, exactly the recorded sched_switch events."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(500)
    reader = sim.trace_reader()
    expected: list[list[tuple[int, int]]] = [[]]
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_switch":
            expected[ev.cpu].append((ev.time_ns, ev.fields["next_pid"]))  # type: ignore[arg-type]
    assert reader.switches() == expected
    assert reader.switch_times() == [[t for t, _ in expected[0]]]
    sim.step(100)  # incremental: only the new events are scanned
    assert len(reader.switches()[0]) >= len(expected[0])
