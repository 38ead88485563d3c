"""The O(1) scheduler. Models kernel/sched.c of Linux 2.6.22.

Ingo Molnar's scheduler (2.5.2, January 2002; interactivity tuning by Con
Kolivas, 2.6.0), the one CFS replaced in 2.6.23. A scenario with ``kernel =
"2.6.0"`` .. ``"2.6.22"`` runs it: `o1_sched_class` is then the class of
every task (classes.py: ``task_sched_class()``), SCHED_FIFO and SCHED_RR
included, as 2.6.22 had no scheduling classes at all.

What it models, in the kernel's own names:

* per CPU two ``struct prio_array`` of MAX_PRIO (140) FIFO lists with a
  bitmap: ``rq->active`` and ``rq->expired`` (`O1Rq` in sched.py). The
  running task stays on its list; schedule() runs the head of the lowest
  set bit of the active array, and swaps the arrays when active is empty;
* static timeslices by nice, ``static_prio_timeslice()``: 800 ms at nice
  -20, 100 ms at nice 0, 5 ms at nice 19 (HZ=1000), counted down in
  jiffies by the tick (``task_running_tick()``);
* the interactivity estimator: ``sleep_avg`` grows with sleep
  (``recalc_task_prio()``) and shrinks with run time (schedule()), and
  ``effective_prio()`` gives a dynamic prio of static_prio - (CURRENT_BONUS
  - 5), so -5 .. +5 around the nice level;
* a task whose slice runs out goes to the expired array, unless it is
  TASK_INTERACTIVE() and the expired tasks are not starving
  (``expired_starving()``: STARVATION_LIMIT * nr_running jiffies since the
  first expiry, or a better static_prio already expired); interactive tasks
  round-robin every TIMESLICE_GRANULARITY within the active array;
* SCHED_FIFO/SCHED_RR in the same arrays at prio 0..99, FIFO never sliced,
  RR sliced by task_timeslice() and requeued on the active array;
  SCHED_BATCH tasks never earn sleep_avg and start in the expired array;
* sched_fork() halving the parent's slice, wake_up_new_task()'s
  CHILD_PENALTY, sys_sched_yield() to the expired array (RT: the tail of
  its list), set_user_nice(), sched_setscheduler() and
  sys_sched_rr_get_interval().

Times are the kernel's: ``time_slice`` in jiffies, ``sleep_avg`` and
``timestamp`` in ns of sched_clock() (the model's clock). The HZ-dependent
macros take ``hz`` (CONFIG_HZ; 1000 when omitted, the value for which the
comments in sched.c give their millisecond figures).

Left out: SMP load balancing (``load_balance()``, ``move_tasks()``,
active balancing, ``sched_balance_self()`` beyond picking the least loaded
CPU at fork), wake_affine and wake_idle (a task wakes on its CPU), the
``most_recent_timestamp`` correction (all CPUs share one clock),
sched_exit()'s return of an exiting child's slice (scenario tasks are
children of the idle task), PI boosting, sched_info/schedstats other than
the array switch count, and the rq lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.preempt import in_interrupt
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.include.linux.sched.prio import (
    MAX_PRIO,
    MAX_RT_PRIO,
    PRIO_TO_NICE,
    SCHED_BATCH,
    SCHED_FIFO,
    SCHED_NORMAL,
    SCHED_RR,
    rt_policy,
    rt_prio,
)
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_SLEEP,
    ENQUEUE_INITIAL,
    ENQUEUE_RESTORE,
    ENQUEUE_WAKEUP,
    WF_FORK,
    O1Rq,
    Rq,
    SchedClass,
)
from ktui.sim.state import mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import SchedO1Entity
    from ktui.sim.machine import Machine

# -- the tuning knobs of kernel/sched.c (2.6.22) ------------------------------
HZ: Final = 1000
"""The CONFIG_HZ the helpers assume when not given one."""
NSEC_PER_SEC: Final = 1_000_000_000
MAX_USER_PRIO: Final = MAX_PRIO - MAX_RT_PRIO
"""USER_PRIO(MAX_PRIO): 40 nice levels."""
ON_RUNQUEUE_WEIGHT: Final = 30
CHILD_PENALTY: Final = 95
PARENT_PENALTY: Final = 100
EXIT_WEIGHT: Final = 3
PRIO_BONUS_RATIO: Final = 25
MAX_BONUS: Final = MAX_USER_PRIO * PRIO_BONUS_RATIO // 100
"""10: sleep_avg maps onto a bonus of 0 .. 10 (so -5 .. +5 prio)."""
INTERACTIVE_DELTA: Final = 2

# enum sleep_type (include/linux/sched.h, 2.6.22)
SLEEP_NORMAL: Final = 0
SLEEP_NONINTERACTIVE: Final = 1
SLEEP_INTERACTIVE: Final = 2
SLEEP_INTERRUPTED: Final = 3

_UNINTERRUPTIBLE: Final = int(TaskState.TASK_UNINTERRUPTIBLE)


def JIFFIES_TO_NS(time: int, hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """JIFFIES_TO_NS(): ``time * (1000000000 / HZ)``."""
    return time * (NSEC_PER_SEC // hz)


def NS_TO_JIFFIES(time: int, hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """NS_TO_JIFFIES(): ``time / (1000000000 / HZ)``."""
    return time // (NSEC_PER_SEC // hz)


def MIN_TIMESLICE(hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """MIN_TIMESLICE: ``max(5 * HZ / 1000, 1)`` jiffies (5 ms, or one jiffy)."""
    return max(5 * hz // 1000, 1)


def DEF_TIMESLICE(hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """DEF_TIMESLICE: ``100 * HZ / 1000`` jiffies (100 ms)."""
    return 100 * hz // 1000


def MAX_SLEEP_AVG(hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """MAX_SLEEP_AVG: ``DEF_TIMESLICE * MAX_BONUS`` jiffies (1 s)."""
    return DEF_TIMESLICE(hz) * MAX_BONUS


def STARVATION_LIMIT(hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """STARVATION_LIMIT: MAX_SLEEP_AVG jiffies."""
    return MAX_SLEEP_AVG(hz)


def NS_MAX_SLEEP_AVG(hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """NS_MAX_SLEEP_AVG: JIFFIES_TO_NS(MAX_SLEEP_AVG), the ceiling of sleep_avg."""
    return JIFFIES_TO_NS(MAX_SLEEP_AVG(hz), hz)


def GRANULARITY(hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """GRANULARITY: ``10 * HZ / 1000 ?: 1`` jiffies (10 ms)."""
    return 10 * hz // 1000 or 1


def _cdiv(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _o1(p: TaskStruct) -> SchedO1Entity:
    o1 = p.o1
    if o1 is None:
        raise ValueError(f"pid {p.pid} has no O(1) state (not a 2.6.0 .. 2.6.22 task)")
    return o1


# -- the priority and timeslice macros ---------------------------------------
def CURRENT_BONUS(p: TaskStruct, hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """CURRENT_BONUS(p): ``NS_TO_JIFFIES(p->sleep_avg) * MAX_BONUS / MAX_SLEEP_AVG``, 0..10."""
    return NS_TO_JIFFIES(_o1(p).sleep_avg, hz) * MAX_BONUS // MAX_SLEEP_AVG(hz)


def TIMESLICE_GRANULARITY(p: TaskStruct, hz: int = HZ, ncpus: int = 1) -> int:  # noqa: N802
    """TIMESLICE_GRANULARITY(p): ``GRANULARITY * (1 << (((MAX_BONUS -
    CURRENT_BONUS(p)) ?: 1) - 1))``, times num_online_cpus() on SMP: the
    more interactive, the finer the round-robin of equal priorities."""
    shift = (MAX_BONUS - CURRENT_BONUS(p, hz)) or 1
    return GRANULARITY(hz) * (1 << (shift - 1)) * ncpus


def SCALE(v1: int, v1_max: int, v2_max: int) -> int:  # noqa: N802 - kernel macro name
    """SCALE(v1, v1_max, v2_max): ``(v1) * (v2_max) / (v1_max)``."""
    return _cdiv(v1 * v2_max, v1_max)


def DELTA(p: TaskStruct) -> int:  # noqa: N802 - kernel macro name
    """DELTA(p): how far below static_prio a task must be to be interactive.

    ``SCALE(TASK_NICE(p) + 20, 40, MAX_BONUS) - 20 * MAX_BONUS / 40 +
    INTERACTIVE_DELTA``: -3 at nice -20, 2 at nice 0, 6 at nice 19.
    """
    nice = PRIO_TO_NICE(p.static_prio)
    return SCALE(nice + 20, 40, MAX_BONUS) - 20 * MAX_BONUS // 40 + INTERACTIVE_DELTA


def TASK_INTERACTIVE(p: TaskStruct) -> bool:  # noqa: N802 - kernel macro name
    """TASK_INTERACTIVE(p): ``p->prio <= p->static_prio - DELTA(p)``.

    A nice 0 task needs a bonus of 7 (prio 118); a nice 19 one never is.
    """
    return p.prio <= p.static_prio - DELTA(p)


def INTERACTIVE_SLEEP(p: TaskStruct, hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """INTERACTIVE_SLEEP(p): the sleep_avg at which p just becomes
    TASK_INTERACTIVE, ns: ``JIFFIES_TO_NS(MAX_SLEEP_AVG * (MAX_BONUS / 2 +
    DELTA(p) + 1) / MAX_BONUS - 1)`` (799 ms at nice 0, HZ=1000)."""
    jiffies = _cdiv(MAX_SLEEP_AVG(hz) * (MAX_BONUS // 2 + DELTA(p) + 1), MAX_BONUS) - 1
    return JIFFIES_TO_NS(jiffies, hz)


def SCALE_PRIO(x: int, prio: int, hz: int = HZ) -> int:  # noqa: N802 - kernel macro name
    """SCALE_PRIO(x, prio): ``max(x * (MAX_PRIO - prio) / (MAX_USER_PRIO / 2), MIN_TIMESLICE)``."""
    return max(x * (MAX_PRIO - prio) // (MAX_USER_PRIO // 2), MIN_TIMESLICE(hz))


def static_prio_timeslice(static_prio: int, hz: int = HZ) -> int:
    """static_prio_timeslice(): the timeslice of a nice level, jiffies.

    Above nice 0 (static_prio < 120) four times DEF_TIMESLICE is scaled, so
    nice -20 gets 400 * 40 / 20 = 800 ms; from nice 0 DEF_TIMESLICE is, so
    nice 0 gets 100 * 20 / 20 = 100 ms and nice 19 100 * 1 / 20 = 5 ms.
    """
    if static_prio < 120:  # NICE_TO_PRIO(0)
        return SCALE_PRIO(DEF_TIMESLICE(hz) * 4, static_prio, hz)
    return SCALE_PRIO(DEF_TIMESLICE(hz), static_prio, hz)


def task_timeslice(p: TaskStruct, hz: int = HZ) -> int:
    """task_timeslice(): ``static_prio_timeslice(p->static_prio)``, jiffies."""
    return static_prio_timeslice(p.static_prio, hz)


def __normal_prio(p: TaskStruct, hz: int = HZ) -> int:
    """__normal_prio() (2.6.22): static_prio minus the bonus, in 100..139.

    ``bonus = CURRENT_BONUS(p) - MAX_BONUS / 2`` ranges -5 .. +5.
    """
    bonus = CURRENT_BONUS(p, hz) - MAX_BONUS // 2
    prio = p.static_prio - bonus
    if prio < MAX_RT_PRIO:
        prio = MAX_RT_PRIO
    if prio > MAX_PRIO - 1:
        prio = MAX_PRIO - 1
    return prio


def normal_prio(p: TaskStruct, hz: int = HZ) -> int:
    """normal_prio() (2.6.22): ``MAX_RT_PRIO-1 - rt_priority`` for RT, else `__normal_prio`."""
    if rt_policy(p.policy):  # has_rt_policy()
        return MAX_RT_PRIO - 1 - p.rt_priority
    return __normal_prio(p, hz)


def effective_prio(p: TaskStruct, hz: int = HZ) -> int:
    """effective_prio() (2.6.22): sets ``p.normal_prio``; returns the prio to use.

    The dynamic priority ``static_prio - (CURRENT_BONUS(p) - 5)``, clamped
    to MAX_RT_PRIO .. MAX_PRIO-1; a task at an RT prio keeps it.
    """
    p.normal_prio = normal_prio(p, hz)
    if not rt_prio(p.prio):
        return p.normal_prio
    return p.prio


def recalc_task_prio(p: TaskStruct, now: int, hz: int = HZ) -> int:
    """recalc_task_prio(): credit the sleep since ``p->timestamp`` to
    sleep_avg, then effective_prio().

    A sleep longer than INTERACTIVE_SLEEP(p) only lifts sleep_avg to that
    ceiling (and marks the sleep non-interactive), so one long sleep does
    not make a task maximally interactive; a sleep in TASK_UNINTERRUPTIBLE
    (SLEEP_NONINTERACTIVE) is capped at the ceiling; SCHED_BATCH earns
    nothing. Every scenario task is a user task (``p->mm`` set).
    """
    o1 = _o1(p)
    sleep_time = now - o1.timestamp
    if p.policy == SCHED_BATCH:  # batch_task()
        sleep_time = 0
    if sleep_time > 0:
        ceiling = INTERACTIVE_SLEEP(p, hz)
        if sleep_time > ceiling and o1.sleep_avg < ceiling:
            o1.sleep_avg = ceiling
            o1.sleep_type = SLEEP_NONINTERACTIVE
        else:
            if o1.sleep_type == SLEEP_NONINTERACTIVE:
                if o1.sleep_avg >= ceiling:
                    sleep_time = 0
                elif o1.sleep_avg + sleep_time >= ceiling:
                    o1.sleep_avg = ceiling
                    sleep_time = 0
            o1.sleep_avg += sleep_time
        limit = NS_MAX_SLEEP_AVG(hz)
        if o1.sleep_avg > limit:
            o1.sleep_avg = limit
    return effective_prio(p, hz)


# -- the prio arrays ----------------------------------------------------------
def _rq_o1(rq: Rq) -> O1Rq:
    o1 = rq.o1
    if o1 is None:
        raise ValueError(f"CPU {rq.cpu} has no O(1) run queue")
    return o1


def sched_find_first_bit(bitmap: int) -> int:
    """sched_find_first_bit(): the lowest set bit (MAX_PRIO if none)."""
    if not bitmap:
        return MAX_PRIO
    return (bitmap & -bitmap).bit_length() - 1


def enqueue_task(p: TaskStruct, o1rq: O1Rq, array: int) -> None:
    """enqueue_task(): p to the tail of its prio's list in `array` (0 or 1)."""
    o1 = _o1(p)
    a = o1rq.arrays[array]
    a.queue[p.prio].append(p.pid)
    a.bitmap |= 1 << p.prio
    a.nr_active += 1
    o1.array = array
    o1.qprio = p.prio


