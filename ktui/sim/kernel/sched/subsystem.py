"""The scheduler's descriptor: kernel/sched/ plus fork and exit."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.kernel.sched.subjects import CPU, TASK
from ktui.sim.kernel.sched.view import sched_report, sched_view
from ktui.sim.kernel.sysctl import parse_sysctl

SUBSYSTEM = Subsystem(
    name="sched",
    title="Scheduler",
    view=sched_view,
    report=sched_report,
    modules=(
        "ktui.sim.kernel.sched.core",
        "ktui.sim.kernel.sched.syscalls",
        "ktui.sim.kernel.fork",
        "ktui.sim.kernel.exit",
        "ktui.sim.kernel.sched.completion",
        "ktui.sim.kernel.signal",
    ),
    subjects={"task": TASK, "cpu": CPU},
    # kernel/sysctl.c is the core kernel's; the scheduler, loaded first,
    # owns the table that every subsystem registers its knobs in.
    tables={"sysctl": parse_sysctl},
    panes=(
        "ktui.panes.sched.rq_table:RqTable",
        "ktui.panes.sched.task_detail:TaskDetail",
        "ktui.panes.sched.timeline:Timeline",
    ),
)
