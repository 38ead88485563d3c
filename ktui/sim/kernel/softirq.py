"""Softirqs and bottom-half control. Models kernel/softirq.c (!PREEMPT_RT):
``open_softirq()``, ``raise_softirq()``/``raise_softirq_irqoff()``
(``__raise_softirq_irqoff()``: trace_softirq_raise, then the CPU's pending
mask), ``handle_softirqs()`` (``__do_softirq()``) and
``local_bh_disable()``/``__local_bh_enable_ip()``.

Other subsystems register a vector's action with `open_softirq` at import
(the kernel does it from its init functions: ``open_softirq(RCU_SOFTIRQ,
rcu_core_si)``) and raise it with `raise_softirq`. An action is called as
``action(m, cpu)`` once per step, in softirq context on `cpu`; it emits at
most one event per call and returns True when the vector's work is done (the
kernel's action runs to completion in one call; the model spreads it over
steps so each state change is its own event).

``__do_softirq()`` runs on the CPU over whatever it interrupted (the task
stays current, its program position kept; `ktui.sim.hw.cpu.cpu_exec` does
not run it meanwhile: `irq_busy`): SOFTIRQ_OFFSET is added
(``softirq_handle_begin()``), the pending mask is taken and cleared, each set
vector runs in vector order between ``softirq_entry`` and ``softirq_exit``,
then what got raised meanwhile restarts the loop while less than
MAX_SOFTIRQ_TIME (2 ms) has passed, ``need_resched()`` is clear and fewer
than MAX_SOFTIRQ_RESTART (10) passes ran. What is still pending after that
waits (``wakeup_softirqd()``: there is no ksoftirqd thread in the scheduler
model, so it runs at the CPU's next irq_exit or local_bh_enable instead).

Who runs softirqs: ``irq_exit()`` when not in_interrupt() (the tick's, see
kernel/time/tick.py, and [[irq]] handlers'), and ``local_bh_enable()``
dropping the last BH disable outside interrupt context.

Left out: ksoftirqd (see above), MAX_SOFTIRQ_TIME in jiffies
(``msecs_to_jiffies(2)``: the model compares nanoseconds), the
"huh, entered softirq" preempt-count check, PF_MEMALLOC, PREEMPT_RT's
per-task softirq count and local lock, tasklets as such (a [[softirq]]
handler of TASKLET_SOFTIRQ is one tasklet).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.irqflags import trace_softirqs_off, trace_softirqs_on
from ktui.sim.include.linux.preempt import (
    CTX_SOFTIRQ,
    SOFTIRQ_DISABLE_OFFSET,
    SOFTIRQ_OFFSET,
    context_enter,
    context_exit,
    in_hardirq,
    in_interrupt,
    softirq_count,
)
from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.include.trace.events.irq import (
    EV_SOFTIRQ_ENTRY,
    EV_SOFTIRQ_EXIT,
    EV_SOFTIRQ_RAISE,
    NR_SOFTIRQS,
    SOFTIRQ_NAMES,
)
from ktui.sim.kernel.locking.lock import bug
from ktui.sim.kernel.sched.core import kick
from ktui.sim.machine import PRIO_CONT, register_kind
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.state import PlainState, mypyc_attr
from ktui.sim.trace import RegistrationError, define_event

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

(
    HI_SOFTIRQ,
    TIMER_SOFTIRQ,
    NET_TX_SOFTIRQ,
    NET_RX_SOFTIRQ,
    BLOCK_SOFTIRQ,
    IRQ_POLL_SOFTIRQ,
    TASKLET_SOFTIRQ,
    SCHED_SOFTIRQ,
    HRTIMER_SOFTIRQ,
    RCU_SOFTIRQ,
) = range(NR_SOFTIRQS)
"""include/linux/interrupt.h's softirq vector numbers."""

MAX_SOFTIRQ_TIME_NS: Final = 2_000_000
"""MAX_SOFTIRQ_TIME, msecs_to_jiffies(2), in ns."""
MAX_SOFTIRQ_RESTART: Final = 10

SoftirqAction = Callable[["Machine", int], bool]
"""``action(m, cpu)``: one step of a vector's work; True when it is done."""

SOFTIRQ_VEC: list[SoftirqAction | None] = [None] * NR_SOFTIRQS
"""softirq_vec[]: the action of each vector (set at import, never state)."""

