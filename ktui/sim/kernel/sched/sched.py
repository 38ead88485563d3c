"""Run queues: ``struct rq`` and ``struct cfs_rq``. Models kernel/sched/sched.h.

Also holds the nice-to-weight tables that kernel/sched/core.c defines
(``sched_prio_to_weight``/``sched_prio_to_wmult``), and ``struct
sched_class``: `SchedClass`, the table of class operations each class
module fills in (``DEFINE_SCHED_CLASS()``; classes.py lists them in
``for_each_class()`` order). The CFS tree (``cfs_rq->tasks_timeline``, an
augmented rb-tree in the kernel) is a `TasksTimeline` of ``(key, seq,
pid)`` (timeline.py). Left out: PELT averages, group
scheduling (one root cfs_rq per CPU), the rq lock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Final

from sortedcontainers import SortedList

from ktui.sim.include.linux.percpu import PerCpu
from ktui.sim.include.linux.preempt import context_name
from ktui.sim.include.linux.sched import SchedDlEntity
from ktui.sim.kernel.sched.timeline import TasksTimeline
from ktui.sim.state import PlainState, mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.topology import SchedDomain
    from ktui.sim.machine import Machine

# kernel/sched/core.c: sched_prio_to_weight[] -- nice -20 .. 19. Each step is
# about 1.25x, so one nice level is about a 10% CPU-share difference.
sched_prio_to_weight: tuple[int, ...] = (
    88761, 71755, 56483, 46273, 36291,
    29154, 23254, 18705, 14949, 11916,
    9548, 7620, 6100, 4904, 3906,
    3121, 2501, 1991, 1586, 1277,
    1024, 820, 655, 526, 423,
    335, 272, 215, 172, 137,
    110, 87, 70, 56, 45,
    36, 29, 23, 18, 15,
)  # fmt: skip

# kernel/sched/core.c: sched_prio_to_wmult[] = 2^32 / weight, precalculated.
sched_prio_to_wmult: tuple[int, ...] = (
    48388, 59856, 76040, 92818, 118348,
    147320, 184698, 229616, 287308, 360437,
    449829, 563644, 704093, 875809, 1099582,
    1376151, 1717300, 2157191, 2708050, 3363326,
    4194304, 5237765, 6557202, 8165337, 10153587,
    12820798, 15790321, 19976592, 24970740, 31350126,
    39045157, 49367440, 61356676, 76695844, 95443717,
    119304647, 148102320, 186737708, 238609294, 286331153,
)  # fmt: skip

SCHED_FIXEDPOINT_SHIFT = 10
NICE_0_LOAD_SHIFT = 2 * SCHED_FIXEDPOINT_SHIFT  # 64-bit: extra resolution
NICE_0_LOAD = 1 << NICE_0_LOAD_SHIFT
WEIGHT_IDLEPRIO = 3  # kernel/sched/core.c: SCHED_IDLE tasks' weight
WMULT_IDLEPRIO = 1431655765


def scale_load(w: int) -> int:
    """scale_load(): weight as stored in load.weight on 64-bit kernels."""
    return w << SCHED_FIXEDPOINT_SHIFT


def scale_load_down(w: int) -> int:
    """scale_load_down(): back to the table's resolution (at least 2 if non-zero)."""
    if w:
        return max(2, w >> SCHED_FIXEDPOINT_SHIFT)
    return w


def cpu_context(pcpu: PerCpu) -> str:
    """The CPU's execution context: ``task``, ``softirq``, ``hardirq`` or
    ``nmi``, from its preempt_count (interrupt_context_level())."""
    return context_name(pcpu)


