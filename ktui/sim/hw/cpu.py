"""A CPU executing its current task's program, op by op.

The machine side (as QEMU's hw/): `cpu_exec` is what a CPU does when it
resumes the task in ``rq->curr``: take the preemption point if
TIF_NEED_RESCHED is set and preemption is possible, call schedule() if the
task set a sleeping state, otherwise run the next op of its program. Also the
ops that only touch CPU state: ``run``/``udelay`` (burn CPU time),
``preempt_disable``/``preempt_enable`` (include/linux/preempt.h, on the
per-CPU count of `ktui.sim.include.linux.preempt`) and
``local_irq_disable``/``local_irq_enable`` (include/linux/irqflags.h), which
emit the preemptirq tracepoints of kernel/trace/trace_preemptirq.c.
schedule() called in atomic context is schedule_debug()'s "BUG: scheduling
while atomic", after which the count is reset, as ``preempt_count_set()``
does there.

Silent loops. Ops take no simulated time except ``run`` and ``udelay``, but
a real CPU spends time on every op, so a chain of ops that neither emits an
event nor takes time cannot run forever at one instant:

- After `SILENT_OP_LIMIT` such ops the CPU is charged what they cost,
  `SILENT_OP_NS` each (about what a schedule() that switches nothing costs:
  rq lock, clock update, a pick that returns the same task), and goes on
  after that much time.
- A silent chain that comes back to the same place in its program (same op,
  phase and loop counters; found with Brent's cycle detection) while its task
  is alone on its run queue is a CPU spinning in a loop whose every pass
  does exactly the same: nothing it does changes until something else
  happens. It spins until the next pending work of the machine (a tick, a
  timer, another CPU's next step), charged all that time, instead of being
  stepped through pass by pass. With other tasks queued, a pass can switch
  to one of them as time goes on (schedule() re-picks), so such a loop is
  charged per op as above.

Repeats. A silent pass of a ``repeat`` changes nothing but its counter, so a
task alone on its CPU that comes back to the ``end`` of a repeat after a
whole silent pass skips the next passes, as many as end before the
machine's next work, charging their time (`repeat_passes_to_skip`): the
same events, times and state as running them one by one. (A pass that calls
schedule() reads the clock in update_curr(); its skipped passes fold their
accounting into the next update, as the spinning loop above does.) And a
task alone runs its silent chain on past `SILENT_OP_LIMIT` ops, its CPU's
clock moved along in whole chains, up to the machine's next work: nothing
can see it before then. So a loop of silent ops costs wall time per tick,
never per op, at any HZ.

Live-lock. What still does no event is counted by `Machine.step` toward
`ktui.sim.machine.SILENT_WORK_LIMIT` per handler call (a CPU stuck with
interrupts off, whose tick never comes; ``run 1ns`` passes, each its own
resume). `livelock_reason` names the CPU, its task and the program lines of
the loop for the ``livelock`` stop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.irqflags import trace_hardirqs_off, trace_hardirqs_on
from ktui.sim.include.linux.percpu import PerCpu
from ktui.sim.include.linux.preempt import (
    PREEMPT_MASK,
    PREEMPT_OFFSET,
    in_atomic_preempt_off,
    preempt_count_add,
    preempt_count_sub,
    validate_pcpu,
)
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.kernel.locking.lock import bug
from ktui.sim.kernel.sched.core import K_EXEC, kick, schedule
from ktui.sim.machine import PRIO_CONT, PRIO_TASK, bind_kind
from ktui.sim.ops import OPS, Op, register_op
from ktui.sim.trace import define_event
from ktui.sim.units import KTIME_MAX

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

RUNNING = int(TaskState.TASK_RUNNING)
SILENT_OP_LIMIT = 16
"""Silent ops a CPU runs at one instant before it is charged their cost."""
SILENT_OP_NS = 100
"""CPU time one op of a silent loop costs, in ns."""
SCHEDULE_OPS = ("schedule", "sched_yield")
"""Ops that call schedule(), where schedule_debug() checks the context."""
EXIT_OP = Op("exit", (), 0, "(end of program)")

EV_PREEMPT_DISABLE = define_event("preempt_disable", "preemptirq")
EV_PREEMPT_ENABLE = define_event("preempt_enable", "preemptirq")
EV_IRQ_DISABLE = define_event("irq_disable", "preemptirq")
EV_IRQ_ENABLE = define_event("irq_enable", "preemptirq")


def irq_busy(m: Machine, cpu: int) -> bool:
    """An interrupt handler (kernel/softirq.py's __do_softirq(), an [[irq]]
    handler) runs on `cpu` over its task, which waits in place until the
    handler's irq_exit resumes it (``m.ext["irq_busy"]``: frames per CPU)."""
    busy = m.ext.get("irq_busy")
    return isinstance(busy, list) and busy[cpu] > 0


