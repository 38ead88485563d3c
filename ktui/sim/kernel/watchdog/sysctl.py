"""The detectors' knobs in the ``[sysctl]`` table, as /proc/sys/kernel/*.

``kernel.watchdog``, ``kernel.watchdog_thresh`` (kernel/watchdog.c),
``kernel.hung_task_timeout_secs``, ``kernel.hung_task_check_interval_secs``
and ``kernel.hung_task_warnings`` (kernel/hung_task.c), with the kernel's
defaults, registered with the generic registry (`ktui.sim.kernel.sysctl`).
The detectors are armed only on a machine whose scenario has the table: a
scenario written without it keeps its trace and state digests (the
watchdog's hrtimers are pending work, which a digest includes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.kernel.sysctl import INT_MAX, register_sysctl, sysctl_table

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

WATCHDOG_THRESH = 10
"""kernel/watchdog.c: ``int __read_mostly watchdog_thresh = 10;`` (seconds)."""
HUNG_TASK_TIMEOUT = 120
"""CONFIG_DEFAULT_HUNG_TASK_TIMEOUT (seconds)."""
HUNG_TASK_WARNINGS = 10
"""kernel/hung_task.c: ``sysctl_hung_task_warnings = 10``."""

register_sysctl("kernel.watchdog", 1, 0, 1, "0 turns off soft and hard lockup detection")
# proc_watchdog_thresh: 0..60 (watchdog_thresh's extra2 is 60)
register_sysctl("kernel.watchdog_thresh", WATCHDOG_THRESH, 0, 60, "lockup threshold, s")
register_sysctl(
    "kernel.hung_task_timeout_secs", HUNG_TASK_TIMEOUT, 0, INT_MAX, "0 turns off the hung-task check"
)
register_sysctl(
    "kernel.hung_task_check_interval_secs", 0, 0, INT_MAX, "khungtaskd's period; 0: the timeout"
)
register_sysctl("kernel.hung_task_warnings", HUNG_TASK_WARNINGS, -1, INT_MAX, "reports left (-1: no limit)")


@dataclass(frozen=True, slots=True)
class Sysctl:
    """The detectors' knobs.

    Attributes:
        watchdog: ``kernel.watchdog``: 0 turns off soft and hard lockup detection.
        watchdog_thresh: ``kernel.watchdog_thresh`` in s (0 also turns them off).
        hung_task_timeout_secs: 0 turns off the hung-task check.
        hung_task_check_interval_secs: khungtaskd's period; 0 means the timeout.
        hung_task_warnings: Reports left in all (-1: no limit).
    """

    watchdog: int = 1
    watchdog_thresh: int = WATCHDOG_THRESH
    hung_task_timeout_secs: int = HUNG_TASK_TIMEOUT
    hung_task_check_interval_secs: int = 0
    hung_task_warnings: int = HUNG_TASK_WARNINGS


def sysctl_of(m: Machine) -> Sysctl | None:
    """The detectors' knobs, or None when the scenario has no ``[sysctl]``."""
    table = sysctl_table(m)
    if table is None:
        return None
    return Sysctl(
        watchdog=table.get("kernel.watchdog"),
        watchdog_thresh=table.get("kernel.watchdog_thresh"),
        hung_task_timeout_secs=table.get("kernel.hung_task_timeout_secs"),
        hung_task_check_interval_secs=table.get("kernel.hung_task_check_interval_secs"),
        hung_task_warnings=table.get("kernel.hung_task_warnings"),
    )
