"""The loader: parsed TOML -> a validated `Scenario`.

Every bad input -- TOML syntax, wrong type, unknown key, bad value -- raises
one `ScenarioError` that names the file, the line (found in the source text,
since tomllib gives none for keys), the key or task and op, and what was
expected. Never a traceback."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Final

from ktui.sim.errors import BreakpointError, ScenarioError
from ktui.sim.include.linux.sched import POLICY_BY_NAME
from ktui.sim.ops import LOCK_KINDS, OBJECT_KINDS, Op
from ktui.sim.scenario.model import (
    CORE_SECTIONS,
    DEFAULT_CPUS,
    DEFAULT_HZ,
    DEFAULT_KERNEL,
    DEFAULT_SEED,
    HZ_CHOICES,
    KERNEL_2_6_SUBLEVELS,
    KERNEL_MINORS,
    MAX_CPUS,
    MAX_NICE,
    MAX_SMT,
    MAX_TASKS,
    MIN_NICE,
    TASK_COMM_LEN,
    LockSpec,
    MachineSpec,
    Scenario,
    TaskSpec,
)
from ktui.sim.scenario.program import parse_program
from ktui.sim.scenario.sections import _SECTIONS, SectionContext, _ensure_registry
from ktui.sim.scenario.toml_lines import SourceMap
from ktui.sim.units import did_you_mean, parse_duration, shorten

_IDENT_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KVER_RE: Final = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")

# --- the loader ------------------------------------------------------------------


MAX_SCENARIO_BYTES: Final = 1 << 20
"""Largest scenario file (1 MiB; docs/scenarios.md, "Limits")."""


MAX_NAME_LEN: Final = 64
"""Longest scenario or lock name (task names: 1..TASK_COMM_LEN - 1)."""

MAX_DESCRIPTION_LEN: Final = 4096
"""Longest ``[scenario] description``."""

MAX_LOCKS: Final = 4096
LOCK_TABLE_KEYS: Final = ("kind", "class", "count")
"""Keys of a ``[locks]`` entry's table form."""
INT_MAX: Final = 2**31 - 1
"""include/vdso/limits.h INT_MAX: a semaphore's count is an int."""
"""Most ``[locks]`` entries in one scenario."""


_BARE_KEY_RE: Final = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _key_label(key: str) -> str:
    """A key as an error's location names it: bare when TOML could write it
    bare (``cpus``), else quoted and cut (a key with a newline, an escape or
    5,000 characters is echoed as ``'\\x1b...'``, never raw)."""
    return key if _BARE_KEY_RE.match(key) else repr(shorten(key))


def _type_name(value: object) -> str:
    """TOML's name for a parsed value's type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class _Table:
    """One TOML table under validation, and how to name and locate its keys."""

    data: Mapping[str, object]
    sect: str
    """Top-level name in the source map (``machine``, ``task``)."""
    index: int | None
    """Item of an array of tables, or None."""
    label: str
    """How errors name it: ``[machine]`` or ``task 't1'``."""
    path: str
    smap: SourceMap

    def line(self, key: str = "") -> int:
        """Line of `key` (or of the table's header), 0 if unknown."""
        return self.smap.line(self.sect, self.index, key)

    def fail(self, message: str, key: str = "") -> ScenarioError:
        """A `ScenarioError` at `key` of this table."""
        where = self.label
        if key:
            where += f" {_key_label(key)}" if self.label.startswith("[") else f" key {shorten(key)!r}"
        return ScenarioError(message, self.path, self.line(key) or None, where)

    def check_keys(self, allowed: Sequence[str]) -> None:
        """Reject keys not in `allowed`, suggesting the closest."""
        for key in self.data:
            if key not in allowed:
                msg = f"unknown key {shorten(key)!r}{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})"
                raise ScenarioError(msg, self.path, self.line(key) or None, self.label)

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        """An integer key in lo..hi."""
        value = self.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"expected an integer {lo}..{hi}, got {_type_name(value)}", key)
        if not lo <= value <= hi:
            raise self.fail(f"expected an integer {lo}..{hi}, got {value}", key)
        return value

    def string(self, key: str, default: str, example: str = "") -> str:
        """A string key; `example` (quoted) is shown when the type is wrong."""
        value = self.data.get(key, default)
        if not isinstance(value, str):
            like = f" like {example}" if example else ""
            msg = f"expected a string{like}, got {_type_name(value)}"
            if example and isinstance(value, int | float) and not isinstance(value, bool):
                msg += f" (quote it: {example})"
            raise self.fail(msg, key)
        return value

    def required(self, key: str, what: str) -> None:
        """Fail unless `key` is present; `what` says what it should hold."""
        if key not in self.data:
            raise ScenarioError(
                f"missing key {shorten(key)!r} ({what})", self.path, self.line() or None, self.label
            )


