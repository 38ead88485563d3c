"""Breakpoint expressions: the parser (recursive descent, never evaluates Python).

No kernel counterpart. Event names and their fields come from the trace's
event registry (`ktui.sim.trace.EVENTS_BY_NAME`); condition subjects and
their attributes from the loaded subsystems (`subjects`). Each error names
what was expected and points at the offending word.
"""

from __future__ import annotations

import importlib
from dataclasses import replace
from typing import Final, Literal

from ktui.sim.breakpoints.hints import did_you_mean
from ktui.sim.breakpoints.lexer import Token, tokenize
from ktui.sim.breakpoints.nodes import Breakpoint, Condition, FieldFilter, FilterSource
from ktui.sim.breakpoints.subject import Subject, keywords, quoted_list, subjects
from ktui.sim.breakpoints.values import (
    INT_RE,
    NUMERIC,
    STATE_LETTERS,
    CmpOp,
    Value,
    ValueType,
    fmt_value,
)
from ktui.sim.errors import BreakpointError
from ktui.sim.trace import EVENTS_BY_NAME, EventType
from ktui.sim.units import MAX_DIGITS, U64_MAX, parse_duration, shorten

FIELD_KIND_REFS: Final = {"pid": "task", "pids": "task", "lock": "lock", "locks": "lock"}
"""Subject an event field of each trace field kind names (checked by `validate`).

The record holds a pid or a lock id, which is that subject's key (`Subject.lookup`).
"""
RECORD_HEAD: Final = 4
"""Raw record columns before the fields: ``(type_id, time_ns, cpu, common_pid)``."""
COMMON_PID: Final = 3
"""Index of ``common_pid`` in a raw record."""


MAX_EXPR_LEN: Final = 4096
"""Longest breakpoint expression parsed (docs/scenarios.md, "Limits")."""

VALUE_MIN: Final = -(2**63)
"""Smallest number in an expression (s64); the largest is `U64_MAX`."""


def _load_subsystems() -> None:
    """Import the subsystems so that every event and subject is registered."""
    try:
        importlib.import_module("ktui.sim.subsystems")
    except ModuleNotFoundError as e:
        if e.name != "ktui.sim.subsystems":
            raise


def event_fields(et: EventType) -> dict[str, tuple[ValueType, str, int]]:
    """Field names a filter on `et` may use (as `ktui.sim.trace.decode` names
    them): their value type, the subject an ``=`` value names, and the index
    in the raw record of the pid or lock id a name is decoded from (-1 when
    none, or when a list field before it moves it)."""
    out: dict[str, tuple[ValueType, str, int]] = {}
    fixed = True
    for i, (fname, kind) in enumerate(et.fields):
        ref = FIELD_KIND_REFS.get(kind, "")
        raw = RECORD_HEAD + i if fixed else -1
        if kind == "pids":
            out[fname] = ("nums", "", -1)
            out[fname + "_comm"] = ("strs", ref, -1)
            fixed = False
        elif kind == "locks":
            out[fname] = ("strs", ref, -1)
            fixed = False
        elif kind == "pid":
            out[fname] = ("num", "", -1)
            prefix = fname[: -len("pid")] if fname.endswith("pid") else fname + "_"
            out[prefix + "comm"] = ("str", ref, raw)
        elif kind == "state":
            out[fname] = ("state", "", -1)
        elif kind == "lock":
            out[fname] = ("str", ref, raw)
        elif kind == "sym":
            out[fname] = ("str", "", -1)
        else:
            out[fname] = ("num", "", -1)
    return out


