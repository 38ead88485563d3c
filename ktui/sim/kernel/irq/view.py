"""The frozen view of the interrupt state and its JSON sections: ``softirqs``
(kernel order, per-CPU counts and pending, as /proc/softirqs shows them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.include.trace.events.irq import SOFTIRQ_NAMES

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


@dataclass(frozen=True, slots=True)
class SoftirqView:
    """One vector: its name, per-CPU run counts, raises and pending bits."""

    vec: int
    name: str
    counts: tuple[int, ...]
    raised: tuple[int, ...]
    pending: tuple[bool, ...]


@dataclass(frozen=True, slots=True)
class IrqView:
    """The interrupt section of a snapshot."""

    softirqs: tuple[SoftirqView, ...]


def irq_view(m: Machine) -> IrqView:
    """Freeze ``m.ext["softirq"]``."""
    from ktui.sim.kernel.softirq import softirq_state

    st = softirq_state(m)
    cpus = range(len(st.pending))
    return IrqView(
        tuple(
            SoftirqView(
                vec,
                name,
                tuple(st.counts[c][vec] for c in cpus),
                tuple(st.raised[c][vec] for c in cpus),
                tuple(bool(st.pending[c] >> vec & 1) for c in cpus),
            )
            for vec, name in enumerate(SOFTIRQ_NAMES)
        )
    )


def irq_report(view: object) -> Mapping[str, object]:
    """The ``softirqs`` JSON section: one entry per vector in kernel order."""
    assert isinstance(view, IrqView)
    return {
        "softirqs": [
            {
                "vec": s.vec,
                "name": s.name,
                "counts": list(s.counts),
                "raised": list(s.raised),
                "pending": list(s.pending),
            }
            for s in view.softirqs
        ]
    }
