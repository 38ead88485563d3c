"""Panes, grouped by subsystem, and where they come from.

Each subsystem descriptor (`ktui.sim.subsystems.SUBSYSTEMS`) names its panes
as ``module:Class``; the task detail and the trace are core panes, shown on
every subsystem's screen. Adding a pane is one new module (a `Pane`
subclass with ``PANE_ID``, ``PANE_TITLE``, ``AREA``, a reactive ``view`` and
``view_of``) plus its string in its subsystem's ``panes``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.panes.base import Pane

CORE_PANES: tuple[str, ...] = (
    "ktui.panes.sched.task_detail:TaskDetail",
    "ktui.panes.trace.trace_view:TraceView",
)
"""``module:Class`` of the panes every subsystem screen shows beside its own."""


@dataclass(frozen=True, slots=True)
class PaneGroup:
    """The panes of one subsystem: what its screen shows."""

    name: str
    """Subsystem name (``sched``): the screen's mode name."""
    title: str
    """Screen title (``Scheduler``)."""
    panes: tuple[type[Pane], ...]
    """Its own panes, in tab order (core panes not included)."""


def load_pane(spec: str) -> type[Pane]:
    """Import the pane class named by ``module:Class``."""
    module, _, name = spec.partition(":")
    cls: type[Pane] = getattr(importlib.import_module(module), name)
    return cls


def core_panes() -> tuple[type[Pane], ...]:
    """The core pane classes (task detail, trace)."""
    return tuple(load_pane(spec) for spec in CORE_PANES)


def pane_groups() -> list[PaneGroup]:
    """One group per loaded subsystem that has panes, in `SUBSYSTEMS` order.

    Core panes a descriptor also lists are left out of its group.
    """
    from ktui.sim.subsystems import SUBSYSTEMS

    groups = []
    for sub in SUBSYSTEMS:
        panes = tuple(load_pane(spec) for spec in sub.panes if spec not in CORE_PANES)
        if panes:
            groups.append(PaneGroup(sub.name, sub.title or sub.name, panes))
    return groups


def pane_classes() -> list[type[Pane]]:
    """Every pane class once: each subsystem's in order, then the core ones."""
    classes: list[type[Pane]] = []
    for group in pane_groups():
        classes.extend(cls for cls in group.panes if cls not in classes)
    classes.extend(cls for cls in core_panes() if cls not in classes)
    return classes


def pane_ids() -> list[str]:
    """``PANE_ID`` of every pane (for ``ktui render --pane``)."""
    return [cls.PANE_ID for cls in pane_classes()]
