"""Voluntary scheduling ops: ``schedule`` and ``sched_yield``, and
``set_user_nice()``. Models ``schedule()`` called by a running task
(kernel/sched/core.c), ``do_sched_yield()`` and ``set_user_nice()``
(kernel/sched/syscalls.c, 6.11+; core.c before), and the scheduler's
system calls as ops with return values (``SYSCALL_DEFINE*`` of the same
file): ``sched_setattr``, ``sched_getattr``, ``sched_setscheduler``,
``sched_getscheduler``, ``sched_setaffinity``, ``sched_rr_get_interval``,
``nice``, ``sched_yield``, plus ``sysctl_read``. Each is a `sys_enter` /
`sys_exit` pair (`ktui.sim.kernel.entry.common`); an error is a return
value, never a scenario error.

Left out: credentials and rlimits (the scenario's tasks are root, so
user_check_sched_setscheduler() and can_nice() always pass), LSM hooks,
cpusets (every CPU is allowed), uclamp values, ``sched_reset_on_fork``
(the flag is accepted and not kept), PI boosting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Final

from ktui.sim.errors import SimInvariantError
from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import (
    TASK_ON_RQ_MIGRATING,
    TaskState,
    TaskStruct,
)
from ktui.sim.include.linux.sched.prio import (
    MAX_NICE,
    MAX_RT_PRIO,
    MIN_NICE,
    NICE_TO_PRIO,
    NICE_WIDTH,
    __normal_prio,
    dl_policy,
    fair_policy,
    idle_policy,
    normal_prio,
    rt_policy,
    valid_policy,
)
from ktui.sim.include.uapi.asm_generic.errno_base import EBUSY, EINVAL, EPERM, ESRCH
from ktui.sim.include.uapi.linux.sched import (
    SCHED_FLAG_ALL,
    SCHED_FLAG_KEEP_PARAMS,
    SCHED_FLAG_KEEP_POLICY,
    SCHED_FLAG_RESET_ON_FORK,
    SCHED_RESET_ON_FORK,
)
from ktui.sim.include.uapi.linux.sched.types import SCHED_ATTR_SIZE_VER1, SchedAttr
from ktui.sim.kernel.entry.common import (
    NR_NICE,
    NR_SCHED_GETATTR,
    NR_SCHED_GETSCHEDULER,
    NR_SCHED_RR_GET_INTERVAL,
    NR_SCHED_SETAFFINITY,
    NR_SCHED_SETATTR,
    NR_SCHED_SETSCHEDULER,
    NR_SCHED_YIELD,
    OUT_FIELDS,
    SYS_PHASE_BODY,
    SYS_PHASE_ENTER,
    SYS_PHASE_EXIT,
    record_return,
    set_pending,
    sys_enter,
    sys_exit,
    take_pending,
)
from ktui.sim.kernel.sched import fair
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import (
    EV_SCHED_MIGRATE_TASK,
    activate_task,
    deactivate_task,
    schedule,
    set_task_cpu,
    update_rq_clock,
    wakeup_preempt,
)
from ktui.sim.kernel.sched.entity import set_load_weight
from ktui.sim.kernel.sched.features import EEVDF as EEVDF_LEVEL
from ktui.sim.kernel.sched.features import NSEC_PER_SEC
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_DELAYED,
    DEQUEUE_MOVE,
    DEQUEUE_SAVE,
    DEQUEUE_SLEEP,
    ENQUEUE_HEAD,
    ENQUEUE_MOVE,
    ENQUEUE_RESTORE,
    SchedClass,
)
from ktui.sim.kernel.sched.syscall_words import (
    NR_CPUS,
    SELF,
    parse_nice,
    parse_none,
    parse_setaffinity,
    parse_setattr,
    parse_setscheduler,
    parse_target_only,
)
from ktui.sim.machine import PRIO_CONT, register_kind
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import define_event, symbol
from ktui.sim.units import did_you_mean, shorten

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
    reweight_task_fair() does in place here. An RT or deadline task only
    gets the new static_prio (it matters once it is fair again). Emits ``sched_set_user_nice``,
    also when the value does not change (where the kernel returns early).
    """
    old_nice = task.nice
    rq = m.rqs[task.cpu]
    if nice != old_nice and (dl_policy(task.policy) or rt_policy(task.policy)):
        # "it won't have any effect on scheduling until the task is
        # SCHED_DEADLINE, SCHED_FIFO or SCHED_RR": static_prio only.
        task.static_prio = NICE_TO_PRIO(nice)
    elif nice != old_nice:
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