def schedule_bug(m: Machine, rq: Rq, task: TaskStruct) -> bool:
    """schedule_debug() -> __schedule_bug(): schedule() in atomic context.

    Emits the BUG, then ``preempt_count_set(PREEMPT_DISABLED)``: the
    preemption count is dropped, so the task does not leave it behind on the
    CPU for the next one; the schedule() happens at the next step.
    """
    pcpu = m.pcpu[rq.cpu]
    bug(m, rq.cpu, task.pid, "BUG: scheduling while atomic", -1)
    pcpu.preempt_count &= ~PREEMPT_MASK
    continue_task(m, rq)
    return True


def cpu_exec(m: Machine, cpu: int, gen: int) -> bool:
    """Resume the current task of `cpu` (a queued kick with generation `gen`)."""
    rq = m.rqs[cpu]
    if gen != rq.exec_gen:
        return False
    if irq_busy(m, cpu):
        return False  # an interrupt handler runs over the task: it resumes it
    pid = rq.curr
    if pid == 0:
        return schedule(m, rq, preempt=False) if rq.need_resched else False
    task = m.tasks[pid]
    pcpu = m.pcpu[cpu]
    if (
        task.state == RUNNING
        and rq.need_resched
        and pcpu.preempt_count == 0
        and not task.irqs_disabled
        and schedule(m, rq, preempt=True)
    ):
        return True  # (if it picked the same task again, carry on below)
    if task.jobctl and _may_stop(task, pcpu.preempt_count):
        return _signal_stop(m, rq, task)
    if task.state != RUNNING:
        # set_current_state(); schedule(): the task blocks (or dies).
        if in_atomic_preempt_off(pcpu.preempt_count):
            if not task.exit_state:
                return schedule_bug(m, rq, task)
            # do_exit(): "note: exited with preempt_count" (a printk, not
            # modelled), then preempt_count_set(PREEMPT_ENABLED).
            pcpu.preempt_count &= ~PREEMPT_MASK
        return schedule(m, rq, preempt=False)
    if rq.spinning_on >= 0:
        return False  # spinning on a spinlock: only its release moves us
    program = m.cfg.programs[pid]
    alone = rq.nr_running <= 1
    silent = 0  # silent ops run in this chain
    total = 0  # silent ops run or skipped (repeat passes) in this chain
    charged = 0  # of those, the ops whose time is not yet charged
    horizon = -1  # time of the machine's next work (`next_work`), once needed
    passes: dict[int, tuple[int, int, list[int]]] = {}  # repeat end pc -> last pass
    # Brent's cycle detection over the task's place in its program.
    power = 1
    mark_pc = -1
    mark_phase = 0
    mark_stack: list[int] = []
    while True:
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
        if task.jobctl and _may_stop(task, pcpu.preempt_count):
            return _signal_stop(m, rq, task)
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
            else:
                if left > 1 and alone:
                    if horizon < 0:
                        horizon = next_work(m)
                    skip = repeat_passes_to_skip(
                        passes, task, total, m.now + charged * SILENT_OP_NS, horizon
                    )
                    if skip:
                        ops = skip * (total - passes[task.pc][0])
                        total += ops
                        charged += ops
                        left -= skip
                    passes[task.pc] = (total, left, task.loop_stack[:-1])
                if left > 1:
                    task.loop_stack[-1] = left - 1
                    task.pc = start + 1
                else:
                    task.loop_stack.pop()
                    task.pc += 1
        elif name in SCHEDULE_OPS and in_atomic_preempt_off(pcpu.preempt_count):
            return schedule_bug(m, rq, task)
        elif OPS[name].handler(m, rq, task, op):
            return True
        elif (
            task.run_left
            or task.delay_until
            or rq.curr != pid
            or rq.spinning_on >= 0
            or task.state != RUNNING
        ):
            return False  # it started burning time, left the CPU, or blocks
        # The op was silent: no event, no time.
        silent += 1
        total += 1
        charged += 1
        if (
            task.pc == mark_pc
            and task.op_phase == mark_phase
            and task.loop_stack == mark_stack
            and alone
        ):
            spin_until_next_work(m, rq, pcpu)
            return False
        if silent == power:  # Brent: move the mark to here, double the window
            power *= 2
            mark_pc, mark_phase, mark_stack = task.pc, task.op_phase, task.loop_stack[:]
        if charged >= SILENT_OP_LIMIT:
            # Charged in whole chains of SILENT_OP_LIMIT ops, the rest left
            # for later, as running the skipped passes one by one would.
            chains = charged - charged % SILENT_OP_LIMIT
            busy_until = m.now + chains * SILENT_OP_NS
            if alone:
                # Alone, its ops change nothing another CPU or task could see
                # before the machine's next work: the CPU goes on at once,
                # its clock moved to where the ops it ran took it (nothing
                # else is due before then, so time stays in order).
                if horizon < 0:
                    horizon = next_work(m)
                if busy_until < horizon:
                    m.now = busy_until
                    charged -= chains
                    continue
            kick(m, rq, busy_until)
            return False


