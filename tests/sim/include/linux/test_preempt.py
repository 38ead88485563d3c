"""preempt_count: the kernel's bit layout, the in_*() tests, the per-CPU
context stack, and the count staying with the CPU rather than the task."""

from __future__ import annotations

import pytest

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux import preempt
from ktui.sim.include.linux.percpu import PerCpu
from ktui.sim.include.linux.preempt import (
    CTX_HARDIRQ,
    CTX_NMI,
    CTX_SOFTIRQ,
    HARDIRQ_MASK,
    HARDIRQ_OFFSET,
    NMI_MASK,
    NMI_OFFSET,
    PREEMPT_MASK,
    PREEMPT_OFFSET,
    SOFTIRQ_DISABLE_OFFSET,
    SOFTIRQ_MASK,
    SOFTIRQ_OFFSET,
    context_enter,
    context_exit,
    context_name,
    in_atomic,
    in_hardirq,
    in_interrupt,
    in_nmi,
    in_serving_softirq,
    in_softirq,
    in_task,
    interrupt_context_level,
    preempt_count_sub,
    preemptible,
    validate_pcpu,
)
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import lines_of, make_sim


def test_bit_layout_is_the_kernels() -> None:
    """PREEMPT 8 bits, SOFTIRQ 8, HARDIRQ 4, NMI 4, packed from bit 0 (the
    masks in include/linux/preempt.h's comment)."""
    assert (preempt.PREEMPT_BITS, preempt.SOFTIRQ_BITS, preempt.HARDIRQ_BITS, preempt.NMI_BITS) == (8, 8, 4, 4)
    assert (preempt.PREEMPT_SHIFT, preempt.SOFTIRQ_SHIFT) == (0, 0 + 8)
    assert (preempt.HARDIRQ_SHIFT, preempt.NMI_SHIFT) == (8 + 8, 8 + 8 + 4)
    assert PREEMPT_MASK == ((1 << 8) - 1) << 0 == 0x000000FF
    assert SOFTIRQ_MASK == ((1 << 8) - 1) << 8 == 0x0000FF00
    assert HARDIRQ_MASK == ((1 << 4) - 1) << 16 == 0x000F0000
    assert NMI_MASK == ((1 << 4) - 1) << 20 == 0x00F00000
    assert (PREEMPT_OFFSET, SOFTIRQ_OFFSET) == (1 << 0, 1 << 8)
    assert (HARDIRQ_OFFSET, NMI_OFFSET) == (1 << 16, 1 << 20)
    assert SOFTIRQ_DISABLE_OFFSET == 2 * (1 << 8)
    assert preempt.SOFTIRQ_LOCK_OFFSET == 2 * (1 << 8) + 1  # spin_lock_bh()


@pytest.mark.parametrize(
    ("pc", "level", "flags"),
    [
        # flags: in_task, in_softirq, in_serving_softirq, in_hardirq, in_nmi, in_interrupt, in_atomic
        (0, 0, (True, False, False, False, False, False, False)),
        (3 * PREEMPT_OFFSET, 0, (True, False, False, False, False, False, True)),
        (SOFTIRQ_DISABLE_OFFSET, 0, (True, True, False, False, False, True, True)),  # local_bh_disable()
        (SOFTIRQ_OFFSET, 1, (False, True, True, False, False, True, True)),
        (SOFTIRQ_OFFSET + HARDIRQ_OFFSET, 2, (False, True, True, True, False, True, True)),
        (HARDIRQ_OFFSET + NMI_OFFSET, 3, (False, False, False, True, True, True, True)),
    ],
)
def test_context_tests_read_the_bits(pc: int, level: int, flags: tuple[bool, ...]) -> None:
    """in_task()/in_softirq()/in_serving_softirq()/in_hardirq()/in_nmi()/
    in_interrupt()/in_atomic() and interrupt_context_level() of a count."""
    got = (in_task(pc), in_softirq(pc), in_serving_softirq(pc), in_hardirq(pc), in_nmi(pc), in_interrupt(pc), in_atomic(pc))
    assert got == flags
    assert interrupt_context_level(pc) == level


def test_preemptible_needs_a_zero_count_and_irqs_on() -> None:
    """preemptible(): preempt_count() == 0 && !irqs_disabled()."""
    assert preemptible(0, False)
    assert not preemptible(0, True)
    assert not preemptible(PREEMPT_OFFSET, False)
    assert not preemptible(HARDIRQ_OFFSET, False)


def test_contexts_nest_and_unwind_in_order() -> None:
    """task -> softirq -> hardirq -> NMI adds each offset; leaving the wrong
    one is an invariant error."""
    pcpu = PerCpu(0)
    context_enter(pcpu, CTX_SOFTIRQ)
    context_enter(pcpu, CTX_HARDIRQ)
    assert pcpu.preempt_count == (1 << 8) + (1 << 16)
    assert context_name(pcpu) == "hardirq"
    context_enter(pcpu, CTX_NMI)  # nmi_enter(): NMI_OFFSET + HARDIRQ_OFFSET
    assert pcpu.preempt_count == (1 << 8) + 2 * (1 << 16) + (1 << 20)
    assert context_name(pcpu) == "nmi"
    validate_pcpu(pcpu)
    with pytest.raises(SimInvariantError):
        context_exit(pcpu, CTX_SOFTIRQ)
    context_exit(pcpu, CTX_NMI)
    context_exit(pcpu, CTX_HARDIRQ)
    assert context_name(pcpu) == "softirq"
    context_exit(pcpu, CTX_SOFTIRQ)
    assert (pcpu.preempt_count, pcpu.ctx_stack, context_name(pcpu)) == (0, [], "task")


