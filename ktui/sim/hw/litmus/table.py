"""The ``[litmus]`` scenario table: a litmus test's shared variables, their
initial values and the outcome it asks about, in the spirit of herd7's
``.litmus`` files (tools/memory-model/litmus-tests/)::

    [litmus]
    name = "MP+wmb+rmb"
    vars = { x = 0, y = 0 }                       # herd's init block
    exists = ["reader:r0 = 1", "reader:r1 = 0"]   # herd's exists clause (a conjunction)

A condition is ``TASK:REG = N`` (REG labels a ``READ_ONCE`` of that task:
``r0 = READ_ONCE y``) or ``VAR = N`` (the variable's final value).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from ktui.sim.scenario import SectionContext
from ktui.sim.units import shorten

MAX_VARS: Final = 64
"""Most shared variables in one test (herd tests use a handful)."""
KEYS: Final = ("name", "vars", "exists")
_IDENT: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}\Z")
_COND: Final = re.compile(r"\s*(?:([^:=\s]+)\s*:\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(-?\d+)\s*\Z")
INT_MIN: Final = -(2**31)
INT_MAX: Final = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Condition:
    """One conjunct of ``exists``: a task's register, or a variable's final
    value, equal to `value`."""

    text: str
    task: str
    """The task's name, "" for a variable."""
    name: str
    """The register or the variable."""
    value: int


@dataclass(frozen=True, slots=True)
class LitmusSpec:
    """The parsed ``[litmus]`` table."""

    name: str
    names: tuple[str, ...]
    """Variable names, in index order (file order)."""
    init: tuple[int, ...]
    exists: tuple[Condition, ...]


def var_names_of(raw: object) -> Sequence[str]:
    """Variable names from the raw table (for ``var`` op arguments)."""
    if isinstance(raw, dict) and isinstance(raw.get("vars"), dict):
        return [k for k in raw["vars"] if isinstance(k, str)]
    return []


def parse_litmus(value: object, ctx: SectionContext) -> LitmusSpec:
    """Validate ``[litmus]``; every error names the key and what was expected."""
    if not isinstance(value, dict):
        raise ctx.error("expected a table [litmus] with name, vars and exists")
    for key in value:
        if key not in KEYS:
            raise ctx.error(f"unknown key {shorten(key)!r} (allowed: {', '.join(KEYS)})", key)
    name = value.get("name", "")
    if not isinstance(name, str) or len(name) > 64:
        raise ctx.error('expected a test name of at most 64 characters, like "MP+wmb+rmb"', "name")
    raw_vars = value.get("vars", {})
    if not isinstance(raw_vars, dict):
        raise ctx.error("expected a table of variables and initial values, like { x = 0, y = 0 }", "vars")
    if len(raw_vars) > MAX_VARS:
        raise ctx.error(f"{len(raw_vars)} variables; at most {MAX_VARS}", "vars")
    names: list[str] = []
    init: list[int] = []
    for var, v in raw_vars.items():
        if not _IDENT.match(var):
            raise ctx.error(f"variable name {shorten(var)!r} is not an identifier (at most 32 characters)", "vars")
        if isinstance(v, bool) or not isinstance(v, int) or not INT_MIN <= v <= INT_MAX:
            raise ctx.error(f"variable {var}: expected an int initial value ({INT_MIN}..{INT_MAX})", "vars")
        names.append(var)
        init.append(v)
    raw_exists = value.get("exists", [])
    if not isinstance(raw_exists, list) or not all(isinstance(c, str) for c in raw_exists):
        raise ctx.error('expected a list of conditions, like ["t1:r0 = 1", "x = 2"]', "exists")
    regs = {t.name: {op.label for op in t.program if op.name == "READ_ONCE" and op.label} for t in ctx.tasks}
    conds: list[Condition] = []
    for text in raw_exists:
        m = _COND.match(text)
        if m is None:
            raise ctx.error(f"condition {shorten(text)!r} is not 'TASK:REG = N' or 'VAR = N'", "exists")
        task, reg, num = m.group(1) or "", m.group(2), int(m.group(3))
        if task:
            if task not in regs:
                raise ctx.error(f"condition {shorten(text)!r}: no task {shorten(task)!r}", "exists")
            if reg not in regs[task]:
                have = ", ".join(sorted(regs[task])) or "none"
                msg = f"condition {shorten(text)!r}: task {task} has no register {reg} (its READ_ONCE labels: {have})"
                raise ctx.error(msg, "exists")
        elif reg not in names:
            raise ctx.error(f"condition {shorten(text)!r}: no variable {reg} in vars", "exists")
        conds.append(Condition(text.strip(), task, reg, num))
    return LitmusSpec(name, tuple(names), tuple(init), tuple(conds))