def dequeue_task(p: TaskStruct, o1rq: O1Rq) -> None:
    """dequeue_task(): p off its array; clear the bit of an emptied list."""
    o1 = _o1(p)
    a = o1rq.arrays[o1.array]
    a.nr_active -= 1
    q = a.queue[o1.qprio]
    q.remove(p.pid)
    if not q:
        a.bitmap &= ~(1 << o1.qprio)


def requeue_task(p: TaskStruct, o1rq: O1Rq) -> None:
    """requeue_task(): p to the tail of its list (list_move_tail())."""
    o1 = _o1(p)
    q = o1rq.arrays[o1.array].queue[o1.qprio]
    q.remove(p.pid)
    q.append(p.pid)


def init_o1_rq(m: Machine, rq: Rq) -> None:
    """sched_init() (2.6.22): both arrays empty, rq->active = arrays[0],
    best_expired_prio MAX_PRIO."""
    rq.o1 = O1Rq()


def expired_starving(m: Machine, rq: Rq) -> bool:
    """expired_starving() (the EXPIRED_STARVING() macro before 2.6.17).

    True if a better static_prio than curr's has already expired, or if
    the first task expired more than STARVATION_LIMIT * nr_running jiffies
    ago: then no task is put back on the active array, and the swap comes.
    """
    o1rq = _rq_o1(rq)
    curr = m.tasks[rq.curr]
    if curr.static_prio > o1rq.best_expired_prio:
        return True
    limit = STARVATION_LIMIT(m.hz)
    if not limit or not o1rq.expired_timestamp:
        return False
    return m.jiffies - o1rq.expired_timestamp > limit * rq.nr_running


