"""The RT class. Models kernel/sched/rt.c (``DEFINE_SCHED_CLASS(rt)``).

SCHED_FIFO and SCHED_RR tasks, prio 0..98 (``MAX_RT_PRIO - 1 -
rt_priority``), on 100 FIFO lists with a bitmap (``struct rt_prio_array``).
Stub: the scheduler issue fills the class in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.sched.prio import SCHED_FIFO, SCHED_RR
from ktui.sim.kernel.sched.sched import RtRq, SchedClass
from ktui.sim.state import mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

RR_TIMESLICE_MS: Final = 100
"""include/linux/sched/rt.h: RR_TIMESLICE is (100 * HZ / 1000) jiffies."""


def init_rt_rq(m: Machine, rt_rq: RtRq) -> None:
    """init_rt_rq(): empty lists, highest prio MAX_RT_PRIO."""


@mypyc_attr(native_class=False)
class RtSchedClass(SchedClass):
    """``rt_sched_class``: SCHED_FIFO and SCHED_RR tasks."""

    __slots__ = ()
    name = "rt"
    policies = (SCHED_FIFO, SCHED_RR)


rt_sched_class: SchedClass = RtSchedClass()
"""DEFINE_SCHED_CLASS(rt)."""
