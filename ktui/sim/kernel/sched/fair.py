"""The fair class: EEVDF from 6.6 (CFS before). Models kernel/sched/fair.c.

`FairSchedClass` is ``DEFINE_SCHED_CLASS(fair)``; the module functions are
the fair.c functions it calls. What a release does is chosen once per
machine (``m.cfg.sched.level``, features.py): the pre-6.6 CFS paths are in
cfs.py, and within EEVDF:

* 6.6: ``avg_vruntime``, eligibility, lag placement (PLACE_LAG,
  PLACE_DEADLINE_INITIAL), ``update_entity_lag()`` clamping, RUN_TO_PARITY
  through ``vlag == deadline`` (6.6..6.16);
* 6.8: tree sorted by virtual deadline (2227a957e1d5), picked by the
  min_vruntime-augmented descent (timeline.py), and the O(1) fast path
  (ee4373dc902c); 6.6/6.7 pick by the min_deadline augmentation;
* 6.12: DELAY_DEQUEUE / DELAY_ZERO, PLACE_REL_DEADLINE, PREEMPT_SHORT,
  custom slices;
* 6.15: base slice 0.70 ms; a SCHED_IDLE curr loses its slice protection
  when a normal task wakes;
* 6.17: ``vprot`` (74eec63661d4 and the rest of Vincent Guittot's series);
* 6.18: yield forfeits the rest of the request (79104becf42b);
* 6.19: ``zero_vruntime`` replaces ``min_vruntime`` as the avg_vruntime
  reference (79f3f9bedd14, tip sched/core 2025-11-11; it went to stable
  trees too, which this model does not follow).

SMP: wakeup placement is here (`select_task_rq_fair`, `wake_affine`,
`select_idle_sibling`); the load balancer is in balance.py, the sched
domains in topology.py. The pure helpers are importable under their kernel
names: `calc_delta_fair`, `sched_slice`, `__sched_period`,
`wakeup_preempt_entity`, `pick_eevdf`, `entity_eligible`, `entity_lag`,
`place_entity`, `get_update_sysctl_factor`.

Left out: PELT and util_est, group scheduling (one root cfs_rq per CPU, so
``for_each_sched_entity`` is one step), NUMA balancing, bandwidth
control, HRTICK, core scheduling, proxy execution, sched features other than
the defaults, the NEXT_BUDDY feature (off by default). Ties between equal
deadlines in the 6.6/6.7 pick go to the leftmost entity (curr first).

Weights, the tree operations and the averages are in entity.py. Hot paths
inline ``scale_load_down()`` (``w >> 10``, at least 2) and ``entity_key()``
(``vruntime - v0``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import SchedEntity, SchedPolicy, TaskStruct
from ktui.sim.kernel.sched import cfs, deadline, features
from ktui.sim.kernel.sched.entity import (
    SCHED_IDLE,
    SCHED_NORMAL,
    FairMachine,
    __dequeue_entity,
    __enqueue_entity,
    _avg_vruntime,
    _div_s64,
    _eligible,
    _prio_load,
    _update_entity_lag,
    _update_min_vruntime,
    clear_buddies,
)
from ktui.sim.kernel.sched.entity import avg_vruntime as avg_vruntime
from ktui.sim.kernel.sched.entity import calc_delta_fair as calc_delta_fair
from ktui.sim.kernel.sched.entity import set_load_weight as set_load_weight
from ktui.sim.kernel.sched.features import (
    BASE_SLICE_070,
    CFS,
    DEADLINE_TREE,
    DELAY_DEQUEUE,
    EEVDF,
    VPROT,
    YIELD_FORFEIT,
    ZERO_VRUNTIME,
)
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_DELAYED,
    DEQUEUE_MOVE,
    DEQUEUE_SAVE,
    DEQUEUE_SLEEP,
    DEQUEUE_SPECIAL,
    ENQUEUE_DELAYED,
    ENQUEUE_INITIAL,
    ENQUEUE_MIGRATED,
    WF_FORK,
    WF_SYNC,
    CfsRq,
    Rq,
    SchedClass,
    scale_load_down,
)
from ktui.sim.kernel.sched.topology import SD_WAKE_AFFINE
from ktui.sim.state import mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def reweight_task_fair(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """reweight_task_fair() -> reweight_entity() for a possibly queued entity.

    Follows the 6.13+ shape of reweight_entity() for EEVDF (lag kept, deadline
    kept relative, entity re-placed) and the CFS one before 6.6 (load only).
    """
    se = task.se
    weight, inv = _prio_load(task)
    if se.load_weight == weight and se.inv_weight == inv:
        return
    if not se.on_rq:
        set_load_weight(task)
        return
    lvl = m.cfg.sched.level
    if lvl == CFS:
        cfs.reweight_entity_cfs(m, rq, task, weight, inv)
        return
    cfs_rq = rq.cfs
    curr = cfs_rq.curr == task.pid
    _update_curr(m, rq)
    _update_entity_lag(m, cfs_rq, se)
    se.deadline -= se.vruntime
    se.rel_deadline = 1
    cfs_rq.nr_queued -= 1
    if not curr:
        __dequeue_entity(m, cfs_rq, task)
    cfs_rq.load_weight -= se.load_weight
    se.vlag = _div_s64(se.vlag * se.load_weight, weight)
    se.deadline = _div_s64(se.deadline * se.load_weight, weight)
    se.load_weight, se.inv_weight = weight, inv
    _place_entity(m, cfs_rq, task, 0)
    cfs_rq.load_weight += se.load_weight
    if not curr:
        __enqueue_entity(m, cfs_rq, task)
    cfs_rq.nr_queued += 1
    if lvl < ZERO_VRUNTIME:
        _update_min_vruntime(m, cfs_rq)


def _cfs_rq_min_slice(m: FairMachine, cfs_rq: CfsRq) -> int:
    """cfs_rq_min_slice(): least slice of curr (if queued) and the tree, else ~0."""
    min_slice = 0xFFFFFFFFFFFFFFFF
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if curr is not None and curr.se.on_rq:
        min_slice = curr.se.slice
    if cfs_rq.slice_count:
        min_slice = min(min_slice, min(cfs_rq.slice_count))
    return min_slice


def _set_protect_slice(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity) -> None:
    """set_next_entity()'s RUN_TO_PARITY mark.

    6.6..6.16: the HACK ``se->vlag = se->deadline``. 6.17+:
    set_protect_slice(): vprot = min(deadline, vruntime + the least slice
    enqueued, in se's virtual time). vprot shares storage with vlag in the
    kernel (a union), so vlag shows it too.
    """
    if m.cfg.sched.level < VPROT:
        se.vlag = se.deadline
        return
    # RUN_TO_PARITY: min(cfs_rq_min_slice(), se->slice); se is curr, so
    # cfs_rq_min_slice() is its slice and the tree's least
    slice_ = se.slice
    if cfs_rq.slice_count:
        least = min(cfs_rq.slice_count)
        if least < slice_:
            slice_ = least
    vprot = se.deadline
    if slice_ != se.slice:
        vprot = min(vprot, se.vruntime + calc_delta_fair(slice_, se))
    se.vprot = vprot
    se.vlag = vprot


def _protect_slice(m: FairMachine, se: SchedEntity) -> bool:
    """protect_slice(): curr still inside its RUN_TO_PARITY protection."""
    if m.cfg.sched.level >= VPROT:
        return se.vprot - se.vruntime > 0
    return se.vlag == se.deadline


def _cancel_protect_slice(m: FairMachine, se: SchedEntity) -> None:
    """cancel_protect_slice()."""
    if _protect_slice(m, se):
        if m.cfg.sched.level >= VPROT:
            se.vprot = se.vruntime
            se.vlag = se.vprot
        else:
            se.vlag = se.deadline + 1


# --------------------------------------------------------------------------
# update_curr(), update_deadline()


def _update_curr(m: FairMachine, rq: Rq) -> None:
    """update_curr(): charge curr for the time since exec_start."""
    cfs_rq = rq.cfs
    if not cfs_rq.curr:
        return
    curr = m.tasks[cfs_rq.curr]
    se = curr.se
    now = rq.clock_task
    delta_exec = now - se.exec_start
    if delta_exec <= 0:
        return
    se.exec_start = now
    se.sum_exec_runtime += delta_exec
    if rq.fair_server.dl_server_active:  # 6.12+: the fair server pays too
        deadline.dl_server_update(cast("Machine", m), rq, delta_exec)
    se.vruntime += calc_delta_fair(delta_exec, se)
    cfg = m.cfg.sched
    lvl = cfg.level
    if lvl == CFS:
        _update_min_vruntime(m, cfs_rq)
        return
    # update_deadline(): a new request once vruntime reaches the deadline
    resched = se.vruntime - se.deadline >= 0
    if resched:
        # the request size r_i is the base slice (or a custom slice, 6.12+)
        if not (lvl >= DELAY_DEQUEUE and se.custom_slice):
            se.slice = cfg.base_slice
        se.deadline = se.vruntime + calc_delta_fair(se.slice, se)
    if lvl < ZERO_VRUNTIME:
        _update_min_vruntime(m, cfs_rq)
    if lvl < DELAY_DEQUEUE:
        # 6.6..6.11: update_deadline() itself reschedules when nr_running > 1
        if resched and cfs_rq.nr_queued > 1:
            rq.need_resched = True
            clear_buddies(cfs_rq, curr.pid)
        return
    if cfs_rq.nr_queued == 1:
        return
    if lvl >= VPROT:
        # 0b9ca2dcabc3: resched at the end of every protected period
        expired = not se.vprot - se.vruntime > 0  # !protect_slice()
    else:
        # did_preempt_short(): protection cancelled and no longer eligible
        expired = se.vlag != se.deadline and not _eligible(m, cfs_rq, se)
    if resched or expired:
        rq.need_resched = True
        clear_buddies(cfs_rq, curr.pid)


def update_curr_fair(m: FairMachine, rq: Rq) -> None:
    """update_curr_fair(): update_curr() of rq's cfs_rq."""
    _update_curr(m, rq)


# --------------------------------------------------------------------------
# Placement: place_entity()


def _place_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct, flags: int) -> None:
    """place_entity() (EEVDF): keep the lag across sleep (PLACE_LAG).

    The lag is inflated by (W + w_i)/W so that adding the entity to the
    weighted average leaves it with the lag it had (the comment in fair.c).
    """
    se = task.se
    vruntime = _avg_vruntime(m, cfs_rq)
    lag = 0
    if not (m.cfg.sched.level >= DELAY_DEQUEUE and se.custom_slice):
        se.slice = m.cfg.sched.base_slice
    vslice = calc_delta_fair(se.slice, se)
    if cfs_rq.nr_queued and se.vlag:  # PLACE_LAG
        lag = se.vlag
        load = cfs_rq.avg_load
        curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
        if curr is not None and curr.se.on_rq:
            load += scale_load_down(curr.se.load_weight)
        lag *= load + scale_load_down(se.load_weight)
        if not load:  # WARN_ON_ONCE(!load)
            load = 1
        lag = _div_s64(lag, load)
    se.vruntime = vruntime - lag
    if se.rel_deadline:  # PLACE_REL_DEADLINE (6.12)
        se.deadline += se.vruntime
        se.rel_deadline = 0
        return
    if flags & ENQUEUE_INITIAL:  # PLACE_DEADLINE_INITIAL
        vslice //= 2
    se.deadline = se.vruntime + vslice