EXPIRED_STARVING: Final = expired_starving
"""The macro's name (2.6.0 .. 2.6.16) for `expired_starving`."""


def __activate_task(m: Machine, p: TaskStruct, rq: Rq) -> None:
    """__activate_task(): enqueue on the active array (batch: expired), inc_nr_running()."""
    o1rq = _rq_o1(rq)
    target = o1rq.active
    if p.policy == SCHED_BATCH:  # batch_task()
        target ^= 1
    enqueue_task(p, o1rq, target)
    rq.nr_running += 1


def activate_task(m: Machine, p: TaskStruct, rq: Rq) -> None:
    """activate_task(): a woken task's sleep is credited, then __activate_task().

    A first-time wakeup (SLEEP_NORMAL) is marked SLEEP_INTERRUPTED when
    woken from interrupt context (the whole run-queue wait then counts as
    sleep at the next schedule()) and SLEEP_INTERACTIVE otherwise (30% of
    it). The waker's context is read on the target CPU, where the model's
    timer wakeups run.
    """
    if not rt_prio(p.prio):  # rt_task()
        o1 = _o1(p)
        now = m.now
        p.prio = recalc_task_prio(p, now, m.hz)
        if o1.sleep_type == SLEEP_NORMAL:
            if in_interrupt(m.pcpu[rq.cpu].preempt_count):
                o1.sleep_type = SLEEP_INTERRUPTED
            else:
                o1.sleep_type = SLEEP_INTERACTIVE
        o1.timestamp = now
    __activate_task(m, p, rq)


