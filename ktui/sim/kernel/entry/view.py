"""The system calls' frozen view: the return values programs got.

One view, two readers, as the scheduler's (`ktui.sim.kernel.sched.view`):
the snapshot's ``syscalls`` section, and the report's ``returns`` made from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from ktui.sim.include.uapi.asm_generic.errno_base import errno_name
from ktui.sim.kernel.entry.common import OUT_FIELDS, returns_of

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


class ReturnView(NamedTuple):
    """One kept return value (a labelled call, or a failing one)."""

    event: int
    """The ``sys_exit`` event it came with (the position after it)."""
    time_ns: int
    cpu: int
    pid: int
    comm: str
    op: str
    label: str
    """The program's name for it; "" for an unlabelled failure."""
    line: int
    """Program line of the op in the scenario file (0 if unknown)."""
    value: int
    errno: str
    """``-EBUSY`` ... for a negative value, else ""."""
    out: tuple[tuple[str, int], ...]
    """What the call wrote back besides its value (``interval_ns`` ...)."""


@dataclass(frozen=True, slots=True, eq=False)
class SyscallsView:
    """The ``syscalls`` section of a snapshot."""

    returns: tuple[ReturnView, ...]
    dropped: int
    """Older returns no longer kept (past `RETURNS_MAX`)."""


EMPTY_SYSCALLS = SyscallsView((), 0)


def syscalls_view(m: Machine) -> SyscallsView:
    """The return values kept up to `m`'s current position."""
    kept, dropped = returns_of(m)
    rets = tuple(
        ReturnView(
            ev,
            t,
            cpu,
            pid,
            m.comm(pid, cpu),
            op,
            label,
            line,
            value,
            errno_name(value),
            tuple(zip(OUT_FIELDS.get(op, ()), out, strict=False)),
        )
        for ev, t, cpu, pid, op, label, line, value, out in kept
    )
    return SyscallsView(rets, dropped)


def syscalls_report(view: object) -> dict[str, object]:
    """The report's ``returns`` (and ``returns_dropped``), from `view`."""
    assert isinstance(view, SyscallsView)
    return {
        "returns": [
            {
                "event": r.event,
                "time_ns": r.time_ns,
                "cpu": r.cpu,
                "pid": r.pid,
                "task": r.comm,
                "label": r.label or None,
                "op": r.op,
                "line": r.line,
                "value": r.value,
                "errno": r.errno or None,
                "out": dict(r.out),
            }
            for r in view.returns
        ],
        "returns_dropped": view.dropped,
    }
