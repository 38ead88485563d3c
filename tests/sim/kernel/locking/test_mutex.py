"""kernel/locking/mutex.c model: tracepoint order, FIFO wakeup, handoff, bad unlock."""

from __future__ import annotations

from tests.sim.helpers import lines_of, make_sim


def test_uncontended_lock_emits_acquire_then_acquired() -> None:
    """An uncontended mutex_lock is lock_acquire then lock_acquired (LOCK_CONTENDED fast path)."""
    sim = make_sim({"t1": "--- mutex_lock A\nmutex_unlock A"})
    sim.run()
    locking = [ln for ln in lines_of(sim) if ":lock_" in ln]
    assert locking == ["t1:lock_acquire:A", "t1:lock_acquired:A", "t1:lock_release:A"]


def test_contended_waiter_sleeps_in_d_and_is_woken_by_unlock() -> None:
    """The waiter emits lock_contended, switches out in D, and is woken (waking, wakeup) by the unlock."""
    sim = make_sim(
        {
            "owner": "cpu = 0\n--- mutex_lock A\nrun 2ms\nmutex_unlock A",
            "waiter": 'cpu = 1\nstart = "1ms"\n--- mutex_lock A\nmutex_unlock A',
        },
        cpus=2,
    )
    assert sim.run() == "finished"
    lines = lines_of(sim)
    i = lines.index("waiter:lock_contended:A")
    assert "prev_comm=waiter prev_pid=2 prev_prio=120 prev_state=D" in lines[i + 1]
    rel = lines.index("owner:lock_release:A")
    assert lines[rel + 1].startswith("owner:sched_waking:comm=waiter pid=2")
    assert ":sched_wakeup:comm=waiter pid=2" in lines[rel + 2]
    assert lines.index("waiter:lock_acquired:A") > rel
    waiter = sim.report()["tasks"][1]  # type: ignore[index]
    assert waiter["nr_voluntary_switches"] >= 1


def test_waiters_are_woken_in_fifo_order() -> None:
    """Three waiters get the mutex in the order they started waiting."""
    sim = make_sim(
        {
            "owner": "cpu = 0\n--- mutex_lock A\nrun 3ms\nmutex_unlock A",
            "w1": 'cpu = 1\nstart = "1ms"\n--- mutex_lock A\nrun 100us\nmutex_unlock A',
            "w2": 'cpu = 2\nstart = "1100us"\n--- mutex_lock A\nrun 100us\nmutex_unlock A',
            "w3": 'cpu = 3\nstart = "1200us"\n--- mutex_lock A\nrun 100us\nmutex_unlock A',
        },
        cpus=4,
    )
    sim.run()
    order = [ln.split(":")[0] for ln in lines_of(sim) if ln.endswith(":lock_acquired:A")]
    assert order == ["owner", "w1", "w2", "w3"]


def test_unlock_of_a_mutex_not_held_is_a_warning() -> None:
    """mutex_unlock of a free mutex is reported as lockdep's bad unlock balance."""
    sim = make_sim({"t1": "--- mutex_unlock A"})
    sim.run()
    # one report, lockdep's (print_unlock_imbalance_bug()), not a second bug event
    assert [ln for ln in lines_of(sim) if "bad_unlock" in ln or ":bug:" in ln] == ["t1:lockdep:bad_unlock (report 0)"]
    assert sim.machine.bugs and "bad unlock balance" in sim.machine.bugs[0][4]
    # The warning reaches the report's kernel log with its event and time.
    (entry,) = sim.report()["log"]  # type: ignore[misc]
    assert entry["level"] == "WARNING" and entry["comm"] == "t1"
    assert entry["event"] == sim.machine.bugs[0][0]
    assert entry["line"].startswith("[    0.") and "bad unlock balance" in entry["line"]


def test_mutex_lock_in_atomic_context_is_a_bug() -> None:
    """mutex_lock with preemption disabled trips __might_sleep()."""
    sim = make_sim({"t1": "--- preempt_disable\nmutex_lock A\nmutex_unlock A\npreempt_enable"})
    sim.run()
    assert any("sleeping function called from invalid context" in ln for ln in lines_of(sim))
