"""Hypothesis strategies for scenario texts and breakpoint expressions, drawn
from ktui's own registries (issue #13, "Done when").

Programs come from the op registry (`ktui.sim.ops.OPS`, `LOCK_KINDS`), lock
kinds from `LOCK_KINDS`, ``[sysctl]`` keys from the watchdog's table, event
breakpoints from the trace's event registry (`EVENTS_BY_NAME`) and state
conditions from the subsystems' subjects (`ktui.sim.breakpoints.subjects`):
a new op, event or subject is fuzzed without editing this file. What the
strategies draw is valid by construction (so it must load); `mutated_text`
and `mutated_expr` then break it at the byte and the token level.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from hypothesis import strategies as st

from ktui.sim.breakpoints import STATE_LETTERS, Subject, subjects
from ktui.sim.breakpoints.parser import MAX_EXPR_LEN, event_fields
from ktui.sim.breakpoints.values import NUMERIC, fmt_value
from ktui.sim.kernel.sysctl import SYSCTLS
from ktui.sim.ops import BUILTIN_ARG_KINDS, LOCK_KINDS, OPS, OpSpec
from ktui.sim.scenario import _ensure_registry
from ktui.sim.scenario.loader import MAX_NAME_LEN
from ktui.sim.scenario.model import HZ_CHOICES, KERNEL_MINORS, TASK_COMM_LEN
from ktui.sim.scenario.program import MAX_REPEAT, UINT_MAX
from ktui.sim.trace import EVENTS_BY_NAME
from ktui.sim.units import KTIME_MAX, U64_MAX

_ensure_registry()

# -- TOML text ------------------------------------------------------------------


def toml_str(s: str) -> str:
    """`s` as a TOML basic string: quotes, backslashes and every control
    character escaped (TOML forbids them raw, DEL included)."""
    out = ['"']
    for c in s:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


# -- the world a scenario declares ------------------------------------------------


@dataclass(frozen=True, slots=True)
class World:
    """What a generated scenario declares: what programs and breakpoints may name."""

    cpus: int
    locks: tuple[tuple[str, str], ...]
    """(name, kind) in file order."""
    tasks: tuple[str, ...]
    """Comms in file order (pid i + 1)."""

    def locks_of(self, kinds: Sequence[str]) -> list[str]:
        """Lock names of one of `kinds` (any kind when `kinds` is empty)."""
        return [n for n, k in self.locks if not kinds or k in kinds]


_IDENT: Final = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,10}", fullmatch=True)
_LONG_IDENT: Final = st.integers(MAX_NAME_LEN - 2, MAX_NAME_LEN).map(lambda n: "L" * n)
lock_names: Final = st.one_of(st.sampled_from(["A", "B", "S", "lk_1"]), _IDENT, _LONG_IDENT)

_PRINTABLE: Final = st.characters(exclude_categories=("C", "Zl", "Zp", "Zs"))
comm_names: Final = st.one_of(
    st.sampled_from(["t1", "t2", "worker", "[bold]x", "[/x]", "[/]", "日本語", "a b", "t"]),
    st.text(_PRINTABLE, min_size=1, max_size=TASK_COMM_LEN - 1).filter(
        lambda s: len(s.encode()) < TASK_COMM_LEN
    ),
    st.just("c" * (TASK_COMM_LEN - 1)),
)
"""Task comms: 1..15 bytes of printable UTF-8, markup and wide characters included."""

kernels: Final = st.sampled_from(
    [f"{major}.{minor}" for major, top in KERNEL_MINORS.items() for minor in (0, top // 2, top)]
)


@st.composite
def worlds(draw: st.DrawFn) -> World:
    """A machine, its locks and its task names."""
    cpus = draw(st.sampled_from([1, 1, 2, 2, 3, 4, 64]))
    names = draw(st.lists(lock_names, max_size=4, unique=True))
    kinds = sorted(LOCK_KINDS)
    locks = tuple((n, draw(st.sampled_from(kinds))) for n in names)
    tasks = tuple(draw(st.lists(comm_names, min_size=1, max_size=3, unique=True)))
    return World(cpus, locks, tasks)


# -- programs, from the op registry ----------------------------------------------

durations: Final = st.one_of(
    st.sampled_from(["0ns", "1ns", "250ns", "1us", "10us", "1ms", "1.5ms", "5ms", "1s", "0.5s"]),
    st.sampled_from(["2µs", "3μs", "+1ms", f"{KTIME_MAX}ns"]),
    st.integers(0, 10_000).map(lambda n: f"{n}us"),
)
"""Duration words (`ktui.sim.units.parse_duration`); KTIME_MAX is the edge."""


def _arg_word(draw: st.DrawFn, world: World, spec: OpSpec, kind: str) -> str | None:
    """One argument of kind `kind` for `spec`, or None if the world has none."""
    if kind == "duration":
        return draw(durations)
    if kind == "msecs":
        return draw(st.one_of(st.integers(0, 100).map(str), st.just(str(UINT_MAX)), st.just("10ms")))
    if kind == "int":
        return str(draw(st.integers(-(2**63), 2**63 - 1)))
    if kind == "lock":
        names = world.locks_of(spec.lock_kinds)
        return draw(st.sampled_from(names)) if names else None
    return None  # an object kind: its table is the subsystem's; not generated here


def _usable_ops(world: World) -> list[OpSpec]:
    """The registered ops whose arguments this world can supply."""
    out = []
    for spec in OPS.values():
        if spec.parse is not None:  # its own words: its examples
            out.append(spec)
            continue
        kinds = [k for _, k in spec.args]
        if any(k not in BUILTIN_ARG_KINDS for k in kinds):
            continue
        if "lock" in kinds and not world.locks_of(spec.lock_kinds):
            continue
        out.append(spec)
    return out


@st.composite
def op_lines(draw: st.DrawFn, world: World, comment: bool = True) -> str:
    """One op line of a registered op (or ``lock``/``unlock`` sugar)."""
    ops = _usable_ops(world)
    if world.locks and draw(st.integers(0, 9)) == 0:
        return f"{draw(st.sampled_from(['lock', 'unlock']))} {draw(st.sampled_from(world.locks_of(())))}"
    spec = draw(st.sampled_from(ops))
    words = [spec.name]
    if spec.parse is not None:
        words.append(draw(st.sampled_from(spec.examples)))
    for _, kind in () if spec.parse is not None else spec.args:
        word = _arg_word(draw, world, spec, kind)
        assert word is not None  # _usable_ops kept only ops the world can feed
        words.append(word)
    line = " ".join(w for w in words if w)
    if comment and draw(st.integers(0, 7)) == 0:
        line += "   # a comment"
    return line


def _blocks(world: World, depth: int) -> st.SearchStrategy[list[str]]:
    """A list of program lines, with ``repeat N {`` / ``loop {`` blocks nested up to `depth`."""
    leaf = op_lines(world).map(lambda s: [s])
    if depth == 0:
        return leaf
    inner = st.lists(_blocks(world, depth - 1), min_size=1, max_size=3).map(lambda ls: sum(ls, []))
    head = st.one_of(
        st.just("loop {"),
        st.sampled_from([1, 2, 3, 10, MAX_REPEAT]).map(lambda n: f"repeat {n} {{"),
    )
    block = st.tuples(head, inner).map(lambda hb: [hb[0], *hb[1], "}"])
    one_line = op_lines(world, comment=False).map(lambda s: [f"loop {{ {s} }}"])
    return st.one_of(leaf, leaf, block, one_line)


def programs(world: World) -> st.SearchStrategy[list[str]]:
    """A task's program as lines (possibly empty: the task exits at once)."""
    return st.lists(_blocks(world, 2), max_size=4).map(lambda ls: sum(ls, []))


# -- breakpoint expressions, from the event and subject registries ----------------

_CMP_NUM: Final = ("=", "==", "!=", "<", "<=", ">", ">=")
_CMP_STR: Final = ("=", "==", "!=", "~")


def _items(world: World, subj: Subject) -> list[str]:
    """How a condition may name an item of `subj` in `world` (empty: none known)."""
    if subj.keyword == "task":
        pids = [str(i + 1) for i in range(len(world.tasks))]
        comms = [fmt_value(n, "str") for n in world.tasks if not ('"' in n and "'" in n)]
        return comms + pids
    if subj.keyword == "cpu":
        return [str(c) for c in range(world.cpus)]
    if subj.keyword == "lock":
        return [n for n, _ in world.locks]
    return ["0"] if subj.items == "number" else []


def _ref_values(world: World, ref: str) -> list[str]:
    """Values an ``==`` naming an item of subject `ref` may take."""
    if ref == "task":
        return [fmt_value(n, "str") for n in world.tasks if not ('"' in n and "'" in n)] + ['""']
    if ref == "lock":
        return [n for n, _ in world.locks] + ['""']
    return ['""']


@st.composite
def _value(draw: st.DrawFn, world: World, vtype: str, ref: str) -> tuple[str, str]:
    """(operator, value) for a value of type `vtype`."""
    if vtype in NUMERIC:
        op = draw(st.sampled_from(_CMP_NUM))
        if vtype == "bool":
            return op, draw(st.sampled_from(["0", "1"]))
        if vtype == "duration":
            return op, draw(durations)
        if vtype == "vns" and draw(st.booleans()):
            return op, draw(durations)
        number = draw(st.one_of(st.integers(0, 200), st.integers(-(2**63), U64_MAX)))
        return op, hex(number) if number >= 0 and draw(st.integers(0, 5)) == 0 else str(number)
    if vtype == "nums":
        return draw(st.sampled_from(["=", "!="])), str(draw(st.integers(0, 10)))
    if vtype == "state":
        op = draw(st.sampled_from(_CMP_STR))
        return op, (draw(st.sampled_from(["R*", "[DS]", "?"])) if op == "~" else draw(st.sampled_from(STATE_LETTERS)))
    op = draw(st.sampled_from(_CMP_STR))
    if op in ("=", "==") and ref:
        return op, draw(st.sampled_from(_ref_values(world, ref)))
    return op, draw(st.sampled_from(["t*", "x", '"a b"', "''", "tick_nohz_handler", "*"]))


@st.composite
def event_exprs(draw: st.DrawFn, world: World) -> str:
    """``event [field<op>value [and] ...]`` of a registered event."""
    et = draw(st.sampled_from(list(EVENTS_BY_NAME.values())))
    fields = {name: (vt, ref) for name, (vt, ref, _) in event_fields(et).items()}
    common = {"comm": ("str", "task"), "pid": ("num", ""), "common_comm": ("str", "task"),
              "common_pid": ("num", ""), "cpu": ("num", ""), "time": ("duration", "")}
    for name, spec in common.items():
        fields.setdefault(name, spec)
    parts = [et.name]
    for name in draw(st.lists(st.sampled_from(sorted(fields)), max_size=3)):
        vtype, ref = fields[name]
        op, value = draw(_value(world, vtype, ref))
        sep = draw(st.sampled_from([" ", " and "])) if len(parts) > 1 else " "
        parts.append(f"{sep}{name}{op}{value}")
    return "".join(parts)


@st.composite
def condition_exprs(draw: st.DrawFn, world: World) -> str:
    """``cond [and cond ...]``: ``time <op> D`` or ``subject item attr <op> value``."""
    usable = [s for s in subjects().values() if _items(world, s)]
    conds = []
    for _ in range(draw(st.integers(1, 3))):
        if not usable or draw(st.integers(0, 3)) == 0:
            op = draw(st.sampled_from(_CMP_NUM))
            conds.append(f"time {op} {draw(durations)}")
            continue
        subj = draw(st.sampled_from(usable))
        item = draw(st.sampled_from(_items(world, subj)))
        attr = draw(st.sampled_from(sorted(subj.attrs)))
        spec = subj.attrs[attr]
        op, value = draw(_value(world, spec.vtype, spec.ref))
        conds.append(f"{subj.keyword} {item} {attr} {op} {value}")
    return " and ".join(conds)


def breakpoint_exprs(world: World) -> st.SearchStrategy[str]:
    """A valid breakpoint expression for `world`."""
    return st.one_of(st.just("deadlock"), event_exprs(world), condition_exprs(world))


# -- whole scenario texts ------------------------------------------------------------


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[World, str]:
    """A world and a scenario text using every table the format has."""
    world = draw(worlds())
    out: list[str] = []
    if draw(st.booleans()):
        out.append("[scenario]")
        out.append(f"name = {toml_str(draw(st.one_of(comm_names, st.just('n' * MAX_NAME_LEN))))}")
        if draw(st.booleans()):
            out.append(f"description = {toml_str(draw(st.text(max_size=40)))}")
        out.append(f"seed = {draw(st.sampled_from([0, 1, 42, 2**63 - 1]))}")
    out.append("[machine]")
    out.append(f"cpus = {world.cpus}")
    if draw(st.booleans()):
        out.append(f"hz = {draw(st.sampled_from(HZ_CHOICES))}")
    if draw(st.booleans()):
        out.append(f"kernel = {toml_str(draw(kernels))}")
    if world.locks:
        out.append("[locks]")
        out.extend(f"{name} = {toml_str(kind)}" for name, kind in world.locks)
    if draw(st.integers(0, 3)) == 0:
        out.append("[sysctl]")
        # (knobs with a cross-check, e.g. rt runtime <= period, are left to
        # the mutation tests: any value in bounds must load here)
        plain = sorted(n for n, e in SYSCTLS.items() if e.check is None)
        for key in draw(st.lists(st.sampled_from(plain), unique=True, max_size=3)):
            lo, hi = SYSCTLS[key].lo, SYSCTLS[key].hi
            out.append(f"{key} = {draw(st.integers(lo, min(hi, 200)))}")
    for name in world.tasks:
        out.append("[[task]]")
        out.append(f"name = {toml_str(name)}")
        affinity: list[int] = []
        if world.cpus > 1 and draw(st.booleans()):
            affinity = draw(st.lists(st.integers(0, world.cpus - 1), min_size=1, max_size=3, unique=True))
            out.append(f"affinity = {affinity}")
        if draw(st.booleans()):
            out.append(f"cpu = {draw(st.sampled_from(affinity or list(range(world.cpus))))}")
        if draw(st.booleans()):
            out.append(f"nice = {draw(st.integers(-20, 19))}")
        if draw(st.booleans()):
            out.append(f"policy = {toml_str(draw(st.sampled_from(['normal', 'BATCH', 'sched_idle'])))}")
        if draw(st.booleans()):
            out.append(f"start = {toml_str(draw(st.sampled_from(['0ms', '1ms', '250us', '2s'])))}")
        lines = draw(programs(world))
        if draw(st.booleans()):
            out.append('program = """')
            out.extend(lines)
            out.append('"""')
        else:
            out.append(f"program = [{', '.join(toml_str(line) for line in lines)}]")
    for expr in draw(st.lists(breakpoint_exprs(world), max_size=2)):
        out.append("[[breakpoint]]")
        out.append(f"when = {toml_str(expr)}")
    return world, "\n".join(out) + "\n"


# -- mutations ------------------------------------------------------------------------

HOSTILE_TOKENS: Final = (
    "", "0", "-1", "1e400", "nan", "inf", "-0", "+", ".", "9" * 25, "9" * 45, "9" * 5000,
    f"{KTIME_MAX + 1}ns", f"{U64_MAX + 1}", "0x" + "f" * 20, "1.5ns", "1 ms",
    "日本語", "\u202e", "\u0301", "\ufeff", "\U0001f600", "[/x]", "[/]", "[bold]x", "[link=x]y",
    "\x00", "\\u0000", "\x1b[31m", "\t", "\r\n", "\n", '"', "'", '"""', "'''", "\\", "#",
    "=", "==", "~", "{", "}", "[", "]", "[[task]]", "[locks]", "[sysctl]", "and", "loop {",
    "repeat 2 {", "x = " + "[" * 1200 + "]" * 1200, "x = " + "{a=" * 1200 + "1" + "}" * 1200,
    "repeat 2 {\n" * 300 + "run 1ns\n" + "}\n" * 300, "n" * (MAX_NAME_LEN + 1),
    "c" * TASK_COMM_LEN, "L" * MAX_NAME_LEN, "x" * (MAX_EXPR_LEN + 1), "true", "[]", "{}",
    "1979-05-27T07:32:00Z", "kernel.watchdog_thresh", "time", "task", "cpu", "lock",
)
"""Tokens that broke, or could break, a loader: huge and odd numbers, unicode,
rich markup, NUL and escapes, TOML structure, deep nesting, names at and just
past the documented limits (docs/scenarios.md, "Limits")."""

_TOKEN_RE: Final = re.compile(r"\s+|\w+|[^\w\s]")


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    """`text` with a few token-level edits: delete, duplicate, swap, or
    replace a token with a hostile one."""
    toks = _TOKEN_RE.findall(text) or [""]
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(toks) - 1))
        how = draw(st.sampled_from(["delete", "duplicate", "swap", "hostile", "hostile", "insert"]))
        if how == "delete":
            del toks[i]
        elif how == "duplicate":
            toks.insert(i, toks[i])
        elif how == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        elif how == "hostile":
            toks[i] = draw(st.sampled_from(HOSTILE_TOKENS))
        else:
            toks.insert(i, draw(st.sampled_from(HOSTILE_TOKENS)))
        toks = toks or [""]
    return "".join(toks)


@st.composite
def mutated_bytes(draw: st.DrawFn, text: str) -> bytes:
    """`text` as UTF-8 with a few byte-level edits (flip, insert, delete)."""
    data = bytearray(text.encode("utf-8"))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, max(0, len(data) - 1)))
        how = draw(st.sampled_from(["flip", "insert", "delete"]))
        if how == "flip" and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            data[i:i] = bytes([draw(st.integers(0, 255))])
        elif data:
            del data[i]
    return bytes(data)
