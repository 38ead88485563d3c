"""Voluntary scheduling ops: ``schedule`` and ``sched_yield``, and
``set_user_nice()``. Models ``schedule()`` called by a running task
(kernel/sched/core.c), ``do_sched_yield()`` and ``set_user_nice()``
(kernel/sched/syscalls.c, 6.11+; core.c before). Left out of
set_user_nice(): RT and deadline policies (not modelled).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.include.linux.sched.prio import (
    MAX_RT_PRIO,
    NICE_TO_PRIO,
    __normal_prio,
    dl_policy,
    fair_policy,
    idle_policy,
    normal_prio,
    rt_policy,
    valid_policy,
)
from ktui.sim.include.uapi.asm_generic.errno_base import EBUSY, EINVAL, EPERM
from ktui.sim.include.uapi.linux.sched import SCHED_FLAG_ALL, SCHED_FLAG_KEEP_PARAMS
from ktui.sim.include.uapi.linux.sched.types import SchedAttr
from ktui.sim.kernel.sched import fair
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import schedule, update_rq_clock
from ktui.sim.kernel.sched.entity import set_load_weight
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_MOVE,
    DEQUEUE_SAVE,
    ENQUEUE_HEAD,
    ENQUEUE_MOVE,
    ENQUEUE_RESTORE,
    SchedClass,
)
from ktui.sim.ops import Op, register_op
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

SETPARAM_POLICY = -1
"""sched_setparam(): keep the policy (kernel/sched/syscalls.c)."""


@register_op("schedule", might_sleep=True, doc="call schedule() while TASK_RUNNING: switch only if another task should run")
def op_schedule(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """schedule() with TASK_RUNNING: a voluntary switch if one is due."""
    task.pc += 1
    return schedule(m, rq, preempt=False)


@register_op("sched_yield", doc="sched_yield(): the class's yield_task(), then schedule()")
def op_sched_yield(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """do_sched_yield(): the class marks the yield, then schedule()."""
    task.pc += 1
    task_sched_class(task).yield_task(m, rq)  # current->sched_class->yield_task()
    return schedule(m, rq, preempt=False)


EV_SCHED_SET_USER_NICE = define_event(
    "sched_set_user_nice", "ktui", ("pid", "pid"), ("old_nice", "int"), ("nice", "int")
)
"""set_user_nice() ran (the kernel has no tracepoint there; a ktui event)."""


def set_user_nice(m: Machine, task: TaskStruct, nice: int) -> None:
    """set_user_nice() (kernel/sched/syscalls.c): a new nice value for `task`.

    Under the task's rq lock: static_prio from the nice value, then
    set_load_weight(p, true), which for a queued fair task is
    reweight_task_fair() (lag and relative deadline kept, entity re-placed)
    and for a dequeued one just the new weight; prio = effective_prio();
    then the class's prio_changed(), which reschedules when the running
    task's priority dropped or a queued one should now preempt. The kernel's
    dequeue/put_prev ... enqueue/set_next pair around the change is what
    reweight_task_fair() does in place here. Emits ``sched_set_user_nice``,
    also when the value does not change (where the kernel returns early).
    """
    old_nice = task.nice
    rq = m.rqs[task.cpu]
    if nice != old_nice:
        update_rq_clock(m, rq)
        task.static_prio = NICE_TO_PRIO(nice)
        if task.se.on_rq:
            fair.reweight_task_fair(m, rq, task)
        else:
            set_load_weight(task)
        old_prio = task.prio
        # effective_prio() -> normal_prio(): static_prio for a fair policy
        task.normal_prio = task.static_prio
        task.prio = task.normal_prio
        task_sched_class(task).prio_changed(m, rq, task, old_prio)
    m.emit(EV_SCHED_SET_USER_NICE, task.cpu, rq.curr, task.pid, old_nice, nice)


# -- __sched_setscheduler ---------------------------------------------------
def __setscheduler_params(m: Machine, p: TaskStruct, attr: SchedAttr) -> None:
    """__setscheduler_params(): policy, then the class's parameters.

    SETPARAM_POLICY (-1) keeps the policy. Deadline tasks get their
    entity's parameters (__setparam_dl()), RT ones rt_priority and fair
    ones static_prio from the nice value; normal_prio follows, and
    set_load_weight() (a fair task's weight, SCHED_IDLE's included).
    """
    policy = attr.sched_policy
    if policy == SETPARAM_POLICY:
        policy = p.policy
    p.policy = policy
    if dl_policy(policy):
        from ktui.sim.kernel.sched.deadline import __setparam_dl

        __setparam_dl(m, p, attr)
    elif fair_policy(policy) or idle_policy(policy):
        p.static_prio = NICE_TO_PRIO(attr.sched_nice)
    # __sched_setscheduler() converts a zero sched_priority to 0 for
    # non-RT policies (rt_policy() != (sched_priority != 0) refused it).
    p.rt_priority = attr.sched_priority
    p.normal_prio = normal_prio(p)
    set_load_weight(p)


def __setscheduler_prio(p: TaskStruct, prio: int) -> None:
    """__setscheduler_prio(): the new prio; the class follows from it
    (`task_sched_class`)."""
    p.prio = prio


def check_class_changed(
    m: Machine, rq: Rq, p: TaskStruct, prev_class: SchedClass, oldprio: int
) -> None:
    """check_class_changed(): switched_from()/switched_to() on a class
    change, else prio_changed() when the prio moved."""
    cls = task_sched_class(p)
    if prev_class is not cls:
        prev_class.switched_from(m, rq, p)
        cls.switched_to(m, rq, p)
    elif oldprio != p.prio:
        cls.prio_changed(m, rq, p, oldprio)


def __sched_setscheduler(m: Machine, p: TaskStruct, attr: SchedAttr, user: bool, pi: bool) -> int:
    """__sched_setscheduler() (kernel/sched/syscalls.c): validate, then change
    the policy and parameters of `p`; 0 or ``-errno``.

    The checks in the kernel's order: a valid policy (-EINVAL), known
    flags, sched_priority at most 99 and non-zero exactly for RT policies,
    deadline parameters (__checkparam_dl()), the stop task, nothing to
    change (0), the deadline affinity rule (-EPERM unless the task may run
    on every CPU), deadline admission (sched_dl_overflow(): -EBUSY). Then
    the kernel's dequeue/put_prev, set params and prio, enqueue/set_next
    and check_class_changed(). Left out: ``user``'s credential and rlimit
    checks (the scenario's tasks are root), uclamp, cpusets, and PI
    (rt_effective_prio(): nothing is boosted yet).
    """
    from ktui.sim.kernel.sched.core import activate_task, deactivate_task
    from ktui.sim.kernel.sched.deadline import __checkparam_dl, dl_param_changed, sched_dl_overflow

    policy = attr.sched_policy
    if policy < 0:
        policy = p.policy
    elif not valid_policy(policy):
        return -EINVAL
    if attr.sched_flags & ~SCHED_FLAG_ALL:
        return -EINVAL
    if attr.sched_priority > MAX_RT_PRIO - 1 or attr.sched_priority < 0:
        return -EINVAL
    if (dl_policy(policy) and not __checkparam_dl(attr)) or (
        rt_policy(policy) != (attr.sched_priority != 0)
    ):
        return -EINVAL
    rq = m.rqs[p.cpu]
    update_rq_clock(m, rq)
    if rq.stop and rq.stop == p.pid:
        return -EINVAL
    if policy == p.policy:
        changed = (
            (fair_policy(policy) and attr.sched_nice != p.nice)
            or (rt_policy(policy) and attr.sched_priority != p.rt_priority)
            or (dl_policy(policy) and dl_param_changed(p, attr))
        )
        if not changed:
            return 0
    if user and dl_policy(policy) and len(p.cpus_mask) < m.ncpus:
        return -EPERM  # the root domain spans every CPU
    if (dl_policy(policy) or dl_policy(p.policy)) and sched_dl_overflow(m, p, policy, attr):
        return -EBUSY
    oldprio = p.prio
    newprio = __normal_prio(policy, attr.sched_priority, attr.sched_nice)
    queued = bool(p.on_rq) and not p.exit_state
    running = rq.curr == p.pid
    prev_class = task_sched_class(p)
    if queued:
        deactivate_task(m, rq, p, DEQUEUE_SAVE | DEQUEUE_MOVE)
    if running:
        prev_class.put_prev_task(m, rq, p, None)
    if not attr.sched_flags & SCHED_FLAG_KEEP_PARAMS:
        __setscheduler_params(m, p, attr)
        __setscheduler_prio(p, newprio)
    if queued:
        # "We enqueue to tail when the priority of a task is increased."
        flags = ENQUEUE_RESTORE | ENQUEUE_MOVE | (ENQUEUE_HEAD if oldprio < p.prio else 0)
        activate_task(m, rq, p, flags)
    if running:
        task_sched_class(p).set_next_task(m, rq, p, True)
    check_class_changed(m, rq, p, prev_class, oldprio)
    return 0


def sched_setattr_nocheck(m: Machine, p: TaskStruct, attr: SchedAttr) -> int:
    """sched_setattr_nocheck(): __sched_setscheduler() as the kernel itself."""
    return __sched_setscheduler(m, p, attr, False, True)


def sched_setattr(m: Machine, p: TaskStruct, attr: SchedAttr) -> int:
    """sched_setattr(): __sched_setscheduler() for a user (root) caller."""
    return __sched_setscheduler(m, p, attr, True, True)