def deactivate_task(m: Machine, p: TaskStruct, rq: Rq) -> None:
    """deactivate_task(): dec_nr_running() and off its array."""
    rq.nr_running -= 1
    dequeue_task(p, _rq_o1(rq))
    _o1(p).array = -1


def _charge(m: Machine, p: TaskStruct, now: int) -> None:
    """update_cpu_clock(): bank the ns run since the last tick or switch."""
    se = p.se
    se.sum_exec_runtime += now - se.exec_start
    se.exec_start = now


def task_running_tick(m: Machine, rq: Rq, p: TaskStruct) -> None:
    """task_running_tick(): one jiffy off the running task's timeslice.

    RR tasks get a new task_timeslice() and go to the tail of their list
    when it runs out; FIFO tasks have no timeslice. A normal task whose
    slice runs out gets its new dynamic prio and a new slice, and goes to
    the expired array unless it is TASK_INTERACTIVE() and the expired tasks
    are not starving. Within its slice an interactive task is requeued
    every TIMESLICE_GRANULARITY(p) jiffies, round-robin among its equals.
    """
    o1rq = _rq_o1(rq)
    o1 = _o1(p)
    if o1.array != o1rq.active:
        rq.need_resched = True  # expired but not scheduled yet
        return
    hz = m.hz
    if rt_prio(p.prio):  # rt_task()
        if p.policy == SCHED_RR:
            o1.time_slice -= 1
            if not o1.time_slice:
                o1.time_slice = task_timeslice(p, hz)
                o1.first_time_slice = 0
                rq.need_resched = True
                requeue_task(p, o1rq)
        return
    o1.time_slice -= 1
    if not o1.time_slice:
        dequeue_task(p, o1rq)
        rq.need_resched = True
        p.prio = effective_prio(p, hz)
        o1.time_slice = task_timeslice(p, hz)
        o1.first_time_slice = 0
        if not o1rq.expired_timestamp:
            o1rq.expired_timestamp = m.jiffies
        if not TASK_INTERACTIVE(p) or expired_starving(m, rq):
            enqueue_task(p, o1rq, o1rq.active ^ 1)
            if p.static_prio < o1rq.best_expired_prio:
                o1rq.best_expired_prio = p.static_prio
        else:
            enqueue_task(p, o1rq, o1rq.active)
        return
    gran = TIMESLICE_GRANULARITY(p, hz, m.ncpus)
    if (
        TASK_INTERACTIVE(p)
        and not (task_timeslice(p, hz) - o1.time_slice) % gran
        and o1.time_slice >= gran
    ):
        requeue_task(p, o1rq)
        rq.need_resched = True


