"""The system calls' descriptor: kernel/entry/ (sys_enter/sys_exit) and the
``returns`` of the report. The syscalls themselves are the subsystems' ops
(kernel/sched/syscalls.c, kernel/fork.c, kernel/exit.c)."""

from __future__ import annotations

from collections.abc import Sequence

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.kernel.entry.subjects import RET
from ktui.sim.kernel.entry.view import syscalls_report, syscalls_view
from ktui.sim.ops import ObjectKind


def _task_names(raw: object) -> Sequence[str]:
    """The ``[[task]]`` names in file order (index i is pid i + 1); the
    array itself is validated by the loader."""
    if not isinstance(raw, list):
        return []
    return [str(t.get("name", "")) if isinstance(t, dict) else "" for t in raw]


TASK_KIND = ObjectKind(
    "task", "task", _task_names, help="a task name from [[task]] (or pid=N)"
)
"""Ops may name a scenario task (the target of sched_setattr ...): -> its
index, pid - 1."""

SUBSYSTEM = Subsystem(
    name="syscalls",
    title="System calls",
    modules=("ktui.sim.kernel.entry.common",),
    objects={"task": TASK_KIND},
    view=syscalls_view,
    report=syscalls_report,
    subjects={"ret": RET},
)