# -- system calls as ops ------------------------------------------------------
def find_process_by_pid(m: Machine, current: TaskStruct, pid: int) -> TaskStruct | None:
    """find_process_by_pid(): current for pid 0, else the task with that pid.

    A zombie is still found (its pid is hashed until release_task()); a
    reaped task (EXIT_DEAD) or a pid never used is not: the caller returns
    -ESRCH.
    """
    if pid == SELF:
        return current
    p = m.tasks.get(pid)
    if p is None or p.exit_state & int(TaskState.EXIT_DEAD):
        return None
    return p


# The calls -----------------------------------------------------------------
def _bad_pid_or_task(
    m: Machine, task: TaskStruct, pid: int
) -> tuple[int, TaskStruct | None]:
    """``if (pid < 0) return -EINVAL;`` then find_process_by_pid() or -ESRCH."""
    if pid < 0:
        return -EINVAL, None
    p = find_process_by_pid(m, task, pid)
    return (0, p) if p is not None else (-ESRCH, None)


def sys_sched_setattr(m: Machine, task: TaskStruct, pid: int, attr: SchedAttr, flags: int = 0) -> int:
    """SYSCALL_DEFINE3(sched_setattr): sched_copy_attr() (nice clamped to
    -20..19), SCHED_FLAG_KEEP_POLICY -> SETPARAM_POLICY, the target
    (-ESRCH), SCHED_FLAG_KEEP_PARAMS -> get_params(), then sched_setattr()."""
    if pid < 0 or flags:
        return -EINVAL
    attr = replace(attr, sched_nice=max(MIN_NICE, min(MAX_NICE, attr.sched_nice)))
    if attr.sched_policy < 0 or attr.sched_policy >= 2**31:  # (int)attr.sched_policy < 0
        return -EINVAL
    if attr.sched_flags & SCHED_FLAG_KEEP_POLICY:
        attr = replace(attr, sched_policy=SETPARAM_POLICY)
    p = find_process_by_pid(m, task, pid)
    if p is None:
        return -ESRCH
    if attr.sched_flags & SCHED_FLAG_KEEP_PARAMS:
        attr = get_params(p, attr)
    if attr.sched_priority < 0:  # a u32: huge, so "> MAX_RT_PRIO - 1"
        return -EINVAL
    return sched_setattr(m, p, attr)


def get_params(p: TaskStruct, attr: SchedAttr) -> SchedAttr:
    """get_params(): the task's own parameters of its policy into attr."""
    if dl_policy(p.policy):
        from ktui.sim.kernel.sched.deadline import __getparam_dl

        dl = __getparam_dl(p)
        return replace(
            attr,
            sched_runtime=dl.sched_runtime,
            sched_deadline=dl.sched_deadline,
            sched_period=dl.sched_period,
            sched_flags=attr.sched_flags | dl.sched_flags,
        )
    if rt_policy(p.policy):
        return replace(attr, sched_priority=p.rt_priority)
    return replace(attr, sched_nice=p.nice)


def sys_sched_getattr(m: Machine, task: TaskStruct, pid: int) -> tuple[int, SchedAttr]:
    """SYSCALL_DEFINE4(sched_getattr): policy, then get_params(); flags
    masked to SCHED_FLAG_ALL."""
    err, p = _bad_pid_or_task(m, task, pid)
    if p is None:
        return err, SchedAttr()
    attr = get_params(p, SchedAttr(sched_policy=p.policy))
    return 0, replace(attr, sched_flags=attr.sched_flags & SCHED_FLAG_ALL)


