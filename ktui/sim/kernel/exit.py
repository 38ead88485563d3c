"""Task exit and reaping. Models kernel/exit.c: ``do_exit()`` (with
``exit_notify()``), ``do_task_dead()``, and ``wait4()`` -> ``do_wait()`` ->
``release_task()``.

``exit [CODE]`` (or the end of a program) emits ``sched_process_exit``,
makes the task a zombie (EXIT_ZOMBIE, exit code ``(CODE & 0xff) << 8`` as
sys_exit() passes it) and switches away for good, so its last
``sched_switch`` reports ``prev_state=Z``. Its parent, if it waits in
``wait``, is woken (``__wake_up_parent()``). ``wait`` is wait4(-1, &status,
0, NULL): it returns the pid of a zombie child it reaps (the child becomes
EXIT_DEAD, ``X``, and stays listed, so the report still shows it), sleeps
in TASK_INTERRUPTIBLE while children still run, and returns -ECHILD when
there are none. Scenario tasks are children of the idle task, which
never reaps: they stay zombies. The children of an exiting task are
reparented to nobody (there is no init to reap them). Locks a task still
holds stay held, as in the kernel (lockdep would print "lock held when
returning to user space"; the lockdep issue adds that). Left out: signals,
thread groups, WNOHANG and the other wait options.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.include.uapi.asm_generic.errno_base import ECHILD
from ktui.sim.kernel.entry.common import (
    NR_WAIT4,
    OUT_FIELDS,
    SYS_PHASE_BODY,
    SYS_PHASE_ENTER,
    SYS_PHASE_EXIT,
    set_pending,
    sys_enter,
    sys_exit,
    take_pending,
)
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import Event, define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_SCHED_PROCESS_EXIT = define_event(
    "sched_process_exit", "sched", ("pid", "pid"), ("prio", "prio")
)
EV_SCHED_PROCESS_WAIT = define_event(
    "sched_process_wait", "sched", ("pid", "int"), ("prio", "prio")
)
"""do_wait() began; ``pid`` is the pid waited for (0: any child, as for -1)."""


def _format_process_wait(ev: Event) -> str:
    # TP_printk("comm=%s pid=%d prio=%d"): comm and prio are current's.
    return f"comm={ev.common_comm} pid={ev.fields['pid']} prio={ev.fields['prio']}"


register_format("sched_process_wait", _format_process_wait)
EV_SCHED_PROCESS_FREE = define_event(
    "sched_process_free", "sched", ("pid", "pid"), ("prio", "prio")
)
"""The child is reaped (release_task(); the kernel traces it when the
task_struct is freed, an RCU grace period later)."""

WAIT_PHASE_CHECK: Final = 3
"""``op_phase`` of ``wait`` after sched_process_wait: look for a zombie
(again after each wakeup)."""
EXIT_ZOMBIE: Final = int(TaskState.EXIT_ZOMBIE)
EXIT_DEAD: Final = int(TaskState.EXIT_DEAD)


def fork_state(m: Machine) -> dict[str, object]:
    """``m.ext["fork"]``: ``last_pid`` (the last pid handed out), and per
    forked child its ``parent`` and ``owner`` (whose program it runs).
    Made on the first fork; scenario tasks are not in it (parent 0)."""
    st = m.ext.get("fork")
    if st is None:
        st = m.ext["fork"] = {"last_pid": len(m.cfg.scenario.tasks), "parent": {}, "owner": {}}
    assert isinstance(st, dict)
    return st


def _parents(m: Machine) -> dict[int, int]:
    st = m.ext.get("fork")
    if not isinstance(st, dict):
        return {}
    parents = st["parent"]
    assert isinstance(parents, dict)
    return parents


def real_parent(m: Machine, pid: int) -> int:
    """The pid of `pid`'s parent (0, the idle task, for scenario tasks)."""
    return _parents(m).get(pid, 0)


