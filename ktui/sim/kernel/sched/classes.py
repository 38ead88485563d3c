"""The scheduling classes in priority order. Models ``for_each_class()``.

The kernel's linker script (include/asm-generic/vmlinux.lds.h, SCHED_DATA)
lays the ``DEFINE_SCHED_CLASS()`` tables out from the highest priority to
the lowest: stop, dl, rt, fair, ext, idle; ``for_each_class()`` walks them
and ``sched_class_above()`` compares their addresses. Here the order is the
tuple `SCHED_CLASSES`; adding a class is a module with one `SchedClass`
instance plus one entry below. A task's class follows from its prio
(``__setscheduler_class()``: dl_prio(), then rt_prio(), else fair), so a
task boosted by priority inheritance runs in the class of its boosted
prio; the stop class holds only a CPU's stopper task, and only the idle
task (pid 0) is in the idle class. sched_ext is not modelled.
"""

from __future__ import annotations

from typing import Final

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.include.linux.sched.prio import dl_prio, rt_prio
from ktui.sim.kernel.sched.deadline import dl_sched_class
from ktui.sim.kernel.sched.fair import fair_sched_class
from ktui.sim.kernel.sched.idle import idle_sched_class
from ktui.sim.kernel.sched.rt import rt_sched_class
from ktui.sim.kernel.sched.sched import SchedClass
from ktui.sim.kernel.sched.stop_task import stop_sched_class

SCHED_CLASSES: Final[tuple[SchedClass, ...]] = (
    stop_sched_class,
    dl_sched_class,
    rt_sched_class,
    fair_sched_class,
    # ext_sched_class: not modelled
    idle_sched_class,
)
"""Every class, highest priority first (``for_each_class()`` order)."""

CLASS_INDEX: Final[dict[str, int]] = {c.name: i for i, c in enumerate(SCHED_CLASSES)}
"""Each class's position by name (lower is higher priority)."""

_POLICY_CLASS: Final[dict[int, SchedClass]] = {
    policy: cls for cls in SCHED_CLASSES for policy in cls.policies
}
FAIR_RANK: Final = CLASS_INDEX[fair_sched_class.name]


def for_each_class() -> tuple[SchedClass, ...]:
    """for_each_class(): the classes from highest to lowest priority."""
    return SCHED_CLASSES


def sched_class_above(a: SchedClass, b: SchedClass) -> bool:
    """sched_class_above(): a has higher priority than b."""
    return CLASS_INDEX[a.name] < CLASS_INDEX[b.name]


def policy_sched_class(policy: int) -> SchedClass:
    """The class a policy's unboosted tasks run in."""
    return _POLICY_CLASS[policy]


def task_sched_class(task: TaskStruct) -> SchedClass:
    """``p->sched_class``, as __setscheduler_class() sets it from the prio.

    Derived on each use rather than stored, so the state holds no class
    object: dl_prio() is the deadline class, rt_prio() RT, anything else
    fair (the stopper, ``rq.stop``, is picked by the stop class itself).
    """
    prio = task.prio
    if dl_prio(prio):
        return dl_sched_class
    if rt_prio(prio):
        return rt_sched_class
    return fair_sched_class


def task_class_rank(task: TaskStruct) -> int:
    """The position of the task's class in `SCHED_CLASSES` (lower is higher)."""
    prio = task.prio
    if dl_prio(prio):
        return DL_RANK
    if rt_prio(prio):
        return RT_RANK
    return FAIR_RANK


DL_RANK: Final = CLASS_INDEX[dl_sched_class.name]
RT_RANK: Final = CLASS_INDEX[rt_sched_class.name]