def sys_sched_setscheduler(m: Machine, task: TaskStruct, pid: int, policy: int, prio: int) -> int:
    """SYSCALL_DEFINE3(sched_setscheduler) -> do_sched_setscheduler() ->
    _sched_setscheduler(): the task's nice kept, the legacy
    SCHED_RESET_ON_FORK bit turned into the flag."""
    if policy < 0:
        return -EINVAL
    err, p = _bad_pid_or_task(m, task, pid)
    if p is None:
        return err
    flags = 0
    if policy & SCHED_RESET_ON_FORK:
        flags = SCHED_FLAG_RESET_ON_FORK
        policy &= ~SCHED_RESET_ON_FORK
    if prio < 0:  # sched_param.sched_priority is an int: "> MAX_RT_PRIO-1" fails below
        return -EINVAL
    attr = SchedAttr(sched_policy=policy, sched_flags=flags, sched_priority=prio, sched_nice=p.nice)
    return __sched_setscheduler(m, p, attr, True, True)


def sys_sched_getscheduler(m: Machine, task: TaskStruct, pid: int) -> int:
    """SYSCALL_DEFINE1(sched_getscheduler): the policy number."""
    err, p = _bad_pid_or_task(m, task, pid)
    return err if p is None else p.policy


def cpumask_of(mask: int, ncpus: int) -> tuple[int, ...]:
    """The CPUs of `mask` that the machine has (cpumask_and() with
    cpu_possible_mask), in order."""
    return tuple(cpu for cpu in range(ncpus) if mask >> cpu & 1)


def sys_sched_rr_get_interval(m: Machine, task: TaskStruct, pid: int) -> tuple[int, int]:
    """sched_rr_get_interval(): the class's get_rr_interval(), as a
    timespec (ns); 0 means "infinity" (FIFO, deadline)."""
    err, p = _bad_pid_or_task(m, task, pid)
    if p is None:
        return err, 0
    rq = m.rqs[p.cpu]
    cls = task_sched_class(p)
    if cls is fair.fair_sched_class and type(cls).get_rr_interval is SchedClass.get_rr_interval:
        return 0, get_rr_interval_fair(m, rq, p)
    return 0, cls.get_rr_interval(m, rq, p)


def get_rr_interval_fair(m: Machine, rq: Rq, p: TaskStruct) -> int:
    """get_rr_interval_fair() (kernel/sched/fair.c), in ns: 0 on an
    otherwise idle cfs_rq, else NS_TO_JIFFIES(se->slice) (6.6+; the
    sched_slice() before) ticks, as jiffies_to_timespec64() turns them into
    time. (It belongs in fair.py's class; it is here until the fair class
    has the hook.)"""
    se = p.se
    if not rq.cfs.load_weight:
        return 0
    if m.cfg.sched.level >= EEVDF_LEVEL:
        slice_ns = se.slice
    else:
        from ktui.sim.kernel.sched.cfs import sched_slice
        from ktui.sim.kernel.sched.entity import task_has_idle_policy

        slice_ns = sched_slice(m, rq.cfs, se, task_has_idle_policy(p))
    jiffies = slice_ns // (NSEC_PER_SEC // m.hz)  # NS_TO_JIFFIES()
    return jiffies * m.tick_nsec


def sys_nice(task: TaskStruct, increment: int) -> int:
    """SYSCALL_DEFINE1(nice): the nice value it sets (increment clamped to
    +-NICE_WIDTH, the result to MIN_NICE..MAX_NICE; root may always lower
    it, so no -EPERM)."""
    increment = max(-NICE_WIDTH, min(NICE_WIDTH, increment))
    return max(MIN_NICE, min(MAX_NICE, task.nice + increment))