class _Loader:
    """Builds a `Scenario` from parsed TOML, locating errors with a `SourceMap`."""

    def __init__(self, path: str, smap: SourceMap) -> None:
        self.path = path
        self.smap = smap

    def fail(self, message: str, line: int, where: str) -> ScenarioError:
        """A `ScenarioError` at `line` (0: unknown)."""
        return ScenarioError(message, self.path, line or None, where)

    def table(self, data: Mapping[str, object], name: str) -> _Table:
        """The ``[name]`` table (empty if absent)."""
        value = data.get(name, {})
        if not isinstance(value, dict):
            msg = f"expected a table [{name}], got {_type_name(value)}"
            raise self.fail(msg, self.smap.line("", None, name), f"[{name}]")
        return _Table(value, name, None, f"[{name}]", self.path, self.smap)

    def array(self, data: Mapping[str, object], name: str) -> list[_Table]:
        """The ``[[name]]`` tables (none if absent)."""
        value = data.get(name, [])
        line = self.smap.line(name) or self.smap.line("", None, name)
        if isinstance(value, dict):
            msg = f"[{name}] must be an array of tables: write [[{name}]], one per {name}"
            raise self.fail(msg, line, f"[{name}]")
        if not isinstance(value, list):
            raise self.fail(f"expected [[{name}]] tables, got {_type_name(value)}", line, name)
        out: list[_Table] = []
        for i, item in enumerate(value):
            label = f"[[{name}]] #{i + 1}"
            if not isinstance(item, dict):
                raise self.fail(f"expected a table, got {_type_name(item)}", line, label)
            out.append(_Table(item, name, i, label, self.path, self.smap))
        return out

    def machine(self, data: Mapping[str, object]) -> MachineSpec:
        """``[machine]``."""
        tbl = self.table(data, "machine")
        tbl.check_keys(CORE_SECTIONS["machine"])
        cpus = tbl.integer("cpus", DEFAULT_CPUS, 1, MAX_CPUS)
        hz = tbl.integer("hz", DEFAULT_HZ, 1, 1_000_000)
        if hz not in HZ_CHOICES:
            choices = ", ".join(map(str, HZ_CHOICES))
            raise tbl.fail(f"hz {hz} is not a CONFIG_HZ choice; expected one of {choices}", "hz")
        kernel = tbl.string("kernel", DEFAULT_KERNEL, '"6.6"')
        supported = (
            f"supported versions are 2.6.0 .. 2.6.{KERNEL_2_6_SUBLEVELS} (the O(1) scheduler), "
            "5.0 .. 5.19 and 6.0 .. 6.18"
        )
        m = _KVER_RE.match(kernel.strip())
        if m is None:
            msg = f'kernel {shorten(kernel)!r} is not "X.Y" (e.g. "6.6") or "2.6.N"; {supported}'
            raise tbl.fail(msg, "kernel")
        kver: tuple[int, ...]
        if m.group(3) is not None:
            kver = int(m.group(1)), int(m.group(2)), int(m.group(3))
            ok = kver[:2] == (2, 6) and kver[2] <= KERNEL_2_6_SUBLEVELS
        else:
            kver = int(m.group(1)), int(m.group(2))
            ok = kver[0] in KERNEL_MINORS and kver[1] <= KERNEL_MINORS[kver[0]]
        if not ok:
            raise tbl.fail(f"kernel {shorten(kernel)!r} is not modelled; {supported}", "kernel")
        smt, sockets = _topology(tbl, cpus)
        return MachineSpec(cpus, hz, kernel.strip(), kver, smt, sockets)

    def locks(self, data: Mapping[str, object]) -> tuple[LockSpec, ...]:
        """``[locks]``: ``name = "kind"`` or ``name = { kind = "...", class = "X",
        count = N }``, ids in file order."""
        tbl = self.table(data, "locks")
        out: list[LockSpec] = []
        if len(tbl.data) > MAX_LOCKS:
            raise tbl.fail(f"{len(tbl.data)} locks; at most {MAX_LOCKS}")
        class_kinds: dict[str, tuple[str, str]] = {}
        for i, (name, value) in enumerate(tbl.data.items()):
            if len(name) > MAX_NAME_LEN:
                raise ScenarioError(
                    f"lock name of {len(name)} characters is too long; at most {MAX_NAME_LEN}",
                    self.path,
                    tbl.line(name) or None,
                    f"[locks] {_key_label(name)}",
                )
            if not _IDENT_RE.match(name):
                msg = f"lock name {shorten(name)!r} is not an identifier (letters, digits, _; no leading digit)"
                raise tbl.fail(msg, name)
            spec = self.lock(tbl, name, value, i)
            cls = spec.class_name
            if cls in class_kinds and class_kinds[cls][1] != spec.kind:
                other, other_kind = class_kinds[cls]
                msg = (
                    f"lock class {shorten(cls)!r} is a {other_kind} ({other}) and cannot also hold "
                    f"{spec.kind} {name}; one lockdep class is one kind of lock"
                )
                raise tbl.fail(msg, name)
            class_kinds.setdefault(cls, (name, spec.kind))
            out.append(spec)
        return tuple(out)

    def lock(self, tbl: _Table, name: str, value: object, index: int) -> LockSpec:
        """One ``[locks]`` entry: a kind string or a ``{ kind, class, count }`` table."""
        kinds = " | ".join(sorted(LOCK_KINDS))
        line = tbl.line(name)
        if isinstance(value, str):
            return LockSpec(name, self.lock_kind(tbl, name, value, kinds), index, line)
        if not isinstance(value, Mapping):
            msg = f'expected a lock kind ({kinds}) or a table {{ kind = "...", class = "X" }}, got {_type_name(value)}'
            raise tbl.fail(msg, name)
        sub = _Table(value, "locks", None, f"[locks] {_key_label(name)}", self.path, self.smap)

        def fail(message: str, key: str) -> ScenarioError:
            return ScenarioError(message, self.path, line or None, f"{sub.label} key {shorten(key)!r}")

        for key in value:
            if key not in LOCK_TABLE_KEYS:
                allowed = ", ".join(LOCK_TABLE_KEYS)
                msg = f"unknown key {shorten(key)!r}{did_you_mean(key, LOCK_TABLE_KEYS)} (allowed: {allowed})"
                raise fail(msg, key)
        if "kind" not in value:
            raise ScenarioError(f"missing key 'kind' (one of {kinds})", self.path, line or None, sub.label)
        kind_value = value["kind"]
        if not isinstance(kind_value, str):
            raise fail(f"expected a lock kind ({kinds}), got {_type_name(kind_value)}", "kind")
        kind = self.lock_kind(tbl, name, kind_value, kinds)
        cls = value.get("class", "")
        if not isinstance(cls, str):
            raise fail(f'expected a lockdep class name like "X", got {_type_name(cls)}', "class")
        if "class" in value and not _IDENT_RE.match(cls):
            msg = f"lock class {shorten(cls)!r} is not an identifier (letters, digits, _; no leading digit)"
            raise fail(msg, "class")
        if len(cls) > MAX_NAME_LEN:
            raise fail(f"lock class of {len(cls)} characters is too long; at most {MAX_NAME_LEN}", "class")
        count = 1
        if "count" in value:
            if kind != "semaphore":
                raise fail(f"count is a semaphore's initial count; {name} is a {kind}", "count")
            raw = value["count"]
            if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= INT_MAX:
                shown = raw if isinstance(raw, int) and not isinstance(raw, bool) else _type_name(raw)
                raise fail(f"expected an integer 0..{INT_MAX} (sema_init()'s count), got {shown}", "count")
            count = raw
        return LockSpec(name, kind, index, line, cls, count)

    @staticmethod
    def lock_kind(tbl: _Table, name: str, kind: str, kinds: str) -> str:
        """A registered lock kind, or an error with the closest one."""
        if kind not in LOCK_KINDS:
            hint = did_you_mean(kind, sorted(LOCK_KINDS))
            raise tbl.fail(f"unknown lock kind {shorten(kind)!r}{hint} (kinds: {kinds})", name)
        return kind

    def tasks(
        self, data: Mapping[str, object], machine: MachineSpec, locks: tuple[LockSpec, ...]
    ) -> tuple[TaskSpec, ...]:
        """Every ``[[task]]``; pids from 1 in file order."""
        items = self.array(data, "task")
        if not items:
            raise self.fail("no tasks; add at least one [[task]] table with a program", 0, "")
        if len(items) >= MAX_TASKS:
            raise self.fail(f"{len(items)} tasks; at most {MAX_TASKS - 1}", 0, "[[task]]")
        lock_map = {lk.name: (lk.id, lk.kind) for lk in locks}
        seen: dict[str, int] = {}
        objects = _declared_objects(data)
        return tuple(self.task(tbl, machine, lock_map, objects, seen) for tbl in items)

    def task(
        self,
        tbl: _Table,
        machine: MachineSpec,
        lock_map: Mapping[str, tuple[int, str]],
        objects: Mapping[str, Mapping[str, int]],
        seen: dict[str, int],
    ) -> TaskSpec:
        """One ``[[task]]``."""
        assert tbl.index is not None
        i = tbl.index
        tbl.required("name", 'the task\'s comm, e.g. name = "t1"')
        name = tbl.string("name", "")
        limit = TASK_COMM_LEN - 1
        # comm is a char[TASK_COMM_LEN]: 15 bytes of UTF-8 and the NUL.
        if not name or len(name.encode()) > limit or not name.isprintable():
            msg = f"task name {shorten(name)!r} must be 1..{limit} bytes of printable UTF-8 "
            raise tbl.fail(msg + f"(comm is char[TASK_COMM_LEN], {TASK_COMM_LEN} with the NUL)", "name")
        if name in seen:
            msg = (
                f"duplicate task name {name!r} (also task #{seen[name] + 1}); names must be unique"
            )
            raise tbl.fail(msg, "name")
        seen[name] = i
        tbl = _Table(tbl.data, "task", i, f"task {name!r}", self.path, self.smap)
        tbl.check_keys(CORE_SECTIONS["task"])
        nice = tbl.integer("nice", 0, MIN_NICE, MAX_NICE)
        affinity = _affinity(tbl, machine.cpus)
        cpu: int | None = None
        if "cpu" in tbl.data:
            cpu = tbl.integer("cpu", 0, 0, machine.cpus - 1)
            if cpu not in affinity:
                raise tbl.fail(f"cpu {cpu} is not in affinity {list(affinity)}", "cpu")
        policy = _policy(tbl)
        _policy_in_kernel(tbl, policy, machine)
        rt_priority, dl = _policy_params(tbl, policy, len(affinity) == machine.cpus)
        start_ns = _duration(tbl, "start", "0ms")
        program = self.program(tbl, name, lock_map, objects)
        pid = i + 1
        return TaskSpec(
            name, pid, cpu, affinity, nice, policy, start_ns, program, tbl.line(), rt_priority, *dl
        )

    def program(
        self,
        tbl: _Table,
        name: str,
        lock_map: Mapping[str, tuple[int, str]],
        objects: Mapping[str, Mapping[str, int]],
    ) -> tuple[Op, ...]:
        """A task's ``program``: a multi-line string or an array of op strings."""
        tbl.required("program", "a multi-line string or an array of op strings")
        value = tbl.data["program"]
        loc = self.smap.key("task", tbl.index, "program")
        if isinstance(value, str):
            first = loc.value_first_line if loc else 0
            return parse_program(
                value, locks=lock_map, objects=objects, path=self.path, task=name, first_line=first
            )
        if not isinstance(value, list):
            expect = "expected a multi-line string or an array of strings"
            raise tbl.fail(f"{expect}, got {_type_name(value)}", "program")
        src: list[str] = []
        for j, item in enumerate(value):
            if not isinstance(item, str):
                msg = f"element {j + 1}: expected a string (one op), got {_type_name(item)}"
                raise tbl.fail(msg, "program")
            src.append(item)
        elems = loc.elem_lines if loc and len(loc.elem_lines) == len(src) else None
        first = 0 if elems is not None else tbl.line("program")
        return parse_program(
            src,
            locks=lock_map,
            objects=objects,
            path=self.path,
            task=name,
            first_line=first,
            line_numbers=elems,
        )

    def breakpoints(self, data: Mapping[str, object]) -> tuple[tuple[str, int], ...]:
        """Every ``[[breakpoint]] when``, syntax-checked, with its line."""
        from ktui.sim.breakpoints.parser import parse as parse_breakpoint

        out: list[tuple[str, int]] = []
        for tbl in self.array(data, "breakpoint"):
            tbl.check_keys(CORE_SECTIONS["breakpoint"])
            tbl.required("when", 'an expression, e.g. when = "deadlock"')
            when = tbl.string("when", "", '"deadlock"').strip()
            if not when:
                raise tbl.fail('empty; expected an expression, e.g. "deadlock"', "when")
            # Parsed here for its syntax (names are checked against the machine
            # when the Simulator sets it), so a hostile expression is echoed cut.
            try:
                parse_breakpoint(when)
            except BreakpointError as e:
                where = f"[[breakpoint]] when = {shorten(when, 80)!r}"
                raise ScenarioError(e.detail, self.path, tbl.line("when") or None, where) from None
            out.append((when, tbl.line("when")))
        return tuple(out)


