"""The ops of litmus mode: ``READ_ONCE``/``WRITE_ONCE``
(include/asm-generic/rwonce.h) and the SMP barriers ``smp_mb``,
``smp_wmb``, ``smp_rmb`` (include/asm-generic/barrier.h), acting on the
store buffers and invalidate queues of `ktui.sim.hw.litmus.store_buffer`.

``r0 = READ_ONCE x`` keeps the value read in register r0 of the task (the
report's ``returns`` and the ``litmus`` section). The kernel has no
tracepoints for these; each op is one ``litmus`` event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.hw.cpu import continue_task
from ktui.sim.hw.litmus.store_buffer import (
    ACCESS_MAX_NS,
    buffer_store,
    drain,
    litmus_state,
    load,
    process_invalidations,
    var_names,
)
from ktui.sim.kernel.entry.common import record_return
from ktui.sim.kernel.sched.core import kick
from ktui.sim.ops import Op, register_op
from ktui.sim.trace import define_event, symbol

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_WRITE_ONCE = define_event("write_once", "litmus", ("var", "sym"), ("val", "int"))
EV_READ_ONCE = define_event("read_once", "litmus", ("var", "sym"), ("val", "int"), ("reg", "sym"))
EV_SMP_MB = define_event("smp_mb", "litmus", ("committed", "int"), ("invalidated", "int"))
EV_SMP_WMB = define_event("smp_wmb", "litmus", ("epoch", "int"))
EV_SMP_RMB = define_event("smp_rmb", "litmus", ("invalidated", "int"))


def _access_done(m: Machine, rq: Rq) -> None:
    """An access takes 0..ACCESS_MAX_NS: the task goes on after that."""
    kick(m, rq, m.now + m.rng.randint(0, ACCESS_MAX_NS))


@register_op("WRITE_ONCE", ("var", "var"), ("value", "int"), doc="store VALUE to a [litmus] variable, through this CPU's store buffer")
def op_write_once(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """WRITE_ONCE(x, v): buffered; commits later."""
    var, val = op.args
    task.pc += 1
    buffer_store(m, rq.cpu, var, val)
    m.emit(EV_WRITE_ONCE, rq.cpu, task.pid, symbol(var_names(m)[var]), val)
    _access_done(m, rq)
    return True


@register_op("READ_ONCE", ("var", "var"), returns=True, doc="load a [litmus] variable (store forwarding, else this CPU's cache); label it: r0 = READ_ONCE x")
def op_read_once(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """r = READ_ONCE(x)."""
    var = op.args[0]
    val = load(m, rq.cpu, var)
    task.pc += 1
    if op.label:
        regs = litmus_state(m)["regs"]
        assert isinstance(regs, list)
        for entry in regs:
            if entry[0] == task.pid and entry[1] == op.label:
                entry[2] = val
                break
        else:
            regs.append([task.pid, op.label, val])
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, val)
    reg = symbol(op.label) if op.label else 0
    m.emit(EV_READ_ONCE, rq.cpu, task.pid, symbol(var_names(m)[var]), val, reg)
    _access_done(m, rq)
    return True


@register_op("smp_mb", doc="full barrier: drain this CPU's store buffer, then process its invalidate queue")
def op_smp_mb(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """smp_mb()."""
    committed = drain(m, rq.cpu)
    invalidated = process_invalidations(m, rq.cpu)
    task.pc += 1
    m.emit(EV_SMP_MB, rq.cpu, task.pid, committed, invalidated)
    continue_task(m, rq)
    return True


@register_op("smp_wmb", doc="write barrier: stores after it commit only after the stores before it")
def op_smp_wmb(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """smp_wmb(): a new store-buffer epoch."""
    epoch = litmus_state(m)["epoch"]
    assert isinstance(epoch, list)
    epoch[rq.cpu] += 1
    task.pc += 1
    m.emit(EV_SMP_WMB, rq.cpu, task.pid, epoch[rq.cpu])
    continue_task(m, rq)
    return True


@register_op("smp_rmb", doc="read barrier: process this CPU's invalidate queue before later loads")
def op_smp_rmb(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """smp_rmb()."""
    invalidated = process_invalidations(m, rq.cpu)
    task.pc += 1
    m.emit(EV_SMP_RMB, rq.cpu, task.pid, invalidated)
    continue_task(m, rq)
    return True