# The ops ---------------------------------------------------------------------
def _attr_of(op: Op) -> SchedAttr:
    _pid, policy, flags, nice, prio, runtime, deadline, period = op.args
    return SchedAttr(policy, flags, nice, prio, runtime, deadline, period)


@register_op(
    "sched_setattr",
    parse=parse_setattr,
    returns=True,
    usage="sched_setattr [TASK|pid=N] [policy=P] [nice=N] [priority=N] [runtime=D] [deadline=D] [period=D] [flags=F]",
    examples=("policy=fifo priority=50", "nice=5", "policy=deadline runtime=10ms deadline=30ms period=30ms", "pid=0 policy=rr priority=1", "policy=batch", "policy=deadline runtime=40ms deadline=30ms period=30ms"),
    doc="sched_setattr(2): set policy and parameters (0 or -EINVAL/-EPERM/-EBUSY/-ESRCH)",
)
def op_sched_setattr(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_sched_setattr() on the op's target with its sched_attr."""
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_SETATTR, (op.args[0], 0, 0))
    ret = sys_sched_setattr(m, task, op.args[0], _attr_of(op))
    return sys_exit(m, m.rqs[task.cpu], task, op, NR_SCHED_SETATTR, ret)


OUT_FIELDS["sched_getattr"] = (
    "sched_policy", "sched_flags", "sched_nice", "sched_priority",
    "sched_runtime", "sched_deadline", "sched_period",
)  # fmt: skip


@register_op(
    "sched_getattr",
    parse=parse_target_only,
    returns=True,
    usage="sched_getattr [TASK|pid=N]",
    examples=("", "pid=0", "pid=1"),
    doc="sched_getattr(2): 0, the sched_attr in the return's out",
)
def op_sched_getattr(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_sched_getattr(): the attr goes to the return's ``out``."""
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_GETATTR, (op.args[0], 0, SCHED_ATTR_SIZE_VER1, 0))
    ret, a = sys_sched_getattr(m, task, op.args[0])
    out = (a.sched_policy, a.sched_flags, a.sched_nice, a.sched_priority, a.sched_runtime, a.sched_deadline, a.sched_period)
    return sys_exit(m, rq, task, op, NR_SCHED_GETATTR, ret, out if ret == 0 else ())


@register_op(
    "sched_setscheduler",
    parse=parse_setscheduler,
    returns=True,
    usage="sched_setscheduler POLICY PRIO [TASK|pid=N]",
    examples=("fifo 10", "rr 99", "normal 0", "idle 0 pid=0", "fifo 0"),
    doc="sched_setscheduler(2): policy and RT priority, nice kept",
)
def op_sched_setscheduler(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_sched_setscheduler()."""
    pid, policy, prio = op.args
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_SETSCHEDULER, (pid, policy, 0))
    ret = sys_sched_setscheduler(m, task, pid, policy, prio)
    return sys_exit(m, m.rqs[task.cpu], task, op, NR_SCHED_SETSCHEDULER, ret)


@register_op(
    "sched_getscheduler",
    parse=parse_target_only,
    returns=True,
    usage="sched_getscheduler [TASK|pid=N]",
    examples=("", "pid=0", "pid=-1"),
    doc="sched_getscheduler(2): the policy number (0 normal, 1 fifo, 2 rr, 3 batch, 5 idle, 6 deadline)",
)
def op_sched_getscheduler(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_sched_getscheduler()."""
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_GETSCHEDULER, (op.args[0],))
    return sys_exit(m, rq, task, op, NR_SCHED_GETSCHEDULER, sys_sched_getscheduler(m, task, op.args[0]))


OUT_FIELDS["sched_rr_get_interval"] = ("interval_ns",)


