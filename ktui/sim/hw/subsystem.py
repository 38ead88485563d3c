"""The CPU descriptor: the machine side that executes task programs (hw/cpu.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.core.subsystem import Subsystem

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def _validate(m: Machine) -> None:
    """`ktui.sim.hw.cpu.validate_cpus`, imported when first needed (after load)."""
    from ktui.sim.hw.cpu import validate_cpus

    validate_cpus(m)


SUBSYSTEM = Subsystem(
    name="cpu",
    title="CPUs",
    modules=("ktui.sim.hw.cpu",),
    validate=_validate,
)