EV_LOCAL_BH_DISABLE = define_event("local_bh_disable", "ktui", ("count", "int"))
EV_LOCAL_BH_ENABLE = define_event("local_bh_enable", "ktui", ("count", "int"))
"""local_bh_disable()/local_bh_enable() (no tracepoint in the kernel):
`count` is the CPU's preempt_count after the op."""

# __do_softirq() phases of a CPU's run.
_ENTRY, _ACTION, _EXIT = 0, 1, 2


def softirq_nr(name: str) -> int:
    """The vector number of a softirq_to_name[] name (``RCU`` -> 9).

    Raises:
        ValueError: `name` is not one.
    """
    return SOFTIRQ_NAMES.index(name)


def open_softirq(nr: int, action: SoftirqAction) -> None:
    """open_softirq(): set vector `nr`'s action.

    Raises:
        RegistrationError: `nr` is out of range, or the vector has an action
            already (the kernel would silently replace it; two subsystems
            fighting over one vector is a bug in the model).
    """
    if not 0 <= nr < NR_SOFTIRQS:
        raise RegistrationError(f"softirq vector {nr} out of range 0..{NR_SOFTIRQS - 1}")
    if SOFTIRQ_VEC[nr] is not None and SOFTIRQ_VEC[nr] is not action:
        raise RegistrationError(f"softirq vector {SOFTIRQ_NAMES[nr]} is opened twice")
    SOFTIRQ_VEC[nr] = action


def close_softirq(nr: int) -> None:
    """Forget vector `nr`'s action (for tests that open one for a while)."""
    SOFTIRQ_VEC[nr] = None


@mypyc_attr(allow_interpreted_subclasses=True)
class SoftirqState(PlainState):
    """``m.ext["softirq"]``: the softirq state of every CPU.

    Attributes:
        pending: Per CPU, ``local_softirq_pending()``: bit `nr` set when
            vector `nr` is raised and not yet run.
        counts: Per CPU, per vector, the times it ran
            (``kstat_incr_softirqs_this_cpu()``, /proc/softirqs).
        raised: Per CPU, per vector, the times it was raised.
        run: Per CPU, the ``__do_softirq()`` in progress there as
            ``[mask, vec, phase, restarts_left, end_ns]`` (`mask`: vectors of
            this pass not yet run; `vec`: the one running), or [] when none.
    """

    __slots__: Final = ("pending", "counts", "raised", "run")

    def __init__(self, nr_cpus: int) -> None:
        self.pending = [0] * nr_cpus
        self.counts = [[0] * NR_SOFTIRQS for _ in range(nr_cpus)]
        self.raised = [[0] * NR_SOFTIRQS for _ in range(nr_cpus)]
        self.run: list[list[int]] = [[] for _ in range(nr_cpus)]


def softirq_init(m: Machine) -> None:
    """softirq_init(): no vector pending on any CPU, no interrupt frame
    (``m.ext["irq_busy"]``, see `ktui.sim.hw.cpu.irq_busy`)."""
    m.ext["softirq"] = SoftirqState(len(m.rqs))
    m.ext["irq_busy"] = [0] * len(m.rqs)


def softirq_state(m: Machine) -> SoftirqState:
    """``m.ext["softirq"]`` (set by `softirq_init` at boot)."""
    st = m.ext["softirq"]
    assert isinstance(st, SoftirqState)
    return st


def local_softirq_pending(m: Machine, cpu: int) -> int:
    """local_softirq_pending() of `cpu`."""
    return softirq_state(m).pending[cpu]


def raise_softirq_irqoff(m: Machine, cpu: int, nr: int) -> None:
    """raise_softirq_irqoff() on `cpu`: emit ``softirq_raise`` and set the
    pending bit. The wakeup of ksoftirqd it does outside interrupt context
    is not modelled: the vector runs at the CPU's next irq_exit or
    local_bh_enable (see the module docstring). Emits one event: call it
    from a step that emits nothing else."""
    st = softirq_state(m)
    m.emit(EV_SOFTIRQ_RAISE, cpu, m.rqs[cpu].curr, nr)
    st.pending[cpu] |= 1 << nr
    st.raised[cpu][nr] += 1


def raise_softirq(m: Machine, cpu: int, nr: int) -> None:
    """raise_softirq(): local_irq_save(); raise_softirq_irqoff();
    local_irq_restore() (the irq flag flip is invisible to the model)."""
    raise_softirq_irqoff(m, cpu, nr)


