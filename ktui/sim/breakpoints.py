"""Breakpoint and watchpoint expressions: tokenizer, parser and evaluator.

No kernel counterpart; the event form borrows the shape of ftrace's event
filters (``echo 'next_comm == "t1"' > events/sched/sched_switch/filter``,
kernel/trace/trace_events_filter.c) without its ``||``/parentheses. The parser
is hand-written and never evaluates Python.

Three kinds of breakpoint::

    sched_switch next_comm=t1 prev_state=D     event: that event, fields ANDed
    time >= 5ms                                time: simulated time
    task t1 state == D and lock A waiters >= 1 state: task / cpu / lock state

Semantics:

* An **event** breakpoint hits on each event record that is of the named type
  and whose fields all pass the filters (`matches_event`).
* A **time** or **state** breakpoint is a condition; it hits on the event
  after which the condition becomes true (a rising edge). The caller keeps
  the previous value and asks `holds` after each event.
* Durations are written with a unit (``ns``, ``us``, ``ms``, ``s``) and held
  as ints in ns; a fraction is allowed when the result is a whole ns.
* Numbers compare with ``= == != < <= > >=``; strings only with ``= == !=``
  and ``~`` (an `fnmatch.fnmatchcase` glob). List fields (a ``pids`` or
  ``locks`` field) take ``=``/``!=`` as "contains"/"does not contain" and
  ``~`` as "some element matches".
* ``and`` joins conditions; time and state conditions may be mixed (the kind
  is then ``state``). Between event filters ``and`` is optional.

Left out: ``or``, ``not`` and parentheses; string escapes in quoted values.
"""

from __future__ import annotations

import difflib
import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from fractions import Fraction
from typing import Final, Literal, NamedTuple, Protocol

from ktui.sim.errors import BreakpointError
from ktui.sim.trace import EVENTS_BY_NAME, EventType, Names, decode

CmpOp = Literal["=", "!=", "<", "<=", ">", ">=", "~"]
"""A comparison operator (``==`` is stored as ``=``)."""

ValueType = Literal["num", "bool", "duration", "vns", "str", "state", "nums", "strs"]
"""How a value is written and compared.

``num``: an integer; ``bool``: 0 or 1; ``duration``: a number with a unit,
in ns; ``vns``: ns, a unit optional (vruntime); ``str``: a name; ``state``: a
task state letter; ``nums``/``strs``: a list field tested for membership.
"""

Ref = Literal["", "task", "lock"]
"""What a string value names, so `validate` can check it exists."""

KIND_KEYWORDS: Final = ("time", "task", "cpu", "lock")
"""Words that start a time or state condition instead of an event name."""

TASK_ATTRS: Final[Mapping[str, ValueType]] = {
    "state": "state",
    "prio": "num",
    "nice": "num",
    "cpu": "num",
    "nr_switches": "num",
    "sum_exec_runtime": "duration",
    "vruntime": "vns",
    "on_cpu": "bool",
    "blocked_on": "str",
}
"""Attributes of ``task <comm|pid>``."""

CPU_ATTRS: Final[Mapping[str, ValueType]] = {
    "nr_running": "num",
    "curr": "str",
    "idle": "bool",
    "preempt_count": "num",
    "irqs_disabled": "bool",
}
"""Attributes of ``cpu <n>``."""

LOCK_ATTRS: Final[Mapping[str, ValueType]] = {
    "owner": "str",
    "waiters": "num",
    "held": "bool",
}
"""Attributes of ``lock <name>``."""

_ATTR_REFS: Final[Mapping[str, Ref]] = {
    "blocked_on": "lock",
    "curr": "task",
    "owner": "task",
}

STATE_LETTERS: Final = ("R", "R+", "S", "D", "T", "t", "Z", "X", "I")
"""Task state letters a ``state`` value may be (`ktui.sim.trace.state_letter`)."""

_UNITS: Final[Mapping[str, int]] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
}
_DURATION_RE: Final = re.compile(r"([0-9]+(?:\.[0-9]+)?|\.[0-9]+)([a-zµ]*)")
_INT_RE: Final = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)")
_NUMERIC: Final = frozenset({"num", "bool", "duration", "vns"})
_OP_CHARS: Final = "=<>~"
_QUOTES: Final = "\"'"


