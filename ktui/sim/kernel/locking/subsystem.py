"""The locking descriptor: kernel/locking/ (mutex, spinlock, the deadlock check)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(
    name="locking",
    title="Locking",
    modules=(
        "ktui.sim.kernel.locking.mutex",
        "ktui.sim.kernel.locking.spinlock",
        "ktui.sim.kernel.locking.deadlock",
    ),
    panes=("ktui.panes.locking.lock_holders:LockHolders",),
)
