"""The watchdog descriptor: soft/hard lockup detectors (kernel/watchdog.c,
kernel/watchdog_perf.c) and the hung-task detector (kernel/hung_task.c),
with their knobs in the ``[sysctl]`` table (ktui/sim/kernel/sysctl.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.core.subsystem import Subsystem

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def watchdog_boot(m: Machine) -> None:
    """lockup_detector_init() and hung_task_init()."""
    from ktui.sim.kernel.watchdog.hung_task import hung_task_boot
    from ktui.sim.kernel.watchdog.watchdog import watchdog_boot as lockup_boot

    lockup_boot(m)
    hung_task_boot(m)


SUBSYSTEM = Subsystem(
    name="watchdog",
    title="Watchdog",
    modules=("ktui.sim.kernel.watchdog.watchdog", "ktui.sim.kernel.watchdog.hung_task"),
    boot=watchdog_boot,
)
