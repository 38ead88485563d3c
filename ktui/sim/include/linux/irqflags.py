"""Interrupt-state transitions for lockdep: the hook points of
include/linux/irqflags.h (``trace_hardirqs_on()``/``trace_hardirqs_off()``,
called by ``local_irq_enable()``/``local_irq_disable()`` and the
``spin_lock_irq*``/``spin_unlock_irq*`` forms under CONFIG_TRACE_IRQFLAGS)
and of ``lockdep_softirqs_on()``/``lockdep_softirqs_off()``
(kernel/locking/lockdep.c, called by ``__local_bh_disable_ip()`` and
``__local_bh_enable_ip()`` in kernel/softirq.c when the softirq count crosses
zero, and by ``__do_softirq()``).

Every place in the model that enables or disables hard interrupts or bottom
halves calls one of `trace_hardirqs_on`, `trace_hardirqs_off`,
`trace_softirqs_on`, `trace_softirqs_off`; a subsystem that wants to see the
transitions (lockdep's irq-state tracking: ``hardirqs_enabled``,
``softirqs_enabled``, the usage bits of the locks held) subscribes with
`register_irqflags_hook`. The calls emit no event themselves: the op or
interrupt that made the transition emits its own.

Left out: the ``ip`` argument (a hook gets the CPU and ``current``'s pid; the
event being emitted says where), the redundant-transition counters of
lockdep's debug_atomic stats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal

from ktui.sim.trace import RegistrationError

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

IrqFlagsPoint = Literal["hardirqs_on", "hardirqs_off", "softirqs_on", "softirqs_off"]
IRQFLAGS_POINTS: Final[tuple[IrqFlagsPoint, ...]] = (
    "hardirqs_on",
    "hardirqs_off",
    "softirqs_on",
    "softirqs_off",
)
IrqFlagsHook = Callable[["Machine", int, int], None]
"""Called as ``hook(m, cpu, pid)``: `cpu` made the transition while `pid`
(0: idle) was ``current`` there."""

_HOOKS: dict[str, list[tuple[int, str, IrqFlagsHook]]] = {p: [] for p in IRQFLAGS_POINTS}
IRQFLAGS_HOOKS: dict[str, tuple[IrqFlagsHook, ...]] = {p: () for p in IRQFLAGS_POINTS}
"""The functions subscribed to each point, in calling order."""


def _hook_name(fn: IrqFlagsHook) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_irqflags_hook(point: IrqFlagsPoint, fn: IrqFlagsHook, priority: int = 0) -> IrqFlagsHook:
    """Subscribe `fn` to `point`; hooks run by descending `priority`, then
    qualified name (as `ktui.sim.kernel.locking.lock.register_lock_hook`).

    Raises:
        RegistrationError: `point` is unknown, or `fn` is subscribed to it already.
    """
    if point not in _HOOKS:
        raise RegistrationError(
            f"unknown irqflags hook point {point!r} (one of {', '.join(IRQFLAGS_POINTS)})"
        )
    name = _hook_name(fn)
    if any(n == name for _p, n, _f in _HOOKS[point]):
        raise RegistrationError(f"irqflags hook {name} is registered twice on {point}")
    _HOOKS[point].append((-priority, name, fn))
    _HOOKS[point].sort(key=lambda h: (h[0], h[1]))
    IRQFLAGS_HOOKS[point] = tuple(h[2] for h in _HOOKS[point])
    return fn


def unregister_irqflags_hook(point: IrqFlagsPoint, fn: IrqFlagsHook) -> None:
    """Unsubscribe `fn` from `point` (for tests that add a hook for a while)."""
    name = _hook_name(fn)
    _HOOKS[point] = [h for h in _HOOKS[point] if h[1] != name]
    IRQFLAGS_HOOKS[point] = tuple(h[2] for h in _HOOKS[point])


def _call(point: str, m: Machine, cpu: int, pid: int) -> None:
    for hook in IRQFLAGS_HOOKS[point]:
        hook(m, cpu, pid)


def trace_hardirqs_on(m: Machine, cpu: int, pid: int) -> None:
    """trace_hardirqs_on(): `cpu` is about to enable interrupts."""
    _call("hardirqs_on", m, cpu, pid)


def trace_hardirqs_off(m: Machine, cpu: int, pid: int) -> None:
    """trace_hardirqs_off(): `cpu` has just disabled interrupts."""
    _call("hardirqs_off", m, cpu, pid)


def trace_softirqs_on(m: Machine, cpu: int, pid: int) -> None:
    """lockdep_softirqs_on(): bottom halves are enabled again on `cpu`."""
    _call("softirqs_on", m, cpu, pid)


def trace_softirqs_off(m: Machine, cpu: int, pid: int) -> None:
    """lockdep_softirqs_off(): bottom halves got disabled on `cpu` (the
    softirq count left zero)."""
    _call("softirqs_off", m, cpu, pid)
