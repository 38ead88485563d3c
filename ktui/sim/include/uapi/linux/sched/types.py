"""``struct sched_attr``. Models include/uapi/linux/sched/types.h.

What sched_setattr(2) takes and sched_getattr(2) fills in: the policy, its
flags, and the parameters of each class (nice for fair, sched_priority for
RT, runtime/deadline/period in ns for deadline). Left out: the utilization
clamps (accepted as zero only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

SCHED_ATTR_SIZE_VER0: Final = 48
SCHED_ATTR_SIZE_VER1: Final = 56


@dataclass(frozen=True, slots=True)
class SchedAttr:
    """``struct sched_attr`` (all fields; times in ns)."""

    sched_policy: int = 0
    sched_flags: int = 0
    sched_nice: int = 0
    sched_priority: int = 0
    sched_runtime: int = 0
    sched_deadline: int = 0
    sched_period: int = 0
    size: int = SCHED_ATTR_SIZE_VER1
