"""hrtimer sleeps: ``nanosleep`` and ``usleep_range``. Models kernel/time/hrtimer.c
(``hrtimer_nanosleep()``, ``do_nanosleep()``, ``__hrtimer_run_queues()``) and
kernel/time/sleep_timeout.c (``usleep_range_state()``,
``schedule_hrtimeout_range_clock()``; in hrtimer.c and timer.c before 6.13).

A sleeper's hrtimer has a range: it may fire from its soft expiry (the time
asked for) to its hard expiry (soft + slack). ``hrtimer_set_expires_range_ns()``
sets both; the clock event device is programmed for the hard expiry, and any
hrtimer interrupt of the CPU at or after the soft expiry runs it
(``__hrtimer_run_queues()`` compares ``_softexpires``). On a busy CPU that is
the tick (itself an hrtimer, kernel/time/tick.py calls `hrtimer_run_sleepers`
after its own callback); on an idle CPU, whose tick is stopped, it is the
hard expiry. The wakeup runs in hardirq context: ``hrtimer_wakeup()`` ->
``wake_up_process()``.

The slack:

* ``nanosleep D``: ``current->timer_slack_ns`` (50 us, ``init_task``'s
  default, inherited), 0 for a real-time task: before 6.12 because
  hrtimer_nanosleep() overrode it when ``rt_task(current)`` (prio < 100,
  deadline included, so a PI-boosted task too); from 6.12 ("hrtimer: Use and
  report correct timerslack values for realtime tasks") because
  ``__setscheduler_params()`` sets ``timer_slack_ns`` to 0 for an RT or
  deadline *policy*. TASK_INTERRUPTIBLE (S).
* ``usleep_range MIN MAX``: ``(MAX - MIN)``, TASK_UNINTERRUPTIBLE (D). From
  6.3 ("hrtimer: Ignore slack time for RT tasks in
  schedule_hrtimeout_range()") to 6.11 an RT task's range is ignored (0);
  before 6.3 and from 6.12 the range applies to every task.

So ``nanosleep 100us`` of a SCHED_FIFO task wakes exactly 100 us later, and a
fair task's up to 50 us after that.

Left out: signals (``-EINTR``/restart), absolute sleeps, PREEMPT_RT's soft
expiry in softirq context, the clock event device's minimum delta, hrtimer
interrupts held off while the CPU has interrupts disabled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.preempt import CTX_HARDIRQ, context_enter
from ktui.sim.include.linux.sched import SchedPolicy, TaskState, TaskStruct
from ktui.sim.include.linux.sched.prio import MAX_RT_PRIO
from ktui.sim.include.trace.events.timer import EV_HRTIMER_EXPIRE_ENTRY, EV_HRTIMER_START
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.kernel.time.tick import K_IRQ_EXIT
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, PRIO_NESTED, register_kind
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import symbol
from ktui.sim.units import KTIME_MAX

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

TIMER_SLACK_NS: Final = 50_000
"""init/init_task.c: ``.timer_slack_ns = 50000`` (50 usec default slack)."""
HRTIMER_MODE_ABS: Final = 0x00
HRTIMER_MODE_REL: Final = 0x01
"""include/linux/hrtimer.h: the modes the sleepers use (nanosleep: REL;
usleep_range: ABS, of ``ktime_get() + min``)."""
SLACK_BY_POLICY: Final = (6, 12)
"""From here, an RT/deadline *policy* has ``timer_slack_ns`` 0 and no sleeper
overrides the slack by priority."""
RANGE_IGNORED_FOR_RT: Final = ((6, 3), (6, 12))
"""schedule_hrtimeout_range_clock() dropped an RT task's slack in [6.3, 6.12)."""
_RT_POLICIES: Final = (
    int(SchedPolicy.SCHED_FIFO),
    int(SchedPolicy.SCHED_RR),
    int(SchedPolicy.SCHED_DEADLINE),
)


def rt_task(p: TaskStruct) -> bool:
    """rt_task()/rt_or_dl_task() (include/linux/sched/rt.h): prio < MAX_RT_PRIO,
    a deadline task (prio -1) and a PI-boosted one included."""
    return p.prio < MAX_RT_PRIO


def timer_slack_ns(p: TaskStruct, kver: tuple[int, ...]) -> int:
    """``p->timer_slack_ns`` as hrtimer_nanosleep() uses it (see the module
    docstring for the two versions' reasons for 0)."""
    if kver >= SLACK_BY_POLICY:
        return 0 if p.policy in _RT_POLICIES else TIMER_SLACK_NS
    return 0 if rt_task(p) else TIMER_SLACK_NS


def usleep_range_delta(p: TaskStruct, kver: tuple[int, ...], min_ns: int, max_ns: int) -> int:
    """usleep_range_state(): ``delta = (max - min) * NSEC_PER_USEC``, then
    schedule_hrtimeout_range_clock()'s RT override where the version has it."""
    lo, hi = RANGE_IGNORED_FOR_RT
    if lo <= kver < hi and rt_task(p):
        return 0
    return max_ns - min_ns


def hrtimer_start_sleeper(
    m: Machine, rq: Rq, task: TaskStruct, soft: int, slack: int, mode: int, state: TaskState
) -> None:
    """hrtimer_set_expires_range_ns() + hrtimer_sleeper_start_expires(), then
    set `state` and schedule() away (the CPU goes on at once)."""
    soft = min(soft, KTIME_MAX)
    hard = min(soft + slack, KTIME_MAX)  # ktime_add_safe()
    task.hrtimer_softexpires = soft
    task.hrtimer_expires = hard
    task.wake_gen += 1
    task.op_phase = 1
    task.state = int(state)
    pcpu = m.pcpu[rq.cpu]
    pcpu.hrtimer_sleepers.append(task.pid)
    m.push(hard, PRIO_IRQ, K_HRTIMER, task.pid, task.wake_gen)
    m.emit(EV_HRTIMER_START, rq.cpu, task.pid, task.pid, symbol("hrtimer_wakeup"), hard, soft, mode)
    continue_task(m, rq)


