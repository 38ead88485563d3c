"""kernel/locking/rtmutex.c model: priority-ordered waiters, PI boost through
chains, deboost on unlock, steal, trylock; the Mars Pathfinder numbers."""

from __future__ import annotations

import ktui.sim
from tests.sim.helpers import lines_of, make_sim

RT_LOCKS = 'A = "rt_mutex"\nB = "rt_mutex"\nC = "rt_mutex"'


def _lock_times(sim: ktui.sim.Simulator, comm: str, lock: str) -> tuple[int, int]:
    """(time of `comm`'s lock_contended on `lock`, time of its lock_acquired)."""
    contended = acquired = -1
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.common_comm == comm and str(ev.fields.get("lock")) == lock:
            if ev.name == "lock_contended" and contended < 0:
                contended = ev.time_ns
            if ev.name == "lock_acquired":
                acquired = ev.time_ns
    return contended, acquired


def test_mars_pathfinder_wait_without_and_with_priority_inheritance() -> None:
    """The high task blocks at 2 ms on a lock the low task took at 0 for a
    10 ms critical section; the medium task (start 3 ms) runs 50 ms.

    Without PI the medium task preempts the owner at 3 ms: the high task
    waits 1 ms (2..3, low runs) + 50 ms (medium) + 7 ms (the rest of low's
    section) = 58 ms. With an rt_mutex the owner runs at the high task's
    prio and the medium task cannot preempt it: 10 - 2 = 8 ms.
    """
    plain = ktui.sim.load("priority-inversion")
    assert plain.run() == "finished"
    c, a = _lock_times(plain, "high", "L")
    assert (c, a - c) == (2_000_000, (1 + 50 + 7) * 1_000_000)
    pi = ktui.sim.load("priority-inversion-pi")
    assert pi.run() == "finished"
    c, a = _lock_times(pi, "high", "L")
    assert (c, a - c) == (2_000_000, (10 - 2) * 1_000_000)
    # the boost and the deboost, with include/trace/events/sched.h's fields:
    # a fifo task at rt_priority p has prio 99 - p (89 and 9)
    boosts = [ln for ln in lines_of(pi) if ":sched_pi_setprio:" in ln]
    assert boosts == [
        "high:sched_pi_setprio:comm=low pid=1 oldprio=89 newprio=9",
        "low:sched_pi_setprio:comm=low pid=1 oldprio=9 newprio=89",
    ]


def test_waiters_are_queued_by_priority_then_arrival() -> None:
    """Waiters of equal prio keep arrival order; a better one goes first."""
    sim = make_sim(
        {
            "owner": "cpu = 0\n--- rt_mutex_lock A\nrun 3ms\nrt_mutex_unlock A",
            "w_fair": 'cpu = 1\nstart = "1ms"\n--- rt_mutex_lock A\nrt_mutex_unlock A',
            "w_fair2": 'cpu = 2\nstart = "1100us"\n--- rt_mutex_lock A\nrt_mutex_unlock A',
            "w_rt": 'cpu = 3\nstart = "1200us"\npolicy = "fifo"\nrt_priority = 1\n--- rt_mutex_lock A\nrt_mutex_unlock A',
        },
        cpus=4,
        locks=RT_LOCKS,
    )
    sim.add_breakpoint("lock_contended comm=w_rt")
    assert sim.run() == "breakpoint"
    (a,) = [lk for lk in sim.report()["locks"] if lk["name"] == "A"]  # type: ignore[union-attr]
    assert a["waiters"] == ["w_rt", "w_fair", "w_fair2"]
    assert sim.run() == "finished"
    order = [ln.split(":")[0] for ln in lines_of(sim) if ln.endswith(":lock_acquired:A")]
    assert order == ["owner", "w_rt", "w_fair", "w_fair2"]


def test_a_fair_owner_is_boosted_into_the_rt_class_and_back() -> None:
    """A SCHED_NORMAL owner (prio 120) waited on by a fifo-50 task runs at
    prio 99 - 50 = 49 until it unlocks; its report shows the boost."""
    sim = make_sim(
        {
            "owner": "cpu = 0\n--- rt_mutex_lock A\nrun 4ms\nrt_mutex_unlock A",
            "rt": 'cpu = 1\nstart = "1ms"\npolicy = "fifo"\nrt_priority = 50\n--- rt_mutex_lock A\nrt_mutex_unlock A',
        },
        cpus=2,
        locks=RT_LOCKS,
    )
    sim.add_breakpoint("sched_pi_setprio")
    assert sim.run() == "breakpoint"
    owner = sim.report()["tasks"][0]  # type: ignore[index]
    assert owner["prio"] == 49
    (a,) = [lk for lk in sim.report()["locks"] if lk["name"] == "A"]  # type: ignore[union-attr]
    assert a["boost"] == 49 and a["boosted_by"] == "rt"
    assert sim.run() == "breakpoint"  # the deboost at unlock
    assert sim.report()["tasks"][0]["prio"] == 120  # type: ignore[index]


