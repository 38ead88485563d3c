"""Row builders for the lock pane: every lock with its owner and waiters in
FIFO order (``struct mutex``'s ``wait_list``), the deadlock cycle in red.

Pure functions from a `LockingView` to rows of styled text runs.
"""

from __future__ import annotations

from rich.style import Style

from ktui.renderables.cells import fit
from ktui.renderables.sched import Row
from ktui.sim.kernel.locking.view import LockingView
from ktui.sim.units import fmt_ns

Cells = list[tuple[str, Style]]

HEAD_STYLE = Style(bold=True, underline=True)
CYCLE_STYLE = Style(bold=True, color="red")
FREE_STYLE = Style(dim=True)
HELD_STYLE = Style(color="green")
WAIT_STYLE = Style(color="magenta")
BOOST_STYLE = Style(color="yellow")

LOCK_COLUMNS = (("LOCK", 12), ("KIND", 9), ("OWNER", 16), ("CPU", 4), ("HELD", 11), ("CONT/ACQ", 9))
ROW_WIDTH = sum(w for _, w in LOCK_COLUMNS) + 30


def lock_header() -> Cells:
    """The column header line."""
    return [("".join(name.ljust(w) for name, w in LOCK_COLUMNS) + "WAITERS", HEAD_STYLE)]


def lock_rows(snap: LockingView) -> list[Row]:
    """Rows of the lock pane: one per lock, one per waiter, then the cycles.

    A lock row selects its owner; a waiter row selects that waiter.
    """
    rows: list[Row] = []
    for lk in snap.locks:
        style = CYCLE_STYLE if lk.in_cycle else (HELD_STYLE if lk.owner else FREE_STYLE)
        owner = f"{lk.owner_comm}/{lk.owner}" if lk.owner else "-"
        cpu = str(lk.owner_cpu) if lk.owner and lk.owner_cpu >= 0 else "-"
        held = fmt_ns(lk.held_ns) if lk.owner else "-"
        waiters = " ".join(f"{c}/{p}" for p, c in zip(lk.waiters, lk.waiter_comms, strict=True))
        mark = "⟳ " if lk.in_cycle else ""
        rows.append(
            Row(
                [
                    (fit(mark + lk.name, 11) + " ", style),
                    (fit(lk.kind, 8) + " ", Style()),
                    (fit(owner, 15) + " ", style),
                    (cpu.ljust(4), Style()),
                    (held.ljust(11), Style()),
                    (f"{lk.contentions}/{lk.acquisitions}".ljust(9), Style(dim=True)),
                    (waiters or "-", WAIT_STYLE if waiters else FREE_STYLE),
                ],
                lk.owner or None,
            )
        )
        if lk.boost >= 0:
            by = f", boosted by {lk.boost_by_comm}/{lk.boost_by}" if lk.boost_by else ""
            rows.append(
                Row([(f"  ↑ PI: {owner} runs at prio {lk.boost} (its own {lk.owner_normal_prio}){by}", BOOST_STYLE)], lk.owner)
            )
        if len(lk.waiters) > 1 or lk.in_cycle:
            for n, (pid, comm) in enumerate(zip(lk.waiters, lk.waiter_comms, strict=True), 1):
                rows.append(Row([(f"  └ waiter {n}: {comm}/{pid}", WAIT_STYLE)], pid))
    for dl in snap.deadlocks:
        chain = []
        for i, comm in enumerate(dl.comms):
            lock = dl.locks[i] if i < len(dl.locks) else "?"
            chain.append(f"{comm} ─wants {lock}→ ")
        chain.append(dl.comms[0] if dl.comms else "")
        rows.append(Row([(f"DEADLOCK (event #{dl.event}): ", CYCLE_STYLE), ("".join(chain), CYCLE_STYLE)], event=dl.event))
        n = len(dl.pids)
        for i, (lock, at) in enumerate(zip(dl.locks, dl.acquired, strict=False)):
            holder = f"{dl.comms[(i + 1) % n]}/{dl.pids[(i + 1) % n]}"
            rows.append(
                Row(
                    [(f"  {dl.comms[i]}/{dl.pids[i]} wants {lock}, held by {holder} since #{at}", CYCLE_STYLE)],
                    event=at,
                )
            )
    if not rows:
        rows.append(Row([("no locks in this scenario", FREE_STYLE)]))
    return rows