def test_preempt_count_sub_refuses_to_underflow() -> None:
    """CONFIG_DEBUG_PREEMPT: preempt_count_sub() below zero is refused."""
    pcpu = PerCpu(0)
    assert not preempt_count_sub(pcpu, PREEMPT_OFFSET)
    context_enter(pcpu, CTX_HARDIRQ)
    assert not preempt_count_sub(pcpu, PREEMPT_OFFSET)  # hardirq bits are not preemption depth
    assert pcpu.preempt_count == 1 << 16


def _cpus(sim: Simulator) -> list[dict[str, object]]:
    cpus = sim.report()["cpus"]
    assert isinstance(cpus, list)
    return cpus


def _walk(sim: Simulator) -> list[tuple[str, int, object, object]]:
    """(event name, cpu, that CPU's preempt_count, context) after every event."""
    out = []
    while sim.step():
        ev = sim.last_event()
        assert ev is not None
        cpu = _cpus(sim)[ev.cpu]
        out.append((ev.name, ev.cpu, cpu["preempt_count"], cpu["context"]))
        for pcpu in sim.machine.pcpu:
            validate_pcpu(pcpu)
    return out


def test_tick_and_timer_softirq_set_the_cpus_count() -> None:
    """At the tick's event the CPU's count is HARDIRQ_OFFSET; in the timer
    softirq's wakeup it is SOFTIRQ_OFFSET; task context otherwise."""
    seen = {(n, pc, ctx) for n, _cpu, pc, ctx in _walk(make_sim({"t": "--- msleep 10\nrun 5ms"}))}
    assert ("hrtimer_expire_entry", 1 << 16, "hardirq") in seen
    assert ("timer_expire_entry", 1 << 8, "softirq") in seen
    assert ("sched_wakeup", 1 << 8, "softirq") in seen
    assert {pc for n, pc, _ in seen if n == "sched_switch"} == {0}


def test_a_spinlock_raises_only_its_own_cpus_count() -> None:
    """spin_lock on CPU 0 is PREEMPT_LOCK_OFFSET on CPU 0's count; CPU 1 is untouched."""
    sim = make_sim(
        {"a": "cpu = 0\n--- spin_lock S\nudelay 1ms\nspin_unlock S", "b": "cpu = 1\n--- run 2ms"}, cpus=2
    )
    sim.add_breakpoint("lock_acquired lock=S")
    assert sim.run() == "breakpoint"
    assert [c["preempt_count"] for c in _cpus(sim)] == [1, 0]
    snap = sim.snapshot()
    assert [rq.preempt_count for rq in snap.rqs] == [1, 0]
    assert [t.preempt_count for t in snap.tasks if t.comm == "a"] == [1]
    assert sim.run() == "finished"
    assert [p.preempt_count for p in sim.machine.pcpu] == [0, 0]


def test_sleeping_in_atomic_context_does_not_leave_the_count_behind() -> None:
    """A task that sleeps with preemption off trips __might_sleep() and
    schedule_debug() ("scheduling while atomic"), which resets the CPU's
    count: the next task on that CPU runs preemptible."""
    sim = make_sim(
        {
            "h": "--- mutex_lock A\nrun 10ms\nmutex_unlock A",
            "a": 'start = "1ms"\n--- preempt_disable\nmutex_lock A\nmutex_unlock A\npreempt_enable',
        }
    )
    walk = _walk(sim)
    lines = lines_of(sim)
    assert any("sleeping function called from invalid context" in ln for ln in lines)
    bug = next(i for i, ln in enumerate(lines) if "scheduling while atomic" in ln)
    switch = next(i for i, ln in enumerate(lines) if i > bug and ":sched_switch:" in ln)
    assert "prev_comm=a" in lines[switch] and "next_comm=h" in lines[switch]
    assert walk[switch][2] == 0  # the count did not follow h onto the CPU
    assert sim.status == "finished"
    assert [p.preempt_count for p in sim.machine.pcpu] == [0]


def test_cpu_breakpoint_reads_the_per_cpu_count() -> None:
    """`cpu 0 preempt_count > 0` stops inside the spinlock section."""
    sim = make_sim({"a": "--- run 1ms\nspin_lock S\nudelay 1ms\nspin_unlock S"})
    sim.add_breakpoint("cpu 0 preempt_count > 0")
    assert sim.run() == "breakpoint"
    assert sim.machine.pcpu[0].preempt_count == 1
    assert sim.last_event().name == "lock_acquire"  # type: ignore[union-attr]
