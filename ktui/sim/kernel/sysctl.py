"""The ``[sysctl]`` scenario table: /proc/sys/kernel/* knobs. Models kernel/sysctl.c.

Each subsystem registers its knobs at import, as the kernel's
``register_sysctl("kernel", table)`` does with a ``ctl_table`` of
``proc_dointvec_minmax`` entries: a name (``kernel.watchdog_thresh``), the
kernel's default and the ``extra1``/``extra2`` bounds. A knob whose handler
checks more than its bounds (``sched_rt_handler()`` refusing a runtime
above the period) adds a `SysctlCheck`, run on the whole table once it is
parsed. The parsed table is configuration, not state: `sysctl_value` reads
a knob of a machine (its scenario's value, else the default), and
`sysctl_present` tells whether the scenario has the table at all (the
lockup detectors are armed only then, kernel/watchdog/sysctl.py).

Left out: writes at run time (every value is fixed for the run), other
directories than ``kernel.``, string and array knobs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ktui.sim.scenario import SectionContext
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

INT_MAX: Final = 2**31 - 1

SysctlCheck = Callable[[Mapping[str, int]], str | None]
"""Checks the knobs' values together (every registered knob, defaults
filled in); returns what is wrong, or None."""


@dataclass(frozen=True, slots=True)
class SysctlEntry:
    """One ``ctl_table`` entry.

    Attributes:
        name: ``kernel.NAME``.
        default: The kernel's initial value.
        lo: ``extra1``: the least value accepted.
        hi: ``extra2``: the largest (`INT_MAX` for ``SYSCTL_INT_MAX``).
        doc: One line for ``ktui`` help and errors.
        check: Extra validation of the proc handler, if any.
    """

    name: str
    default: int
    lo: int
    hi: int
    doc: str = ""
    check: SysctlCheck | None = None


SYSCTLS: dict[str, SysctlEntry] = {}
"""Every registered knob, by ``kernel.NAME``."""


def register_sysctl(
    name: str, default: int, lo: int, hi: int, doc: str = "", check: SysctlCheck | None = None
) -> SysctlEntry:
    """register_sysctl(): add one knob (``kernel.NAME``) with its default and bounds.

    Raises:
        ValueError: the name is not ``kernel.NAME``, is taken, or its
            default is out of its bounds.
    """
    if not name.startswith("kernel.") or name.count(".") != 1:
        raise ValueError(f"sysctl {name!r}: expected kernel.NAME")
    if name in SYSCTLS:
        raise ValueError(f"sysctl {name!r} is registered twice")
    if not lo <= default <= hi:
        raise ValueError(f"sysctl {name!r}: default {default} is not in {lo}..{hi}")
    entry = SysctlEntry(name, default, lo, hi, doc, check)
    SYSCTLS[name] = entry
    return entry


@dataclass(frozen=True, slots=True)
class SysctlTable:
    """A parsed ``[sysctl]`` table: the values the scenario sets, by ``kernel.NAME``."""

    values: Mapping[str, int]

    def get(self, name: str) -> int:
        """The value of knob `name`: the scenario's, else the kernel's default."""
        if name in self.values:
            return self.values[name]
        return SYSCTLS[name].default


def parse_sysctl(value: object, ctx: SectionContext) -> SysctlTable:
    """``[sysctl]`` with ``kernel.NAME = N`` keys: a TOML dotted key, or the
    sysctl name quoted (``"kernel.watchdog_thresh" = 10``), as sysctl(8)
    spells it. Each value is checked against its bounds
    (proc_dointvec_minmax()), then the registered checks run on the whole
    table (a proc handler's own validation)."""
    hint = "expected kernel.NAME = N keys, e.g. kernel.watchdog_thresh = 10"
    if not isinstance(value, dict):
        raise ctx.error(hint)
    kernel: dict[str, object] = {}
    for key, v in value.items():
        if key == "kernel" and isinstance(v, dict):
            kernel.update(v)
        elif key.startswith("kernel.") and key.count(".") == 1:
            kernel[key.removeprefix("kernel.")] = v
        else:
            raise ctx.error(f"{hint}; got {shorten(key)!r}", key=key)
    out: dict[str, int] = {}
    for key, v in kernel.items():
        name = f"kernel.{key}"
        entry = SYSCTLS.get(name)
        if entry is None:
            known = ", ".join(sorted(SYSCTLS))
            # echoed quoted and cut: the key is the user's text
            raise ctx.error(f"unknown sysctl {shorten(name)!r}; known: {known}", key="kernel")
        lo, hi = entry.lo, entry.hi
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise ctx.error(f"{name} must be an integer in {lo}..{hi}", key="kernel")
        out[name] = v
    table = SysctlTable(out)
    full = {n: table.get(n) for n in SYSCTLS}
    for entry in SYSCTLS.values():
        problem = entry.check(full) if entry.check is not None else None
        if problem:
            raise ctx.error(problem, key="kernel")
    return table


def sysctl_table(m: Machine) -> SysctlTable | None:
    """The machine's parsed ``[sysctl]``, or None when its scenario has none."""
    value = m.cfg.scenario.sections.get("sysctl")
    assert value is None or isinstance(value, SysctlTable)
    return value


def sysctl_present(m: Machine) -> bool:
    """Whether the machine's scenario has a ``[sysctl]`` table."""
    return sysctl_table(m) is not None


def sysctl_value(m: Machine, name: str) -> int:
    """Knob `name` (``kernel.NAME``) of machine `m`: the scenario's value,
    else the kernel's default.

    Raises:
        KeyError: no knob of that name is registered.
    """
    table = sysctl_table(m)
    if table is None:
        return SYSCTLS[name].default
    return table.get(name)