def _topology(tbl: _Table, cpus: int) -> tuple[int, int]:
    """``smt`` and ``sockets`` of ``[machine]``: they must tile the CPUs.

    CPU numbering is core-major, as sched domains see it: CPUs ``c*smt ..
    c*smt + smt - 1`` are the threads of core c, and socket s holds the
    ``cpus // sockets`` CPUs from ``s * cpus // sockets``.
    """
    smt = tbl.integer("smt", 1, 1, MAX_SMT)
    if cpus % smt:
        raise tbl.fail(f"smt {smt} does not divide cpus {cpus} (threads per core)", "smt")
    cores = cpus // smt
    sockets = tbl.integer("sockets", 1, 1, MAX_CPUS)
    if cores % sockets:
        msg = f"sockets {sockets} does not divide the {cores} cores (cpus {cpus} / smt {smt})"
        raise tbl.fail(msg, "sockets")
    return smt, sockets


def _declared_objects(data: Mapping[str, object]) -> dict[str, dict[str, int]]:
    """Per object kind, the names its table declares -> their index.

    Read from the raw tables, before the tasks: programs name these objects,
    and the tables themselves are validated by their own parsers afterwards.
    """
    out: dict[str, dict[str, int]] = {}
    for kind in OBJECT_KINDS.values():
        if kind.table in data:
            out[kind.name] = {n: i for i, n in enumerate(kind.names(data[kind.table]))}
    return out


