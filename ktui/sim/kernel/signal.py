"""Job-control signals: ``kill TASK SIGSTOP|SIGCONT`` and the T state. Models
the stop/continue part of kernel/signal.c (``kill_pid_info()`` ->
``send_signal_locked()`` -> ``prepare_signal()``, ``do_signal_stop()``) and
include/linux/sched/jobctl.h.

* ``kill`` is kill(2) (``sys_enter``/``sys_exit``, NR 62 on x86-64): 0, or
  -ESRCH for a pid that does not exist. Signal 0 only checks the target.
  Each sent signal is a ``signal_generate`` event.
* SIGSTOP (19) sets ``JOBCTL_STOP_PENDING`` (and flushes a pending SIGCONT);
  SIGCONT (18) clears it and wakes a stopped task (``wake_up_state(t,
  __TASK_STOPPED)``), which goes on where it stopped.
* The target takes the stop when it next returns to user mode: at an op
  boundary of its program, or at once if it is computing (``run``: the
  sender's ``signal_wake_up()`` interrupts it, the rest of the run waits).
  Then ``signal_deliver``, ``__state = TASK_STOPPED`` and schedule():
  ``prev_state=T`` in the ``sched_switch``.

Left out: every other signal and handlers, thread groups (a stop is one
task's, not the group's), SIGCHLD/``wait`` for stopped children, ptrace
(t). A sleeping task is not woken to stop: a task in ``nanosleep`` (S)
stops when its sleep is over, where the kernel stops it at once and
restarts the rest of the sleep after SIGCONT; a task in D stops after it
wakes, as in the kernel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.include.uapi.asm_generic.errno_base import ESRCH
from ktui.sim.kernel.entry.common import (
    SYS_PHASE_BODY,
    SYS_PHASE_ENTER,
    set_pending,
    sys_enter,
    sys_exit,
    take_pending,
)
from ktui.sim.kernel.sched.core import kick, try_to_wake_up
from ktui.sim.kernel.sched.syscall_words import target_word
from ktui.sim.kernel.sched.syscalls import find_process_by_pid
from ktui.sim.machine import PRIO_CONT
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import define_event
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

NR_KILL: Final = 62
"""arch/x86/entry/syscalls/syscall_64.tbl: kill."""
SIGCONT: Final = 18
SIGSTOP: Final = 19
"""arch/x86/include/uapi/asm/signal.h."""
SIGNALS: Final = {"0": 0, "SIGCONT": SIGCONT, "CONT": SIGCONT, "18": SIGCONT, "SIGSTOP": SIGSTOP, "STOP": SIGSTOP, "19": SIGSTOP}
"""The signal words a program may write."""
JOBCTL_STOP_PENDING: Final = 1 << 17
"""include/linux/sched/jobctl.h: JOBCTL_STOP_PENDING_BIT 17."""
SI_USER: Final = 0
"""include/uapi/asm-generic/siginfo.h: sent by kill()."""
TRACE_SIGNAL_DELIVERED: Final = 0
TRACE_SIGNAL_IGNORED: Final = 1
"""include/trace/events/signal.h: the ``res`` of signal_generate."""

EV_SIGNAL_GENERATE = define_event(
    "signal_generate", "signal", ("sig", "int"), ("errno", "int"), ("code", "int"), ("pid", "pid"), ("grp", "int"), ("res", "int")
)
EV_SIGNAL_DELIVER = define_event(
    "signal_deliver", "signal", ("sig", "int"), ("errno", "int"), ("code", "int"), ("sa_handler", "int"), ("sa_flags", "int")
)


def _parse_kill(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``TASK|pid=N SIG``."""
    if len(words) != 2:
        raise ValueError(f"expected a target (a task name or pid=N) and a signal, got {len(words)} words")
    pid = target_word(words[0], resolve)
    if pid < 0:
        raise ValueError(f"pid {pid}: process groups (negative pids) are not modelled")
    sig = SIGNALS.get(words[1].upper())
    if sig is None:
        raise ValueError(f"unknown signal {shorten(words[1])!r}; expected SIGSTOP, SIGCONT or 0 (the only signals modelled)")
    return (pid, sig), ()


def send_signal(m: Machine, cpu: int, sender: TaskStruct, p: TaskStruct, sig: int) -> None:
    """send_signal_locked() -> prepare_signal() for the job-control signals,
    traced as ``signal_generate`` (on the sender's CPU)."""
    res = TRACE_SIGNAL_DELIVERED
    if p.exit_state:
        res = TRACE_SIGNAL_IGNORED  # a zombie takes no signal
    elif sig == SIGSTOP:
        p.jobctl |= JOBCTL_STOP_PENDING
        if m.rqs[p.cpu].curr == p.pid and p is not sender:
            # signal_wake_up(): the IPI interrupts it; it stops on its way
            # back to user mode.
            kick(m, m.rqs[p.cpu], m.now, PRIO_CONT)
    elif sig == SIGCONT:
        p.jobctl &= ~JOBCTL_STOP_PENDING
        if p.state == int(TaskState.TASK_STOPPED):
            try_to_wake_up(m, p.pid, cpu)
    m.emit(EV_SIGNAL_GENERATE, cpu, sender.pid, sig, 0, SI_USER, p.pid, 1, res)


def do_signal_stop(m: Machine, rq: Rq, task: TaskStruct) -> bool:
    """get_signal() -> do_signal_stop(): on the way to user mode with a stop
    pending, ``signal_deliver`` and TASK_STOPPED; the CPU then schedules."""
    task.jobctl &= ~JOBCTL_STOP_PENDING
    task.state = int(TaskState.TASK_STOPPED)
    m.emit(EV_SIGNAL_DELIVER, rq.cpu, task.pid, SIGSTOP, 0, SI_USER, 0, 0)
    continue_task(m, rq)
    return True


@register_op(
    "kill",
    parse=_parse_kill,
    returns=True,
    usage="kill TASK|pid=N SIGSTOP|SIGCONT|0",
    examples=("pid=0 0", "pid=1 SIGCONT", "pid=42 SIGSTOP"),
    doc="kill(2): stop (T state) or continue a task; 0 or -ESRCH",
)
def op_kill(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """SYSCALL_DEFINE2(kill) -> kill_something_info() for one pid."""
    pid, sig = op.args
    if task.op_phase == SYS_PHASE_ENTER:
        return sys_enter(m, rq, task, NR_KILL, (pid, sig))
    if task.op_phase == SYS_PHASE_BODY:
        p = find_process_by_pid(m, task, pid)
        if p is None:
            set_pending(m, task, -ESRCH)
            return _exit(m, rq, task, op)
        set_pending(m, task, 0)
        if sig == 0:  # only the permission and existence checks
            return _exit(m, rq, task, op)
        send_signal(m, rq.cpu, task, p, sig)
        continue_task(m, rq)
        return True
    return _exit(m, rq, task, op)


def _exit(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    ret, _out = take_pending(m, task)
    return sys_exit(m, rq, task, op, NR_KILL, ret)
