"""Main-screen panes, grouped by subsystem, and their registry.

Adding a pane is one new module (a `Pane` subclass with ``PANE_ID``,
``PANE_TITLE``, ``AREA``, a reactive ``view`` and ``view_of``) plus one line
in `PANES`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.panes.base import Pane

PANES: tuple[str, ...] = (
    "ktui.panes.sched.rq_table:RqTable",
    "ktui.panes.locking.lock_holders:LockHolders",
    "ktui.panes.sched.task_detail:TaskDetail",
    "ktui.panes.sched.timeline:Timeline",
    "ktui.panes.trace.trace_view:TraceView",
)
"""``module:Class`` of every pane, in tab order."""


def pane_classes() -> list[type[Pane]]:
    """The registered pane classes, imported, in `PANES` order."""
    classes = []
    for spec in PANES:
        module, _, name = spec.partition(":")
        classes.append(getattr(importlib.import_module(module), name))
    return classes


def pane_ids() -> list[str]:
    """``PANE_ID`` of every registered pane (for ``ktui render --pane``)."""
    return [cls.PANE_ID for cls in pane_classes()]
