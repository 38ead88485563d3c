"""The interrupt descriptor: [[irq]]/[[softirq]] handlers, kernel/irq/ and kernel/softirq.c (to be written)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(name="irq", title="Interrupts")
