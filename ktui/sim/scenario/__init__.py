"""Scenario files: TOML (read with tomllib) -> a validated, frozen `Scenario`.

No kernel counterpart. A scenario is the simulator's whole input besides the
journal: the machine (CPUs, HZ, kernel version), the locks, the tasks and
their programs, breakpoints, and extra tables that subsystems register with
`register_section`. See docs/scenarios.md for the language.

Every bad input -- TOML syntax, wrong type, unknown key, bad value, a missing
or unreadable file -- raises one `ScenarioError` that names the file, the line
(found in the source text, since tomllib gives none for keys), the key or
task and op, and what was expected. Never a traceback.
"""

from __future__ import annotations

from ktui.sim.scenario.builtin import builtin_description, builtin_names, load_scenario
from ktui.sim.scenario.loader import parse_scenario_data, parse_scenario_text
from ktui.sim.scenario.model import (
    CORE_SECTIONS,
    DEFAULT_KERNEL,
    DEFAULT_SEED,
    LockSpec,
    MachineSpec,
    Scenario,
    TaskSpec,
)
from ktui.sim.scenario.sections import (
    SectionContext,
    SectionParser,
    _ensure_registry,
    register_section,
    unregister_section,
)

__all__ = [
    "CORE_SECTIONS",
    "DEFAULT_KERNEL",
    "DEFAULT_SEED",
    "LockSpec",
    "MachineSpec",
    "Scenario",
    "SectionContext",
    "SectionParser",
    "TaskSpec",
    "_ensure_registry",
    "builtin_description",
    "builtin_names",
    "load_scenario",
    "parse_scenario_data",
    "parse_scenario_text",
    "register_section",
    "unregister_section",
]
