"""task_struct and sched_entity. Models include/linux/sched.h.

Only the fields the simulator uses are kept, in kernel spelling. Tasks refer
to each other, to CPUs and to locks by number (pid, cpu, lock id), never by
object, so the whole machine state is plain data that copies and digests
stably. Left out: signals, mm, files, credentials, cgroups.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, NewType

from ktui.sim.include.linux.sched.prio import DEFAULT_PRIO
from ktui.sim.state import PlainState, mypyc_attr

Pid = NewType("Pid", int)
Cpu = NewType("Cpu", int)
Nsecs = NewType("Nsecs", int)


class TaskState(IntEnum):
    """``task_struct.__state`` values (include/linux/sched.h)."""

    TASK_RUNNING = 0x0000
    TASK_INTERRUPTIBLE = 0x0001
    TASK_UNINTERRUPTIBLE = 0x0002
    TASK_STOPPED = 0x0004
    EXIT_DEAD = 0x0010
    EXIT_ZOMBIE = 0x0020
    TASK_DEAD = 0x0080
    TASK_NEW = 0x0800


class SchedPolicy(IntEnum):
    """Scheduling policies (include/uapi/linux/sched.h)."""

    SCHED_NORMAL = 0
    SCHED_FIFO = 1
    SCHED_RR = 2
    SCHED_BATCH = 3
    SCHED_IDLE = 5
    SCHED_DEADLINE = 6


POLICY_BY_NAME: Final[dict[str, SchedPolicy]] = {
    p.name.removeprefix("SCHED_").lower(): p for p in SchedPolicy
}
"""The one policy table: ``normal`` -> SCHED_NORMAL ... (scenarios, views, reports)."""


def policy_name(policy: int) -> str:
    """``normal``, ``fifo`` ... for a policy number (the number itself if unknown)."""
    for name, p in POLICY_BY_NAME.items():
        if p == policy:
            return name
    return str(policy)




# task_struct.on_rq (kernel/sched/sched.h)
TASK_ON_RQ_QUEUED = 1
TASK_ON_RQ_MIGRATING = 2


@mypyc_attr(allow_interpreted_subclasses=True)
class SchedEntity(PlainState):
    """``struct sched_entity``: a task's CFS/EEVDF bookkeeping.

    ``load_weight`` is ``se->load.weight`` (scaled by SCHED_FIXEDPOINT_SHIFT as
    on 64-bit kernels), ``inv_weight`` its ``sched_prio_to_wmult`` entry.
    ``run_key`` is the key the entity is stored under in its cfs_rq's tree
    while it is queued there (None when it is not in the tree, e.g. while it
    is ``cfs_rq->curr``). ``nr_migrations`` and the wait statistics
    (``wait_start``, ``wait_sum``, ``wait_count``: schedstats) are kept for
    every class, as the kernel keeps them in ``se`` for every task.
    """

    __slots__: Final = (
        "load_weight",
        "inv_weight",
        "vruntime",
        "deadline",
        "min_vruntime",
        "vlag",
        "slice",
        "exec_start",
        "sum_exec_runtime",
        "prev_sum_exec_runtime",
        "on_rq",
        "sched_delayed",
        "rel_deadline",
        "custom_slice",
        "run_key",
        "vprot",
        "nr_migrations",
        "wait_start",
        "wait_sum",
        "wait_count",
    )

    def __init__(self) -> None:
        self.load_weight = 0
        self.inv_weight = 0
        self.vruntime = 0
        self.deadline = 0
        self.min_vruntime = 0
        self.vlag = 0
        self.slice = 0
        self.exec_start = 0
        self.sum_exec_runtime = 0
        self.prev_sum_exec_runtime = 0
        self.on_rq = 0
        self.sched_delayed = 0
        self.rel_deadline = 0
        self.custom_slice = 0
        self.run_key: tuple[int, int, int] | None = None
        self.vprot = 0
        # se.nr_migrations (set_task_cpu()) and the schedstats of
        # update_stats_wait_start()/_end(): time queued but not running.
        self.nr_migrations = 0
        self.wait_start = 0
        self.wait_sum = 0
        self.wait_count = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class SchedRtEntity(PlainState):
    """``struct sched_rt_entity``: a task's RT-class bookkeeping.

    Attributes:
        time_slice: Ticks (jiffies) left of a SCHED_RR task's round-robin
            slice: ``sched_rr_timeslice`` (RR_TIMESLICE, 100 ms) from
            __sched_fork() and at each refill in task_tick_rt().
        timeout: Ticks run since it last slept (RLIMIT_RTTIME; reset on
            wakeup, not counted: the default rlimit is infinite).
        on_rq: Queued on its rt_rq's priority list.
        on_list: On the list (the kernel separates the two for group moves).
    """

    __slots__: Final = ("time_slice", "timeout", "on_rq", "on_list")

    def __init__(self) -> None:
        self.time_slice = 0
        self.timeout = 0
        self.on_rq = 0
        self.on_list = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class SchedDlEntity(PlainState):
    """``struct sched_dl_entity``: a task's deadline-class (CBS) bookkeeping.

    Attributes:
        dl_runtime: Runtime per period, ns (sched_attr.sched_runtime).
        dl_deadline: Relative deadline, ns.
        dl_period: Period, ns (the deadline when given as 0).
        dl_bw: to_ratio(dl_period, dl_runtime): runtime/period << BW_SHIFT.
        dl_density: to_ratio(dl_deadline, dl_runtime).
        runtime: Remaining runtime of the current instance, ns (signed).
        deadline: Absolute deadline of the current instance, ns.
        flags: sched_attr.sched_flags.
        dl_throttled: Out of runtime, waiting for the replenishment timer.
        dl_yielded: Gave up the rest of its runtime with sched_yield().
        dl_non_contending: Blocked, its bandwidth still counted until the
            0-lag time (the inactive timer).
        dl_overrun: Ran past its runtime (SCHED_FLAG_DL_OVERRUN).
        dl_server: This entity serves another class (the fair server).
        timer_gen: Invalidates a pending replenishment (dl_timer) when
            bumped; timer_at is when it fires, 0 if not armed.
        inactive_gen: The same for the inactive timer.
        inactive_at: When the inactive timer fires, 0 if not armed
            (hrtimer_active(&dl_se->inactive_timer)).
        dl_defer: A deferred server (the fair server, 6.12+).
        dl_defer_armed: The deferred server waits for its defer timer.
        dl_defer_running: The deferred server is serving a starvation case.
        dl_server_active: dl_server_start() was called (not stopped since).
        rb_key: The entity's ``(deadline, seq, pid)`` in ``dl_rq->root``, ()
            when not queued there (on_dl_rq() is ``bool(rb_key)``).
        job_deadline: Absolute deadline of the current job (instance) of
            the task, for the deadline-miss events (not a kernel field).
    """

    __slots__: Final = (
        "dl_runtime",
        "dl_deadline",
        "dl_period",
        "dl_bw",
        "dl_density",
        "runtime",
        "deadline",
        "flags",
        "dl_throttled",
        "dl_yielded",
        "dl_non_contending",
        "dl_overrun",
        "dl_server",
        "timer_gen",
        "timer_at",
        "inactive_gen",
        "inactive_at",
        "dl_defer",
        "dl_defer_armed",
        "dl_defer_running",
        "dl_server_active",
        "rb_key",
        "job_deadline",
    )

    def __init__(self) -> None:
        self.dl_runtime = 0
        self.dl_deadline = 0
        self.dl_period = 0
        self.dl_bw = 0
        self.dl_density = 0
        self.runtime = 0
        self.deadline = 0
        self.flags = 0
        self.dl_throttled = False
        self.dl_yielded = False
        self.dl_non_contending = False
        self.dl_overrun = False
        self.dl_server = False
        self.timer_gen = 0
        self.timer_at = 0
        self.inactive_gen = 0
        self.inactive_at = 0
        self.dl_defer = False
        self.dl_defer_armed = False
        self.dl_defer_running = False
        self.dl_server_active = False
        self.rb_key: tuple[int, int, int] | tuple[()] = ()
        self.job_deadline = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class SchedO1Entity(PlainState):
    """The O(1) scheduler's fields of ``task_struct`` (include/linux/sched.h
    of Linux 2.6.22), kept only on a machine running that scheduler.

    Attributes:
        time_slice: Jiffies left of the current timeslice (``p->time_slice``).
        first_time_slice: Still in the slice inherited at fork.
        sleep_avg: The interactivity estimator's "average sleep time", ns,
            0..NS_MAX_SLEEP_AVG.
        timestamp: sched_clock() of the last arrival on or departure from a
            CPU or run queue, ns (``p->timestamp``).
        sleep_type: SLEEP_NORMAL, SLEEP_NONINTERACTIVE, SLEEP_INTERACTIVE or
            SLEEP_INTERRUPTED (``enum sleep_type``).
        array: Which of the rq's two prio_arrays it is queued in (0 or 1),
            -1 when on none (``p->array == NULL``).
        qprio: The list of that array it sits in (``p->prio`` when it was
            queued; the model's syscalls may change ``prio`` before telling
            the class).
    """

    __slots__: Final = (
        "time_slice",
        "first_time_slice",
        "sleep_avg",
        "timestamp",
        "sleep_type",
        "array",
        "qprio",
    )

    def __init__(self) -> None:
        self.time_slice = 0
        self.first_time_slice = 0
        self.sleep_avg = 0
        self.timestamp = 0
        self.sleep_type = 0
        self.array = -1
        self.qprio = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class TaskStruct(PlainState):
    """``struct task_struct``: one task and where it is in its program.

    Attributes beyond the kernel's: ``pc`` (index of the op being executed),
    ``op_phase`` (step within a multi-event op), ``loop_stack`` (remaining
    counts of enclosing ``repeat`` blocks), ``run_left`` (ns left of the
    current ``run`` op), ``delay_until`` (end of the current ``udelay``, in
    wall time), ``blocked_on`` (lock id waited for, -1 if none),
    ``wake_gen`` (invalidates stale timer wakeups).
    """

    __slots__: Final = (
        "pid",
        "comm",
        "state",
        "exit_state",
        "policy",
        "static_prio",
        "normal_prio",
        "prio",
        "rt_priority",
        "cpu",
        "cpus_mask",
        "on_rq",
        "on_cpu",
        "se",
        "rt",
        "dl",
        "o1",
        "nvcsw",
        "nivcsw",
        "start_time",
        "pc",
        "op_phase",
        "loop_stack",
        "run_left",
        "held_locks",
        "blocked_on",
        "wake_gen",
        "irqs_disabled",
        "saved_irqs",
        "last_ran",
        "run_start",
        "exit_code",
        "delay_until",
        "hrtimer_softexpires",
        "hrtimer_expires",
        "jobctl",
    )

    def __init__(self, pid: int, comm: str, cpus_mask: tuple[int, ...]) -> None:
        self.pid = pid
        self.comm = comm
        self.state = int(TaskState.TASK_NEW)
        self.exit_state = 0
        self.policy = int(SchedPolicy.SCHED_NORMAL)
        self.static_prio = DEFAULT_PRIO
        self.normal_prio = DEFAULT_PRIO
        self.prio = DEFAULT_PRIO
        self.rt_priority = 0
        self.cpu = 0
        self.cpus_mask = cpus_mask
        self.on_rq = 0
        self.on_cpu = False
        self.se = SchedEntity()
        self.rt = SchedRtEntity()
        self.dl = SchedDlEntity()
        # Only on a machine running the O(1) scheduler (2.6.0 .. 2.6.22):
        # its presence is what puts the task in that class.
        self.o1: SchedO1Entity | None = None
        self.nvcsw = 0
        self.nivcsw = 0
        self.start_time = 0
        self.pc = 0
        self.op_phase = 0
        self.loop_stack: list[int] = []
        self.run_left = 0
        self.held_locks: list[int] = []
        self.blocked_on = -1
        self.wake_gen = 0
        # preempt_count is per CPU (ktui.sim.include.linux.percpu). The
        # interrupt flag is the CPU's too in the kernel; the model keeps it
        # with the task, which only switches out with interrupts on (or
        # after the might_sleep() BUG, where that leak is the bug).
        self.irqs_disabled = False
        self.saved_irqs: list[bool] = []
        self.last_ran = 0
        self.run_start = 0
        self.exit_code = 0
        self.delay_until = 0
        # The task's hrtimer_sleeper (on its stack in the kernel): soft and
        # hard expiry of its nanosleep/usleep_range.
        self.hrtimer_softexpires = 0
        self.hrtimer_expires = 0
        self.jobctl = 0  # JOBCTL_STOP_PENDING (kernel/signal.py)

    @property
    def nice(self) -> int:
        """task_nice(): static_prio - 120."""
        return self.static_prio - DEFAULT_PRIO

    @property
    def nr_switches(self) -> int:
        """nvcsw + nivcsw, as /proc/PID/sched's nr_switches."""
        return self.nvcsw + self.nivcsw

