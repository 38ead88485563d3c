"""The interrupt descriptor: softirqs (kernel/softirq.c) and their
tracepoints; [[irq]]/[[softirq]] handlers come with kernel/irq/."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.kernel.irq.view import irq_report, irq_view
from ktui.sim.kernel.softirq import softirq_init

SUBSYSTEM = Subsystem(
    name="irq",
    title="Interrupts",
    modules=("ktui.sim.include.trace.events.irq", "ktui.sim.kernel.softirq"),
    boot=softirq_init,
    view=irq_view,
    report=irq_report,
)
