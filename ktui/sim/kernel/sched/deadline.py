"""The deadline class. Models kernel/sched/deadline.c (``DEFINE_SCHED_CLASS(dl)``).

SCHED_DEADLINE tasks (prio -1): EDF on absolute deadlines with CBS
bandwidth enforcement. The parameter checks and conversions the system
calls use are here (`__checkparam_dl`, `__setparam_dl`, `__getparam_dl`,
`dl_param_changed`, `sched_dl_overflow`); the class itself is a stub the
scheduler issue fills in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.sched.prio import SCHED_DEADLINE
from ktui.sim.include.uapi.linux.sched import SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_RECLAIM
from ktui.sim.include.uapi.linux.sched.types import SchedAttr
from ktui.sim.kernel.sched.sched import DlRq, SchedClass
from ktui.sim.state import mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

SCHED_DL_FLAGS: Final = SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN
"""kernel/sched/sched.h (without SCHED_FLAG_SUGOV, which only the kernel sets)."""
DL_SCALE: Final = 10
"""kernel/sched/sched.h: runtimes below 1 << DL_SCALE ns are refused."""
BW_SHIFT: Final = 20
"""kernel/sched/sched.h: bandwidths are fixed point, 1 << BW_SHIFT is 100%."""
BW_UNIT: Final = 1 << BW_SHIFT
SYSCTL_SCHED_DL_PERIOD_MAX_US: Final = 1 << 22
"""kernel/sched/deadline.c: sysctl_sched_dl_period_max, ~4 s (in us)."""
SYSCTL_SCHED_DL_PERIOD_MIN_US: Final = 100
"""kernel/sched/deadline.c: sysctl_sched_dl_period_min, 100 us."""
DL_PERIOD_LIMITS_US: Final = (SYSCTL_SCHED_DL_PERIOD_MIN_US, SYSCTL_SCHED_DL_PERIOD_MAX_US)
NSEC_PER_USEC: Final = 1000


def to_ratio(period: int, runtime: int) -> int:
    """to_ratio() (kernel/sched/core.c): runtime/period << BW_SHIFT
    (RUNTIME_INF, a negative runtime here, is BW_UNIT)."""
    if runtime < 0:
        return BW_UNIT
    if period == 0:
        return 0
    return (runtime << BW_SHIFT) // period


def init_dl_rq(m: Machine, dl_rq: DlRq) -> None:
    """init_dl_rq()."""


def __checkparam_dl(attr: SchedAttr) -> bool:
    """__checkparam_dl(): a non-zero deadline, runtime at least 1 << DL_SCALE
    ns, no bit 63 set, runtime <= deadline <= period (period 0 means the
    deadline), and the period within sysctl_sched_dl_period_min..max."""
    if attr.sched_deadline == 0:
        return False
    if attr.sched_runtime < 1 << DL_SCALE:
        return False
    if attr.sched_deadline & 1 << 63 or attr.sched_period & 1 << 63:
        return False
    period = attr.sched_period or attr.sched_deadline
    if period < attr.sched_deadline or attr.sched_deadline < attr.sched_runtime:
        return False
    lo = SYSCTL_SCHED_DL_PERIOD_MIN_US * NSEC_PER_USEC
    hi = SYSCTL_SCHED_DL_PERIOD_MAX_US * NSEC_PER_USEC
    return lo <= period <= hi


def __setparam_dl(m: Machine, task: TaskStruct, attr: SchedAttr) -> None:
    """__setparam_dl(): the entity's parameters and bandwidths from attr."""
    dl_se = task.dl
    dl_se.dl_runtime = attr.sched_runtime
    dl_se.dl_deadline = attr.sched_deadline
    dl_se.dl_period = attr.sched_period or dl_se.dl_deadline
    dl_se.flags = attr.sched_flags & SCHED_DL_FLAGS
    dl_se.dl_bw = to_ratio(dl_se.dl_period, dl_se.dl_runtime)
    dl_se.dl_density = to_ratio(dl_se.dl_deadline, dl_se.dl_runtime)


def __getparam_dl(task: TaskStruct) -> SchedAttr:
    """__getparam_dl(): attr from the entity's parameters."""
    dl_se = task.dl
    return SchedAttr(
        sched_policy=task.policy,
        sched_flags=dl_se.flags,
        sched_priority=task.rt_priority,
        sched_runtime=dl_se.dl_runtime,
        sched_deadline=dl_se.dl_deadline,
        sched_period=dl_se.dl_period,
    )


def dl_param_changed(task: TaskStruct, attr: SchedAttr) -> bool:
    """dl_param_changed(): attr differs from the task's deadline parameters."""
    dl_se = task.dl
    return (
        dl_se.dl_runtime != attr.sched_runtime
        or dl_se.dl_deadline != attr.sched_deadline
        or dl_se.dl_period != attr.sched_period
        or dl_se.flags != (attr.sched_flags & SCHED_DL_FLAGS)
    )


def sched_dl_overflow(m: Machine, task: TaskStruct, policy: int, attr: SchedAttr) -> int:
    """sched_dl_overflow(): admission control; 0, or -EBUSY when the new
    bandwidth would not fit the root domain's dl_bw. Stub: admits all."""
    return 0


@mypyc_attr(native_class=False)
class DlSchedClass(SchedClass):
    """``dl_sched_class``: SCHED_DEADLINE tasks."""

    __slots__ = ()
    name = "dl"
    policies = (SCHED_DEADLINE,)


dl_sched_class: SchedClass = DlSchedClass()
"""DEFINE_SCHED_CLASS(dl)."""
