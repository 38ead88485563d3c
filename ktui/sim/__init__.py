"""The simulator: a deterministic, reversible model of the Linux kernel.

Pure Python; never imports textual or rich. Entry point for scripts::

    import ktui.sim
    sim = ktui.sim.load("abba")       # a path or a built-in scenario name
    sim.run()                          # until deadlock, breakpoint or the end
    sim.back(3); sim.step()
    sim.report()["status"]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator


def load(path_or_name: str, *, history: bool = True) -> Simulator:
    """Load a scenario (a .toml path or a built-in name) into a `Simulator`.

    Raises:
        ScenarioError: the scenario is invalid (message names file, line, key).
    """
    from ktui.sim.replay.timeline import Simulator
    from ktui.sim.scenario import load_scenario

    return Simulator(load_scenario(path_or_name), history=history)
