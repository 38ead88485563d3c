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

import importlib
import importlib.resources
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Final

from ktui.sim.errors import ScenarioError
from ktui.sim.ops import LOCK_KINDS, OBJECT_KINDS, Op
from ktui.sim.program import parse_program
from ktui.sim.toml_lines import SourceMap
from ktui.sim.units import did_you_mean, parse_duration

DEFAULT_SEED: Final = 1
"""``[scenario] seed`` when omitted."""
DEFAULT_CPUS: Final = 1
MAX_CPUS: Final = 64
"""Most CPUs a machine may have (the model's limit, not the kernel's NR_CPUS)."""
HZ_CHOICES: Final = (100, 250, 300, 1000)
"""CONFIG_HZ choices in kernel/Kconfig.hz."""
DEFAULT_HZ: Final = 250
DEFAULT_KERNEL: Final = "6.18"
KERNEL_MINORS: Final[dict[int, int]] = {5: 19, 6: 18}
"""Supported kernel major -> last minor (5.0 .. 5.19, 6.0 .. 6.18)."""
TASK_COMM_LEN: Final = 16
"""include/linux/sched.h: comm is 16 bytes with the NUL, so 15 characters."""
MIN_NICE: Final = -20
MAX_NICE: Final = 19
POLICIES: Final = ("normal", "batch", "idle")
"""Policies modelled so far (SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE)."""
LATER_POLICIES: Final = ("fifo", "rr", "deadline")
"""Policies the scheduler issue will add; rejected as "not modelled yet"."""
MAX_TASKS: Final = 32768
"""PID_MAX_DEFAULT (include/linux/threads.h): pids are 1..32767 here."""

CORE_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "scenario": ("name", "description", "seed"),
    "machine": ("cpus", "hz", "kernel"),
    "locks": (),
    "task": ("name", "cpu", "affinity", "nice", "policy", "start", "program"),
    "breakpoint": ("when",),
}
"""Top-level tables this module parses, and their keys (``locks``: any name)."""

_IDENT_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_KVER_RE: Final = re.compile(r"^(\d+)\.(\d+)$")


@dataclass(frozen=True, slots=True)
class MachineSpec:
    """``[machine]``: the simulated hardware and the modelled kernel."""

    cpus: int
    """Number of CPUs, 1..MAX_CPUS."""
    hz: int
    """Tick rate (CONFIG_HZ)."""
    kernel: str
    """Kernel version as written, ``"X.Y"``."""
    kver: tuple[int, int]
    """`kernel` as (major, minor), for comparisons."""


@dataclass(frozen=True, slots=True)
class LockSpec:
    """One ``[locks]`` entry."""

    name: str
    """Identifier used in programs."""
    kind: str
    """A registered lock kind (``mutex``, ``spinlock``)."""
    id: int
    """Index in ``[locks]`` order; what ``lock`` op args hold."""
    line: int
    """1-based line in the file, 0 if unknown."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One ``[[task]]``."""

    name: str
    """comm, at most TASK_COMM_LEN - 1 characters, unique."""
    pid: int
    """Assigned in file order from 1."""
    cpu: int | None
    """Starting CPU, None to let the scheduler choose."""
    affinity: tuple[int, ...]
    """Allowed CPUs, sorted; all CPUs by default."""
    nice: int
    """-20..19."""
    policy: str
    """``normal``, ``batch`` or ``idle``."""
    start_ns: int
    """Fork time in ns."""
    program: tuple[Op, ...]
    """The compiled program (see `ktui.sim.program`)."""
    line: int
    """Line of the ``[[task]]`` header, 0 if unknown."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A loaded, validated scenario."""

    name: str
    """``[scenario] name``; the file's stem by default."""
    description: str
    """``[scenario] description``."""
    seed: int
    """Seed of the machine's one `random.Random`."""
    path: str
    """The file as given, or the built-in name."""
    machine: MachineSpec
    locks: tuple[LockSpec, ...]
    tasks: tuple[TaskSpec, ...]
    breakpoints: tuple[tuple[str, int], ...]
    """``(expression, line)`` of each ``[[breakpoint]] when``; parsed later."""
    sections: Mapping[str, object] = field(default_factory=dict)
    """Extra top-level tables, as returned by their registered parsers."""
    source: str = ""
    """The TOML text (empty when built from a dict)."""


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


