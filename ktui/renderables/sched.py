"""Row builders for the scheduler panes: run queues as /proc/sched_debug
would print them, one CPU after another, then everything not runnable.

Pure functions from a `SchedView` to rows of styled text runs. Two layouts:
the full one (times as ``SPLIT_NS()`` ms.ns, as sched_debug prints them) and,
for panes narrower than `ROW_WIDTH`, a compact one (ms with 3 decimals, no
NICE column: WEIGHT is ``sched_prio_to_weight[nice]``) that fits 77 columns,
so that no column is lost on an 80-column terminal.
"""

from __future__ import annotations

from typing import NamedTuple

from rich.style import Style

from ktui.renderables.cells import fit
from ktui.sim.kernel.sched.o1 import O1RqView
from ktui.sim.kernel.sched.view import RqView, SchedView, TaskView

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
"""Columns the full layout needs."""
COMPACT_COLUMNS = (
    (" S", 4),
    ("COMM", 10),
    ("PID", 5),
    ("WEIGHT", 7),
    ("VRUNTIME", 10),
    ("DEADLINE", 10),
    ("LAG", 10),
    ("D", 2),
    ("SUM-EXEC", 10),
    ("SWITCHES", 9),
)
"""The compact layout's columns (times in ms, 3 decimals; D: sched_delayed)."""
COMPACT_WIDTH = sum(w for _, w in COMPACT_COLUMNS)
"""Columns the compact layout needs (77)."""


def rq_header(compact: bool = False) -> Cells:
    """The column header line of the full or the compact layout."""
    parts = []
    for name, width in COMPACT_COLUMNS if compact else COLUMNS:
        parts.append(name.rjust(width - 1) + " " if name in _RIGHT else name.ljust(width))
    return [("".join(parts), HEAD_STYLE)]


def ms3(ns: int) -> str:
    """Compact time: ms with 3 decimals (µs resolution), truncated like SPLIT_NS."""
    sign = "-" if ns < 0 else ""
    ms, rem = divmod(abs(ns), 1_000_000)
    return f"{sign}{ms}.{rem // 1000:03d}"


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
    event: int | None = None
    """A trace position the row is about (``enter`` goes there)."""

    def render(self, compact: bool = False) -> Cells:
        """The row's text runs, in the full or the compact layout."""
        if self.cells is not None:
            return self.cells
        assert self.task is not None
        if self.task.sched_class in ("rt", "dl") or self.task.o1 is not None:
            cells = _class_cells(self.task, self.marker, self.style, compact)
        elif compact:
            cells = _compact_cells(self.task, self.avg, self.marker, self.style)
        else:
            cells = _task_cells(self.task, self.avg, self.marker, self.style)
        if self.why:
            cells.append((self.why, BLOCKED_STYLE))
        return cells


