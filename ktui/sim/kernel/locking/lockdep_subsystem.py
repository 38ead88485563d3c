"""The lockdep descriptor: kernel/locking/lockdep.c (`ktui.sim.kernel.locking.lockdep`)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.kernel.locking.lockdep import lockdep_boot
from ktui.sim.kernel.locking.lockdep_table import parse_lockdep
from ktui.sim.kernel.locking.lockdep_view import lockdep_report, lockdep_view

SUBSYSTEM = Subsystem(
    name="lockdep",
    title="Lockdep",
    modules=("ktui.sim.kernel.locking.lockdep", "ktui.sim.kernel.locking.lockdep_report"),
    boot=lockdep_boot,
    tables={"lockdep": parse_lockdep},
    view=lockdep_view,
    report=lockdep_report,
)
