"""Completions (kernel/sched/completion.c): done counting, FIFO waiters,
complete_all, a stolen completion, the timeout form's return value."""

from __future__ import annotations

from typing import Any

from ktui.sim.kernel.sched.completion import UINT_MAX, completions
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import Event
from tests.sim.helpers import make_sim

MS = 1_000_000
FIFO = 'policy = "fifo"\nrt_priority = 10\n'


def _events(sim: Simulator, *names: str) -> list[Event]:
    evs = (sim.event_at(i) for i in range(1, sim.recorded + 1))
    return [e for e in evs if e.name in names]


def _returns(sim: Simulator) -> dict[str, dict[str, Any]]:
    got = sim.report()["returns"]
    assert isinstance(got, list)
    return {str(r["label"]): r for r in got}


def test_complete_before_wait_is_taken_without_sleeping() -> None:
    """done = 1 after complete(); wait_for_completion() takes it (done 0)."""
    sim = make_sim({"t": "---\ncomplete done\nwait_for_completion done\nrun 1ms\n"})
    sim.run()
    names = [e.name for e in _events(sim, "completion_complete", "completion_acquired", "completion_wait")]
    assert names == ["completion_complete", "completion_acquired"]
    assert _events(sim, "completion_acquired")[0].fields["done"] == 0


def test_waiters_are_woken_first_come_first_served() -> None:
    """swake_up_locked() wakes the head of the queue: w1 queued first wakes first."""
    sim = make_sim({
        "w1": "---\nwait_for_completion go\nrun 1ms\n",
        "w2": "---\nwait_for_completion go\nrun 1ms\n",
        "c": "---\nrun 2ms\ncomplete go\nrun 5ms\ncomplete go\nrun 1ms\n",
    })
    sim.run()
    woken = [e.fields["woken_comm"] for e in _events(sim, "completion_complete")]
    assert woken == ["w1", "w2"]
    got = [(e.common_comm, e.time_ns) for e in _events(sim, "completion_acquired")]
    assert [c for c, _ in got] == ["w1", "w2"]


def test_complete_all_wakes_everyone_and_stays_done() -> None:
    """complete_all(): done = UINT_MAX, every waiter woken, later waits pass
    (done stays UINT_MAX); reinit_completion() makes it 0 again."""
    sim = make_sim({
        "w1": "---\nwait_for_completion go\nrun 1ms\n",
        "w2": "---\nwait_for_completion go\nrun 1ms\n",
        "c": "---\nrun 2ms\ncomplete_all go\nrun 5ms\nwait_for_completion go\na = try_wait_for_completion go\nreinit_completion go\nb = try_wait_for_completion go\n",
    })
    sim.run()
    assert _events(sim, "completion_complete")[0].fields["done"] == UINT_MAX
    acquired = _events(sim, "completion_acquired")
    assert sorted(e.common_comm for e in acquired[:2]) == ["w1", "w2"]
    assert all(e.fields["done"] == UINT_MAX for e in acquired)
    rets = _returns(sim)
    assert (rets["a"]["value"], rets["b"]["value"]) == (1, 0)
    assert completions(sim.machine)["go"] == (0, ())


def test_a_stolen_completion_requeues_the_waiter_at_the_tail() -> None:
    """One CPU. w1 sleeps on `go`. The FIFO task c completes it (w1 woken
    but cannot preempt c) and at once waits itself: done is 1, so c takes
    it. When w1 runs, done is 0: do_wait_for_common() queues it again."""
    sim = make_sim({
        "w1": "---\nwait_for_completion go\nrun 1ms\n",
        "c": FIFO + "---\nrun 1ms\ncomplete go\nwait_for_completion go\nrun 1ms\n",
    })
    sim.run(until_ns=10 * MS)
    waits = [(e.common_comm, e.time_ns) for e in _events(sim, "completion_wait")]
    assert waits == [("w1", 0), ("w1", 2 * MS)]  # again, after c finished its 1 ms
    assert [e.common_comm for e in _events(sim, "completion_acquired")] == ["c"]
    assert completions(sim.machine)["go"] == (0, (1,))


def test_wait_for_completion_timeout_returns_0_or_the_jiffies_left() -> None:
    """HZ 250: 10 ms = msecs_to_jiffies(10) = 3 jiffies. Timed out: 0 at the
    timer's bucket expiry (jiffy 3 + 1 -> 16 ms). Completed at 2 ms (jiffy
    0): 3 - 0 = 3 jiffies left."""
    late = make_sim({"w": "---\nr = wait_for_completion_timeout go 10ms\n"})
    late.run()
    r = _returns(late)["r"]
    assert (r["value"], r["time_ns"]) == (0, (3 + 1) * 4 * MS)
    ok = make_sim({
        "w": "---\nr = wait_for_completion_timeout go 10ms\n",
        "c": "---\nrun 2ms\ncomplete go\n",
    })
    ok.run()
    assert _returns(ok)["r"]["value"] == 3 - 0


def test_waiting_with_preemption_off_is_the_might_sleep_bug() -> None:
    sim = make_sim({"t": "---\npreempt_disable\nwait_for_completion go\n"})
    sim.run(steps=50)
    report = sim.report()
    assert "sleeping function called from invalid context" in str(report)


def test_bad_names_are_refused() -> None:
    import pytest

    from ktui.sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match="expected one completion NAME"):
        make_sim({"t": "---\ncomplete 9x\n"})
    with pytest.raises(ScenarioError, match="TIMEOUT"):
        make_sim({"t": "---\nwait_for_completion_timeout go\n"})


def test_replay_across_completions_is_exact() -> None:
    sim = make_sim({
        "w1": "---\nloop {\nwait_for_completion go\nrun 1ms\n}\n",
        "c": "---\nrepeat 5 {\nrun 2ms\ncomplete go\n}\n",
    })
    sim.run(until_ns=30 * MS)
    end, h = sim.event, sim.state_hash()
    sim.goto(5)
    sim.goto(end)
    assert sim.state_hash() == h
