"""The CPU descriptor: the machine side that executes task programs (hw/cpu.py)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.hw.cpu import validate_cpus

SUBSYSTEM = Subsystem(
    name="cpu",
    title="CPUs",
    modules=("ktui.sim.hw.cpu",),
    validate=validate_cpus,
)
