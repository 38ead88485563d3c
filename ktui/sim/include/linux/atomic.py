"""atomic_t: include/linux/atomic.h over include/linux/atomic/atomic-instrumented.h
and the arch_atomic_*() semantics of Documentation/atomic_t.txt.

An ``atomic_t`` is an ``int`` (32 bits, two's complement): every operation
wraps, as ``arch_atomic_add()`` does in hardware (atomic_t.txt: "the atomic
operations wrap"; refcount_t is what saturates). Programs name a variable
by an identifier; the first use creates it at 0 (``ATOMIC_INIT(0)``), in
first-use order, so ids depend only on the scenario. Each op is one
``atomic_*`` event (system ``ktui``: the kernel has no tracepoints for
atomics) with the value before and after, so a breakpoint or the trace shows
every change. Ops that return a value (``atomic_read``, the ``*_return``
forms, ``atomic_dec_and_test``, ``atomic_cmpxchg``, ``atomic_xchg``) may
be labelled (``r = atomic_dec_and_test refs``) and then appear in the
report's ``returns``.

All ops are instantaneous and indivisible: the model runs one op at a time,
so the ordering questions atomics raise are the litmus mode's
(`ktui.sim.hw.litmus`), not this module's. Left out: atomic64_t and
atomic_long_t, the ``_acquire``/``_release``/``_relaxed`` orderings (all
behave as the fully ordered form), ``atomic_try_cmpxchg``'s pointer
argument (``atomic_cmpxchg`` returns the old value instead).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.kernel.entry.common import record_return
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import define_event, symbol
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")


def wrap32(v: int) -> int:
    """`v` as a 32-bit two's-complement int (what an ``int`` store keeps)."""
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def atomic_state(m: Machine) -> dict[str, int]:
    """``m.ext["atomic"]``: every atomic_t used so far, name -> value."""
    table = m.ext.setdefault("atomic", {})
    assert isinstance(table, dict)
    return table


Apply = Callable[[int, tuple[int, ...]], tuple[int, int | None]]
"""(old value, int args) -> (new value, return value or None)."""


def _cmpxchg(old: int, a: tuple[int, ...]) -> tuple[int, int | None]:
    # arch_atomic_cmpxchg(v, old, new): store new only if v == old; return v
    return (a[1] if old == a[0] else old), old


ATOMIC_OPS: Final[dict[str, tuple[int, Apply, str]]] = {
    # name: (int args, apply, doc)
    "atomic_set": (1, lambda v, a: (a[0], None), "atomic_set(v, i): v = i"),
    "atomic_read": (0, lambda v, a: (v, v), "atomic_read(v): the value"),
    "atomic_inc": (0, lambda v, a: (v + 1, None), "atomic_inc(v): v += 1"),
    "atomic_dec": (0, lambda v, a: (v - 1, None), "atomic_dec(v): v -= 1"),
    "atomic_add": (1, lambda v, a: (v + a[0], None), "atomic_add(i, v): v += i"),
    "atomic_sub": (1, lambda v, a: (v - a[0], None), "atomic_sub(i, v): v -= i"),
    "atomic_inc_return": (0, lambda v, a: (v + 1, wrap32(v + 1)), "atomic_inc_return(v): v += 1; the new value"),
    "atomic_dec_return": (0, lambda v, a: (v - 1, wrap32(v - 1)), "atomic_dec_return(v): v -= 1; the new value"),
    "atomic_add_return": (1, lambda v, a: (v + a[0], wrap32(v + a[0])), "atomic_add_return(i, v): v += i; the new value"),
    "atomic_fetch_add": (1, lambda v, a: (v + a[0], v), "atomic_fetch_add(i, v): v += i; the old value"),
    "atomic_dec_and_test": (0, lambda v, a: (v - 1, int(wrap32(v - 1) == 0)), "atomic_dec_and_test(v): v -= 1; 1 when it reached 0"),
    "atomic_inc_and_test": (0, lambda v, a: (v + 1, int(wrap32(v + 1) == 0)), "atomic_inc_and_test(v): v += 1; 1 when it reached 0"),
    "atomic_sub_and_test": (1, lambda v, a: (v - a[0], int(wrap32(v - a[0]) == 0)), "atomic_sub_and_test(i, v): v -= i; 1 when it reached 0"),
    "atomic_xchg": (1, lambda v, a: (a[0], v), "atomic_xchg(v, new): v = new; the old value"),
    "atomic_cmpxchg": (2, _cmpxchg, "atomic_cmpxchg(v, old, new): v = new if v == old; the old value"),
}
"""Every op: how many INT arguments follow the variable, what it does."""

_EVENTS: Final = {
    name: define_event(name, "ktui", ("var", "sym"), ("old", "int"), ("new", "int")) for name in ATOMIC_OPS
}


def _parser(nargs: int) -> Callable[[Sequence[str], ArgResolver], tuple[tuple[int, ...], tuple[str, ...]]]:
    def parse(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
        if len(words) != 1 + nargs or not _NAME_RE.match(words[0]):
            want = "an atomic_t NAME (an identifier)" + (f" and {nargs} integer(s)" if nargs else "")
            got = " ".join(words) if words else "nothing"
            raise ValueError(f"expected {want}, got {shorten(got)!r}")
        return tuple(resolve(f"i{n}", "int", w) for n, w in enumerate(words[1:])), (words[0],)

    return parse


def _make_handler(name: str, apply: Apply) -> Callable[[Machine, Rq, TaskStruct, Op], bool]:
    def handler(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
        var = op.strs[0]
        table = atomic_state(m)
        old = table.get(var, 0)
        new, ret = apply(old, op.args)
        new = wrap32(new)
        table[var] = new
        task.pc += 1
        if ret is not None:
            record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, ret)
        m.emit(_EVENTS[name], rq.cpu, task.pid, symbol(var), old, new)
        continue_task(m, rq)
        return True

    handler.__name__ = handler.__qualname__ = f"op_{name}"
    return handler


_EXAMPLES: Final = {0: ("refs",), 1: ("refs 1", "count -3"), 2: ("refs 1 0", "state 0 2")}

for _name, (_nargs, _apply, _doc) in ATOMIC_OPS.items():
    _ints = " N" * _nargs if _nargs != 2 else " OLD NEW"
    register_op(
        _name,
        parse=_parser(_nargs),
        returns=_apply(0, (0,) * _nargs)[1] is not None,
        usage=f"{_name} V{_ints}",
        examples=_EXAMPLES[_nargs],
        doc=_doc,
    )(_make_handler(_name, _apply))


def atomics_view(m: Machine) -> tuple[tuple[str, int], ...]:
    """Every atomic_t used so far and its value, in first-use order (read
    without creating the table, so a view never changes the state)."""
    table = m.ext.get("atomic", {})
    assert isinstance(table, dict)
    return tuple(table.items())


def atomics_report(view: object) -> dict[str, object]:
    """The ``atomics`` report section: name -> value (none when unused)."""
    assert isinstance(view, tuple)
    return {"atomics": dict(view)} if view else {}
