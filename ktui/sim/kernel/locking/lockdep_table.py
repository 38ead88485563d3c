"""The ``[lockdep]`` scenario table::

    [lockdep]
    enabled = true                      # CONFIG_PROVE_LOCKING (default true)
    one_shot = true                     # debug_locks_off() after the first report
    force_read_lock_recursive = false   # lockdep.c force_read_lock_recursive
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from ktui.sim.scenario import SectionContext
from ktui.sim.units import shorten

KEYS: Final = ("enabled", "one_shot", "force_read_lock_recursive")


@dataclass(frozen=True, slots=True)
class LockdepSpec:
    """The parsed ``[lockdep]`` table."""

    enabled: bool = True
    one_shot: bool = True
    force_read_lock_recursive: bool = False


def parse_lockdep(value: object, ctx: SectionContext) -> LockdepSpec:
    """Validate ``[lockdep]``: three booleans."""
    if not isinstance(value, dict):
        raise ctx.error("expected a table [lockdep] with enabled, one_shot, force_read_lock_recursive")
    flags: dict[str, bool] = {}
    for key, raw in value.items():
        if key not in KEYS:
            raise ctx.error(f"unknown key {shorten(str(key))!r} (allowed: {', '.join(KEYS)})", str(key))
        if not isinstance(raw, bool):
            raise ctx.error("expected true or false", key)
        flags[key] = raw
    return LockdepSpec(**flags)
