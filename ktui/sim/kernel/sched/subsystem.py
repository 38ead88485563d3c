"""The scheduler's descriptor: kernel/sched/ plus fork and exit."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(
    name="sched",
    title="Scheduler",
    modules=(
        "ktui.sim.kernel.sched.core",
        "ktui.sim.kernel.sched.syscalls",
        "ktui.sim.kernel.fork",
        "ktui.sim.kernel.exit",
    ),
    panes=(
        "ktui.panes.sched.rq_table:RqTable",
        "ktui.panes.sched.task_detail:TaskDetail",
        "ktui.panes.sched.timeline:Timeline",
    ),
)
