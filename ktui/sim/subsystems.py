"""Imports every simulator subsystem so that its ops, events and pending-work
kinds are registered, in one fixed order (event and kind ids follow it).

Adding a subsystem is a package under ``ktui/sim/`` plus one line here.
"""

from __future__ import annotations

import ktui.sim.hw.cpu  # noqa: F401  (run, udelay, preempt/irq ops)
import ktui.sim.kernel.exit  # noqa: F401
import ktui.sim.kernel.fork  # noqa: F401
import ktui.sim.kernel.locking.deadlock  # noqa: F401
import ktui.sim.kernel.locking.mutex  # noqa: F401
import ktui.sim.kernel.locking.spinlock  # noqa: F401
import ktui.sim.kernel.sched.core  # noqa: F401  (sched_switch, wakeups, tick kinds)
import ktui.sim.kernel.sched.syscalls  # noqa: F401  (schedule, sched_yield)
import ktui.sim.kernel.time.tick  # noqa: F401
import ktui.sim.kernel.time.timer  # noqa: F401  (msleep)