def schedule_pick(m: Machine, rq: Rq, prev: TaskStruct | None) -> TaskStruct | None:
    """The O(1) part of schedule() (2.6.22): charge prev, swap, pick, recalc.

    prev (if not the idle task) loses the time it ran since its timestamp
    from sleep_avg, divided by CURRENT_BONUS (at most NS_MAX_SLEEP_AVG), so
    a very interactive task loses its status slowly. With nothing runnable
    the idle task runs and expired_timestamp is reset. An empty active
    array is swapped with the expired one. The pick is the head of the
    lowest set bit; if it was woken (SLEEP_INTERACTIVE / SLEEP_INTERRUPTED)
    its wait on the run queue is credited as sleep (SLEEP_INTERACTIVE only
    ON_RUNQUEUE_WEIGHT = 30% of it) and its prio recalculated.

    Returns:
        The next task, None for the idle task.
    """
    now = m.now
    hz = m.hz
    o1rq = _rq_o1(rq)
    run_time = 0
    if prev is not None:
        limit = NS_MAX_SLEEP_AVG(hz)
        run_time = now - _o1(prev).timestamp
        if run_time >= limit:
            run_time = limit
        elif run_time < 0:
            run_time = 0
        run_time //= CURRENT_BONUS(prev, hz) or 1
    nxt: TaskStruct | None = None
    if not rq.nr_running:
        o1rq.expired_timestamp = 0
    else:
        array = o1rq.arrays[o1rq.active]
        if not array.nr_active:
            # Switch the active and expired arrays.
            o1rq.nr_array_switches += 1
            o1rq.active ^= 1
            array = o1rq.arrays[o1rq.active]
            o1rq.expired_timestamp = 0
            o1rq.best_expired_prio = MAX_PRIO
        idx = sched_find_first_bit(array.bitmap)
        nxt = m.tasks[array.queue[idx][0]]
        no1 = _o1(nxt)
        if not rt_prio(nxt.prio) and no1.sleep_type in (SLEEP_INTERACTIVE, SLEEP_INTERRUPTED):
            delta = now - no1.timestamp
            if delta < 0:
                delta = 0
            if no1.sleep_type == SLEEP_INTERACTIVE:
                delta = delta * (ON_RUNQUEUE_WEIGHT * 128 // 100) // 128
            new_prio = recalc_task_prio(nxt, no1.timestamp + delta, hz)
            if nxt.prio != new_prio:
                arr = no1.array
                dequeue_task(nxt, o1rq)
                nxt.prio = new_prio
                enqueue_task(nxt, o1rq, arr)
        no1.sleep_type = SLEEP_NORMAL
    if prev is not None:
        po1 = _o1(prev)
        _charge(m, prev, now)
        po1.sleep_avg -= run_time
        if po1.sleep_avg <= 0:
            po1.sleep_avg = 0
        po1.timestamp = now
    if nxt is not None and nxt is not prev:
        _o1(nxt).timestamp = now
        nxt.se.exec_start = now
    return nxt


def sched_fork(m: Machine, p: TaskStruct, parent: TaskStruct | None) -> None:
    """sched_fork() (2.6.22): the child's first timeslice and timestamp.

    The parent's remaining slice is shared: the child gets half (rounded
    up), the parent keeps half, so forking creates no CPU time; a parent
    left with nothing gets one jiffy and the tick's expiry path. The
    scenario's tasks are children of the idle task, whose own slice is not
    modelled (it never ticks): ``parent=None`` gives them a full
    task_timeslice(). ``first_time_slice`` marks the inherited slice.
    """
    o1 = _o1(p)
    o1.array = -1
    o1.timestamp = m.now
    o1.first_time_slice = 1
    o1.sleep_type = SLEEP_NORMAL
    if parent is None:
        o1.time_slice = task_timeslice(p, m.hz)
        return
    po1 = _o1(parent)
    p.prio = parent.normal_prio  # no PI boost leaks to the child
    o1.sleep_avg = po1.sleep_avg  # dup_task_struct() copied it
    o1.time_slice = (po1.time_slice + 1) >> 1
    po1.time_slice >>= 1
    # wake_up_new_task()'s PARENT_PENALTY, done here where the parent is known
    hz = m.hz
    po1.sleep_avg = JIFFIES_TO_NS(
        CURRENT_BONUS(parent, hz) * PARENT_PENALTY // 100 * MAX_SLEEP_AVG(hz) // MAX_BONUS, hz
    )
    if not po1.time_slice:
        po1.time_slice = 1
        rq = m.rqs[parent.cpu]
        if rq.curr == parent.pid:
            task_running_tick(m, rq, parent)


def wake_up_new_task(m: Machine, p: TaskStruct, rq: Rq) -> None:
    """wake_up_new_task() (2.6.22): CHILD_PENALTY on sleep_avg, effective_prio(),
    __activate_task().

    The child keeps CHILD_PENALTY (95%) of its bonus, rounded down to a
    bonus step. The parent is the idle task (no array), so the child is
    activated normally; the core then checks TASK_PREEMPTS_CURR.
    """
    o1 = _o1(p)
    hz = m.hz
    o1.sleep_avg = JIFFIES_TO_NS(
        CURRENT_BONUS(p, hz) * CHILD_PENALTY // 100 * MAX_SLEEP_AVG(hz) // MAX_BONUS, hz
    )
    p.prio = effective_prio(p, hz)
    __activate_task(m, p, rq)


# -- the class ----------------------------------------------------------------
def enqueue_task_o1(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """activate_task() for a wakeup, wake_up_new_task() for a fork, else
    __activate_task() (sched_setscheduler() puts a task back so).

    After a policy change (ENQUEUE_RESTORE) the prio is __setscheduler()'s:
    normal_prio(), and a new SCHED_BATCH task's sleep_avg is zeroed
    ("treated as perpetual CPU hogs").
    """
    if flags & ENQUEUE_WAKEUP:
        activate_task(m, task, rq)
    elif flags & ENQUEUE_INITIAL:
        wake_up_new_task(m, task, rq)
    else:
        if flags & ENQUEUE_RESTORE:
            if task.policy == SCHED_BATCH:
                _o1(task).sleep_avg = 0
            task.normal_prio = normal_prio(task, m.hz)
            task.prio = task.normal_prio
        __activate_task(m, task, rq)


def dequeue_task_o1(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """deactivate_task(); a task going to sleep in TASK_UNINTERRUPTIBLE is
    marked SLEEP_NONINTERACTIVE.

    The kernel marks it in try_to_wake_up() from the old state; here the
    wakeup has already made the task TASK_RUNNING when the class sees it,
    and nothing reads sleep_type in between, so it is marked on the way to
    sleep.
    """
    if flags & DEQUEUE_SLEEP and task.state & _UNINTERRUPTIBLE:
        _o1(task).sleep_type = SLEEP_NONINTERACTIVE
    deactivate_task(m, task, rq)
    return True


def yield_task_o1(m: Machine, rq: Rq) -> None:
    """sys_sched_yield() (2.6.22): curr moves to the expired array (an RT
    task to the tail of its list in the active one); schedule() follows."""
    if not rq.curr:
        return
    p = m.tasks[rq.curr]
    o1rq = _rq_o1(rq)
    o1 = _o1(p)
    target = o1rq.active if rt_prio(p.prio) else o1rq.active ^ 1
    if o1.array != target:
        dequeue_task(p, o1rq)
        enqueue_task(p, o1rq, target)
    else:
        requeue_task(p, o1rq)


def wakeup_preempt_o1(m: Machine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
    """TASK_PREEMPTS_CURR(p, rq): ``p->prio < rq->curr->prio`` -> resched_task()."""
    if rq.curr and task.prio < m.tasks[rq.curr].prio:
        rq.need_resched = True


def task_tick_o1(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """scheduler_tick(): update_cpu_clock(), then task_running_tick()."""
    _charge(m, task, m.now)
    task_running_tick(m, rq, task)


def select_task_rq_o1(m: Machine, task: TaskStruct, wake_flags: int) -> int:
    """The CPU for a fork (sched_balance_self(SD_BALANCE_FORK): the least
    loaded allowed CPU, lowest id first) or a wakeup (its own CPU; no
    wake_affine)."""
    allowed = task.cpus_mask
    if wake_flags & WF_FORK:
        return min(allowed, key=lambda c: (m.rqs[c].nr_running, c))
    return task.cpu if task.cpu in allowed else allowed[0]


def prio_changed_o1(m: Machine, rq: Rq, task: TaskStruct, old_prio: int) -> None:
    """set_user_nice() (2.6.22) after the new static_prio: the dynamic prio
    is effective_prio() again and a queued task moves to its new list in
    the same array; reschedule if a waiting task's prio rose or the
    running one's fell."""
    o1rq = _rq_o1(rq)
    o1 = _o1(task)
    new_prio = effective_prio(task, m.hz)
    if o1.array >= 0 and o1.qprio != new_prio:
        array = o1.array
        dequeue_task(task, o1rq)
        task.prio = new_prio
        enqueue_task(task, o1rq, array)
    task.prio = new_prio
    if o1.array < 0:
        return
    delta = new_prio - old_prio
    if delta < 0 or (delta > 0 and rq.curr == task.pid):
        rq.need_resched = True


def update_curr_o1(m: Machine, rq: Rq) -> None:
    """update_cpu_clock() of rq->curr (the CPU time it ran so far)."""
    if rq.curr:
        _charge(m, m.tasks[rq.curr], m.now)


@mypyc_attr(native_class=False)
class O1SchedClass(SchedClass):
    """The O(1) scheduler of 2.6.22 as the one class of a 2.6.x machine.

    2.6.22 had no ``struct sched_class`` (CFS brought it): this table routes
    the model's core (``__schedule()``, ``try_to_wake_up()``, the tick) into
    kernel/sched.c's functions for every task, RT ones included.
    """

    __slots__ = ()
    name = "o1"
    policies = (SCHED_NORMAL, SCHED_FIFO, SCHED_RR, SCHED_BATCH)
    has_pick_next_task = True

    enqueue_task = staticmethod(enqueue_task_o1)
    dequeue_task = staticmethod(dequeue_task_o1)
    yield_task = staticmethod(yield_task_o1)
    wakeup_preempt = staticmethod(wakeup_preempt_o1)
    select_task_rq = staticmethod(select_task_rq_o1)
    task_tick = staticmethod(task_tick_o1)
    prio_changed = staticmethod(prio_changed_o1)
    update_curr = staticmethod(update_curr_o1)

    def pick_next_task(
        self, m: Machine, rq: Rq, prev: TaskStruct | None
    ) -> TaskStruct | None:
        """schedule()'s pick (`schedule_pick`); the running task stays on its list."""
        return schedule_pick(m, rq, prev)

    def pick_task(self, m: Machine, rq: Rq) -> TaskStruct | None:
        """The head of the best list of the active array (no side effects)."""
        o1rq = _rq_o1(rq)
        for array in (o1rq.arrays[o1rq.active], o1rq.arrays[o1rq.active ^ 1]):
            if array.nr_active:
                return m.tasks[array.queue[sched_find_first_bit(array.bitmap)][0]]
        return None

    def task_fork(self, m: Machine, task: TaskStruct) -> None:
        """Nothing: 2.6.22 set the child up in sched_fork(), from
        copy_process() (fork.py calls `sched_fork`). A child that did not
        get there (no timeslice yet) is set up as a child of the idle task."""
        if not _o1(task).time_slice:
            sched_fork(m, task, None)

    def get_rr_interval(self, m: Machine, rq: Rq, task: TaskStruct) -> int:
        """sys_sched_rr_get_interval() (2.6.22): 0 for FIFO, else
        task_timeslice() (for SCHED_NORMAL too), as jiffies_to_timespec()."""
        if task.policy == SCHED_FIFO:
            return 0
        return task_timeslice(task, m.hz) * m.tick_nsec


o1_sched_class: SchedClass = O1SchedClass()
"""The O(1) scheduler's class table (2.6.0 .. 2.6.22)."""



# -- views --------------------------------------------------------------------
SLEEP_TYPE_NAMES: Final = ("normal", "noninteractive", "interactive", "interrupted")


@dataclass(frozen=True, slots=True, eq=False)
class O1TaskView:
    """A task's O(1) state, as a kernel engineer of 2007 would printk it."""

    time_slice: int
    """Jiffies left of its timeslice."""
    time_slice_ns: int
    sleep_avg_ns: int
    bonus: int
    """CURRENT_BONUS(p): 0..MAX_BONUS."""
    interactive: bool
    """TASK_INTERACTIVE(p)."""
    array: str
    """``active``, ``expired`` or ``""`` (on no array)."""
    sleep_type: str
    first_time_slice: bool


@dataclass(frozen=True, slots=True, eq=False)
class O1RqView:
    """One CPU's prio_arrays: each non-empty list as (prio, pids), head first."""

    active: tuple[tuple[int, tuple[int, ...]], ...]
    expired: tuple[tuple[int, tuple[int, ...]], ...]
    nr_active: int
    """rq->active->nr_active."""
    nr_expired: int
    """rq->expired->nr_active."""
    expired_timestamp: int
    best_expired_prio: int
    nr_array_switches: int


def o1_task_view(m: Machine, p: TaskStruct) -> O1TaskView | None:
    """`O1TaskView` of p (None on a machine without the O(1) scheduler)."""
    o1 = p.o1
    if o1 is None:
        return None
    rq = m.rqs[p.cpu]
    array = ""
    if o1.array >= 0 and rq.o1 is not None:
        array = "active" if o1.array == rq.o1.active else "expired"
    return O1TaskView(
        o1.time_slice,
        o1.time_slice * m.tick_nsec,
        o1.sleep_avg,
        CURRENT_BONUS(p, m.hz),
        TASK_INTERACTIVE(p),
        array,
        SLEEP_TYPE_NAMES[o1.sleep_type],
        bool(o1.first_time_slice),
    )


def o1_rq_view(rq: Rq) -> O1RqView | None:
    """`O1RqView` of rq (None on a machine without the O(1) scheduler)."""
    o1rq = rq.o1
    if o1rq is None:
        return None
    active, expired = o1rq.arrays[o1rq.active], o1rq.arrays[o1rq.active ^ 1]
    return O1RqView(
        tuple((prio, tuple(q)) for prio, q in enumerate(active.queue) if q),
        tuple((prio, tuple(q)) for prio, q in enumerate(expired.queue) if q),
        active.nr_active,
        expired.nr_active,
        o1rq.expired_timestamp,
        o1rq.best_expired_prio,
        o1rq.nr_array_switches,
    )


def o1_task_report(v: O1TaskView) -> dict[str, object]:
    """The ``o1`` object of a task in the JSON report."""
    return {
        "time_slice": v.time_slice,
        "time_slice_ns": v.time_slice_ns,
        "sleep_avg_ns": v.sleep_avg_ns,
        "bonus": v.bonus,
        "interactive": v.interactive,
        "array": v.array or None,
        "sleep_type": v.sleep_type,
        "first_time_slice": v.first_time_slice,
    }


def o1_rq_report(v: O1RqView) -> dict[str, object]:
    """The ``o1`` object of a run queue in the JSON report: both arrays in pick order."""
    return {
        "active": [{"pid": pid, "prio": prio} for prio, pids in v.active for pid in pids],
        "expired": [{"pid": pid, "prio": prio} for prio, pids in v.expired for pid in pids],
        "nr_active": v.nr_active,
        "nr_expired": v.nr_expired,
        "expired_timestamp": v.expired_timestamp,
        "best_expired_prio": v.best_expired_prio,
        "nr_array_switches": v.nr_array_switches,
    }