def test_boost_walks_the_chain_through_a_blocked_owner() -> None:
    """C (fifo 90) waits on B, held by mid, who waits on A, held by low:
    rt_mutex_adjust_prio_chain() boosts mid and then low to prio 9."""
    sim = make_sim(
        {
            "low": "cpu = 0\n--- rt_mutex_lock A\nrun 5ms\nrt_mutex_unlock A",
            "mid": 'cpu = 1\nstart = "1ms"\n--- rt_mutex_lock B\nrt_mutex_lock A\nrt_mutex_unlock A\nrt_mutex_unlock B',
            "top": 'cpu = 2\nstart = "2ms"\npolicy = "fifo"\nrt_priority = 90\n--- rt_mutex_lock B\nrt_mutex_unlock B',
        },
        cpus=3,
        locks=RT_LOCKS,
    )
    assert sim.run() == "finished"
    boosts = [ln for ln in lines_of(sim) if ":sched_pi_setprio:" in ln]
    assert boosts[:2] == [
        "top:sched_pi_setprio:comm=mid pid=2 oldprio=120 newprio=9",
        "top:sched_pi_setprio:comm=low pid=1 oldprio=120 newprio=9",
    ]
    # low deboosts at its unlock; mid when it lets go of B
    assert "low:sched_pi_setprio:comm=low pid=1 oldprio=9 newprio=120" in boosts
    assert "mid:sched_pi_setprio:comm=mid pid=2 oldprio=9 newprio=120" in boosts
    assert all(t["prio"] == t["normal_prio"] for t in sim.report()["tasks"])  # type: ignore[union-attr]


def test_a_better_task_steals_the_lock_from_the_woken_top_waiter() -> None:
    """Unlock at 2 ms leaves the lock ownerless for the woken waiter w, but
    w's CPU is busy with a fifo hog until 5 ms; a fifo task asking at 2.5 ms
    takes it (rt_mutex_steal(): 89 < 120), and w, running at 5 ms, goes
    back to sleep still queued, and gets it at the thief's unlock (6 ms)."""
    sim = make_sim(
        {
            "owner": "cpu = 0\naffinity = [0]\n--- rt_mutex_lock A\nrun 2ms\nrt_mutex_unlock A",
            "w": 'cpu = 1\naffinity = [1]\nstart = "1ms"\n--- rt_mutex_lock A\nrt_mutex_unlock A',
            "hog": 'cpu = 1\naffinity = [1]\nstart = "1500us"\npolicy = "fifo"\nrt_priority = 5\n--- run 3500us',
            "thief": 'cpu = 0\naffinity = [0]\nstart = "2500us"\npolicy = "fifo"\nrt_priority = 10\n--- rt_mutex_lock A\nrun 3500us\nrt_mutex_unlock A',
        },
        cpus=2,
        locks=RT_LOCKS,
    )
    assert sim.run() == "finished"
    acquired = [(ln.split(":")[0]) for ln in lines_of(sim) if ln.endswith(":lock_acquired:A")]
    assert acquired == ["owner", "thief", "w"]
    c, a = _lock_times(sim, "w", "A")
    assert a == 6_000_000
    assert _lock_times(sim, "thief", "A") == (-1, 2_500_000)  # never contended


def test_trylock_returns_1_or_0_and_never_sleeps() -> None:
    """rt_mutex_trylock: 1 on a free lock, 0 on a held one (labelled returns)."""
    sim = make_sim(
        {
            "owner": "cpu = 0\n--- rt_mutex_lock A\nrun 2ms\nrt_mutex_unlock A",
            "t": 'cpu = 1\nstart = "1ms"\n--- r0 = rt_mutex_trylock A\nrun 2ms\nr1 = rt_mutex_trylock A\nrt_mutex_unlock A',
        },
        cpus=2,
        locks=RT_LOCKS,
    )
    assert sim.run() == "finished"
    rets = {r["label"]: r["value"] for r in sim.report()["returns"]}  # type: ignore[union-attr]
    assert rets == {"r0": 0, "r1": 1}
    assert not any(ln.startswith("t:lock_contended") for ln in lines_of(sim))


def test_an_rt_mutex_cycle_is_a_deadlock() -> None:
    """ABBA on rt_mutexes hangs (no -EDEADLK without DEBUG_RT_MUTEXES) and
    the wait-for check names the cycle."""
    sim = make_sim(
        {
            "t1": "cpu = 0\n--- rt_mutex_lock A\nrun 1ms\nrt_mutex_lock B",
            "t2": "cpu = 1\n--- rt_mutex_lock B\nrun 1ms\nrt_mutex_lock A",
        },
        cpus=2,
        locks=RT_LOCKS,
    )
    assert sim.run() == "deadlock"
    (dl,) = sim.report()["deadlocks"]  # type: ignore[misc]
    assert sorted(dl["locks"]) == ["A", "B"]


def test_step_back_over_a_boost_restores_the_prio_exactly() -> None:
    """Reversibility across sched_pi_setprio: back N then forward N is the same state."""
    sim = ktui.sim.load("priority-inversion-pi")
    sim.add_breakpoint("sched_pi_setprio")
    assert sim.run() == "breakpoint"
    sim.run(steps=5)
    here, h = sim.event, sim.state_hash()
    sim.goto(here - 8)
    assert sim.report()["tasks"][0]["prio"] == 89  # type: ignore[index]
    sim.goto(here)
    assert sim.state_hash() == h
