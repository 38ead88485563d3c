"""Spinlock model: spinning CPUs, FIFO handoff, no preemption, irqs-off tick deferral."""

from __future__ import annotations

from tests.sim.helpers import lines_of, make_sim


def test_spinner_keeps_running_and_gets_the_lock_at_release() -> None:
    """A contended spin_lock keeps its task on the CPU (R) until the holder unlocks."""
    sim = make_sim(
        {
            "holder": "cpu = 0\n--- spin_lock S\nudelay 1ms\nspin_unlock S",
            "spinner": 'cpu = 1\nstart = "100us"\n--- spin_lock S\nspin_unlock S',
        },
        cpus=2,
    )
    sim.add_breakpoint("lock_contended lock=S")
    assert sim.run() == "breakpoint"
    rep = sim.report()
    assert rep["cpus"][1]["spinning_on"] == "S"  # type: ignore[index]
    assert rep["tasks"][1]["state"] == "R"  # type: ignore[index]
    assert sim.run() == "finished"
    lines = lines_of(sim)
    rel = lines.index("holder:lock_release:S")
    assert lines.index("spinner:lock_acquired:S") == rel + 1
    # It spun from 100 us to 1 ms on its own CPU: its runtime includes the spin.
    assert sim.report()["tasks"][1]["sum_exec_runtime_ns"] >= 900_000  # type: ignore[index]


def test_no_preemption_while_a_spinlock_is_held() -> None:
    """Two tasks on one CPU: the holder of a spinlock is not preempted at the tick."""
    sim = make_sim(
        {
            "a": "cpu = 0\n--- spin_lock S\nudelay 20ms\nspin_unlock S",
            "b": "cpu = 0\n--- run 20ms",
        },
        cpus=1,
    )
    sim.run()
    lines = lines_of(sim)
    first_switch_from_a = next(i for i, ln in enumerate(lines) if "prev_comm=a " in ln)
    assert lines.index("a:lock_release:S") < first_switch_from_a


def test_tick_waits_while_interrupts_are_off() -> None:
    """With spin_lock_irqsave held across tick boundaries no tick is taken until irqrestore."""
    sim = make_sim({"a": "--- spin_lock_irqsave S\nudelay 10ms\nspin_unlock_irqrestore S\nrun 3ms"})
    sim.run()
    events = [sim.event_at(i) for i in range(1, sim.recorded + 1)]
    release = next(e for e in events if e.name == "lock_release")
    ticks = [e for e in events if e.name == "hrtimer_expire_entry"]
    assert release.time_ns == 10_000_000
    # Ticks at 4 and 8 ms were held; one pending tick is taken at 10 ms, the next at 12 ms.
    assert [t.time_ns for t in ticks][:2] == [10_000_000, 12_000_000]


def test_pending_tick_is_taken_right_at_local_irq_enable() -> None:
    """A tick held while interrupts were off fires at local_irq_enable, before the next op."""
    sim = make_sim({"a": "--- local_irq_disable\nudelay 5ms\nlocal_irq_enable\npreempt_disable\npreempt_enable"})
    sim.run()
    names = [sim.event_at(i).name for i in range(1, sim.recorded + 1)]
    i = names.index("irq_enable")
    assert names[i + 1] == "hrtimer_expire_entry"
    assert sim.event_at(i + 2).time_ns == 5_000_000  # delivered at 5 ms, not at the 8 ms tick
