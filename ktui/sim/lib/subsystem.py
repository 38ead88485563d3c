"""The per-CPU data descriptor: include/linux/percpu-defs.h this_cpu ops and
lib/percpu_counter.c (`ktui.sim.lib.percpu_counter`)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.lib.percpu_counter import percpu_report, percpu_view

SUBSYSTEM = Subsystem(
    name="percpu",
    title="Per-CPU",
    modules=("ktui.sim.lib.percpu_counter",),
    view=percpu_view,
    report=percpu_report,
)
