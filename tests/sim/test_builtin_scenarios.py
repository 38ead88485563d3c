"""The built-in scenarios tell the stories they promise."""

from __future__ import annotations

import ktui.sim
from ktui.sim.kernel.sched.sched import sched_prio_to_weight


def test_abba_ends_in_deadlock_naming_both_tasks_and_locks() -> None:
    """ABBA stops on a deadlock event whose cycle is t1/t2 over A/B, closed by t2's lock_contended on A."""
    sim = ktui.sim.load("abba")
    assert sim.run() == "deadlock"
    rep = sim.report()
    (dl,) = rep["deadlocks"]  # type: ignore[misc]
    assert sorted(dl["tasks"]) == ["t1", "t2"]
    assert sorted(dl["locks"]) == ["A", "B"]
    closing = sim.event_at(dl["event"])
    assert closing.name == "lock_contended"
    assert sim.last_event().name == "deadlock"  # type: ignore[union-attr]
    locks = {lk["name"]: lk for lk in rep["locks"]}  # type: ignore[attr-defined]
    assert locks["A"]["owner"] == "t1" and locks["A"]["waiters"] == ["t2"]
    assert locks["B"]["owner"] == "t2" and locks["B"]["waiters"] == ["t1"]
    # t1 already blocked (mutex_lock sleeps in TASK_UNINTERRUPTIBLE) ...
    tasks = {t["comm"]: t for t in rep["tasks"]}  # type: ignore[attr-defined]
    assert tasks["t1"]["state"] == "D"
    # ... and each ran its 1 ms of `run` before blocking.
    assert tasks["t1"]["sum_exec_runtime_ns"] == 1_000_000


def test_abba_no_collision_finishes_without_deadlock() -> None:
    """The same lock-order violation, timed apart, runs to completion and every task exits."""
    sim = ktui.sim.load("abba-no-collision")
    assert sim.run() == "finished"
    rep = sim.report()
    assert rep["deadlocks"] == []
    assert all(t["state"] == "Z" for t in rep["tasks"])  # type: ignore[attr-defined]


def test_aa_is_a_deadlock_of_one() -> None:
    """Taking a held mutex again deadlocks the task on itself."""
    sim = ktui.sim.load("aa")
    assert sim.run() == "deadlock"
    (dl,) = sim.report()["deadlocks"]  # type: ignore[misc]
    assert len(dl["tasks"]) == 1 and dl["locks"] == ["A"]


def test_spin_abba_leaves_both_cpus_spinning() -> None:
    """ABBA on spinlocks: both tasks stay running, each CPU spins on the other's lock."""
    sim = ktui.sim.load("spin-abba")
    assert sim.run() == "deadlock"
    rep = sim.report()
    spinning = sorted(c["spinning_on"] for c in rep["cpus"])  # type: ignore[attr-defined]
    assert spinning == ["A", "B"]
    assert all(t["state"] == "R" for t in rep["tasks"])  # type: ignore[attr-defined]


def test_cfs_nice_shares_follow_the_weight_table() -> None:
    """nice 0/5/10 on one CPU share it 1024:335:110 (sched_prio_to_weight), within one tick per second."""
    w0, w5, w10 = (sched_prio_to_weight[20 + n] for n in (0, 5, 10))
    assert (w0, w5, w10) == (1024, 335, 110)
    sim = ktui.sim.load("cfs-nice")
    seconds = 3
    sim.run(until_ns=seconds * 1_000_000_000)
    tick = 1_000_000_000 // sim.scenario.machine.hz  # HZ=250: 4 ms
    total = sum(t["sum_exec_runtime_ns"] for t in sim.report()["tasks"])  # type: ignore[attr-defined]
    assert abs(total - seconds * 1_000_000_000) <= tick
    for t, w in zip(sim.report()["tasks"], (w0, w5, w10), strict=True):  # type: ignore[call-overload]
        expected = total * w // (w0 + w5 + w10)  # 3 s * 1024/1469 = 2.091 s, ...
        assert abs(t["sum_exec_runtime_ns"] - expected) <= tick * seconds, t["comm"]


def test_balance_4cpu_spreads_the_hogs_and_keeps_pinned_home() -> None:
    """balance-4cpu: the five hogs leave CPU 0 at its first tick (4 ms), every
    CPU ends up busy, pinned (affinity [0]) never migrates; after hog4 exits
    CPU 1 is idle, sleepy wakes there (select_idle_sibling: CPU 0 is busy
    with pinned) and CPU 1 pulls a hog by newidle balance when sleepy sleeps."""
    sim = ktui.sim.load("balance-4cpu")
    sim.add_breakpoint("sched_migrate_task")
    assert sim.run() == "breakpoint"
    assert sim.time_ns == 4_000_000
    sim.remove_breakpoint(sim.breakpoints[0].id)
    sim.run(until_ns=100_000_000)
    tasks = {t.comm: t for t in sim.machine.tasks.values()}
    assert {t.cpu for t in tasks.values()} == {0, 1, 2, 3}
    assert sim.run() == "finished"
    assert tasks["pinned"].cpu == 0 and tasks["pinned"].se.nr_migrations == 0
    assert all(tasks[f"hog{i}"].se.nr_migrations >= 1 for i in range(1, 5))
    moves = [sim.event_at(i) for i in range(1, sim.recorded + 1)]
    moves = [ev for ev in moves if ev.name == "sched_migrate_task"]
    wake = next(ev for ev in moves if ev.fields["comm"] == "sleepy")
    assert wake.fields["dest_cpu"] == 1
    pull = moves[moves.index(wake) + 1]
    assert pull.common_comm == "sleepy" and pull.fields["dest_cpu"] == 1  # newidle, traced by sleepy
