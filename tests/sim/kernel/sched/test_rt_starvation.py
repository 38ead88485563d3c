"""An RT hog next to a fair task: rt_bandwidth throttling before 6.12, the
fair server from 6.12 (the rt-throttling and rt-fair-server scenarios)."""

from __future__ import annotations

import ktui.sim

SEC = 1_000_000_000
MS = 1_000_000
TICK_NSEC = (SEC + 250 // 2) // 250  # HZ=250: 4 ms; runtime is charged at ticks


def _runtimes(name: str, until: int) -> tuple[dict[str, int], list[str]]:
    sim = ktui.sim.load(name)
    assert sim.run(until_ns=until) == "limit"
    rep = sim.report()
    tasks = {t["comm"]: t["sum_exec_runtime_ns"] for t in rep["tasks"]}  # type: ignore[index]
    return tasks, [e["message"] for e in rep["log"]]  # type: ignore[index]


def test_rt_throttling_leaves_the_fair_task_50ms_of_each_second() -> None:
    """6.6: sched_rt_runtime_us 950000 of sched_rt_period_us 1000000, so in
    3 s the fair task gets 3 * (1000 - 950) ms = 150 ms, within one tick."""
    run, log = _runtimes("rt-throttling", 3 * SEC)
    assert abs(run["fair"] - 3 * (1000 - 950) * MS) <= TICK_NSEC
    assert run["rt_hog"] + run["fair"] == 3 * SEC
    assert log == ["sched: RT throttling activated"]  # printk_deferred_once()


def test_fair_server_gives_the_fair_task_its_50ms() -> None:
    """6.18: no RT throttling; the fair server's 50 ms every 1000 ms runs the
    fair task: 3 * 50 ms in 3 s, and nothing in the log."""
    run, log = _runtimes("rt-fair-server", 3 * SEC)
    assert run["fair"] == 3 * 50 * MS
    assert run["rt_hog"] == 3 * SEC - 3 * 50 * MS
    assert log == []
