"""Timer wheel sleeps (kernel/time/timer.c, sleep_timeout.c)."""

from __future__ import annotations

from ktui.sim.kernel.time.timer import bucket_expiry, msecs_to_jiffies
from tests.sim.helpers import make_sim


def test_msecs_to_jiffies_rounds_up() -> None:
    """HZ=250: 4 ms per jiffy, so 1 ms -> 1, 4 ms -> 1, 5 ms -> 2; HZ=300 uses (m*HZ+999)/1000."""
    assert msecs_to_jiffies(1, 250) == 1
    assert msecs_to_jiffies(4, 250) == 1
    assert msecs_to_jiffies(5, 250) == 2
    assert msecs_to_jiffies(10, 300) == (10 * 300 + 999) // 1000  # 3


def test_wheel_rounds_up_with_level_granularity() -> None:
    """Level 0 (delta < 63) fires one jiffy after expires; level 1 rounds up to 8 jiffies."""
    assert bucket_expiry(1000 + 10, 1000, 250) == 1011
    # delta 100 >= LVL_START(1) = 63: level 1, granularity 8: ((1100 >> 3) + 1) << 3
    assert bucket_expiry(1100, 1000, 250) == ((1100 >> 3) + 1) << 3


def test_msleep_sleeps_in_d_state_to_the_jiffy() -> None:
    """msleep(10) at HZ=250 on 6.18: 3 jiffies, bucket expiry +1 -> wakes at 16 ms."""
    sim = make_sim({"t": "--- msleep 10\nrun 1ms"})
    sim.add_breakpoint("sched_switch prev_comm=t")
    sim.run()
    assert sim.last_event().fields["prev_state"] == "D"  # type: ignore[union-attr]
    sim.run()
    wake = next(sim.event_at(i) for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "sched_wakeup")
    jiffies = (10 + 3) // 4  # msecs_to_jiffies(10) = 3
    assert wake.time_ns == (jiffies + 1) * 4_000_000


def test_msleep_before_6_13_adds_a_jiffy() -> None:
    """Before 6.13 msleep() used msecs_to_jiffies(ms) + 1: one jiffy later."""
    sim = make_sim({"t": "--- msleep 10\nrun 1ms"}, kernel="6.6")
    sim.run()
    wake = next(sim.event_at(i) for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "sched_wakeup")
    assert wake.time_ns == (3 + 1 + 1) * 4_000_000


def test_cpu_context_is_hardirq_at_the_tick_and_softirq_in_the_timer() -> None:
    """At a tick event the CPU is in hardirq; during process_timeout's wakeup, in softirq; else task."""
    sim = make_sim({"t": "--- msleep 10\nrun 5ms"})
    seen: dict[str, set[str]] = {}
    while sim.step():
        ev = sim.last_event()
        assert ev is not None
        ctx = sim.report()["cpus"][ev.cpu]["context"]  # type: ignore[index]
        seen.setdefault(ev.name, set()).add(ctx)
    assert seen["hrtimer_expire_entry"] == {"hardirq"}
    assert seen["timer_expire_entry"] == {"softirq"}
    assert seen["sched_waking"] == {"softirq"} and seen["sched_wakeup"] == {"softirq"}
    assert seen["sched_switch"] == {"task"}
