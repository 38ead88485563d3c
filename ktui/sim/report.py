"""The report: the state at the current position as plain JSON-able data.

What ``ktui run --json`` prints and `Simulator.report()` returns. It is
derived from the snapshot, never built beside it: a header, the kernel
``log`` (dmesg-style, every BUG/WARNING with its event and time), the
``journal`` of commands issued from outside the scenario, then each
subsystem's sections, made by its descriptor's ``report`` from its view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.snapshot import take_snapshot
from ktui.sim.subsystems import SUBSYSTEMS

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator
    from ktui.sim.snapshot import MachineSnapshot


def report_of(snap: MachineSnapshot, seed: int, state_hash: str) -> dict[str, object]:
    """The report for snapshot `snap` (plus what a snapshot does not hold)."""
    out: dict[str, object] = {
        "scenario": snap.scenario,
        "seed": seed,
        "kernel": snap.kernel,
        "event": snap.event,
        "recorded": snap.recorded,
        "time_ns": snap.time_ns,
        "status": snap.status,
        "reason": snap.reason,
        "state_hash": state_hash,
        "log": [
            {
                "event": e.event,
                "time_ns": e.time_ns,
                "cpu": e.cpu,
                "pid": e.pid,
                "comm": e.comm,
                "level": e.level,
                "message": e.message,
                "line": e.line,
            }
            for e in snap.log
        ],
        "journal": [{"at": index, "command": text} for index, text in snap.journal],
    }
    for sub in SUBSYSTEMS:
        view = snap.sections.get(sub.name)
        if sub.report is not None and view is not None:
            out.update(sub.report(view))
    return out


def build_report(sim: Simulator) -> dict[str, object]:
    """The report for `sim`'s current position."""
    return report_of(take_snapshot(sim), sim.scenario.seed, sim.state_hash())
