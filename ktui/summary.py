"""The human summary ``ktui run`` prints (rich tables over the report dict).

Everything here is read from the report (`ktui.sim.report`), which is derived
from the snapshot: the stop line, the kernel log (dmesg lines with their
event), tasks with their CPU share, CPUs, locks and deadlocks. Piped output is
never cut to 80 columns: when the output is not a terminal every column is
printed in full.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import Final, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ktui.sim.units import fmt_ns

UNLIMITED_WIDTH: Final = 100_000
"""Console width when the output is not a terminal: tables keep their natural width."""

FAILURE_LEVELS: Final = ("BUG", "WARNING")
"""Kernel log levels that make the stop word (and exit status) a failure."""

Report = Mapping[str, object]


def summary_console(file: TextIO | None = None) -> Console:
    """A console for `file` (stdout): the terminal's width, or unlimited when piped."""
    out = sys.stdout if file is None else file
    if out.isatty():
        return Console(file=out)
    return Console(file=out, width=UNLIMITED_WIDTH)


def stop_word(report: Report) -> str:
    """``FINISHED``, ``DEADLOCK``..., plus ``with 1 WARNING`` when the kernel log has any."""
    word = str(report["status"]).upper()
    log: Sequence[Mapping[str, object]] = report.get("log", [])  # type: ignore[assignment]
    counts = [(lv, sum(1 for e in log if e["level"] == lv)) for lv in FAILURE_LEVELS]
    found = [f"{n} {lv}{'s' if n > 1 else ''}" for lv, n in counts if n]
    return f"{word} with {' and '.join(found)}" if found else word


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def share_columns(tasks: Sequence[Mapping[str, object]]) -> list[tuple[str, str, str]]:
    """Each task's CPU share: (of all runtime, of its CPU's runtime, its weight's share).

    "of its CPU" groups tasks by the CPU they are on now; "weight" is the
    share the fair class gives the task's weight among those on that CPU
    while all of them are runnable: weight / sum of weights
    (sched_prio_to_weight, e.g. nice 0/5/10 -> 1024/335/110 -> 69.7/22.8/7.5%).
    """
    total = sum(int(t["sum_exec_runtime_ns"]) for t in tasks)  # type: ignore[call-overload]
    by_cpu: dict[int, int] = {}
    weight_by_cpu: dict[int, int] = {}
    weights: list[int | None] = []
    for t in tasks:
        cpu = int(t["cpu"])  # type: ignore[call-overload]
        by_cpu[cpu] = by_cpu.get(cpu, 0) + int(t["sum_exec_runtime_ns"])  # type: ignore[call-overload]
        # se->load.weight >> 10, from the model (set_load_weight()); None outside the fair class
        w = t.get("weight")
        assert w is None or isinstance(w, int)
        weights.append(w)
        weight_by_cpu[cpu] = weight_by_cpu.get(cpu, 0) + (w or 0)
    out = []
    for t, w in zip(tasks, weights, strict=True):
        cpu = int(t["cpu"])  # type: ignore[call-overload]
        rt = int(t["sum_exec_runtime_ns"])  # type: ignore[call-overload]
        out.append(
            (
                _pct(rt, total),
                _pct(rt, by_cpu[cpu]),
                _pct(w, weight_by_cpu[cpu]) if w is not None else "-",
            )
        )
    return out


def _add_row(table: Table, *cells: str) -> None:
    """Add a row of literal cells: a str cell would be read as rich markup, and
    names (comm, lock, scenario) come from the scenario file."""
    table.add_row(*(Text(c) for c in cells))


def print_summary(
    report: Report, console: Console | None = None, *, file: TextIO | None = None
) -> None:
    """Print `report`: the stop line, the kernel log, tables of tasks, CPUs and locks.

    Args:
        report: `Simulator.report()`'s dict.
        console: Print here; by default a `summary_console` on `file`.
        file: The output (stdout) when no console is given.
    """
    con = console or summary_console(file)
    failed = report["status"] in ("deadlock", "livelock") or stop_word(report) != str(report["status"]).upper()
    con.print(
        Text.assemble(
            (str(report["scenario"]), "bold"),
            f" (kernel {report['kernel']}, seed {report['seed']}): ",
            (stop_word(report), "bold red" if failed else "bold"),
            f" at event #{report['event']} of {report['recorded']}, "
            f"t={fmt_ns(int(report['time_ns']))}",  # type: ignore[call-overload]
        ),
        highlight=False,
    )
    if report.get("reason"):
        con.print(Text(f"  {report['reason']}"), highlight=False)
    con.print(f"  state_hash {report['state_hash']}", style="dim")
    log: Sequence[Mapping[str, object]] = report.get("log", [])  # type: ignore[assignment]
    if log:
        con.print("kernel log (dmesg)", style="bold")
        for e in log:
            style = "red" if e["level"] in FAILURE_LEVELS else ""
            con.print(
                Text.assemble(
                    (f"  #{e['event']} {e['line']}", style),
                    (f"  ({e['comm']}/{e['pid']} on CPU {e['cpu']})", "dim"),
                )
            )
    tasks_data: Sequence[Mapping[str, object]] = report.get("tasks", [])  # type: ignore[assignment]
    tasks = Table(title="tasks", title_justify="left")
    for col in ("pid", "comm", "S", "nice", "prio", "cpu", "runtime", "share", "share of cpu", "weight share", "vruntime", "switches", "waits on", "holds"):
        tasks.add_column(col)
    for t, (share, cpu_share, weight_share) in zip(tasks_data, share_columns(tasks_data), strict=True):
        _add_row(
            tasks, str(t["pid"]), str(t["comm"]), str(t["state"]), str(t["nice"]), str(t["prio"]), str(t["cpu"]),
            fmt_ns(int(t["sum_exec_runtime_ns"])), share, cpu_share, weight_share,  # type: ignore[call-overload]
            str(t["vruntime_ns"]), str(t["nr_switches"]),
            str(t["blocked_on"] or ""), ",".join(str(x) for x in t["held_locks"]),  # type: ignore[attr-defined]
        )  # fmt: skip
    con.print(tasks)
    cpus = Table(title="cpus", title_justify="left")
    for col in ("cpu", "curr", "nr_running", "context", "preempt", "irqs off", "spinning on"):
        cpus.add_column(col)
    for c in report.get("cpus", []):  # type: ignore[attr-defined]
        _add_row(
            cpus, str(c["cpu"]), f"{c['curr_comm']}-{c['curr']}", str(c["nr_running"]), c["context"],
            str(c["preempt_count"]), "yes" if c["irqs_disabled"] else "", c["spinning_on"] or "",
        )  # fmt: skip
    con.print(cpus)
    if report.get("locks"):
        locks = Table(title="locks", title_justify="left")
        for col in ("lock", "kind", "owner", "cpu", "held", "waiters"):
            locks.add_column(col)
        for lk in report["locks"]:  # type: ignore[attr-defined]
            _add_row(
                locks, lk["name"], lk["kind"], lk["owner"] or "-",
                "" if lk["owner_cpu"] is None else str(lk["owner_cpu"]),
                fmt_ns(lk["held_ns"]) if lk["owner"] else "", " ".join(lk["waiters"]),
            )  # fmt: skip
        con.print(locks)
    for d in report.get("deadlocks", []):  # type: ignore[attr-defined]
        con.print(
            Text.assemble(
                ("deadlock", "bold red"),
                f": tasks {', '.join(d['tasks'])} on locks "
                f"{', '.join(d['locks'])}, closed by event #{d['event']}",
            ),
            highlight=False,
        )
