"""The human summary ``ktui run`` prints (rich tables over the report dict)."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def fmt_ns(ns: int) -> str:
    """Human time: 1.234ms, 12.000s, 512ns."""
    if ns >= 1_000_000_000:
        return f"{ns / 1e9:.6f}s"
    if ns >= 1_000_000:
        return f"{ns / 1e6:.3f}ms"
    if ns >= 1_000:
        return f"{ns / 1e3:.3f}us"
    return f"{ns}ns"


def print_summary(report: dict[str, object], console: Console | None = None) -> None:
    """Print `report` as a status line and tables of tasks, CPUs and locks."""
    con = console or Console()
    status = str(report["status"]).upper()
    con.print(
        f"[bold]{report['scenario']}[/] (kernel {report['kernel']}, seed {report['seed']}): "
        f"[bold]{status}[/] at event #{report['event']} of {report['recorded']}, "
        f"t={fmt_ns(int(report['time_ns']))}"  # type: ignore[call-overload]
    )
    if report.get("reason"):
        con.print(f"  {report['reason']}")
    con.print(f"  state_hash {report['state_hash']}", style="dim")
    tasks = Table(title="tasks", title_justify="left")
    for col in ("pid", "comm", "S", "nice", "prio", "cpu", "runtime", "vruntime", "switches", "waits on", "holds"):
        tasks.add_column(col)
    for t in report["tasks"]:  # type: ignore[attr-defined]
        tasks.add_row(
            str(t["pid"]), t["comm"], t["state"], str(t["nice"]), str(t["prio"]), str(t["cpu"]),
            fmt_ns(t["sum_exec_runtime_ns"]), str(t["vruntime_ns"]), str(t["nr_switches"]),
            t["blocked_on"] or "", ",".join(t["held_locks"]),
        )  # fmt: skip
    con.print(tasks)
    cpus = Table(title="cpus", title_justify="left")
    for col in ("cpu", "curr", "nr_running", "context", "preempt", "irqs off", "spinning on"):
        cpus.add_column(col)
    for c in report["cpus"]:  # type: ignore[attr-defined]
        cpus.add_row(
            str(c["cpu"]), f"{c['curr_comm']}-{c['curr']}", str(c["nr_running"]), c["context"],
            str(c["preempt_count"]), "yes" if c["irqs_disabled"] else "", c["spinning_on"] or "",
        )  # fmt: skip
    con.print(cpus)
    if report["locks"]:
        locks = Table(title="locks", title_justify="left")
        for col in ("lock", "kind", "owner", "cpu", "held", "waiters"):
            locks.add_column(col)
        for lk in report["locks"]:  # type: ignore[attr-defined]
            locks.add_row(
                lk["name"], lk["kind"], lk["owner"] or "-",
                "" if lk["owner_cpu"] is None else str(lk["owner_cpu"]),
                fmt_ns(lk["held_ns"]) if lk["owner"] else "", " ".join(lk["waiters"]),
            )  # fmt: skip
        con.print(locks)
    for d in report["deadlocks"]:  # type: ignore[attr-defined]
        con.print(
            f"[bold red]deadlock[/]: tasks {', '.join(d['tasks'])} on locks "
            f"{', '.join(d['locks'])}, closed by event #{d['event']}"
        )
