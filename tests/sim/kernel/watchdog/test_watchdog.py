"""kernel/watchdog.c + watchdog_perf.c model: soft and hard lockup reports with the kernel's arithmetic."""

from __future__ import annotations

import pytest

from ktui.sim.errors import ScenarioError
from ktui.sim.kernel.watchdog.watchdog import get_timestamp, is_softlockup, sample_period_ns
from tests.sim.helpers import lines_of, make_sim

SEC = 1_000_000_000
SPIN_FOREVER = "--- spin_lock S\nloop {\nrun 1ms\n}"


def test_sample_period_is_two_fifths_of_thresh() -> None:
    """set_sample_period(): 2 * 10 s / NUM_SAMPLE_PERIODS (5) = 4 s."""
    assert sample_period_ns(10) == 2 * 10 * SEC // 5 == 4 * SEC


def test_is_softlockup_uses_timestamp_units() -> None:
    """get_timestamp() is ns >> 30: 20 s is 18 units (not past 0 + 20), 24 s is 22."""
    assert get_timestamp(20 * SEC) == 20 * SEC >> 30 == 18
    assert is_softlockup(0, 0, get_timestamp(20 * SEC), 10) == 0
    assert is_softlockup(0, 0, get_timestamp(24 * SEC), 10) == 22


def test_spinlock_held_forever_reports_soft_lockup_at_24s_stuck_for_22s() -> None:
    """Samples every 4 s; the 20 s one is at 18 units, the 24 s one at 22 > 20: "stuck for 22s".
    report_ts becomes 22, so the next report needs now > 42 units: 44 s is 40, 48 s is 44."""
    sim = make_sim({"t1": SPIN_FOREVER}, extra="[sysctl]\nkernel.watchdog_thresh = 10")
    sim.run(until_ns=50 * SEC)
    bugs = [(t, msg) for _e, t, _c, _p, msg in sim.machine.bugs]
    assert bugs == [
        (24 * SEC, "BUG: soft lockup - CPU#0 stuck for 22s! [t1:1]"),
        (48 * SEC, f"BUG: soft lockup - CPU#0 stuck for {48 * SEC >> 30}s! [t1:1]"),
    ]
    assert [ln for ln in lines_of(sim) if "lockup" in ln] == [
        "t1:softlockup:stuck_for=22s",
        "t1:softlockup:stuck_for=44s",
    ]
    # the kernel log reaches the report
    assert any("soft lockup" in str(e) for e in sim.report()["log"])  # type: ignore[union-attr]


def test_thresh_knob_scales_the_soft_lockup() -> None:
    """thresh 1: samples every 0.4 s; first with now > 2 units: 2.4 s (2.4e9 >> 30 = 2 no), 2.8 s -> 2 no, 3.2 s -> 2 no, 3.6 s -> 3."""
    sim = make_sim({"t1": SPIN_FOREVER}, extra="[sysctl]\nkernel.watchdog_thresh = 1")
    sim.run(until_ns=4 * SEC)
    first = sim.machine.bugs[0]
    t = first[1]
    assert t == 3_600_000_000 and t >> 30 == 3
    assert first[4] == "BUG: soft lockup - CPU#0 stuck for 3s! [t1:1]"


def test_preemptible_loop_is_no_soft_lockup() -> None:
    """The stopper preempts a task that may be preempted: softlockup_fn() touches at each sample."""
    sim = make_sim({"t1": "---\nrepeat 5000 {\nrun 1ms\n}"}, extra="[sysctl]\nkernel.watchdog_thresh = 1")
    assert sim.run() == "finished"
    assert sim.machine.bugs == []


def test_no_sysctl_table_arms_nothing() -> None:
    """Without [sysctl] the trace is the one the machine had before the watchdog existed."""
    with_wd = make_sim({"t1": "---\nrepeat 30 {\nrun 1ms\n}"}, extra="[sysctl]\nkernel.watchdog = 0\nkernel.hung_task_timeout_secs = 0")
    without = make_sim({"t1": "---\nrepeat 30 {\nrun 1ms\n}"})
    with_wd.run()
    without.run()
    assert lines_of(with_wd) == lines_of(without)
    assert "watchdog" not in without.machine.ext


def test_irqs_off_loop_reports_hard_lockup_once() -> None:
    """thresh 1: hrtimers at 0.4 s and 0.8 s are deferred (irqs off), so at the 1 s perf NMI
    hrtimer_interrupts has not moved: one report (watchdog_hardlockup_warned), none at 2 s, 3 s."""
    sim = make_sim(
        {"t1": "--- local_irq_disable\nrepeat 3000 {\nrun 1ms\n}\nlocal_irq_enable"},
        extra="[sysctl]\nkernel.watchdog_thresh = 1",
    )
    assert sim.run() == "finished"
    assert [(t, msg) for _e, t, _c, _p, msg in sim.machine.bugs] == [
        (1 * SEC, "CPU0: Watchdog detected hard LOCKUP on cpu 0"),
    ]
    assert [ln for ln in lines_of(sim) if "hardlockup" in ln] == ["t1:hardlockup:cpu=0"]


def test_spinlock_held_with_irqs_on_is_no_hard_lockup() -> None:
    """The hrtimer still runs under a spinlock with irqs on: soft lockup only."""
    sim = make_sim({"t1": SPIN_FOREVER}, extra="[sysctl]\nkernel.watchdog_thresh = 1")
    sim.run(until_ns=4 * SEC)
    assert all("hard LOCKUP" not in b[4] for b in sim.machine.bugs)


def test_unknown_sysctl_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match="kernel.watchdog_thresh"):
        make_sim({"t1": "---\nrun 1ms"}, extra="[sysctl]\nkernel.watchdog_tresh = 1")


def test_quoted_sysctl_names_work_like_dotted_keys() -> None:
    """"kernel.watchdog_thresh" = 5 (sysctl(8)'s spelling) is kernel.watchdog_thresh = 5."""
    quoted = make_sim({"t1": SPIN_FOREVER}, extra='[sysctl]\n"kernel.watchdog_thresh" = 5')
    dotted = make_sim({"t1": SPIN_FOREVER}, extra="[sysctl]\nkernel.watchdog_thresh = 5")
    for sim in (quoted, dotted):
        sim.run(until_ns=20 * SEC)
    assert lines_of(quoted) == lines_of(dotted)
    assert any("lockup" in ln for ln in lines_of(quoted))
    with pytest.raises(ScenarioError, match="vm.swappiness"):
        make_sim({"t1": "---\nrun 1ms"}, extra='[sysctl]\n"vm.swappiness" = 1')


def test_softlockup_is_an_event_breakpoint() -> None:
    """`softlockup` stops the run at the report, like any tracepoint."""
    sim = make_sim({"t1": SPIN_FOREVER}, extra="[sysctl]\nkernel.watchdog_thresh = 1")
    sim.add_breakpoint("softlockup duration>=3")
    assert sim.run(until_ns=10 * SEC) == "breakpoint"
    assert sim.machine.now == 3_600_000_000
    assert sim.event_at(sim.event).name == "softlockup"
