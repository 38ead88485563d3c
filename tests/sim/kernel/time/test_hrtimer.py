"""hrtimer sleeps (kernel/time/hrtimer.c, sleep_timeout.c): nanosleep's
timer slack, usleep_range's range, the tick running a sleeper early."""

from __future__ import annotations

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.time.hrtimer import TIMER_SLACK_NS, timer_slack_ns, usleep_range_delta
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import Event, format_line
from tests.sim.helpers import make_sim

US = 1_000
MS = 1_000_000
FIFO = 'policy = "fifo"\nrt_priority = 10\n'


def _events(sim: Simulator, name: str) -> list[Event]:
    return [e for e in (sim.event_at(i) for i in range(1, sim.recorded + 1)) if e.name == name]


def _wakeups(sim: Simulator, comm: str) -> list[int]:
    return [e.time_ns for e in _events(sim, "sched_wakeup") if e.fields["comm"] == comm]


def test_timer_slack_is_init_tasks_50us() -> None:
    """init/init_task.c: .timer_slack_ns = 50000."""
    assert TIMER_SLACK_NS == 50 * US


def test_nanosleep_of_a_fair_task_ends_at_the_hard_expiry() -> None:
    """Idle CPU (tick stopped): the clock event is programmed for the hard
    expiry, 1 ms + 100 us + 50 us of slack."""
    sim = make_sim({"t": "---\nrun 1ms\nnanosleep 100us\nrun 1ms\n"})
    sim.run()
    assert _wakeups(sim, "t") == [1 * MS + 100 * US + 50 * US]
    start = _events(sim, "hrtimer_start")[0]
    line = format_line(start)
    assert "hrtimer=sleeper/1 function=hrtimer_wakeup expires=1150000 softexpires=1100000 mode=REL" in line
    switch = [e for e in _events(sim, "sched_switch") if e.fields["prev_comm"] == "t"][0]
    assert switch.fields["prev_state"] == "S"  # do_nanosleep(): TASK_INTERRUPTIBLE


def test_nanosleep_of_an_rt_task_is_exact() -> None:
    """SCHED_FIFO: no slack (timer_slack_ns 0 from 6.12, the rt_task()
    override before), so exactly 1 ms + 100 us, in hardirq context."""
    for kernel in ("6.18", "6.6", "5.15"):
        sim = make_sim({"t": FIFO + "---\nrun 1ms\nnanosleep 100us\nrun 1ms\n"}, kernel=kernel)
        sim.run()
        assert _wakeups(sim, "t") == [1 * MS + 100 * US], kernel


def test_usleep_range_on_an_idle_cpu_wakes_at_max() -> None:
    """usleep_range(100, 200): soft expiry min, hard max; nothing else
    interrupts the idle CPU before the hard expiry. D state."""
    sim = make_sim({"t": "---\nrun 1ms\nusleep_range 100us 200us\nrun 1ms\n"})
    sim.run()
    assert _wakeups(sim, "t") == [1 * MS + 200 * US]
    switch = [e for e in _events(sim, "sched_switch") if e.fields["prev_comm"] == "t"][0]
    assert switch.fields["prev_state"] == "D"
    assert "mode=ABS" in format_line(_events(sim, "hrtimer_start")[0])


def test_the_tick_runs_a_sleeper_whose_soft_expiry_has_come() -> None:
    """A hog keeps CPU 0 busy, so its tick runs (HZ 250: every 4 ms).
    usleep_range(1000, 3000) from 5 ms: soft 6 ms, hard 8 ms; the tick at
    8 ms... is the hard expiry too, so take 2000..6000 from 5 ms: soft 7 ms,
    hard 11 ms, and the tick at 8 ms runs it (__hrtimer_run_queues()
    compares the soft expiry), after the tick's own callback."""
    sim = make_sim({
        "t": "---\nrun 1ms\nmsleep 1\nusleep_range 2000us 6000us\n",
        "hog": "---\nrun 50ms\n",
    })
    bp = sim.add_breakpoint("hrtimer_start")
    sim.run()
    start = sim.last_event()
    assert start is not None
    t0 = start.time_ns
    soft, hard = t0 + 2 * MS, t0 + 6 * MS
    assert start.fields["softexpires"] == soft and start.fields["expires"] == hard
    sim.remove_breakpoint(bp.id)
    sim.run(until_ns=hard + MS)
    tick = 4 * MS
    first_tick = -(-soft // tick) * tick  # the first period boundary at or after soft
    assert soft <= first_tick < hard
    assert _wakeups(sim, "t") and _wakeups(sim, "t")[-1] == first_tick
    at_tick = [e for e in (sim.event_at(i) for i in range(1, sim.recorded + 1)) if e.time_ns == first_tick]
    names = [(e.name, e.fields.get("function")) for e in at_tick if e.name == "hrtimer_expire_entry"]
    assert names == [("hrtimer_expire_entry", "tick_nohz_handler"), ("hrtimer_expire_entry", "hrtimer_wakeup")]


def test_usleep_range_of_an_rt_task_by_version() -> None:
    """6.3 .. 6.11 ignore an RT task's range (wake at min); before 6.3 and
    from 6.12 the range applies (wake at max on an idle CPU)."""
    got = {}
    for kernel in ("5.15", "6.6", "6.11", "6.12", "6.18"):
        sim = make_sim({"t": FIFO + "---\nrun 1ms\nusleep_range 100us 200us\nrun 1ms\n"}, kernel=kernel)
        sim.run()
        got[kernel] = _wakeups(sim, "t")[0] - 1 * MS
    assert got == {"5.15": 200 * US, "6.6": 100 * US, "6.11": 100 * US, "6.12": 200 * US, "6.18": 200 * US}


def test_slack_follows_prio_before_6_12_and_policy_after() -> None:
    """A PI-boosted fair task (prio < 100, SCHED_NORMAL): rt_task() is true,
    so no slack before 6.12; from 6.12 timer_slack_ns follows the policy."""
    p = TaskStruct(1, "t", (0,))
    p.prio = 50
    assert timer_slack_ns(p, (6, 6)) == 0
    assert timer_slack_ns(p, (6, 18)) == TIMER_SLACK_NS
    assert usleep_range_delta(p, (6, 6), 100 * US, 300 * US) == 0
    assert usleep_range_delta(p, (6, 18), 100 * US, 300 * US) == 200 * US


def test_a_sleep_to_ktime_max_does_not_overflow() -> None:
    """soft + slack saturates at KTIME_MAX (ktime_add_safe()); the run stops there."""
    sim = make_sim({"t": f"---\nnanosleep {2**63 - 1}ns\nrun 1ms\n"})
    status = sim.run()
    start = _events(sim, "hrtimer_start")[0]
    assert start.fields["expires"] == 2**63 - 1
    assert status in {"limit", "finished", "stalled"}


def test_back_and_forth_over_a_tick_wakeup_is_exact() -> None:
    """Reversibility across the tick-run sleeper: step back to before the
    hrtimer_start and forward again, same state hash."""
    sim = make_sim({
        "t": "---\nrun 1ms\nmsleep 1\nusleep_range 2000us 6000us\nrun 1ms\n",
        "hog": "---\nrun 20ms\n",
    })
    sim.run()
    end, h = sim.event, sim.state_hash()
    sim.goto(3)
    sim.goto(end)
    assert sim.state_hash() == h


def test_usleep_range_refuses_max_below_min() -> None:
    """One message naming the line, the op and both values."""
    import pytest

    from ktui.sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=r"usleep_range.*MAX 100us is less than MIN 200us"):
        make_sim({"t": "---\nusleep_range 200us 100us\n"})
