"""Task priorities. Models include/linux/sched/prio.h, include/linux/sched/rt.h
and include/linux/sched/deadline.h, and the priority helpers of
kernel/sched/syscalls.c (kernel/sched/core.c before 6.11): ``__normal_prio()``,
``normal_prio()``, ``effective_prio()``.

One number orders every task: ``prio`` 0..139, lower is more important.
Deadline tasks are ``MAX_DL_PRIO - 1`` (-1), RT tasks ``MAX_RT_PRIO - 1 -
rt_priority`` (0..98), fair tasks ``NICE_TO_PRIO(nice)`` (100..139). ``prio``
differs from ``normal_prio`` only while priority inheritance boosts a task.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct

MAX_NICE: Final = 19
MIN_NICE: Final = -20
NICE_WIDTH: Final = MAX_NICE - MIN_NICE + 1
MAX_USER_RT_PRIO: Final = 100
MAX_RT_PRIO: Final = MAX_USER_RT_PRIO
MAX_PRIO: Final = MAX_RT_PRIO + NICE_WIDTH
DEFAULT_PRIO: Final = MAX_RT_PRIO + NICE_WIDTH // 2  # 120
MAX_DL_PRIO: Final = 0

# include/uapi/linux/sched.h
SCHED_NORMAL: Final = 0
SCHED_FIFO: Final = 1
SCHED_RR: Final = 2
SCHED_BATCH: Final = 3
SCHED_IDLE: Final = 5
SCHED_DEADLINE: Final = 6


def NICE_TO_PRIO(nice: int) -> int:  # noqa: N802 - kernel macro name
    """static_prio of a nice value: 120 + nice."""
    return nice + DEFAULT_PRIO


def PRIO_TO_NICE(prio: int) -> int:  # noqa: N802 - kernel macro name
    """nice value of a static_prio."""
    return prio - DEFAULT_PRIO


def dl_prio(prio: int) -> bool:
    """dl_prio() (deadline.h): prio < MAX_DL_PRIO."""
    return prio < MAX_DL_PRIO


def rt_prio(prio: int) -> bool:
    """rt_prio() (rt.h, 6.12+): MAX_DL_PRIO <= prio < MAX_RT_PRIO.

    Before 6.12 rt_prio() was ``prio < MAX_RT_PRIO`` and so also true for
    deadline tasks; every caller that cares tests dl_prio() first, which
    is what `rt_or_dl_prio` spells out."""
    return MAX_DL_PRIO <= prio < MAX_RT_PRIO


def rt_or_dl_prio(prio: int) -> bool:
    """rt_or_dl_prio() (rt.h, 6.12+): prio < MAX_RT_PRIO."""
    return prio < MAX_RT_PRIO


def fair_policy(policy: int) -> bool:
    """fair_policy() (kernel/sched/sched.h): NORMAL or BATCH (not IDLE)."""
    return policy in (SCHED_NORMAL, SCHED_BATCH)


def idle_policy(policy: int) -> bool:
    return policy == SCHED_IDLE


def normal_policy(policy: int) -> bool:
    """normal_policy(): a policy of the fair class (NORMAL, BATCH, IDLE)."""
    return policy in (SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE)


def rt_policy(policy: int) -> bool:
    return policy in (SCHED_FIFO, SCHED_RR)


def dl_policy(policy: int) -> bool:
    return policy == SCHED_DEADLINE


def valid_policy(policy: int) -> bool:
    """valid_policy() (kernel/sched/sched.h)."""
    return idle_policy(policy) or fair_policy(policy) or rt_policy(policy) or dl_policy(policy)


def __normal_prio(policy: int, rt_priority: int, nice: int) -> int:
    """__normal_prio(): the priority a policy gives, without PI boosting."""
    if dl_policy(policy):
        return MAX_DL_PRIO - 1
    if rt_policy(policy):
        return MAX_RT_PRIO - 1 - rt_priority
    return NICE_TO_PRIO(nice)


def normal_prio(p: TaskStruct) -> int:
    """normal_prio(): `__normal_prio` of the task's policy, rt_priority and nice."""
    return __normal_prio(p.policy, p.rt_priority, PRIO_TO_NICE(p.static_prio))


def effective_prio(p: TaskStruct) -> int:
    """effective_prio(): sets ``p.normal_prio``; returns the prio to use.

    A task boosted to an RT/DL prio by priority inheritance keeps its
    boosted ``prio``; any other gets its normal prio.
    """
    p.normal_prio = normal_prio(p)
    if not rt_or_dl_prio(p.prio):
        return p.normal_prio
    return p.prio