def unregister_section(name: str) -> None:
    """Forget table `name` (a subsystem unloaded by `ktui.sim.subsystems.unregister`)."""
    _SECTIONS.pop(name, None)


def _ensure_registry() -> None:
    """Import the subsystems so ops, lock kinds and sections are registered."""
    try:
        importlib.import_module("ktui.sim.subsystems")
    except ModuleNotFoundError as e:
        if e.name != "ktui.sim.subsystems":
            raise


# --- the loader ------------------------------------------------------------------


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
            where += f" {key}" if self.label.startswith("[") else f" key {key!r}"
        return ScenarioError(message, self.path, self.line(key) or None, where)

    def check_keys(self, allowed: Sequence[str]) -> None:
        """Reject keys not in `allowed`, suggesting the closest."""
        for key in self.data:
            if key not in allowed:
                msg = f"unknown key {key!r}{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})"
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
                f"missing key {key!r} ({what})", self.path, self.line() or None, self.label
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
        supported = "supported versions are 5.0 .. 5.19 and 6.0 .. 6.18"
        m = _KVER_RE.match(kernel.strip())
        if m is None:
            raise tbl.fail(f'kernel {kernel!r} is not "X.Y" (e.g. "6.6"); {supported}', "kernel")
        kver = int(m.group(1)), int(m.group(2))
        if kver[0] not in KERNEL_MINORS or kver[1] > KERNEL_MINORS[kver[0]]:
            raise tbl.fail(f"kernel {kernel!r} is not modelled; {supported}", "kernel")
        return MachineSpec(cpus, hz, kernel.strip(), kver)

    def locks(self, data: Mapping[str, object]) -> tuple[LockSpec, ...]:
        """``[locks]``: name = kind, ids in file order."""
        tbl = self.table(data, "locks")
        kinds = " | ".join(sorted(LOCK_KINDS))
        out: list[LockSpec] = []
        for i, (name, kind) in enumerate(tbl.data.items()):
            if not _IDENT_RE.match(name):
                msg = f"lock name {name!r} is not an identifier (letters, digits, _; no leading digit)"
                raise tbl.fail(msg, name)
            if not isinstance(kind, str):
                raise tbl.fail(f"expected a lock kind ({kinds}), got {_type_name(kind)}", name)
            if kind not in LOCK_KINDS:
                hint = did_you_mean(kind, sorted(LOCK_KINDS))
                raise tbl.fail(f"unknown lock kind {kind!r}{hint} (kinds: {kinds})", name)
            out.append(LockSpec(name, kind, i, tbl.line(name)))
        return tuple(out)

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
        if not name or len(name) > limit or not name.isprintable():
            msg = f"task name {name!r} must be 1..{limit} printable characters "
            raise tbl.fail(msg + f"(TASK_COMM_LEN {TASK_COMM_LEN})", "name")
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
        try:
            start_ns = parse_duration(tbl.string("start", "0ms", '"5ms"').strip())
        except ValueError as e:
            raise tbl.fail(str(e), "start") from None
        program = self.program(tbl, name, lock_map, objects)
        pid = i + 1
        return TaskSpec(name, pid, cpu, affinity, nice, policy, start_ns, program, tbl.line())

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
        """Every ``[[breakpoint]] when``, unparsed, with its line."""
        out: list[tuple[str, int]] = []
        for tbl in self.array(data, "breakpoint"):
            tbl.check_keys(CORE_SECTIONS["breakpoint"])
            tbl.required("when", 'an expression, e.g. when = "deadlock"')
            when = tbl.string("when", "", '"deadlock"').strip()
            if not when:
                raise tbl.fail('empty; expected an expression, e.g. "deadlock"', "when")
            out.append((when, tbl.line("when")))
        return tuple(out)


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


