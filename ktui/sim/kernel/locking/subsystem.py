"""The locking descriptor: kernel/locking/ (mutex, spinlock, the deadlock check)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.kernel.locking.lock import init_locks
from ktui.sim.kernel.locking.subjects import LOCK
from ktui.sim.kernel.locking.validate import validate_locks
from ktui.sim.kernel.locking.view import locking_report, locking_view

SUBSYSTEM = Subsystem(
    name="locking",
    title="Locking",
    boot=init_locks,
    view=locking_view,
    validate=validate_locks,
    report=locking_report,
    modules=(
        "ktui.sim.kernel.locking.mutex",
        "ktui.sim.kernel.locking.spinlock",
        "ktui.sim.kernel.locking.rwlock",
        "ktui.sim.kernel.locking.seqlock",
        "ktui.sim.kernel.locking.semaphore",
        "ktui.sim.kernel.locking.rwsem",
        "ktui.sim.kernel.locking.rtmutex",
        "ktui.sim.kernel.locking.deadlock",
    ),
    subjects={"lock": LOCK},
    panes=("ktui.panes.locking.lock_holders:LockHolders",),
)
