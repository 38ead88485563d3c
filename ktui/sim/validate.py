"""Whole-machine invariant checks (drgn's ``validate_*`` style).

`validate_machine` raises `SimInvariantError` on the first broken invariant:
the fair run queues (`debug.validate_cfs_rq`), one current task per CPU that
is on that CPU, then every subsystem descriptor's ``validate`` (locks against
their tasks, per-CPU preempt counts ...). Tests call it after every step of
random runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.errors import SimInvariantError
from ktui.sim.kernel.sched.debug import validate_cfs_rq, validate_rt_rq
from ktui.sim.subsystems import SUBSYSTEMS

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


def validate_machine(m: Machine) -> None:
    """Check every invariant the model keeps; raise on the first broken one."""
    for rq in m.rqs:
        validate_cfs_rq(m, rq)
        validate_rt_rq(m, rq)
        if rq.curr:
            task = m.tasks[rq.curr]
            if not task.on_cpu or task.cpu != rq.cpu:
                raise SimInvariantError(f"cpu{rq.cpu}: curr pid {rq.curr} not on this CPU")
    running = [t.pid for t in m.tasks.values() if t.on_cpu]
    if len(running) != sum(1 for rq in m.rqs if rq.curr):
        raise SimInvariantError(f"tasks marked on_cpu {running} != the CPUs' curr")
    for sub in SUBSYSTEMS:
        if sub.validate is not None:
            sub.validate(m)