class StateContext(Protocol):
    """Read access to machine state for time/state breakpoints.

    The time-travel engine implements it over the machine at the current event.
    """

    def task_attr(self, task: str, attr: str) -> int | str | None:
        """Attribute `attr` of the task named `task` (a comm or a pid, as
        written); None if there is no such task."""
        ...

    def cpu_attr(self, cpu: int, attr: str) -> int | str | None:
        """Attribute `attr` of CPU `cpu`."""
        ...

    def lock_attr(self, lock: str, attr: str) -> int | str | None:
        """Attribute `attr` of the lock named `lock`."""
        ...

    def has_task(self, task: str) -> bool:
        """Whether a task with this comm (or pid, as written) exists."""
        ...

    def has_lock(self, lock: str) -> bool:
        """Whether a lock with this name exists."""
        ...

    def ncpus(self) -> int:
        """Number of CPUs."""
        ...


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """One ``field<op>value`` filter of an event breakpoint."""

    field: str
    """Field name as written (``next_comm``, ``comm``, ``time``)."""
    source: Literal["field", "time", "cpu", "common_pid", "common_comm"]
    """Where the value comes from: a decoded event field or a record column."""
    key: str
    """Key in `ktui.sim.trace.Event.fields` when `source` is ``field``."""
    op: CmpOp
    """Comparison operator."""
    value: int | str
    """Value to compare with: ns for durations, a name or glob for strings."""
    vtype: ValueType
    """How `value` compares."""
    ref: Ref = ""
    """What an ``=`` value names (a task comm or a lock), for `validate`."""
    value_pos: int = 0
    """Column of the value in `Breakpoint.expr`."""


@dataclass(frozen=True, slots=True)
class Condition:
    """One time or state condition: ``time >= 5ms``, ``task t1 state == D``."""

    subject: Literal["time", "task", "cpu", "lock"]
    """What the condition looks at."""
    name: str
    """Task comm or pid, CPU number or lock name as written; ``""`` for time."""
    attr: str
    """Attribute name; ``""`` for time."""
    op: CmpOp
    """Comparison operator."""
    value: int | str
    """Value to compare with: ns for durations, a name or glob for strings."""
    vtype: ValueType
    """How `value` compares."""
    ref: Ref = ""
    """What an ``==`` value names (a task comm or a lock), for `validate`."""
    name_pos: int = 0
    """Column of `name` in `Breakpoint.expr`."""
    value_pos: int = 0
    """Column of the value in `Breakpoint.expr`."""


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


class _Token(NamedTuple):
    kind: Literal["word", "op", "str"]
    text: str
    pos: int


def _load_events() -> None:
    """Import the subsystems so that every event is registered (if present)."""
    try:
        importlib.import_module("ktui.sim.subsystems")
    except ModuleNotFoundError as e:
        if e.name != "ktui.sim.subsystems":
            raise


def _tokenize(expr: str) -> list[_Token]:
    toks: list[_Token] = []
    i, n = 0, len(expr)
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
        elif c in _QUOTES:
            end = expr.find(c, i + 1)
            if end < 0:
                raise BreakpointError(f"unterminated string (no closing {c})", expr, i)
            toks.append(_Token("str", expr[i + 1 : end], i))
            i = end + 1
        elif expr[i : i + 2] in ("==", "!=", "<=", ">="):
            toks.append(_Token("op", expr[i : i + 2], i))
            i += 2
        elif c in _OP_CHARS:
            toks.append(_Token("op", c, i))
            i += 1
        else:
            j = i
            while j < n:
                d = expr[j]
                if (
                    d.isspace()
                    or d in _OP_CHARS
                    or d in _QUOTES
                    or expr[j : j + 2] == "!="
                ):
                    break
                if d == "[":  # an fnmatch set: keep "[!a]" together
                    close = expr.find("]", j + 2)
                    if close > 0:
                        j = close
                j += 1
            toks.append(_Token("word", expr[i:j], i))
            i = j
    return toks


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _event_fields(et: EventType) -> dict[str, tuple[ValueType, Ref]]:
    """Field names a filter on `et` may use, as `ktui.sim.trace.decode` names them."""
    out: dict[str, tuple[ValueType, Ref]] = {}
    for fname, kind in et.fields:
        if kind == "pids":
            out[fname] = ("nums", "")
            out[fname + "_comm"] = ("strs", "task")
        elif kind == "locks":
            out[fname] = ("strs", "lock")
        elif kind == "pid":
            out[fname] = ("num", "")
            prefix = fname[: -len("pid")] if fname.endswith("pid") else fname + "_"
            out[prefix + "comm"] = ("str", "task")
        elif kind == "state":
            out[fname] = ("state", "")
        elif kind == "lock":
            out[fname] = ("str", "lock")
        elif kind == "sym":
            out[fname] = ("str", "")
        else:
            out[fname] = ("num", "")
    return out


