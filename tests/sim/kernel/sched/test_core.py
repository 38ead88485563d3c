"""kernel/sched/core.c model: __schedule() order, fork placement, wakeups."""

from __future__ import annotations

import pytest

from tests.sim.helpers import make_sim


@pytest.mark.parametrize("kernel", ["6.6", "6.18"])
def test_voluntary_schedule_gives_way_once_curr_is_ineligible(kernel: str) -> None:
    """EEVDF: pick_eevdf() drops an ineligible curr before RUN_TO_PARITY is
    considered, so a schedule() after curr ran past the average vruntime
    switches to the waiting task, slice or no slice."""
    sim = make_sim(
        {"a": "--- run 100us\nschedule\nrun 100us", "b": 'start = "10us"\n--- run 1ms'},
        kernel=kernel,
    )
    sim.add_breakpoint("sched_switch prev_comm=a")
    assert sim.run() == "breakpoint"
    ev = sim.last_event()
    assert ev is not None and ev.time_ns == 100_000 and ev.fields["next_comm"] == "b"
    assert ev.fields["prev_state"] == "R"  # voluntary, still runnable: not "R+"


def test_forks_spread_to_the_least_loaded_cpu() -> None:
    """wake_up_new_task() -> select_task_rq(SD_BALANCE_FORK): 4 tasks on 2 CPUs go 0,1,0,1."""
    sim = make_sim({f"t{i}": "--- run 1ms" for i in range(4)}, cpus=2)
    sim.run(steps=20)
    cpus = [t["cpu"] for t in sim.report()["tasks"]]  # type: ignore[attr-defined]
    assert cpus == [0, 1, 0, 1]


def test_wakeup_goes_to_an_idle_cpu_and_is_traced_there() -> None:
    """A sleeper whose CPU is busy wakes on the idle CPU (select_idle_sibling) via
    sched_migrate_task, and the idle target traces its own sched_wakeup (ttwu_queue)."""
    sim = make_sim(
        {
            "sleeper": "cpu = 0\n--- msleep 1\nrun 1ms",
            "hog": 'cpu = 0\nstart = "100us"\n--- run 50ms',
        },
        cpus=2,
    )
    sim.add_breakpoint("sched_wakeup comm=sleeper")
    assert sim.run() == "breakpoint"
    ev = sim.last_event()
    assert ev is not None and ev.fields["target_cpu"] == 1 and ev.cpu == 1
    names = [sim.event_at(i).name for i in range(1, sim.event + 1)]
    assert "sched_migrate_task" in names


def test_an_exiting_task_is_never_a_delayed_dequeue() -> None:
    """6.12+: DELAY_DEQUEUE keeps an ineligible sleeper queued, but a dying task
    (TASK_DEAD is a special state: DEQUEUE_SPECIAL) leaves the rq at once."""
    sim = make_sim({"a": "--- run 3ms", "b": "--- run 10ms"}, kernel="6.18")
    sim.add_breakpoint("sched_switch prev_comm=a prev_state=Z")
    assert sim.run() == "breakpoint"
    a = sim.snapshot().task(1)
    assert a is not None and not a.on_rq and not a.sched_delayed
    assert 1 not in sim.snapshot().rqs[0].tree
