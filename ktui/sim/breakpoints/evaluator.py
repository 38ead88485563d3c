"""Breakpoint expressions: validation against a machine, and evaluation.

No kernel counterpart; event filters match as ftrace's event filters do
(kernel/trace/trace_events_filter.c: all predicates ANDed, on the record of
that one event). `validate` checks every item an expression names and
resolves each condition's item once (`Condition.key`); `holds` then reads
the state through the subject's getter after each event, with no search,
and `matches_event` compares resolved names as raw pids / lock ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from ktui.sim.breakpoints.hints import did_you_mean, ranges
from ktui.sim.breakpoints.nodes import Breakpoint, Condition, FieldFilter
from ktui.sim.breakpoints.subject import (
    Key,
    StateContext,
    Subject,
    subjects,
)
from ktui.sim.breakpoints.values import NUMERIC, Value, compare
from ktui.sim.errors import BreakpointError
from ktui.sim.trace import Names, decode
from ktui.sim.units import shorten


def _missing(subj: Subject, item: str, ctx: StateContext) -> str:
    """The message for a missing item: ``no task 't9' (did you mean 't1'?)``."""
    choices = ctx.choices(subj)
    if subj.items == "number":
        nums = [int(c) for c in choices]
        have = f" (the machine has {len(nums)}: {ranges(nums)})" if nums else ""
        return f"no {subj.noun} {item}{have}"
    return f"no {subj.noun} {shorten(item)!r}{did_you_mean(item, choices)}"


def validate(bp: Breakpoint, ctx: StateContext) -> Breakpoint:
    """Check that the items `bp` names exist in a machine, and resolve them.

    Checks the item of each state condition (``task t1``, ``cpu 3``,
    ``lock A``) and exact-match values that name an item of a subject
    (``owner == t1``, ``lock=B``, ``next_comm=t2``); globs are not checked.

    Args:
        bp: A parsed breakpoint.
        ctx: The machine to check against.

    Returns:
        `bp` (and equal to it) with each condition's item resolved
        (`Condition.key`), and each filter that names a task or lock by name
        resolved to the pid or lock id its record holds
        (`FieldFilter.raw_value`); evaluate it with contexts over the same
        scenario.

    Raises:
        BreakpointError: an item does not exist; ``pos`` points at it in
            ``bp.expr``, and the message says what there is.
    """
    sctx = ctx
    table = subjects()

    def check_ref(ref: str, value: Value, pos: int) -> Key | None:
        """Check a value naming an item; its key, if it is one."""
        subj = table.get(ref)
        if subj is None or not isinstance(value, str) or value == "":
            return None
        if not sctx.value_ok(subj, value):
            raise BreakpointError(_missing(subj, value, sctx), bp.expr, pos)
        return sctx.lookup(subj, value)

    filters: list[FieldFilter] = []
    for f in bp.filters:
        key = check_ref(f.ref, f.value, f.value_pos)
        if f.raw >= 0 and isinstance(key, int):
            f = replace(f, raw_value=key)  # the pid / lock id the record holds
        filters.append(f)
    conds: list[Condition] = []
    for c in bp.conds:
        if c.subject != "time":
            subj = c.subj or table[c.subject]
            key = sctx.lookup(subj, c.name)
            if key is None:
                raise BreakpointError(_missing(subj, c.name, sctx), bp.expr, c.name_pos)
            c = replace(c, subj=subj, key=key)
        check_ref(c.ref, c.value, c.value_pos)
        conds.append(c)
    return replace(bp, filters=tuple(filters), conds=tuple(conds))


def matches_event(bp: Breakpoint, rec: tuple[int, ...], names: Names) -> bool:
    """Whether raw trace record `rec` hits event breakpoint `bp`.

    The record is decoded only when its type matches and a filter needs a
    decoded field; a name `validate` resolved (``next_comm=t1``, ``lock=B``)
    is compared as the pid or lock id in the record. Always False for
    time/state breakpoints.

    Args:
        bp: A parsed breakpoint.
        rec: ``(type_id, time_ns, cpu, common_pid, *fields)``.
        names: Resolves pids and lock ids to names.
    """
    type_id = bp.event_type_id()
    if type_id is None or rec[0] != type_id:
        return False
    fields: Mapping[str, Value | tuple[Value, ...]] | None = None
    common_comm = ""
    for f in bp.filters:
        actual: Value | tuple[Value, ...] | None
        if f.raw_value is not None:  # validated: compare the pid / lock id, no decode
            if rec[f.raw] != f.raw_value:
                return False
            continue
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
        if not compare(f.op, actual, f.value):
            return False
    return True


def holds(bp: Breakpoint, ctx: StateContext, time_ns: int) -> bool:
    """Whether the time/state condition `bp` is true now.

    The caller stops on the event after which this turns from False to True.
    Always False for event breakpoints; a condition on an item that does not
    exist (yet, or any more) is False. Items `validate` resolved are read
    directly; others are looked up on each call.

    Args:
        bp: A parsed (best: validated) breakpoint.
        ctx: The machine state after the current event.
        time_ns: Simulated time of the current event.
    """
    if bp.kind == "event":
        return False
    for c in bp.conds:
        actual: Value | None
        subj = c.subj
        if subj is None and c.subject == "time":
            actual = time_ns
        else:
            subj = subj or subjects()[c.subject]
            key: Key | None = c.key if c.key is not None else ctx.lookup(subj, c.name)
            actual = None if key is None else ctx.read(subj, key, c.attr)
        if not compare(c.op, actual, c.value) or (
            c.vtype in NUMERIC and not isinstance(actual, int)
        ):
            return False
    return True
