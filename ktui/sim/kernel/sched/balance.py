"""Load balancing: the SMP half of kernel/sched/fair.c (Linux 6.18 names).

Periodic balancing: the tick calls `sched_balance_trigger` (trigger_load_balance
before 6.10), which raises SCHED_SOFTIRQ when ``rq->next_balance`` is due and
kicks an idle CPU for NOHZ idle balancing (`nohz_balancer_kick`); the softirq
runs `sched_balance_domains` (rebalance_domains): for each domain whose
interval (`get_sd_balance_interval`: balance_interval, times busy_factor and
less one jiffy when busy) has passed, `sched_balance_rq` (load_balance):
`should_we_balance`, `sched_balance_find_src_group` (find_busiest_group:
update_sd_lb_stats(), group_classify(), calculate_imbalance()),
`sched_balance_find_src_rq` (find_busiest_queue), `detach_tasks` (from the
tail of ``rq->cfs_tasks``, what `can_migrate_task` and `task_hot` allow) and
`attach_tasks`, then the balance_interval update. An idle CPU's tick is
stopped, so it is balanced by the ILB (`_nohz_idle_balance`), and a CPU
going idle pulls at once (`sched_balance_newidle`, newidle_balance before
6.10), from pick_next_task_fair()'s idle path.

Load metric. The kernel weighs CPUs and groups by PELT averages; the model
has no PELT, so it uses what those averages converge to when every task on
the CPU is always runnable, a deterministic stand-in:

* ``cpu_load()`` = the queued fair weights, ``scale_load_down(cfs.load_weight)``
  (1024 per nice-0 task); ``task_h_load()`` = the task's scaled weight;
* ``cpu_util_cfs()`` = SCHED_CAPACITY_SCALE when a fair task is runnable there,
  else 0; ``task_util_est()`` = SCHED_CAPACITY_SCALE;
* ``cpu_runnable()`` = SCHED_CAPACITY_SCALE per runnable fair task;
* every CPU's capacity is SCHED_CAPACITY_SCALE.

So a group is ``group_overloaded`` when it has more tasks than CPUs and all
its CPUs are busy (or 117% runnable), ``group_fully_busy`` with one task per
CPU, ``group_has_spare`` with an idle CPU, as group_classify() sees
converged averages; blocked (sleeping) load is not counted anywhere.

The balancing itself costs no simulated time: ``sd->max_newidle_lb_cost``
and ``rq->avg_idle`` never stop a newidle balance. The root domain's
overload flag is computed when read (some CPU has two tasks). Each move is
a ``sched_migrate_task`` event (emitted by set_task_cpu(), on the balancing
CPU); a pass that moves several tasks emits the first at once and the rest
right after, at the same instant (`K_MIGRATE_EMIT`), so that a step is one
event. ``CONFIG_PREEMPTION`` is assumed: a newidle balance stops after
one task.

Active balancing (`need_active_balance`, `_active_load_balance_cpu_stop`)
moves the running task itself, there being no stopper thread: a preemption
then the move, where the kernel switches to migration/N in between (and
the CPU left idle does no newidle balance then). A push that finds the CPU
not preemptible is dropped rather than waiting for the stopper to run.

Left out: the misfit, asym-packing and SMT-balance group types and the
capacity cases of need_active_balance(), ``sg_imbalanced()`` (the
``sgc->imbalance`` affinity flag), NUMA, the ``nohz.has_blocked`` stats
kicks, ``sched_balance_running`` (SD_SERIALIZE is never set here),
migrating delayed-dequeue tasks (migrate_load would take them), the
LB_MIN feature, ``task_is_ineligible_on_dst_cpu()``, schedstats of the
balancer (lb_count, lb_failed, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.sched import TASK_ON_RQ_MIGRATING, SchedPolicy, TaskStruct
from ktui.sim.kernel.sched.core import (
    EV_SCHED_MIGRATE_TASK,
    activate_task,
    set_task_cpu,
    update_rq_clock,
    wakeup_preempt,
)
from ktui.sim.kernel.sched.fair import dequeue_task_fair, idle_cpu, sched_idle_cpu
from ktui.sim.kernel.sched.sched import ENQUEUE_MIGRATED, Rq
from ktui.sim.kernel.sched.topology import (
    SCHED_CAPACITY_SCALE,
    SD_BALANCE_NEWIDLE,
    SD_PREFER_SIBLING,
    SD_SHARE_CPUCAPACITY,
    SD_SHARE_LLC,
    DomainLevel,
    SchedDomain,
)
from ktui.sim.kernel.time.timer import msecs_to_jiffies
from ktui.sim.machine import PRIO_CONT, PRIO_NESTED, register_kind
from ktui.sim.state import PlainState, mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

SYSCTL_SCHED_MIGRATION_COST: Final = 500_000
"""sysctl_sched_migration_cost: a task that ran less than 0.5 ms ago is cache hot."""
SYSCTL_SCHED_NR_MIGRATE: Final = 32
"""sysctl_sched_nr_migrate: at most this many tasks examined per pass."""
MAX_PINNED_INTERVAL: Final = 512
"""balance_interval may grow to this (ms) while every task is pinned."""

# enum cpu_idle_type (the values are the model's)
CPU_NOT_IDLE: Final = 0
CPU_IDLE: Final = 1
CPU_NEWLY_IDLE: Final = 2

# enum group_type, in the kernel's order: a higher type is busier
group_has_spare: Final = 0
group_fully_busy: Final = 1
group_misfit_task: Final = 2
group_smt_balance: Final = 3
group_asym_packing: Final = 4
group_imbalanced: Final = 5
group_overloaded: Final = 6
GROUP_TYPE_NAMES: Final = (
    "has_spare",
    "fully_busy",
    "misfit_task",
    "smt_balance",
    "asym_packing",
    "imbalanced",
    "overloaded",
)

# enum migration_type
migrate_load: Final = 0
migrate_util: Final = 1
migrate_task: Final = 2
migrate_misfit: Final = 3

# lb_env flags (kernel/sched/fair.c)
LBF_ALL_PINNED: Final = 0x01
LBF_NEED_BREAK: Final = 0x02
LBF_DST_PINNED: Final = 0x04
LBF_SOME_PINNED: Final = 0x08
LBF_ACTIVE_LB: Final = 0x10

# nohz_flags (kernel/sched/sched.h)
NOHZ_BALANCE_KICK: Final = 0x1
NOHZ_STATS_KICK: Final = 0x2
NOHZ_NEWILB_KICK: Final = 0x4
NOHZ_NEXT_KICK: Final = 0x8
NOHZ_KICK_MASK: Final = NOHZ_BALANCE_KICK | NOHZ_STATS_KICK | NOHZ_NEXT_KICK

SCHED_IDLE = int(SchedPolicy.SCHED_IDLE)

Move = tuple[int, int, int, int]
"""A sched_migrate_task to emit: (pid, orig_cpu, dest_cpu, emitting CPU)."""


@mypyc_attr(allow_interpreted_subclasses=True)
class NohzState(PlainState):
    """``static struct nohz`` (fair.c): the idle-balance bookkeeping.

    ``idle_cpus_mask``/``nr_cpus`` are not stored: the CPUs whose tick is
    stopped are the NOHZ-idle ones (the kernel clears a CPU at its first busy
    tick instead, which only delays the bookkeeping).

    Attributes:
        next_balance: jiffies when an idle balance is next due.
    """

    __slots__: Final = ("next_balance",)

    def __init__(self) -> None:
        self.next_balance = 0


def nohz_state(m: Machine) -> NohzState:
    """The machine's `NohzState` (made by `sched_init_domains`)."""
    st = m.ext["nohz"]
    assert isinstance(st, NohzState)
    return st


