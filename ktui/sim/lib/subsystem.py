"""The per-CPU data descriptor: include/linux/percpu-defs.h, lib/percpu_counter.c (to be written)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(name="percpu", title="Per-CPU")