@register_op(
    "sched_rr_get_interval",
    parse=parse_target_only,
    returns=True,
    usage="sched_rr_get_interval [TASK|pid=N]",
    examples=("", "pid=0", "pid=42"),
    doc="sched_rr_get_interval(2): 0, the time slice in out.interval_ns (RR: RR_TIMESLICE; FIFO: 0)",
)
def op_sched_rr_get_interval(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_sched_rr_get_interval()."""
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_RR_GET_INTERVAL, (op.args[0], 0))
    ret, ns = sys_sched_rr_get_interval(m, task, op.args[0])
    return sys_exit(m, rq, task, op, NR_SCHED_RR_GET_INTERVAL, ret, (ns,) if ret == 0 else ())


@register_op(
    "nice",
    ("increment", "int"),
    parse=parse_nice,
    returns=True,
    usage="nice INCREMENT",
    examples=("5", "-20", "100"),
    doc="nice(2): add INCREMENT to the nice value, clamped to -20..19 (set_user_nice())",
)
def op_nice(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_nice(): set_user_nice() emits ``sched_set_user_nice``; 0 follows."""
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_NICE, (op.args[0],))
    if task.op_phase == SYS_PHASE_BODY:
        set_user_nice(m, task, sys_nice(task, op.args[0]))
        set_pending(m, task, 0)
        continue_task(m, rq)
        return True
    ret, _out = take_pending(m, task)
    return sys_exit(m, rq, task, op, NR_NICE, ret)


@register_op(
    "sched_yield",
    parse=parse_none,
    returns=True,
    usage="sched_yield",
    examples=("",),
    doc="sched_yield(2): the class's yield_task(), then schedule(); returns 0",
)
def op_sched_yield(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """do_sched_yield(): the class marks the yield, then schedule(); 0.

    Labelled (``r = sched_yield``), it is traced as the system call it is
    (sys_enter, schedule(), sys_exit with 0 when the task runs again).
    Unlabelled, it stays the silent op it was before return values: a
    yield that switches nothing emits no event, so a ``loop { sched_yield }``
    alone on a CPU spins tick to tick (hw/cpu.py) instead of tracing a
    sys_enter/sys_exit pair at one instant forever (ops take no time).
    """
    if not op.label:
        task.pc += 1
        task_sched_class(task).yield_task(m, rq)  # current->sched_class->yield_task()
        return schedule(m, rq, preempt=False)
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_YIELD)
    if task.op_phase == SYS_PHASE_BODY:
        task_sched_class(task).yield_task(m, rq)
        set_pending(m, task, 0)
        if schedule(m, rq, preempt=False):
            return True  # sys_exit when it runs again
        return False  # nothing else to run: sys_exit at once (the next pass)
    ret, _out = take_pending(m, task)
    return sys_exit(m, rq, task, op, NR_SCHED_YIELD, ret)


