"""Value types of breakpoint expressions: how values are written, printed and compared.

No kernel counterpart. Durations are written with a unit (``ns``, ``us``,
``ms``, ``s``) and held as ints in ns; strings compare with ``==``/``!=`` or
an `fnmatch.fnmatchcase` glob (``~``); list fields test membership.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from fnmatch import fnmatchcase
from typing import Final, Literal

from ktui.sim.units import format_duration

CmpOp = Literal["=", "!=", "<", "<=", ">", ">=", "~"]
"""A comparison operator (``==`` is stored as ``=``)."""

ValueType = Literal["num", "bool", "duration", "vns", "str", "state", "nums", "strs"]
"""How a value is written and compared.

``num``: an integer; ``bool``: 0 or 1; ``duration``: a number with a unit,
in ns; ``vns``: ns, a unit optional (vruntime); ``str``: a name; ``state``: a
task state letter; ``nums``/``strs``: a list field tested for membership.
"""

Value = int | str
"""A value an attribute or a field reads as."""

STATE_LETTERS: Final = ("R", "R+", "S", "D", "T", "t", "Z", "X", "I")
"""Task state letters a ``state`` value may be (`ktui.sim.trace.state_letter`)."""

INT_RE: Final = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)")
NUMERIC: Final = frozenset({"num", "bool", "duration", "vns"})
"""Value types that compare as integers."""
OP_CHARS: Final = "=<>~"
QUOTES: Final = "\"'"


def fmt_value(value: Value, vtype: ValueType) -> str:
    """`value` as a breakpoint expression writes it (quoted when it must be)."""
    if isinstance(value, int):
        return format_duration(value) if vtype == "duration" else str(value)
    if value == "" or any(c.isspace() or c in OP_CHARS or c in QUOTES for c in value):
        q = "'" if '"' in value else '"'
        return f"{q}{value}{q}"
    return value


_INT_OPS: Final[Mapping[str, Callable[[int, int], bool]]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def compare(op: CmpOp, actual: Value | tuple[Value, ...] | None, value: Value) -> bool:
    """``actual <op> value``; a missing or ill-typed `actual` never matches."""
    if type(actual) is int and type(value) is int and op != "~":  # the common case
        return _INT_OPS[op](actual, value)
    if actual is None:
        return False
    if isinstance(actual, tuple):
        if op == "~":
            return any(isinstance(x, str) and fnmatchcase(x, str(value)) for x in actual)
        return (value in actual) == (op == "=")
    if isinstance(value, str):
        if not isinstance(actual, str):
            actual = str(actual)
        if op == "~":
            return fnmatchcase(actual, value)
        return (actual == value) == (op == "=")
    if not isinstance(actual, int) or op == "~":
        return False
    return _INT_OPS[op](actual, value)
