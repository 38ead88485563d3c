"""Breakpoint and watchpoint expressions: tokenizer, parser, subjects, evaluator.

No kernel counterpart; the event form borrows the shape of ftrace's event
filters (``echo 'next_comm == "t1"' > events/sched/sched_switch/filter``,
kernel/trace/trace_events_filter.c) without its ``||``/parentheses. The parser
is hand-written and never evaluates Python.

Three kinds of breakpoint::

    sched_switch next_comm=t1 prev_state=D     event: that event, fields ANDed
    time >= 5ms                                time: simulated time
    task t1 state == D and lock A waiters >= 1 state: a subject's attribute

Semantics:

* An **event** breakpoint hits on each event record that is of the named type
  and whose fields all pass the filters (`matches_event`).
* A **time** or **state** breakpoint is a condition; it hits on the event
  after which the condition becomes true (a rising edge). The caller keeps
  the previous value and asks `holds` after each event.
* The subjects of state conditions (``task``, ``cpu``, ``lock``; ``irq``,
  ``slab`` ... as subsystems arrive) are declared by the subsystems that own
  the state (`Subject`, in each descriptor's ``subjects``); this package
  names none of them.
* Durations are written with a unit (``ns``, ``us``, ``ms``, ``s``) and held
  as ints in ns; a fraction is allowed when the result is a whole ns.
* Numbers compare with ``= == != < <= > >=``; strings only with ``= == !=``
  and ``~`` (an `fnmatch.fnmatchcase` glob). List fields (a ``pids`` or
  ``locks`` field) take ``=``/``!=`` as "contains"/"does not contain" and
  ``~`` as "some element matches".
* ``and`` joins conditions; time and state conditions may be mixed (the kind
  is then ``state``). Between event filters ``and`` is optional.

Modules: `lexer` (tokens), `values` (value types, durations, comparison),
`nodes` (what an expression parses to), `parser`, `subject` (`Subject`, the
registry built from the descriptors, the state context), `evaluator`
(`validate`, `matches_event`, `holds`), `hints` (did you mean).

Left out: ``or``, ``not`` and parentheses; string escapes in quoted values.
"""

from __future__ import annotations

from ktui.sim.breakpoints.evaluator import holds, matches_event, validate
from ktui.sim.breakpoints.hints import did_you_mean
from ktui.sim.breakpoints.nodes import Breakpoint, Condition, FieldFilter
from ktui.sim.breakpoints.parser import parse
from ktui.sim.breakpoints.subject import (
    Attr,
    Key,
    StateContext,
    Subject,
    keywords,
    subjects,
)
from ktui.sim.breakpoints.values import (
    STATE_LETTERS,
    CmpOp,
    Value,
    ValueType,
)
from ktui.sim.units import format_duration

__all__ = [
    "STATE_LETTERS",
    "Attr",
    "Breakpoint",
    "CmpOp",
    "Condition",
    "FieldFilter",
    "Key",
    "StateContext",
    "Subject",
    "Value",
    "ValueType",
    "did_you_mean",
    "format_duration",
    "holds",
    "keywords",
    "matches_event",
    "parse",
    "subjects",
    "validate",
]