def _op_done(task: TaskStruct) -> bool:
    task.op_phase = 0
    task.pc += 1
    return False


@register_op(
    "nanosleep",
    ("duration", "duration"),
    might_sleep=True,
    doc="sleep DURATION in S state on an hrtimer (clock_nanosleep(2)): + timer_slack_ns (50us; 0 for RT/deadline)",
)
def op_nanosleep(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """hrtimer_nanosleep() -> do_nanosleep() (relative, CLOCK_MONOTONIC)."""
    if task.op_phase == 1:  # woken by hrtimer_wakeup()
        return _op_done(task)
    slack = timer_slack_ns(task, m.kver)
    soft = m.now + op.args[0]
    hrtimer_start_sleeper(m, rq, task, soft, slack, HRTIMER_MODE_REL, TaskState.TASK_INTERRUPTIBLE)
    return True


def _parse_usleep_range(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """MIN MAX, two durations with MIN <= MAX (the kernel WARNs and sleeps
    MIN; a scenario's constant range is refused instead)."""
    if len(words) != 2:
        raise ValueError(f"usleep_range takes 2 arguments, got {len(words)}")
    lo = resolve("min", "duration", words[0])
    hi = resolve("max", "duration", words[1])
    if hi < lo:
        raise ValueError(f"MAX {words[1]} is less than MIN {words[0]}")
    return (lo, hi), ()


@register_op(
    "usleep_range",
    ("min", "duration"),
    ("max", "duration"),
    parse=_parse_usleep_range,
    usage="usleep_range MIN MAX",
    examples=("100us 200us", "0ns 0ns", "1ms 1ms", "10us 20ms"),
    might_sleep=True,
    doc="sleep MIN..MAX in D state on an hrtimer (usleep_range()): fires at the first hrtimer interrupt in the range",
)
def op_usleep_range(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """usleep_range_state(min, max, TASK_UNINTERRUPTIBLE) ->
    schedule_hrtimeout_range(ktime_get() + min, delta, HRTIMER_MODE_ABS)."""
    if task.op_phase == 1:
        return _op_done(task)
    lo, hi = op.args[0], op.args[1]
    delta = usleep_range_delta(task, m.kver, lo, hi)
    state = TaskState.TASK_UNINTERRUPTIBLE
    hrtimer_start_sleeper(m, rq, task, m.now + lo, delta, HRTIMER_MODE_ABS, state)
    return True


def _timer_cpu(m: Machine, pid: int, gen: int) -> int:
    """The CPU whose hrtimer base holds the sleeper armed with `gen`, or -1
    (it fired at a tick already, or this event is of an earlier sleep)."""
    if m.tasks[pid].wake_gen != gen:
        return -1
    return next((c for c, pc in enumerate(m.pcpu) if pid in pc.hrtimer_sleepers), -1)


def _hrtimer_wakeup(m: Machine, cpu: int, pid: int) -> None:
    """hrtimer_wakeup(): in the hrtimer interrupt of `cpu` (hardirq context,
    entered by the caller), trace the callback and wake the sleeper."""
    m.pcpu[cpu].hrtimer_sleepers.remove(pid)
    m.emit(EV_HRTIMER_EXPIRE_ENTRY, cpu, m.rqs[cpu].curr, pid, symbol("hrtimer_wakeup"))
    try_to_wake_up(m, pid, cpu)


def _hard_expiry(m: Machine, pid: int, gen: int) -> bool:
    """The clock event device fires at the hard expiry: hrtimer_interrupt()."""
    cpu = _timer_cpu(m, pid, gen)
    if cpu < 0:
        return False
    context_enter(m.pcpu[cpu], CTX_HARDIRQ)  # irq_enter()
    _hrtimer_wakeup(m, cpu, pid)
    m.push(m.now, PRIO_CONT, K_IRQ_EXIT, cpu, CTX_HARDIRQ)
    return True


def hrtimer_run_sleepers(m: Machine, cpu: int) -> None:
    """__hrtimer_run_queues() after the tick's callback: every sleeper of
    `cpu` whose soft expiry has come fires in this interrupt, in
    hard-expiry order (ties: the order they were armed), one event each,
    queued before the tick's irq_exit."""
    tasks = m.tasks
    due = [pid for pid in m.pcpu[cpu].hrtimer_sleepers if tasks[pid].hrtimer_softexpires <= m.now]
    due.sort(key=lambda pid: tasks[pid].hrtimer_expires)  # stable: ties in arm order
    for pid in due:
        m.push(m.now, PRIO_NESTED, K_HRTIMER_SOFT, pid, cpu)


def _soft_expiry(m: Machine, pid: int, cpu: int) -> bool:
    """One sleeper run by the tick's hrtimer interrupt (already in hardirq)."""
    if pid not in m.pcpu[cpu].hrtimer_sleepers:
        return False
    _hrtimer_wakeup(m, cpu, pid)
    return True


K_HRTIMER = register_kind("hrtimer", _hard_expiry)
K_HRTIMER_SOFT = register_kind("hrtimer_soft", _soft_expiry)
