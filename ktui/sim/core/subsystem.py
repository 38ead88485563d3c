"""The subsystem descriptor: one `Subsystem` per simulator subsystem.

The kernel adds a scheduling class with one ``DEFINE_SCHED_CLASS()`` table
and nothing in ``core.c`` names it; a ktui subsystem is the same. Its package
declares one `Subsystem` and `ktui.sim.subsystems` lists the descriptors in
order. Everything the core dispatches on comes from that list: the modules
that register ops, events and pending-work kinds, boot, scenario tables, the
frozen view (the snapshot section, from which the JSON report section is
derived), breakpoint subjects, invariants and panes.

Ids never depend on this order: events, kinds and symbols get `stable_id`s
from their names (`ktui.sim.trace`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.sim.machine import Machine
    from ktui.sim.ops import ObjectKind
    from ktui.sim.scenario import SectionParser

BootFn = Callable[["Machine"], None]
"""Sets up the subsystem's state on a fresh machine (after the core's)."""
ViewFn = Callable[["Machine"], object]
"""Builds the subsystem's frozen view of the machine at this position."""
ReportFn = Callable[[object], Mapping[str, object]]
"""Turns that view into JSON-able report sections, by top-level key."""
ValidateFn = Callable[["Machine"], None]
"""Checks the subsystem's invariants; raises `SimInvariantError`."""


@dataclass(frozen=True, slots=True)
class Subsystem:
    """What one subsystem adds to the simulator and the app.

    Attributes:
        name: Short name (``sched``, ``locking``, ``irq``): the key of its
            snapshot section, report section and screen.
        title: Human title for the screen that shows its panes.
        modules: Modules imported at load; importing one registers its ops
            (`ktui.sim.ops.register_op`), events (`ktui.sim.trace.define_event`)
            and pending-work kinds (`ktui.sim.machine.register_kind`).
        boot: Called on every new machine, in descriptor order.
        tables: Scenario tables it owns: name -> parser
            (`ktui.sim.scenario.SectionParser`); the parsed values are in
            ``scenario.sections[name]``.
        objects: Object kinds its tables declare, which ops may name as
            arguments (`ktui.sim.ops.ObjectKind`), by kind.
        view: Frozen view of its state; goes to ``MachineSnapshot.sections``.
        report: JSON sections of the view, merged into the report.
        subjects: Breakpoint subjects it provides (``irq 5 count >= 3``), by
            keyword.
        validate: Invariant checker run by the tests after every event.
        panes: ``module:Class`` of its panes, in tab order.
    """

    name: str
    title: str = ""
    modules: tuple[str, ...] = ()
    boot: BootFn | None = None
    tables: Mapping[str, SectionParser] = field(default_factory=dict)
    objects: Mapping[str, ObjectKind] = field(default_factory=dict)
    view: ViewFn | None = None
    report: ReportFn | None = None
    subjects: Mapping[str, object] = field(default_factory=dict)
    validate: ValidateFn | None = None
    panes: tuple[str, ...] = ()