def _task_cells(t: TaskView, avg: int | None, marker: str, style: Style) -> Cells:
    lag, eligible = _lag(t, avg)
    cells: Cells = [
        (marker.ljust(2), style),
        (t.state.ljust(3), style),
        (fit(t.comm, 15) + " ", style),  # TASK_COMM_LEN - 1 cells
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


RT_STYLE = Style(color="red")
DL_STYLE = Style(color="magenta")
THROTTLED_STYLE = Style(bold=True, color="white", bgcolor="red")


def _class_cells(t: TaskView, marker: str, style: Style, compact: bool) -> Cells:
    """An RT or deadline task's row on the fair rows' grid (the section line
    above names the columns): RT puts its policy, prio, rt_priority and RR
    slice (ticks) where fair rows have WEIGHT, VRUNTIME, DEADLINE and LAG;
    deadline its runtime left, absolute deadline, period and a throttled
    mark."""
    fmt = ms3 if compact else split_ns
    rt = t.sched_class == "rt"
    slice_ = f"{t.rt_time_slice}t" if t.policy == "rr" else "-"
    if t.o1 is not None:  # 2.6.x: dynamic prio, bonus, timeslice and sleep_avg (ms)
        o1 = t.o1
        cols = (
            t.policy.upper() if t.policy != "normal" else ("inter" if o1.interactive else "-"),
            f"p{t.prio}",
            f"+{o1.bonus}" if o1.bonus else "0",
            f"{o1.time_slice_ns // 1_000_000}ms",
            "",
        )
        styles = (NO_STYLE, BOLD, NO_STYLE, NO_STYLE)
    elif rt:
        cols = (t.policy.upper(), f"p{t.prio}", f"rt{t.rt_priority}", slice_, "")
        styles = (RT_STYLE, RT_STYLE, NO_STYLE, NO_STYLE)
    else:
        cols = ("DL", fmt(t.dl_runtime_left), fmt(t.dl_deadline_abs), fmt(t.dl_period), "T" if t.dl_throttled else "")
        styles = (DL_STYLE, NO_STYLE, NO_STYLE, DIM)
    if compact:
        return [
            (f"{marker}{t.state:<2} ", style),
            (fit(t.comm, 9) + " ", style),
            (f"{t.pid:>4} ", DIM),
            (f"{cols[0]:>6} ", styles[0]),
            (f"{cols[1]:>9} ", styles[1]),
            (f"{cols[2]:>9} ", styles[2]),
            (f"{cols[3]:>8}", styles[3]),
            ("  ", NO_STYLE),
            (cols[4].ljust(2), THROTTLED_STYLE if cols[4] else NO_STYLE),
            (f"{ms3(t.sum_exec_runtime):>9} ", NO_STYLE),
            (f"{t.nr_switches:>8} ", DIM),
        ]
    return [
        (marker.ljust(2), style),
        (t.state.ljust(3), style),
        (fit(t.comm, 15) + " ", style),
        (f"{t.pid:>5} ", DIM),
        (f"{'-':>4} ", DIM),
        (f"{cols[0]:>6} ", styles[0]),
        (f"{cols[1]:>11} ", styles[1]),
        (f"{cols[2]:>11} ", styles[2]),
        (f"{cols[3]:>10}", styles[3]),
        (" ", NO_STYLE),
        (cols[4].ljust(4), THROTTLED_STYLE if cols[4] else NO_STYLE),
        (f"{split_ns(t.sum_exec_runtime):>12} ", NO_STYLE),
        (f"{t.nr_switches:>8} ", DIM),
    ]


def _lag(t: TaskView, avg: int | None) -> tuple[int, str]:
    if avg is not None and t.on_rq:
        return avg - t.vruntime, "*" if t.eligible else ""  # the model's entity_eligible()
    return t.vlag, ""


def _compact_cells(t: TaskView, avg: int | None, marker: str, style: Style) -> Cells:
    lag, eligible = _lag(t, avg)
    return [
        (f"{marker}{t.state:<2} ", style),
        (fit(t.comm, 9) + " ", style),
        (f"{t.pid:>4} ", DIM),
        (f"{t.weight:>6} ", NO_STYLE),
        (f"{ms3(t.vruntime):>9} ", NO_STYLE),
        (f"{ms3(t.deadline):>9} ", NO_STYLE),
        (f"{ms3(lag):>8}", LAG_STYLE if eligible else (DIM if avg is None else INELIGIBLE_STYLE)),
        (eligible.ljust(2), LAG_STYLE),
        (("d" if t.sched_delayed else "").ljust(2), DELAYED_STYLE),
        (f"{ms3(t.sum_exec_runtime):>9} ", NO_STYLE),
        (f"{t.nr_switches:>8} ", DIM),
    ]


def _dl_rows(rq: RqView, tasks: dict[int, TaskView]) -> list[Row]:
    """The deadline queue in EDF order (curr is not in the tree), under a
    ``dl_rq`` line with the running bandwidth; the fair server (not a task)
    as one line."""
    # Throttled entities are off the tree until their replenishment timer
    # (dequeue_dl_entity() on throttle) but still TASK_RUNNING and on_rq.
    throttled = [
        t
        for t in tasks.values()
        if t.sched_class == "dl" and t.cpu == rq.cpu and t.dl_throttled and t.pid != rq.curr and t.pid not in rq.dl_queue
    ]
    if not rq.dl_queue and not rq.dl_nr_running and not throttled:
        return []
    bw = rq.running_bw * 100 / (1 << 20)  # BW_SHIFT fixed point
    rows = [
        Row(
            [
                ("  dl_rq", CPU_STYLE),
                (f"  dl_nr_running={rq.dl_nr_running} running_bw={bw:.1f}%", DIM),
                ("  (runtime left, abs deadline, period, T throttled)", DIM),
            ]
        )
    ]
    for pid in rq.dl_queue:
        t = tasks.get(pid)
        if t is None:
            rows.append(Row([("     (fair server: runs fair tasks on its budget)", DL_STYLE)]))
        else:
            rows.append(Row(pid=pid, task=t, style=DIM if t.dl_throttled else NO_STYLE))
    if throttled:
        rows.append(Row([("  throttled", DL_STYLE), ("  (off the tree until the replenishment timer)", DIM)]))
        rows.extend(Row(pid=t.pid, task=t, style=DIM) for t in throttled)
    return rows


def _rt_rows(rq: RqView, tasks: dict[int, TaskView]) -> list[Row]:
    """The RT lists by priority, each in FIFO order, under an ``rt_rq`` line."""
    if not rq.rt_queue and not rq.rt_nr_running:
        return []
    rows = [
        Row(
            [
                ("  rt_rq", CPU_STYLE),
                (f"  rt_nr_running={rq.rt_nr_running}", DIM),
                ("  (policy, prio, rt_priority, RR slice left in ticks)", DIM),
            ]
        )
    ]
    for _prio, pids in rq.rt_queue:
        for pid in pids:
            t = tasks.get(pid)
            if t is not None and pid != rq.curr:
                rows.append(Row(pid=pid, task=t))
    return rows


def _o1_rows(o1: O1RqView, tasks: dict[int, TaskView], curr: int) -> list[Row]:
    """The O(1) scheduler's two prio arrays (2.6.x), each list in pick order;
    the running task stays on its list but has its own row above."""
    rows: list[Row] = []
    for name, lists, nr in (("active", o1.active, o1.nr_active), ("expired", o1.expired, o1.nr_expired)):
        label = "  (interactive?, dynamic prio, bonus, timeslice left)" if name == "active" else ""
        rows.append(Row([(f"  {name} ", CPU_STYLE), (f"nr_active={nr}", DIM), (label, DIM)]))
        for _prio, pids in lists:
            for pid in pids:
                t = tasks.get(pid)
                if t is not None and pid != curr:
                    rows.append(Row(pid=pid, task=t))
    return rows


def rq_rows(snap: SchedView, compact: bool = False) -> list[Row]:
    """Every row of the run-queue pane for `snap`.

    Args:
        snap: The scheduler's view.
        compact: Task rows use the compact layout (the summary lines too).

    Per CPU: a summary line, the current task, the CFS tree in key order
    (leftmost first); then tasks that are not runnable, with what they wait
    on.
    """
    if not snap.rqs:
        return [Row([("no run queues: the scheduler has no view here", DIM)])]
    tasks = {t.pid: t for t in snap.tasks}
    fmt = ms3 if compact else split_ns
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
        if rq.rt_throttled:
            flags.append(("rt_throttled ", THROTTLED_STYLE))
        rows.append(
            Row(
                [
                    (f"cpu#{rq.cpu} ", CPU_STYLE),
                    (f"nr_running={rq.nr_running} ", NO_STYLE),
                    *flags,
                    *([(f"min_vruntime={fmt(rq.min_vruntime)} ", DIM)] if rq.o1 is None else []),
                    *([(f"avg_vruntime()={fmt(avg)} ", DIM)] if avg is not None and rq.o1 is None else []),
                    (f"nr_switches={rq.nr_switches} ", DIM),
                ]
            )
        )
        curr = tasks.get(rq.curr) if rq.curr else None
        if curr is not None:
            rows.append(Row(pid=curr.pid, task=curr, avg=avg, marker=">", style=CURR_STYLE))
        else:
            rows.append(Row([("> ", DIM), (f"   {rq.curr_comm or 'idle'} (idle)", DIM)]))
        rows.extend(_dl_rows(rq, tasks))
        rows.extend(_rt_rows(rq, tasks))
        if rq.tree and (rq.dl_queue or rq.rt_queue):
            rows.append(Row([("  cfs_rq", CPU_STYLE), (f"  {len(rq.tree)} queued", DIM)]))
        for pid in rq.tree:
            t = tasks.get(pid)
            if t is not None:
                rows.append(Row(pid=pid, task=t, avg=avg, style=DELAYED_STYLE if t.sched_delayed else NO_STYLE))
        if rq.o1 is not None:
            rows.extend(_o1_rows(rq.o1, tasks, rq.curr))
    waiting = [t for t in snap.tasks if not t.on_rq and not t.on_cpu]
    if waiting:
        rows.append(Row([("not runnable", CPU_STYLE), (f"  ({len(waiting)} tasks)", DIM)]))
        for t in waiting:
            why = f"blocked on {t.blocked_on}" if t.blocked_on else STATE_NAMES.get(t.state, "")
            style = DIM if t.state in ("X", "Z") else BLOCKED_STYLE
            if compact:  # no room after the columns: the reason goes on its own line
                rows.append(Row(pid=t.pid, task=t, style=style))
                if why:
                    rows.append(Row([(f"    └ {why}", style)], pid=t.pid))
            else:
                rows.append(Row(pid=t.pid, task=t, style=style, why=why))
    return rows
