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

A machine running 2.6.0 .. 2.6.22 walks another table, chosen at boot
(``cfg.sched.classes``, features.py): the O(1) scheduler of kernel/sched.c
(o1.py), which then schedules every task, RT ones included; a task of such
a machine carries its O(1) state (``task.o1``), and that is what
`task_sched_class` looks at.
"""

from __future__ import annotations

from typing import Final

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.include.linux.sched.prio import dl_prio, rt_prio
from ktui.sim.kernel.sched.deadline import dl_sched_class
from ktui.sim.kernel.sched.fair import fair_sched_class
from ktui.sim.kernel.sched.features import CLASSES_CURRENT, CLASSES_O1
from ktui.sim.kernel.sched.idle import idle_sched_class
from ktui.sim.kernel.sched.o1 import o1_sched_class
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


O1_SCHED_CLASSES: Final[tuple[SchedClass, ...]] = (o1_sched_class, idle_sched_class)
"""2.6.0 .. 2.6.22: the O(1) scheduler for every task, then the idle task."""

CLASS_TABLES: Final[dict[int, tuple[SchedClass, ...]]] = {
    CLASSES_CURRENT: SCHED_CLASSES,
    CLASSES_O1: O1_SCHED_CLASSES,
}
"""The class table of each ``cfg.sched.classes`` value."""


def for_each_class(table: int = CLASSES_CURRENT) -> tuple[SchedClass, ...]:
    """for_each_class(): the classes from highest to lowest priority
    (of the machine's class table, ``m.cfg.sched.classes``)."""
    return CLASS_TABLES[table]


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
    A task with O(1) state (a 2.6.0 .. 2.6.22 machine) is the O(1) class's.
    """
    if task.o1 is not None:
        return o1_sched_class
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
