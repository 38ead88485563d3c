"""Lockdep's reports: the printers of kernel/locking/lockdep.c.

Each builds the kernel's text (print_circular_bug(), print_deadlock_bug(),
print_unlock_imbalance_bug(), print_freed_lock_bug(), the MAX_LOCK_DEPTH and
invalid-subclass BUGs) with the "Possible unsafe locking scenario" tables and
lockdep_print_held_locks(), and hands it to `ktui.sim.kernel.locking.lockdep.report`.
Left out: addresses, the ", at:" call sites and the stack backtraces.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.locking.lockdep import (
    E_NEXT,
    E_PREV,
    H_CLASS,
    H_READ,
    LockdepState,
    lock_name,
    report,
)

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.locking.lock import Lock
    from ktui.sim.machine import Machine


def kernel_ident(m: Machine) -> str:
    """print_kernel_ident(): release, version, taint."""
    kver = m.kver
    release = ".".join(str(v) for v in kver) if isinstance(kver, tuple) else str(kver)
    if isinstance(kver, tuple) and len(kver) == 2:
        release += ".0"
    return f"{release} #1 Not tainted"


def banner(m: Machine, headline: str) -> list[str]:
    """The ``====`` / headline / ident / ``----`` opening of a report."""
    return ["=" * len(headline), headline, kernel_ident(m), "-" * len(headline)]


def who(m: Machine, pid: int) -> str:
    """``comm/pid``."""
    return f"{m.comm(pid)}/{pid}"


def held_locks(m: Machine, st: LockdepState, pid: int, depth: int | None = None) -> list[str]:
    """lockdep_print_held_locks() (the first `depth` entries)."""
    held = st.held.get(pid, [])
    shown = held if depth is None else held[:depth]
    if not shown:
        return [f"no locks held by {who(m, pid)}."]
    plural = "" if len(shown) == 1 else "s"
    lines = [f"{len(shown)} lock{plural} held by {who(m, pid)}:"]
    lines += [f" #{i}: {lock_name(st, h[H_CLASS])}" for i, h in enumerate(shown)]
    return lines


def _lockfn(hlock: list[int] | None) -> str:
    # print_circular_lock_scenario() / print_deadlock_scenario(): rlock( for readers
    return "rlock(" if hlock is not None and hlock[H_READ] else "lock("


def print_circular_bug(
    m: Machine, st: LockdepState, task: TaskStruct, prev: list[int], nxt: list[int], path: list[int]
) -> None:
    """print_circular_bug(): `path` (edge indices) runs from `nxt`'s class to `prev`'s."""
    headline = "WARNING: possible circular locking dependency detected"
    classes = [st.edges[path[0]][E_PREV]] + [st.edges[e][E_NEXT] for e in path]
    src, tgt = classes[0], classes[-1]
    parent = classes[-2]
    lines = banner(m, headline)
    lines += [f"{who(m, task.pid)} is trying to acquire lock:", lock_name(st, nxt[H_CLASS]), ""]
    lines += ["but task is already holding lock:", lock_name(st, prev[H_CLASS]), ""]
    lines += ["which lock already depends on the new lock.", "", ""]
    lines += ["the existing dependency chain (in reverse order) is:"]
    for depth in range(len(classes) - 1, -1, -1):
        lines += ["", f"-> #{depth} {lock_name(st, classes[depth])}:"]
    lines += ["", "other info that might help us debug this:", ""]
    name = st.classes
    if parent != src:
        lines += ["Chain exists of:", f"  {name[src]} --> {name[parent]} --> {name[tgt]}", ""]
    lines += [
        " Possible unsafe locking scenario:",
        "",
        "       CPU0                    CPU1",
        "       ----                    ----",
        f"  {_lockfn(prev)}{name[tgt]});",
        f"                               lock({name[parent]});",
        f"                               {_lockfn(prev)}{name[tgt]});",
        f"  {_lockfn(nxt)}{name[src]});",
        "",
        " *** DEADLOCK ***",
        "",
    ]
    lines += held_locks(m, st, task.pid, len(st.held.get(task.pid, [])) - 1)
    chain = [name[c] for c in classes]
    report(m, task, "circular", headline, "\n".join(lines), [name[src], name[tgt]], chain)


def print_deadlock_bug(m: Machine, st: LockdepState, task: TaskStruct, prev: list[int], nxt: list[int]) -> None:
    """print_deadlock_bug() with print_deadlock_scenario()."""
    headline = "WARNING: possible recursive locking detected"
    name = st.classes[nxt[H_CLASS]]
    lines = banner(m, headline)
    lines += [f"{who(m, task.pid)} is trying to acquire lock:", lock_name(st, nxt[H_CLASS]), ""]
    lines += ["but task is already holding lock:", lock_name(st, prev[H_CLASS]), ""]
    lines += [
        "other info that might help us debug this:",
        " Possible unsafe locking scenario:",
        "",
        "       CPU0",
        "       ----",
        f"  {_lockfn(prev)}{name});",
        f"  {_lockfn(nxt)}{name});",
        "",
        " *** DEADLOCK ***",
        "",
        " May be due to missing lock nesting notation",
        "",
    ]
    lines += held_locks(m, st, task.pid, len(st.held.get(task.pid, [])) - 1)
    report(m, task, "recursive", headline, "\n".join(lines), [name], [name, name])


def print_invalid_subclass(m: Machine, st: LockdepState, task: TaskStruct, lock: Lock, subclass: int) -> None:
    """look_up_lock_class(): a subclass >= MAX_LOCKDEP_SUBCLASSES turns lockdep off."""
    headline = f"BUG: looking up invalid subclass: {subclass}"
    body = f"{headline}\nturning off the locking correctness validator."
    st.debug_locks = False
    report(m, task, "invalid_subclass", headline, body, [lock.cls], [])


def print_max_lock_depth(m: Machine, st: LockdepState, task: TaskStruct) -> None:
    """__lock_acquire(): the held_locks array is full (print_lockdep_off())."""
    from ktui.sim.kernel.locking.lockdep import MAX_LOCK_DEPTH

    headline = "BUG: MAX_LOCK_DEPTH too low!"
    depth = len(st.held.get(task.pid, []))
    lines = [headline, "turning off the locking correctness validator.", f"depth: {depth}  max: {MAX_LOCK_DEPTH}!"]
    lines += held_locks(m, st, task.pid)
    st.debug_locks = False
    report(m, task, "max_lock_depth", headline, "\n".join(lines), [], [])


def print_freed_lock_bug(
    m: Machine, st: LockdepState, task: TaskStruct, lock: Lock, hlock: list[int], holder: int
) -> None:
    """print_freed_lock_bug(): an init op on a lock a task still holds."""
    headline = "WARNING: held lock freed!"
    lines = banner(m, headline)
    lines += [f"{who(m, task.pid)} is freeing memory {lock.name}, with a lock still held there!"]
    lines += [lock_name(st, hlock[H_CLASS])]
    lines += held_locks(m, st, holder)
    name = st.classes[hlock[H_CLASS]]
    report(m, task, "held_lock_freed", headline, "\n".join(lines), [name], [])


def unlock_imbalance_text(m: Machine, st: LockdepState, task: TaskStruct, lock: Lock) -> str:
    """print_unlock_imbalance_bug()'s text."""
    headline = "WARNING: bad unlock balance detected!"
    lines = banner(m, headline)
    lines += [f"{who(m, task.pid)} is trying to release lock ({lock.cls}) at:"]
    lines += ["but there are no more locks to release!", "", "other info that might help us debug this:"]
    lines += held_locks(m, st, task.pid)
    return "\n".join(lines)