@mypyc_attr(allow_interpreted_subclasses=True)
class CfsRq(PlainState):
    """``struct cfs_rq``: one CPU's fair run queue (the root one; no groups).

    Attributes:
        nr_queued: Entities queued, including delayed-dequeue ones
            (``cfs_rq->nr_queued``; ``nr_running`` before 6.14).
        h_nr_runnable: Queued and not delayed.
        load_weight: Sum of queued entities' weights.
        tasks_timeline: The tree: ``(key, seq, pid)`` with the subtree
            minima of vruntime (the augmented ``se->min_vruntime``); does not
            hold ``curr``.
        curr: pid of the entity running on this cfs_rq, or 0.
        next: pid of the ``next`` buddy, or 0.
        last: pid of the ``last`` buddy, or 0 (CFS, before 6.6).
        skip: pid of the ``skip`` buddy set by sched_yield(), or 0 (CFS,
            before 6.6).
        min_vruntime: Monotonic vruntime floor (CFS; kept for display in EEVDF).
        zero_vruntime: Reference point for avg_vruntime sums (6.18).
        avg_vruntime: Sum of (vruntime - zero_vruntime) * weight over the tree.
        avg_load: Sum of weights over the tree (scale_load_down units).
        slice_count: How many entities in the tree have each slice (the
            augmented ``min_slice``).
    """

    __slots__: Final = (
        "nr_queued",
        "h_nr_runnable",
        "load_weight",
        "tasks_timeline",
        "curr",
        "next",
        "last",
        "skip",
        "min_vruntime",
        "zero_vruntime",
        "avg_vruntime",
        "avg_load",
        "slice_count",
    )

    def __init__(self) -> None:
        self.nr_queued = 0
        self.h_nr_runnable = 0
        self.load_weight = 0
        self.tasks_timeline = TasksTimeline()
        self.curr = 0
        self.next = 0
        self.last = 0
        self.skip = 0
        self.min_vruntime = 0
        self.zero_vruntime = 0
        self.avg_vruntime = 0
        self.avg_load = 0
        # The augmented rb-tree's se->min_slice at the root, kept as a count
        # of each slice value.
        self.slice_count: dict[int, int] = {}


@mypyc_attr(allow_interpreted_subclasses=True)
class RtRq(PlainState):
    """``struct rt_rq``: one CPU's RT run queue (the root one; no groups).

    Attributes:
        queue: ``rt_prio_array.queue``: per prio 0..MAX_RT_PRIO-1, the pids
            queued at that prio in FIFO order.
        bitmap: ``rt_prio_array.bitmap`` as an int: bit ``prio`` set when
            that list is not empty (sched_find_first_bit() is the lowest).
        rt_nr_running: RT tasks queued (including curr).
        rr_nr_running: Of those, SCHED_RR ones.
        highest_prio_curr: Best queued prio (MAX_RT_PRIO - 1 when empty, 5.13+).
        highest_prio_next: Best pushable prio, for pull (MAX_RT_PRIO - 1: none).
        pushable: ``rq->rt.pushable_tasks``, a plist: ``(prio, pid)`` of the
            queued tasks that are not running and may run elsewhere, by prio
            (FIFO among equals).
        overloaded: Has pushable tasks (the rd's rto_mask bit, 6.7+).
        rt_queued: The rt_rq counts in rq->nr_running (not throttled).
        rt_throttled: Ran out of rt_runtime in this period (RT throttling).
        rt_time: RT runtime used in the current period, ns.
        rt_runtime: Budget per period, ns (sched_rt_runtime_us; -1: none).
    """

    __slots__: Final = (
        "queue",
        "bitmap",
        "rt_nr_running",
        "rr_nr_running",
        "highest_prio_curr",
        "highest_prio_next",
        "pushable",
        "overloaded",
        "rt_queued",
        "rt_throttled",
        "rt_time",
        "rt_runtime",
    )

    def __init__(self) -> None:
        self.queue: list[list[int]] = [[] for _ in range(100)]  # MAX_RT_PRIO
        self.bitmap = 0
        self.rt_nr_running = 0
        self.rr_nr_running = 0
        self.highest_prio_curr = 99  # MAX_RT_PRIO - 1
        self.highest_prio_next = 99
        self.pushable: list[tuple[int, int]] = []
        self.overloaded = False
        self.rt_queued = False
        self.rt_throttled = False
        self.rt_time = 0
        self.rt_runtime = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class DlRq(PlainState):
    """``struct dl_rq``: one CPU's deadline run queue.

    Attributes:
        root: The EDF tree (``dl_rq->root``, an rb-tree by absolute
            deadline): a SortedList of ``(deadline, seq, pid)``; the fair
            server is pid -1 - cpu.
        dl_nr_running: Deadline entities queued.
        earliest_dl_curr: Earliest queued deadline (0 when empty).
        earliest_dl_next: Second earliest, for push/pull.
        overloaded: More than one and one could run elsewhere.
        running_bw: Utilisation of the active (contending) entities,
            BW_SHIFT fixed point (GRUB).
        this_bw: Utilisation of every entity assigned to this rq.
        extra_bw: Reclaimable bandwidth (GRUB).
        max_bw: Largest bandwidth an entity may reclaim up to.
        bw_ratio: to_ratio(global runtime, period) >> (BW_SHIFT - RATIO_SHIFT).
        idle_exec_start: The idle task's ``se.exec_start`` as
            dl_server_update_idle_time() moves it (0: since the CPU went idle).
    """

    __slots__: Final = (
        "root",
        "dl_nr_running",
        "earliest_dl_curr",
        "earliest_dl_next",
        "overloaded",
        "running_bw",
        "this_bw",
        "extra_bw",
        "max_bw",
        "bw_ratio",
        "idle_exec_start",
    )

    def __init__(self) -> None:
        self.root: SortedList[tuple[int, int, int]] = SortedList()
        self.dl_nr_running = 0
        self.earliest_dl_curr = 0
        self.earliest_dl_next = 0
        self.overloaded = False
        self.running_bw = 0
        self.this_bw = 0
        self.extra_bw = 0
        self.max_bw = 0
        self.bw_ratio = 0
        self.idle_exec_start = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class PrioArray(PlainState):
    """``struct prio_array`` of the O(1) scheduler (kernel/sched.c, 2.6.22).

    Attributes:
        nr_active: Tasks queued in this array.
        bitmap: Bit ``prio`` set when ``queue[prio]`` is not empty
            (sched_find_first_bit() is the lowest set bit).
        queue: Per prio 0..MAX_PRIO-1, the pids queued there, head first.
    """

    __slots__: Final = ("nr_active", "bitmap", "queue")

    def __init__(self) -> None:
        self.nr_active = 0
        self.bitmap = 0
        self.queue: list[list[int]] = [[] for _ in range(140)]  # MAX_PRIO


