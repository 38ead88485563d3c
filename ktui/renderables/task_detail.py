"""Task detail: one ``task_struct`` and its ``sched_entity`` as a Rich
renderable, with the task's program and the current op highlighted.

The numbers are the ones ``/proc/<pid>/sched`` prints (kernel/sched/debug.c:
``proc_sched_show_task``); the program listing is ktui's own.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from ktui.renderables.sched import STATE_NAMES, split_ns
from ktui.sim.kernel.sched.view import SchedView, TaskView
from ktui.sim.units import fmt_ns


def task_by_pid(snap: SchedView, pid: int | None) -> TaskView | None:
    """The task with `pid` in `snap`, if it exists there."""
    if pid is None:
        return None
    for t in snap.tasks:
        if t.pid == pid:
            return t
    return None


def task_detail(snap: SchedView, pid: int | None) -> RenderableType:
    """Everything about task `pid` at the position of `snap`.

    Args:
        snap: The scheduler's view.
        pid: The selected task, or None.

    Returns:
        A renderable; a hint when no task is selected.
    """
    task = task_by_pid(snap, pid)
    if task is None:
        if not snap.tasks:
            return Text("no tasks", style="dim")
        return Text("select a task in Run queues or Locks (enter / click)", style="dim")
    return Group(_header(task), _numbers(task), _locks(task), _program(task))


def _header(t: TaskView) -> Text:
    text = Text()
    text.append(f"{t.comm}", style="bold")
    text.append(f"  pid {t.pid}  cpu {t.cpu}  ")
    state = STATE_NAMES.get(t.state, t.state)
    style = "green" if t.on_cpu else ("magenta" if t.blocked_on else "")
    text.append(f"{t.state} ({'on cpu' if t.on_cpu else state})", style=style)
    if t.sched_delayed:
        text.append("  sched_delayed", style="yellow")
    return text


def _class_pairs(t: TaskView) -> tuple[tuple[str, str], ...]:
    """The fields of the task's class: the sched_entity for fair tasks,
    rt_priority and the RR slice for RT, the CBS parameters for deadline,
    the O(1) scheduler's timeslice and sleep_avg on 2.6.x."""
    if t.o1 is not None:
        o1 = t.o1
        return (
            ("static_prio", str(t.static_prio)),
            ("\ntime_slice", fmt_ns(o1.time_slice_ns)),
            ("array", o1.array or "-"),
            ("\nsleep_avg", fmt_ns(o1.sleep_avg_ns)),
            ("bonus", str(o1.bonus)),
            ("interactive", "yes" if o1.interactive else "no"),
        )
    if t.sched_class == "rt":
        pairs: tuple[tuple[str, str], ...] = (("rt_priority", str(t.rt_priority)),)
        if t.policy == "rr":
            pairs += (("rt.time_slice", f"{t.rt_time_slice} ticks"),)
        return pairs + (("\nnormal_prio", str(t.normal_prio)), ("static_prio", str(t.static_prio)))
    if t.sched_class == "dl":
        pairs = (
            ("\ndl.runtime", split_ns(t.dl_runtime_left)),
            ("of", fmt_ns(t.dl_runtime)),
            ("\ndl.deadline", split_ns(t.dl_deadline_abs)),
            ("\ndl_deadline", fmt_ns(t.dl_deadline)),
            ("dl_period", fmt_ns(t.dl_period)),
        )
        return pairs + ((("\nthrottled", "yes"),) if t.dl_throttled else ())
    return (
        ("nice", str(t.nice)),
        ("weight", str(t.weight)),
        ("\nse.vruntime", split_ns(t.vruntime)),
        ("\nse.deadline", split_ns(t.deadline)),
        ("\nse.vlag", split_ns(t.vlag)),
        ("se.slice", fmt_ns(t.slice)),
    )


def _numbers(t: TaskView) -> Text:
    pairs = (
        ("policy", t.policy),
        ("prio", str(t.prio)),
        *_class_pairs(t),
        ("\nse.sum_exec_runtime", fmt_ns(t.sum_exec_runtime)),
        ("\nnr_switches", str(t.nr_switches)),
        ("nvcsw", str(t.nvcsw)),
        ("nivcsw", str(t.nivcsw)),
        ("\npreempt_count", str(t.preempt_count)),
        ("start_time", fmt_ns(t.start_time)),
    )
    text = Text()
    for i, (label, value) in enumerate(pairs):
        if i and not label.startswith("\n"):
            text.append("  ")
        text.append(label + " ", style="dim")
        text.append(value, style="bold")
    return text


def _locks(t: TaskView) -> Text:
    text = Text()
    text.append("held: ", style="dim")
    text.append(", ".join(t.held_locks) if t.held_locks else "-", style="green" if t.held_locks else "")
    text.append("   blocked on: ", style="dim")
    text.append(t.blocked_on or "-", style="bold magenta" if t.blocked_on else "")
    return text


def _program(t: TaskView) -> Text:
    text = Text()
    text.append("program", style="dim underline")
    for i, op in enumerate(t.program):
        line = t.program_lines[i] if i < len(t.program_lines) else 0
        current = i == t.pc
        text.append("\n")
        text.append("▶ " if current else "  ", style="bold yellow")
        text.append(f"{line:>3} " if line else "    ", style="dim")
        text.append(op, style="bold reverse" if current else "")
    if t.pc >= len(t.program):
        text.append("\n▶ ", style="bold yellow")
        text.append("(exited)" if t.state in ("X", "Z") else "(end of program)", style="dim")
    return text