def _affinity(tbl: _Table, nr_cpus: int) -> tuple[int, ...]:
    """A task's ``affinity``: sorted valid CPUs; all CPUs by default."""
    if "affinity" not in tbl.data:
        return tuple(range(nr_cpus))
    value = tbl.data["affinity"]
    expect = f"expected a non-empty array of CPU numbers 0..{nr_cpus - 1}, e.g. [0, 1]"
    if not isinstance(value, list) or not value:
        raise tbl.fail(f"{expect}, got {'[]' if value == [] else _type_name(value)}", "affinity")
    cpus: list[int] = []
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v < nr_cpus:
            shown = v if isinstance(v, int) and not isinstance(v, bool) else _type_name(v)
            plural = "s" if nr_cpus != 1 else ""
            msg = f"{expect}; got {shown} (the machine has {nr_cpus} CPU{plural})"
            raise tbl.fail(msg, "affinity")
        if v in cpus:
            raise tbl.fail(f"CPU {v} is listed twice", "affinity")
        cpus.append(v)
    return tuple(sorted(cpus))


def _duration(tbl: _Table, key: str, default: str) -> int:
    """A duration key (``"5ms"``), in ns."""
    try:
        return parse_duration(tbl.string(key, default, '"5ms"').strip())
    except ValueError as e:
        raise tbl.fail(str(e), key) from None