@mypyc_attr(allow_interpreted_subclasses=True)
class O1Rq(PlainState):
    """The O(1) scheduler's part of ``struct rq`` (kernel/sched.c, 2.6.22).

    Attributes:
        arrays: The two prio_arrays (``rq->arrays[2]``).
        active: Index of ``rq->active`` in `arrays`; the other is
            ``rq->expired``. schedule() swaps them when active runs empty.
        expired_timestamp: jiffies when the first task expired since the
            last swap, 0 if none (EXPIRED_STARVING's clock).
        best_expired_prio: Best static_prio in the expired array
            (MAX_PRIO when none).
        nr_array_switches: How often schedule() swapped the arrays
            (schedstats' ``sched_switch`` of /proc/schedstat version 14).
    """

    __slots__: Final = (
        "arrays",
        "active",
        "expired_timestamp",
        "best_expired_prio",
        "nr_array_switches",
    )

    def __init__(self) -> None:
        self.arrays = [PrioArray(), PrioArray()]
        self.active = 0
        self.expired_timestamp = 0
        self.best_expired_prio = 140  # MAX_PRIO
        self.nr_array_switches = 0


@mypyc_attr(allow_interpreted_subclasses=True)
class Rq(PlainState):
    """``struct rq``: one CPU's run queue, and the CPU state the model needs.

    Attributes:
        cpu: CPU number.
        nr_running: Runnable tasks on this CPU, including ``curr``.
        curr: pid running now (0: the idle task, ``swapper/cpu``).
        cfs: The fair run queue.
        rt: The RT run queue.
        dl: The deadline run queue.
        fair_server: ``rq->fair_server``, the deadline server of the fair
            class (6.12+; its ``dl_server`` is False before).
        o1: The O(1) scheduler's arrays, on a 2.6.0 .. 2.6.22 machine only
            (None otherwise).
        stop: pid of the CPU's stop-class task, 0 if none.
        clock: rq_clock(): ns, updated by update_rq_clock().
        clock_task: rq_clock_task(): ns (no irq-time accounting).
        nr_switches: Context switches on this CPU.
        need_resched: TIF_NEED_RESCHED of ``curr``.
        tick_stopped: NO_HZ: the periodic tick is stopped while idle.
        tick_pending: A tick arrived with interrupts off and waits for them.
        exec_gen: Bumped on every switch; stale CPU-execution steps carry an
            older value and are dropped.
        idle_time: ns spent idle (up to ``idle_since`` while idle).
        spinning_on: Lock id the CPU spins on, -1 if none.
        tick_gen: Bumped when the tick is stopped; stale ticks are dropped.
        sd: ``rq->sd`` and its parents: this CPU's `SchedDomain` state per
            level, lowest first (empty on a one-CPU machine).
        next_balance: jiffies when the periodic balance is next due.
        cfs_tasks: ``rq->cfs_tasks``: the queued fair tasks, pid -> stamp,
            in list order from the tail (least recently queued or run) to
            the head (the dict's insertion order is the list's order).
        nohz_idle_balance: NOHZ_*_KICK flags of a pending idle balance this
            CPU does for the idle CPUs (``rq->nohz_idle_balance``).
        active_balance: An active balance is under way: the stopper was
            asked to push this CPU's current task to ``push_cpu``.
        push_cpu: Where the active balance pushes to.
    """

    __slots__: Final = (
        "cpu",
        "nr_running",
        "curr",
        "cfs",
        "rt",
        "dl",
        "fair_server",
        "o1",
        "stop",
        "clock",
        "clock_task",
        "nr_switches",
        "need_resched",
        "tick_stopped",
        "tick_pending",
        "exec_gen",
        "idle_time",
        "idle_since",
        "spinning_on",
        "tick_gen",
        "sd",
        "next_balance",
        "cfs_tasks",
        "nohz_idle_balance",
        "active_balance",
        "push_cpu",
    )

    def __init__(self, cpu: int) -> None:
        self.cpu = cpu
        self.nr_running = 0
        self.curr = 0
        self.cfs = CfsRq()
        self.rt = RtRq()
        self.dl = DlRq()
        self.fair_server = SchedDlEntity()
        self.o1: O1Rq | None = None
        self.stop = 0
        self.clock = 0
        self.clock_task = 0
        self.nr_switches = 0
        self.need_resched = False
        self.tick_stopped = True
        self.tick_pending = False
        self.exec_gen = 0
        self.idle_time = 0
        self.idle_since = 0
        self.spinning_on = -1
        self.tick_gen = 0
        self.sd: list[SchedDomain] = []
        self.next_balance = 0
        self.cfs_tasks: dict[int, int] = {}
        self.nohz_idle_balance = 0
        self.active_balance = 0
        self.push_cpu = 0

