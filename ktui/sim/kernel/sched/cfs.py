"""The fair class before 6.6 (CFS). Models kernel/sched/fair.c of 5.13..6.5.

The paths EEVDF (6.6) replaced: ``sched_slice()`` with ALT_PERIOD and
BASE_SLICE, ``place_entity()`` with GENTLE_FAIR_SLEEPERS / START_DEBIT,
vruntime normalised against ``min_vruntime`` across non-wakeup
dequeue/enqueue and migration, ``check_preempt_tick()``, wakeup preemption
with ``wakeup_gran()``, and the next/last/skip buddies. fair.py calls these
when the machine's feature level is `features.CFS`; the tree, weights and
``update_curr()`` are shared with EEVDF and stay in fair.py.

Left out: as fair.py (no groups, PELT, NUMA, bandwidth), plus the
NEXT_BUDDY/WAKEUP_PREEMPTION feature toggles (defaults only).
"""

from __future__ import annotations

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import (
    TASK_ON_RQ_MIGRATING,
    SchedEntity,
    SchedPolicy,
    TaskStruct,
)
from ktui.sim.kernel.sched import entity, fair
from ktui.sim.kernel.sched.features import (
    SCHED_NR_LATENCY,
    SYSCTL_SCHED_IDLE_MIN_GRANULARITY,
)
from ktui.sim.kernel.sched.sched import (
    ENQUEUE_MIGRATED,
    ENQUEUE_WAKEUP,
    NICE_0_LOAD,
    CfsRq,
    Rq,
)

SCHED_NORMAL = int(SchedPolicy.SCHED_NORMAL)
SCHED_BATCH = int(SchedPolicy.SCHED_BATCH)
LONG_SLEEPER_NS = (1 << 63) // (NICE_0_LOAD >> 10)
"""entity_is_long_sleeper(): 2^63 / scale_load_down(NICE_0_LOAD)."""


def __sched_period(m: entity.FairMachine, nr_running: int) -> int:
    """__sched_period() (CFS): sysctl_sched_latency, stretched to
    nr_running * min_granularity past sched_nr_latency tasks."""
    cfg = m.cfg.sched
    if nr_running > SCHED_NR_LATENCY:
        return nr_running * cfg.base_slice
    return cfg.latency


def sched_slice(m: entity.FairMachine, cfs_rq: CfsRq, se: SchedEntity, idle: bool) -> int:
    """sched_slice(): the wall-time share of the period, at least min_gran."""
    nr_running = cfs_rq.nr_queued  # ALT_PERIOD: rq->cfs.h_nr_running
    nr = nr_running + (0 if se.on_rq else 1)
    min_gran = m.cfg.sched.base_slice
    period = __sched_period(m, nr)
    load = cfs_rq.load_weight if se.on_rq else cfs_rq.load_weight + se.load_weight
    slice_ = entity.__calc_delta(period, se.load_weight, load)
    # BASE_SLICE
    if idle and not sched_idle_cfs_rq(m, cfs_rq):
        min_gran = SYSCTL_SCHED_IDLE_MIN_GRANULARITY
    return max(slice_, min_gran)


def sched_idle_cfs_rq(m: entity.FairMachine, cfs_rq: CfsRq) -> bool:
    """sched_idle_cfs_rq(): every queued entity is SCHED_IDLE."""
    pids = [e[2] for e in cfs_rq.tasks_timeline]
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if curr is not None and curr.se.on_rq:
        pids.append(curr.pid)
    return bool(pids) and all(entity.task_has_idle_policy(m.tasks[p]) for p in pids)


def place_entity_cfs(
    m: entity.FairMachine, cfs_rq: CfsRq, task: TaskStruct, initial: bool
) -> None:
    """place_entity(): START_DEBIT for forks, sleeper credit for wakeups."""
    se = task.se
    vruntime = cfs_rq.min_vruntime
    idle = entity.task_has_idle_policy(task)
    if initial:  # START_DEBIT
        vruntime += entity.calc_delta_fair(sched_slice(m, cfs_rq, se, idle), se)
    else:
        thresh = m.cfg.sched.base_slice if idle else m.cfg.sched.latency
        thresh >>= 1  # GENTLE_FAIR_SLEEPERS
        vruntime -= thresh
    long_sleeper = False
    if se.exec_start:
        now = m.rqs[task.cpu].clock_task
        if now > se.exec_start:
            long_sleeper = now - se.exec_start > LONG_SLEEPER_NS
    se.vruntime = vruntime if long_sleeper else max(se.vruntime, vruntime)


def enqueue_entity_cfs(
    m: entity.FairMachine, rq: Rq, task: TaskStruct, flags: int, curr: bool
) -> None:
    """enqueue_entity() up to __enqueue_entity(): renormalise, account, place."""
    cfs_rq = rq.cfs
    se = task.se
    renorm = not (flags & ENQUEUE_WAKEUP) or bool(flags & ENQUEUE_MIGRATED)
    if renorm and curr:
        se.vruntime += cfs_rq.min_vruntime
    fair.update_curr_fair(m, rq)
    if renorm and not curr:
        se.vruntime += cfs_rq.min_vruntime
    cfs_rq.load_weight += se.load_weight  # account_entity_enqueue()
    cfs_rq.nr_queued += 1
    if flags & ENQUEUE_WAKEUP:
        place_entity_cfs(m, cfs_rq, task, False)


def reweight_entity_cfs(
    m: entity.FairMachine, rq: Rq, task: TaskStruct, weight: int, inv: int
) -> None:
    """reweight_entity() for a queued entity: the load only."""
    cfs_rq = rq.cfs
    se = task.se
    if cfs_rq.curr == task.pid:
        fair.update_curr_fair(m, rq)
    cfs_rq.load_weight -= se.load_weight
    se.load_weight, se.inv_weight = weight, inv
    cfs_rq.load_weight += se.load_weight


