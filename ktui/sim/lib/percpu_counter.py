"""Per-CPU data: ``this_cpu_*`` on DEFINE_PER_CPU variables
(include/linux/percpu-defs.h) and ``struct percpu_counter``
(lib/percpu_counter.c, include/linux/percpu_counter.h).

A per-CPU variable has one slot per CPU; ``this_cpu_add(v, n)`` changes the
slot of the CPU the task runs on (preemption cannot split it: one op is
indivisible here, as the kernel's this_cpu ops are on x86).

A percpu_counter is ``fbc->count`` (s64, under ``fbc->lock``) plus a s32
per CPU. ``percpu_counter_add_batch()`` adds to this CPU's slot while
``abs(count + amount) < batch``; otherwise it folds the slot and the amount
into ``fbc->count`` and zeroes the slot. The batch is
``percpu_counter_batch = max(32, nr_cpu_ids * 2)`` (compute_batch_value(),
over the online CPUs). So ``percpu_counter_read()`` (``fbc->count``) is cheap
and approximate: it can be off the exact ``percpu_counter_sum()`` by up to
``(batch - 1) * nr_cpus``.

Names are created on first use (a per-CPU variable or counter at 0). Each
op is one event (system ``ktui``). Left out: CPU hotplug folding
(percpu_counter_cpu_dead()), ``__percpu_counter_compare()``, the debug
object checks.
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

EV_THIS_CPU = define_event("this_cpu_op", "ktui", ("var", "sym"), ("value", "int"))
"""A this_cpu_* op: the variable and this CPU's value after it."""
EV_PCPU_ADD = define_event(
    "percpu_counter_add", "ktui", ("counter", "sym"), ("amount", "int"), ("local", "int"), ("count", "int")
)
"""percpu_counter_add_batch(): this CPU's slot and fbc->count after it
(``count`` changes only when the slot was folded)."""
EV_PCPU_READ = define_event("percpu_counter_read", "ktui", ("counter", "sym"), ("value", "int"))
"""percpu_counter_read()/percpu_counter_sum(): the value it returned."""


def compute_batch_value(nr_cpus: int) -> int:
    """compute_batch_value(): ``max(32, nr * 2)``."""
    return max(32, nr_cpus * 2)


def percpu_state(m: Machine) -> dict[str, dict[str, list[int]]]:
    """``m.ext["percpu"]``: {"vars": name -> per-CPU values,
    "counters": name -> [fbc->count, cpu0, cpu1, ...]}."""
    st = m.ext.get("percpu")
    if st is None:
        st = m.ext["percpu"] = {"vars": {}, "counters": {}}
    assert isinstance(st, dict)
    return st


def _slot(m: Machine, table: str, name: str, width: int) -> list[int]:
    entry = percpu_state(m)[table].get(name)
    if entry is None:
        entry = percpu_state(m)[table][name] = [0] * width
    return entry


def percpu_counter_add_batch(m: Machine, name: str, amount: int, batch: int, cpu: int) -> list[int]:
    """percpu_counter_add_batch() on `cpu`; returns the counter's state."""
    c = _slot(m, "counters", name, m.ncpus + 1)
    count = c[1 + cpu]
    if abs(count + amount) >= batch:
        c[0] += count + amount  # fbc->count += count + amount, under fbc->lock
        c[1 + cpu] = 0  # __this_cpu_sub(*fbc->counters, count)
    else:
        c[1 + cpu] = count + amount
    return c


def percpu_counter_sum(c: list[int]) -> int:
    """__percpu_counter_sum(): fbc->count plus every CPU's slot."""
    return sum(c)


def _parser(nargs: int, what: str) -> Callable[[Sequence[str], ArgResolver], tuple[tuple[int, ...], tuple[str, ...]]]:
    def parse(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
        if len(words) != 1 + nargs or not _NAME_RE.match(words[0]):
            want = f"a {what} NAME (an identifier)" + (" and an integer" if nargs else "")
            got = " ".join(words) if words else "nothing"
            raise ValueError(f"expected {want}, got {shorten(got)!r}")
        return tuple(resolve("n", "int", w) for w in words[1:]), (words[0],)

    return parse


def _this_cpu(m: Machine, rq: Rq, task: TaskStruct, op: Op, add: int | None, set_to: int | None) -> bool:
    name = op.strs[0]
    slot = _slot(m, "vars", name, m.ncpus)
    if add is not None:
        slot[rq.cpu] += add
    if set_to is not None:
        slot[rq.cpu] = set_to
    if add is None and set_to is None:
        record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, slot[rq.cpu])
    task.pc += 1
    m.emit(EV_THIS_CPU, rq.cpu, task.pid, symbol(name), slot[rq.cpu])
    continue_task(m, rq)
    return True


