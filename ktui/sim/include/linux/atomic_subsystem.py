"""The atomic_t descriptor: include/linux/atomic.h (`ktui.sim.include.linux.atomic`)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.include.linux.atomic import atomics_report, atomics_view

SUBSYSTEM = Subsystem(
    name="atomic",
    title="Atomics",
    modules=("ktui.sim.include.linux.atomic",),
    view=atomics_view,
    report=atomics_report,
)
