"""Extra scenario tables: the registry subsystems add their tables to
(``[irq]``, ``[slab]``), through their descriptors' ``tables``."""

from __future__ import annotations

import importlib
import importlib.resources
from collections.abc import Callable
from dataclasses import dataclass

from ktui.sim.errors import ScenarioError
from ktui.sim.scenario.model import CORE_SECTIONS, LockSpec, MachineSpec, TaskSpec
from ktui.sim.scenario.toml_lines import SourceMap

# --- section registry ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SectionContext:
    """What a registered section parser gets besides the table's value.

    Attributes:
        name: The section's top-level name.
        path: The scenario file, for errors.
        machine: The parsed ``[machine]``.
        locks: The parsed ``[locks]``.
        tasks: The parsed tasks.
    """

    name: str
    path: str
    machine: MachineSpec
    locks: tuple[LockSpec, ...]
    tasks: tuple[TaskSpec, ...]
    _smap: SourceMap

    def line_of(self, key: str = "", index: int | None = None) -> int:
        """Line of `key` in this section (or of its ``index``-th item), 0 if unknown."""
        return self._smap.line(self.name, index, key)

    def error(self, message: str, key: str = "", index: int | None = None) -> ScenarioError:
        """Build a `ScenarioError` located at `key` of this section.

        Args:
            message: What is wrong and what was expected.
            key: The offending key, if any.
            index: For an array of tables: which item (0-based).

        Returns:
            The error, for the caller to raise.
        """
        where = f"[{self.name}]" if index is None else f"[[{self.name}]] #{index + 1}"
        if key:
            where += f" {key}"
        return ScenarioError(message, self.path, self.line_of(key, index) or None, where)


SectionParser = Callable[[object, SectionContext], object]
"""Parses one extra top-level table; raises ``ctx.error(...)`` on bad input."""

_SECTIONS: dict[str, SectionParser] = {}


def register_section(name: str, parser: SectionParser) -> None:
    """Let a subsystem add a top-level table (``[irq]``, ``[mm]``, ``[[virtio]]``).

    Its parsed value lands in ``Scenario.sections[name]``; unregistered
    top-level tables are errors.

    Args:
        name: The top-level key.
        parser: Called with the raw TOML value and a `SectionContext`.

    Raises:
        ValueError: `name` is a core table.
    """
    if name in CORE_SECTIONS:
        raise ValueError(f"[{name}] is a core scenario table")
    if name in _SECTIONS:
        raise ValueError(f"[{name}] is registered twice")
    _SECTIONS[name] = parser


def unregister_section(name: str, parser: SectionParser | None = None) -> None:
    """Forget table `name` (a subsystem unloaded by `ktui.sim.subsystems.unregister`);
    with `parser`, only if that is the parser registered for it."""
    if parser is None or _SECTIONS.get(name) is parser:
        _SECTIONS.pop(name, None)


def _ensure_registry() -> None:
    """Import the subsystems so ops, lock kinds and sections are registered."""
    try:
        importlib.import_module("ktui.sim.subsystems")
    except ModuleNotFoundError as e:
        if e.name != "ktui.sim.subsystems":
            raise
