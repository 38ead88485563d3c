"""The RT class. Models kernel/sched/rt.c (``DEFINE_SCHED_CLASS(rt)``) of 6.18,
and its RT bandwidth (throttling) path as it was before 6.12.

SCHED_FIFO and SCHED_RR tasks, prio 0..98 (``MAX_RT_PRIO - 1 -
rt_priority``), on 100 FIFO lists with a bitmap (``struct rt_prio_array``):
the running task stays at the head of its list, the pick is the head of the
lowest set bit (sched_find_first_bit()). A FIFO task runs until it blocks,
yields or a better one wakes; an RR task is moved to the tail of its list
when its ``time_slice`` (jiffies, RR_TIMESLICE = 100 ms) runs out and
another task is on that list. ``rq->nr_running`` counts the rt_rq's tasks as
one block, added and removed by enqueue_top_rt_rq()/dequeue_top_rt_rq()
(``rt_queued``), which is how a throttled rt_rq vanishes from its CPU.

SMP: ``rq->rt.pushable_tasks`` (a plist by prio, `RtRq.pushable`) holds the
queued tasks that may run elsewhere; a non-empty one marks the rt_rq
``overloaded`` (the rd's rto_mask, 6.7+). A woken task goes to the lowest
CPU (select_task_rq_rt(), find_lowest_rq() over a cpupri computed from each
rq's ``highest_prio.curr``). After a switch to an RT task, the balance
callback push_rt_tasks() moves pushable tasks to CPUs running something
lower (a pending `K_RT_PUSH`, run right after the switch as
__balance_callbacks() does). A CPU whose priority drops pulls
(balance_rt(), rt_queue_pull_task()) the way x86 does it, RT_PUSH_IPI:
tell_cpu_to_push() sends the irq_work to the overloaded CPUs, which push
(`K_RT_PUSH_IPI`). Each move is deactivate_task(), set_task_cpu() (a
``sched_migrate_task`` event) and activate_task(), and one step each.

RT throttling. Before 6.12, ``def_rt_bandwidth`` gives every root rt_rq
``sched_rt_runtime_us`` (950000) of each ``sched_rt_period_us``
(1000000): update_curr_rt() adds the run time to ``rt_time``,
sched_rt_runtime_exceeded() throttles the rt_rq when it passes the runtime
("sched: RT throttling activated", once) and dequeues it, and the period
hrtimer (sched_rt_period_timer() -> do_sched_rt_period_timer()) takes one
runtime off ``rt_time`` every period and unthrottles. The timer starts on
the first RT enqueue (start_rt_bandwidth(): forwarded by 0, that is one
hrtimer_resolution, 1 ns with high-resolution timers, so it fires at once)
and stops when a period finds no RT time and no RT task. From 6.12 (5f6bd380c7bd
"sched/rt: Remove default bandwidth control") the root rt_rq has no
bandwidth without RT_GROUP_SCHED, which is off here: the fair server (a
dl_server, deadline.py) keeps fair tasks alive instead, and ``rt_runtime``
is RUNTIME_INF (-1). Throttling is visible as ``sched_rt_throttle`` /
``sched_rt_unthrottle`` events (ktui's; the kernel has no tracepoint).

Left out: RT_GROUP_SCHED, RT_RUNTIME_SHARE (off by default since 5.10),
priority inheritance (rt_nr_boosted), the RLIMIT_RTTIME watchdog,
migrate_disable() and proxy execution, capacity (uclamp) fitness,
cpumask_any_and_distribute()'s rotation and the SD_WAKE_AFFINE walk of
find_lowest_rq() (the task's CPU if it is among the lowest, else the first
such CPU after it), the ``sched_rr_timeslice_ms`` sysctl.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.sched.prio import (
    MAX_PRIO,
    MAX_RT_PRIO,
    SCHED_FIFO,
    SCHED_RR,
    rt_prio,
)
from ktui.sim.kernel.printk import printk
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_MOVE,
    DEQUEUE_SAVE,
    ENQUEUE_HEAD,
    ENQUEUE_WAKEUP,
    WF_FORK,
    WF_TTWU,
    Rq,
    RtRq,
    SchedClass,
)
from ktui.sim.kernel.sysctl import INT_MAX, register_sysctl, sysctl_value
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, PRIO_NESTED, register_kind
from ktui.sim.state import mypyc_attr
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

RR_TIMESLICE_MS: Final = 100
"""include/linux/sched/rt.h: RR_TIMESLICE is (100 * HZ / 1000) jiffies."""
RUNTIME_INF: Final = -1
"""kernel/sched/sched.h: RUNTIME_INF ((u64)~0ULL), no bandwidth limit."""
NSEC_PER_USEC: Final = 1000
SYSCTL_SCHED_RT_PERIOD: Final = 1_000_000
"""kernel/sched/rt.c: sysctl_sched_rt_period, us (1 s)."""
SYSCTL_SCHED_RT_RUNTIME: Final = 950_000
"""kernel/sched/rt.c: sysctl_sched_rt_runtime, us (0.95 s; tip's c2e390197ad1
makes it 1 s after 6.19, which this model does not follow)."""
RT_BANDWIDTH_REMOVED: Final = (6, 12)
"""5f6bd380c7bd "sched/rt: Remove default bandwidth control" (6.12)."""
HRTIMER_RESOLUTION: Final = 1
"""hrtimer_resolution with CONFIG_HIGH_RES_TIMERS: 1 ns."""
CPUPRI_NORMAL: Final = 0
"""kernel/sched/cpupri.h: a CPU running no RT task (idle or fair)."""


def _check_rt_bandwidth(values: Mapping[str, int]) -> str | None:
    """sched_rt_handler() -> sched_rt_global_validate(): -EINVAL for a
    runtime above the period (RUNTIME_INF, -1, is always allowed; a
    period of 0 is below the knob's extra1, SYSCTL_ONE)."""
    runtime = values["kernel.sched_rt_runtime_us"]
    period = values["kernel.sched_rt_period_us"]
    if runtime != RUNTIME_INF and runtime > period:
        return (
            f"kernel.sched_rt_runtime_us ({runtime}) is above kernel.sched_rt_period_us "
            f"({period}): sched_rt_handler() refuses it with -EINVAL (-1 means no limit)"
        )
    return None


register_sysctl(
    "kernel.sched_rt_period_us", SYSCTL_SCHED_RT_PERIOD, 1, INT_MAX,
    "RT bandwidth period, us", _check_rt_bandwidth,
)  # fmt: skip
register_sysctl(
    "kernel.sched_rt_runtime_us", SYSCTL_SCHED_RT_RUNTIME, -1, INT_MAX,
    "RT runtime per period, us (-1: no limit)",
)  # fmt: skip

EV_SCHED_RT_THROTTLE = define_event(
    "sched_rt_throttle", "ktui", ("rt_time", "int"), ("rt_runtime", "int")
)
"""sched_rt_runtime_exceeded() throttled this CPU's rt_rq (ktui's event)."""
EV_SCHED_RT_UNTHROTTLE = define_event(
    "sched_rt_unthrottle", "ktui", ("rt_time", "int"), ("rt_runtime", "int")
)
"""do_sched_rt_period_timer() unthrottled this CPU's rt_rq (ktui's event)."""
register_format(
    "sched_rt_throttle",
    lambda ev: f"rt_time={ev.fields['rt_time']} rt_runtime={ev.fields['rt_runtime']}",
)
register_format(
    "sched_rt_unthrottle",
    lambda ev: f"rt_time={ev.fields['rt_time']} rt_runtime={ev.fields['rt_runtime']}",
)

# m.ext["rt_bandwidth"]: def_rt_bandwidth's timer and the printk_once flag
BW_ACTIVE = 0  # rt_period_active
BW_GEN = 1  # bumped when the period timer is (re)started; stale expiries drop
BW_WARNED = 2  # "sched: RT throttling activated" printed


def sched_rr_timeslice(m: Machine) -> int:
    """sched_rr_timeslice: RR_TIMESLICE, ``100 * HZ / 1000`` jiffies."""
    return RR_TIMESLICE_MS * m.hz // 1000


def rt_bandwidth_root(m: Machine) -> bool:
    """The root rt_rq has RT bandwidth (def_rt_bandwidth): kernels before 6.12."""
    return m.kver < RT_BANDWIDTH_REMOVED


def global_rt_runtime(m: Machine) -> int:
    """global_rt_runtime(): ``kernel.sched_rt_runtime_us`` in ns, or RUNTIME_INF."""
    us = sysctl_value(m, "kernel.sched_rt_runtime_us")
    return RUNTIME_INF if us < 0 else us * NSEC_PER_USEC


def global_rt_period(m: Machine) -> int:
    """global_rt_period(): ``kernel.sched_rt_period_us`` in ns."""
    return sysctl_value(m, "kernel.sched_rt_period_us") * NSEC_PER_USEC


def rt_bandwidth_enabled(m: Machine) -> bool:
    """rt_bandwidth_enabled(): ``sysctl_sched_rt_runtime >= 0`` (and a kernel
    that has the root bandwidth at all)."""
    return rt_bandwidth_root(m) and sysctl_value(m, "kernel.sched_rt_runtime_us") >= 0


def init_rt_rq(m: Machine, rt_rq: RtRq) -> None:
    """init_rt_rq(): empty lists, highest prio MAX_RT_PRIO - 1 (5.13+), and
    sched_init()'s ``rq->rt.rt_runtime = def_rt_bandwidth.rt_runtime``
    before 6.12 (RUNTIME_INF from 6.12: no root bandwidth)."""
    rt_rq.highest_prio_curr = MAX_RT_PRIO - 1
    rt_rq.highest_prio_next = MAX_RT_PRIO - 1
    rt_rq.rt_runtime = global_rt_runtime(m) if rt_bandwidth_root(m) else RUNTIME_INF


def sched_find_first_bit(bitmap: int) -> int:
    """sched_find_first_bit(): the lowest set bit (MAX_RT_PRIO when none)."""
    if not bitmap:
        return MAX_RT_PRIO
    return (bitmap & -bitmap).bit_length() - 1


def _curr_prio(m: Machine, rq: Rq) -> int:
    """rq->donor->prio; the idle task is below every class (MAX_PRIO)."""
    return m.tasks[rq.curr].prio if rq.curr else MAX_PRIO


def _resched(m: Machine, rq: Rq) -> None:
    """resched_curr(), and for a busy CPU the reschedule IPI's preemption at
    its next preemption point if it may preempt now (as core.py's
    wakeup_preempt() does)."""
    from ktui.sim.kernel.sched.core import kick, resched_curr

    resched_curr(m, rq)
    if rq.curr:
        curr = m.tasks[rq.curr]
        if m.pcpu[rq.cpu].preempt_count == 0 and not curr.irqs_disabled:
            kick(m, rq, m.now, PRIO_CONT)


# --------------------------------------------------------------------------
# pushable tasks, overload


def enqueue_pushable_task(rq: Rq, p: TaskStruct) -> None:
    """enqueue_pushable_task(): into the plist by prio (after equal ones),
    highest_prio.next, and the rt_rq is overloaded (rt_set_overload(), 6.7+)."""
    rt_rq = rq.rt
    _plist_del(rt_rq, p.pid)
    pushable = rt_rq.pushable
    i = len(pushable)
    while i and pushable[i - 1][0] > p.prio:
        i -= 1
    pushable.insert(i, (p.prio, p.pid))
    if p.prio < rt_rq.highest_prio_next:
        rt_rq.highest_prio_next = p.prio
    rt_rq.overloaded = True


def dequeue_pushable_task(rq: Rq, p: TaskStruct) -> None:
    """dequeue_pushable_task(): out of the plist; highest_prio.next is the new
    head, or MAX_RT_PRIO - 1 and no longer overloaded when it is empty."""
    rt_rq = rq.rt
    _plist_del(rt_rq, p.pid)
    if rt_rq.pushable:
        rt_rq.highest_prio_next = rt_rq.pushable[0][0]
    else:
        rt_rq.highest_prio_next = MAX_RT_PRIO - 1
        rt_rq.overloaded = False


def _plist_del(rt_rq: RtRq, pid: int) -> None:
    for i, (_, q) in enumerate(rt_rq.pushable):
        if q == pid:
            del rt_rq.pushable[i]
            return


# --------------------------------------------------------------------------
# RT bandwidth (before 6.12)


def _bw(m: Machine) -> list[int]:
    bw = m.ext.get("rt_bandwidth")
    if bw is None:
        bw = m.ext["rt_bandwidth"] = [0, 0, 0]
    assert isinstance(bw, list)
    return bw


def start_rt_bandwidth(m: Machine) -> None:
    """start_rt_bandwidth() -> do_start_rt_bandwidth(): arm the period timer
    if it is not active. hrtimer_forward_now() by 0 moves it one
    hrtimer_resolution past now, so the first period starts at once."""
    if not rt_bandwidth_enabled(m) or global_rt_runtime(m) == RUNTIME_INF:
        return
    bw = _bw(m)
    if bw[BW_ACTIVE]:
        return
    bw[BW_ACTIVE] = 1
    bw[BW_GEN] += 1
    m.push(m.now + HRTIMER_RESOLUTION, PRIO_IRQ, K_RT_PERIOD_TIMER, bw[BW_GEN], 0)


def _sched_rt_period_timer(m: Machine, gen: int, _b: int) -> bool:
    """sched_rt_period_timer(): one period is over (overrun 1: the model's
    hrtimer never fires late); HRTIMER_RESTART unless every rt_rq is idle."""
    bw = _bw(m)
    if gen != bw[BW_GEN] or not bw[BW_ACTIVE]:
        return False
    idle = do_sched_rt_period_timer(m, 1)
    if idle:
        bw[BW_ACTIVE] = 0
    else:
        m.push(m.now + global_rt_period(m), PRIO_IRQ, K_RT_PERIOD_TIMER, gen, 0)
    return False


def do_sched_rt_period_timer(m: Machine, overrun: int) -> bool:
    """do_sched_rt_period_timer(): refill every CPU's rt_rq by `overrun`
    runtimes and unthrottle those now under their runtime. Returns idle."""
    from ktui.sim.kernel.sched.core import update_rq_clock

    idle = True
    throttled = False
    runtime_b = global_rt_runtime(m)
    for rq in m.rqs:
        rt_rq = rq.rt
        enqueue = False
        if rt_rq.rt_runtime != RUNTIME_INF:  # !RT_RUNTIME_SHARE
            rt_rq.rt_runtime = runtime_b
        if not rt_rq.rt_time and not rt_rq.rt_nr_running:
            continue
        update_rq_clock(m, rq)
        if rt_rq.rt_time:
            runtime = rt_rq.rt_runtime
            rt_rq.rt_time -= min(rt_rq.rt_time, overrun * runtime)
            if rt_rq.rt_throttled and rt_rq.rt_time < runtime:
                rt_rq.rt_throttled = False
                enqueue = True
                # the event, right after this hardirq's work (one per CPU)
                m.push(m.now, PRIO_NESTED, K_RT_UNTHROTTLE_EV, rq.cpu, rt_rq.rt_time)
            if rt_rq.rt_time or rt_rq.rt_nr_running:
                idle = False
        elif rt_rq.rt_nr_running:
            idle = False
            if not rt_rq.rt_throttled:
                enqueue = True
        if rt_rq.rt_throttled:
            throttled = True
        if enqueue:
            sched_rt_rq_enqueue(m, rq)
    if not throttled and (not rt_bandwidth_enabled(m) or runtime_b == RUNTIME_INF):
        return True
    return idle


def sched_rt_runtime_exceeded(m: Machine, rq: Rq) -> bool:
    """sched_rt_runtime_exceeded(): throttle rq's rt_rq once ``rt_time`` is
    past its runtime (a runtime of the whole period never throttles; a
    global runtime of 0 only forgets the time, as for an unassigned group)."""
    rt_rq = rq.rt
    runtime = rt_rq.rt_runtime
    if rt_rq.rt_throttled:
        return True  # rt_rq_throttled()
    if runtime == RUNTIME_INF or runtime >= global_rt_period(m):
        return False
    if rt_rq.rt_time > runtime:
        if global_rt_runtime(m):
            rt_rq.rt_throttled = True
            m.push(m.now, PRIO_NESTED, K_RT_THROTTLE_EV, rq.cpu, rt_rq.rt_time)
        else:
            rt_rq.rt_time = 0
        if rt_rq.rt_throttled:
            sched_rt_rq_dequeue(m, rq)
            return True
    return False


def _rt_throttle_ev(m: Machine, cpu: int, rt_time: int) -> bool:
    """The throttle's event; printk_deferred_once("sched: RT throttling activated")."""
    bw = _bw(m)
    pid = m.rqs[cpu].curr
    if not bw[BW_WARNED]:
        bw[BW_WARNED] = 1
        printk(m, cpu, pid, "sched: RT throttling activated")
    m.emit(EV_SCHED_RT_THROTTLE, cpu, pid, rt_time, m.rqs[cpu].rt.rt_runtime)
    return True


def _rt_unthrottle_ev(m: Machine, cpu: int, rt_time: int) -> bool:
    m.emit(EV_SCHED_RT_UNTHROTTLE, cpu, m.rqs[cpu].curr, rt_time, m.rqs[cpu].rt.rt_runtime)
    return True


def sched_rt_rq_enqueue(m: Machine, rq: Rq) -> None:
    """sched_rt_rq_enqueue() (no groups): back into rq->nr_running, resched."""
    if not rq.rt.rt_nr_running:
        return
    _enqueue_top_rt_rq(rq)
    _resched(m, rq)


def sched_rt_rq_dequeue(m: Machine, rq: Rq) -> None:
    """sched_rt_rq_dequeue() (no groups): out of rq->nr_running."""
    _dequeue_top_rt_rq(rq)


def update_curr_rt(m: Machine, rq: Rq) -> None:
    """update_curr_rt(): charge rq->curr (if RT) for the time since
    exec_start, and, with RT bandwidth, the rt_rq's ``rt_time``; resched
    when that throttles it."""
    if not rq.curr:
        return
    curr = m.tasks[rq.curr]
    if not rt_prio(curr.prio):  # donor->sched_class != &rt_sched_class
        return
    se = curr.se
    now = rq.clock_task
    delta_exec = now - se.exec_start  # update_curr_common()
    if delta_exec <= 0:
        return
    se.sum_exec_runtime += delta_exec
    se.exec_start = now
    if not rt_bandwidth_enabled(m):
        return
    rt_rq = rq.rt
    if rt_rq.rt_runtime != RUNTIME_INF:
        rt_rq.rt_time += delta_exec
        if sched_rt_runtime_exceeded(m, rq):
            _resched(m, rq)
            start_rt_bandwidth(m)


# --------------------------------------------------------------------------
# enqueue / dequeue


def _dequeue_top_rt_rq(rq: Rq) -> None:
    """dequeue_top_rt_rq(): the rt_rq's tasks leave rq->nr_running."""
    rt_rq = rq.rt
    if not rt_rq.rt_queued:
        return
    rq.nr_running -= rt_rq.rt_nr_running  # sub_nr_running()
    rt_rq.rt_queued = False


def _enqueue_top_rt_rq(rq: Rq) -> None:
    """enqueue_top_rt_rq(): the rt_rq's tasks join rq->nr_running (not while throttled)."""
    rt_rq = rq.rt
    if rt_rq.rt_queued or rt_rq.rt_throttled:
        return
    if rt_rq.rt_nr_running:
        rq.nr_running += rt_rq.rt_nr_running  # add_nr_running()
        rt_rq.rt_queued = True


def _move_entity(flags: int) -> bool:
    """move_entity(): the list position changes unless SAVE without MOVE."""
    return (flags & (DEQUEUE_SAVE | DEQUEUE_MOVE)) != DEQUEUE_SAVE


def __enqueue_rt_entity(m: Machine, rq: Rq, p: TaskStruct, flags: int) -> None:
    """__enqueue_rt_entity(): onto the list of its prio (head with ENQUEUE_HEAD), then inc_rt_tasks()."""
    rt_rq = rq.rt
    prio = p.prio
    if _move_entity(flags):
        queue = rt_rq.queue[prio]
        if flags & ENQUEUE_HEAD:
            queue.insert(0, p.pid)
        else:
            queue.append(p.pid)
        rt_rq.bitmap |= 1 << prio
        p.rt.on_list = 1
    p.rt.on_rq = 1
    # inc_rt_tasks() -> inc_rt_prio(), inc_rt_group()
    rt_rq.rt_nr_running += 1
    rt_rq.rr_nr_running += p.policy == SCHED_RR
    if prio < rt_rq.highest_prio_curr:
        rt_rq.highest_prio_curr = prio
    start_rt_bandwidth(m)


def __dequeue_rt_entity(rq: Rq, p: TaskStruct, flags: int) -> None:
    """__dequeue_rt_entity(): off its list (__delist_rt_entity()), then dec_rt_tasks()."""
    rt_rq = rq.rt
    prio = p.prio
    if _move_entity(flags):
        queue = rt_rq.queue[prio]
        queue.remove(p.pid)
        if not queue:
            rt_rq.bitmap &= ~(1 << prio)
        p.rt.on_list = 0
    p.rt.on_rq = 0
    rt_rq.rt_nr_running -= 1
    rt_rq.rr_nr_running -= p.policy == SCHED_RR
    # dec_rt_prio()
    if rt_rq.rt_nr_running:
        if prio == rt_rq.highest_prio_curr:
            rt_rq.highest_prio_curr = sched_find_first_bit(rt_rq.bitmap)
    else:
        rt_rq.highest_prio_curr = MAX_RT_PRIO - 1


def enqueue_task_rt(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """enqueue_task_rt() -> enqueue_rt_entity(): dequeue_rt_stack() (the
    rt_rq leaves nr_running), __enqueue_rt_entity(), enqueue_top_rt_rq();
    a queued task that is not running and may run elsewhere is pushable."""
    if flags & ENQUEUE_WAKEUP:
        task.rt.timeout = 0
    _dequeue_top_rt_rq(rq)
    if task.rt.on_rq:
        __dequeue_rt_entity(rq, task, flags)
    __enqueue_rt_entity(m, rq, task, flags)
    _enqueue_top_rt_rq(rq)
    if rq.curr != task.pid and len(task.cpus_mask) > 1:
        enqueue_pushable_task(rq, task)


def dequeue_task_rt(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """dequeue_task_rt(): update_curr_rt(), dequeue_rt_entity(), not pushable."""
    update_curr_rt(m, rq)
    _dequeue_top_rt_rq(rq)
    if task.rt.on_rq:
        __dequeue_rt_entity(rq, task, flags)
    _enqueue_top_rt_rq(rq)
    dequeue_pushable_task(rq, task)
    return True


def requeue_task_rt(rq: Rq, p: TaskStruct, head: bool) -> None:
    """requeue_task_rt() -> requeue_rt_entity(): move to the head or tail of its list."""
    if not p.rt.on_rq:
        return
    queue = rq.rt.queue[p.prio]
    queue.remove(p.pid)
    if head:
        queue.insert(0, p.pid)
    else:
        queue.append(p.pid)


# --------------------------------------------------------------------------
# pick / put / set_next


def pick_task_rt(m: Machine, rq: Rq) -> TaskStruct | None:
    """pick_task_rt() -> _pick_next_task_rt(): the head of the best list,
    None when the rt_rq is empty or throttled (sched_rt_runnable()).

    With RT bandwidth (before 6.12) prev is charged first, as
    put_prev_task_balance() did ahead of the pick then, so a prev that
    runs out of runtime here is not picked again.
    """
    if rq.curr and rt_bandwidth_enabled(m):
        update_curr_rt(m, rq)
    rt_rq = rq.rt
    if not rt_rq.rt_queued:
        return None
    idx = sched_find_first_bit(rt_rq.bitmap)
    return m.tasks[rt_rq.queue[idx][0]]


def put_prev_task_rt(m: Machine, rq: Rq, p: TaskStruct) -> None:
    """put_prev_task_rt(): charge it; still queued and movable: pushable."""
    update_curr_rt(m, rq)
    if p.rt.on_rq and len(p.cpus_mask) > 1:
        enqueue_pushable_task(rq, p)


def set_next_task_rt(m: Machine, rq: Rq, p: TaskStruct, first: bool) -> None:
    """set_next_task_rt(): exec_start, never pushable while running, and on
    a real switch the push balance callback (rt_queue_push_tasks())."""
    p.se.exec_start = rq.clock_task
    dequeue_pushable_task(rq, p)
    if first:
        rt_queue_push_tasks(m, rq)


# --------------------------------------------------------------------------
# tick, yield, preemption, priority and class changes


def task_tick_rt(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """task_tick_rt(): update_curr_rt(); an RR task whose slice is used up
    gets a new one and goes to the tail if it is not alone on its list."""
    update_curr_rt(m, rq)
    if task.policy != SCHED_RR:
        return  # FIFO tasks have no timeslices
    task.rt.time_slice -= 1
    if task.rt.time_slice:
        return
    task.rt.time_slice = sched_rr_timeslice(m)
    # rt_se->run_list.prev != rt_se->run_list.next: others on this list
    if len(rq.rt.queue[task.prio]) > 1:
        requeue_task_rt(rq, task, False)
        _resched(m, rq)


def yield_task_rt(m: Machine, rq: Rq) -> None:
    """yield_task_rt(): rq->curr to the tail of its list."""
    if rq.curr:
        requeue_task_rt(rq, m.tasks[rq.curr], False)


def wakeup_preempt_rt(m: Machine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
    """wakeup_preempt_rt(): a better prio preempts; an equal one may make
    room for a task that cannot run anywhere else (check_preempt_equal_prio())."""
    if not rt_prio(task.prio) or not rq.curr:
        return
    curr = m.tasks[rq.curr]
    if task.prio < curr.prio:
        rq.need_resched = True  # resched_curr()
        return
    if task.prio == curr.prio and not rq.need_resched:
        check_preempt_equal_prio(m, rq, task)


def check_preempt_equal_prio(m: Machine, rq: Rq, p: TaskStruct) -> None:
    """check_preempt_equal_prio(): curr can move and p cannot: p to the head, resched."""
    curr = m.tasks[rq.curr]
    if len(curr.cpus_mask) == 1 or not cpupri_find(m, curr):
        return
    if len(p.cpus_mask) != 1 and cpupri_find(m, p):
        return
    requeue_task_rt(rq, p, True)
    rq.need_resched = True


def prio_changed_rt(m: Machine, rq: Rq, task: TaskStruct, old_prio: int) -> None:
    """prio_changed_rt(): a running task that dropped pulls and yields to a
    better queued one; a waiting one that now beats curr preempts it."""
    if not task.on_rq or task.prio == old_prio:
        return
    if rq.curr == task.pid:
        if old_prio < task.prio:
            rt_queue_pull_task(m, rq)
        if task.prio > rq.rt.highest_prio_curr:
            _resched(m, rq)
    elif task.prio < _curr_prio(m, rq):
        _resched(m, rq)


def switched_to_rt(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """switched_to_rt(): a queued task that is not running may push others
    away or preempt curr."""
    if rq.curr == task.pid:
        return
    if task.on_rq:
        if len(task.cpus_mask) > 1 and rq.rt.overloaded:
            rt_queue_push_tasks(m, rq)
        if task.prio < _curr_prio(m, rq):
            _resched(m, rq)


def switched_from_rt(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """switched_from_rt(): the last RT task left the class: pull."""
    if not task.on_rq or rq.rt.rt_nr_running:
        return
    rt_queue_pull_task(m, rq)


def get_rr_interval_rt(m: Machine, rq: Rq, task: TaskStruct) -> int:
    """get_rr_interval_rt(): sched_rr_timeslice jiffies for RR, 0 for FIFO,
    as sched_rr_get_interval() reports it (jiffies_to_timespec64(): times TICK_NSEC), ns."""
    if task.policy == SCHED_RR:
        return sched_rr_timeslice(m) * m.tick_nsec
    return 0


# --------------------------------------------------------------------------
# SMP: cpupri, select_task_rq, push and pull


def convert_prio(prio: int) -> int:
    """convert_prio() (cpupri.c): RT prio 0..98 -> cpupri 99..1; MAX_RT_PRIO - 1 -> CPUPRI_NORMAL."""
    if prio >= MAX_RT_PRIO - 1:
        return CPUPRI_NORMAL
    return MAX_RT_PRIO - 1 - prio


def cpupri_find(m: Machine, p: TaskStruct) -> list[int]:
    """cpupri_find(): the allowed CPUs of the lowest cpupri below p's, or [].

    A CPU's cpupri follows its rt_rq's ``highest_prio.curr`` (cpupri_set()
    from inc_rt_prio_smp()/dec_rt_prio_smp()); idle and fair CPUs are
    CPUPRI_NORMAL (there has been no CPUPRI_IDLE since 5.11).
    """
    task_pri = convert_prio(p.prio)
    best = task_pri
    lowest: list[int] = []
    for cpu in sorted(p.cpus_mask):
        pri = convert_prio(m.rqs[cpu].rt.highest_prio_curr)
        if pri < best:
            best = pri
            lowest = [cpu]
        elif pri == best and pri < task_pri:
            lowest.append(cpu)
    return lowest


def find_lowest_rq(m: Machine, task: TaskStruct) -> int:
    """find_lowest_rq(): the CPU for task among the lowest ones: its own CPU
    if it is one (cache hot), else the first after it; -1 if none."""
    if len(task.cpus_mask) == 1:
        return -1
    lowest = cpupri_find(m, task)
    if not lowest:
        return -1
    cpu = task.cpu
    if cpu in lowest:
        return cpu
    after = [c for c in lowest if c > cpu]
    return after[0] if after else lowest[0]


def select_task_rq_rt(m: Machine, task: TaskStruct, wake_flags: int) -> int:
    """select_task_rq_rt(): a wakeup or fork on a CPU whose curr is an RT
    task at least as good (or pinned) goes to the lowest CPU, if that one
    runs something lower than task."""
    cpu = task.cpu if task.cpu in task.cpus_mask else task.cpus_mask[0]
    if not wake_flags & (WF_TTWU | WF_FORK):
        return cpu
    rq = m.rqs[cpu]
    if not rq.curr:
        return cpu
    curr = m.tasks[rq.curr]
    if rt_prio(curr.prio) and (len(curr.cpus_mask) < 2 or curr.prio <= task.prio):
        target = find_lowest_rq(m, task)
        if target != -1 and task.prio < m.rqs[target].rt.highest_prio_curr:
            cpu = target
    return cpu


def rt_queue_push_tasks(m: Machine, rq: Rq) -> None:
    """rt_queue_push_tasks(): queue_balance_callback(push_rt_tasks), run
    right after the switch in progress (__balance_callbacks())."""
    if rq.rt.pushable:
        m.push(m.now, PRIO_NESTED, K_RT_PUSH, rq.cpu, 0)


def rt_queue_pull_task(m: Machine, rq: Rq) -> None:
    """rt_queue_pull_task(): queue_balance_callback(pull_rt_task)."""
    m.push(m.now, PRIO_NESTED, K_RT_PULL, rq.cpu, 0)


def pick_next_pushable_task(m: Machine, rq: Rq) -> TaskStruct | None:
    """pick_next_pushable_task(): the first pushable task not on a CPU."""
    for _prio, pid in rq.rt.pushable:
        p = m.tasks[pid]
        if not p.on_cpu and pid != rq.curr:
            return p
    return None


def find_lock_lowest_rq(m: Machine, task: TaskStruct, rq: Rq) -> Rq | None:
    """find_lock_lowest_rq(): a lowest rq that runs something below task."""
    cpu = find_lowest_rq(m, task)
    if cpu in (-1, rq.cpu):
        return None
    lowest = m.rqs[cpu]
    if lowest.rt.highest_prio_curr <= task.prio:
        return None
    return lowest


def move_queued_task_locked(m: Machine, src: Rq, dst: Rq, p: TaskStruct, cpu: int) -> None:
    """move_queued_task_locked(): deactivate on src, set_task_cpu() (the
    ``sched_migrate_task`` event, traced on `cpu`), activate on dst."""
    from ktui.sim.kernel.sched.core import (
        EV_SCHED_MIGRATE_TASK,
        activate_task,
        deactivate_task,
        set_task_cpu,
        update_rq_clock,
    )

    update_rq_clock(m, src)
    update_rq_clock(m, dst)
    deactivate_task(m, src, p, 0)
    orig = p.cpu
    set_task_cpu(m, p, dst.cpu)  # rt has no migrate_task_rq; counts se.nr_migrations
    m.emit(EV_SCHED_MIGRATE_TASK, cpu, m.rqs[cpu].curr, p.pid, p.prio, orig, dst.cpu)
    activate_task(m, dst, p, 0)


def push_rt_task(m: Machine, rq: Rq, pull: bool) -> bool:
    """push_rt_task(): move the first pushable task to a CPU running
    something lower, and resched that CPU. True if it moved one (its
    ``sched_migrate_task`` is this step's event)."""
    if not rq.rt.overloaded:
        return False
    next_task = pick_next_pushable_task(m, rq)
    if next_task is None:
        return False
    if next_task.prio < _curr_prio(m, rq):
        _resched(m, rq)  # it slipped in above curr: just reschedule
        return False
    lowest = find_lock_lowest_rq(m, next_task, rq)
    if lowest is None:
        return False  # other CPUs will pull from us when ready
    move_queued_task_locked(m, rq, lowest, next_task, rq.cpu)
    _resched(m, lowest)
    return True


def _push_rt_tasks(m: Machine, cpu: int, _b: int) -> bool:
    """push_rt_tasks(): push_rt_task() while it moves one, one step each."""
    if push_rt_task(m, m.rqs[cpu], False):
        m.push(m.now, PRIO_NESTED, K_RT_PUSH, cpu, 0)
        return True
    return False


def _rto_cpus(m: Machine, after: int, skip: int) -> list[int]:
    """rto_next_cpu(): the overloaded CPUs after `after`, except `skip`."""
    return [rq.cpu for rq in m.rqs if rq.rt.overloaded and rq.cpu > after and rq.cpu != skip]


def pull_rt_task(m: Machine, this_rq: Rq) -> None:
    """pull_rt_task() with RT_PUSH_IPI (x86's default): nothing unless
    another CPU is overloaded; then tell_cpu_to_push(): the irq_work goes to
    the first overloaded CPU, which pushes and passes it on."""
    rto = _rto_cpus(m, -1, this_rq.cpu)
    if not rto:
        return
    m.push(m.now, PRIO_IRQ, K_RT_PUSH_IPI, rto[0], this_rq.cpu)


def _rto_push_irq_work_func(m: Machine, cpu: int, origin: int) -> bool:
    """rto_push_irq_work_func(): push what can be pushed (one task a step),
    then pass the irq_work on to the next overloaded CPU."""
    rq = m.rqs[cpu]
    if rq.rt.pushable and push_rt_task(m, rq, True):
        m.push(m.now, PRIO_NESTED, K_RT_PUSH_IPI, cpu, origin)
        return True
    nxt = _rto_cpus(m, cpu, origin)
    if nxt:
        m.push(m.now, PRIO_IRQ, K_RT_PUSH_IPI, nxt[0], origin)
    return False


def _pull_rt_task(m: Machine, cpu: int, _b: int) -> bool:
    pull_rt_task(m, m.rqs[cpu])
    return False


def task_woken_rt(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """task_woken_rt(): a woken task that waits behind an RT (or deadline)
    curr at least as good, on a CPU that will not reschedule soon, is
    pushed now (push_rt_tasks(), as the balance step right after)."""
    if (
        rq.curr
        and rq.curr != task.pid
        and not rq.need_resched
        and len(task.cpus_mask) > 1
    ):
        curr = m.tasks[rq.curr]
        if curr.prio < MAX_RT_PRIO and (len(curr.cpus_mask) < 2 or curr.prio <= task.prio):
            m.push(m.now, PRIO_NESTED, K_RT_PUSH, rq.cpu, 0)


def balance_rt(m: Machine, rq: Rq, prev: TaskStruct | None) -> bool:
    """balance_rt(): prev left the rt_rq and the rq's priority drops: pull.
    True when a stop, deadline or RT task is runnable here."""
    if prev is not None and not prev.rt.on_rq and rq.rt.highest_prio_curr > prev.prio:
        pull_rt_task(m, rq)  # need_pull_rt_task()
    return bool(rq.stop) or rq.dl.dl_nr_running > 0 or rq.rt.rt_queued


# --------------------------------------------------------------------------
# DEFINE_SCHED_CLASS(rt)


@mypyc_attr(native_class=False)
class RtSchedClass(SchedClass):
    """``rt_sched_class``: SCHED_FIFO and SCHED_RR tasks."""

    __slots__ = ()
    name = "rt"
    policies = (SCHED_FIFO, SCHED_RR)

    enqueue_task = staticmethod(enqueue_task_rt)
    dequeue_task = staticmethod(dequeue_task_rt)
    yield_task = staticmethod(yield_task_rt)
    wakeup_preempt = staticmethod(wakeup_preempt_rt)
    balance = staticmethod(balance_rt)
    task_woken = staticmethod(task_woken_rt)
    pick_task = staticmethod(pick_task_rt)
    select_task_rq = staticmethod(select_task_rq_rt)
    task_tick = staticmethod(task_tick_rt)
    prio_changed = staticmethod(prio_changed_rt)
    switched_to = staticmethod(switched_to_rt)
    switched_from = staticmethod(switched_from_rt)
    update_curr = staticmethod(update_curr_rt)
    get_rr_interval = staticmethod(get_rr_interval_rt)

    def set_cpus_allowed(self, m: Machine, task: TaskStruct, mask: tuple[int, ...]) -> None:
        """set_cpus_allowed_common() inside __do_set_cpus_allowed()'s
        dequeue/enqueue (DEQUEUE_SAVE): a queued task that is not running
        is pushable exactly when it may run on more than one CPU."""
        task.cpus_mask = mask
        if not task.rt.on_rq:
            return
        rq = m.rqs[task.cpu]
        if rq.curr == task.pid:
            return
        dequeue_pushable_task(rq, task)
        if len(mask) > 1:
            enqueue_pushable_task(rq, task)

    def put_prev_task(
        self, m: Machine, rq: Rq, prev: TaskStruct, next_task: TaskStruct | None
    ) -> None:
        """put_prev_task_rt()."""
        put_prev_task_rt(m, rq, prev)

    def set_next_task(self, m: Machine, rq: Rq, task: TaskStruct | None, first: bool) -> None:
        """set_next_task_rt()."""
        if task is not None:
            set_next_task_rt(m, rq, task, first)


rt_sched_class: SchedClass = RtSchedClass()
"""DEFINE_SCHED_CLASS(rt)."""

K_RT_PERIOD_TIMER = register_kind("sched_rt_period_timer", _sched_rt_period_timer)
K_RT_THROTTLE_EV = register_kind("rt_throttle_event", _rt_throttle_ev)
K_RT_UNTHROTTLE_EV = register_kind("rt_unthrottle_event", _rt_unthrottle_ev)
K_RT_PUSH = register_kind("push_rt_tasks", _push_rt_tasks)
K_RT_PULL = register_kind("pull_rt_task", _pull_rt_task)
K_RT_PUSH_IPI = register_kind("rto_push_irq_work", _rto_push_irq_work_func)