# -- interrupt frames over a task ------------------------------------------
def irq_frame_enter(m: Machine, cpu: int) -> None:
    """An interrupt handler starts running over `cpu`'s current task."""
    _busy(m)[cpu] += 1


def _busy(m: Machine) -> list[int]:
    busy = m.ext["irq_busy"]
    assert isinstance(busy, list)
    return busy


def irq_frame_exit(m: Machine, cpu: int) -> None:
    """The innermost handler over `cpu`'s task returned: when none is left,
    the interrupted task (if any) goes on at once (irqentry_exit())."""
    busy = _busy(m)
    busy[cpu] -= 1
    if not busy[cpu]:
        rq = m.rqs[cpu]
        if rq.curr or rq.need_resched:
            kick(m, rq, m.now, PRIO_CONT)


# -- __do_softirq() ---------------------------------------------------------
def do_softirq(m: Machine, cpu: int) -> bool:
    """invoke_softirq()/do_softirq() on `cpu`: start ``__do_softirq()`` if a
    vector is pending and none runs there yet (the caller checked
    in_interrupt()). Silent; its events come as their own steps.

    Returns:
        True when a run started (the CPU's task waits for it).
    """
    st = softirq_state(m)
    if not st.pending[cpu] or st.run[cpu]:
        return False
    pcpu = m.pcpu[cpu]
    context_enter(pcpu, CTX_SOFTIRQ)  # softirq_handle_begin()
    if softirq_count(pcpu.preempt_count) == SOFTIRQ_OFFSET:
        trace_softirqs_off(m, cpu, m.rqs[cpu].curr)
    mask = st.pending[cpu]
    st.pending[cpu] = 0  # set_softirq_pending(0)
    st.run[cpu] = [mask, -1, _ENTRY, MAX_SOFTIRQ_RESTART, m.now + MAX_SOFTIRQ_TIME_NS]
    irq_frame_enter(m, cpu)
    m.push(m.now, PRIO_CONT, K_SOFTIRQ, cpu, 0)
    return True


def _lowest_bit(mask: int) -> int:
    """ffs(mask) - 1."""
    return (mask & -mask).bit_length() - 1


def _softirq_step(m: Machine, cpu: int, _b: int) -> bool:
    """One step of the ``__do_softirq()`` running on `cpu`."""
    st = softirq_state(m)
    run = st.run[cpu]
    if not run:
        return False
    pid = m.rqs[cpu].curr
    while True:
        phase = run[2]
        if phase == _ENTRY:
            mask = run[0]
            if not mask:
                if _restart(m, st, cpu, run):
                    continue
                _softirq_end(m, st, cpu)
                return False
            vec = _lowest_bit(mask)
            run[0] = mask & ~(1 << vec)
            run[1] = vec
            run[2] = _ACTION
            st.counts[cpu][vec] += 1
            m.emit(EV_SOFTIRQ_ENTRY, cpu, pid, vec)
            break
        if phase == _ACTION:
            action = SOFTIRQ_VEC[run[1]]
            before = m.nr_events
            done = action(m, cpu) if action is not None else True
            if done:
                run[2] = _EXIT
            if m.nr_events != before:
                break
            continue
        # _EXIT
        run[2] = _ENTRY
        m.emit(EV_SOFTIRQ_EXIT, cpu, pid, run[1])
        run[1] = -1
        break
    m.push(m.now, PRIO_CONT, K_SOFTIRQ, cpu, 0)
    return True


def _restart(m: Machine, st: SoftirqState, cpu: int, run: list[int]) -> bool:
    """The end of a pass: ``goto restart`` when more got raised, time is left,
    no reschedule is due and passes are left."""
    pending = st.pending[cpu]
    if not pending:
        return False
    run[3] -= 1
    if m.now < run[4] and not m.rqs[cpu].need_resched and run[3]:
        st.pending[cpu] = 0
        run[0] = pending
        return True
    return False  # wakeup_softirqd(): not modelled, stays pending


def _softirq_end(m: Machine, st: SoftirqState, cpu: int) -> None:
    """softirq_handle_end(), then back to what was interrupted."""
    st.run[cpu] = []
    pcpu = m.pcpu[cpu]
    context_exit(pcpu, CTX_SOFTIRQ)
    if not softirq_count(pcpu.preempt_count):
        trace_softirqs_on(m, cpu, m.rqs[cpu].curr)
    irq_frame_exit(m, cpu)


K_SOFTIRQ = register_kind("softirq", _softirq_step)


