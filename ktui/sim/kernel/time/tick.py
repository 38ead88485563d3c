"""The periodic tick. Models kernel/time/tick-sched.c and tick-common.c.

Each busy CPU takes a timer interrupt every TICK_NSEC (1/HZ), on period
boundaries counted from boot: ``tick_nohz_handler()`` (6.10+; before that
``tick_sched_timer()``) runs ``update_process_times()`` -> ``sched_tick()``.
CPU 0 is ``tick_do_timer_cpu`` and advances jiffies. An idle CPU stops its
tick (CONFIG_NO_HZ_IDLE) and restarts it on the next period boundary when it
gets work. A tick that arrives while the CPU has interrupts disabled is held
pending and taken when they are enabled again, on that instant. The handler
runs in hardirq context (``irq_enter()`` adds HARDIRQ_OFFSET to the CPU's
preempt_count); ``irq_exit()`` follows its one event at once.

Left out: the tick's own run time, broadcast and nohz_full, jiffies catch-up
after a long idle period (jiffies are derived from the clock instead).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ktui.sim.include.linux.preempt import CTX_HARDIRQ, context_enter, context_exit, in_interrupt
from ktui.sim.include.trace.events.timer import EV_HRTIMER_EXPIRE_ENTRY, HRTIMER_TICK
from ktui.sim.kernel.sched.core import K_TICK, kick, sched_tick
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, PRIO_NESTED, bind_kind, register_kind
from ktui.sim.trace import symbol

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

TickHook = Callable[["Machine", "Rq"], None]
TICK_HOOKS: list[TickHook] = []
"""Called by each tick in hardirq context, as update_process_times() calls
rcu_sched_clock_irq(); they may only queue work (their events follow)."""


def hrtimer_run_sleepers(m: Machine, cpu: int) -> None:
    """kernel/time/hrtimer.py's, imported late: it imports K_IRQ_EXIT from here."""
    from ktui.sim.kernel.time.hrtimer import hrtimer_run_sleepers as run

    run(m, cpu)


def invoke_softirq(m: Machine, cpu: int) -> bool:
    """irq_exit(): run pending softirqs unless still in_interrupt()
    (kernel/softirq.py's, imported late: it imports the CPU model)."""
    if not m.ext.get("softirq") or in_interrupt(m.pcpu[cpu].preempt_count):
        return False
    from ktui.sim.kernel.softirq import do_softirq

    return do_softirq(m, cpu)


def tick_function(m: Machine) -> int:
    """Symbol of the tick's hrtimer callback for the modelled kernel version."""
    # tick_sched_timer() was merged into tick_nohz_handler() in 6.10.
    return symbol("tick_nohz_handler" if m.kver >= (6, 10) else "tick_sched_timer")


def tick_handler(m: Machine, cpu: int, gen: int) -> bool:
    """The tick hrtimer fires on `cpu` (queued with tick generation `gen`)."""
    rq = m.rqs[cpu]
    if gen != rq.tick_gen:
        return False
    # hrtimer_forward(): the next expiry stays on the period grid.
    m.push(m.now + m.tick_nsec, PRIO_IRQ, K_TICK, cpu, gen)
    curr = m.tasks[rq.curr] if rq.curr else None
    if curr is not None and curr.irqs_disabled:
        rq.tick_pending = True
        return False
    return _run_tick(m, rq)


def _run_tick(m: Machine, rq: Rq) -> bool:
    if rq.cpu == 0:
        m.jiffies = m.now // m.tick_nsec
    context_enter(m.pcpu[rq.cpu], CTX_HARDIRQ)  # irq_enter()
    sched_tick(m, rq)
    for hook in TICK_HOOKS:  # update_process_times(): rcu_sched_clock_irq()
        hook(m, rq)
    m.emit(EV_HRTIMER_EXPIRE_ENTRY, rq.cpu, rq.curr, HRTIMER_TICK, tick_function(m))
    # __hrtimer_run_queues() goes on with the sleepers whose soft expiry
    # has come, in this same interrupt (each its own event, before irq_exit).
    if m.pcpu[rq.cpu].hrtimer_sleepers:
        hrtimer_run_sleepers(m, rq.cpu)
    # irq_exit() right after this event, before anything else happens.
    m.push(m.now, PRIO_NESTED, K_IRQ_EXIT, rq.cpu, CTX_HARDIRQ)
    return True


def deliver_pending_tick(m: Machine, rq: Rq) -> None:
    """local_irq_enable()/restore(): take the tick that waited for it now."""
    rq.tick_pending = False
    m.push(m.now, PRIO_CONT, K_PENDING_TICK, rq.cpu, 0)


def _pending_tick(m: Machine, cpu: int, _b: int) -> bool:
    return _run_tick(m, m.rqs[cpu])


def _irq_exit(m: Machine, cpu: int, ctx: int) -> bool:
    """Leave interrupt context `ctx` (irq_exit(), or the end of
    __do_softirq()), then irqentry_exit(): preempt_schedule_irq() when
    need_resched is set (the CPU looks at once; it preempts if it may)."""
    context_exit(m.pcpu[cpu], ctx)
    if ctx == CTX_HARDIRQ and invoke_softirq(m, cpu):
        return False  # __do_softirq() runs first; it resumes the task
    rq = m.rqs[cpu]
    if rq.curr and rq.need_resched and not m.pcpu[cpu].ctx_stack:
        kick(m, rq, m.now, PRIO_CONT)
    return False


bind_kind(K_TICK, tick_handler)
K_PENDING_TICK = register_kind("pending_tick", _pending_tick)
K_IRQ_EXIT = register_kind("irq_exit", _irq_exit)
