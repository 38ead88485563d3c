"""CFS vs EEVDF wakeup latency of an interactive task among CPU hogs: the
interactive-cfs and interactive-eevdf built-in scenarios."""

from __future__ import annotations

import ktui.sim

TICK_NSEC = (1_000_000_000 + 250 // 2) // 250  # include/linux/jiffies.h at HZ=250: 4 ms


def _latencies(name: str) -> list[int]:
    """sched_wakeup of editor -> the sched_switch to it, for every wakeup."""
    sim = ktui.sim.load(name)
    assert sim.run() == "finished"
    out: list[int] = []
    woke: int | None = None
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_wakeup" and ev.fields["comm"] == "editor":
            woke = ev.time_ns
        elif ev.name == "sched_switch" and ev.fields["next_comm"] == "editor" and woke is not None:
            out.append(ev.time_ns - woke)
            woke = None
    return out


def test_cfs_sleeper_preempts_at_once() -> None:
    """CFS (6.5): place_entity() gives the sleeper vruntime = min_vruntime -
    sysctl_sched_latency / 2 (GENTLE_FAIR_SLEEPERS: 6 ms / 2 = 3 ms on one CPU),
    more than wakeup_gran (1 ms) behind the hog: check_preempt_wakeup() preempts."""
    lat = _latencies("interactive-cfs")
    assert len(lat) == 50
    assert lat == [0] * 50


def test_eevdf_run_to_parity_makes_some_wakeups_wait_for_the_tick() -> None:
    """EEVDF (6.6): a wakeup preempts only if pick_eevdf() picks the woken
    task; RUN_TO_PARITY keeps curr until its deadline, so the rest wait for
    the tick that ends the hog's slice: never more than one TICK_NSEC (4 ms)."""
    lat = _latencies("interactive-eevdf")
    assert len(lat) == 50
    assert 0 < sum(1 for x in lat if x > 0) < 50
    assert max(lat) == TICK_NSEC
