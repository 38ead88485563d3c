"""Row builders for the scheduler panes: run queues as /proc/sched_debug
would print them, one CPU after another, then everything not runnable.

Pure functions from a `MachineSnapshot` to rows of styled text runs.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style

from ktui.sim.snapshot import MachineSnapshot, TaskView

Cells = list[tuple[str, Style]]

DIM = Style(dim=True)
BOLD = Style(bold=True)
CPU_STYLE = Style(bold=True, color="cyan")
CURR_STYLE = Style(bold=True, color="green")
DELAYED_STYLE = Style(color="yellow")
BLOCKED_STYLE = Style(color="magenta")
WARN_STYLE = Style(bold=True, color="red")
HEAD_STYLE = Style(bold=True, underline=True)
LAG_STYLE = Style(color="green")
INELIGIBLE_STYLE = Style(color="red")

STATE_NAMES = {
    "R": "running",
    "R+": "runnable (preempted)",
    "S": "sleeping",
    "D": "uninterruptible",
    "T": "stopped",
    "t": "traced",
    "X": "dead",
    "Z": "zombie",
    "I": "idle",
}
"""What the ps-style state letters mean."""


def split_ns(ns: int) -> str:
    """``SPLIT_NS()`` of kernel/sched/debug.c: ms with 6 decimals (exact ns)."""
    sign = "-" if ns < 0 else ""
    ms, rem = divmod(abs(ns), 1_000_000)
    return f"{sign}{ms}.{rem:06d}"


COLUMNS = (
    (" ", 2),
    ("S", 3),
    ("COMM", 16),
    ("PID", 6),
    ("NICE", 5),
    ("WEIGHT", 7),
    ("VRUNTIME", 12),
    ("DEADLINE", 12),
    ("LAG", 11),
    ("DLY", 4),
    ("SUM-EXEC", 13),
    ("SWITCHES", 9),
)
"""Run-queue table columns and widths (times are ms.ns like sched_debug)."""
ROW_WIDTH = sum(w for _, w in COLUMNS) + 1


def rq_header() -> Cells:
    """The column header line."""
    parts = []
    for name, width in COLUMNS:
        parts.append(name.rjust(width - 1) + " " if name in _RIGHT else name.ljust(width))
    return [("".join(parts), HEAD_STYLE)]


_RIGHT = {"PID", "NICE", "WEIGHT", "VRUNTIME", "DEADLINE", "LAG", "SUM-EXEC", "SWITCHES"}


NO_STYLE = Style()


class Row(NamedTuple):
    """One row of a pane: its cells (or the task to format them from, lazily,
    so that only visible rows are ever formatted) and the task it is about.

    A NamedTuple (built in C): the run-queue pane makes one per task per step.
    """

    cells: Cells | None = None
    pid: int | None = None
    task: TaskView | None = None
    avg: int | None = None
    """The rq's avg_vruntime() (EEVDF), for the lag column; None before 6.6."""
    marker: str = " "
    style: Style = NO_STYLE
    why: str = ""

    def render(self) -> Cells:
        """The row's text runs."""
        if self.cells is not None:
            return self.cells
        assert self.task is not None
        cells = _task_cells(self.task, self.avg, self.marker, self.style)
        if self.why:
            cells.append((self.why, BLOCKED_STYLE))
        return cells


def _task_cells(t: TaskView, avg: int | None, marker: str, style: Style) -> Cells:
    if avg is not None and t.on_rq:
        lag = avg - t.vruntime  # the model's entity_eligible() decides the mark
        eligible = "*" if t.eligible else ""
    else:
        lag = t.vlag
        eligible = ""
    cells: Cells = [
        (marker.ljust(2), style),
        (t.state.ljust(3), style),
        (t.comm[:15].ljust(16), style),
        (f"{t.pid:>5} ", DIM),
        (f"{t.nice:>4} ", NO_STYLE),
        (f"{t.weight:>6} ", NO_STYLE),
        (f"{split_ns(t.vruntime):>11} ", NO_STYLE),
        (f"{split_ns(t.deadline):>11} ", NO_STYLE),
        (f"{split_ns(lag):>10}", LAG_STYLE if eligible else (DIM if avg is None else INELIGIBLE_STYLE)),
        (eligible.ljust(1), LAG_STYLE),
        (("yes" if t.sched_delayed else "").ljust(4), DELAYED_STYLE),
        (f"{split_ns(t.sum_exec_runtime):>12} ", NO_STYLE),
        (f"{t.nr_switches:>8} ", DIM),
    ]
    return cells


def rq_rows(snap: MachineSnapshot) -> list[Row]:
    """Every row of the run-queue pane for `snap`.

    Per CPU: a summary line, the current task, the CFS tree in key order
    (leftmost first); then tasks that are not runnable, with what they wait
    on.
    """
    tasks = {t.pid: t for t in snap.tasks}
    rows: list[Row] = []
    for rq in snap.rqs:
        avg = rq.avg_vruntime if rq.eevdf else None
        flags = []
        if rq.need_resched:
            flags.append(("need_resched ", WARN_STYLE))
        if rq.irqs_disabled:
            flags.append(("irqs-off ", WARN_STYLE))
        if rq.preempt_count:
            flags.append((f"preempt_count={rq.preempt_count} ", WARN_STYLE))
        if rq.spinning_on:
            flags.append((f"spinning on {rq.spinning_on} ", WARN_STYLE))
        if rq.context and rq.context != "task":
            flags.append((f"in {rq.context} ", WARN_STYLE))
        rows.append(
            Row(
                [
                    (f"cpu#{rq.cpu} ", CPU_STYLE),
                    (f"nr_running={rq.nr_running} ", NO_STYLE),
                    (f"min_vruntime={split_ns(rq.min_vruntime)} ", DIM),
                    *([(f"avg_vruntime()={split_ns(avg)} ", DIM)] if avg is not None else []),
                    (f"nr_switches={rq.nr_switches} ", DIM),
                    *flags,
                ]
            )
        )
        curr = tasks.get(rq.curr) if rq.curr else None
        if curr is not None:
            rows.append(Row(pid=curr.pid, task=curr, avg=avg, marker=">", style=CURR_STYLE))
        else:
            rows.append(Row([("> ", DIM), (f"   {rq.curr_comm or 'idle'} (idle)", DIM)]))
        for pid in rq.tree:
            t = tasks.get(pid)
            if t is not None:
                rows.append(Row(pid=pid, task=t, avg=avg, style=DELAYED_STYLE if t.sched_delayed else NO_STYLE))
    waiting = [t for t in snap.tasks if not t.on_rq and not t.on_cpu]
    if waiting:
        rows.append(Row([("not runnable", CPU_STYLE), (f"  ({len(waiting)} tasks)", DIM)]))
        for t in waiting:
            why = f"blocked on {t.blocked_on}" if t.blocked_on else STATE_NAMES.get(t.state, "")
            style = DIM if t.state in ("X", "Z") else BLOCKED_STYLE
            rows.append(Row(pid=t.pid, task=t, style=style, why=why))
    return rows
