"""The scheduling classes in priority order. Models ``for_each_class()``.

The kernel's linker script (include/asm-generic/vmlinux.lds.h, SCHED_DATA)
lays the ``DEFINE_SCHED_CLASS()`` tables out from the highest priority to
the lowest: stop, dl, rt, fair, ext, idle; ``for_each_class()`` walks them
and ``sched_class_above()`` compares their addresses. Here the order is the
tuple `SCHED_CLASSES`; adding a class is a module with one `SchedClass`
instance plus one entry below. A task's class follows from its policy
(``__setscheduler_class()``); only the idle task (pid 0) is in the idle
class. This issue has fair and idle; stop, deadline and RT come with the
scheduler issue.
"""

from __future__ import annotations

from typing import Final

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.sched.fair import fair_sched_class
from ktui.sim.kernel.sched.idle import idle_sched_class
from ktui.sim.kernel.sched.sched import SchedClass

SCHED_CLASSES: Final[tuple[SchedClass, ...]] = (
    # stop_sched_class, dl_sched_class, rt_sched_class: the scheduler issue
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
POLICY_RANK: Final[dict[int, int]] = {
    policy: CLASS_INDEX[cls.name] for policy, cls in _POLICY_CLASS.items()
}
"""The class position of each policy's tasks (``sched_class_above()`` by policy)."""
FAIR_RANK: Final = CLASS_INDEX[fair_sched_class.name]


def for_each_class() -> tuple[SchedClass, ...]:
    """for_each_class(): the classes from highest to lowest priority."""
    return SCHED_CLASSES


def sched_class_above(a: SchedClass, b: SchedClass) -> bool:
    """sched_class_above(): a has higher priority than b."""
    return CLASS_INDEX[a.name] < CLASS_INDEX[b.name]


def task_sched_class(task: TaskStruct) -> SchedClass:
    """``p->sched_class``, as __setscheduler_class() sets it from the policy.

    Derived on each use rather than stored, so the state holds no class
    object. The kernel tests dl_prio() and rt_prio() first; those classes
    come with the scheduler issue.
    """
    return _POLICY_CLASS[task.policy]
