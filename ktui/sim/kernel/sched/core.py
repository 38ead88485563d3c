"""Scheduler core. Models kernel/sched/core.c.

``__schedule()`` (pick, context switch, ``sched_switch``), ``try_to_wake_up()``
(``sched_waking`` then ``sched_wakeup``), ``wake_up_new_task()``,
``sched_tick()``, ``resched_curr()``, ``sched_init()``. Everything
class-specific goes through the task's `SchedClass` (classes.py), in
``for_each_class()`` order where the kernel walks the classes:
``__pick_next_task()`` with its fast path for an all-fair run queue,
``wakeup_preempt()`` with ``sched_class_above()``, ``select_task_rq()``.

``sched_tick()`` ends with sched_balance_trigger() and sched_init() builds
the sched domains (balance.py, topology.py).

Left out: the rq lock and remote wakeup lists, core scheduling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import (
    TASK_ON_RQ_MIGRATING,
    TASK_ON_RQ_QUEUED,
    TaskState,
    TaskStruct,
)
from ktui.sim.kernel.sched.classes import (
    FAIR_RANK,
    for_each_class,
    sched_class_above,
    task_class_rank,
    task_sched_class,
)
from ktui.sim.kernel.sched.deadline import dl_server_update_idle_time
from ktui.sim.kernel.sched.fair import fair_sched_class, init_cfs_rq
from ktui.sim.kernel.sched.idle import idle_sched_class
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_SLEEP,
    DEQUEUE_SPECIAL,
    ENQUEUE_DELAYED,
    ENQUEUE_INITIAL,
    ENQUEUE_MIGRATED,
    ENQUEUE_WAKEUP,
    WF_FORK,
    WF_TTWU,
    Rq,
    SchedClass,
)
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, PRIO_NESTED, PRIO_TASK, register_kind
from ktui.sim.trace import PREEMPTED_STATE, Event, define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

EV_SCHED_SWITCH = define_event(
    "sched_switch",
    "sched",
    ("prev_pid", "pid"),
    ("prev_prio", "prio"),
    ("prev_state", "state"),
    ("next_pid", "pid"),
    ("next_prio", "prio"),
)


def _format_switch(ev: Event) -> str:
    f = ev.fields
    return (
        f"prev_comm={f['prev_comm']} prev_pid={f['prev_pid']} prev_prio={f['prev_prio']} "
        f"prev_state={f['prev_state']} ==> next_comm={f['next_comm']} "
        f"next_pid={f['next_pid']} next_prio={f['next_prio']}"
    )


register_format("sched_switch", _format_switch)
EV_SCHED_WAKING = define_event(
    "sched_waking", "sched", ("pid", "pid"), ("prio", "prio"), ("target_cpu", "cpu")
)
EV_SCHED_WAKEUP = define_event(
    "sched_wakeup", "sched", ("pid", "pid"), ("prio", "prio"), ("target_cpu", "cpu")
)
EV_SCHED_MIGRATE_TASK = define_event(
    "sched_migrate_task",
    "sched",
    ("pid", "pid"),
    ("prio", "prio"),
    ("orig_cpu", "cpu"),
    ("dest_cpu", "cpu"),
)
# include/trace/events/sched.h prints these CPUs with %d (target_cpu is %03d).
register_format(
    "sched_migrate_task",
    lambda ev: (
        f"comm={ev.fields['comm']} pid={ev.fields['pid']} prio={ev.fields['prio']} "
        f"orig_cpu={ev.fields['orig_cpu']} dest_cpu={ev.fields['dest_cpu']}"
    ),
)
EV_SCHED_WAKEUP_NEW = define_event(
    "sched_wakeup_new", "sched", ("pid", "pid"), ("prio", "prio"), ("target_cpu", "cpu")
)

# is_special_task_state(): __TASK_STOPPED | __TASK_TRACED | TASK_PARKED | TASK_DEAD
SPECIAL_TASK_STATES = 0x04 | 0x08 | 0x40 | 0x80
TASK_REPORT = 0x7F  # include/linux/sched.h: the state bits sched_switch reports
IDLE_PRIO = 120  # swapper/N reports prio 120 in sched_switch
RUNNING = int(TaskState.TASK_RUNNING)


# -- CPU execution kicks ----------------------------------------------------
def kick(m: Machine, rq: Rq, time_ns: int, prio: int = PRIO_TASK) -> None:
    """Have `rq`'s CPU resume its current task at `time_ns`.

    Bumps ``rq.exec_gen`` so that at most one resume per CPU is ever valid:
    any earlier one still queued is dropped when it comes up.
    """
    rq.exec_gen += 1
    m.push(time_ns, prio, K_EXEC, rq.cpu, rq.exec_gen)


def resched_curr(m: Machine, rq: Rq) -> None:
    """resched_curr(): set TIF_NEED_RESCHED on rq->curr and make the CPU look.

    The CPU notices at its next preemption point; an idle CPU is woken
    (the reschedule IPI) and schedules right away.
    """
    rq.need_resched = True
    if rq.curr == 0:
        kick(m, rq, m.now, PRIO_CONT)


def update_rq_clock(m: Machine, rq: Rq) -> None:
    """update_rq_clock(): no irq-time or steal accounting, so both clocks are now."""
    rq.clock = m.now
    rq.clock_task = m.now


def set_task_cpu(m: Machine, task: TaskStruct, new_cpu: int) -> None:
    """set_task_cpu(): the class's migrate_task_rq(), then the new CPU;
    ``se.nr_migrations`` counts the moves."""
    if task.cpu != new_cpu:
        task_sched_class(task).migrate_task_rq(m, task, new_cpu)
        task.se.nr_migrations += 1
    task.cpu = new_cpu


# -- enqueue / dequeue ------------------------------------------------------
def activate_task(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """activate_task(): enqueue and mark TASK_ON_RQ_QUEUED; it starts
    waiting (update_stats_wait_start()) unless it is already running."""
    task_sched_class(task).enqueue_task(m, rq, task, flags)
    task.on_rq = TASK_ON_RQ_QUEUED
    if rq.curr != task.pid:
        task.se.wait_start = m.now


def deactivate_task(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """block_task()/deactivate_task(): dequeue a task that goes to sleep
    (DEQUEUE_SLEEP) or leaves this rq to be enqueued again (any other
    dequeue: ``p->on_rq = TASK_ON_RQ_MIGRATING`` first, as the kernel's
    deactivate_task() does, so the classes see a migration).

    With DELAY_DEQUEUE (6.12+) the fair class may keep a sleeping task
    queued; then it stays ``on_rq`` until it is picked or woken.
    """
    if not flags & DEQUEUE_SLEEP:
        task.on_rq = TASK_ON_RQ_MIGRATING
        task_sched_class(task).dequeue_task(m, rq, task, flags)
        return
    if task_sched_class(task).dequeue_task(m, rq, task, flags):
        task.on_rq = 0


# -- __schedule -------------------------------------------------------------
ScheduleHook = Callable[["Machine", "Rq", "TaskStruct | None", bool], None]
SCHEDULE_HOOKS: list[ScheduleHook] = []
"""Called by __schedule() before the pick with (prev, preempt), as it calls
rcu_note_context_switch(); they may only queue work (their events follow)."""


def schedule(m: Machine, rq: Rq, preempt: bool) -> bool:
    """__schedule(): put prev, pick next, switch. Returns True if it switched.

    Args:
        preempt: True for an involuntary preemption (SM_PREEMPT): a task that
            is not TASK_RUNNING is not dequeued and is reported as ``R+``.
    """
    update_rq_clock(m, rq)
    prev_pid = rq.curr
    prev = m.tasks[prev_pid] if prev_pid else None
    for hook in SCHEDULE_HOOKS:  # rcu_note_context_switch()
        hook(m, rq, prev, preempt)
    prev_state = RUNNING
    if prev is not None:
        prev_state = prev.state | prev.exit_state
        if not preempt and prev_state != RUNNING and prev.on_rq:
            # try_to_block_task(): special states (a dying task) are never
            # left queued by DELAY_DEQUEUE.
            special = prev.state & SPECIAL_TASK_STATES
            deactivate_task(m, rq, prev, DEQUEUE_SLEEP | (DEQUEUE_SPECIAL if special else 0))
    # pick_next_task() -> pick_task_fair() sees prev still as cfs_rq->curr
    # (so RUN_TO_PARITY can keep it); put_prev_set_next_task() follows.
    before = m.nr_events
    nxt = pick_next_task(m, rq, prev)
    if nxt is None and m.nr_events != before:
        # sched_balance_newidle() pulled a task and traced its
        # sched_migrate_task: that is this step's event. The pick is done
        # again at once (pick_next_task_fair()'s "goto again"), before any
        # other work of this instant: prev is still on this CPU (on_cpu),
        # so nothing may wake it elsewhere in between.
        rq.need_resched = True
        kick(m, rq, m.now, PRIO_NESTED)
        return True
    rq.need_resched = False
    next_pid = nxt.pid if nxt is not None else 0
    if next_pid == prev_pid:
        return False
    rq.nr_switches += 1
    if prev is not None:
        if not preempt and prev_state != RUNNING:
            prev.nvcsw += 1
        else:
            prev.nivcsw += 1
        prev.on_cpu = False
        prev.last_ran = m.now
        if prev.on_rq:  # still queued (preempted): update_stats_wait_start()
            prev.se.wait_start = m.now
        if prev.run_left:
            # The rest of the interrupted `run` waits for the next switch-in;
            # a run whose time is used up (it ends on this very preemption)
            # is complete: step past its op, or switch-in would restart it.
            prev.run_left -= m.now - prev.run_start
            if prev.run_left <= 0:
                prev.run_left = 0
                prev.pc += 1
    else:
        rq.idle_time += m.now - rq.idle_since
        if rq.fair_server.dl_defer:  # put_prev_task_idle() (6.12+)
            dl_server_update_idle_time(m, rq)
    # __trace_sched_switch_state(): a preempted task is "R+" whatever its
    # state; otherwise the TASK_REPORT bits of __state | exit_state.
    report = PREEMPTED_STATE if preempt else prev_state & TASK_REPORT
    m.emit(
        EV_SCHED_SWITCH,
        rq.cpu,
        prev_pid,
        prev_pid,
        prev.prio if prev is not None else IDLE_PRIO,
        report,
        next_pid,
        nxt.prio if nxt is not None else IDLE_PRIO,
    )
    rq.curr = next_pid
    if nxt is None:
        rq.idle_since = m.now
        rq.exec_gen += 1  # nothing of prev's may run here any more
        tick_nohz_idle_enter(m, rq)
        return True
    nxt.on_cpu = True
    nxt.cpu = rq.cpu
    # update_stats_wait_end(): the time it waited queued.
    nxt.se.wait_sum += m.now - nxt.se.wait_start
    nxt.se.wait_count += 1
    tick_nohz_idle_exit(m, rq)
    if nxt.run_left:
        nxt.run_start = m.now
        kick(m, rq, m.now + nxt.run_left)
    else:
        kick(m, rq, m.now)
    return True


def put_prev_set_next_task(
    m: Machine, rq: Rq, prev: TaskStruct | None, nxt: TaskStruct | None, cls: SchedClass
) -> None:
    """put_prev_set_next_task() (sched.h): prev's class puts it, `cls` sets next.

    Nothing happens when next is prev; ``None`` is the idle task.
    """
    if nxt is prev:
        return
    if prev is not None:
        task_sched_class(prev).put_prev_task(m, rq, prev, nxt)
    cls.set_next_task(m, rq, nxt, True)


def pick_next_task(m: Machine, rq: Rq, prev: TaskStruct | None) -> TaskStruct | None:
    """__pick_next_task(): the highest class with a runnable task picks.

    The kernel's fast path: when prev is not above the fair class and every
    runnable task is fair (``rq->nr_running == rq->cfs.h_nr_queued``), ask
    fair alone, then idle. Otherwise walk ``for_each_class()``.

    Returns:
        The next task, None for the idle task.
    """
    if m.cfg.sched.classes:
        # Another class table (2.6.0 .. 2.6.22: the O(1) scheduler), whose
        # first class picks for every task and the idle task alike.
        return for_each_class(m.cfg.sched.classes)[0].pick_next_task(m, rq, prev)
    if rq.nr_running == rq.cfs.nr_queued and (
        prev is None or task_class_rank(prev) >= FAIR_RANK
    ):
        nxt = fair_sched_class.pick_next_task(m, rq, prev)
        if nxt is None:  # pick_task_idle()
            put_prev_set_next_task(m, rq, prev, None, idle_sched_class)
        return nxt
    prev_balance(m, rq, prev)
    for cls in for_each_class():
        if cls is idle_sched_class:
            break
        if cls.has_pick_next_task:
            nxt = cls.pick_next_task(m, rq, prev)
            if nxt is not None:
                if prev is not None and nxt is not prev and task_sched_class(prev) is not cls:
                    # pick_next_task_fair()'s put_prev_set_next_task(): prev
                    # of another class is put by its own class
                    task_sched_class(prev).put_prev_task(m, rq, prev, nxt)
                return nxt
            continue
        nxt = cls.pick_task(m, rq)
        if nxt is not None:
            put_prev_set_next_task(m, rq, prev, nxt, cls)
            return nxt
    put_prev_set_next_task(m, rq, prev, None, idle_sched_class)
    return None


def prev_balance(m: Machine, rq: Rq, prev: TaskStruct | None) -> None:
    """prev_balance(): each class from prev's down may pull work here
    (balance_dl(), balance_rt() ...) before the pick; the first that has
    something to run stops the walk. Nothing for the idle task (the idle
    class has no balance)."""
    if prev is None:
        return
    start = task_class_rank(prev)
    for cls in for_each_class()[start:]:
        if cls is idle_sched_class:
            break
        if cls.balance(m, rq, prev):
            break


# -- wakeups ----------------------------------------------------------------
def select_task_rq(m: Machine, task: TaskStruct, wake_flags: int, this_cpu: int = 0) -> int:
    """select_task_rq(): ask the task's class (WF_FORK or WF_TTWU).

    `this_cpu` is smp_processor_id() of the caller (the waker's CPU), which
    the class reads as ``m.cfg.this_cpu``. A CPU the task may not run on
    becomes the first it may (select_fallback_rq()).
    """
    m.cfg.this_cpu = this_cpu
    cpu = task_sched_class(task).select_task_rq(m, task, wake_flags)
    if cpu not in task.cpus_mask:
        cpu = task.cpus_mask[0]
    return cpu


def wakeup_preempt(m: Machine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
    """wakeup_preempt(): same class: ask it; a higher class: resched.

    The idle task (curr == 0) is below every class, so an idle CPU always
    reschedules.
    """
    if rq.curr == 0:
        resched_curr(m, rq)
        return
    cls = task_sched_class(task)
    curr_class = task_sched_class(m.tasks[rq.curr])
    if cls is curr_class:
        cls.wakeup_preempt(m, rq, task, wake_flags)
    elif sched_class_above(cls, curr_class):
        resched_curr(m, rq)
    if rq.need_resched:
        curr = m.tasks[rq.curr]
        if m.pcpu[rq.cpu].preempt_count == 0 and not curr.irqs_disabled:  # preemptible()
            kick(m, rq, m.now, PRIO_CONT)


def try_to_wake_up(m: Machine, pid: int, waker_cpu: int) -> None:
    """try_to_wake_up(): queue the ``sched_waking`` step for task `pid`.

    The wakeup is two events, as in the kernel: ``sched_waking`` on the
    waker's CPU, then ``sched_wakeup`` once the task is on its new rq.
    """
    m.push(m.now, PRIO_CONT, K_WAKE, pid, waker_cpu)


def _ttwu_waking(m: Machine, pid: int, waker_cpu: int) -> bool:
    task = m.tasks[pid]
    if task.state == RUNNING or task.exit_state:
        return False  # already woken (ttwu_state_match() fails): no event
    if task.on_rq:
        # ttwu_runnable(): still queued (it had not switched out yet, or its
        # dequeue was delayed): just make it runnable where it is.
        target = task.cpu
    else:
        target = select_task_rq(m, task, WF_TTWU, waker_cpu)
    waker = m.rqs[waker_cpu].curr
    m.emit(EV_SCHED_WAKING, waker_cpu, waker, pid, task.prio, target)
    task.state = RUNNING  # WRITE_ONCE(p->__state, TASK_WAKING) then RUNNING
    # try_to_wake_up() finishes inside its caller: before the caller goes on.
    m.push(m.now, PRIO_NESTED, K_WAKE2, pid, target | waker_cpu << 8)
    return True


# K_WAKE2's second argument: target CPU | waker CPU << 8 | MIGRATED
MIGRATED = 1 << 16  # set_task_cpu() was done
ON_RQ = 1 << 17  # (local) the task was still queued: ttwu_runnable()


def _ttwu_activate(m: Machine, pid: int, arg: int) -> bool:
    task = m.tasks[pid]
    target = arg & 0xFF
    waker_cpu = (arg >> 8) & 0xFF
    rq = m.rqs[target]
    # ttwu_queue_cond(): an idle target CPU (all CPUs share the LLC here) is
    # sent the wakeup through its wake list and activates the task itself;
    # otherwise the waker does it. That decides where sched_wakeup shows.
    on_cpu = target if (rq.nr_running == 0 and target != waker_cpu) else waker_cpu
    update_rq_clock(m, rq)
    if task.on_rq:
        arg |= ON_RQ
        if task.se.sched_delayed:
            task_sched_class(task).enqueue_task(m, rq, task, ENQUEUE_DELAYED)
    elif task.cpu != target:
        # set_task_cpu(): trace the move, then activate on the new rq.
        orig = task.cpu
        set_task_cpu(m, task, target)
        waker = m.rqs[waker_cpu].curr
        m.emit(EV_SCHED_MIGRATE_TASK, waker_cpu, waker, pid, task.prio, orig, target)
        m.push(m.now, PRIO_NESTED, K_WAKE2, pid, arg | MIGRATED)
        return True
    else:
        flags = ENQUEUE_WAKEUP | (ENQUEUE_MIGRATED if arg & MIGRATED else 0)
        activate_task(m, rq, task, flags)
    m.emit(EV_SCHED_WAKEUP, on_cpu, m.rqs[on_cpu].curr, pid, task.prio, target)
    if task.on_cpu:
        return True  # it never left its CPU: the CPU just carries on
    wakeup_preempt(m, rq, task, WF_TTWU)
    if not arg & ON_RQ:  # ttwu_do_activate(), not ttwu_runnable()
        task_sched_class(task).task_woken(m, rq, task)
    return True


def wake_up_new_task(m: Machine, task: TaskStruct, parent_cpu: int = 0) -> None:
    """wake_up_new_task(): place a forked task and make it runnable.

    Traced by the parent on `parent_cpu` (CPU 0 for the scenario's tasks).
    """
    cpu = select_task_rq(m, task, WF_FORK, parent_cpu)
    task.cpu = cpu  # __set_task_cpu(): no migrate_task_rq(), not a migration
    rq = m.rqs[cpu]
    update_rq_clock(m, rq)
    task.state = RUNNING
    activate_task(m, rq, task, ENQUEUE_INITIAL)
    # Traced by the parent on its CPU (the scenario's tasks are forked from CPU 0).
    m.emit(EV_SCHED_WAKEUP_NEW, parent_cpu, m.rqs[parent_cpu].curr, task.pid, task.prio, cpu)
    wakeup_preempt(m, rq, task, WF_FORK)
    task_sched_class(task).task_woken(m, rq, task)


# -- the tick ---------------------------------------------------------------
def sched_tick(m: Machine, rq: Rq) -> None:
    """sched_tick(): account the running task and let its class decide."""
    update_rq_clock(m, rq)
    if rq.curr:
        curr = m.tasks[rq.curr]
        task_sched_class(curr).task_tick(m, rq, curr)
    if rq.sd:
        from ktui.sim.kernel.sched.balance import sched_balance_trigger

        sched_balance_trigger(m, rq)


def sched_init(m: Machine) -> None:
    """sched_init(): each CPU's run queues (init_cfs_rq(), init_rt_rq(), init_dl_rq())."""
    from ktui.sim.kernel.sched.balance import sched_init_domains
    from ktui.sim.kernel.sched.deadline import init_dl_rq, sched_init_dl_servers
    from ktui.sim.kernel.sched.rt import init_rt_rq

    for rq in m.rqs:
        init_cfs_rq(m, rq.cfs)
        init_rt_rq(m, rq.rt)
        init_dl_rq(m, rq.dl)
    sched_init_dl_servers(m)  # sched_init_smp() -> sched_init_dl_servers()
    if m.cfg.sched.classes:  # 2.6.0 .. 2.6.22: the O(1) scheduler's arrays
        from ktui.sim.kernel.sched.o1 import init_o1_rq

        for rq in m.rqs:
            init_o1_rq(m, rq)
    if not m.cfg.sched.classes:  # the O(1) scheduler is modelled without SMP balancing
        sched_init_domains(m)  # sched_init_smp()


def tick_nohz_idle_enter(m: Machine, rq: Rq) -> None:
    """tick_nohz_idle_stop_tick(): an idle CPU stops its periodic tick."""
    if not rq.tick_stopped:
        rq.tick_stopped = True
        rq.tick_gen += 1


def tick_nohz_idle_exit(m: Machine, rq: Rq) -> None:
    """tick_nohz_idle_exit(): restart the tick on the next period boundary."""
    if rq.tick_stopped:
        rq.tick_stopped = False
        rq.tick_gen += 1
        period = m.tick_nsec
        m.push((m.now // period + 1) * period, PRIO_IRQ, K_TICK, rq.cpu, rq.tick_gen)


def _not_bound(m: Machine, a: int, b: int) -> bool:
    raise AssertionError("kind handler not bound: import ktui.sim.subsystems")


# Their handlers live in hw/cpu.py and kernel/time/tick.py (which import this
# module) and bind themselves there with bind_kind().
K_EXEC = register_kind("exec", _not_bound)
K_TICK = register_kind("tick", _not_bound)
K_WAKE = register_kind("ttwu", _ttwu_waking)
K_WAKE2 = register_kind("ttwu_activate", _ttwu_activate)