def format_duration(ns: int) -> str:
    """``ns`` in the largest unit that divides it: ``1500000`` → ``1500us``."""
    for unit in ("s", "ms", "us"):
        if ns and ns % _UNITS[unit] == 0:
            return f"{ns // _UNITS[unit]}{unit}"
    return f"{ns}ns"


def _fmt_value(value: int | str, vtype: ValueType) -> str:
    if isinstance(value, int):
        return format_duration(value) if vtype == "duration" else str(value)
    if value == "" or any(c.isspace() or c in _OP_CHARS or c in _QUOTES for c in value):
        q = "'" if '"' in value else '"'
        return f"{q}{value}{q}"
    return value


class _Parser:
    """Recursive descent over the token list; one instance per `parse` call."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.toks = _tokenize(expr)
        self.i = 0

    def error(self, message: str, tok: _Token | None) -> BreakpointError:
        pos = len(self.expr) if tok is None else tok.pos
        return BreakpointError(message, self.expr, pos)

    def peek(self) -> _Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> _Token | None:
        tok = self.peek()
        if tok is not None:
            self.i += 1
        return tok

    def parse(self) -> Breakpoint:
        first = self.peek()
        if first is None:
            raise self.error(
                "empty expression (expected an event name, 'time', 'task', 'cpu' or 'lock')",
                None,
            )
        if first.kind == "word" and first.text in KIND_KEYWORDS:
            return self.parse_conditions()
        return self.parse_event()

    # -- event breakpoints ------------------------------------------------

    def parse_event(self) -> Breakpoint:
        tok = self.next()
        assert tok is not None
        et = EVENTS_BY_NAME.get(tok.text) if tok.kind == "word" else None
        if et is None:
            hint = _did_you_mean(tok.text, [*EVENTS_BY_NAME, *KIND_KEYWORDS])
            raise self.error(f"unknown event {tok.text!r}{hint}", tok)
        fields = _event_fields(et)
        filters: list[FieldFilter] = []
        while (tok := self.next()) is not None:
            if tok.kind == "word" and tok.text == "and" and filters:
                tok = self.next()
                if tok is None:
                    raise self.error("expected a filter after 'and'", None)
            filters.append(self.parse_filter(et, fields, tok))
        text = et.name
        placed: list[FieldFilter] = []
        for f in filters:
            text += f" {f.field}{f.op}"
            placed.append(replace(f, value_pos=len(text)))
            text += _fmt_value(f.value, f.vtype)
        return Breakpoint(text, "event", et.name, tuple(placed))

    def parse_filter(
        self, et: EventType, fields: dict[str, tuple[ValueType, Ref]], tok: _Token
    ) -> FieldFilter:
        if tok.kind != "word":
            raise self.error(f"expected a field name, got {tok.text!r}", tok)
        name = tok.text
        source: Literal["field", "time", "cpu", "common_pid", "common_comm"] = "field"
        key = name
        if name in fields:
            vtype, ref = fields[name]
        elif name == "time":
            vtype, ref, source = "duration", "", "time"
        elif name == "cpu":
            vtype, ref, source = "num", "", "cpu"
        elif name in ("pid", "common_pid"):
            vtype, ref, source = "num", "", "common_pid"
        elif name in ("comm", "common_comm"):
            vtype, ref, source = "str", "task", "common_comm"
        else:
            known = [*fields, "comm", "pid", "cpu", "common_comm", "common_pid", "time"]
            hint = _did_you_mean(name, known) or f" (fields: {', '.join(known)})"
            raise self.error(f"unknown field {name!r} for {et.name}{hint}", tok)
        op = self.parse_op(name, vtype)
        value = self.parse_value(name, vtype, op)
        return FieldFilter(
            name, source, key, op, value, vtype, ref if op == "=" else ""
        )

    # -- time and state conditions ----------------------------------------

    def parse_conditions(self) -> Breakpoint:
        conds = [self.parse_condition()]
        while (tok := self.next()) is not None:
            if not (tok.kind == "word" and tok.text == "and"):
                raise self.error(
                    f"unexpected {tok.text!r} after the condition (join conditions with 'and')",
                    tok,
                )
            nxt = self.peek()
            if nxt is None:
                raise self.error("expected a condition after 'and'", None)
            if not (nxt.kind == "word" and nxt.text in KIND_KEYWORDS):
                raise self.error(
                    f"expected 'time', 'task', 'cpu' or 'lock' after 'and', got {nxt.text!r}"
                    " (an event breakpoint cannot be combined with conditions)",
                    nxt,
                )
            conds.append(self.parse_condition())
        parts: list[str] = []
        placed: list[Condition] = []
        off = 0
        for c in conds:
            head = "time" if c.subject == "time" else f"{c.subject} "
            name_pos = off + len(head)
            head += (
                f"{_fmt_value(c.name, 'str')} {c.attr}" if c.subject != "time" else ""
            )
            head += f" {'==' if c.op == '=' else c.op} "
            value_pos = off + len(head)
            part = head + _fmt_value(c.value, c.vtype)
            placed.append(replace(c, name_pos=name_pos, value_pos=value_pos))
            parts.append(part)
            off += len(part) + len(" and ")
        kind: Literal["time", "state"] = (
            "time" if all(c.subject == "time" for c in conds) else "state"
        )
        return Breakpoint(" and ".join(parts), kind, conds=tuple(placed))

    def parse_condition(self) -> Condition:
        kw = self.next()
        assert kw is not None
        subject: Literal["time", "task", "cpu", "lock"]
        if kw.text == "time":
            op = self.parse_op("time", "duration")
            return Condition(
                "time", "", "", op, self.parse_value("time", "duration", op), "duration"
            )
        if kw.text == "task":
            subject, attrs, what = "task", TASK_ATTRS, "a task (comm or pid)"
        elif kw.text == "cpu":
            subject, attrs, what = "cpu", CPU_ATTRS, "a CPU number"
        else:
            subject, attrs, what = "lock", LOCK_ATTRS, "a lock name"
        name_tok = self.next()
        if name_tok is None or name_tok.kind == "op":
            got = "" if name_tok is None else f", got {name_tok.text!r}"
            raise self.error(f"expected {what} after {kw.text!r}{got}", name_tok)
        name = name_tok.text
        if subject == "cpu":
            if not name.isdigit():
                raise self.error(f"expected {what} after 'cpu', got {name!r}", name_tok)
            name = str(int(name))
        attr_tok = self.next()
        if attr_tok is None or attr_tok.kind != "word":
            got = "" if attr_tok is None else f", got {attr_tok.text!r}"
            raise self.error(
                f"expected a {subject} attribute after {name!r}{got} ({', '.join(attrs)})",
                attr_tok,
            )
        attr = attr_tok.text
        if attr not in attrs:
            hint = _did_you_mean(attr, list(attrs)) or f" ({', '.join(attrs)})"
            raise self.error(f"unknown {subject} attribute {attr!r}{hint}", attr_tok)
        vtype = attrs[attr]
        op = self.parse_op(attr, vtype)
        value = self.parse_value(attr, vtype, op)
        ref = _ATTR_REFS.get(attr, "") if op == "=" else ""
        return Condition(subject, name, attr, op, value, vtype, ref)

    # -- operators and values ---------------------------------------------

    def parse_op(self, what: str, vtype: ValueType) -> CmpOp:
        tok = self.next()
        if tok is None or tok.kind != "op":
            raise self.error(f"expected an operator after {what!r}", tok)
        op: CmpOp
        if tok.text in ("=", "=="):
            op = "="
        elif tok.text == "!=":
            op = "!="
        elif tok.text == "<":
            op = "<"
        elif tok.text == "<=":
            op = "<="
        elif tok.text == ">":
            op = ">"
        elif tok.text == ">=":
            op = ">="
        else:
            op = "~"
        if vtype in _NUMERIC and op == "~":
            raise self.error(f"'~' matches strings, and {what!r} is a number", tok)
        if vtype == "nums" and op not in ("=", "!="):
            raise self.error(
                f"{what!r} is a list of numbers: use = or != to test membership", tok
            )
        if vtype in ("str", "state", "strs") and op not in ("=", "!=", "~"):
            raise self.error(
                f"{tok.text!r} compares numbers, and {what!r} is a string (use ==, != or ~)",
                tok,
            )
        return op

    def parse_value(self, what: str, vtype: ValueType, op: CmpOp) -> int | str:
        tok = self.next()
        if tok is None or tok.kind == "op":
            got = "" if tok is None else f", got {tok.text!r}"
            raise self.error(f"expected a value after {what!r}{got}", tok)
        text = tok.text
        if vtype in ("str", "strs"):
            return text
        if vtype == "state":
            if op != "~" and text not in STATE_LETTERS:
                raise self.error(
                    f"unknown task state {text!r} (one of {', '.join(STATE_LETTERS)})",
                    tok,
                )
            return text
        if vtype == "duration" or (vtype == "vns" and not _INT_RE.fullmatch(text)):
            return self.parse_duration(tok)
        if tok.kind != "word" or not _INT_RE.fullmatch(text):
            raise self.error(f"expected a number for {what!r}, got {text!r}", tok)
        value = int(text, 16 if "x" in text.lower() else 10)
        if vtype == "bool" and value not in (0, 1):
            raise self.error(f"{what!r} is 0 or 1, got {text!r}", tok)
        return value

    def parse_duration(self, tok: _Token) -> int:
        m = _DURATION_RE.fullmatch(tok.text) if tok.kind == "word" else None
        if m is None:
            raise self.error(f"expected a duration (like 5ms), got {tok.text!r}", tok)
        number, unit = m.groups()
        if not unit:
            raise self.error(f"duration {tok.text!r} needs a unit (ns, us, ms, s)", tok)
        if unit not in _UNITS:
            raise self.error(
                f"unknown unit {unit!r} in duration {tok.text!r} (ns, us, ms, s)", tok
            )
        ns = Fraction(number) * _UNITS[unit]
        if ns.denominator != 1:
            raise self.error(f"duration {tok.text!r} is not a whole number of ns", tok)
        return int(ns)


def parse(expr: str) -> Breakpoint:
    """Parse a breakpoint expression.

    Args:
        expr: The text, e.g. ``lock_acquire lock=B comm=t2`` or ``time >= 5ms``.

    Returns:
        The parsed, normalised breakpoint.

    Raises:
        BreakpointError: the text does not parse; ``pos`` is the column of
            the offending word.
    """
    _load_events()
    return _Parser(expr).parse()


def validate(bp: Breakpoint, ctx: StateContext) -> None:
    """Check that the tasks, CPUs and locks `bp` names exist in a machine.

    Checks the subjects of state conditions (``task t1``, ``cpu 3``,
    ``lock A``) and exact-match values that name a task or a lock
    (``owner == t1``, ``lock=B``, ``next_comm=t2``); globs are not checked.

    Args:
        bp: A parsed breakpoint.
        ctx: The machine to check against.

    Raises:
        BreakpointError: a name does not exist; ``pos`` points at it in ``bp.expr``.
    """

    def check_ref(ref: Ref, value: int | str, pos: int) -> None:
        if not isinstance(value, str) or value == "" or value.startswith("swapper"):
            return
        if ref == "task" and not ctx.has_task(value):
            raise BreakpointError(f"no task {value!r}", bp.expr, pos)
        if ref == "lock" and not ctx.has_lock(value):
            raise BreakpointError(f"no lock {value!r}", bp.expr, pos)

    for f in bp.filters:
        check_ref(f.ref, f.value, f.value_pos)
    for c in bp.conds:
        if c.subject == "task" and not ctx.has_task(c.name):
            raise BreakpointError(f"no task {c.name!r}", bp.expr, c.name_pos)
        if c.subject == "lock" and not ctx.has_lock(c.name):
            raise BreakpointError(f"no lock {c.name!r}", bp.expr, c.name_pos)
        if c.subject == "cpu" and int(c.name) >= (n := ctx.ncpus()):
            raise BreakpointError(
                f"no CPU {c.name} (the machine has {n}: 0-{n - 1})", bp.expr, c.name_pos
            )
        check_ref(c.ref, c.value, c.value_pos)


def _compare(
    op: CmpOp, actual: int | str | tuple[int | str, ...] | None, value: int | str
) -> bool:
    """``actual <op> value``; a missing or ill-typed `actual` never matches."""
    if actual is None:
        return False
    if isinstance(actual, tuple):
        if op == "~":
            return any(
                isinstance(x, str) and fnmatchcase(x, str(value)) for x in actual
            )
        return (value in actual) == (op == "=")
    if isinstance(value, str):
        if not isinstance(actual, str):
            actual = str(actual)
        if op == "~":
            return fnmatchcase(actual, value)
        return (actual == value) == (op == "=")
    if not isinstance(actual, int):
        return False
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    if op == "<":
        return actual < value
    if op == "<=":
        return actual <= value
    if op == ">":
        return actual > value
    return actual >= value


def matches_event(bp: Breakpoint, rec: tuple[int, ...], names: Names) -> bool:
    """Whether raw trace record `rec` hits event breakpoint `bp`.

    The record is decoded only when its type matches and a filter needs a
    decoded field. Always False for time/state breakpoints.

    Args:
        bp: A parsed breakpoint.
        rec: ``(type_id, time_ns, cpu, common_pid, *fields)``.
        names: Resolves pids and lock ids to names.
    """
    type_id = bp.event_type_id()
    if type_id is None or rec[0] != type_id:
        return False
    fields: Mapping[str, int | str | tuple[int | str, ...]] | None = None
    common_comm = ""
    for f in bp.filters:
        actual: int | str | tuple[int | str, ...] | None
        if f.source == "time":
            actual = rec[1]
        elif f.source == "cpu":
            actual = rec[2]
        elif f.source == "common_pid":
            actual = rec[3]
        else:
            if fields is None:
                ev = decode(0, rec, names)
                fields, common_comm = ev.fields, ev.common_comm
            actual = common_comm if f.source == "common_comm" else fields.get(f.key)
        if not _compare(f.op, actual, f.value):
            return False
    return True


def holds(bp: Breakpoint, ctx: StateContext, time_ns: int) -> bool:
    """Whether the time/state condition `bp` is true now.

    The caller stops on the event after which this turns from False to True.
    Always False for event breakpoints; a condition on a task that does not
    exist (any more) is False.

    Args:
        bp: A parsed breakpoint.
        ctx: The machine state after the current event.
        time_ns: Simulated time of the current event.
    """
    if bp.kind == "event":
        return False
    for c in bp.conds:
        actual: int | str | None
        if c.subject == "time":
            actual = time_ns
        elif c.subject == "task":
            actual = ctx.task_attr(c.name, c.attr)
        elif c.subject == "cpu":
            actual = ctx.cpu_attr(int(c.name), c.attr)
        else:
            actual = ctx.lock_attr(c.name, c.attr)
        if c.vtype in _NUMERIC and not isinstance(actual, int):
            return False
        if not _compare(c.op, actual, c.value):
            return False
    return True
