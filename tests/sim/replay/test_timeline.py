"""Time travel: stepping back and forward is exact, and goto replays the
recorded future identically (hypothesis over random scenarios)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ktui.sim
from ktui.sim.errors import CommandError, SimInvariantError
from ktui.sim.replay.timeline import CHECKPOINT_INTERVAL, Simulator
from ktui.sim.scenario import parse_scenario_text
from ktui.sim.validate import validate_machine

BLOCKS = [
    "run {n}us",
    "udelay {n}us",
    "msleep {k}",
    "mutex_lock A\nrun {n}us\nmutex_unlock A",
    "mutex_lock B\nmutex_lock A\nrun {n}us\nmutex_unlock A\nmutex_unlock B",
    "mutex_lock A\nmutex_lock B\nmutex_unlock B\nmutex_unlock A",
    "spin_lock S\nudelay {n}us\nspin_unlock S",
    "spin_lock_irqsave S\nrun {n}us\nspin_unlock_irqrestore S",
    "preempt_disable\nrun {n}us\npreempt_enable",
    "sched_yield",
    "schedule",
    "repeat 3 {{\nrun {n}us\n}}",
]


@st.composite
def scenarios(draw: st.DrawFn) -> str:
    """A random but valid scenario: 1-3 CPUs, 1-4 tasks (fair, FIFO or RR), lock-heavy programs."""
    cpus = draw(st.integers(1, 3))
    kernel = draw(st.sampled_from(["5.15", "6.6", "6.12", "6.18"]))
    hz = draw(st.sampled_from([100, 250, 1000]))
    ntasks = draw(st.integers(1, 4))
    parts = [
        f'[scenario]\nname = "rand"\nseed = {draw(st.integers(0, 99))}\n',
        f'[machine]\ncpus = {cpus}\nhz = {hz}\nkernel = "{kernel}"\n',
        '[locks]\nA = "mutex"\nB = "mutex"\nS = "spinlock"\n',
    ]
    for i in range(ntasks):
        blocks = draw(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=6))
        body = "\n".join(
            b.format(n=draw(st.integers(1, 3000)), k=draw(st.integers(1, 5))) for b in blocks
        )
        start = draw(st.integers(0, 3000))
        policy = draw(st.sampled_from(["normal", "normal", "fifo", "rr"]))
        if policy == "normal":
            sched = f"nice = {draw(st.integers(-5, 5))}"
        else:
            sched = f'policy = "{policy}"\nrt_priority = {draw(st.integers(1, 3))}'
        parts.append(
            f'[[task]]\nname = "t{i}"\n{sched}\nstart = "{start}us"\n'
            f'program = """\n{body}\n"""\n'
        )
    return "\n".join(parts)


def _sim(text: str) -> Simulator:
    return Simulator(parse_scenario_text(text, "<hypothesis>"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scenarios(), n=st.integers(1, 300))
def test_invariants_hold_after_every_event(text: str, n: int) -> None:
    """Run queues, CPUs and locks stay consistent (validate_machine) at every position."""
    sim = _sim(text)
    for _ in range(n):
        if not sim.step():
            break
        validate_machine(sim.machine)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scenarios(), n=st.integers(1, 400), m=st.integers(0, 400))
def test_run_n_back_m_equals_run_n_minus_m(text: str, n: int, m: int) -> None:
    """`step N; back M` lands on the same state hash as a fresh `step N-M`."""
    sim = _sim(text)
    done = sim.step(n)
    m = min(m, done)
    sim.back(m)
    fresh = _sim(text)
    fresh.step(done - m)
    assert sim.event == fresh.event == done - m
    assert sim.state_hash() == fresh.state_hash()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scenarios(), n=st.integers(1, 300), target=st.integers(0, 300))
def test_goto_then_forward_reproduces_the_recorded_events(text: str, n: int, target: int) -> None:
    """After goto(k), stepping forward re-emits exactly the recorded events k+1..n."""
    sim = _sim(text)
    done = sim.step(n)
    h_end = sim.state_hash()
    recorded = [sim.log.record(i) for i in range(done)]
    k = min(target, done)
    sim.goto(k)
    replayed = []
    while sim.event < done:
        sim.step()
        replayed.append(sim.machine.last)
    assert replayed == recorded[k:]
    assert sim.state_hash() == h_end


def test_back_across_checkpoints_is_exact() -> None:
    """Going back over several checkpoint intervals and forward again is exact."""
    sim = ktui.sim.load("bench-cpu")
    sim.step(3 * CHECKPOINT_INTERVAL + 17)
    h = sim.state_hash()
    sim.back(2 * CHECKPOINT_INTERVAL + 5)
    assert sim.event == CHECKPOINT_INTERVAL + 12
    sim.step(2 * CHECKPOINT_INTERVAL + 5)
    assert sim.state_hash() == h


def test_goto_time_lands_on_last_event_at_or_before() -> None:
    """goto_time(t) stops at the last event whose time is <= t."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(500)
    t = sim.log.times[200]
    sim.goto_time(t)
    assert sim.time_ns == t
    assert sim.event == max(i + 1 for i in range(500) if sim.log.times[i] <= t)


