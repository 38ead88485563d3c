"""CPU execution of programs: run vs udelay time, loops, silent chains, and
`run` ops ending on a tick preemption."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ktui.sim.hw.cpu import SILENT_OP_LIMIT, SILENT_OP_NS
from ktui.sim.replay.timeline import CHECKPOINT_INTERVAL, Simulator
from ktui.sim.scenario import parse_scenario_text
from tests.sim.helpers import make_sim


def _exit_time(sim: Simulator, comm: str) -> int:
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_process_exit" and ev.fields["comm"] == comm:
            return ev.time_ns
    raise AssertionError(f"{comm} never exited")


def _runtimes(sim: Simulator) -> dict[str, int]:
    tasks = sim.report()["tasks"]
    return {t["comm"]: t["sum_exec_runtime_ns"] for t in tasks}  # type: ignore[attr-defined]


def test_run_counts_own_runtime_but_udelay_counts_wall_time() -> None:
    """Sharing one CPU, `run 10ms` needs 10 ms of CPU; `udelay 10ms` ends 10 ms of wall time after it began."""
    sim = make_sim({"d": "--- udelay 10ms", "r": "--- run 10ms"})
    sim.run()
    tasks = {t["comm"]: t for t in sim.report()["tasks"]}  # type: ignore[attr-defined]
    assert tasks["r"]["sum_exec_runtime_ns"] == 10_000_000
    assert tasks["d"]["sum_exec_runtime_ns"] < 10_000_000  # it was preempted part of the time
    assert _exit_time(sim, "d") >= 10_000_000
    assert _exit_time(sim, "r") == 10_000_000 + tasks["d"]["sum_exec_runtime_ns"]


def test_repeat_runs_the_body_n_times() -> None:
    """repeat 3 { run 1ms } burns exactly 3 ms."""
    sim = make_sim({"t": "--- repeat 3 {\nrun 1ms\n}"})
    sim.run()
    assert sim.report()["tasks"][0]["sum_exec_runtime_ns"] == 3_000_000  # type: ignore[index]


def test_a_run_that_ends_on_a_tick_preemption_completes_once() -> None:
    """Two `run 20ms; exit` tasks on 1 CPU at HZ=250 (TICK_NSEC = 4 ms): a run
    ends on a tick that preempts it; the op completes there instead of
    starting over, so both exit after exactly 20 ms of CPU each, by 40 ms."""
    sim = make_sim({"a": "--- run 20ms\nexit", "b": "--- run 20ms\nexit"})
    assert sim.run(steps=10_000) == "finished"
    assert _runtimes(sim) == {"a": 20_000_000, "b": 20_000_000}
    assert max(_exit_time(sim, "a"), _exit_time(sim, "b")) == 2 * 20_000_000


def test_a_loop_of_zero_time_ops_still_moves_time() -> None:
    """loop { schedule } alone on a CPU never emits, yet simulated time
    advances: it spins from tick to tick and is charged all of it."""
    sim = make_sim({"t": "--- loop {\nschedule\n}"})
    assert sim.run(until_ns=20_000_000) == "limit"
    assert sim.time_ns == 20_000_000  # the tick at 5 * TICK_NSEC (4 ms)
    assert _runtimes(sim) == {"t": 20_000_000}
    ticks = [sim.event_at(i).time_ns for i in range(1, sim.event + 1) if sim.event_at(i).name == "hrtimer_expire_entry"]
    assert ticks == [k * 4_000_000 for k in range(1, 6)]


def test_silent_loops_on_two_cpus_do_not_wait_for_each_other() -> None:
    """Two CPUs each spinning alone in a silent loop both move on to the next
    tick (neither waits at one instant for the other's next step)."""
    sim = make_sim(
        {"t": "cpu = 0\n--- loop {\nschedule\n}", "u": "cpu = 1\n--- loop {\nsched_yield\n}"}, cpus=2
    )
    assert sim.run(until_ns=12_000_000) == "limit"
    assert _runtimes(sim) == {"t": 12_000_000, "u": 12_000_000}


def test_a_silent_loop_shares_its_cpu() -> None:
    """loop { schedule } with another task queued is charged per op, so time
    moves and the other task still gets its 5 ms and exits."""
    sim = make_sim({"t": "--- loop {\nschedule\n}", "r": "--- run 5ms"})
    assert sim.run(until_ns=20_000_000) == "limit"
    assert _runtimes(sim)["r"] == 5_000_000
    _exit_time(sim, "r")


def test_a_long_silent_chain_is_charged_per_op() -> None:
    """repeat 64 { schedule } is 128 silent ops (schedule, end): 8 chains of
    SILENT_OP_LIMIT (16) ops, each charged 16 * SILENT_OP_NS, before the run."""
    assert (SILENT_OP_LIMIT, SILENT_OP_NS) == (16, 100)
    sim = make_sim({"t": "--- repeat 64 {\nschedule\n}\nrun 1ms"})
    assert sim.run() == "finished"
    assert _exit_time(sim, "t") == 1_000_000 + 64 * 2 * SILENT_OP_NS


# include/linux/jiffies.h: TICK_NSEC = (NSEC_PER_SEC + HZ/2) / HZ
TICK_NSEC = {hz: (1_000_000_000 + hz // 2) // hz for hz in (100, 250, 300, 1000)}
MIN_TICKS = CHECKPOINT_INTERVAL + 100
"""Busy CPU-ticks of every generated run: each is one tick event, so every
history is longer than one checkpoint interval."""


@st.composite
def tick_runs(draw: st.DrawFn) -> tuple[int, int, list[list[int]]]:
    """(cpus, hz, each task's run lengths in ticks) for a run-only workload."""
    cpus = draw(st.integers(1, 4))
    hz = draw(st.sampled_from(sorted(TICK_NSEC)))
    runs = draw(st.lists(st.lists(st.integers(1, 12), min_size=1, max_size=4), min_size=1, max_size=5))
    return cpus, hz, runs


def _tick_run_sim(cpus: int, hz: int, runs: list[list[int]]) -> tuple[Simulator, dict[str, int]]:
    """Every task repeats its runs so that the CPUs are busy >= MIN_TICKS ticks."""
    tick = TICK_NSEC[hz]
    per_pass = sum(sum(r) for r in runs)
    repeat = -(-MIN_TICKS // per_pass)
    parts = [
        '[scenario]\nname = "ticks"\nseed = 1',
        f'[machine]\ncpus = {cpus}\nhz = {hz}\nkernel = "6.18"',
    ]
    want = {}
    for i, task_runs in enumerate(runs):
        body = "\n".join(f"run {n * tick}ns" for n in task_runs)
        parts.append(f'[[task]]\nname = "t{i}"\nprogram = """\nrepeat {repeat} {{\n{body}\n}}\nexit\n"""')
        want[f"t{i}"] = repeat * sum(task_runs) * tick
    return Simulator(parse_scenario_text("\n\n".join(parts), "<hypothesis>")), want


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tick_runs(), st.floats(0, 1))
@example((1, 250, [[5], [5]]), 0.5)  # the two `run 20ms` tasks of the issue
@example((4, 1000, [[1, 2], [3], [1], [2, 2], [4]]), 0.9)
def test_tick_multiple_runs_always_finish_with_exact_runtime(
    case: tuple[int, int, list[list[int]]], where: float
) -> None:
    """Runs that are whole ticks long (ending on tick preemptions) on 1-4 CPUs
    always finish, each task's sum_exec_runtime is the sum of its runs, and a
    replay from a checkpoint past the first interval retraces the run."""
    sim, want = _tick_run_sim(*case)
    assert sim.run(steps=200_000) == "finished"
    assert _runtimes(sim) == want
    end, end_hash = sim.recorded, sim.state_hash()
    assert end > CHECKPOINT_INTERVAL
    sim.goto(CHECKPOINT_INTERVAL + int(where * (end - CHECKPOINT_INTERVAL)))
    assert sim.run() == "finished"  # replay checks each event against the record
    assert (sim.recorded, sim.state_hash()) == (end, end_hash)


def test_a_silent_loop_after_a_silent_preamble_is_still_found() -> None:
    """A three-op silent loop reached through a silent preamble is found as
    a cycle: its CPU spins to each tick, charged all of it."""
    sim = make_sim({"t": "--- schedule\nschedule\nloop {\nschedule\nsched_yield\nschedule\n}"})
    assert sim.run(until_ns=8_000_000) == "limit"
    assert _runtimes(sim) == {"t": 8_000_000}
    m = sim.machine
    assert m.pcpu[0].spin_gen == m.rqs[0].exec_gen  # its queued resume is a spin's


def test_schedule_in_atomic_context_is_scheduling_while_atomic() -> None:
    """schedule() with preemption off: schedule_debug()'s BUG, the CPU's count
    is reset (preempt_count_set(PREEMPT_DISABLED)), and the unbalanced
    preempt_enable() that follows leaves it at 0."""
    sim = make_sim({"t": "--- preempt_disable\nschedule\npreempt_enable\nrun 1ms"})
    assert sim.run() == "finished"
    names = [sim.event_at(i).name for i in range(1, sim.recorded + 1)]
    i = names.index("preempt_disable")
    assert names[i : i + 3] == ["preempt_disable", "bug", "preempt_enable"]
    assert "scheduling while atomic" in sim.machine.bugs[0][4]
    assert [p.preempt_count for p in sim.machine.pcpu] == [0]


def test_the_cpu_descriptor_validates_each_cpus_context() -> None:
    """The cpu subsystem's validator checks preempt_count against the
    context stack after every event of a tick- and timer-heavy run."""
    from ktui.sim.errors import SimInvariantError
    from ktui.sim.hw.subsystem import SUBSYSTEM

    assert SUBSYSTEM.validate is not None
    sim = make_sim({"a": "--- msleep 5\nrun 10ms", "b": "--- spin_lock S\nudelay 3ms\nspin_unlock S"})
    while sim.step():
        SUBSYSTEM.validate(sim.machine)
    sim.machine.pcpu[0].ctx_stack.append(2)  # a hardirq the count does not show
    with pytest.raises(SimInvariantError):
        SUBSYSTEM.validate(sim.machine)


def test_exiting_with_preemption_off_resets_the_count_without_a_bug() -> None:
    """do_exit() in atomic context only prints a note and resets the count:
    no BUG, and the next task on the CPU runs preemptible."""
    sim = make_sim({"a": "--- preempt_disable\nexit", "b": 'start = "1ms"\n--- run 1ms'})
    assert sim.run() == "finished"
    assert sim.machine.bugs == []
    assert [p.preempt_count for p in sim.machine.pcpu] == [0]


# -- repeat passes skipped: exact, and the same at every HZ ------------------
def test_a_silent_repeat_is_charged_per_op_in_whole_chains() -> None:
    """repeat 10000 { run 0ns } is 1 + 10000 * 2 = 20,001 silent ops: charged
    in whole chains of 16, 20,000 ops * 100 ns = 2 ms (under the first 4 ms
    tick), so preempt_disable comes at t = 2,000,000 ns."""
    ops = 1 + 10_000 * 2
    sim = make_sim({"t": "--- repeat 10000 {\nrun 0ns\n}\npreempt_disable\npreempt_enable"})
    assert sim.run() == "finished"
    times = [sim.event_at(i).time_ns for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "preempt_disable"]
    assert times == [(ops - ops % SILENT_OP_LIMIT) * SILENT_OP_NS] == [2_000_000]


@pytest.mark.parametrize("hz", [100, 250, 1000])
def test_a_huge_silent_repeat_spins_tick_to_tick_at_every_hz(hz: int) -> None:
    """repeat 1000000000 { run 0ns } alone: 200 s of ops, so --steps 1000
    stops on the limit with the task running all along (never a livelock,
    whatever the tick rate)."""
    sim = make_sim({"t": "--- repeat 1000000000 {\nrun 0ns\n}"}, hz=hz)
    assert sim.run(steps=1000) == "limit"
    assert _runtimes(sim)["t"] == sim.time_ns > 0


# Ops that are silent and read no clock. (A schedule() alone on its CPU is
# silent too, but its update_curr() reads the clock: skipped passes of it fold
# their accounting into the next update, as a spinning `loop` does.)
_SILENT = st.sampled_from(["run 0ns", "udelay 0ns"])
_EMIT = st.sampled_from(["preempt_disable\npreempt_enable", "run 1us", "msleep 1"])


def _repeats(children: st.SearchStrategy[list[str]]) -> st.SearchStrategy[list[str]]:
    head = st.integers(1, 600).map(lambda n: f"repeat {n} {{")
    return st.one_of(
        st.tuples(head, children).map(lambda hc: [hc[0], *hc[1], "}"]),
        st.lists(children, min_size=1, max_size=3).map(lambda ls: sum(ls, [])),
    )


_BODY = st.recursive(st.one_of(_SILENT, _EMIT).map(lambda s: [s]), _repeats, max_leaves=5)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies=st.lists(_BODY, min_size=1, max_size=2), hz=st.sampled_from([100, 1000]))
def test_skipping_repeat_passes_is_exact(bodies: list[list[str]], hz: int) -> None:
    """The same events, times and state as running every pass, one or two
    tasks on one CPU (alone, or sharing it, where nothing is skipped)."""
    from unittest import mock

    import ktui.sim.hw.cpu as cpu

    tasks = {f"t{i}": "--- " + "\n".join(body) for i, body in enumerate(bodies)}
    fast = make_sim(tasks, hz=hz)
    fast.run(steps=3000)
    with mock.patch.object(cpu, "repeat_passes_to_skip", lambda *a: 0):
        slow = make_sim(tasks, hz=hz)
        slow.run(steps=3000)
    assert fast.stop.status == slow.stop.status
    assert fast.event == slow.event
    assert [(e.name, e.time_ns) for e in map(fast.event_at, range(1, fast.event + 1))] == [
        (e.name, e.time_ns) for e in map(slow.event_at, range(1, slow.event + 1))
    ]
    assert fast.state_hash() == slow.state_hash()