def children_of(m: Machine, pid: int) -> list[TaskStruct]:
    """`pid`'s children not yet reaped, in fork order."""
    return [
        m.tasks[c]
        for c, par in _parents(m).items()
        if par == pid and pid and not m.tasks[c].exit_state & EXIT_DEAD
    ]


def _parse_exit(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``[CODE]``: an integer, 0 by default (only its low 8 bits reach the parent)."""
    if len(words) > 1:
        raise ValueError(f"expected at most one exit CODE, got {len(words)} words")
    return ((resolve("code", "int", words[0]),) if words else ()), ()


@register_op(
    "exit",
    ("code", "int"),
    parse=_parse_exit,
    usage="exit [CODE]",
    examples=("", "0", "1"),
    doc="do_exit(): the task ends, a zombie with status CODE (also implied at the end of its program)",
)
def op_exit(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """do_exit(): trace, become a zombie, notify the parent, schedule away."""
    code = op.args[0] if op.args else 0
    m.emit(EV_SCHED_PROCESS_EXIT, rq.cpu, task.pid, task.pid, task.prio)
    task.exit_code = (code & 0xFF) << 8
    task.exit_state = EXIT_ZOMBIE
    task.state = int(TaskState.TASK_DEAD)
    m.nr_exited += 1
    exit_notify(m, rq, task)
    continue_task(m, rq)
    return True


def exit_notify(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """exit_notify(): forget_original_parent() (children go to no reaper)
    and do_notify_parent() -> __wake_up_parent() for a parent in wait."""
    parents = _parents(m)
    for child, par in parents.items():
        if par == task.pid:
            parents[child] = 0
    ppid = parents.get(task.pid, 0)
    if not ppid:
        return
    parent = m.tasks[ppid]
    prog = m.cfg.programs[ppid]
    if (
        parent.state == int(TaskState.TASK_INTERRUPTIBLE)
        and parent.pc < len(prog)
        and prog[parent.pc].name == "wait"
        and parent.op_phase == WAIT_PHASE_CHECK
    ):
        try_to_wake_up(m, ppid, rq.cpu)


OUT_FIELDS["wait"] = ("status",)


@register_op(
    "wait",
    returns=True,
    usage="wait",
    doc="wait4(-1, &status, 0, NULL): reap a zombie child (its pid; out.status), sleep while children run, -ECHILD if none",
)
def op_wait(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """kernel_wait4() -> do_wait(): reap, sleep, or -ECHILD."""
    phase = task.op_phase
    if phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_WAIT4, (-1, 0, 0, 0))  # (pid_t)-1: any child
    if phase == SYS_PHASE_BODY:
        m.emit(EV_SCHED_PROCESS_WAIT, rq.cpu, task.pid, 0, task.prio)
        task.op_phase = WAIT_PHASE_CHECK
        continue_task(m, rq)
        return True
    if phase == SYS_PHASE_EXIT:
        value, out = take_pending(m, task)
        return sys_exit(m, rq, task, op, NR_WAIT4, value, out)
    # WAIT_PHASE_CHECK: do_wait_thread() over the children.
    children = children_of(m, task.pid)
    if not children:
        return sys_exit(m, rq, task, op, NR_WAIT4, -ECHILD)
    for child in children:
        if child.exit_state & EXIT_ZOMBIE:
            release_task(m, rq, child)
            set_pending(m, task, child.pid, (child.exit_code,))
            continue_task(m, rq)
            return True
    # Children still run: sleep until one exits (exit_notify() wakes us).
    task.state = int(TaskState.TASK_INTERRUPTIBLE)
    continue_task(m, rq)
    return False


def release_task(m: Machine, rq: Rq, child: TaskStruct) -> None:
    """wait_task_zombie() -> release_task(): the zombie is reaped (EXIT_DEAD)."""
    child.exit_state = EXIT_DEAD
    m.emit(EV_SCHED_PROCESS_FREE, rq.cpu, rq.curr, child.pid, child.prio)