def sched_init_domains(m: Machine) -> None:
    """sched_init_domains() and init_sched_fair_class(): each rq's domains.

    ``rq->next_balance`` and ``nohz.next_balance`` start at jiffies (0).
    """
    from ktui.sim.kernel.sched.topology import init_sched_domains

    for rq, sds in zip(m.rqs, init_sched_domains(m.cfg.topology), strict=True):
        rq.sd = sds
        rq.next_balance = 0
    m.ext["nohz"] = NohzState()


# --------------------------------------------------------------------------
# CPU state as balancing reads it


def jiffies(m: Machine) -> int:
    """jiffies, from the clock (every CPU agrees; ticks fall on its multiples)."""
    return m.now // m.tick_nsec


def is_core_idle(m: Machine, cpu: int) -> bool:
    """is_core_idle(): every SMT sibling of `cpu` is idle."""
    return all(c == cpu or idle_cpu(m, c) for c in m.cfg.topology.smt_mask[cpu])


def cpu_load(rq: Rq) -> int:
    """cpu_load() stand-in: the queued fair weights (scale_load_down())."""
    return rq.cfs.load_weight >> 10


def cpu_util_cfs(rq: Rq) -> int:
    """cpu_util_cfs() stand-in: a full CPU when a fair task is runnable."""
    return SCHED_CAPACITY_SCALE if rq.cfs.h_nr_runnable else 0


def task_h_load(task: TaskStruct) -> int:
    """task_h_load() stand-in: the task's weight (no groups, no decay)."""
    return max(task.se.load_weight >> 10, 1)


def root_overloaded(m: Machine) -> bool:
    """get_rd_overloaded(): some CPU has more than one runnable task."""
    return any(rq.nr_running > 1 for rq in m.rqs)


# --------------------------------------------------------------------------
# lb_env and the group statistics


class LbEnv:
    """``struct lb_env``: one sched_balance_rq() pass (not state: a local)."""

    __slots__ = (
        "sd",
        "lvl",
        "src_cpu",
        "dst_cpu",
        "dst_grpmask",
        "new_dst_cpu",
        "idle",
        "imbalance",
        "cpus",
        "flags",
        "loop",
        "loop_max",
        "migration_type",
    )

    def __init__(self, sd: SchedDomain, lvl: DomainLevel, dst_cpu: int, idle: int) -> None:
        self.sd = sd
        self.lvl = lvl
        self.src_cpu = -1
        self.dst_cpu = dst_cpu
        self.dst_grpmask = lvl.groups[dst_cpu][0]  # group_balance_mask(sd->groups)
        self.new_dst_cpu = -1
        self.idle = idle
        self.imbalance = 0
        self.cpus: list[int] = list(lvl.spans[dst_cpu])  # & cpu_active_mask
        self.flags = 0
        self.loop = 0
        self.loop_max = 0
        self.migration_type = migrate_load


class SgLbStats:
    """``struct sg_lb_stats`` of one group (a local)."""

    __slots__ = (
        "span",
        "avg_load",
        "group_load",
        "group_capacity",
        "group_util",
        "group_runnable",
        "sum_nr_running",
        "sum_h_nr_running",
        "idle_cpus",
        "group_weight",
        "group_type",
        "cores",
    )

    def __init__(self, span: tuple[int, ...] = ()) -> None:
        self.span = span
        self.avg_load = 0
        self.group_load = 0
        self.group_capacity = 0
        self.group_util = 0
        self.group_runnable = 0
        self.sum_nr_running = 0
        self.sum_h_nr_running = 0
        self.idle_cpus = 0
        self.group_weight = 0
        self.group_type = group_has_spare
        self.cores = 0


