"""The ``ret`` breakpoint subject: a labelled system call's last return.

``ret r value == -16`` stops after any task's call labelled ``r`` returned
-EBUSY; ``ret t1.r errno == -EBUSY`` looks only at task ``t1``'s. Reads the
kept returns (`ktui.sim.kernel.entry.common.returns_of`): None (never
matching) before the first such return. No kernel counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.breakpoints.subject import Attr, Key, Subject
from ktui.sim.breakpoints.values import Value
from ktui.sim.include.uapi.asm_generic.errno_base import errno_name
from ktui.sim.kernel.entry.common import returns_of

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def _declared(m: Machine) -> tuple[set[str], set[str]]:
    """The labels the scenario's programs declare, and the comms that can
    carry them (scenario tasks and named fork children)."""
    labels: set[str] = set()
    comms = {t.name for t in m.cfg.scenario.tasks}
    for task in m.cfg.scenario.tasks:
        for op in task.program:
            if op.label:
                labels.add(op.label)
            if op.name == "fork" and op.strs:
                comms.add(op.strs[0])
    return labels, comms


def _lookup(m: Machine, item: str) -> Key | None:
    comm, dot, label = item.rpartition(".")
    labels, comms = _declared(m)
    if label not in labels or (dot and comm not in comms):
        return None
    return item if dot else "." + label


def _choices(m: Machine) -> Sequence[str]:
    return sorted(_declared(m)[0])


def _get(m: Machine, key: Key, attr: str) -> Value | None:
    comm, _dot, label = str(key).rpartition(".")
    kept, _dropped = returns_of(m)
    for _ev, _t, cpu, pid, _op, lab, _line, value, _out in reversed(kept):
        if lab == label and (not comm or m.comm(pid, cpu) == comm):
            return value if attr == "value" else errno_name(value)
    return None


RET: Final = Subject(
    keyword="ret",
    items="name",
    what="a result label (r, or TASK.r)",
    attrs={
        "value": Attr("num", doc="the last value returned under that label"),
        "errno": Attr("str", doc="its errno name (-EBUSY ...), '' when >= 0"),
    },
    lookup=_lookup,
    get=_get,
    choices=_choices,
    label="result label",
)
"""``ret [TASK.]LABEL value|errno``."""
