"""rw_semaphore: shared readers, FIFO writer, rwsem_mark_wake, downgrade, trylocks, deadlocks through readers."""

from __future__ import annotations

from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import load_scenario
from tests.sim.helpers import lines_of, make_sim

LOCKS = 'W = "rw_semaphore"\nV = "rw_semaphore"\nA = "mutex"'


def _time_of(sim: Simulator, line: str) -> int:
    lines = lines_of(sim)
    return sim.event_at(lines.index(line) + 1).time_ns


def test_writer_waits_for_readers_and_late_reader_queues_behind() -> None:
    """The built-in scenario: writer sleeps (D) until the 2nd reader leaves at 3 ms;
    the late reader (1 ms) does not overtake it and gets in at up_write (4 ms)."""
    sim = Simulator(load_scenario("rwsem-writer-waits"))
    assert sim.run() == "breakpoint"  # writer contended
    rep = sim.report()
    lock = rep["locks"][0]  # type: ignore[index]
    assert lock["readers"] == ["reader1", "reader2"]  # type: ignore[index]
    assert rep["tasks"][2]["state"] == "D"  # type: ignore[index]
    while sim.run() == "breakpoint":
        pass
    assert _time_of(sim, "writer:lock_acquired:sem") == 3_000_000  # reader2: 0 + 3 ms
    # up_write at 3 ms + 1 ms run; the late reader was granted the lock there.
    assert _time_of(sim, "late:lock_acquired:sem") == 4_000_000


def test_queued_readers_are_admitted_together_skipping_a_writer() -> None:
    """rwsem_mark_wake(): reader at the head -> every queued reader, writers stay queued."""
    sim = make_sim(
        {
            "w1": "cpu = 0\n--- down_write W\nrun 1ms\nup_write W",
            "r1": 'cpu = 1\nstart = "100us"\n--- down_read W\nrun 1ms\nup_read W',
            "w2": 'cpu = 2\nstart = "200us"\n--- down_write W\nup_write W',
            "r2": 'cpu = 3\nstart = "300us"\n--- down_read W\nrun 1ms\nup_read W',
        },
        cpus=4,
        locks=LOCKS,
    )
    assert sim.run() == "finished"
    assert _time_of(sim, "r1:lock_acquired:W") == 1_000_000
    assert _time_of(sim, "r2:lock_acquired:W") == 1_000_000  # behind w2 in the queue, admitted with r1
    assert _time_of(sim, "w2:lock_acquired:W") == 2_000_000  # after both readers' 1 ms


def test_downgrade_write_admits_readers() -> None:
    sim = make_sim(
        {
            "w": "cpu = 0\n--- down_write W\nrun 1ms\ndowngrade_write W\nrun 1ms\nup_read W",
            "r": 'cpu = 1\nstart = "100us"\n--- down_read W\nup_read W',
        },
        cpus=2,
        locks=LOCKS,
    )
    assert sim.run() == "finished"
    lines = lines_of(sim)
    assert lines.index("w:lock_downgrade:W") < lines.index("r:lock_acquired:W") < lines.index("w:lock_release:W")
    assert _time_of(sim, "r:lock_acquired:W") == 1_000_000


def test_trylocks() -> None:
    sim = make_sim(
        {
            "a": "cpu = 0\n--- down_read W\nrun 1ms\nup_read W",
            "b": 'cpu = 1\nstart = "100us"\n--- r = down_read_trylock W\nw = down_write_trylock W\nup_read W',
        },
        cpus=2,
        locks=LOCKS,
    )
    assert sim.run() == "finished"
    rets = [(r["label"], r["value"]) for r in sim.report()["returns"]]  # type: ignore[index]
    assert rets == [("r", 1), ("w", 0)]


def test_down_read_in_atomic_context_is_a_bug() -> None:
    sim = make_sim({"a": "--- preempt_disable\ndown_read W\nup_read W\npreempt_enable"}, locks=LOCKS)
    sim.run()
    assert any("BUG: sleeping function called from invalid context" in ln for ln in lines_of(sim))


def test_deadlock_through_readers() -> None:
    """t1 reads W then wants V for write; t2 reads V then wants W for write: each
    writer waits for the other's read hold. One deadlock event names both."""
    sim = make_sim(
        {
            "t1": "cpu = 0\n--- down_read W\nrun 1ms\ndown_write V\nup_write V\nup_read W",
            "t2": "cpu = 1\n--- down_read V\nrun 1ms\ndown_write W\nup_write W\nup_read V",
        },
        cpus=2,
        locks=LOCKS,
    )
    assert sim.run() == "deadlock"
    ev = sim.last_event()
    assert ev is not None and ev.name == "deadlock"
    d = sim.report()["deadlocks"][0]  # type: ignore[index]
    assert sorted(d["tasks"]) == ["t1", "t2"]  # type: ignore[index]


def test_writer_behind_two_readers_finds_the_cycle_through_the_second() -> None:
    """The cycle goes through the 2nd reader, not the 1st: the DFS follows every reader."""
    sim = make_sim(
        {
            "r1": "cpu = 0\n--- down_read W\nrun 5ms\nup_read W",
            "r2": "cpu = 1\n--- down_read W\nrun 1ms\nmutex_lock A\nmutex_unlock A\nup_read W",
            "w": 'cpu = 2\nstart = "500us"\n--- mutex_lock A\ndown_write W\nup_write W\nmutex_unlock A',
        },
        cpus=3,
        locks=LOCKS,
    )
    assert sim.run() == "deadlock"
    d = sim.report()["deadlocks"][0]  # type: ignore[index]
    assert sorted(d["tasks"]) == ["r2", "w"]  # type: ignore[index]


def test_rwsem_is_reversible() -> None:
    sim = Simulator(load_scenario("rwsem-writer-waits"))
    while sim.run() == "breakpoint":
        pass
    end = sim.recorded
    hashes = {}
    for pos in (end, end // 2, 3):
        sim.goto(pos)
        hashes[pos] = sim.state_hash()
    for pos in (3, end // 2, end):
        sim.goto(pos)
        assert sim.state_hash() == hashes[pos]