# -- sched_setaffinity ---------------------------------------------------------
@register_op(
    "sched_setaffinity",
    parse=parse_setaffinity,
    returns=True,
    usage="sched_setaffinity CPU-LIST [TASK|pid=N]",
    examples=("0", "0-1", "0x3", "1 pid=0"),
    doc="sched_setaffinity(2): allowed CPUs (0-2,5 or 0x5); moves the task off a CPU no longer allowed",
)
def op_sched_setaffinity(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """sys_sched_setaffinity() -> sched_setaffinity() -> __sched_setaffinity()."""
    pid, mask = op.args
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_SCHED_SETAFFINITY, (pid, (NR_CPUS // 8), 0))
    if task.op_phase == SYS_PHASE_EXIT:
        ret, _out = take_pending(m, task)
        return sys_exit(m, rq, task, op, NR_SCHED_SETAFFINITY, ret)
    p = find_process_by_pid(m, task, pid)
    if p is None:
        return sys_exit(m, rq, task, op, NR_SCHED_SETAFFINITY, -ESRCH)
    new_mask = cpumask_of(mask, m.ncpus)  # cpumask_and(new_mask, in_mask, cpus_allowed)
    # dl_task_check_affinity(): a deadline task must keep its root domain.
    if dl_policy(p.policy) and len(new_mask) < m.ncpus:
        return sys_exit(m, rq, task, op, NR_SCHED_SETAFFINITY, -EBUSY)
    ret, moved = __set_cpus_allowed_ptr(m, rq, task, p, new_mask)
    if ret or not moved:
        return sys_exit(m, rq, task, op, NR_SCHED_SETAFFINITY, ret)
    set_pending(m, task, 0)
    if rq.curr == task.pid:  # (not when it moved itself: it goes on there)
        continue_task(m, rq)
    return True


def __set_cpus_allowed_ptr(
    m: Machine, rq: Rq, current: TaskStruct, p: TaskStruct, new_mask: tuple[int, ...]
) -> tuple[int, bool]:
    """__set_cpus_allowed_ptr_locked(): the new mask, and the task moved off
    a CPU it may no longer use (affine_move_task()).

    -EINVAL when no allowed CPU is left; nothing when the mask is the same.
    A sleeping task just keeps its CPU (its wakeup's select_task_rq() picks
    an allowed one); a queued one is moved at once (move_queued_task()); a
    running one is preempted by its CPU's stopper and moved
    (migration_cpu_stop()), the caller's own sys_exit then following on
    the new CPU. cpumask_any_and_distribute() spreads destinations; the
    model takes the lowest allowed CPU.

    Returns:
        (0 or -errno, whether an event was emitted: the caller must then
        leave its return pending).
    """
    if p.cpus_mask == new_mask:
        return 0, False
    if not new_mask:
        return -EINVAL, False
    dest_cpu = new_mask[0]
    task_sched_class(p).set_cpus_allowed(m, p, new_mask)  # __do_set_cpus_allowed()
    if p.cpu in new_mask or not p.on_rq or p.exit_state:
        return 0, False
    trq = m.rqs[p.cpu]
    update_rq_clock(m, trq)
    if p.se.sched_delayed and trq.curr != p.pid:
        # A delayed dequeue (6.12+) is a sleeping task: finish it; its
        # wakeup places it.
        deactivate_task(m, trq, p, DEQUEUE_SLEEP | DEQUEUE_DELAYED)
        return 0, False
    if trq.curr != p.pid:
        move_queued_task(m, trq, p, dest_cpu, current.cpu)
        return 0, True
    if p is not current and (m.pcpu[trq.cpu].preempt_count or p.irqs_disabled):
        # The stopper waits until p is preemptible again; the model does
        # not wait: p keeps running there and moves at its next wakeup.
        return 0, False
    # migration_cpu_stop(): the stopper preempts p, then moves it.
    deactivate_task(m, trq, p, DEQUEUE_SAVE)
    p.on_rq = TASK_ON_RQ_MIGRATING
    if not schedule(m, trq, preempt=True):
        raise SimInvariantError(f"pid {p.pid} left its rq but schedule() did not switch")
    m.push(m.now, PRIO_CONT, K_MIGRATION_STOP, p.pid, dest_cpu)
    return 0, True


def move_queued_task(m: Machine, rq: Rq, p: TaskStruct, new_cpu: int, on_cpu: int) -> None:
    """move_queued_task(): deactivate_task() (TASK_ON_RQ_MIGRATING),
    set_task_cpu() (``sched_migrate_task`` on `on_cpu`), enqueue on the new
    rq, wakeup_preempt() there."""
    orig = p.cpu
    deactivate_task(m, rq, p, 0)
    set_task_cpu(m, p, new_cpu)
    m.emit(EV_SCHED_MIGRATE_TASK, on_cpu, m.rqs[on_cpu].curr, p.pid, p.prio, orig, new_cpu)
    _activate_migrated(m, p, new_cpu)


def _activate_migrated(m: Machine, p: TaskStruct, new_cpu: int) -> None:
    nrq = m.rqs[new_cpu]
    update_rq_clock(m, nrq)
    activate_task(m, nrq, p, 0)
    wakeup_preempt(m, nrq, p, 0)


def _migration_cpu_stop(m: Machine, pid: int, dest_cpu: int) -> bool:
    """The second half of migration_cpu_stop(): __migrate_task() of the task
    its stopper took off the CPU (TASK_ON_RQ_MIGRATING), traced on the old
    CPU. migrate_task_rq() is not called: the model's classes act there
    only for a waking task (fair's CFS path, deadline's non-contending
    bandwidth), and a task dequeued to move is already normalised."""
    p = m.tasks[pid]
    orig = p.cpu
    p.cpu = dest_cpu
    p.on_rq = 0
    m.emit(EV_SCHED_MIGRATE_TASK, orig, m.rqs[orig].curr, pid, p.prio, orig, dest_cpu)
    _activate_migrated(m, p, dest_cpu)
    return True


K_MIGRATION_STOP = register_kind("migration_cpu_stop", _migration_cpu_stop)


# -- sysctl_read ----------------------------------------------------------------
SCHED_SYSCTL_DEFAULTS: Final[dict[str, int]] = {
    "kernel.sched_rr_timeslice_ms": 100,  # sysctl_sched_rr_timeslice: RR_TIMESLICE in ms
    "kernel.sched_deadline_period_max_us": 1 << 22,  # kernel/sched/deadline.c
    "kernel.sched_deadline_period_min_us": 100,
    "kernel.pid_max": 32768,  # PID_MAX_DEFAULT
}
"""Knobs that read their kernel default and that a scenario cannot set
(the model does not follow a change to them); the settable ones are the
``[sysctl]`` registry's (`ktui.sim.kernel.sysctl`)."""


def sysctl_names() -> list[str]:
    """Every sysctl `read_sysctl` knows, for the parser and docs."""
    from ktui.sim.kernel.sysctl import SYSCTLS

    return sorted({*SYSCTLS, *SCHED_SYSCTL_DEFAULTS})


def read_sysctl(m: Machine, name: str) -> int:
    """The value of sysctl `name` on `m`, as /proc/sys shows it: the
    scenario's ``[sysctl]`` value, else the kernel's default."""
    from ktui.sim.kernel.sysctl import SYSCTLS, sysctl_value

    if name in SYSCTLS:
        return sysctl_value(m, name)
    return SCHED_SYSCTL_DEFAULTS[name]


def _parse_sysctl_read(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``NAME``: a known sysctl, dotted (``kernel.sched_rt_runtime_us``)
    or as a /proc/sys path (``kernel/sched_rt_runtime_us``)."""
    if len(words) != 1:
        raise ValueError(f"expected one sysctl NAME, got {len(words)} words")
    name = words[0].removeprefix("/proc/sys/").replace("/", ".")
    known = sysctl_names()
    if name not in known:
        hint = did_you_mean(name, known)
        raise ValueError(f"unknown sysctl {shorten(words[0])!r}{hint} (known: {', '.join(known)})")
    return (), (name,)


EV_SYSCTL_READ = define_event("sysctl_read", "ktui", ("name", "sym"), ("value", "int"))
"""A task read /proc/sys/NAME (open/read/close in the kernel; one ktui event)."""


@register_op(
    "sysctl_read",
    parse=_parse_sysctl_read,
    returns=True,
    usage="sysctl_read NAME",
    examples=("kernel.sched_rt_runtime_us", "kernel.watchdog_thresh"),
    doc="read /proc/sys/NAME (e.g. kernel.sched_rt_runtime_us): the value is the result",
)
def op_sysctl_read(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """Read a sysctl: its value is the op's result."""
    name = op.strs[0]
    value = read_sysctl(m, name)
    m.emit(EV_SYSCTL_READ, rq.cpu, task.pid, symbol(name), value)
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, value)
    task.pc += 1
    continue_task(m, rq)
    return True
