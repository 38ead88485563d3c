"""The atomic_t descriptor: include/linux/atomic.h (to be written)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(name="atomic", title="Atomics")
