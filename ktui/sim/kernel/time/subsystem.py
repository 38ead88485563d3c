"""The time descriptor: the tick (kernel/time/tick-sched.c), the timer wheel and hrtimer sleeps."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(
    name="time",
    title="Time",
    modules=("ktui.sim.kernel.time.tick", "ktui.sim.kernel.time.timer", "ktui.sim.kernel.time.hrtimer"),
)