def test_goto_errors_are_command_errors() -> None:
    """goto past the end or before the start, and time travel without history, are clean errors."""
    sim = ktui.sim.load("abba")
    sim.run()
    with pytest.raises(CommandError, match="before the start"):
        sim.goto(-1)
    sim.run(stop_on_deadlock=False)
    with pytest.raises(CommandError, match="past the end"):
        sim.goto(sim.event + 10**6)
    bare = ktui.sim.load("abba", history=False)
    bare.run()
    with pytest.raises(CommandError, match="needs history"):
        bare.back(1)


def test_reverse_continue_returns_to_previous_hit() -> None:
    """reverse-continue goes back to the latest earlier breakpoint hit, event or state kind."""
    sim = ktui.sim.load("abba")
    sim.add_breakpoint("lock_acquire lock=B comm=t2")
    sim.add_breakpoint("task t1 state == D")
    assert sim.run() == "breakpoint"
    first = sim.event
    assert sim.last_event() is not None and sim.last_event().name == "lock_acquire"  # type: ignore[union-attr]
    assert sim.run() == "breakpoint"
    second = sim.event
    assert sim.snapshot().task(1).state == "D"  # type: ignore[union-attr]
    assert sim.run() == "deadlock"
    assert sim.reverse_continue() == "breakpoint" and sim.event == second
    assert sim.reverse_continue() == "breakpoint" and sim.event == first
    assert sim.reverse_continue() == "limit" and sim.event == 0


def test_reverse_continue_on_a_state_breakpoint_emits_nothing() -> None:
    """Searching back for a state breakpoint replays silently: the sink sees no event twice.

    Regression (issue 7, bug 3): `_previous_state_hit` stepped restored
    machines with the sink still attached, so every event of the searched
    intervals was sent to the sink again.
    """
    sim = ktui.sim.load("abba")
    sim.add_breakpoint("task t1 state == D")
    seen: list[tuple[int, ...]] = []
    sim.cfg.sink = seen.append
    assert sim.run() == "breakpoint"
    hit = sim.event
    sim.run(stop_on_deadlock=False)
    live = len(seen)
    assert live == sim.event
    assert sim.reverse_continue() == "breakpoint" and sim.event == hit
    assert len(seen) == live


def test_reverse_continue_checks_the_replay_against_the_record() -> None:
    """A state-breakpoint search that replays differently from the record is an error.

    The search runs through every checkpoint interval back to the start (the
    condition never holds); the tampered event lies in the first interval,
    which nothing but the search replays.
    """
    sim = ktui.sim.load("cfs-nice")
    sim.add_breakpoint("task nice0 nice == 19")
    sim.step(2 * CHECKPOINT_INTERVAL + 100)
    sim.log.times[100] += 1  # the record now disagrees with any replay
    with pytest.raises(SimInvariantError, match="diverged at event 101"):
        sim.reverse_continue()


def test_stepping_forward_over_the_record_does_not_emit_again() -> None:
    """After back, step/goto forward replay recorded events: the sink sees each event once."""
    sim = ktui.sim.load("cfs-nice")
    seen: list[tuple[int, ...]] = []
    sim.cfg.sink = seen.append
    sim.step(3000)
    sim.back(1500)
    sim.step(700)
    sim.goto(2900)
    sim.step(200)
    assert sim.event == 3100
    assert seen == [sim.log.record(i) for i in range(3100)]
