"""Bringing up a machine from a scenario: the model's start_kernel().

Creates the machine, lets every subsystem set up its state (boot hooks run in
registration order) and queues the scenario's tasks. Later subsystems add a
hook with `register_boot_hook` instead of editing this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import ktui.sim.subsystems  # noqa: F401  (registers ops, events, kinds)
from ktui.sim.kernel.fork import schedule_forks
from ktui.sim.kernel.locking.lock import init_locks
from ktui.sim.kernel.sched.core import sched_init
from ktui.sim.machine import Machine

if TYPE_CHECKING:
    from ktui.sim.scenario import Scenario

BootHook = Callable[[Machine], None]
BOOT_HOOKS: list[BootHook] = [init_locks]


def register_boot_hook(hook: BootHook) -> None:
    """Run `hook(machine)` when a machine boots, after the ones before it."""
    BOOT_HOOKS.append(hook)


def boot(scenario: Scenario) -> Machine:
    """A machine at time 0 for `scenario`, its tasks queued to fork."""
    m = Machine(scenario)
    sched_init(m)
    for hook in BOOT_HOOKS:
        hook(m)
    schedule_forks(m)
    return m
