"""The scheduler's breakpoint subjects (ktui.sim.kernel.sched.subjects):
tasks by comm or pid through the comm index, across fork and exit; CPUs."""

from __future__ import annotations

import pytest

from ktui.sim import breakpoints as bpmod
from ktui.sim.errors import BreakpointError
from ktui.sim.kernel.sched.subjects import CPU, TASK, cpu_get, task_get, task_pid
from ktui.sim.replay.context import MachineContext
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import make_sim


def _sim() -> Simulator:
    """t1 runs 1 ms from 0; t2 forks at 5 ms, takes A and runs 1 ms; 2 CPUs."""
    return make_sim(
        {"t1": "---\nrun 1ms", "t2": 'start = "5ms"\n---\nmutex_lock A\nrun 1ms'}, cpus=2
    )


def test_task_items_resolve_to_scenario_pids() -> None:
    m = _sim().machine
    assert [task_pid(m, x) for x in ("t1", "t2", "1", "2")] == [1, 2, 1, 2]
    assert [task_pid(m, x) for x in ("0", "3", "t3", "swapper")] == [None] * 4


def test_comm_index_follows_the_scenario_and_new_comms() -> None:
    a = _sim().machine
    b = make_sim({"x": "---\nrun 1ms", "t1": "---\nrun 1ms"}).machine
    assert (task_pid(a, "t1"), task_pid(b, "t1"), task_pid(a, "t1")) == (1, 2, 1)
    assert task_pid(b, "t2") is None
    b.cfg.names.comms.append("late")  # a task forked later under a new comm
    assert task_pid(b, "late") == 3


def test_task_reads_across_fork_and_exit() -> None:
    sim = _sim()
    m = sim.machine
    assert task_get(m, 2, "state") is None  # not forked yet: never holds
    sim.run(until_ns=4_999_999)
    assert task_get(sim.machine, 2, "state") is None
    sim.step(2)  # sched_process_fork, sched_wakeup_new at 5 ms
    m = sim.machine
    assert task_get(m, 2, "state") == "R"
    assert task_get(m, 2, "nice") == 0
    assert task_get(m, 2, "prio") == 120  # NICE_TO_PRIO(0) = MAX_RT_PRIO + 20 = 120
    sim.run()
    m = sim.machine
    assert (task_get(m, 1, "state"), task_get(m, 2, "state")) == ("Z", "Z")
    assert task_get(m, 2, "sum_exec_runtime") == 1_000_000
    assert task_get(m, 2, "blocked_on") == ""


def test_state_breakpoint_on_a_later_task_rises_after_its_fork() -> None:
    sim = _sim()
    sim.add_breakpoint("task t2 on_cpu == 1")
    assert sim.run() == "breakpoint"
    assert sim.time_ns >= 5_000_000
    assert sim.machine.tasks[2].on_cpu


def test_cpu_reads_run_queue_and_curr() -> None:
    sim = _sim()
    sim.run()
    m = sim.machine
    assert (cpu_get(m, 1, "curr"), cpu_get(m, 1, "idle"), cpu_get(m, 1, "nr_running")) == (
        "swapper/1",
        1,
        0,
    )
    assert CPU.exists(m, "1") and not CPU.exists(m, "2")
    assert TASK.exists(m, "t2") and not TASK.exists(m, "t9")


@pytest.mark.parametrize(
    ("expr", "detail"),
    [
        ("task t11 state == D", "no task 't11' (did you mean 't1'?)"),
        ("cpu 2 idle == 1", "no CPU 2 (the machine has 2: 0-1)"),
        ("lock A owner == t22", "no task 't22' (did you mean 't2'?)"),
        ("cpu 0 curr == swapper/0", ""),
    ],
)
def test_validate_against_a_machine(expr: str, detail: str) -> None:
    ctx = MachineContext(_sim().machine)
    bp = bpmod.parse(expr)
    if not detail:
        assert bpmod.validate(bp, ctx) == bp
        return
    with pytest.raises(BreakpointError) as info:
        bpmod.validate(bp, ctx)
    assert info.value.detail == detail


def test_cpu_context_attrs_follow_the_per_cpu_preempt_count() -> None:
    """`cpu 0 in_hardirq == 1` stops on the tick's hrtimer_expire_entry (hardirq count
    set: preempt_count == HARDIRQ_OFFSET == 1 << 16), and `in_atomic` on a spinlock."""
    from tests.sim.helpers import make_sim

    sim = make_sim({"t1": "--- run 5ms"})
    sim.add_breakpoint("cpu 0 in_hardirq == 1")
    assert sim.run() == "breakpoint"
    assert sim.last_event() is not None and sim.last_event().name == "hrtimer_expire_entry"  # type: ignore[union-attr]
    assert sim.machine.pcpu[0].preempt_count == 1 << 16
    sim2 = make_sim({"t1": "--- spin_lock S\nrun 1ms\nspin_unlock S"})
    sim2.add_breakpoint("cpu 0 in_atomic == 1 and cpu 0 in_interrupt == 0")
    assert sim2.run() == "breakpoint"
    assert sim2.machine.pcpu[0].preempt_count == 1


def test_dl_runtime_left_breakpoint_stops_at_the_exhausted_budget() -> None:
    """`task greedy dl_runtime_left <= 0` (deadline-miss): not at the fork,
    where the task has no CBS instance yet (runtime 0 until
    setup_new_dl_entity()), but when its 10 ms budget is used up: it runs
    first (earlier deadline ties go to the first queued), from 0 to 10 ms."""
    from ktui.sim.scenario.builtin import load_scenario

    sim = Simulator(load_scenario("deadline-miss"))
    sim.add_breakpoint("task greedy dl_runtime_left <= 0")
    assert sim.run() == "breakpoint"
    assert sim.machine.now == 10_000_000
    greedy = next(t for t in sim.machine.tasks.values() if t.comm == "greedy")
    assert greedy.dl.runtime <= 0 and greedy.dl.deadline == 50_000_000
