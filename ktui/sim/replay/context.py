"""Reading the machine for breakpoint conditions (`breakpoints.StateContext`).

The subjects (``task``, ``cpu``, ``lock`` ...) belong to their subsystems
(`ktui.sim.kernel.sched.subjects`, `ktui.sim.kernel.locking.subjects`);
this is the machine they read, at the current event.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.sim.breakpoints import Key, Subject, Value
    from ktui.sim.machine import Machine

__all__ = ["MachineContext"]


class MachineContext:
    """`StateContext` over a live machine: each subject reads it."""

    __slots__ = ("m",)

    def __init__(self, m: Machine) -> None:
        self.m = m

    def lookup(self, subject: Subject, item: str) -> Key | None:
        """Key of `item` in the machine's scenario (fixed for the scenario)."""
        return subject.lookup(self.m, item)

    def read(self, subject: Subject, key: Key, attr: str) -> Value | None:
        """Attribute `attr` of item `key`, now."""
        return subject.get(self.m, key, attr)

    def choices(self, subject: Subject) -> Sequence[str]:
        """Every item of `subject` in the scenario."""
        return subject.choices(self.m)

    def value_ok(self, subject: Subject, value: str) -> bool:
        """Whether `value` names an item of `subject`."""
        if subject.value_ok is not None:
            return subject.value_ok(self.m, value)
        return subject.lookup(self.m, value) is not None