class SdLbStats:
    """``struct sd_lb_stats`` of one domain (a local)."""

    __slots__ = ("busiest", "local", "total_load", "total_capacity", "avg_load", "prefer_sibling")

    def __init__(self) -> None:
        self.busiest: SgLbStats | None = None
        self.local = SgLbStats()
        self.total_load = 0
        self.total_capacity = 0
        self.avg_load = 0
        self.prefer_sibling = False


def group_has_capacity(imbalance_pct: int, sgs: SgLbStats) -> bool:
    """group_has_capacity(): fewer tasks than CPUs, or util/runnable below capacity."""
    if sgs.sum_nr_running < sgs.group_weight:
        return True
    if sgs.group_capacity * imbalance_pct < sgs.group_runnable * 100:
        return False
    return sgs.group_capacity * 100 > sgs.group_util * imbalance_pct


def group_is_overloaded(imbalance_pct: int, sgs: SgLbStats) -> bool:
    """group_is_overloaded(): more tasks than CPUs and util or runnable over capacity."""
    if sgs.sum_nr_running <= sgs.group_weight:
        return False
    if sgs.group_capacity * 100 < sgs.group_util * imbalance_pct:
        return True
    return sgs.group_capacity * imbalance_pct < sgs.group_runnable * 100


def group_classify(imbalance_pct: int, sgs: SgLbStats) -> int:
    """group_classify(): overloaded, fully busy or has spare (the modelled types)."""
    if group_is_overloaded(imbalance_pct, sgs):
        return group_overloaded
    if not group_has_capacity(imbalance_pct, sgs):
        return group_fully_busy
    return group_has_spare


