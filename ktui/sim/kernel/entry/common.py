"""System call entry and exit, and the return values programs see.

Models kernel/entry/common.c: ``syscall_trace_enter()`` and
``syscall_exit_work()`` fire the ``raw_syscalls`` tracepoints of
include/trace/events/syscalls.h, ``sys_enter`` (``NR %ld (%lx, ...)``) on
the way in and ``sys_exit`` (``NR %ld = %ld``) on the way out, with the
x86-64 numbers of arch/x86/entry/syscalls/syscall_64.tbl.

A system call op runs in phases (``task.op_phase``): `SYS_PHASE_ENTER`
emits ``sys_enter``; `SYS_PHASE_BODY` runs the kernel function, which
either returns at once (``sys_exit`` follows in the same step) or emits
its own event (``sched_switch``, ``sched_process_fork`` ...) and leaves the
return value pending for `SYS_PHASE_EXIT`. The task can be preempted
between phases, as a syscall can be in a preemptible kernel.

Return values are data, never scenario errors: each labelled call
(``r = sched_yield``) and each failing one is kept in the machine state
(``m.ext["syscalls"]``, so checkpoints and seeks carry it) and shown in the
report's ``returns``. Pointer arguments print as 0 (no user memory is
modelled). Left out: seccomp, audit, ptrace stops, signals on the way out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.trace import Event, define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine
    from ktui.sim.ops import Op

# arch/x86/entry/syscalls/syscall_64.tbl
NR_SCHED_YIELD: Final = 24
NR_CLONE: Final = 56
NR_FORK: Final = 57
NR_WAIT4: Final = 61
NR_SCHED_SETPARAM: Final = 142
NR_SCHED_GETPARAM: Final = 143
NR_SCHED_SETSCHEDULER: Final = 144
NR_SCHED_GETSCHEDULER: Final = 145
NR_SCHED_RR_GET_INTERVAL: Final = 148
NR_SCHED_SETAFFINITY: Final = 203
NR_SCHED_SETATTR: Final = 314
NR_SCHED_GETATTR: Final = 315
NR_NICE: Final = 34
"""sys_nice() is not in the x86-64 table (glibc's nice() calls
setpriority()); 34 is its number on i386, where kernel/sched/syscalls.c's
SYSCALL_DEFINE1(nice) is wired up."""

SYS_PHASE_ENTER: Final = 0
"""``op_phase`` of a syscall op before ``sys_enter``."""
SYS_PHASE_BODY: Final = 1
"""After ``sys_enter``: the kernel function runs (a blocked task stays here)."""
SYS_PHASE_EXIT: Final = 2
"""The kernel function is done; ``sys_exit`` with the pending value is next."""

RETURNS_MAX: Final = 10_000
"""Return values kept in the state; older ones are dropped (and counted)."""

EV_SYS_ENTER = define_event(
    "sys_enter",
    "raw_syscalls",
    ("id", "int"),
    ("arg0", "u64"),
    ("arg1", "u64"),
    ("arg2", "u64"),
    ("arg3", "u64"),
    ("arg4", "u64"),
    ("arg5", "u64"),
)
EV_SYS_EXIT = define_event("sys_exit", "raw_syscalls", ("id", "int"), ("ret", "int"))


def _format_sys_enter(ev: Event) -> str:
    f = ev.fields
    args = ", ".join(f"{f[f'arg{i}']:x}" for i in range(6))
    return f"NR {f['id']} ({args})"


def _format_sys_exit(ev: Event) -> str:
    return f"NR {ev.fields['id']} = {ev.fields['ret']}"


register_format("sys_enter", _format_sys_enter)
register_format("sys_exit", _format_sys_exit)

OUT_FIELDS: dict[str, tuple[str, ...]] = {}
"""What each op writes back to user memory besides its return value (the
``struct sched_attr`` of sched_getattr, the timespec of
sched_rr_get_interval), by op name: the names of a return's ``out``."""

Return = tuple[int, int, int, int, str, str, int, int, tuple[int, ...]]
"""One kept return: ``(event, time_ns, cpu, pid, op, label, line, value, out)``."""


def syscall_state(m: Machine) -> dict[str, object]:
    """``m.ext["syscalls"]``, made on first use (a machine that never makes
    a system call keeps the state digest it had before they were modelled)."""
    st = m.ext.get("syscalls")
    if st is None:
        st = m.ext["syscalls"] = {"returns": [], "dropped": 0, "pending": {}}
    assert isinstance(st, dict)
    return st


def returns_of(m: Machine) -> tuple[list[Return], int]:
    """The kept returns, oldest first, and how many older ones were dropped."""
    st = m.ext.get("syscalls")
    if not isinstance(st, dict):
        return [], 0
    kept = st["returns"]
    dropped = st["dropped"]
    assert isinstance(kept, list) and isinstance(dropped, int)
    return kept, dropped


def record_return(
    m: Machine, cpu: int, pid: int, op: str, label: str, line: int, value: int, out: tuple[int, ...] = ()
) -> None:
    """Keep a return value: labelled ones and failures (``value < 0``) only."""
    if not label and value >= 0:
        return
    st = syscall_state(m)
    kept = st["returns"]
    assert isinstance(kept, list)
    kept.append((m.nr_events, m.now, cpu, pid, op, label, line, value, out))
    if len(kept) > RETURNS_MAX:
        del kept[0]
        dropped = st["dropped"]
        assert isinstance(dropped, int)
        st["dropped"] = dropped + 1


def sys_enter(m: Machine, rq: Rq, task: TaskStruct, nr: int, args: Sequence[int] = ()) -> bool:
    """``trace_sys_enter()``: the first step of a syscall op."""
    a = [*args, 0, 0, 0, 0, 0, 0][:6]
    m.emit(EV_SYS_ENTER, rq.cpu, task.pid, nr, *a)
    task.op_phase = SYS_PHASE_BODY
    continue_task(m, rq)
    return True


def set_pending(m: Machine, task: TaskStruct, value: int, out: tuple[int, ...] = ()) -> None:
    """The body emitted its own event: `value` is returned at `SYS_PHASE_EXIT`."""
    pending = syscall_state(m)["pending"]
    assert isinstance(pending, dict)
    pending[task.pid] = (value, out)
    task.op_phase = SYS_PHASE_EXIT


def take_pending(m: Machine, task: TaskStruct) -> tuple[int, tuple[int, ...]]:
    """The value `set_pending` left for `task`."""
    pending = syscall_state(m)["pending"]
    assert isinstance(pending, dict)
    value, out = pending.pop(task.pid)
    assert isinstance(value, int) and isinstance(out, tuple)
    return value, out


def sys_exit(
    m: Machine,
    rq: Rq,
    task: TaskStruct,
    op: Op,
    nr: int,
    value: int,
    out: tuple[int, ...] = (),
    next_pc: int = -1,
) -> bool:
    """``trace_sys_exit()``: the syscall returns `value` to the program.

    Keeps the value (`record_return`), moves the task to `next_pc` (the next
    op by default) and lets it go on.
    """
    m.emit(EV_SYS_EXIT, rq.cpu, task.pid, nr, value)
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, value, out)
    task.op_phase = 0
    task.pc = task.pc + 1 if next_pc < 0 else next_pc
    continue_task(m, rq)
    return True