_DL_KEYS = ("runtime", "deadline", "period")


def _policy_params(tbl: _Table, policy: str, every_cpu: bool) -> tuple[int, tuple[int, int, int]]:
    """A task's ``rt_priority`` and deadline ``runtime``/``deadline``/``period``,
    checked as __sched_setscheduler() would (it returns -EINVAL/-EPERM for
    the same mistakes; a scenario says so at once instead)."""
    from ktui.sim.include.uapi.linux.sched.types import SchedAttr
    from ktui.sim.kernel.sched.deadline import DL_PERIOD_LIMITS_US, __checkparam_dl

    rt = policy in ("fifo", "rr")
    if rt:
        tbl.required("rt_priority", f"policy {policy!r} needs rt_priority = 1..99")
        rt_priority = tbl.integer("rt_priority", 0, 1, 99)
        if "nice" in tbl.data:
            msg = f"nice does not apply to a {policy} task (its rt_priority orders it); remove nice"
            raise tbl.fail(msg, "nice")
    else:
        if "rt_priority" in tbl.data:
            msg = f"rt_priority applies to policy fifo or rr only, not {policy!r}"
            raise tbl.fail(msg, "rt_priority")
        rt_priority = 0
    if policy != "deadline":
        for key in _DL_KEYS:
            if key in tbl.data:
                raise tbl.fail(f"{key} applies to policy deadline only, not {policy!r}", key)
        return rt_priority, (0, 0, 0)
    if "nice" in tbl.data:
        raise tbl.fail("nice does not apply to a deadline task; remove nice", "nice")
    tbl.required("runtime", 'policy "deadline" needs runtime and deadline, e.g. runtime = "10ms"')
    tbl.required("deadline", 'policy "deadline" needs runtime and deadline, e.g. deadline = "30ms"')
    runtime = _duration(tbl, "runtime", "0ns")
    deadline = _duration(tbl, "deadline", "0ns")
    period = _duration(tbl, "period", "0ns") if "period" in tbl.data else 0
    attr = SchedAttr(6, 0, 0, 0, runtime, deadline, period)
    if not __checkparam_dl(attr):
        lo, hi = DL_PERIOD_LIMITS_US
        shown = period or deadline
        msg = (
            f"runtime {runtime}ns, deadline {deadline}ns, period {shown}ns: SCHED_DEADLINE needs "
            f"1024ns <= runtime <= deadline <= period, period {lo}us..{hi}us "
            "(sched_setattr() would return -EINVAL)"
        )
        raise tbl.fail(msg, "runtime")
    if not every_cpu:
        msg = "a deadline task must be allowed on every CPU (sched_setattr() would return -EPERM)"
        raise tbl.fail(msg, "affinity")
    return 0, (runtime, deadline, period)


