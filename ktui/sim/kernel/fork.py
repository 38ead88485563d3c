"""Task creation. Models kernel/fork.c (``kernel_clone()``, ``copy_process()``)
and the fork half of kernel/sched/core.c (``sched_fork()``,
``sched_cgroup_fork()``, ``wake_up_new_task()``).

Scenario tasks are created at their ``start`` time as children of the idle
task on CPU 0 (the simulator has no init or kthreadd): ``sched_process_fork``
on CPU 0, then ``sched_wakeup_new`` on the CPU chosen for the child. Pids are
the scenario order, from 1. A scenario task's policy is set as chrt(1)
would, with sched_setattr_nocheck(); when that fails (admission control's
-EBUSY), the task stays SCHED_NORMAL and the failure is a return labelled
``policy`` in the report.

The ``fork`` op is fork(2) from a program: ``sys_enter``, copy_process()
(``sched_process_fork``), wake_up_new_task() (``sched_wakeup_new``), then
``sys_exit`` in the parent with the child's pid, and in the child, when it
first runs, with 0 (ret_from_fork). Children get pids after the scenario's,
in fork order, inherit policy, nice, rt_priority and affinity
(``p->prio = current->normal_prio``: no PI boost), and run the block after
``fork [NAME] {`` (exiting at its ``}``) or, for a plain ``fork``, the rest
of the parent's program. A SCHED_DEADLINE parent gets -EAGAIN. Left out:
copying mm/files/signals, clone flags, ``sched_reset_on_fork``,
``sched_child_runs_first``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import POLICY_BY_NAME, SchedO1Entity, TaskState, TaskStruct
from ktui.sim.include.linux.sched.prio import NICE_TO_PRIO
from ktui.sim.include.uapi.asm_generic.errno_base import EAGAIN
from ktui.sim.include.uapi.linux.sched.types import SchedAttr
from ktui.sim.kernel.entry.common import (
    NR_FORK,
    SYS_PHASE_BODY,
    SYS_PHASE_ENTER,
    record_return,
    set_pending,
    sys_enter,
    sys_exit,
    take_pending,
)
from ktui.sim.kernel.exit import fork_state
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sched.core import wake_up_new_task
from ktui.sim.kernel.sched.deadline import sched_fork_check
from ktui.sim.kernel.sched.fair import set_load_weight
from ktui.sim.kernel.sched.o1 import sched_fork as o1_sched_fork
from ktui.sim.kernel.sched.rt import sched_rr_timeslice
from ktui.sim.kernel.sched.syscalls import sched_setattr_nocheck
from ktui.sim.machine import PRIO_CONT, PRIO_FORK, register_kind
from ktui.sim.ops import Op, register_op
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_SCHED_PROCESS_FORK = define_event(
    "sched_process_fork", "sched", ("pid", "pid"), ("child_pid", "pid")
)

FORK_PHASE_WAKE: Final = 3
"""``op_phase`` of ``fork`` after copy_process(): wake_up_new_task() next."""
PID_MAX_DEFAULT: Final = 32768
"""include/linux/threads.h: pids are 1..32767 (pid_max's default)."""
POLICY_LABEL: Final = "policy"
"""The label of a scenario task's own sched_setattr() in the returns."""


def schedule_forks(m: Machine) -> None:
    """Queue the creation of every scenario task at its start time."""
    for spec in m.cfg.scenario.tasks:
        m.push(spec.start_ns, PRIO_FORK, K_FORK, spec.pid, 0)


def _fork(m: Machine, pid: int, _b: int) -> bool:
    spec = m.cfg.scenario.tasks[pid - 1]
    task = TaskStruct(pid, spec.name, spec.affinity)
    if m.cfg.sched.classes:  # 2.6.0 .. 2.6.22: the task's O(1) scheduler state
        task.o1 = SchedO1Entity()
    # sched_fork(): the parent (the idle task) is SCHED_NORMAL, nice 0...
    task.static_prio = task.normal_prio = task.prio = NICE_TO_PRIO(spec.nice)
    task.start_time = m.now
    task.cpu = spec.cpu if spec.cpu is not None else spec.affinity[0]
    task.state = int(TaskState.TASK_NEW)
    set_load_weight(task)
    task.rt.time_slice = sched_rr_timeslice(m)  # __sched_fork()
    m.tasks[pid] = task
    policy = int(POLICY_BY_NAME[spec.policy])
    ret = 0
    if policy != task.policy:
        # ... and the scenario's policy is what chrt(1) does before exec():
        # sched_setattr() on the new task (a SCHED_DEADLINE parent could
        # not fork at all: sched_fork() returns -EAGAIN for dl_prio()).
        attr = SchedAttr(
            sched_policy=policy,
            sched_nice=spec.nice,
            sched_priority=spec.rt_priority,
            sched_runtime=spec.dl_runtime,
            sched_deadline=spec.dl_deadline,
            sched_period=spec.dl_period,
        )
        ret = sched_setattr_nocheck(m, task, attr)
    if task.o1 is not None:  # copy_process() -> sched_fork() (2.6.22)
        o1_sched_fork(m, task, None)
    # The parent is the idle task; CPU 0's current task is what the trace's
    # common fields show, as for the sched_wakeup_new that follows.
    m.emit(EV_SCHED_PROCESS_FORK, 0, m.rqs[0].curr, 0, pid)
    if ret:
        record_return(m, 0, pid, "sched_setattr", POLICY_LABEL, spec.line, ret)
    m.push(m.now, PRIO_CONT, K_WAKE_NEW, pid, 0)
    return True


def _wake_new(m: Machine, pid: int, _b: int) -> bool:
    task = m.tasks[pid]
    spec = m.cfg.scenario.tasks[pid - 1]
    task_sched_class(task).task_fork(m, task)  # sched_cgroup_fork()
    if spec.cpu is not None:
        # The scenario pins the first CPU: set_task_cpu() before the wakeup.
        saved = task.cpus_mask
        task.cpus_mask = (spec.cpu,)
        wake_up_new_task(m, task)
        # back to the scenario's affinity through the class
        # (set_cpus_allowed_rt() makes a queued RT task pushable again)
        task_sched_class(task).set_cpus_allowed(m, task, saved)
    else:
        wake_up_new_task(m, task)
    return True


K_FORK = register_kind("fork", _fork)
K_WAKE_NEW = register_kind("wake_up_new_task", _wake_new)


# -- fork(2) from a program -------------------------------------------------
def alloc_pid(m: Machine) -> int:
    """alloc_pid(): the next pid after the last one handed out (no reuse:
    PID_MAX_DEFAULT is far off)."""
    st = fork_state(m)
    last = st["last_pid"]
    assert isinstance(last, int)
    st["last_pid"] = last + 1
    return last + 1


def _set_program(m: Machine, child: int, owner: int, comm: str) -> None:
    """The child's program and comm in the run's tables (`Config`), which
    are indexed by pid: ``owner``'s program. Rewritten at every fork, so a
    pid forked differently in another branch of the history gets its own;
    the state itself holds ``owner`` (`fork_state`)."""
    cfg = m.cfg
    for table, blank in (
        (cfg.programs, ()),
        (cfg.program_texts, ((), ())),
        (cfg.names.comms, ""),
    ):
        while len(table) <= child:
            table.append(blank)  # type: ignore[arg-type]
    cfg.programs[child] = cfg.programs[owner]
    cfg.program_texts[child] = cfg.program_texts[owner]
    cfg.names.comms[child] = comm


def copy_process(m: Machine, rq: Rq, parent: TaskStruct, op: Op) -> TaskStruct:
    """copy_process() with sched_fork(): the child, TASK_NEW on the parent's CPU.

    dup_task_struct() copies the scheduling attributes; sched_fork() sets
    ``prio = current->normal_prio`` and __sched_fork() a fresh entity; the
    RR slice starts full (``p->rt.time_slice = sched_rr_timeslice``).
    """
    pid = alloc_pid(m)
    comm = op.strs[0] if op.strs else parent.comm
    child = TaskStruct(pid, comm, parent.cpus_mask)
    child.policy = parent.policy
    child.static_prio = parent.static_prio
    child.normal_prio = parent.normal_prio
    child.rt_priority = parent.rt_priority
    child.prio = parent.normal_prio
    child.rt.time_slice = sched_rr_timeslice(m)  # RR_TIMESLICE, in ticks
    child.cpu = rq.cpu  # __set_task_cpu(p, smp_processor_id())
    child.state = int(TaskState.TASK_NEW)
    child.start_time = m.now
    set_load_weight(child)
    if parent.o1 is not None:  # 2.6.x: the O(1) sched_fork() splits the slice
        child.o1 = SchedO1Entity()
        o1_sched_fork(m, child, parent)
    st = fork_state(m)
    owner_of = st["owner"]
    parents = st["parent"]
    assert isinstance(owner_of, dict) and isinstance(parents, dict)
    owner = owner_of.get(parent.pid, parent.pid)
    owner_of[pid] = owner
    parents[pid] = parent.pid
    _set_program(m, pid, owner, comm)
    # The child starts inside this fork op, returning 0 from it.
    child.pc = parent.pc
    if op.args[0] < 0:
        # A plain fork: the child goes on with the rest of the parent's
        # program, so it is inside the same repeat/loop blocks (its copy of
        # the parent's stack). A fork block's body is self-contained.
        child.loop_stack = parent.loop_stack[:]
    set_pending(m, child, 0)
    m.tasks[pid] = child
    return child


@register_op(
    "fork",
    returns=True,
    usage="fork [NAME] [{ CHILD PROGRAM }]",
    doc="fork(2): a child (comm NAME) runs the block, or the rest of the program; the parent gets its pid",
)
def op_fork(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """kernel_clone(): copy_process(), sched_process_fork, wake_up_new_task()."""
    end = op.args[0]
    parent_next = end + 1 if end >= 0 else task.pc + 1
    phase = task.op_phase
    if phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_FORK)
    if phase == SYS_PHASE_BODY:
        # sched_fork(): "We don't allow SCHED_DEADLINE tasks to fork"
        ret = sched_fork_check(task)
        if ret:
            return sys_exit(m, rq, task, op, NR_FORK, ret, next_pc=parent_next)
        if fork_state_last(m) + 1 >= PID_MAX_DEFAULT:
            # alloc_pid(): the pid space (pid_max) is used up.
            return sys_exit(m, rq, task, op, NR_FORK, -EAGAIN, next_pc=parent_next)
        child = copy_process(m, rq, task, op)
        m.emit(EV_SCHED_PROCESS_FORK, rq.cpu, task.pid, task.pid, child.pid)
        task.op_phase = FORK_PHASE_WAKE
        continue_task(m, rq)
        return True
    if phase == FORK_PHASE_WAKE:
        child_pid = fork_state_last(m)
        child = m.tasks[child_pid]
        task_sched_class(child).task_fork(m, child)  # sched_cgroup_fork()
        wake_up_new_task(m, child, rq.cpu)
        set_pending(m, task, child_pid)
        if m.rqs[rq.cpu].curr == task.pid:
            continue_task(m, rq)
        return True
    value, _out = take_pending(m, task)
    is_child = value == 0
    return sys_exit(m, rq, task, op, NR_FORK, value, next_pc=task.pc + 1 if is_child else parent_next)


def fork_state_last(m: Machine) -> int:
    """The pid the last copy_process() handed out."""
    last = fork_state(m)["last_pid"]
    assert isinstance(last, int)
    return last
