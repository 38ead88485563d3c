"""The kernel log: what the model prints as BUG/WARNING (kernel/printk/printk.c).

Every message goes into the machine's ``bugs`` list with its event, time, CPU
and task, from which the snapshot's ``log``, the report's ``log`` section, the
summary, the status bar and the exit code are all derived: a warning the user
never sees is a lost warning. Leaves out log levels other than the two that
matter to a debugger (a message's level is its ``BUG:``/``WARNING:`` prefix),
the ring buffer's size limit and console printing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def printk(m: Machine, cpu: int, pid: int, message: str) -> None:
    """Log `message`, printed by `pid` on `cpu` as the next event happens.

    The caller emits that event right after, so the entry names it.
    """
    m.bugs.append((m.nr_events + 1, m.now, cpu, pid, message))


_REPORTS_WITHOUT_PREFIX = (
    # kernel/watchdog.c watchdog_hardlockup_check(): pr_emerg, panics with
    # hardlockup_panic; kernel/hung_task.c check_hung_task(): pr_err.
    ("CPU", " Watchdog detected hard LOCKUP on cpu ", "BUG"),
    ("INFO: task ", " blocked for more than ", "WARNING"),
    # kernel/rcu/tree_stall.h print_other_cpu_stall(): pr_err.
    ("INFO: ", " detected stalls on CPUs/tasks:", "WARNING"),
)


def log_level(message: str) -> str:
    """``BUG``, ``WARNING`` or ``INFO``, from the message's prefix (and, for
    the lockup detectors' reports that the kernel prints without one, from
    the report)."""
    for level in ("BUG", "WARNING"):
        if message.startswith(level):
            return level
    for prefix, marker, level in _REPORTS_WITHOUT_PREFIX:
        if message.startswith(prefix) and marker in message:
            return level
    return "INFO"