# kernel/sched/sched.h: flags to enqueue_task()/dequeue_task(). The values
# are internal to the model; the names and meanings are the kernel's.
DEQUEUE_SLEEP = 0x01  # the task is going to sleep (not a migration/save)
DEQUEUE_SAVE = 0x02  # dequeue to change an attribute, enqueue right back
DEQUEUE_MOVE = 0x04
DEQUEUE_SPECIAL = 0x10
DEQUEUE_MIGRATING = 0x100  # p->on_rq == TASK_ON_RQ_MIGRATING (deadline bandwidth moves)
DEQUEUE_DELAYED = 0x200  # finishing a delayed dequeue (DELAY_DEQUEUE, 6.12+)

ENQUEUE_WAKEUP = 0x01
ENQUEUE_HEAD = 0x10  # (the kernel's value is internal too)
ENQUEUE_RESTORE = 0x02
ENQUEUE_MOVE = 0x04
ENQUEUE_MIGRATED = 0x40
ENQUEUE_INITIAL = 0x80  # first enqueue of a forked task
ENQUEUE_REPLENISH = 0x20  # deadline: the replenishment timer's enqueue
ENQUEUE_MIGRATING = 0x100  # p->on_rq == TASK_ON_RQ_MIGRATING
ENQUEUE_DELAYED = 0x200  # waking a task whose dequeue was delayed

# kernel/sched/sched.h: wake flags
WF_EXEC = 0x02
WF_FORK = 0x04
WF_TTWU = 0x08
WF_SYNC = 0x10


