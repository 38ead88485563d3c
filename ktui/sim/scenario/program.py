"""The program parser: a task's ``program`` text -> a flat tuple of `Op`.

No kernel counterpart; this is the simulator's tiny language for what a task
does. One op per line, ``#`` comments, ``repeat N { ... }`` and ``loop { ... }``
blocks, ``fork [NAME] { ... }`` (a child's program), ``LABEL = op ...``
(the op's return value is named, for the report's ``returns``), and
``lock X`` / ``unlock X`` sugar for the lock kind's own ops. The
parser is driven by the op registry (`ktui.sim.ops.OPS`, `LOCK_KINDS`), so a
subsystem adds ops by registering them, never by editing this file.

Control flow compiles to flat ops with jump targets::

    repeat 3 {   ->  Op("repeat", (3, index_of_end))
    loop {       ->  Op("loop", (index_of_end,))
    }            ->  Op("end", (index_of_opener,))
    fork c {     ->  Op("fork", (index_of_exit,), strs=("c",))
    }            ->  Op("exit", ())   (the child's end; the parent skips it)

A plain ``fork`` (no block) is fork(2): parent and child both go on with
the next op (``Op("fork", (-1,))``).

Every error is one `ScenarioError` naming the file, line, task and op.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from ktui.sim.errors import ScenarioError
from ktui.sim.ops import CONTROL_OPS, LOCK_KINDS, OBJECT_KINDS, OPS, ArgKind, ObjectKind, Op, OpSpec
from ktui.sim.units import MAX_DIGITS, UNITS_NS, did_you_mean, parse_duration, shorten

SUGAR_OPS: Final = ("lock", "unlock")
"""``lock X`` / ``unlock X``: the lock kind's own lock / unlock op."""

MAX_REPEAT: Final = 1_000_000_000
"""Largest ``repeat`` count accepted (a guard against typos, not a model limit)."""

