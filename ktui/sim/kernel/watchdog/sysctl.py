"""The ``[sysctl]`` scenario table: the detectors' knobs, as /proc/sys/kernel/*.

``kernel.watchdog``, ``kernel.watchdog_thresh`` (kernel/watchdog.c),
``kernel.hung_task_timeout_secs``, ``kernel.hung_task_check_interval_secs``
and ``kernel.hung_task_warnings`` (kernel/hung_task.c), with the kernel's
defaults. The detectors are armed only on a machine whose scenario has this
table: a scenario written without it keeps its trace and state digests (the
watchdog's hrtimers are pending work, which a digest includes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.scenario import SectionContext
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

WATCHDOG_THRESH = 10
"""kernel/watchdog.c: ``int __read_mostly watchdog_thresh = 10;`` (seconds)."""
HUNG_TASK_TIMEOUT = 120
"""CONFIG_DEFAULT_HUNG_TASK_TIMEOUT (seconds)."""
HUNG_TASK_WARNINGS = 10
"""kernel/hung_task.c: ``sysctl_hung_task_warnings = 10``."""


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


_LIMITS = {
    # proc_watchdog_thresh: 0..60 (watchdog_thresh's extra2 is 60)
    "watchdog": (0, 1),
    "watchdog_thresh": (0, 60),
    "hung_task_timeout_secs": (0, 2**31 - 1),
    "hung_task_check_interval_secs": (0, 2**31 - 1),
    "hung_task_warnings": (-1, 2**31 - 1),
}


def parse_sysctl(value: object, ctx: SectionContext) -> Sysctl:
    """``[sysctl]`` with ``kernel.NAME = N`` keys: a TOML dotted key, or the
    sysctl name quoted (``"kernel.watchdog_thresh" = 10``), as sysctl(8)
    spells it."""
    hint = "expected kernel.NAME = N keys, e.g. kernel.watchdog_thresh = 10"
    if not isinstance(value, dict):
        raise ctx.error(hint)
    kernel: dict[str, object] = {}
    for key, v in value.items():
        if key == "kernel" and isinstance(v, dict):
            kernel.update(v)
        elif key.startswith("kernel.") and key.count(".") == 1:
            kernel[key.removeprefix("kernel.")] = v
        else:
            raise ctx.error(f"{hint}; got {key!r}", key=key)
    out: dict[str, int] = {}
    for key, v in kernel.items():
        if key not in _LIMITS:
            known = ", ".join(f"kernel.{k}" for k in _LIMITS)
            shown = f"kernel.{key}"  # echoed quoted and cut: the key is the user's text
            raise ctx.error(f"unknown sysctl {shorten(shown)!r}; known: {known}", key="kernel")
        lo, hi = _LIMITS[key]
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ctx.error(f"kernel.{key} must be an integer in {lo}..{hi}", key="kernel")
        out[key] = v
    return Sysctl(**out)


def sysctl_of(m: Machine) -> Sysctl | None:
    """The machine's knobs, or None when its scenario has no ``[sysctl]``."""
    value = m.cfg.scenario.sections.get("sysctl")
    assert value is None or isinstance(value, Sysctl)
    return value