def migrate_task_rq_cfs(m: entity.FairMachine, task: TaskStruct) -> None:
    """migrate_task_rq_fair(): a waking task's vruntime made relative to its old rq.

    A queued task moved by the load balancer (TASK_ON_RQ_MIGRATING) was
    made relative by its non-sleep dequeue already.
    """
    if not task.se.on_rq and task.on_rq != TASK_ON_RQ_MIGRATING:
        task.se.vruntime -= m.rqs[task.cpu].cfs.min_vruntime


def wakeup_preempt_entity(m: entity.FairMachine, curr: SchedEntity, se: SchedEntity) -> int:
    """wakeup_preempt_entity(): -1, 0 or 1 against wakeup_gran()."""
    vdiff = curr.vruntime - se.vruntime
    if vdiff <= 0:
        return -1
    if vdiff > entity.calc_delta_fair(m.cfg.sched.wakeup_granularity, se):
        return 1
    return 0


def pick_next_entity_cfs(
    m: entity.FairMachine, cfs_rq: CfsRq, curr: TaskStruct | None
) -> int:
    """pick_next_entity(): leftmost, then skip/next/last buddies."""
    left_pid = entity.first_pid(cfs_rq)
    left = m.tasks[left_pid] if left_pid else None
    if left is None or (curr is not None and curr.se.vruntime - left.se.vruntime < 0):
        left = curr
    if left is None:
        return 0
    se = left
    if cfs_rq.skip and cfs_rq.skip == se.pid:
        second: TaskStruct | None
        if curr is not None and se is curr:
            second = m.tasks[left_pid] if left_pid else None
        else:
            key = se.se.run_key
            if key is None:
                raise SimInvariantError(f"skip buddy pid {se.pid} is not in the tree")
            idx = cfs_rq.tasks_timeline.index(key)
            nxt = (
                cfs_rq.tasks_timeline[idx + 1][2]
                if idx + 1 < len(cfs_rq.tasks_timeline)
                else 0
            )
            second = m.tasks[nxt] if nxt else None
            if second is None or (
                curr is not None and curr.se.vruntime - second.se.vruntime < 0
            ):
                second = curr
        if second is not None and wakeup_preempt_entity(m, second.se, left.se) < 1:
            se = second
    if cfs_rq.next and wakeup_preempt_entity(m, m.tasks[cfs_rq.next].se, left.se) < 1:
        se = m.tasks[cfs_rq.next]
    elif cfs_rq.last and wakeup_preempt_entity(m, m.tasks[cfs_rq.last].se, left.se) < 1:
        se = m.tasks[cfs_rq.last]
    return se.pid


def check_preempt_tick(m: entity.FairMachine, rq: Rq, curr: TaskStruct) -> None:
    """check_preempt_tick(): resched after the ideal slice or a big lead."""
    cfs_rq = rq.cfs
    se = curr.se
    ideal_runtime = sched_slice(m, cfs_rq, se, entity.task_has_idle_policy(curr))
    delta_exec = se.sum_exec_runtime - se.prev_sum_exec_runtime
    if delta_exec > ideal_runtime:
        rq.need_resched = True
        entity.clear_buddies(cfs_rq, curr.pid)
        return
    if delta_exec < m.cfg.sched.base_slice:  # sysctl_sched_min_granularity
        return
    first = entity.first_pid(cfs_rq)
    if not first:
        return
    delta = se.vruntime - m.tasks[first].se.vruntime
    if delta < 0:
        return
    if delta > ideal_runtime:
        rq.need_resched = True


def check_preempt_wakeup(m: entity.FairMachine, rq: Rq, curr: TaskStruct, task: TaskStruct) -> None:
    """check_preempt_wakeup() past its early returns: wakeup_gran() and buddies."""
    cfs_rq = rq.cfs
    se, pse = curr.se, task.se
    scale = cfs_rq.nr_queued >= SCHED_NR_LATENCY
    if entity.task_has_idle_policy(curr) and not entity.task_has_idle_policy(task):
        preempt = True  # idle tasks are by definition preempted
    elif task.policy != SCHED_NORMAL:
        return  # batch and idle wakers do not preempt
    else:
        fair.update_curr_fair(m, rq)
        preempt = wakeup_preempt_entity(m, se, pse) == 1
        if preempt:
            cfs_rq.next = task.pid  # set_next_buddy()
    if not preempt:
        return
    rq.need_resched = True  # resched_curr()
    # LAST_BUDDY: only when curr is still queued and the rq is busy
    if se.on_rq and scale:
        cfs_rq.last = curr.pid


def yield_task_cfs(m: entity.FairMachine, rq: Rq, curr: TaskStruct) -> None:
    """yield_task_fair(): update_curr() unless SCHED_BATCH, then the skip buddy."""
    if curr.policy != SCHED_BATCH:
        rq.clock = rq.clock_task = m.now  # update_rq_clock()
        fair.update_curr_fair(m, rq)
    rq.cfs.skip = curr.pid  # set_skip_buddy()


def task_fork_cfs(m: entity.FairMachine, cfs_rq: CfsRq, task: TaskStruct, curr: TaskStruct | None) -> None:
    """task_fork_fair(): parent's vruntime, START_DEBIT, made relative to min_vruntime."""
    se = task.se
    if curr is not None:
        se.vruntime = curr.se.vruntime
    place_entity_cfs(m, cfs_rq, task, True)
    se.vruntime -= cfs_rq.min_vruntime