UINT_MAX: Final = 2**32 - 1
"""``msleep(unsigned int msecs)`` (kernel/time/timer.c): the largest MSECS."""

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""Range of an ``int`` argument (s64)."""

_INT_RE: Final = re.compile(r"^[+-]?\d+$")
_LABEL_RE: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")
"""A result label: an identifier of at most 32 characters."""
FORK_OP: Final = "fork"
"""The op that also opens a block (its child's program)."""
FORK_PLAIN: Final = -1
"""``fork``'s end index when it has no block: the child goes on after it."""
TASK_COMM_MAX: Final = 15
"""TASK_COMM_LEN - 1: the longest comm a forked child may be given."""
_TOKEN_RE: Final = re.compile(r"[{}]|[^\s{}]+")

ARG_KIND_HELP: Final[dict[str, str]] = {
    "duration": "a duration with a unit (ns, us, ms, s), e.g. 1ms",
    "msecs": "a whole number of milliseconds, e.g. 10 (or 10ms)",
    "lock": "a lock name from [locks]",
    "int": "an integer",
}
"""What each `ArgKind` expects, for error messages and docs."""


MAX_LISTED: Final = 10
"""Most declared names an "undefined ..." message lists (a scenario may declare 4096 locks)."""


def listing(names: Sequence[str]) -> str:
    """``A, B, C``; past `MAX_LISTED` names, the first ones and the count."""
    if not names:
        return "none"
    if len(names) <= MAX_LISTED:
        return ", ".join(names)
    return f"{', '.join(names[:MAX_LISTED])}, ... ({len(names)} in all)"


def arg_kind_help(kind: ArgKind) -> str:
    """What an argument of `kind` expects (built-in or a declared object kind)."""
    if kind in ARG_KIND_HELP:
        return ARG_KIND_HELP[kind]
    obj = OBJECT_KINDS.get(kind)
    if obj is not None:
        return obj.help or f"a {kind} name from [{obj.table}]"
    return kind


def op_signature(spec: OpSpec) -> str:
    """Render an op's usage, e.g. ``mutex_lock LOCK``.

    Args:
        spec: The registered op.

    Returns:
        The op name followed by its argument names in upper case (or the
        op's own `OpSpec.usage`).
    """
    if spec.usage:
        return spec.usage
    return " ".join([spec.name, *(name.upper() for name, _ in spec.args)])


def split_label(words: Sequence[str]) -> tuple[str, tuple[str, ...]]:
    """``LABEL = op args...`` -> (LABEL, op words); ("", words) without one.

    Raises:
        ValueError: a malformed label (``r=op``, ``1x = op``, ``r =``).
    """
    if len(words) >= 2 and words[1] == "=":
        label = words[0]
        if not _LABEL_RE.match(label):
            raise ValueError(
                f"bad label {shorten(label)!r}; a label is an identifier (letters, digits, _; "
                "at most 32), e.g. 'r = sched_yield'"
            )
        if len(words) == 2:
            raise ValueError(f"nothing after '{label} ='; expected an op, e.g. '{label} = sched_yield'")
        return label, tuple(words[2:])
    head = words[0] if words else ""
    if "=" in head and head not in OPS:
        name = head.split("=", 1)[0]
        raise ValueError(
            f"{shorten(head)!r}: write a label with spaces around '=', e.g. '{name or 'r'} = sched_yield'"
        )
    return "", tuple(words)


def parse_msecs(word: str) -> int:
    """Parse an ``msecs`` argument: a bare integer, or a duration of whole ms.

    Args:
        word: The argument as written (``10`` or ``10ms`` or ``1s``).

    Returns:
        Milliseconds, >= 0.

    Raises:
        ValueError: With a message saying what was expected.
    """
    if _INT_RE.match(word):
        if len(word) > MAX_DIGITS:
            raise ValueError(f"milliseconds {shorten(word)!r} out of range; expected 0..{UINT_MAX} (unsigned int)")
        value = int(word)
        if value < 0:
            raise ValueError(f"negative milliseconds {shorten(word)!r}; expected >= 0")
    else:
        ns = parse_duration(word)
        if ns % UNITS_NS["ms"]:
            raise ValueError(f"{shorten(word)!r} is not a whole number of milliseconds")
        value = ns // UNITS_NS["ms"]
    if value > UINT_MAX:
        raise ValueError(f"milliseconds {shorten(word)!r} out of range; expected 0..{UINT_MAX} (unsigned int)")
    return value


@dataclass(frozen=True, slots=True)
class _Stmt:
    """One statement before compilation: words plus where it came from."""

    words: tuple[str, ...]
    line: int
    text: str
    opens: bool = False
    """Terminated by ``{`` (a ``repeat``/``loop`` header)."""


def _split_statements(lines: Sequence[tuple[int, str]]) -> list[_Stmt]:
    """Tokenize source lines into statements; ``{`` and ``}`` end statements."""
    stmts: list[_Stmt] = []
    for line_no, raw in lines:
        code = raw.split("#", 1)[0].strip()
        if not code:
            continue
        words: list[str] = []
        before = len(stmts)
        for tok in _TOKEN_RE.findall(code):
            if tok == "{":
                stmts.append(_Stmt(tuple(words), line_no, " ".join([*words, "{"]), opens=True))
                words = []
            elif tok == "}":
                if words:
                    stmts.append(_Stmt(tuple(words), line_no, " ".join(words)))
                    words = []
                stmts.append(_Stmt(("}",), line_no, "}"))
            else:
                words.append(tok)
        if words:
            text = code if len(stmts) == before else " ".join(words)
            stmts.append(_Stmt(tuple(words), line_no, text))
    return stmts


def _source_lines(
    src: str | Sequence[str], first_line: int, line_numbers: Sequence[int] | None
) -> list[tuple[int, str]]:
    """Pair each source line with its 1-based file line (0 when unknown)."""
    if isinstance(src, str):
        base = max(0, first_line)
        return [(base + i if base else 0, text) for i, text in enumerate(src.split("\n"))]
    out: list[tuple[int, str]] = []
    for i, item in enumerate(src):
        if line_numbers is not None and i < len(line_numbers):
            line_no = line_numbers[i]
        else:
            line_no = first_line + i if first_line > 0 else 0
        out.extend((line_no, part) for part in item.split("\n"))
    return out


class _Compiler:
    """Compiles statements into ops; holds what errors need to name."""

    def __init__(
        self,
        locks: Mapping[str, tuple[int, str]],
        objects: Mapping[str, Mapping[str, int]],
        path: str,
        task: str,
    ) -> None:
        self.locks = locks
        self.objects = objects
        self.path = path
        self.task = task
        self.ops: list[Op] = []
        self.open: list[int] = []
        """Indices of the ``repeat``/``loop`` ops whose ``}`` is still to come."""

    def error(self, stmt: _Stmt, message: str) -> ScenarioError:
        """Build the error for `stmt` (numbered as the op it would compile to)."""
        where = f"task {self.task!r} op {len(self.ops) + 1} {shorten(stmt.text, 80)!r}"
        return ScenarioError(message, path=self.path, line=stmt.line or None, where=where)

    def compile(self, stmts: Sequence[_Stmt]) -> tuple[Op, ...]:
        """Compile all statements, checking blocks are balanced and non-empty."""
        for stmt in stmts:
            if stmt.opens:
                self.opener(stmt)
            elif stmt.words == ("}",):
                self.closer(stmt)
            else:
                self.ops.append(self.plain(stmt))
        if self.open:
            op = self.ops[self.open[-1]]
            raise ScenarioError(
                f"{shorten(op.text)!r} is never closed; expected a '}}' line",
                path=self.path,
                line=op.line or None,
                where=f"task {self.task!r} op {self.open[-1] + 1} {shorten(op.text)!r}",
            )
        return tuple(self.ops)

    def opener(self, stmt: _Stmt) -> None:
        """``repeat N {``, ``loop {`` or ``[LABEL =] fork [NAME] {``."""
        try:
            label, words = split_label(stmt.words)
        except ValueError as e:
            raise self.error(stmt, str(e)) from None
        head, args = (words[0], words[1:]) if words else ("", ())
        if label and head != FORK_OP:
            raise self.error(stmt, f"only an op's result can be labelled, not '{head} {{'")
        if head == FORK_OP:
            self.ops.append(self.fork_op(stmt, label, args, opens=True))
        elif head == "loop":
            if args:
                raise self.error(stmt, "'loop' takes no count; write 'loop {' (or 'repeat N {')")
            self.ops.append(Op("loop", (-1,), stmt.line, stmt.text))
        elif head == "repeat":
            if len(args) != 1 or not _INT_RE.match(args[0]):
                raise self.error(stmt, "expected 'repeat N {' with N a whole number >= 1")
            if len(args[0]) > MAX_DIGITS or not 1 <= int(args[0]) <= MAX_REPEAT:
                raise self.error(
                    stmt, f"repeat count {shorten(args[0])} out of range; expected 1..{MAX_REPEAT}"
                )
            count = int(args[0])
            self.ops.append(Op("repeat", (count, -1), stmt.line, stmt.text))
        else:
            what = f"{shorten(head)!r}" if head else "nothing"
            raise self.error(
                stmt,
                f"'{{' after {what}; only 'repeat N {{', 'loop {{' and 'fork [NAME] {{' open a block",
            )
        self.open.append(len(self.ops) - 1)

    def fork_op(self, stmt: _Stmt, label: str, args: Sequence[str], opens: bool) -> Op:
        """``fork [NAME]``: the child's comm is NAME (the parent's without one)."""
        if len(args) > 1:
            raise self.error(stmt, "expected 'fork [NAME] {' (or a plain 'fork [NAME]')")
        strs: tuple[str, ...] = ()
        if args:
            name = args[0]
            if len(name) > TASK_COMM_MAX or not name.isprintable():
                raise self.error(
                    stmt, f"child name {shorten(name)!r} must be 1..{TASK_COMM_MAX} printable characters"
                )
            strs = (name,)
        end = -2 if opens else FORK_PLAIN  # -2: patched when the block closes
        return Op(FORK_OP, (end,), stmt.line, stmt.text, label, strs)

    def closer(self, stmt: _Stmt) -> None:
        """``}``: patch the opener's end index; reject empty bodies."""
        if not self.open:
            raise self.error(stmt, "unmatched '}'; no 'repeat N {' or 'loop {' is open")
        start = self.open.pop()
        opener = self.ops[start]
        if opener.name == FORK_OP:
            # The child's program ends at the '}' (an empty one exits at once).
            end = len(self.ops)
            self.ops[start] = Op(FORK_OP, (end,), opener.line, opener.text, opener.label, opener.strs)
            self.ops.append(Op("exit", (), stmt.line, stmt.text))
            return
        body = self.ops[start + 1 :]
        # Inner blocks were checked when they closed, so a body with only
        # control ops would already have failed; this is the empty case.
        if not any(op.name not in CONTROL_OPS for op in body):
            raise ScenarioError(
                f"empty {opener.name} body; a block needs at least one op, e.g. 'run 1ms'",
                path=self.path,
                line=opener.line or None,
                where=f"task {self.task!r} op {start + 1} {shorten(opener.text)!r}",
            )
        end = len(self.ops)
        args = (opener.args[0], end) if opener.name == "repeat" else (end,)
        self.ops[start] = Op(opener.name, args, opener.line, opener.text)
        self.ops.append(Op("end", (start,), stmt.line, stmt.text))

    def plain(self, stmt: _Stmt) -> Op:
        """A registered op (maybe labelled) or ``lock``/``unlock`` sugar."""
        try:
            label, all_words = split_label(stmt.words)
        except ValueError as e:
            raise self.error(stmt, str(e)) from None
        name, words = all_words[0], all_words[1:]
        if name in ("repeat", "loop"):
            raise self.error(stmt, f"expected '{{' at the end: '{' '.join(stmt.words)} {{'")
        if name in SUGAR_OPS and name not in OPS:
            if label:
                raise self.error(stmt, f"'{name}' has no result to label")
            return self.sugar(stmt, name, words)
        if name == FORK_OP:
            return self.fork_op(stmt, label, words, opens=False)
        spec = OPS.get(name)
        if spec is None:
            hint = did_you_mean(name, [*OPS, *SUGAR_OPS, "repeat", "loop"])
            raise self.error(stmt, f"unknown op {shorten(name)!r}{hint}")
        if label and not spec.returns:
            raise self.error(stmt, f"{name} returns nothing to label; only system calls do")
        if spec.parse is not None:
            return self.parsed(stmt, spec, label, words)
        if len(words) != len(spec.args):
            raise self.error(stmt, self.arity_message(spec, words))
        args = tuple(
            self.arg(stmt, spec, arg_name, kind, word)
            for (arg_name, kind), word in zip(spec.args, words, strict=True)
        )
        return Op(name, args, stmt.line, stmt.text, label)

    def parsed(self, stmt: _Stmt, spec: OpSpec, label: str, words: Sequence[str]) -> Op:
        """An op with its own argument parser (`OpSpec.parse`)."""
        assert spec.parse is not None

        def resolve(arg_name: str, kind: ArgKind, word: str) -> int:
            return self.arg(stmt, spec, arg_name, kind, word)

        try:
            args, strs = spec.parse(words, resolve)
        except ValueError as e:
            raise self.error(stmt, f"{e}; usage: {op_signature(spec)}") from None
        return Op(spec.name, args, stmt.line, stmt.text, label, strs)

    def arity_message(self, spec: OpSpec, words: Sequence[str]) -> str:
        """Explain a wrong argument count, with a hint for ``1 ms``."""
        n = len(spec.args)
        takes = f"{n} argument{'s' if n != 1 else ''}"
        usage = op_signature(spec)
        if spec.args:
            kinds = ", ".join(f"{a.upper()}: {arg_kind_help(k)}" for a, k in spec.args)
            usage = f"{usage} ({kinds})"
        msg = f"{spec.name} takes {takes}, got {len(words)}; usage: {usage}"
        if any(w in UNITS_NS for w in words):
            msg += "; write the unit without a space, e.g. 1ms"
        return msg

    def arg(self, stmt: _Stmt, spec: OpSpec, arg_name: str, kind: ArgKind, word: str) -> int:
        """Convert one argument word according to its kind."""
        try:
            if kind == "duration":
                return parse_duration(word)
            if kind == "msecs":
                return parse_msecs(word)
            if kind == "int":
                if not _INT_RE.match(word):
                    raise ValueError(f"expected an integer for {arg_name.upper()}, got {shorten(word)!r}")
                if len(word) > MAX_DIGITS or not INT_MIN <= int(word) <= INT_MAX:
                    raise ValueError(f"{arg_name.upper()} {shorten(word)!r} out of range; expected {INT_MIN}..{INT_MAX}")
                return int(word)
        except ValueError as e:
            raise self.error(stmt, str(e)) from None
        if kind in OBJECT_KINDS:
            return self.object_arg(stmt, OBJECT_KINDS[kind], word)
        return self.lock_arg(stmt, spec, word)

    def object_arg(self, stmt: _Stmt, kind: ObjectKind, word: str) -> int:
        """The name of an object declared in a subsystem's table -> its index."""
        declared = self.objects.get(kind.name, {})
        found = declared.get(word)
        if found is None:
            names = listing(list(declared))
            hint = did_you_mean(word, declared)
            raise self.error(
                stmt, f"undefined {kind.name} {shorten(word)!r}{hint} (declared in [{kind.table}]: {names})"
            )
        return found

    def lock_arg(self, stmt: _Stmt, spec: OpSpec, word: str) -> int:
        """A lock name: defined in [locks] and of a kind `spec` accepts."""
        lock_id, kind = self.lookup_lock(stmt, word)
        if spec.lock_kinds and kind not in spec.lock_kinds:
            wanted = " or ".join(spec.lock_kinds)
            raise self.error(
                stmt,
                f"lock {shorten(word)!r} is a {kind}, but {spec.name} takes a {wanted}; "
                f"{self.kind_hint(spec.name, kind, word)}",
            )
        return lock_id

    def lookup_lock(self, stmt: _Stmt, word: str) -> tuple[int, str]:
        """Resolve a lock name to (id, kind) or raise 'undefined lock'."""
        found = self.locks.get(word)
        if found is None:
            defined = listing(list(self.locks))
            hint = did_you_mean(word, self.locks)
            raise self.error(
                stmt, f"undefined lock {shorten(word)!r}{hint} (locks defined in [locks]: {defined})"
            )
        return found

    @staticmethod
    def kind_hint(op_name: str, kind: str, lock: str) -> str:
        """Suggest the op that fits a lock of `kind` (``use spin_lock S``)."""
        lk = LOCK_KINDS.get(kind)
        is_unlock = any(k.unlock_op == op_name for k in LOCK_KINDS.values())
        if lk is not None:
            op = lk.unlock_op if is_unlock else lk.lock_op
            return f"use {op} {lock} (or {'unlock' if is_unlock else 'lock'} {lock})"
        fits = [o.name for o in OPS.values() if kind in o.lock_kinds]
        return f"ops taking a {kind}: {', '.join(fits) or 'none'}"

    def sugar(self, stmt: _Stmt, name: str, words: Sequence[str]) -> Op:
        """``lock X`` / ``unlock X`` -> the lock kind's own op."""
        if len(words) != 1:
            raise self.error(stmt, f"{name} takes 1 argument, got {len(words)}; usage: {name} LOCK")
        lock_id, kind = self.lookup_lock(stmt, words[0])
        lk = LOCK_KINDS.get(kind)
        if lk is None:
            raise self.error(stmt, f"lock kind {shorten(kind)!r} has no '{name}' sugar")
        op_name = lk.lock_op if name == "lock" else lk.unlock_op
        spec = OPS.get(op_name)
        if spec is None or len(spec.args) != 1:
            raise self.error(
                stmt, f"'{name}' for a {kind} means {op_name}, which is not registered"
            )
        return Op(op_name, (lock_id,), stmt.line, stmt.text)


def parse_program(
    src: str | Sequence[str],
    *,
    locks: Mapping[str, tuple[int, str]],
    path: str,
    task: str,
    first_line: int,
    objects: Mapping[str, Mapping[str, int]] | None = None,
    line_numbers: Sequence[int] | None = None,
) -> tuple[Op, ...]:
    """Parse and compile a task's program.

    Args:
        src: A multi-line string, or a list of strings (one op each).
        locks: Lock name -> (lock id, kind), from ``[locks]``.
        objects: Per object kind (`ktui.sim.ops.OBJECT_KINDS`), the names
            declared in its table -> index.
        path: File name for error messages.
        task: Task name for error messages.
        first_line: File line of the first program line (0 if unknown). For a
            list, element i is taken to be on ``first_line + i``.
        line_numbers: For a list: the file line of each element, overriding
            `first_line` (the scenario loader finds them in the TOML source).

    Returns:
        The flat program, control ops included.

    Raises:
        ScenarioError: Unknown op, bad argument, undefined lock, kind mismatch,
            unbalanced or empty block.
    """
    stmts = _split_statements(_source_lines(src, first_line, line_numbers))
    return _Compiler(locks, objects or {}, path, task).compile(stmts)
