"""Timer-wheel sleeps: ``msleep``. Models kernel/time/timer.c and
kernel/time/sleep_timeout.c (6.13+).

``msleep(ms)`` sleeps in TASK_UNINTERRUPTIBLE on a timer_list timer of
``msecs_to_jiffies(ms)`` jiffies (``+ 1`` before 6.13, when
sleep_timeout.c dropped it), queued in the timer wheel with
``calc_wheel_index()``'s rounding: a timer never fires early, so its bucket
expiry is rounded *up* to the granularity of its wheel level (8^level
jiffies), which makes ``msleep(1)`` last up to two jiffies. The timer fires on
the CPU that armed it, in the timer softirq at the tick of its bucket, and
``process_timeout()`` wakes the task.

Left out: timer migration to busy CPUs (tmigr), deferrable timers, slack,
``msleep_interruptible`` and signals, hrtimer-based sleeps (``usleep_range``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.preempt import CTX_SOFTIRQ, context_enter
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.kernel.time.tick import K_IRQ_EXIT
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, register_kind
from ktui.sim.ops import Op, register_op
from ktui.sim.trace import define_event, register_format, symbol

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_TIMER_START = define_event(
    "timer_start", "timer", ("function", "sym"), ("expires", "int"), ("timeout", "int")
)
EV_TIMER_EXPIRE_ENTRY = define_event("timer_expire_entry", "timer", ("function", "sym"))
register_format(
    "timer_start",
    lambda ev: (
        f"function={ev.fields['function']} expires={ev.fields['expires']} "
        f"[timeout={ev.fields['timeout']}]"
    ),
)

# kernel/time/timer.c wheel geometry
LVL_CLK_SHIFT = 3
LVL_BITS = 6
LVL_SIZE = 1 << LVL_BITS


def lvl_depth(hz: int) -> int:
    """LVL_DEPTH: 9 levels for HZ > 100, 8 otherwise."""
    return 9 if hz > 100 else 8


def lvl_shift(n: int) -> int:
    """LVL_SHIFT(n)."""
    return n * LVL_CLK_SHIFT


def lvl_start(n: int) -> int:
    """LVL_START(n): first delta that no longer fits level n-1."""
    return (LVL_SIZE - 1) << ((n - 1) * LVL_CLK_SHIFT)


def msecs_to_jiffies(ms: int, hz: int) -> int:
    """msecs_to_jiffies() (include/linux/jiffies.h): round up to whole jiffies."""
    if hz <= 1000 and 1000 % hz == 0:
        return (ms + (1000 // hz) - 1) // (1000 // hz)
    return (ms * hz + 999) // 1000


def bucket_expiry(expires: int, clk: int, hz: int) -> int:
    """calc_wheel_index(): the jiffy at which a timer for `expires` fires."""
    delta = expires - clk
    if delta < 0:
        return clk
    depth = lvl_depth(hz)
    for lvl in range(depth):
        if lvl == depth - 1 or delta < lvl_start(lvl + 1):
            shift = lvl_shift(lvl)
            # calc_index(): round up with level granularity, never early.
            return ((expires >> shift) + 1) << shift
    raise AssertionError("unreachable")


@register_op("msleep", ("msecs", "msecs"), might_sleep=True, doc="sleep MSECS ms in D state on a timer-wheel timer (jiffy resolution)")
def op_msleep(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """msleep(): arm a timer, set TASK_UNINTERRUPTIBLE, schedule()."""
    if task.op_phase == 1:  # woken by process_timeout(): the sleep is over
        task.op_phase = 0
        task.pc += 1
        return False
    timeout = msecs_to_jiffies(op.args[0], m.hz)
    if m.kver < (6, 13):
        timeout += 1
    jiffies = m.now // m.tick_nsec
    expires = jiffies + timeout
    fire = bucket_expiry(expires, jiffies, m.hz)
    task.wake_gen += 1
    task.op_phase = 1
    task.state = int(TaskState.TASK_UNINTERRUPTIBLE)
    m.push(fire * m.tick_nsec, PRIO_IRQ, K_TIMER, task.pid, task.wake_gen)
    m.emit(EV_TIMER_START, rq.cpu, task.pid, symbol("process_timeout"), expires, timeout)
    continue_task(m, rq)
    return True


def _timer_fire(m: Machine, pid: int, gen: int) -> bool:
    task = m.tasks[pid]
    if task.wake_gen != gen or task.state == int(TaskState.TASK_RUNNING):
        return False
    cpu = task.cpu
    rq = m.rqs[cpu]
    # __do_softirq() -> run_timer_softirq() -> call_timer_fn(), in softirq
    # context until K_IRQ_EXIT, after the wakeup's events.
    context_enter(m.pcpu[cpu], CTX_SOFTIRQ)
    m.emit(EV_TIMER_EXPIRE_ENTRY, cpu, rq.curr, symbol("process_timeout"))
    try_to_wake_up(m, pid, cpu)
    m.push(m.now, PRIO_CONT, K_IRQ_EXIT, cpu, CTX_SOFTIRQ)  # after the wakeup's events
    return True


K_TIMER = register_kind("timer", _timer_fire)
