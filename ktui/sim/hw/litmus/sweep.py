"""Run a litmus test under many seeds and count its outcomes, as litmus7
runs a test many times (tools/memory-model/README: herd7 says what the
model allows; litmus7 what a machine shows). ``ktui litmus`` prints it in
litmus7's layout: the histogram of final register states, the witnesses,
and ``Observation NAME Never|Sometimes|Always POSITIVE NEGATIVE``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ktui.sim.hw.litmus.view import LitmusView

if TYPE_CHECKING:
    from ktui.sim.scenario.model import Scenario


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What `sweep` saw."""

    name: str
    exists: tuple[str, ...]
    states: tuple[tuple[str, int, bool], ...]
    """(final state, runs that ended in it, whether it satisfies exists), by state."""
    positive: int
    negative: int
    statuses: tuple[tuple[str, int], ...]
    """How the runs stopped (``finished`` normally), with counts."""

    @property
    def observation(self) -> str:
        """litmus7's verdict word."""
        if self.positive == 0:
            return "Never"
        return "Always" if self.negative == 0 else "Sometimes"


def _state_text(view: LitmusView) -> str:
    regs = sorted(f"{task}:{reg}={val};" for task, reg, val in view.registers)
    return " ".join(regs)


def sweep(scenario: Scenario, runs: int) -> SweepResult:
    """Run `scenario` with seeds ``seed, seed+1, ... seed+runs-1``."""
    from ktui.sim.replay.timeline import Simulator

    counts: dict[str, list[int]] = {}
    statuses: dict[str, int] = {}
    positive = 0
    name = scenario.name
    exists: tuple[str, ...] = ()
    for i in range(runs):
        sim = Simulator(replace(scenario, seed=scenario.seed + i), history=False)
        status = sim.run()
        statuses[status] = statuses.get(status, 0) + 1
        view = sim.snapshot().sections.get("litmus")
        assert isinstance(view, LitmusView)
        name, exists = view.name, view.exists
        entry = counts.setdefault(_state_text(view), [0, int(view.satisfied)])
        entry[0] += 1
        positive += int(view.satisfied)
    states = tuple((s, n, bool(sat)) for s, (n, sat) in sorted(counts.items()))
    return SweepResult(name, exists, states, positive, runs - positive, tuple(sorted(statuses.items())))


def format_sweep(res: SweepResult) -> str:
    """litmus7's report of `res`."""
    lines = [f"Test {res.name}", f"Histogram ({len(res.states)} states)"]
    for state, n, sat in res.states:
        lines.append(f"{n:<6}{'*' if sat else ':'}>{state}")
    lines.append("Ok" if res.positive else "No")
    lines.append("")
    lines.append("Witnesses")
    lines.append(f"Positive: {res.positive}, Negative: {res.negative}")
    cond = " /\\ ".join(res.exists) or "(none)"
    verdict = "is validated" if res.positive else "is NOT validated"
    lines.append(f"Condition exists ({cond}) {verdict}")
    lines.append(f"Observation {res.name} {res.observation} {res.positive} {res.negative}")
    if any(s != "finished" for s, _n in res.statuses):
        lines.append("Runs: " + ", ".join(f"{n} {s}" for s, n in res.statuses))
    return "\n".join(lines)
