"""A CPU executing its current task's program, op by op.

The machine side (as QEMU's hw/): `cpu_exec` is what a CPU does when it
resumes the task in ``rq->curr``: take the preemption point if
TIF_NEED_RESCHED is set and preemption is possible, call schedule() if the
task set a sleeping state, otherwise run the next op of its program. Also the
ops that only touch CPU state: ``run``/``udelay`` (burn CPU time),
``preempt_disable``/``preempt_enable`` (include/linux/preempt.h) and
``local_irq_disable``/``local_irq_enable`` (include/linux/irqflags.h), which
emit the preemptirq tracepoints of kernel/trace/trace_preemptirq.c.

Ops take no simulated time except ``run`` and ``udelay``; a chain of ops that
neither emits an event nor takes time (``loop { schedule }`` on an otherwise
idle CPU) is charged `SPIN_CHARGE_NS` every `SILENT_OP_LIMIT` ops so that
simulated time always moves on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.kernel.sched.core import K_EXEC, kick, schedule
from ktui.sim.machine import PRIO_CONT, bind_kind
from ktui.sim.ops import OPS, Op, register_op
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

RUNNING = int(TaskState.TASK_RUNNING)
SILENT_OP_LIMIT = 1000
SPIN_CHARGE_NS = 1000
EXIT_OP = Op("exit", (), 0, "(end of program)")

EV_PREEMPT_DISABLE = define_event("preempt_disable", "preemptirq")
EV_PREEMPT_ENABLE = define_event("preempt_enable", "preemptirq")
EV_IRQ_DISABLE = define_event("irq_disable", "preemptirq")
EV_IRQ_ENABLE = define_event("irq_enable", "preemptirq")


def preemptible(task: TaskStruct) -> bool:
    """preemptible(): preempt_count() == 0 && !irqs_disabled()."""
    return task.preempt_count == 0 and not task.irqs_disabled


def cpu_exec(m: Machine, cpu: int, gen: int) -> bool:
    """Resume the current task of `cpu` (a queued kick with generation `gen`)."""
    rq = m.rqs[cpu]
    if gen != rq.exec_gen:
        return False
    pid = rq.curr
    if pid == 0:
        return schedule(m, rq, preempt=False) if rq.need_resched else False
    task = m.tasks[pid]
    if (
        task.state == RUNNING
        and rq.need_resched
        and preemptible(task)
        and schedule(m, rq, preempt=True)
    ):
        return True  # (if it picked the same task again, carry on below)
    if task.state != RUNNING:
        # set_current_state(); schedule(): the task blocks (or dies).
        return schedule(m, rq, preempt=False)
    if rq.spinning_on >= 0:
        return False  # spinning on a spinlock: only its release moves us
    program = m.cfg.programs[pid]
    for _ in range(SILENT_OP_LIMIT):
        if task.delay_until:
            if m.now < task.delay_until:
                kick(m, rq, task.delay_until)
                return False
            task.delay_until = 0
            task.pc += 1
            continue
        if task.run_left:
            done = m.now - task.run_start
            if done < task.run_left:
                # Woken early (a preemption check that did not preempt):
                # come back when the rest of the run is over.
                task.run_left -= done
                task.run_start = m.now
                kick(m, rq, m.now + task.run_left)
                return False
            task.run_left = 0
            task.pc += 1
            continue
        op = program[task.pc] if task.pc < len(program) else EXIT_OP
        name = op.name
        if name == "repeat":
            task.loop_stack.append(op.args[0])
            task.pc += 1
        elif name == "loop":
            task.loop_stack.append(-1)
            task.pc += 1
        elif name == "end":
            start = op.args[0]
            left = task.loop_stack[-1]
            if left < 0:  # loop { } forever
                task.pc = start + 1
            elif left > 1:
                task.loop_stack[-1] = left - 1
                task.pc = start + 1
            else:
                task.loop_stack.pop()
                task.pc += 1
        elif OPS[name].handler(m, rq, task, op):
            return True
        elif task.run_left or task.delay_until or rq.curr != pid or rq.spinning_on >= 0:
            return False  # it started burning time, or left the CPU
    kick(m, rq, m.now + SPIN_CHARGE_NS)
    return False


bind_kind(K_EXEC, cpu_exec)


def continue_task(m: Machine, rq: Rq) -> None:
    """Let the task go on with its next op at once (after an emitted event)."""
    kick(m, rq, m.now, PRIO_CONT)


@register_op("run", ("duration", "duration"), doc="burn CPU for DURATION of the task's own runtime (preemptible)")
def op_run(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """Start burning ``op.args[0]`` ns; the CPU comes back when it is over."""
    task.run_left = op.args[0]
    task.run_start = m.now
    if task.run_left == 0:
        task.pc += 1
        return False
    kick(m, rq, m.now + task.run_left)
    return False


@register_op("udelay", ("duration", "duration"), doc="busy-wait DURATION of wall time (include/linux/delay.h); preemptible only outside atomic context")
def op_udelay(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """udelay(): busy-wait until a wall-clock deadline (delay_tsc() on x86:
    time spent preempted counts, unlike ``run``)."""
    if op.args[0] == 0:
        task.pc += 1
        return False
    task.delay_until = m.now + op.args[0]
    kick(m, rq, task.delay_until)
    return False


def _done_tracing(m: Machine, rq: Rq, task: TaskStruct, event: int) -> bool:
    """Finish a one-event op: next op, emit `event`, go on at once."""
    task.pc += 1
    m.emit(event, rq.cpu, task.pid)
    continue_task(m, rq)
    return True


@register_op("preempt_disable", doc="preempt_count += 1")
def op_preempt_disable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """preempt_disable()."""
    task.preempt_count += 1
    return _done_tracing(m, rq, task, EV_PREEMPT_DISABLE)


@register_op("preempt_enable", doc="preempt_count -= 1; reschedules here if one is pending")
def op_preempt_enable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """preempt_enable(): at zero, preempt_schedule() if need_resched (the
    next op boundary is a preemption point)."""
    if task.preempt_count > 0:
        task.preempt_count -= 1
    return _done_tracing(m, rq, task, EV_PREEMPT_ENABLE)


@register_op("local_irq_disable", doc="mask interrupts on this CPU (the tick waits)")
def op_local_irq_disable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """local_irq_disable()."""
    task.irqs_disabled = True
    return _done_tracing(m, rq, task, EV_IRQ_DISABLE)


@register_op("local_irq_enable", doc="unmask interrupts; a tick that came meanwhile is taken now")
def op_local_irq_enable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """local_irq_enable(): a pending tick is taken before the next op."""
    task.pc += 1
    m.emit(EV_IRQ_ENABLE, rq.cpu, task.pid)
    local_irq_restore(m, rq, task, False)
    continue_task(m, rq)
    return True


def local_irq_restore(m: Machine, rq: Rq, task: TaskStruct, disabled: bool) -> None:
    """Set the interrupt flag; deliver a tick that arrived while it was off."""
    task.irqs_disabled = disabled
    if not disabled and rq.tick_pending:
        from ktui.sim.kernel.time.tick import deliver_pending_tick

        deliver_pending_tick(m, rq)