def _modelled_policies() -> list[str]:
    """Policy names some scheduling class handles (`for_each_class()`), in
    the kernel's numbering order: a new class makes its policies valid."""
    from ktui.sim.kernel.sched.classes import for_each_class

    handled = {p for cls in for_each_class() for p in cls.policies}
    return [name for name, p in POLICY_BY_NAME.items() if int(p) in handled]


# When each policy came (include/linux/sched.h history); the modelled
# releases before 3.0 are 2.6.x, so a sublevel says it all.
_POLICY_SINCE: Final[dict[str, tuple[tuple[int, ...], str]]] = {
    "batch": ((2, 6, 16), "SCHED_BATCH came in 2.6.16"),
    "idle": ((2, 6, 23), "SCHED_IDLE came with CFS in 2.6.23"),
    "deadline": ((3, 14), "SCHED_DEADLINE came in 3.14"),
}


def _policy_in_kernel(tbl: _Table, policy: str, machine: MachineSpec) -> None:
    """Refuse a policy the scenario's kernel did not have yet."""
    since = _POLICY_SINCE.get(policy)
    if since is not None and machine.kver < since[0]:
        msg = (
            f"policy {policy!r} does not exist in kernel {machine.kernel} ({since[1]}); "
            "sched_setscheduler() would return -EINVAL"
        )
        raise tbl.fail(msg, "policy")


def _policy(tbl: _Table) -> str:
    """A task's ``policy``: normal | batch | idle ... (``SCHED_`` prefix and case ignored)."""
    raw = tbl.string("policy", "normal", '"normal"')
    policy = raw.lower().removeprefix("sched_")
    modelled = _modelled_policies()
    allowed = ", ".join(modelled)
    if policy in POLICY_BY_NAME and policy not in modelled:
        msg = f"policy {shorten(raw)!r} (SCHED_{policy.upper()}) is not modelled yet; use one of {allowed}"
        raise tbl.fail(msg, "policy")
    if policy not in modelled:
        hint = did_you_mean(policy, modelled)
        raise tbl.fail(f"unknown policy {shorten(raw)!r}{hint} (expected one of {allowed})", "policy")
    return policy