class Parser:
    """Recursive descent over the token list; one instance per `parse` call."""

    def __init__(self, expr: str) -> None:
        self.expr = expr
        self.toks = tokenize(expr)
        self.i = 0
        self.subjects = subjects()
        self.keywords = keywords()

    def error(self, message: str, tok: Token | None) -> BreakpointError:
        """An error pointing at `tok` (the end of the text when None)."""
        pos = len(self.expr) if tok is None else tok.pos
        return BreakpointError(message, self.expr, pos)

    def peek(self) -> Token | None:
        """The next token, not consumed."""
        return self.toks[self.i] if self.i < len(self.toks) else None

    def next(self) -> Token | None:
        """The next token, consumed."""
        tok = self.peek()
        if tok is not None:
            self.i += 1
        return tok

    def parse(self) -> Breakpoint:
        """The whole expression."""
        first = self.peek()
        if first is None:
            raise self.error(
                f"empty expression (expected an event name, {quoted_list(self.keywords)})",
                None,
            )
        if first.kind == "word" and first.text in self.keywords:
            return self.parse_conditions()
        return self.parse_event()

    # -- event breakpoints ------------------------------------------------

    def parse_event(self) -> Breakpoint:
        """``event [field<op>value [and] ...]``."""
        tok = self.next()
        assert tok is not None
        et = EVENTS_BY_NAME.get(tok.text) if tok.kind == "word" else None
        if et is None:
            hint = did_you_mean(tok.text, [*EVENTS_BY_NAME, *self.keywords])
            raise self.error(f"unknown event {shorten(tok.text)!r}{hint}", tok)
        fields = event_fields(et)
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
            text += fmt_value(f.value, f.vtype)
        return Breakpoint(text, "event", et.name, tuple(placed))

    def parse_filter(
        self, et: EventType, fields: dict[str, tuple[ValueType, str, int]], tok: Token
    ) -> FieldFilter:
        """One ``field<op>value`` of event `et`."""
        if tok.kind != "word":
            raise self.error(f"expected a field name, got {shorten(tok.text)!r}", tok)
        name = tok.text
        source: FilterSource = "field"
        vtype: ValueType
        raw = -1
        if name in fields:
            vtype, ref, raw = fields[name]
        elif name == "time":
            vtype, ref, source = "duration", "", "time"
        elif name == "cpu":
            vtype, ref, source = "num", "", "cpu"
        elif name in ("pid", "common_pid"):
            vtype, ref, source = "num", "", "common_pid"
        elif name in ("comm", "common_comm"):
            vtype, ref, source, raw = "str", "task", "common_comm", COMMON_PID
        else:
            known = [*fields, "comm", "pid", "cpu", "common_comm", "common_pid", "time"]
            hint = did_you_mean(name, known) or f" (fields: {', '.join(known)})"
            raise self.error(f"unknown field {shorten(name)!r} for {et.name}{hint}", tok)
        op = self.parse_op(name, vtype)
        value = self.parse_value(name, vtype, op)
        if op != "=":
            ref, raw = "", -1
        return FieldFilter(name, source, name, op, value, vtype, ref, raw=raw)

    # -- time and state conditions ----------------------------------------

    def parse_conditions(self) -> Breakpoint:
        """``condition [and condition ...]``."""
        conds = [self.parse_condition()]
        while (tok := self.next()) is not None:
            if not (tok.kind == "word" and tok.text == "and"):
                raise self.error(
                    f"unexpected {shorten(tok.text)!r} after the condition (join conditions with 'and')",
                    tok,
                )
            nxt = self.peek()
            if nxt is None:
                raise self.error("expected a condition after 'and'", None)
            if not (nxt.kind == "word" and nxt.text in self.keywords):
                raise self.error(
                    f"expected {quoted_list(self.keywords)} after 'and', got {shorten(nxt.text)!r}"
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
            head += f"{fmt_value(c.name, 'str')} {c.attr}" if c.subject != "time" else ""
            head += f" {'==' if c.op == '=' else c.op} "
            value_pos = off + len(head)
            part = head + fmt_value(c.value, c.vtype)
            placed.append(replace(c, name_pos=name_pos, value_pos=value_pos))
            parts.append(part)
            off += len(part) + len(" and ")
        kind: Literal["time", "state"] = (
            "time" if all(c.subject == "time" for c in conds) else "state"
        )
        return Breakpoint(" and ".join(parts), kind, conds=tuple(placed))

    def parse_condition(self) -> Condition:
        """``time <op> duration`` or ``subject item attr <op> value``."""
        kw = self.next()
        assert kw is not None
        if kw.text == "time":
            op = self.parse_op("time", "duration")
            return Condition(
                "time", "", "", op, self.parse_value("time", "duration", op), "duration"
            )
        subj: Subject = self.subjects[kw.text]
        name_tok = self.next()
        if name_tok is None or name_tok.kind == "op":
            got = "" if name_tok is None else f", got {shorten(name_tok.text)!r}"
            raise self.error(f"expected {subj.what} after {kw.text!r}{got}", name_tok)
        name = name_tok.text
        if subj.items == "number":
            if not name.isdigit():
                raise self.error(f"expected {subj.what} after {kw.text!r}, got {shorten(name)!r}", name_tok)
            if len(name) > MAX_DIGITS:
                raise self.error(
                    f"{subj.what} {shorten(name)!r} out of range: more than {MAX_DIGITS} digits", name_tok
                )
            name = str(int(name))
        attrs = subj.attrs
        attr_tok = self.next()
        if attr_tok is None or attr_tok.kind != "word":
            got = "" if attr_tok is None else f", got {shorten(attr_tok.text)!r}"
            raise self.error(
                f"expected a {subj.keyword} attribute after {shorten(name)!r}{got} ({', '.join(attrs)})",
                attr_tok,
            )
        attr = attr_tok.text
        if attr not in attrs:
            hint = did_you_mean(attr, attrs) or f" ({', '.join(attrs)})"
            raise self.error(f"unknown {subj.keyword} attribute {shorten(attr)!r}{hint}", attr_tok)
        spec = attrs[attr]
        op = self.parse_op(attr, spec.vtype)
        value = self.parse_value(attr, spec.vtype, op)
        ref = spec.ref if op == "=" else ""
        return Condition(subj.keyword, name, attr, op, value, spec.vtype, ref, subj=subj)

    # -- operators and values ---------------------------------------------

    def parse_op(self, what: str, vtype: ValueType) -> CmpOp:
        """A comparison operator that `vtype` allows."""
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
        if vtype in NUMERIC and op == "~":
            raise self.error(f"'~' matches strings, and {what!r} is a number", tok)
        if vtype == "nums" and op not in ("=", "!="):
            raise self.error(f"{what!r} is a list of numbers: use = or != to test membership", tok)
        if vtype in ("str", "state", "strs") and op not in ("=", "!=", "~"):
            raise self.error(
                f"{shorten(tok.text)!r} compares numbers, and {what!r} is a string (use ==, != or ~)",
                tok,
            )
        return op

    def parse_value(self, what: str, vtype: ValueType, op: CmpOp) -> Value:
        """A value of type `vtype`."""
        tok = self.next()
        if tok is None or tok.kind == "op":
            got = "" if tok is None else f", got {shorten(tok.text)!r}"
            raise self.error(f"expected a value after {what!r}{got}", tok)
        text = tok.text
        if vtype in ("str", "strs"):
            return text
        if vtype == "state":
            if op != "~" and text not in STATE_LETTERS:
                raise self.error(
                    f"unknown task state {shorten(text)!r} (one of {', '.join(STATE_LETTERS)})", tok
                )
            return text
        if vtype == "duration" or (vtype == "vns" and not INT_RE.fullmatch(text)):
            return self.parse_duration(tok)
        if tok.kind != "word" or not INT_RE.fullmatch(text):
            raise self.error(f"expected a number for {what!r}, got {shorten(text)!r}", tok)
        value = int(text, 16 if "x" in text.lower() else 10) if len(text) <= MAX_DIGITS else None
        if value is None or not VALUE_MIN <= value <= U64_MAX:
            raise self.error(
                f"{what!r}: {shorten(text)!r} out of range; numbers are {VALUE_MIN}..{U64_MAX}", tok
            )
        if vtype == "bool" and value not in (0, 1):
            raise self.error(f"{what!r} is 0 or 1, got {shorten(text)!r}", tok)
        return value

    def parse_duration(self, tok: Token) -> int:
        """A duration with a unit, in ns (`ktui.sim.units.parse_duration`)."""
        if tok.kind != "word":
            raise self.error(f"expected a duration (like 5ms), got {shorten(tok.text)!r}", tok)
        try:
            return parse_duration(tok.text)
        except ValueError as e:
            raise self.error(str(e), tok) from None


def parse(expr: str) -> Breakpoint:
    """Parse a breakpoint expression.

    Args:
        expr: The text, e.g. ``lock_acquire lock=B comm=t2`` or ``time >= 5ms``.

    Returns:
        The parsed, normalised breakpoint (its items not resolved yet:
        `validate` against a machine does that).

    Raises:
        BreakpointError: the text does not parse; ``pos`` is the column of
            the offending word.
    """
    if len(expr) > MAX_EXPR_LEN:
        raise BreakpointError(
            f"expression of {len(expr)} characters is too long; the limit is {MAX_EXPR_LEN}",
            expr[:80],
            0,
        )
    _load_subsystems()
    return Parser(expr).parse()