def repeat_passes_to_skip(
    passes: dict[int, tuple[int, int, list[int]]],
    task: TaskStruct,
    total: int,
    busy_until: int,
    horizon: int,
) -> int:
    """Passes of the innermost ``repeat`` the task, alone on its CPU, can
    skip at its ``end`` op (charging their time) instead of running them.

    A silent pass changes nothing but the loop counter (every state change
    emits an event), so when the last pass through this ``end`` was silent
    too (in this chain, its counter one higher, the outer loops' counters
    the same), the next passes are the same again: as many as end before the
    machine's next work at `horizon`, and at most all but the last pass, can
    be skipped. `total` counts the chain's silent ops so far, run or
    skipped; the CPU is busy with them until `busy_until`.
    """
    last = passes.get(task.pc)
    left = task.loop_stack[-1]
    if last is None or last[1] != left + 1 or last[2] != task.loop_stack[:-1]:
        return 0
    pass_ns = (total - last[0]) * SILENT_OP_NS
    if horizon <= busy_until + pass_ns:
        return 0
    return min(left - 1, (horizon - 1 - busy_until) // pass_ns)


def next_work(m: Machine) -> int:
    """Time of the machine's next pending work that can change anything
    (`pending_work`), or `KTIME_MAX` + 1 when there is none."""
    nxt = pending_work(m)
    return KTIME_MAX + 1 if nxt is None else nxt[0]


def pending_work(m: Machine) -> tuple[int, int] | None:
    """(time, priority) of the machine's next pending work that can change
    anything, or None.

    Resumes that are stale, or of CPUs spinning in a silent loop (they wait
    for work themselves), cannot, and are skipped.
    """
    nxt: tuple[int, int] | None = None
    rqs = m.rqs
    pcpus = m.pcpu
    for time_ns, prio, _seq, kind, a, b in m.queue:
        if kind == K_EXEC and (b != rqs[a].exec_gen or b == pcpus[a].spin_gen):
            continue
        if nxt is None or (time_ns, prio) < nxt:
            nxt = (time_ns, prio)
    return nxt


def spin_until_next_work(m: Machine, rq: Rq, pcpu: PerCpu) -> None:
    """Resume `rq`'s CPU, spinning in a silent loop, right after the
    machine's next pending work that can change anything.

    Resumes that are stale, or of CPUs spinning the same way, cannot, and are
    skipped: two spinning CPUs would otherwise wait for each other at one
    instant forever.
    """
    nxt = pending_work(m)
    if nxt is None:  # nothing else will ever happen: charge one chain
        kick(m, rq, m.now + SILENT_OP_LIMIT * SILENT_OP_NS)
        return
    # At the same time and priority, the fresh kick queues after it.
    kick(m, rq, nxt[0], max(PRIO_TASK, nxt[1]))
    pcpu.spin_gen = rq.exec_gen


bind_kind(K_EXEC, cpu_exec)


def validate_cpus(m: Machine) -> None:
    """Each CPU's preempt_count agrees with its context stack (`validate_pcpu`).

    Raises:
        SimInvariantError: on the first CPU where it does not.
    """
    for pcpu in m.pcpu:
        validate_pcpu(pcpu)


def _may_stop(task: TaskStruct, preempt_count: int) -> bool:
    """The task is on its way back to user mode (exit_to_user_mode_loop()
    looks at its signals): between ops, or computing in ``run``; not inside
    a syscall, a busy-wait, an atomic section or with interrupts off."""
    return (
        task.state == RUNNING
        and task.op_phase == 0
        and not task.delay_until
        and not preempt_count
        and not task.irqs_disabled
    )


def _signal_stop(m: Machine, rq: Rq, task: TaskStruct) -> bool:
    """do_signal_stop() (kernel/signal.py, imported here only when a stop is
    pending: it imports this module)."""
    from ktui.sim.kernel.signal import do_signal_stop

    return do_signal_stop(m, rq, task)


def continue_task(m: Machine, rq: Rq) -> None:
    """Let the task go on with its next op at once (after an emitted event)."""
    kick(m, rq, m.now, PRIO_CONT)


@register_op("run", ("duration", "duration"), doc="burn CPU for DURATION of the task's own runtime (preemptible)")
def op_run(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """Start burning ``op.args[0]`` ns; the CPU comes back when it is over."""
    if op.args[0] == 0:  # (run_start untouched: as if it never ran)
        task.pc += 1
        return False
    task.run_left = op.args[0]
    task.run_start = m.now
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
    """preempt_disable(): preempt_count_add(PREEMPT_OFFSET) on this CPU."""
    preempt_count_add(m.pcpu[rq.cpu], PREEMPT_OFFSET)
    return _done_tracing(m, rq, task, EV_PREEMPT_DISABLE)


@register_op("preempt_enable", doc="preempt_count -= 1; reschedules here if one is pending")
def op_preempt_enable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """preempt_enable(): at zero, preempt_schedule() if need_resched (the
    next op boundary is a preemption point)."""
    preempt_count_sub(m.pcpu[rq.cpu], PREEMPT_OFFSET)  # refuses to underflow
    return _done_tracing(m, rq, task, EV_PREEMPT_ENABLE)


@register_op("local_irq_disable", doc="mask interrupts on this CPU (the tick waits)")
def op_local_irq_disable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """local_irq_disable()."""
    task.irqs_disabled = True
    trace_hardirqs_off(m, rq.cpu, task.pid)
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
    """Set the interrupt flag (telling lockdep of a change:
    trace_hardirqs_on/off()); deliver a tick that arrived while it was off."""
    if disabled != task.irqs_disabled:
        if disabled:
            task.irqs_disabled = True
            trace_hardirqs_off(m, rq.cpu, task.pid)
        else:
            trace_hardirqs_on(m, rq.cpu, task.pid)
            task.irqs_disabled = False
    if not disabled and rq.tick_pending:
        from ktui.sim.kernel.time.tick import deliver_pending_tick

        deliver_pending_tick(m, rq)


def loop_lines(program: tuple[Op, ...], pc: int) -> tuple[int, int]:
    """First and last program line of the innermost loop around op `pc`
    (both the line of op `pc` when no loop encloses it)."""
    best: tuple[int, int] | None = None
    for idx, op in enumerate(program):
        if op.name == "end" and op.args[0] <= pc <= idx:
            start = op.args[0]
            if best is None or start > best[0]:
                best = (start, idx)
    if best is None:
        line = program[pc].line if pc < len(program) else (program[-1].line if program else 0)
        return line, line
    return program[best[0]].line, program[best[1]].line


def livelock_reason(m: Machine, kind: int, a: int, b: int) -> str:
    """The StopInfo reason of a live-locked step: the CPU, its task and the
    program lines of the loop it was in (`kind(a, b)` is the last silent
    work of the step)."""
    from ktui.sim.machine import KIND_NAMES, SILENT_WORK_LIMIT

    head = f"no event after {SILENT_WORK_LIMIT} silent work items at t={m.now} ns"
    if kind != K_EXEC:  # (a tick waiting for irqs, say): the first busy CPU
        busy = [rq.cpu for rq in m.rqs if rq.curr]
        if not busy:
            return f"{head}: {KIND_NAMES.get(kind, kind)}({a}, {b})"
        a = busy[0]
    pid = m.rqs[a].curr
    if pid == 0:
        return f"{head}: CPU {a} idle"
    task = m.tasks[pid]
    first, last = loop_lines(m.cfg.programs[pid], task.pc)
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    return f"{head}: CPU {a}, task {m.comm(pid)} (pid {pid}), program {where}"