@register_op("this_cpu_inc", parse=_parser(0, "per-CPU variable"), usage="this_cpu_inc V", examples=("hits",), doc="this_cpu_inc(): this CPU's slot of per-CPU variable V += 1")
def op_this_cpu_inc(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _this_cpu(m, rq, task, op, 1, None)


@register_op("this_cpu_add", parse=_parser(1, "per-CPU variable"), usage="this_cpu_add V N", examples=("hits 3", "hits -1"), doc="this_cpu_add(): this CPU's slot of V += N")
def op_this_cpu_add(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _this_cpu(m, rq, task, op, op.args[0], None)


@register_op("this_cpu_write", parse=_parser(1, "per-CPU variable"), usage="this_cpu_write V N", examples=("hits 0",), doc="this_cpu_write(): this CPU's slot of V = N")
def op_this_cpu_write(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _this_cpu(m, rq, task, op, None, op.args[0])


@register_op("this_cpu_read", parse=_parser(0, "per-CPU variable"), returns=True, usage="this_cpu_read V", examples=("hits",), doc="this_cpu_read(): this CPU's slot of V")
def op_this_cpu_read(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _this_cpu(m, rq, task, op, None, None)


def _add(m: Machine, rq: Rq, task: TaskStruct, op: Op, amount: int) -> bool:
    name = op.strs[0]
    c = percpu_counter_add_batch(m, name, amount, compute_batch_value(m.ncpus), rq.cpu)
    task.pc += 1
    m.emit(EV_PCPU_ADD, rq.cpu, task.pid, symbol(name), amount, c[1 + rq.cpu], c[0])
    continue_task(m, rq)
    return True


@register_op("percpu_counter_add", parse=_parser(1, "percpu_counter"), usage="percpu_counter_add C N", examples=("nr_files 1", "nr_files -5"), doc="percpu_counter_add(): add N to this CPU's slot, folding into fbc->count at the batch")
def op_percpu_counter_add(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _add(m, rq, task, op, op.args[0])


@register_op("percpu_counter_inc", parse=_parser(0, "percpu_counter"), usage="percpu_counter_inc C", examples=("nr_files",), doc="percpu_counter_inc(): percpu_counter_add(C, 1)")
def op_percpu_counter_inc(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _add(m, rq, task, op, 1)


def _read(m: Machine, rq: Rq, task: TaskStruct, op: Op, exact: bool) -> bool:
    name = op.strs[0]
    c = _slot(m, "counters", name, m.ncpus + 1)
    value = percpu_counter_sum(c) if exact else c[0]
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, value)
    task.pc += 1
    m.emit(EV_PCPU_READ, rq.cpu, task.pid, symbol(name), value)
    continue_task(m, rq)
    return True


@register_op("percpu_counter_read", parse=_parser(0, "percpu_counter"), returns=True, usage="percpu_counter_read C", examples=("nr_files",), doc="percpu_counter_read(): fbc->count, without the per-CPU slots (approximate)")
def op_percpu_counter_read(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _read(m, rq, task, op, False)


@register_op("percpu_counter_sum", parse=_parser(0, "percpu_counter"), returns=True, usage="percpu_counter_sum C", examples=("nr_files",), doc="percpu_counter_sum(): fbc->count plus every CPU's slot (exact)")
def op_percpu_counter_sum(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    return _read(m, rq, task, op, True)


def percpu_view(m: Machine) -> tuple[tuple[tuple[str, tuple[int, ...]], ...], tuple[tuple[str, tuple[int, ...]], ...], int]:
    """(vars, counters, batch), read without creating the state."""
    st = m.ext.get("percpu")
    batch = compute_batch_value(m.ncpus)
    if not isinstance(st, dict):
        return (), (), batch
    return (
        tuple((n, tuple(v)) for n, v in st["vars"].items()),
        tuple((n, tuple(v)) for n, v in st["counters"].items()),
        batch,
    )


def percpu_report(view: object) -> dict[str, object]:
    """The ``percpu`` section (none when unused): per-CPU variables by CPU,
    counters with fbc->count, the slots, the exact sum and the batch."""
    assert isinstance(view, tuple)
    pvars, counters, batch = view
    if not pvars and not counters:
        return {}
    return {
        "percpu": {
            "vars": {n: list(v) for n, v in pvars},
            "counters": {
                n: {"count": c[0], "counters": list(c[1:]), "sum": sum(c), "batch": batch} for n, c in counters
            },
        }
    }
