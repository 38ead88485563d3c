"""Runs always end: the silent-work bound of `Machine.step`, status livelock,
and ``--until`` stopping on simulated time when nothing is emitted (issue 13)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ktui.sim.machine import SILENT_WORK_LIMIT
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import make_sim

NESTED = "repeat 2 {\n" * 500 + "run 1ns\n" + "}\n" * 500
TICK_NSEC = (1_000_000_000 + 250 // 2) // 250  # include/linux/jiffies.h at HZ=250: 4 ms


def _sim(program: str, cpus: int = 1) -> Simulator:
    return make_sim({"t": "--- " + program}, cpus=cpus)


# The brief's hangs: each ends under --steps 1000 with the right status.
@pytest.mark.parametrize(
    ("program", "status"),
    [
        ("loop { run 0ns }", "limit"),  # spins tick to tick (hw/cpu.py)
        ("loop { sched_yield }", "limit"),
        ("loop { schedule }", "limit"),
        ("loop { udelay 0ns }", "limit"),
        ("repeat 1000000000 { run 0ns }", "limit"),  # passes skipped (hw/cpu.py)
        (NESTED, "livelock"),
        ("local_irq_disable\nloop { run 1ms }", "livelock"),
    ],
)
def test_each_hang_ends_under_the_step_limit(program: str, status: str) -> None:
    sim = _sim(program)
    assert sim.run(steps=1000) == status
    if status == "limit":
        assert sim.event == 1000
        assert sim.stop.reason == "1000 events"


def test_an_irqs_off_loop_is_a_livelock_naming_cpu_task_and_lines() -> None:
    """The loop is the 2nd-4th lines of the program; the reason names CPU 0,
    task t (pid 1) and those file lines, and the run cannot go past its last
    event."""
    sim = _sim("local_irq_disable\nloop {\nrun 1ms\n}")
    assert sim.run(steps=1000) == "livelock"
    reason = sim.stop.reason
    assert f"no event after {SILENT_WORK_LIMIT} silent work items" in reason
    run_line = next(op.line for op in sim.cfg.scenario.tasks[0].program if op.name == "run")
    assert reason.endswith(f"CPU 0, task t (pid 1), program lines {run_line - 1}-{run_line + 1}")
    end = sim.event
    assert sim.end == end and sim.at_end()
    assert sim.run(steps=10) == "livelock"  # again: the same stop, no new event
    assert sim.event == end and sim.stop.reason == reason


def test_nested_repeats_name_the_innermost_loops_lines() -> None:
    sim = make_sim({"t": "--- " + NESTED})
    assert sim.run(steps=1000) == "livelock"
    lines = sim.cfg.scenario.tasks[0].program
    run_line = next(op.line for op in lines if op.name == "run")
    assert sim.stop.reason.endswith(f"program lines {run_line - 1}-{run_line + 1}")


def test_livelock_is_deterministic() -> None:
    """The same stop (position, reason, state) on two runs: counted in work."""
    a, b = _sim(NESTED), _sim(NESTED)
    assert a.run(steps=1000) == b.run(steps=1000) == "livelock"
    assert (a.event, a.stop.reason, a.state_hash()) == (b.event, b.stop.reason, b.state_hash())


def test_livelock_state_is_the_last_events() -> None:
    """After the stop the position is right after the last event: the same
    state as going back there and forward again."""
    sim = _sim(NESTED)
    assert sim.run(steps=1000) == "livelock"
    end, digest = sim.event, sim.state_hash()
    sim.goto(0)
    sim.goto(end)
    assert sim.state_hash() == digest


def test_until_stops_on_time_with_no_event() -> None:
    """local_irq_disable; loop { run 1ms }: time moves but nothing is emitted
    (the tick waits for irqs); --until 50ms stops there, status limit."""
    sim = _sim("local_irq_disable\nloop { run 1ms }")
    assert sim.run(until_ns=50_000_000) == "limit"
    assert sim.stop.reason == "until t=50000000 ns"
    before = sim.event
    assert sim.run(until_ns=60_000_000) == "limit"  # can go on to a later until
    assert sim.event == before


def test_irqs_off_loop_livelocks_without_until() -> None:
    sim = _sim("local_irq_disable\nloop { run 1ms }")
    assert sim.run() == "livelock"
    assert "CPU 0, task t (pid 1)" in sim.stop.reason


def test_a_loop_sharing_its_cpu_is_not_a_livelock() -> None:
    """loop { schedule } with another task queued: per-op charge, only handler
    calls count toward the bound (2,500 kicks of 16 x 100 ns per 4 ms tick,
    under 32,768), so the other task runs its 5 ms."""
    assert TICK_NSEC // (16 * 100) < SILENT_WORK_LIMIT
    sim = make_sim({"t": "--- loop {\nschedule\n}", "r": "--- run 5ms"})
    assert sim.run(until_ns=20_000_000) == "limit"


def test_64_cpus_spinning_alone_do_not_livelock() -> None:
    tasks = {f"t{i}": f"cpu = {i}\n--- loop {{ run 0ns }}" for i in range(64)}
    sim = make_sim(tasks, cpus=64)
    assert sim.run(steps=1000) == "limit"
    assert sim.event == 1000


def test_no_history_livelocks_too() -> None:
    from ktui.sim.scenario import parse_scenario_text

    text = '[scenario]\nname = "x"\nseed = 1\n[[task]]\nname = "t"\nprogram = "local_irq_disable\\nloop { run 1ms }"'
    sim = Simulator(parse_scenario_text(text, "<test>"), history=False)
    assert sim.run(steps=1000) == "livelock"


# -- property: small programs from the op grammar always end -----------------
_DUR = st.sampled_from(["0ns", "1ns", "100ns", "1us", "1ms"])
_LEAF = st.one_of(
    _DUR.map(lambda d: f"run {d}"),
    _DUR.map(lambda d: f"udelay {d}"),
    st.sampled_from(["schedule", "sched_yield"]),
)
_PAIRS = st.sampled_from([("preempt_disable", "preempt_enable"), ("local_irq_disable", "local_irq_enable")])


def _block(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    head = st.one_of(st.just("loop {"), st.integers(1, 1_000_000_000).map(lambda n: f"repeat {n} {{"))
    wrap = st.tuples(head, children).map(lambda hc: [hc[0], *hc[1], "}"])
    guard = st.tuples(_PAIRS, children).map(lambda pc: [pc[0][0], *pc[1], pc[0][1]])
    return st.one_of(wrap, guard, st.lists(children, min_size=1, max_size=3).map(lambda ls: sum(ls, [])))


_PROGRAM = st.recursive(_LEAF.map(lambda s: [s]), _block, max_leaves=6)


@settings(max_examples=40, deadline=None)
@given(programs=st.lists(_PROGRAM, min_size=1, max_size=2), unpaired=st.booleans())
def test_any_small_program_ends_within_the_step_limit(programs: list[list[str]], unpaired: bool) -> None:
    """run(steps=1000) returns one of the statuses for generated programs
    (one or two tasks on one CPU; optionally an unpaired irq/preempt op)."""
    tasks = {}
    for i, ops in enumerate(programs):
        if unpaired and i == 0:
            ops = ["local_irq_disable", *ops]
        tasks[f"t{i}"] = "--- " + "\n".join(ops)
    sim = make_sim(tasks)
    status = sim.run(steps=1000)
    assert status in ("finished", "limit", "livelock", "deadlock")
    assert sim.event <= 1000
    if status == "livelock":
        assert "CPU 0, task t" in sim.stop.reason


# -- the end of time ----------------------------------------------------------
def test_a_run_stops_at_ktime_max() -> None:
    """Forked 0.5 ms before KTIME_MAX (2**63 - 1 ns, include/linux/ktime.h),
    `run 1ms` cannot end: the run stops with status limit at the last event
    before KTIME_MAX, and stays there."""
    from ktui.sim.machine import KTIME_MAX_REASON
    from ktui.sim.units import KTIME_MAX

    start = KTIME_MAX - 500_000
    sim = make_sim({"t": f'start = "{start}ns"\n--- run 1ms'})
    assert sim.run() == "limit"
    assert sim.stop.reason == KTIME_MAX_REASON
    assert "KTIME_MAX (9223372036854775807 ns" in KTIME_MAX_REASON
    assert start <= sim.time_ns <= KTIME_MAX
    end, digest = sim.event, sim.state_hash()
    assert sim.run() == "limit" and (sim.event, sim.state_hash()) == (end, digest)
    sim.goto(0)
    sim.goto(end)
    assert sim.state_hash() == digest


def test_sleeping_to_ktime_max_ends() -> None:
    """loop { msleep 4294967295 } (UINT_MAX ms, about 49.7 days each) walks
    time up to KTIME_MAX in 2**63 / (2**32 * 10**6) = about 2,147 sleeps."""
    sim = _sim("loop { msleep 4294967295 }")
    assert sim.run() == "limit"
    assert "KTIME_MAX" in sim.stop.reason
    assert sim.time_ns > (1 << 63) - 4294967296 * 1_000_000 * 2