def update_sg_lb_stats(m: Machine, env: LbEnv, span: tuple[int, ...]) -> SgLbStats:
    """update_sg_lb_stats(): one group's load, util, counts and type."""
    sgs = SgLbStats(span)
    cpus = env.cpus
    smt = m.cfg.topology.smt
    for i in span:
        if i not in cpus:
            continue
        rq = m.rqs[i]
        sgs.group_load += cpu_load(rq)
        sgs.group_util += cpu_util_cfs(rq)
        sgs.group_runnable += SCHED_CAPACITY_SCALE * rq.cfs.h_nr_runnable  # cpu_runnable()
        sgs.sum_h_nr_running += rq.cfs.h_nr_runnable
        sgs.sum_nr_running += rq.nr_running
        if not rq.nr_running and idle_cpu(m, i):
            sgs.idle_cpus += 1
    sgs.group_capacity = SCHED_CAPACITY_SCALE * len(span)  # sgc->capacity
    sgs.group_weight = len(span)
    sgs.cores = len({c // smt for c in span})  # sg->cores
    sgs.group_type = group_classify(env.lvl.imbalance_pct, sgs)
    if sgs.group_type == group_overloaded:
        sgs.avg_load = sgs.group_load * SCHED_CAPACITY_SCALE // sgs.group_capacity
    return sgs


def update_sd_pick_busiest(env: LbEnv, sds: SdLbStats, sgs: SgLbStats) -> bool:
    """update_sd_pick_busiest(): is `sgs` busier than the busiest so far?"""
    if not sgs.sum_h_nr_running:  # at least one task to pull
        return False
    busiest = sds.busiest
    btype = busiest.group_type if busiest is not None else group_has_spare
    if sgs.group_type > btype:
        return True
    if sgs.group_type < btype:
        return False
    if busiest is None:  # init_sd_lb_stats(): idle_cpus = UINT_MAX, has_spare
        return True
    if sgs.group_type == group_overloaded:
        return sgs.avg_load > busiest.avg_load
    if sgs.group_type == group_fully_busy:
        # avg_load is not computed for fully busy groups: both 0 here
        if sgs.avg_load < busiest.avg_load:
            return False
        return not (sgs.avg_load == busiest.avg_load and env.lvl.group_flags & SD_SHARE_CPUCAPACITY)
    # group_has_spare: fewest idle CPUs, then most tasks
    if sgs.idle_cpus > busiest.idle_cpus:
        return False
    return not (sgs.idle_cpus == busiest.idle_cpus and sgs.sum_nr_running <= busiest.sum_nr_running)


def update_sd_lb_stats(m: Machine, env: LbEnv) -> SdLbStats:
    """update_sd_lb_stats(): every group of the domain, local first."""
    sds = SdLbStats()
    for k, span in enumerate(env.lvl.groups[env.dst_cpu]):
        sgs = update_sg_lb_stats(m, env, span)
        if k == 0:
            sds.local = sgs
        elif update_sd_pick_busiest(env, sds, sgs):
            sds.busiest = sgs
        sds.total_load += sgs.group_load
        sds.total_capacity += sgs.group_capacity
    if sds.busiest is not None:
        # the flags of a group are its child domain's
        sds.prefer_sibling = bool(env.lvl.group_flags & SD_PREFER_SIBLING)
    return sds


def sibling_imbalance(env: LbEnv, sds: SdLbStats, busiest: SgLbStats, local: SgLbStats) -> int:
    """sibling_imbalance(): tasks to move so both groups run as many per core."""
    if not env.idle or not busiest.sum_nr_running:
        return 0
    ncores_busiest = busiest.cores
    ncores_local = local.cores
    if ncores_busiest == ncores_local:
        return max(busiest.sum_nr_running - local.sum_nr_running, 0)  # lsub_positive()
    imbalance = max(ncores_local * busiest.sum_nr_running - ncores_busiest * local.sum_nr_running, 0)
    imbalance = (2 * imbalance + ncores_local + ncores_busiest) // (ncores_local + ncores_busiest)
    if imbalance <= 1 and local.sum_nr_running == 0 and busiest.sum_nr_running > 1:
        imbalance = 2
    return imbalance


def calculate_imbalance(env: LbEnv, sds: SdLbStats) -> None:
    """calculate_imbalance(): how much (load, util or tasks) to move."""
    local = sds.local
    busiest = sds.busiest
    assert busiest is not None
    if local.group_type == group_has_spare:
        if busiest.group_type > group_fully_busy and not env.lvl.flags & SD_SHARE_LLC:
            # fill local's spare capacity
            env.migration_type = migrate_util
            env.imbalance = max(local.group_capacity, local.group_util) - local.group_util
            if env.idle and env.imbalance == 0:
                env.migration_type = migrate_task
                env.imbalance = 1
            return
        env.migration_type = migrate_task
        if busiest.group_weight == 1 or sds.prefer_sibling:
            env.imbalance = sibling_imbalance(env, sds, busiest, local)
        else:
            env.imbalance = max(local.idle_cpus - busiest.idle_cpus, 0)
        env.imbalance >>= 1  # tasks to move to restore balance
        return
    if local.group_type < group_overloaded:
        local.avg_load = local.group_load * SCHED_CAPACITY_SCALE // local.group_capacity
        if local.avg_load >= busiest.avg_load:
            env.imbalance = 0
            return
        sds.avg_load = sds.total_load * SCHED_CAPACITY_SCALE // sds.total_capacity
        if local.avg_load >= sds.avg_load:
            env.imbalance = 0
            return
    env.migration_type = migrate_load
    env.imbalance = (
        min(
            (busiest.avg_load - sds.avg_load) * busiest.group_capacity,
            (sds.avg_load - local.avg_load) * local.group_capacity,
        )
        // SCHED_CAPACITY_SCALE
    )


def sched_balance_find_src_group(m: Machine, env: LbEnv) -> SgLbStats | None:
    """sched_balance_find_src_group() (find_busiest_group()): the busiest group
    if it is worth pulling from, with ``env.imbalance`` set; else None."""
    sds = update_sd_lb_stats(m, env)
    busiest = sds.busiest
    if busiest is None:
        env.imbalance = 0
        return None
    local = sds.local
    if local.group_type > busiest.group_type:
        env.imbalance = 0
        return None
    if local.group_type == group_overloaded:
        if local.avg_load >= busiest.avg_load:
            env.imbalance = 0
            return None
        sds.avg_load = sds.total_load * SCHED_CAPACITY_SCALE // sds.total_capacity
        if local.avg_load >= sds.avg_load:
            env.imbalance = 0
            return None
        if 100 * busiest.avg_load <= env.lvl.imbalance_pct * local.avg_load:
            env.imbalance = 0
            return None
    force = (
        sds.prefer_sibling
        and local.group_type == group_has_spare
        and sibling_imbalance(env, sds, busiest, local) > 1
    )
    if not force and busiest.group_type != group_overloaded:
        if env.idle == CPU_NOT_IDLE:
            env.imbalance = 0  # let an idle CPU pull
            return None
        if busiest.group_weight > 1 and local.idle_cpus <= busiest.idle_cpus + 1:
            env.imbalance = 0
            return None
        if busiest.sum_h_nr_running == 1:
            env.imbalance = 0
            return None
    calculate_imbalance(env, sds)
    return busiest if env.imbalance else None


def sched_balance_find_src_rq(m: Machine, env: LbEnv, group: SgLbStats) -> Rq | None:
    """sched_balance_find_src_rq() (find_busiest_queue()): by migration type."""
    busiest: Rq | None = None
    busiest_load = 0
    busiest_util = 0
    busiest_nr = 0
    for i in group.span:
        if i not in env.cpus:
            continue
        rq = m.rqs[i]
        nr_running = rq.cfs.h_nr_runnable
        if not nr_running:
            continue
        if env.migration_type == migrate_load:
            load = cpu_load(rq)
            if nr_running == 1 and load > env.imbalance:
                continue  # (check_cpu_capacity(): no reduced capacity here)
            # max(load_i / capacity_i); every capacity is the same
            if load > busiest_load:
                busiest_load = load
                busiest = rq
        elif env.migration_type == migrate_util:
            if nr_running <= 1:
                continue
            util = cpu_util_cfs(rq)
            if busiest_util < util:
                busiest_util = util
                busiest = rq
        elif busiest_nr < nr_running:  # migrate_task
            busiest_nr = nr_running
            busiest = rq
    return busiest


def should_we_balance(m: Machine, env: LbEnv) -> bool:
    """should_we_balance(): only the first idle CPU (idle core first) of the
    local group balances this domain, or its first CPU when none is idle;
    a newly idle CPU always may unless it got work meanwhile."""
    if env.dst_cpu not in env.cpus:
        return False
    if env.idle == CPU_NEWLY_IDLE:
        return m.rqs[env.dst_cpu].nr_running == 0
    smt_level = bool(env.lvl.flags & SD_SHARE_CPUCAPACITY)
    idle_smt = -1
    skip: list[int] = []
    for cpu in sorted(env.dst_grpmask):
        if cpu not in env.cpus or cpu in skip or not idle_cpu(m, cpu):
            continue
        if not smt_level and not is_core_idle(m, cpu):
            if idle_smt == -1:
                idle_smt = cpu
            skip.extend(m.cfg.topology.smt_mask[cpu])
            continue
        return cpu == env.dst_cpu
    if idle_smt != -1:
        return idle_smt == env.dst_cpu
    return min(env.dst_grpmask) == env.dst_cpu  # group_balance_cpu()


# --------------------------------------------------------------------------
# Moving tasks


def task_hot(m: Machine, task: TaskStruct, env: LbEnv, src: Rq) -> bool:
    """task_hot(): ran on src less than sysctl_sched_migration_cost ago.

    Never for SCHED_IDLE tasks nor between SMT siblings (they share the
    cache); the ``next`` buddy is hot when dst has work (CACHE_HOT_BUDDY).
    """
    if task.policy == SCHED_IDLE:
        return False
    if env.lvl.flags & SD_SHARE_CPUCAPACITY:
        return False
    if m.rqs[env.dst_cpu].nr_running and src.cfs.next == task.pid:
        return True
    delta = src.clock_task - task.se.exec_start
    return delta < SYSCTL_SCHED_MIGRATION_COST


def can_migrate_task(m: Machine, task: TaskStruct, env: LbEnv, src: Rq) -> bool:
    """can_migrate_task(): allowed on dst, not running, not cache hot (unless
    balancing failed more than cache_nice_tries times)."""
    if task.se.sched_delayed:
        return False
    if env.dst_cpu not in task.cpus_mask:
        env.flags |= LBF_SOME_PINNED
        if env.idle == CPU_NEWLY_IDLE or env.flags & (LBF_DST_PINNED | LBF_ACTIVE_LB):
            return False
        # another CPU of dst's group that the task may run on
        for cpu in sorted(env.dst_grpmask):
            if cpu in env.cpus and cpu in task.cpus_mask:
                env.flags |= LBF_DST_PINNED
                env.new_dst_cpu = cpu
                break
        return False
    env.flags &= ~LBF_ALL_PINNED
    if src.curr == task.pid:  # task_on_cpu()
        return False
    if not task_hot(m, task, env, src):
        return True
    return env.sd.nr_balance_failed > env.lvl.cache_nice_tries


def detach_task(m: Machine, task: TaskStruct, env: LbEnv, src: Rq, moves: list[Move]) -> None:
    """detach_task(): deactivate_task() as TASK_ON_RQ_MIGRATING, set_task_cpu()."""
    task.on_rq = TASK_ON_RQ_MIGRATING
    dequeue_task_fair(m, src, task, 0)  # DEQUEUE_NOCLOCK
    # set_task_cpu() traces the move before the CPU changes
    moves.append((task.pid, task.cpu, env.dst_cpu, -1))
    set_task_cpu(m, task, env.dst_cpu)


def detach_tasks(m: Machine, env: LbEnv, src: Rq, moves: list[Move]) -> list[TaskStruct]:
    """detach_tasks(): from the tail of src's cfs_tasks, up to env.imbalance."""
    detached: list[TaskStruct] = []
    if src.nr_running <= 1:
        env.flags &= ~LBF_ALL_PINNED
        return detached
    if env.imbalance <= 0:
        return detached
    cfs_tasks = src.cfs_tasks
    for pid in list(cfs_tasks):
        if env.idle and src.nr_running <= 1:
            break  # don't steal all
        env.loop += 1
        if env.loop > env.loop_max:
            break
        task = m.tasks[pid]
        ok = can_migrate_task(m, task, env, src)
        if ok:
            mt = env.migration_type
            if mt == migrate_load:
                load = task_h_load(task)
                if (load >> min(env.sd.nr_balance_failed, 63)) > env.imbalance:  # shr_bound()
                    ok = False
                else:
                    env.imbalance -= load
            elif mt == migrate_util:
                util = SCHED_CAPACITY_SCALE  # task_util_est()
                if (util >> min(env.sd.nr_balance_failed, 63)) > env.imbalance:
                    ok = False
                else:
                    env.imbalance -= util
            else:
                env.imbalance -= 1
        if not ok:
            # list_move() to the head: the next candidate is the new tail
            del cfs_tasks[pid]
            cfs_tasks[pid] = m.next_seq()
            continue
        detach_task(m, task, env, src, moves)
        detached.append(task)
        if env.idle == CPU_NEWLY_IDLE:
            break  # CONFIG_PREEMPTION: newidle stops after one task
        if env.imbalance <= 0:
            break
    return detached


def attach_tasks(m: Machine, dst: Rq, tasks: list[TaskStruct]) -> None:
    """attach_tasks() -> attach_task(): activate_task() on dst, wakeup_preempt().

    activate_task() of a TASK_ON_RQ_MIGRATING task adds ENQUEUE_MIGRATED.
    The wait that began on the source rq goes on (schedstats keep the
    delta across the migration).
    """
    update_rq_clock(m, dst)
    for task in tasks:
        wait_start = task.se.wait_start
        activate_task(m, dst, task, ENQUEUE_MIGRATED)
        task.se.wait_start = wait_start
        wakeup_preempt(m, dst, task, 0)


def sched_balance_rq(
    m: Machine, this_cpu: int, level: int, idle: int, moves: list[Move]
) -> tuple[int, bool]:
    """sched_balance_rq() (load_balance()): balance `this_cpu`'s domain at `level`.

    Returns:
        (tasks moved, continue_balancing).
    """
    this_rq = m.rqs[this_cpu]
    sd = this_rq.sd[level]
    lvl = m.cfg.topology.levels[sd.level]
    env = LbEnv(sd, lvl, this_cpu, idle)
    ld_moved = 0
    balanced = True
    all_pinned = False
    while True:  # redo:
        if not should_we_balance(m, env):
            return _out_balanced(env, sd, lvl), False
        group = sched_balance_find_src_group(m, env)
        if group is None:
            break
        busiest = sched_balance_find_src_rq(m, env, group)
        if busiest is None:
            break
        env.src_cpu = busiest.cpu
        env.flags |= LBF_ALL_PINNED
        balanced = False
        if busiest.nr_running > 1:
            env.loop_max = min(SYSCTL_SCHED_NR_MIGRATE, busiest.nr_running)
            while True:  # more_balance:
                update_rq_clock(m, busiest)
                detached = detach_tasks(m, env, busiest, moves)
                if detached:
                    attach_tasks(m, m.rqs[env.dst_cpu], detached)
                    ld_moved += len(detached)
                if env.flags & LBF_DST_PINNED and env.imbalance > 0:
                    # revisit the pinned tasks for another CPU of our group
                    env.cpus.remove(env.dst_cpu)
                    env.dst_cpu = env.new_dst_cpu
                    env.flags &= ~LBF_DST_PINNED
                    env.loop = 0
                    continue
                break
            if env.flags & LBF_ALL_PINNED:
                env.cpus.remove(busiest.cpu)
                if not set(env.cpus) <= set(env.dst_grpmask):
                    env.loop = 0
                    balanced = True
                    continue  # goto redo
                all_pinned = True
        break
    if balanced or all_pinned:
        return _out_balanced(env, sd, lvl), True
    if not ld_moved:
        if idle != CPU_NEWLY_IDLE:
            sd.nr_balance_failed += 1
        if need_active_balance(env):
            busiest = m.rqs[env.src_cpu]
            curr = busiest.curr
            if not curr or this_cpu not in m.tasks[curr].cpus_mask:
                return _out_one_pinned(env, sd, lvl), True
            env.flags &= ~LBF_ALL_PINNED
            if not busiest.active_balance:
                busiest.active_balance = 1
                busiest.push_cpu = this_cpu
                # stop_one_cpu_nowait(active_load_balance_cpu_stop)
                m.push(m.now, PRIO_NESTED, K_ACTIVE_LB, busiest.cpu, 0)
    else:
        sd.nr_balance_failed = 0
    sd.balance_interval = lvl.min_interval  # we were unbalanced
    return ld_moved, True


def _stamp(moves: list[Move], cpu: int) -> None:
    """Fill in the emitting CPU of the moves recorded without one."""
    for i, mv in enumerate(moves):
        if mv[3] < 0:
            moves[i] = (mv[0], mv[1], mv[2], cpu)


def _out_balanced(env: LbEnv, sd: SchedDomain, lvl: DomainLevel) -> int:
    """sched_balance_rq()'s out_balanced / out_all_pinned / out_one_pinned tail:
    no failure counted, and the interval doubles (up to max_interval, or
    MAX_PINNED_INTERVAL when every task was pinned)."""
    sd.nr_balance_failed = 0
    return _out_one_pinned(env, sd, lvl)


def _out_one_pinned(env: LbEnv, sd: SchedDomain, lvl: DomainLevel) -> int:
    """sched_balance_rq()'s out_one_pinned: the interval doubles (not newidle)."""
    if env.idle == CPU_NEWLY_IDLE:
        return 0  # newidle disregards intervals: no interval growth
    if (env.flags & LBF_ALL_PINNED and sd.balance_interval < MAX_PINNED_INTERVAL) or (
        sd.balance_interval < lvl.max_interval
    ):
        sd.balance_interval *= 2
    return 0


def need_active_balance(env: LbEnv) -> bool:
    """need_active_balance() -> imbalanced_active_balance(): tasks are to
    move but none could be detached more than cache_nice_tries + 2 times in
    a row (the capacity, misfit and asym cases are not modelled)."""
    return env.migration_type == migrate_task and env.sd.nr_balance_failed > env.lvl.cache_nice_tries + 2


def _active_load_balance_cpu_stop(m: Machine, cpu: int, _b: int) -> bool:
    """active_load_balance_cpu_stop(), the stopper's work on the busiest CPU.

    The stopper thread (migration/N) preempts the running task, detaches one
    fair task from the tail of cfs_tasks (LBF_ACTIVE_LB: cache-hot ones
    too) and attaches it on push_cpu. The model has no stopper thread: the
    running task, if it is fair and may run on push_cpu, is preempted for
    the next one (``sched_switch`` ... ``R+``) and moved right after
    (`_active_lb_attach`, ``sched_migrate_task``). If the CPU cannot be
    preempted now (preempt_count, irqs off) the push is dropped.
    """
    rq = m.rqs[cpu]
    target = rq.push_cpu
    rq.active_balance = 0
    pid = rq.curr
    if not pid or rq.cfs.curr != pid:
        return False
    task = m.tasks[pid]
    if target not in task.cpus_mask or not task.se.on_rq or task.se.sched_delayed:
        return False
    if m.pcpu[cpu].preempt_count or task.irqs_disabled:
        return False
    from ktui.sim.kernel.sched.core import schedule

    update_rq_clock(m, rq)
    task.on_rq = TASK_ON_RQ_MIGRATING
    dequeue_task_fair(m, rq, task, 0)  # DEQUEUE_NOCLOCK; curr: charged first
    rq.active_balance = 2  # the stopper runs: no newidle balance on this CPU
    rq.need_resched = True
    emitted = schedule(m, rq, preempt=True)
    rq.active_balance = 0
    m.push(m.now, PRIO_NESTED, K_ACTIVE_LB_ATTACH, pid, cpu | target << 8)
    return emitted


def _active_lb_attach(m: Machine, pid: int, arg: int) -> bool:
    """The rest of active_load_balance_cpu_stop(): set_task_cpu() (traced),
    attach_one_task(), and "active balancing done, reset the failure
    counter" of target's domain spanning the busiest CPU."""
    cpu, target = arg & 0xFF, (arg >> 8) & 0xFF
    task = m.tasks[pid]
    moves: list[Move] = [(pid, task.cpu, target, cpu)]
    set_task_cpu(m, task, target)
    task.se.wait_start = m.now  # it was running: its wait starts now
    attach_tasks(m, m.rqs[target], [task])
    for sd in m.rqs[target].sd:
        if cpu in m.cfg.topology.levels[sd.level].spans[target]:
            sd.nr_balance_failed = 0
            break
    return emit_moves(m, moves)


def get_sd_balance_interval(m: Machine, sd: SchedDomain, cpu_busy: bool) -> int:
    """get_sd_balance_interval(): jiffies; busy: times busy_factor, less one."""
    lvl = m.cfg.topology.levels[sd.level]
    interval = sd.balance_interval
    if cpu_busy:
        interval *= lvl.busy_factor
    interval = msecs_to_jiffies(interval, m.hz)
    if cpu_busy:
        interval -= 1
    max_load_balance_interval = m.hz * m.ncpus // 10
    return max(1, min(interval, max_load_balance_interval))


def sched_balance_domains(m: Machine, rq: Rq, idle: int, moves: list[Move], ilb: int) -> None:
    """sched_balance_domains() (rebalance_domains()): each due domain of rq.

    Args:
        ilb: The CPU doing the work (rq's own, or the NOHZ idle balancer),
            which traces the moves.
    """
    cpu = rq.cpu
    busy = idle != CPU_IDLE and not sched_idle_cpu(m, cpu)
    now = jiffies(m)
    next_balance = now + 60 * m.hz
    update_next_balance = False
    continue_balancing = True
    for level in range(len(rq.sd)):
        sd = rq.sd[level]
        if not continue_balancing:
            break
        interval = get_sd_balance_interval(m, sd, busy)
        if now >= sd.last_balance + interval:
            start = len(moves)
            moved, continue_balancing = sched_balance_rq(m, cpu, level, idle, moves)
            _stamp(moves, ilb)
            if moved or len(moves) > start:
                idle = CPU_IDLE if idle_cpu(m, cpu) else CPU_NOT_IDLE
                busy = idle != CPU_IDLE and not sched_idle_cpu(m, cpu)
            sd.last_balance = now
            interval = get_sd_balance_interval(m, sd, busy)
        if next_balance > sd.last_balance + interval:
            next_balance = sd.last_balance + interval
            update_next_balance = True
    if update_next_balance:
        rq.next_balance = next_balance


# --------------------------------------------------------------------------
# Emitting the moves: one event per step


def emit_moves(m: Machine, moves: list[Move]) -> bool:
    """Trace each move's sched_migrate_task: the first now, the rest queued
    right after it (PRIO_NESTED, in order). Returns True if one was emitted."""
    if not moves:
        return False
    _emit_move(m, moves[0])
    for pid, orig, dest, cpu in moves[1:]:
        m.push(m.now, PRIO_NESTED, K_MIGRATE_EMIT, pid, orig | dest << 8 | cpu << 16)
    return True


def _emit_move(m: Machine, mv: Move) -> None:
    pid, orig, dest, cpu = mv
    m.emit(EV_SCHED_MIGRATE_TASK, cpu, m.rqs[cpu].curr, pid, m.tasks[pid].prio, orig, dest)


def _migrate_emit(m: Machine, pid: int, arg: int) -> bool:
    _emit_move(m, (pid, arg & 0xFF, (arg >> 8) & 0xFF, (arg >> 16) & 0xFF))
    return True


# --------------------------------------------------------------------------
# The tick, the softirq, NOHZ idle balancing


def sched_balance_trigger(m: Machine, rq: Rq) -> None:
    """sched_balance_trigger() (trigger_load_balance()), from sched_tick().

    Raises SCHED_SOFTIRQ when rq->next_balance is due, then
    nohz_balancer_kick(). Nothing on a CPU with no domains.
    """
    if not rq.sd:  # on_null_domain()
        return
    if jiffies(m) >= rq.next_balance:
        # raise_softirq(SCHED_SOFTIRQ): it runs when the tick's hardirq is
        # left (the tick queued its irq_exit at PRIO_NESTED), before the
        # preemption check that irq_exit queues (PRIO_CONT, after this one)
        m.push(m.now, PRIO_CONT, K_SCHED_SOFTIRQ, rq.cpu, 0)
    nohz_balancer_kick(m, rq)


def _sched_balance_softirq(m: Machine, cpu: int, _b: int) -> bool:
    """sched_balance_softirq() (run_rebalance_domains()) on a busy CPU's tick."""
    rq = m.rqs[cpu]
    idle = CPU_IDLE if idle_cpu(m, cpu) else CPU_NOT_IDLE  # rq->idle_balance
    moves: list[Move] = []
    sched_balance_domains(m, rq, idle, moves, cpu)
    return emit_moves(m, moves)


def find_new_ilb(m: Machine, this_cpu: int) -> int:
    """find_new_ilb(): the first NOHZ-idle CPU that is idle, -1 if none."""
    for cpu in range(m.ncpus):
        if cpu != this_cpu and m.rqs[cpu].tick_stopped and idle_cpu(m, cpu):
            return cpu
    return -1


def nohz_balancer_kick(m: Machine, rq: Rq) -> None:
    """nohz_balancer_kick(): a busy CPU asks an idle one to balance for the
    idle CPUs when nohz.next_balance is due and there is something to move
    (this CPU runs two tasks, or its LLC has more than one busy CPU)."""
    nohz = nohz_state(m)
    now = jiffies(m)
    # (the kernel tests nohz.nr_cpus first; both are early returns, and
    # this one is cheaper)
    if now < nohz.next_balance:
        return
    if not any(r.tick_stopped for r in m.rqs):  # nohz.nr_cpus
        return
    flags = 0
    if rq.nr_running >= 2:
        flags = NOHZ_STATS_KICK | NOHZ_BALANCE_KICK
    else:
        llc = m.cfg.topology.llc[rq.cpu]
        nr_busy = sum(1 for c in llc if not idle_cpu(m, c))  # sds->nr_busy_cpus
        if len(llc) > 1 and nr_busy > 1:
            flags = NOHZ_STATS_KICK | NOHZ_BALANCE_KICK
    if flags:
        kick_ilb(m, rq.cpu, flags)


def kick_ilb(m: Machine, this_cpu: int, flags: int) -> None:
    """kick_ilb(): nohz.next_balance = jiffies + 1, IPI the idle balancer."""
    if flags & NOHZ_BALANCE_KICK:
        nohz_state(m).next_balance = jiffies(m) + 1
    ilb_cpu = find_new_ilb(m, this_cpu)
    if ilb_cpu < 0:
        return
    ilb = m.rqs[ilb_cpu]
    if (ilb.nohz_idle_balance & flags) == flags:
        return
    pending = ilb.nohz_idle_balance
    ilb.nohz_idle_balance |= flags
    if pending & NOHZ_KICK_MASK:
        return
    # smp_call_function_single_async(): nohz_csd_func() on ilb_cpu at once
    m.push(m.now, PRIO_NESTED, K_NOHZ_KICK, ilb_cpu, 0)


def _nohz_csd_func(m: Machine, cpu: int, _b: int) -> bool:
    """nohz_csd_func() then the SCHED_SOFTIRQ it raises: nohz_idle_balance()."""
    rq = m.rqs[cpu]
    flags = rq.nohz_idle_balance
    rq.nohz_idle_balance = 0
    if not idle_cpu(m, cpu) or not flags & NOHZ_KICK_MASK:
        return False
    moves: list[Move] = []
    _nohz_idle_balance(m, rq, flags, moves)
    return emit_moves(m, moves)


def _nohz_idle_balance(m: Machine, this_rq: Rq, flags: int, moves: list[Move]) -> None:
    """_nohz_idle_balance(): sched_balance_domains() for every idle CPU that
    is due, from the one after this CPU round to this CPU itself."""
    now = jiffies(m)
    next_balance = now + 60 * m.hz
    update_next_balance = False
    this_cpu = this_rq.cpu
    n = m.ncpus
    for k in range(1, n + 1):
        balance_cpu = (this_cpu + k) % n
        rq = m.rqs[balance_cpu]
        if not rq.tick_stopped or not idle_cpu(m, balance_cpu):
            continue
        if not idle_cpu(m, this_cpu) and this_rq.need_resched:
            return  # this CPU got work: the next ILB carries on
        if now >= rq.next_balance:
            update_rq_clock(m, rq)
            if flags & NOHZ_BALANCE_KICK:
                sched_balance_domains(m, rq, CPU_IDLE, moves, this_cpu)
        if next_balance > rq.next_balance:
            next_balance = rq.next_balance
            update_next_balance = True
    if update_next_balance:
        nohz_state(m).next_balance = next_balance


# --------------------------------------------------------------------------
# Newly idle


def sched_balance_newidle(m: Machine, this_rq: Rq) -> int:
    """sched_balance_newidle() (newidle_balance()): a CPU about to go idle pulls.

    Walks the domains from the lowest; stops at the first that pulled.
    Traces the move (one at most, CONFIG_PREEMPTION).

    Returns:
        1 if a fair task is now queued here, 0 if not.
    """
    if not this_rq.sd or this_rq.active_balance:
        return 0
    now = jiffies(m)
    next_balance = now + m.hz
    moves: list[Move] = []
    pulled = 0
    if root_overloaded(m):
        update_rq_clock(m, this_rq)
        for level in range(len(this_rq.sd)):
            sd = this_rq.sd[level]
            # update_next_balance()
            next_balance = min(next_balance, sd.last_balance + get_sd_balance_interval(m, sd, False))
            lvl = m.cfg.topology.levels[sd.level]
            cont = True
            if lvl.flags & SD_BALANCE_NEWIDLE:
                pulled, cont = sched_balance_rq(m, this_rq.cpu, level, CPU_NEWLY_IDLE, moves)
                _stamp(moves, this_rq.cpu)
            if pulled or not cont:
                break
    else:
        sd = this_rq.sd[0]
        next_balance = min(next_balance, sd.last_balance + get_sd_balance_interval(m, sd, False))
    if this_rq.cfs.h_nr_runnable and not pulled:
        pulled = 1
    if this_rq.next_balance > next_balance:
        this_rq.next_balance = next_balance
    emit_moves(m, moves)
    return 1 if pulled else 0


K_SCHED_SOFTIRQ = register_kind("sched_softirq", _sched_balance_softirq)
K_NOHZ_KICK = register_kind("nohz_csd", _nohz_csd_func)
K_MIGRATE_EMIT = register_kind("sched_migrate_emit", _migrate_emit)
K_ACTIVE_LB = register_kind("active_load_balance", _active_load_balance_cpu_stop)
K_ACTIVE_LB_ATTACH = register_kind("active_load_balance_attach", _active_lb_attach)
