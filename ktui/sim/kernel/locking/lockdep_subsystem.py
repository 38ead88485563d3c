"""The lockdep descriptor: kernel/locking/lockdep.c (to be written)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(name="lockdep", title="Lockdep")
