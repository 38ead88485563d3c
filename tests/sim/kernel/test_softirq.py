"""Softirqs (kernel/softirq.c): raise_softirq's pending bit, __do_softirq()
run by local_bh_enable() and by the tick's irq_exit(), the vector order, the
restart limit, BH-disable counting in preempt_count, the irqflags hooks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ktui.sim.include.linux.irqflags import register_irqflags_hook, unregister_irqflags_hook
from ktui.sim.include.linux.preempt import SOFTIRQ_DISABLE_OFFSET, SOFTIRQ_OFFSET
from ktui.sim.kernel.softirq import (
    HI_SOFTIRQ,
    MAX_SOFTIRQ_RESTART,
    NET_RX_SOFTIRQ,
    RCU_SOFTIRQ,
    TASKLET_SOFTIRQ,
    close_softirq,
    open_softirq,
    raise_softirq_irqoff,
    softirq_nr,
)
from ktui.sim.machine import Machine
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import Event, RegistrationError, format_fields
from tests.sim.helpers import make_sim

MS = 1_000_000
RAN: dict[int, tuple[int, int, int]] = {}
"""(vec, cpu, preempt_count) of each action call, by the machine's event
count then (replays from checkpoints call actions again: same key)."""


def _events(sim: Simulator, *names: str) -> list[Event]:
    evs = (sim.event_at(i) for i in range(1, sim.recorded + 1))
    return [e for e in evs if e.name in names]


def _recorder(vec: int):  # type: ignore[no-untyped-def]
    def action(m: Machine, cpu: int) -> bool:
        RAN[m.nr_events] = (vec, cpu, m.pcpu[cpu].preempt_count)
        return True

    return action


@pytest.fixture
def vectors() -> Iterator[None]:
    """HI, NET_RX and TASKLET opened with recording actions for the test."""
    RAN.clear()
    for vec in (HI_SOFTIRQ, NET_RX_SOFTIRQ, TASKLET_SOFTIRQ):
        open_softirq(vec, _recorder(vec))
    yield
    for vec in (HI_SOFTIRQ, NET_RX_SOFTIRQ, TASKLET_SOFTIRQ):
        close_softirq(vec)


def test_vector_numbers_are_the_kernels() -> None:
    """include/linux/interrupt.h: HI_SOFTIRQ=0 ... TASKLET_SOFTIRQ=6 ... RCU_SOFTIRQ=9."""
    assert (HI_SOFTIRQ, NET_RX_SOFTIRQ, TASKLET_SOFTIRQ, RCU_SOFTIRQ) == (0, 3, 6, 9)
    assert softirq_nr("RCU") == 9


def test_open_twice_is_refused(vectors: None) -> None:
    with pytest.raises(RegistrationError, match="HI is opened twice"):
        open_softirq(HI_SOFTIRQ, _recorder(99))


def test_local_bh_enable_runs_raised_softirqs_in_vector_order(vectors: None) -> None:
    """Raised TASKLET then HI with BH off: local_bh_enable() runs HI (0) first,
    then TASKLET (6), in softirq context (preempt_count SOFTIRQ_OFFSET), and
    the task goes on after them."""
    sim = make_sim({"t": "---\nlocal_bh_disable\nraise_softirq TASKLET\nraise_softirq HI\nlocal_bh_enable\nrun 1ms\n"})
    sim.run()
    ran = [RAN[k] for k in sorted(RAN)]
    assert [(v, c) for v, c, _ in ran] == [(HI_SOFTIRQ, 0), (TASKLET_SOFTIRQ, 0)]
    assert {pc for _v, _c, pc in ran} == {SOFTIRQ_OFFSET}
    names = [e.name for e in _events(sim, "softirq_raise", "softirq_entry", "softirq_exit", "local_bh_enable", "local_bh_disable")]
    assert names == [
        "local_bh_disable",
        "softirq_raise",
        "softirq_raise",
        "local_bh_enable",
        "softirq_entry",
        "softirq_exit",
        "softirq_entry",
        "softirq_exit",
    ]
    entries = [format_fields(e) for e in _events(sim, "softirq_entry")]
    assert entries == ["vec=0 [action=HI]", "vec=6 [action=TASKLET]"]
    # The task's run 1ms starts after the last softirq_exit: it ends at 1ms.
    assert sim.report()["softirqs"][TASKLET_SOFTIRQ]["counts"] == [1]  # type: ignore[index]


def test_bh_disabled_count_nests_in_steps_of_two(vectors: None) -> None:
    """local_bh_disable() adds SOFTIRQ_DISABLE_OFFSET (2 * SOFTIRQ_OFFSET = 0x200);
    only the outer local_bh_enable() runs the pending softirq."""
    sim = make_sim({"t": "---\nlocal_bh_disable\nlocal_bh_disable\nraise_softirq HI\nlocal_bh_enable\nrun 1ms\nlocal_bh_enable\n"})
    sim.run()
    counts = [e.fields["count"] for e in _events(sim, "local_bh_disable", "local_bh_enable")]
    assert counts == [0x200, 0x400, 0x200, 0]
    assert SOFTIRQ_DISABLE_OFFSET == 0x200
    entry = _events(sim, "softirq_entry")
    assert len(entry) == 1 and entry[0].time_ns == 1 * MS  # after the run, at the outer enable


def test_raised_in_task_context_runs_at_the_next_tick_irq_exit(vectors: None) -> None:
    """No ksoftirqd: a softirq raised with BH on waits for the tick's
    irq_exit() (HZ=250: the tick at 4 ms)."""
    sim = make_sim({"t": "---\nraise_softirq NET_RX\nrun 10ms\n"})
    sim.run()
    entry = _events(sim, "softirq_entry")
    assert [e.time_ns for e in entry][:1] == [4 * MS]
    assert format_fields(entry[0]) == "vec=3 [action=NET_RX]"
    # the task's 10ms of runtime is not shortened nor lost
    assert sim.machine.now >= 10 * MS


def test_restart_limit_is_max_softirq_restart() -> None:
    """An action that raises itself again: __do_softirq() restarts while
    --max_restart stays non-zero, so 10 passes run (MAX_SOFTIRQ_RESTART),
    then it stays pending for later."""

    def again(m: Machine, cpu: int) -> bool:
        st = m.ext["softirq"]
        if st.counts[cpu][HI_SOFTIRQ] <= 12:  # type: ignore[attr-defined]
            st.pending[cpu] |= 1 << HI_SOFTIRQ  # type: ignore[attr-defined]
        return True

    open_softirq(HI_SOFTIRQ, again)
    try:
        sim = make_sim({"t": "---\nlocal_bh_disable\nraise_softirq HI\nlocal_bh_enable\nrun 1ms\n"})
        sim.run(until_ns=1 * MS - 1)
        assert len(_events(sim, "softirq_entry")) == MAX_SOFTIRQ_RESTART == 10
        assert sim.report()["softirqs"][HI_SOFTIRQ]["pending"] == [True]  # type: ignore[index]
    finally:
        close_softirq(HI_SOFTIRQ)


def test_irqflags_hooks_see_every_transition(vectors: None) -> None:
    """trace_hardirqs_off/on from local_irq_* and spin_lock_irq*,
    softirqs_off/on from local_bh_* and __do_softirq()."""
    seen: list[tuple[int, str]] = []  # (event count, point): replays repeat them

    def mk(point: str):  # type: ignore[no-untyped-def]
        def hook(m: Machine, cpu: int, pid: int) -> None:
            seen.append((m.nr_events, point))

        hook.__qualname__ = f"hook_{point}"
        return hook

    hooks = {p: mk(p) for p in ("hardirqs_on", "hardirqs_off", "softirqs_on", "softirqs_off")}
    for p, h in hooks.items():
        register_irqflags_hook(p, h)  # type: ignore[arg-type]
    try:
        sim = make_sim({"t": "---\nlocal_irq_disable\nlocal_irq_enable\nspin_lock_irqsave S\nspin_unlock_irqrestore S\nlocal_bh_disable\nraise_softirq HI\nlocal_bh_enable\n"})
        sim.run()
    finally:
        for p, h in hooks.items():
            unregister_irqflags_hook(p, h)  # type: ignore[arg-type]
    assert [p for _n, p in dict.fromkeys(seen)] == [
        "hardirqs_off",
        "hardirqs_on",
        "hardirqs_off",
        "hardirqs_on",
        "softirqs_off",
        "softirqs_on",  # local_bh_enable: the count drops to zero ...
        "softirqs_off",  # ... then __do_softirq() adds SOFTIRQ_OFFSET
        "softirqs_on",
    ]


def test_raise_softirq_irqoff_is_callable_by_other_subsystems(vectors: None) -> None:
    """The API the RCU model uses: raise from Python, the bit is pending."""
    sim = make_sim({"t": "---\nrun 1ms\n"})
    m = sim.machine
    raise_softirq_irqoff(m, 0, TASKLET_SOFTIRQ)
    assert m.ext["softirq"].pending[0] == 1 << TASKLET_SOFTIRQ  # type: ignore[attr-defined]


def test_replay_across_softirqs_is_exact(vectors: None) -> None:
    sim = make_sim({"t": "---\nloop {\nlocal_bh_disable\nraise_softirq HI\nraise_softirq TASKLET\nlocal_bh_enable\nrun 1ms\n}\n"})
    sim.run(until_ns=10 * MS)
    end, h = sim.event, sim.state_hash()
    sim.goto(7)
    sim.goto(end)
    assert sim.state_hash() == h


def test_spin_lock_bh_holds_softirqs_until_spin_unlock_bh(vectors: None) -> None:
    """spin_lock_bh() adds SOFTIRQ_LOCK_OFFSET (0x200 + 1 = 0x201); a softirq
    raised under it runs right after spin_unlock_bh()'s lock_release."""
    sim = make_sim({"t": "---\nspin_lock_bh S\nraise_softirq HI\nrun 1ms\nspin_unlock_bh S\nrun 1ms\n"})
    sim.run(until_ns=1 * MS - 1)
    assert sim.machine.pcpu[0].preempt_count == 0x201
    sim.run()
    names = [e.name for e in _events(sim, "lock_release", "softirq_entry", "softirq_exit")]
    assert names == ["lock_release", "softirq_entry", "softirq_exit"]
    assert _events(sim, "softirq_entry")[0].time_ns == 1 * MS
    assert sim.machine.pcpu[0].preempt_count == 0
