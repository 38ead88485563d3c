"""What a breakpoint expression parses to: `Breakpoint`, `FieldFilter`, `Condition`.

No kernel counterpart. Frozen and hashable: two expressions that parse to
the same thing compare equal, whatever their spacing or ``==``/``=``. A
condition's resolved subject and item (`Condition.subj`, `Condition.key`)
are left out of comparisons: they say where to read, not what is asked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from ktui.sim.breakpoints.subject import Key, Subject
from ktui.sim.breakpoints.values import CmpOp, Value, ValueType
from ktui.sim.trace import EVENTS_BY_NAME

FilterSource = Literal["field", "time", "cpu", "common_pid", "common_comm"]
"""Where a filter's value comes from: a decoded event field or a record column."""


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """One ``field<op>value`` filter of an event breakpoint."""

    field: str
    """Field name as written (``next_comm``, ``comm``, ``time``)."""
    source: FilterSource
    """Where the value comes from: a decoded event field or a record column."""
    key: str
    """Key in `ktui.sim.trace.Event.fields` when `source` is ``field``."""
    op: CmpOp
    """Comparison operator."""
    value: Value
    """Value to compare with: ns for durations, a name or glob for strings."""
    vtype: ValueType
    """How `value` compares."""
    ref: str = ""
    """Subject keyword an ``=`` value names (``task``, ``lock``), for `validate`."""
    value_pos: int = 0
    """Column of the value in `Breakpoint.expr`."""
    raw: int = -1
    """Index in the raw record of the pid or lock id this filter's name is
    decoded from, when it is at a fixed place (no list field before it)."""
    raw_value: int | None = dataclasses.field(default=None, compare=False)
    """`value` resolved by `validate` to that pid or lock id, so that
    `matches_event` compares ``rec[raw]`` without decoding; None until then."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One time or state condition: ``time >= 5ms``, ``task t1 state == D``."""

    subject: str
    """What the condition looks at: ``time`` or a subject keyword."""
    name: str
    """The item as written (a comm or pid, a CPU number ...); ``""`` for time."""
    attr: str
    """Attribute name; ``""`` for time."""
    op: CmpOp
    """Comparison operator."""
    value: Value
    """Value to compare with: ns for durations, a name or glob for strings."""
    vtype: ValueType
    """How `value` compares."""
    ref: str = ""
    """Subject keyword an ``==`` value names (``owner == t1``), for `validate`."""
    name_pos: int = 0
    """Column of `name` in `Breakpoint.expr`."""
    value_pos: int = 0
    """Column of the value in `Breakpoint.expr`."""
    subj: Subject | None = dataclasses.field(default=None, compare=False, repr=False)
    """The subject, as the parser found it (None for time)."""
    key: Key | None = dataclasses.field(default=None, compare=False)
    """The item resolved by `validate`; None until then (looked up each time)."""


@dataclass(frozen=True, slots=True)
class Breakpoint:
    """A parsed breakpoint expression.

    Build with `parse`; two breakpoints that parse to the same thing compare
    equal, whatever spacing or ``==``/``=`` spelling was used.
    """

    expr: str
    """Normalised text (what `parse` of it gives back again)."""
    kind: Literal["event", "time", "state"]
    """``event``: hits on matching events; ``time``/``state``: on a rising edge."""
    event: str = ""
    """Tracepoint name, for event breakpoints."""
    filters: tuple[FieldFilter, ...] = ()
    """Field filters of an event breakpoint, all of which must pass."""
    conds: tuple[Condition, ...] = ()
    """Conditions of a time/state breakpoint, all of which must hold."""

    def event_type_id(self) -> int | None:
        """Type id of the event an event breakpoint stops on, else None.

        Callers compare it with ``rec[0]`` to skip other records cheaply.
        """
        et = EVENTS_BY_NAME.get(self.event) if self.kind == "event" else None
        return None if et is None else et.id
