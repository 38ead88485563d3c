"""Bringing up a machine from a scenario: the model's start_kernel().

Creates the machine, lets every subsystem set up its state (each descriptor's
``boot``, in `ktui.sim.subsystems` order) and queues the scenario's tasks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.fork import schedule_forks
from ktui.sim.kernel.sched.core import sched_init
from ktui.sim.machine import Machine
from ktui.sim.subsystems import SUBSYSTEMS

if TYPE_CHECKING:
    from ktui.sim.scenario import Scenario


def boot(scenario: Scenario) -> Machine:
    """A machine at time 0 for `scenario`, its tasks queued to fork.

    The run queues first (sched_init()), then each subsystem's ``boot`` in
    descriptor order, then the scenario's tasks (as init forks them last).
    """
    m = Machine(scenario)
    sched_init(m)
    for sub in SUBSYSTEMS:
        if sub.boot is not None:
            sub.boot(m)
    schedule_forks(m)
    return m