def _policy(tbl: _Table) -> str:
    """A task's ``policy``: normal | batch | idle (``SCHED_`` prefix and case ignored)."""
    raw = tbl.string("policy", "normal", '"normal"')
    policy = raw.lower().removeprefix("sched_")
    allowed = ", ".join(POLICIES)
    if policy in LATER_POLICIES:
        msg = f"policy {raw!r} (SCHED_{policy.upper()}) is not modelled yet; use one of {allowed}"
        raise tbl.fail(msg, "policy")
    if policy not in POLICIES:
        hint = did_you_mean(policy, POLICIES)
        raise tbl.fail(f"unknown policy {raw!r}{hint} (expected one of {allowed})", "policy")
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
            msg = f"key {key!r} belongs in a table: put it under [{home[0]}]"
        else:
            msg = f"unknown table {key!r}{did_you_mean(key, known)} (tables: {', '.join(known)})"
        raise ld.fail(msg, smap.line(key) or smap.line("", None, key), f"[{key}]")

    meta = ld.table(data, "scenario")
    meta.check_keys(CORE_SECTIONS["scenario"])
    default_name = Path(path).stem if path and not path.startswith("<") else "scenario"
    name = meta.string("name", default_name, '"abba"')
    description = meta.string("description", "")
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
    try:
        data: dict[str, object] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        msg = str(e)
        m = re.search(r"\s*\(at line (\d+), column (\d+)\)$", msg)
        line: int | None = None
        if m:
            line = int(m.group(1))
            msg = f"{msg[: m.start()]} (column {m.group(2)})"
        elif "end of document" in msg:
            line = text.count("\n") + 1
        raise ScenarioError(f"TOML syntax error: {msg}", path, line) from None
    return parse_scenario_data(data, path, text)


def _scenarios_dir() -> Traversable:
    return importlib.resources.files("ktui") / "scenarios"


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (``ktui/scenarios/*.toml``), sorted."""
    return sorted(
        p.name[: -len(".toml")] for p in _scenarios_dir().iterdir() if p.name.endswith(".toml")
    )


def _builtin_text(name: str) -> str:
    if name not in builtin_names():
        names = builtin_names()
        raise ScenarioError(
            f"no built-in scenario {name!r}{did_you_mean(name, names)} (built-ins: {', '.join(names)})",
            name,
        )
    return (_scenarios_dir() / f"{name}.toml").read_text(encoding="utf-8")


def builtin_description(name: str) -> str:
    """The ``[scenario] description`` of a built-in, without full validation.

    Raises:
        ScenarioError: No such built-in.
    """
    meta = tomllib.loads(_builtin_text(name)).get("scenario", {})
    desc = meta.get("description", "") if isinstance(meta, dict) else ""
    return desc if isinstance(desc, str) else ""


def _read_file(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"cannot read the scenario file: {e.strerror or e}", shown) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text (byte 0x{raw[e.start]:02x}); scenario files must be UTF-8", shown, line
        ) from None


def load_scenario(path_or_name: str) -> Scenario:
    """Load a scenario from a ``.toml`` path or a built-in name.

    An existing file wins over a built-in of the same name.

    Args:
        path_or_name: ``examples/x.toml``, or ``abba``.

    Returns:
        The scenario.

    Raises:
        ScenarioError: Missing or unreadable file, not UTF-8, TOML syntax
            error, or invalid content.
    """
    shown = path_or_name
    if not path_or_name.strip():
        raise ScenarioError(
            "no scenario given; expected a .toml path or a built-in name "
            f"({', '.join(builtin_names())})"
        )
    path = Path(path_or_name)
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, ValueError):
        is_dir, exists = False, False
    if is_dir:
        raise ScenarioError("is a directory; expected a .toml scenario file", shown)
    if exists:
        return parse_scenario_text(_read_file(path, shown), shown)
    if path_or_name in builtin_names():
        return parse_scenario_text(_builtin_text(path_or_name), path_or_name)
    if path_or_name.endswith(".toml") or "/" in path_or_name or "\\" in path_or_name:
        raise ScenarioError("no such file", shown)
    names = builtin_names()
    raise ScenarioError(
        f"no such file or built-in scenario{did_you_mean(path_or_name, names)} "
        f"(built-ins: {', '.join(names)})",
        shown,
    )