@mypyc_attr(native_class=False)  # a plain Python class: ops are assigned as staticmethods
class SchedClass:
    """``struct sched_class`` (kernel/sched/sched.h): one class's operations.

    Each class module defines one subclass and one instance
    (``DEFINE_SCHED_CLASS(fair)``); classes.py puts the instances in
    ``for_each_class()`` order. The instances hold no state: the state is in
    the run queues and tasks, and a task's class follows from its policy
    (``__setscheduler_class()``), so nothing in the machine state refers to
    a class object. The defaults are what the kernel does for a NULL op.

    Attributes:
        name: The class's name (``fair``, ``idle``; ``stop``, ``dl``, ``rt``
            come with the scheduler issue).
        policies: The SCHED_* policies whose tasks belong to this class.
        has_pick_next_task: The class has its own pick_next_task().
    """

    __slots__ = ()
    name: ClassVar[str] = ""
    policies: ClassVar[tuple[int, ...]] = ()
    has_pick_next_task: ClassVar[bool] = False

    def enqueue_task(self, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
        """enqueue_task(): make task runnable on rq (ENQUEUE_* flags)."""
        raise NotImplementedError(f"{self.name}: enqueue_task")

    def dequeue_task(self, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
        """dequeue_task(): False if the class keeps it queued (a delayed dequeue)."""
        raise NotImplementedError(f"{self.name}: dequeue_task")

    def yield_task(self, m: Machine, rq: Rq) -> None:
        """yield_task(): rq->curr calls sched_yield()."""

    def wakeup_preempt(self, m: Machine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
        """wakeup_preempt(): task of this class woke on rq, whose curr is of this class."""

    def task_woken(self, m: Machine, rq: Rq, task: TaskStruct) -> None:
        """task_woken(): after a wakeup's (or a fork's) activation and wakeup_preempt()."""

    def balance(self, m: Machine, rq: Rq, prev: TaskStruct | None) -> bool:
        """balance(): pull work before a pick; True if this class has a task to run."""
        return False

    def pick_task(self, m: Machine, rq: Rq) -> TaskStruct | None:
        """pick_task(): the task this class would run next, or None."""
        return None

    def pick_next_task(
        self, m: Machine, rq: Rq, prev: TaskStruct | None
    ) -> TaskStruct | None:
        """pick_next_task(): pick and put_prev_set_next_task() in one, or None.

        Only classes with ``has_pick_next_task`` have it (fair does);
        __pick_next_task() calls pick_task() and put_prev_set_next_task()
        for the others.
        """
        raise NotImplementedError(f"{self.name}: pick_next_task")

    def put_prev_task(
        self, m: Machine, rq: Rq, prev: TaskStruct, next_task: TaskStruct | None
    ) -> None:
        """put_prev_task(): prev stops running (it may stay queued)."""

    def set_next_task(self, m: Machine, rq: Rq, task: TaskStruct | None, first: bool) -> None:
        """set_next_task(): task becomes rq's current task."""

    def select_task_rq(self, m: Machine, task: TaskStruct, wake_flags: int) -> int:
        """select_task_rq(): the CPU for a waking or forked task (WF_* flags)."""
        return task.cpu

    def migrate_task_rq(self, m: Machine, task: TaskStruct, new_cpu: int) -> None:
        """migrate_task_rq(): set_task_cpu() moves task to new_cpu."""

    def task_tick(self, m: Machine, rq: Rq, task: TaskStruct) -> None:
        """task_tick(): the periodic tick while task runs."""

    def task_fork(self, m: Machine, task: TaskStruct) -> None:
        """task_fork(): a child of this class was forked (sched_cgroup_fork())."""

    def prio_changed(self, m: Machine, rq: Rq, task: TaskStruct, old_prio: int) -> None:
        """prio_changed(): task's priority changed from old_prio."""

    def switched_to(self, m: Machine, rq: Rq, task: TaskStruct) -> None:
        """switched_to(): task joined this class (a policy change)."""

    def update_curr(self, m: Machine, rq: Rq) -> None:
        """update_curr(): charge rq->curr for the time it ran."""

    def switched_from(self, m: Machine, rq: Rq, task: TaskStruct) -> None:
        """switched_from(): task left this class (a policy change)."""

    def task_dead(self, m: Machine, task: TaskStruct) -> None:
        """task_dead(): task exited (its bandwidth is released, for deadline)."""

    def get_rr_interval(self, m: Machine, rq: Rq, task: TaskStruct) -> int:
        """get_rr_interval(): sched_rr_get_interval()'s answer, ns (0: none)."""
        return 0

    def set_cpus_allowed(self, m: Machine, task: TaskStruct, mask: tuple[int, ...]) -> None:
        """set_cpus_allowed(): the task's affinity changes to mask."""
        task.cpus_mask = mask