# -- bottom-half control ----------------------------------------------------
def local_bh_disable_cnt(m: Machine, rq: Rq, task: TaskStruct, cnt: int) -> None:
    """__local_bh_disable_ip(_RET_IP_, cnt): add `cnt` (SOFTIRQ_DISABLE_OFFSET,
    or SOFTIRQ_LOCK_OFFSET's softirq part for spin_lock_bh); lockdep hears
    of it when the softirq count leaves zero."""
    pcpu = m.pcpu[rq.cpu]
    pcpu.preempt_count += cnt
    if softirq_count(pcpu.preempt_count) == SOFTIRQ_DISABLE_OFFSET:
        trace_softirqs_off(m, rq.cpu, task.pid)


def local_bh_enable_cnt(m: Machine, rq: Rq, task: TaskStruct, cnt: int) -> bool:
    """__local_bh_enable_ip(_RET_IP_, cnt): drop `cnt`. WARN_ON_ONCE(in_hardirq())
    is printed; dropping a BH disable that was never taken is refused (the
    count would go wrong).

    Returns:
        True when pending softirqs are to run now (no interrupt context is
        left): the caller emits its event, then calls `do_softirq`.
    """
    cpu = rq.cpu
    pcpu = m.pcpu[cpu]
    if in_hardirq(pcpu.preempt_count):
        bug(m, cpu, task.pid, "WARNING: at kernel/softirq.c __local_bh_enable_ip", -1)
    if _bh_disable_depth(pcpu.preempt_count, pcpu.ctx_stack) == 0:
        return False
    if softirq_count(pcpu.preempt_count) == SOFTIRQ_DISABLE_OFFSET:
        trace_softirqs_on(m, cpu, task.pid)
    pcpu.preempt_count -= cnt
    return not in_interrupt(pcpu.preempt_count) and bool(local_softirq_pending(m, cpu))


def _bh_disable_depth(pc: int, ctx_stack: list[int]) -> int:
    """How many local_bh_disable()s are in force: the softirq count less the
    SOFTIRQ_OFFSET of softirqs being served, in SOFTIRQ_DISABLE_OFFSET steps."""
    serving = ctx_stack.count(CTX_SOFTIRQ) * SOFTIRQ_OFFSET
    return (softirq_count(pc) - serving) // SOFTIRQ_DISABLE_OFFSET


@register_op("local_bh_disable", doc="disable bottom halves: softirqs wait (preempt_count += SOFTIRQ_DISABLE_OFFSET)")
def op_local_bh_disable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """local_bh_disable()."""
    local_bh_disable_cnt(m, rq, task, SOFTIRQ_DISABLE_OFFSET)
    task.pc += 1
    m.emit(EV_LOCAL_BH_DISABLE, rq.cpu, task.pid, m.pcpu[rq.cpu].preempt_count)
    continue_task(m, rq)
    return True


@register_op("local_bh_enable", doc="enable bottom halves; pending softirqs run here when the last disable goes")
def op_local_bh_enable(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """local_bh_enable(): __local_bh_enable_ip(SOFTIRQ_DISABLE_OFFSET)."""
    task.pc += 1
    run = local_bh_enable_cnt(m, rq, task, SOFTIRQ_DISABLE_OFFSET)
    m.emit(EV_LOCAL_BH_ENABLE, rq.cpu, task.pid, m.pcpu[rq.cpu].preempt_count)
    if not (run and do_softirq(m, rq.cpu)):
        continue_task(m, rq)
    return True


def parse_softirq_name(
    words: Sequence[str], _resolve: ArgResolver
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``raise_softirq NAME``: one softirq_to_name[] name -> its vector.

    Raises:
        ValueError: not exactly one word, or not a vector name.
    """
    if len(words) != 1 or words[0] not in SOFTIRQ_NAMES:
        raise ValueError(f"expected one softirq name ({' '.join(SOFTIRQ_NAMES)})")
    return (softirq_nr(words[0]),), ()


@register_op(
    "raise_softirq",
    parse=parse_softirq_name,
    usage="raise_softirq NAME",
    examples=("TASKLET", "RCU"),
    doc="raise_softirq(): mark vector NAME (HI TIMER NET_TX NET_RX BLOCK IRQ_POLL TASKLET SCHED HRTIMER RCU) pending on this CPU",
)
def op_raise_softirq(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """raise_softirq() from a program."""
    task.pc += 1
    raise_softirq(m, rq.cpu, op.args[0])
    continue_task(m, rq)
    return True