# --------------------------------------------------------------------------
# enqueue / dequeue


def _cfs_tasks_add(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """list_add()/list_move() of ``se->group_node`` to the head of ``rq->cfs_tasks``.

    account_entity_enqueue() adds a task there and __set_next_task_fair()
    moves the task picked, so the list runs from the least recently queued
    or run (the tail, where detach_tasks() starts) to the most recent.
    """
    cfs_tasks = rq.cfs_tasks
    cfs_tasks.pop(task.pid, None)
    cfs_tasks[task.pid] = m.next_seq()


def _enqueue_entity(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """enqueue_entity()."""
    cfs_rq = rq.cfs
    se = task.se
    curr = cfs_rq.curr == task.pid
    if m.cfg.sched.level == CFS:
        cfs.enqueue_entity_cfs(m, rq, task, flags, curr)
    else:
        if curr:
            _place_entity(m, cfs_rq, task, flags)
        _update_curr(m, rq)
        if not curr:
            _place_entity(m, cfs_rq, task, flags)
        cfs_rq.load_weight += se.load_weight  # account_entity_enqueue()
        cfs_rq.nr_queued += 1
    if flags & ENQUEUE_MIGRATED:  # no longer cache hot
        se.exec_start = 0
    if not curr:
        __enqueue_entity(m, cfs_rq, task)
    se.on_rq = 1


def _requeue_delayed_entity(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """requeue_delayed_entity(): a delayed entity woke; DELAY_ZERO drops its credit."""
    cfs_rq = rq.cfs
    se = task.se
    if not se.sched_delayed or not se.on_rq:
        raise SimInvariantError(f"requeue of pid {task.pid}, which is not delayed")
    curr = cfs_rq.curr == task.pid
    _update_entity_lag(m, cfs_rq, se)  # DELAY_ZERO
    if se.vlag > 0:
        cfs_rq.nr_queued -= 1
        if not curr:
            __dequeue_entity(m, cfs_rq, task)
        se.vlag = 0
        _place_entity(m, cfs_rq, task, 0)
        if not curr:
            __enqueue_entity(m, cfs_rq, task)
        cfs_rq.nr_queued += 1
    se.sched_delayed = 0
    cfs_rq.h_nr_runnable += 1


def enqueue_task_fair(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """enqueue_task_fair(): queue task (or requeue a delayed one) on rq.

    Args:
        m: The machine.
        rq: task's run queue; its clock is current.
        task: The task.
        flags: ENQUEUE_* flags. ENQUEUE_DELAYED (6.12+) requeues a delayed task.
    """
    se = task.se
    if flags & ENQUEUE_DELAYED or (se.on_rq and se.sched_delayed):
        _requeue_delayed_entity(m, rq, task)
        return
    if se.on_rq:
        return
    first = not rq.cfs.nr_queued
    _enqueue_entity(m, rq, task, flags)
    _cfs_tasks_add(m, rq, task)
    if not se.sched_delayed:
        rq.cfs.h_nr_runnable += 1
    if first and rq.fair_server.dl_server:  # 6.12+: start the fair server
        deadline.dl_server_start(cast("Machine", m), rq)
    rq.nr_running += 1  # add_nr_running()


def _dequeue_entity(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """dequeue_entity(). Returns False when DELAY_DEQUEUE keeps it queued."""
    cfs_rq = rq.cfs
    se = task.se
    sleep = bool(flags & DEQUEUE_SLEEP)
    lvl = m.cfg.sched.level
    _update_curr(m, rq)
    if lvl >= DELAY_DEQUEUE and not flags & DEQUEUE_DELAYED:
        delay = sleep and not flags & DEQUEUE_SPECIAL
        if delay and not _eligible(m, cfs_rq, se):  # DELAY_DEQUEUE
            if cfs_rq.next == task.pid:
                cfs_rq.next = 0
            se.sched_delayed = 1
            return False
    clear_buddies(cfs_rq, task.pid)
    if lvl >= EEVDF:
        _update_entity_lag(m, cfs_rq, se)
        if lvl >= DELAY_DEQUEUE and not sleep:  # PLACE_REL_DEADLINE
            se.deadline -= se.vruntime
            se.rel_deadline = 1
    if cfs_rq.curr != task.pid:
        __dequeue_entity(m, cfs_rq, task)
    se.on_rq = 0
    cfs_rq.load_weight -= se.load_weight  # account_entity_dequeue()
    cfs_rq.nr_queued -= 1
    if lvl == CFS and not sleep:
        # normalise: the next enqueue adds the (new) rq's min_vruntime back
        se.vruntime -= cfs_rq.min_vruntime
    if (flags & (DEQUEUE_SAVE | DEQUEUE_MOVE)) != DEQUEUE_SAVE and lvl < ZERO_VRUNTIME:
        _update_min_vruntime(m, cfs_rq)
    if flags & DEQUEUE_DELAYED:  # finish_delayed_dequeue_entity()
        se.sched_delayed = 0
        if se.vlag > 0:  # noqa: PLR1730 - DELAY_ZERO, as fair.c spells it
            se.vlag = 0
    return True


def dequeue_task_fair(m: FairMachine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """dequeue_task_fair() / dequeue_entities().

    Returns:
        False if the dequeue was delayed (6.12+ DEQUEUE_SLEEP of an entity that
        is not eligible): the task stays queued with ``se.sched_delayed = 1``
        and is still counted in rq.nr_running and cfs_rq.nr_queued. True on a
        real dequeue (se.on_rq = 0, rq.nr_running decremented); with
        DEQUEUE_DELAYED it also does __block_task()'s ``task.on_rq = 0``.
    """
    se = task.se
    was_delayed = bool(se.sched_delayed)
    if not se.on_rq:
        raise SimInvariantError(f"dequeue of pid {task.pid}, which is not queued")
    if not _dequeue_entity(m, rq, task, flags):
        rq.cfs.h_nr_runnable -= 1
        return False
    if not was_delayed:
        rq.cfs.h_nr_runnable -= 1
    rq.cfs_tasks.pop(task.pid, None)  # account_entity_dequeue(): list_del_init()
    rq.nr_running -= 1  # sub_nr_running()
    if not rq.cfs.nr_queued and rq.fair_server.dl_server:  # 6.12..6.16: stop it
        deadline.dl_server_stop(cast("Machine", m), rq, rq.fair_server)
    if flags & DEQUEUE_DELAYED:
        task.on_rq = 0  # __block_task()
    return True


def migrate_task_rq_fair(m: FairMachine, task: TaskStruct, new_cpu: int) -> None:
    """migrate_task_rq_fair(): a waking task moves CPU (set_task_cpu()).

    Before 6.6 a sleeping task keeps an absolute vruntime, so its old rq's
    min_vruntime is subtracted here and the new one added by the
    ENQUEUE_MIGRATED enqueue. From 6.6 the lag carries over on its own.
    """
    if m.cfg.sched.level == CFS:
        cfs.migrate_task_rq_cfs(m, task)


# --------------------------------------------------------------------------
# pick


def _pick_eevdf(m: FairMachine, cfs_rq: CfsRq, protect: bool = True) -> int:
    """pick_eevdf() / __pick_eevdf(): earliest eligible virtual deadline.

    Returns:
        The pid picked (curr included as a candidate), 0 if none.
    """
    lvl = m.cfg.sched.level
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    timeline = cfs_rq.tasks_timeline
    if lvl >= DEADLINE_TREE and cfs_rq.nr_queued == 1:  # O(1) fast path (6.8)
        if curr is not None and curr.se.on_rq:
            return curr.pid
        return timeline[0][2] if timeline else 0
    # vruntime_eligible()'s sums do not change during the pick: take them
    # once (avg_sums(), inline).
    v_0 = cfs_rq.zero_vruntime if lvl >= ZERO_VRUNTIME else cfs_rq.min_vruntime
    avg = cfs_rq.avg_vruntime
    load = cfs_rq.avg_load
    if curr is not None and curr.se.on_rq:
        weight = curr.se.load_weight >> 10  # scale_load_down()
        if weight < 2:
            weight = 2 if curr.se.load_weight else 0
        avg += (curr.se.vruntime - v_0) * weight
        load += weight
    if curr is not None and (not curr.se.on_rq or avg < (curr.se.vruntime - v_0) * load):
        curr = None
    if curr is not None and protect and _protect_slice(m, curr.se):
        return curr.pid  # RUN_TO_PARITY
    # eligible: avg >= (v - v0) * load, i.e. v <= v0 + floor(avg / load)
    # (load == 0 leaves avg == 0: everything is eligible)
    limit = v_0 + avg // load if load else 1 << 126
    if lvl >= DEADLINE_TREE:
        # __pick_eevdf(): the leftmost eligible entity in deadline order, by
        # the min_vruntime descent; curr wins only with an earlier deadline
        pid = timeline.first_eligible(limit)
        if curr is not None and (
            not pid or curr.se.deadline - m.tasks[pid].se.deadline < 0
        ):
            return curr.pid
        return pid
    # 6.6/6.7: vruntime-ordered tree, so the eligible entities are a prefix;
    # the min_deadline heap search finds the earliest deadline among them
    # (leftmost on ties), which beats curr only if strictly earlier
    pid = timeline.min_in_prefix(limit)
    if curr is not None and (not pid or curr.se.deadline - m.tasks[pid].se.deadline <= 0):
        return curr.pid
    if not pid and timeline:
        return timeline[0][2]  # "EEVDF scheduling fail, picking leftmost"
    return pid


def _set_next_entity(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """set_next_entity(): take the pick out of the tree and make it curr."""
    cfs_rq = rq.cfs
    se = task.se
    clear_buddies(cfs_rq, task.pid)
    if se.on_rq:
        __dequeue_entity(m, cfs_rq, task)
        if m.cfg.sched.level >= EEVDF:
            _set_protect_slice(m, cfs_rq, se)
        _cfs_tasks_add(m, rq, task)  # __set_next_task_fair(): list_move() to the head
    se.exec_start = rq.clock_task  # update_stats_curr_start()
    cfs_rq.curr = task.pid
    se.prev_sum_exec_runtime = se.sum_exec_runtime


def _put_prev_entity(m: FairMachine, rq: Rq, prev: TaskStruct) -> None:
    """put_prev_entity(): charge prev and put it back in the tree if queued."""
    if prev.se.on_rq:
        _update_curr(m, rq)
        __enqueue_entity(m, rq.cfs, prev)
    rq.cfs.curr = 0


def pick_next_task_fair(m: FairMachine, rq: Rq) -> TaskStruct | None:
    """pick_next_task_fair() / pick_task_fair(): choose and set the next task.

    Works in either order with put_prev_task_fair(): if rq.cfs.curr is still
    set (the kernel's order, which lets RUN_TO_PARITY keep curr), it is a
    candidate and is put back only if something else is picked. When the
    result is curr itself nothing changes. From 6.12 a picked delayed entity
    is dequeued for real (DEQUEUE_SLEEP | DEQUEUE_DELAYED) and the pick
    retried.

    Returns:
        The task now ``rq.cfs.curr``, or None if no fair task is runnable
        (then a still-set curr is left for put_prev_task_fair()).
    """
    cfs_rq = rq.cfs
    eevdf = m.cfg.sched.level >= EEVDF
    while True:
        if not cfs_rq.nr_queued:
            return None
        curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
        if curr is not None:
            if curr.se.on_rq:
                _update_curr(m, rq)
            else:
                curr = None
        if eevdf:
            pid = _pick_eevdf(m, cfs_rq)  # pick_next_entity(); NEXT_BUDDY is off
        else:
            pid = cfs.pick_next_entity_cfs(m, cfs_rq, curr)
        if not pid:
            return None
        task = m.tasks[pid]
        if task.se.sched_delayed:
            dequeue_task_fair(m, rq, task, DEQUEUE_SLEEP | DEQUEUE_DELAYED)
            continue
        break
    if cfs_rq.curr and cfs_rq.curr != pid:
        _put_prev_entity(m, rq, m.tasks[cfs_rq.curr])
    if cfs_rq.curr != pid:
        _set_next_entity(m, rq, task)
    return task


def put_prev_task_fair(m: FairMachine, rq: Rq, prev: TaskStruct) -> None:
    """put_prev_task_fair() -> put_prev_entity(). No-op if prev is not curr."""
    if rq.cfs.curr != prev.pid:
        return
    _put_prev_entity(m, rq, prev)


# --------------------------------------------------------------------------
# tick, wakeup preemption, yield, fork, prio change


def task_tick_fair(m: FairMachine, rq: Rq, task: TaskStruct) -> None:
    """task_tick_fair() -> entity_tick(): update_curr(), and check_preempt_tick() before 6.6."""
    if rq.cfs.curr != task.pid:
        return
    _update_curr(m, rq)
    if m.cfg.sched.level == CFS and rq.cfs.nr_queued > 1:
        cfs.check_preempt_tick(m, rq, task)


def wakeup_preempt_fair(m: FairMachine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
    """check_preempt_wakeup_fair() (check_preempt_wakeup() before 6.7).

    Sets rq.need_resched when the woken task should preempt curr: before 6.6
    when curr leads it by more than wakeup_gran(), from 6.6 when pick_eevdf()
    would now choose it (PREEMPT_SHORT from 6.12 lets a shorter slice break
    curr's RUN_TO_PARITY protection). ``wake_flags`` (WF_FORK) only matters
    to the NEXT_BUDDY feature, which is off by default.
    """
    cfs_rq = rq.cfs
    if not rq.curr or rq.curr != cfs_rq.curr or rq.curr == task.pid:
        return
    curr = m.tasks[rq.curr]
    if rq.need_resched:  # test_tsk_need_resched(curr)
        return
    lvl = m.cfg.sched.level
    if lvl == CFS:
        cfs.check_preempt_wakeup(m, rq, curr, task)
        return
    se, pse = curr.se, task.se
    cancel = False
    if curr.policy == SCHED_IDLE and task.policy != SCHED_IDLE:
        # idle tasks are by definition preempted; "sched: Cancel the slice
        # protection of the idle entity" (6.15)
        cancel = lvl >= BASE_SLICE_070
    elif task.policy != SCHED_NORMAL:
        return  # batch and idle wakers do not preempt
    else:
        _update_curr(m, rq)
        if lvl >= VPROT:
            cancel = pse.slice < se.slice  # do_preempt_short (PREEMPT_SHORT)
            if _pick_eevdf(m, cfs_rq, protect=not cancel) != task.pid:
                if cancel:  # RUN_TO_PARITY: update_protect_slice()
                    se.vprot = min(
                        se.vprot,
                        se.vruntime + calc_delta_fair(_cfs_rq_min_slice(m, cfs_rq), se),
                    )
                    se.vlag = se.vprot
                return
        else:
            if lvl >= DELAY_DEQUEUE and _do_preempt_short(m, cfs_rq, pse, se):
                _cancel_protect_slice(m, se)
            if _pick_eevdf(m, cfs_rq) != task.pid:
                return
    if cancel:
        _cancel_protect_slice(m, se)
    rq.need_resched = True  # resched_curr()


def _do_preempt_short(m: FairMachine, cfs_rq: CfsRq, pse: SchedEntity, se: SchedEntity) -> bool:
    """do_preempt_short() (6.12..6.16)."""
    if pse.slice >= se.slice:
        return False
    if not _eligible(m, cfs_rq, pse):
        return False
    if pse.deadline - se.deadline < 0:  # entity_before()
        return True
    return not _eligible(m, cfs_rq, se)


def yield_task_fair(m: FairMachine, rq: Rq) -> None:
    """yield_task_fair(): skip buddy (CFS), push the deadline (EEVDF).

    6.6..6.17 move the deadline one slice further; 6.18 forfeits the rest of
    the request if curr is eligible (vruntime = deadline, new deadline).
    """
    cfs_rq = rq.cfs
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if curr is None or rq.nr_running == 1:
        return
    se = curr.se
    clear_buddies(cfs_rq, curr.pid)
    lvl = m.cfg.sched.level
    if lvl == CFS:
        cfs.yield_task_cfs(m, rq, curr)
        return
    rq.clock = rq.clock_task = m.now
    _update_curr(m, rq)
    if lvl < YIELD_FORFEIT:
        se.deadline += calc_delta_fair(se.slice, se)
    elif _eligible(m, cfs_rq, se):
        se.vruntime = se.deadline
        se.deadline += calc_delta_fair(se.slice, se)
        if lvl < ZERO_VRUNTIME:
            _update_min_vruntime(m, cfs_rq)


def task_fork_fair(m: FairMachine, task: TaskStruct) -> None:
    """task_fork_fair(): initial se of a child, on its parent's rq (task.cpu).

    CFS: vruntime from the parent (curr), START_DEBIT placement, then made
    relative to min_vruntime for wake_up_new_task(). EEVDF: a zero-lag
    placement with half a slice (PLACE_DEADLINE_INITIAL); enqueue with
    ENQUEUE_INITIAL places it again, as the kernel does.
    """
    rq = m.rqs[task.cpu]
    cfs_rq = rq.cfs
    se = task.se
    if not se.load_weight:
        set_load_weight(task)
    se.vruntime = 0  # __sched_fork()
    se.vlag = 0
    se.sum_exec_runtime = 0
    se.prev_sum_exec_runtime = 0
    se.exec_start = 0
    se.on_rq = 0
    se.sched_delayed = 0
    se.rel_deadline = 0
    se.slice = m.cfg.sched.base_slice
    rq.clock = rq.clock_task = m.now  # update_rq_clock()
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if curr is not None:
        _update_curr(m, rq)
    if m.cfg.sched.level == CFS:
        cfs.task_fork_cfs(m, cfs_rq, task, curr)
        return
    _place_entity(m, cfs_rq, task, ENQUEUE_INITIAL)


def prio_changed_fair(m: FairMachine, rq: Rq, task: TaskStruct, old_prio: int) -> None:
    """prio_changed_fair(): reweight if still needed, then check preemption.

    If set_load_weight() found the entity queued (the caller did not dequeue
    it around the change), reweight_entity() is done here.
    """
    if not task.se.on_rq:  # task_on_rq_queued()
        return
    reweight_task_fair(m, rq, task)
    if rq.cfs.nr_queued == 1:
        return
    if rq.curr == task.pid:
        if task.prio > old_prio:
            rq.need_resched = True
    else:
        wakeup_preempt_fair(m, rq, task, 0)


def init_cfs_rq(m: FairMachine, cfs_rq: CfsRq) -> None:
    """init_cfs_rq(): v0 starts at (u64)(-(1LL << 20)) to catch wrap bugs early."""
    if m.cfg.sched.level >= ZERO_VRUNTIME:
        cfs_rq.zero_vruntime = -(1 << 20)
    else:
        cfs_rq.min_vruntime = -(1 << 20)


def select_task_rq_fair(m: FairMachine, task: TaskStruct, wake_flags: int) -> int:
    """select_task_rq_fair(): the CPU for a fork (WF_FORK) or wakeup (WF_TTWU).

    A wakeup takes the fast path: the waker's CPU (``m.cfg.this_cpu``, as
    smp_processor_id()) is an affine target when the task may run there
    (wake_wide() is not modelled: always affine), so the lowest SD_WAKE_AFFINE
    domain spanning both CPUs asks `wake_affine` between it and prev; then
    `select_idle_sibling` looks for an idle CPU in the target's LLC. No
    domain has SD_BALANCE_WAKE, so wakeups never take the slow path. A fork
    takes sched_balance_find_dst_cpu() in reduced form: the least loaded
    allowed CPU, lowest number first (what sched_balance_find_dst_group() and
    _group_cpu() choose on an idle system). On a one-CPU machine (no
    domains) the task stays where it is.
    """
    allowed = task.cpus_mask
    if wake_flags & WF_FORK:
        return min(allowed, key=lambda c: (m.rqs[c].nr_running, c))
    topo = m.cfg.topology
    prev = task.cpu
    if not topo.levels:
        return prev
    cpu = m.cfg.this_cpu
    new_cpu = prev
    sync = bool(wake_flags & WF_SYNC)
    if cpu in allowed:  # want_affine
        for lvl in topo.levels:  # for_each_domain(cpu, tmp)
            if lvl.flags & SD_WAKE_AFFINE and prev in lvl.spans[cpu]:
                if cpu != prev:
                    new_cpu = wake_affine(m, lvl.imbalance_pct, task, cpu, prev, sync)
                break
    return select_idle_sibling(m, task, prev, new_cpu)


def idle_cpu(m: FairMachine, cpu: int) -> bool:
    """idle_cpu() (kernel/sched/core.c): running the idle task with nothing
    queued."""
    rq = m.rqs[cpu]
    return rq.curr == 0 and rq.nr_running == 0


def available_idle_cpu(m: FairMachine, cpu: int) -> bool:
    """available_idle_cpu(): idle_cpu(), as no vCPU is ever preempted here."""
    return idle_cpu(m, cpu)


def sched_idle_cpu(m: FairMachine, cpu: int) -> bool:
    """sched_idle_cpu(): only SCHED_IDLE tasks are runnable on `cpu`."""
    rq = m.rqs[cpu]
    if not rq.nr_running or rq.nr_running != rq.cfs.nr_queued:
        return False
    return all(m.tasks[pid].policy == SCHED_IDLE for pid in rq.cfs_tasks)


def wake_affine_idle(m: FairMachine, this_cpu: int, prev_cpu: int, sync: bool) -> int:
    """wake_affine_idle() (WA_IDLE): an idle CPU wins; -1 for no opinion.

    An idle waker CPU (the wakeup came from an interrupt) sharing prev's LLC
    gives prev if that is idle too, else itself; a sync waker alone on its
    CPU gives its own CPU; an idle prev gives prev.
    """
    topo = m.cfg.topology
    if available_idle_cpu(m, this_cpu) and topo.cpus_share_cache(this_cpu, prev_cpu):
        return prev_cpu if available_idle_cpu(m, prev_cpu) else this_cpu
    if sync and m.rqs[this_cpu].nr_running == 1:
        return this_cpu
    if available_idle_cpu(m, prev_cpu):
        return prev_cpu
    return -1


def wake_affine_weight(
    m: FairMachine, imbalance_pct: int, task: TaskStruct, this_cpu: int, prev_cpu: int, sync: bool
) -> int:
    """wake_affine_weight() (WA_WEIGHT, WA_BIAS): this CPU if its load with the
    task is below prev's load biased by half the imbalance_pct; -1 otherwise.

    Loads are the stand-in of balance.py (queued weights). The kernel
    subtracts the task's load from prev's, where its blocked PELT load still
    is; the stand-in never counted a sleeping task on prev, so prev's load is
    taken as it is (the same as subtracting an undecayed blocked load).
    """
    this_eff_load = m.rqs[this_cpu].cfs.load_weight >> 10  # cpu_load()
    if sync:
        curr = m.rqs[this_cpu].curr
        current_load = (m.tasks[curr].se.load_weight >> 10) if curr else 0
        if current_load > this_eff_load:
            return this_cpu
        this_eff_load -= current_load
    task_load = max(task.se.load_weight >> 10, 1)  # task_h_load()
    this_eff_load += task_load
    this_eff_load *= 100
    this_eff_load *= 1024  # capacity_of(prev_cpu)
    prev_eff_load = m.rqs[prev_cpu].cfs.load_weight >> 10
    prev_eff_load *= 100 + (imbalance_pct - 100) // 2
    prev_eff_load *= 1024  # capacity_of(this_cpu)
    if sync:
        prev_eff_load += 1
    return this_cpu if this_eff_load < prev_eff_load else -1


def wake_affine(
    m: FairMachine, imbalance_pct: int, task: TaskStruct, this_cpu: int, prev_cpu: int, sync: bool
) -> int:
    """wake_affine(): this_cpu if WA_IDLE or else WA_WEIGHT picks it, else prev_cpu."""
    target = wake_affine_idle(m, this_cpu, prev_cpu, sync)
    if target < 0:
        target = wake_affine_weight(m, imbalance_pct, task, this_cpu, prev_cpu, sync)
    if target != this_cpu:
        return prev_cpu
    return target


def select_idle_sibling(m: FairMachine, task: TaskStruct, prev: int, target: int) -> int:
    """select_idle_sibling(): target if idle, else prev if idle and cache
    affine, else an idle core (SMT) or CPU of target's LLC, else target.

    Left out: ``p->recent_used_cpu``, the per-CPU-kthread stacking rule,
    SIS_UTIL's scan limit (the whole LLC is scanned), asymmetric capacity.
    """
    topo = m.cfg.topology
    if available_idle_cpu(m, target) or sched_idle_cpu(m, target):
        return target
    if (
        prev != target
        and topo.cpus_share_cache(prev, target)
        and (available_idle_cpu(m, prev) or sched_idle_cpu(m, prev))
    ):
        return prev
    llc = topo.llc[target]
    if len(llc) == 1:  # no sd_llc
        return target
    has_idle_core = False
    if topo.smt > 1:
        # test_idle_cores(): sd_llc_shared->has_idle_cores, computed here
        has_idle_core = any(
            all(available_idle_cpu(m, c) for c in topo.smt_mask[core])
            for core in llc[:: topo.smt]
        )
        if not has_idle_core and topo.cpus_share_cache(prev, target):
            i = select_idle_smt(m, task, llc, prev)
            if i >= 0:
                return i
    i = select_idle_cpu(m, task, llc, has_idle_core, target)
    return i if i >= 0 else target


def select_idle_smt(m: FairMachine, task: TaskStruct, llc: tuple[int, ...], target: int) -> int:
    """select_idle_smt(): an idle SMT sibling of target, -1 if none."""
    for cpu in m.cfg.topology.smt_mask[target]:
        if cpu == target or cpu not in task.cpus_mask or cpu not in llc:
            continue
        if available_idle_cpu(m, cpu) or sched_idle_cpu(m, cpu):
            return cpu
    return -1


def select_idle_cpu(
    m: FairMachine, task: TaskStruct, llc: tuple[int, ...], has_idle_core: bool, target: int
) -> int:
    """select_idle_cpu(): scan the LLC (allowed CPUs) from target + 1, wrapping.

    With an idle core somewhere, select_idle_core() wants a whole idle core
    and remembers the first idle CPU on the way; else the first idle (or
    SCHED_IDLE-only) CPU. -1 if none.
    """
    cpus = [c for c in llc if c in task.cpus_mask]
    if not cpus:
        return -1
    start = next((k for k, c in enumerate(cpus) if c > target), 0)
    idle_cpu = -1
    smt_mask = m.cfg.topology.smt_mask
    skip: list[int] = []
    for k in range(len(cpus)):
        cpu = cpus[(start + k) % len(cpus)]
        if cpu in skip:
            continue
        if has_idle_core:
            # select_idle_core()
            idle = True
            for sib in smt_mask[cpu]:
                if not available_idle_cpu(m, sib):
                    idle = False
                    if idle_cpu == -1 and sched_idle_cpu(m, sib) and sib in cpus:
                        idle_cpu = sib
                    break
                if idle_cpu == -1 and sib in cpus:
                    idle_cpu = sib
            if idle:
                return cpu
            skip.extend(smt_mask[cpu])
        elif available_idle_cpu(m, cpu) or sched_idle_cpu(m, cpu):
            return cpu
    return idle_cpu


# --------------------------------------------------------------------------
# Pure helpers under their kernel names (wrappers over entity.py and cfs.py)


def get_update_sysctl_factor(ncpus: int) -> int:
    """get_update_sysctl_factor(): 1 + ilog2(min(ncpus, 8)) (SCHED_TUNABLESCALING_LOG).

    The kernel reads num_online_cpus(); here the CPU count is the argument.
    """
    return features.get_update_sysctl_factor(ncpus)


def __sched_period(m: FairMachine, nr_running: int) -> int:
    """__sched_period() (CFS): sysctl_sched_latency, or nr_running *
    sysctl_sched_min_granularity past sched_nr_latency (8) tasks."""
    return cfs.__sched_period(m, nr_running)


def sched_slice(m: FairMachine, cfs_rq: CfsRq, se: SchedEntity, idle: bool | None = None) -> int:
    """sched_slice() (CFS): se's wall-time share of __sched_period().

    Args:
        idle: se_is_idle(); found from the task owning `se` when None.
    """
    if idle is None:
        idle = any(t.se is se and t.policy == SCHED_IDLE for t in m.tasks.values())
    return cfs.sched_slice(m, cfs_rq, se, idle)


def wakeup_preempt_entity(m: FairMachine, curr: SchedEntity, se: SchedEntity) -> int:
    """wakeup_preempt_entity() (CFS): 1 if se should preempt curr (curr leads
    by more than wakeup_gran()), 0 within the granularity, -1 if se is ahead."""
    return cfs.wakeup_preempt_entity(m, curr, se)


def pick_eevdf(m: FairMachine, cfs_rq: CfsRq) -> TaskStruct | None:
    """pick_eevdf(): the eligible entity with the earliest virtual deadline
    (curr included, RUN_TO_PARITY honoured), as its task; None if none."""
    pid = _pick_eevdf(m, cfs_rq)
    return m.tasks[pid] if pid else None


def entity_eligible(m: FairMachine, cfs_rq: CfsRq | Rq, se: SchedEntity | TaskStruct) -> bool:
    """entity_eligible(cfs_rq, se): lag >= 0, i.e. vruntime <= avg_vruntime (EEVDF).

    Also takes a run queue for its cfs_rq and a task for its se.
    """
    if isinstance(cfs_rq, Rq):
        cfs_rq = cfs_rq.cfs
    if isinstance(se, TaskStruct):
        se = se.se
    return _eligible(m, cfs_rq, se)


def entity_lag(m: FairMachine, avruntime: int, se: SchedEntity) -> int:
    """entity_lag(): ``avruntime - se->vruntime`` clamped to
    ±calc_delta_fair(max(2 * slice, TICK_NSEC), se)."""
    vlag = avruntime - se.vruntime
    limit = calc_delta_fair(max(2 * se.slice, m.cfg.sched.tick_nsec), se)
    return max(-limit, min(limit, vlag))


def place_entity(m: FairMachine, cfs_rq: CfsRq, task: TaskStruct, flags: int) -> None:
    """place_entity(): EEVDF lag placement (6.6+), or the CFS sleeper
    credit / START_DEBIT (ENQUEUE_INITIAL) before. Takes the task for se."""
    if m.cfg.sched.level == CFS:
        cfs.place_entity_cfs(m, cfs_rq, task, bool(flags & ENQUEUE_INITIAL))
    else:
        _place_entity(m, cfs_rq, task, flags)


# --------------------------------------------------------------------------
# DEFINE_SCHED_CLASS(fair)


@mypyc_attr(native_class=False)  # ops are the fair.c functions, assigned as staticmethods
class FairSchedClass(SchedClass):
    """``fair_sched_class``: SCHED_NORMAL, SCHED_BATCH and SCHED_IDLE tasks."""

    __slots__ = ()
    name = "fair"
    policies = (
        int(SchedPolicy.SCHED_NORMAL),
        int(SchedPolicy.SCHED_BATCH),
        int(SchedPolicy.SCHED_IDLE),
    )
    has_pick_next_task = True

    # The ops whose fair.c function has the op's signature are that function.
    enqueue_task = staticmethod(enqueue_task_fair)
    dequeue_task = staticmethod(dequeue_task_fair)
    yield_task = staticmethod(yield_task_fair)
    wakeup_preempt = staticmethod(wakeup_preempt_fair)
    select_task_rq = staticmethod(select_task_rq_fair)
    migrate_task_rq = staticmethod(migrate_task_rq_fair)
    task_tick = staticmethod(task_tick_fair)
    task_fork = staticmethod(task_fork_fair)
    prio_changed = staticmethod(prio_changed_fair)
    update_curr = staticmethod(update_curr_fair)

    def pick_task(self, m: Machine, rq: Rq) -> TaskStruct | None:
        """pick_task_fair() (here it also does set_next_entity(), see pick_next_task_fair())."""
        return pick_next_task_fair(m, rq)

    def pick_next_task(
        self, m: Machine, rq: Rq, prev: TaskStruct | None
    ) -> TaskStruct | None:
        """pick_next_task_fair(): pick, then put prev if something else runs.

        With nothing fair to run, prev (if fair) is put all the same.
        """
        task = pick_next_task_fair(m, rq)
        if task is None and rq.sd:
            # idle: sched_balance_newidle(). A pulled task is traced here
            # (its sched_migrate_task), and __schedule() picks again.
            from ktui.sim.kernel.sched.balance import sched_balance_newidle

            sched_balance_newidle(m, rq)
        if prev is not None and task is not prev:
            put_prev_task_fair(m, rq, prev)
        return task

    def balance(self, m: Machine, rq: Rq, prev: TaskStruct | None) -> bool:
        """balance_fair(): sched_fair_runnable().

        The kernel's balance_fair() also runs sched_balance_newidle() when
        nothing fair is runnable; here the newidle balance is done by
        pick_next_task() alone, when it finds nothing (it always runs before
        the CPU goes idle), so that a pulled task's sched_migrate_task is
        the one event of that __schedule() step.
        """
        return bool(rq.cfs.h_nr_runnable)

    def put_prev_task(
        self, m: Machine, rq: Rq, prev: TaskStruct, next_task: TaskStruct | None
    ) -> None:
        """put_prev_task_fair()."""
        put_prev_task_fair(m, rq, prev)

    def set_next_task(self, m: Machine, rq: Rq, task: TaskStruct | None, first: bool) -> None:
        """set_next_task_fair() -> set_next_entity()."""
        if task is not None and rq.cfs.curr != task.pid:
            _set_next_entity(m, rq, task)

    def switched_to(self, m: Machine, rq: Rq, task: TaskStruct) -> None:
        """switched_to_fair(): a queued task that is not curr may preempt it."""
        if task.se.on_rq and rq.curr != task.pid:
            wakeup_preempt_fair(m, rq, task, 0)


fair_sched_class: SchedClass = FairSchedClass()
"""DEFINE_SCHED_CLASS(fair)."""