def parse_scenario_data(
    data: Mapping[str, object], path: str = "<dict>", source: str = ""
) -> Scenario:
    """Validate parsed TOML (or a hand-built dict) into a `Scenario`.

    Args:
        data: The top-level table.
        path: File name for errors and `Scenario.path`.
        source: The TOML text, used to find line numbers (lines are 0 without it).

    Returns:
        The scenario.

    Raises:
        ScenarioError: Any invalid content.
    """
    _ensure_registry()
    smap = SourceMap(source)
    ld = _Loader(path, smap)
    known = [*CORE_SECTIONS, *_SECTIONS]
    for key, value in data.items():
        if key in known:
            continue
        home = [s for s, keys in CORE_SECTIONS.items() if key in keys]
        if home and not isinstance(value, dict | list):
            msg = f"key {shorten(key)!r} belongs in a table: put it under [{home[0]}]"
        else:
            msg = f"unknown table {shorten(key)!r}{did_you_mean(key, known)} (tables: {', '.join(known)})"
        raise ld.fail(msg, smap.line(key) or smap.line("", None, key), f"[{key}]")

    meta = ld.table(data, "scenario")
    meta.check_keys(CORE_SECTIONS["scenario"])
    default_name = Path(path).stem if path and not path.startswith("<") else "scenario"
    name = meta.string("name", default_name, '"abba"')
    if len(name) > MAX_NAME_LEN:
        raise meta.fail(f"name of {len(name)} characters is too long; at most {MAX_NAME_LEN}", "name")
    description = meta.string("description", "")
    if len(description) > MAX_DESCRIPTION_LEN:
        raise meta.fail(
            f"description of {len(description)} characters is too long; at most {MAX_DESCRIPTION_LEN}",
            "description",
        )
    seed = meta.integer("seed", DEFAULT_SEED, 0, 2**63 - 1)
    machine = ld.machine(data)
    locks = ld.locks(data)
    tasks = ld.tasks(data, machine, locks)
    breakpoints = ld.breakpoints(data)
    sections: dict[str, object] = {}
    for sect, parser in _SECTIONS.items():
        if sect in data:
            ctx = SectionContext(sect, path, machine, locks, tasks, smap)
            sections[sect] = parser(data[sect], ctx)
    return Scenario(
        name, description, seed, path, machine, locks, tasks, breakpoints, sections, source
    )


def parse_scenario_text(text: str, path: str) -> Scenario:
    """Parse TOML text into a `Scenario`.

    Args:
        text: The file's contents.
        path: File name for errors and `Scenario.path`.

    Returns:
        The scenario.

    Raises:
        ScenarioError: TOML syntax error or invalid content.
    """
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_SCENARIO_BYTES:
        raise ScenarioError(
            f"scenario file of {size} bytes is too large; the limit is {MAX_SCENARIO_BYTES} bytes (1 MiB)",
            path,
        )
    try:
        data: dict[str, object] = tomllib.loads(text)
    except RecursionError:
        # tomllib parses nested tables and arrays recursively: ~1000 levels
        # exhaust Python's stack (sys.getrecursionlimit()).
        raise ScenarioError(
            "TOML values nested too deeply (tables or arrays inside each other past "
            "Python's recursion limit); scenarios need a few levels at most",
            path,
        ) from None
    except ValueError as e:
        if isinstance(e, tomllib.TOMLDecodeError):
            raise _toml_syntax_error(e, text, path) from None
        # tomllib's int() of a TOML integer past Python's 4300-digit limit
        limit = sys.get_int_max_str_digits()
        m = re.search(rf"\d{{{limit + 1},}}", text)
        line = text.count("\n", 0, m.start()) + 1 if m else None
        raise ScenarioError(
            f"integer of more than {limit} digits out of range; TOML integers are "
            f"{-(2**63)}..{2**63 - 1} (s64)",
            path,
            line,
        ) from None
    return parse_scenario_data(data, path, text)


def _toml_syntax_error(e: tomllib.TOMLDecodeError, text: str, path: str) -> ScenarioError:
    """A tomllib error as a `ScenarioError` at its line."""
    msg = str(e)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", msg)
    line: int | None = None
    if m:
        line = int(m.group(1))
        msg = f"{msg[: m.start()]} (column {m.group(2)})"
    elif "end of document" in msg:
        line = text.count("\n") + 1
    return ScenarioError(f"TOML syntax error: {msg}", path, line)
