"""The op registry: what a task's program may say, and who executes it.

Ops are named after the kernel functions they model (``mutex_lock``,
``spin_lock_irqsave``, ``msleep``) plus a few simulator verbs (``run``,
``exit``). Each subsystem registers its ops here at import time with
`register_op`; the program parser (`ktui.sim.scenario.program`) validates against this
registry and the machine dispatches to the handler, so adding a subsystem
never edits the core.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from ktui.sim.trace import RegistrationError

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

ArgKind = str
"""A built-in kind (`BUILTIN_ARG_KINDS`) or an object kind a subsystem declared
(`OBJECT_KINDS`). ``duration``: a number with a unit (``1ms``) -> ns;
``lock``: a lock name defined in ``[locks]`` -> lock id; ``int``: a plain
integer; ``msecs``: an integer number of milliseconds (``msleep 10``), a unit
allowed; an object kind: the name of an object declared in its scenario table
-> its index there."""

BUILTIN_ARG_KINDS: Final = ("duration", "lock", "int", "msecs")


@dataclass(frozen=True, slots=True)
class ObjectKind:
    """Objects a subsystem's scenario table declares, which ops may name.

    ``[irq]`` declaring lines ``eth0`` and ``timer`` lets an op take an
    ``irq`` argument: ``irq_raise eth0`` compiles to index 0.

    Attributes:
        name: The arg kind ops declare (``irq``).
        table: The scenario table that declares them (``irq``).
        names: The declared names, in index order, from the table's raw TOML
            value (the table itself is validated by its own parser).
        help: What is expected, for errors and docs.
    """

    name: str
    table: str
    names: Callable[[object], Sequence[str]]
    help: str = ""


OBJECT_KINDS: dict[str, ObjectKind] = {}
"""Every object kind ops may take, by name."""


def register_object_kind(kind: ObjectKind) -> None:
    """Let ops take arguments of `kind` (called for descriptors' ``objects``)."""
    if kind.name in BUILTIN_ARG_KINDS or kind.name in OBJECT_KINDS:
        raise RegistrationError(f"object kind {kind.name!r} is registered twice")
    OBJECT_KINDS[kind.name] = kind


def check_arg_kinds(names: Sequence[str]) -> None:
    """The argument kinds of ops `names` are known (once their subsystem loaded).

    Raises:
        RegistrationError: naming the op and the unknown kind.
    """
    for spec in (OPS[n] for n in names):
        for arg, kind in spec.args:
            if kind not in BUILTIN_ARG_KINDS and kind not in OBJECT_KINDS:
                raise RegistrationError(
                    f"op {spec.name!r}: argument {arg!r} has unknown kind {kind!r}"
                )

ArgResolver = Callable[[str, ArgKind, str], int]
"""Converts one word as the parser does for a declared argument:
``(arg_name, kind, word) -> int``; raises the parser's own error."""
ArgParser = Callable[[Sequence[str], ArgResolver], tuple[tuple[int, ...], tuple[str, ...]]]
"""An op's own argument parser (``key=value`` words, optional arguments):
the words after the op name -> ``(args, strs)``. Raises ValueError with a
message saying what was expected; kinds it shares with other ops go
through the `ArgResolver` it is handed."""

OpHandler = Callable[["Machine", "Rq", "TaskStruct", "Op"], bool]
"""Executes one step of an op on the CPU of `rq` for its current task.

Returns True when it emitted an event. Handlers that need several events
(``lock_acquire`` then ``lock_acquired``) keep their phase in
``task.op_phase`` and ask for another step with `Machine.continue_task`.
"""


@dataclass(frozen=True, slots=True)
class Op:
    """One compiled op of a task's program.

    Attributes:
        name: Registered op name (control ops: ``repeat``, ``loop``, ``end``).
        args: Parsed arguments: ns for durations, lock ids, ints; for
            ``repeat``: (count, index of matching end); ``loop``: (end index,);
            ``end``: (index of the opening op,).
        line: 1-based line of the op in the scenario file (0 if unknown).
        text: The op as written, for display.
        label: The name a program gave the op's result (``r = sched_yield``),
            "" if none: the return value goes to the report's ``returns``.
        strs: String arguments (a forked child's comm, a sysctl name), for
            ops whose `OpSpec.parse` keeps some words as written.
    """

    name: str
    args: tuple[int, ...] = ()
    line: int = 0
    text: str = ""
    label: str = ""
    strs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class OpSpec:
    """What an op takes and which handler runs it.

    Attributes:
        name: Op name as written in programs.
        args: ``(arg_name, kind)`` pairs.
        lock_kinds: For ops taking a lock: the lock kinds it accepts.
        might_sleep: The kernel function may sleep (``might_sleep()``), so it is
            a bug to call it in atomic context.
        doc: One line for docs and ``did you mean`` help.
        handler: The executor.
        parse: The op's own argument parser, replacing the positional
            `args` (which then only document it); None for most ops.
        usage: The usage line when `parse` is set (``sched_setattr
            [TASK] [policy=P] ...``).
        returns: The op has a return value (a system call), which a
            program may label (``r = sched_yield``).
        examples: Argument strings `parse` accepts in any scenario (no task
            names), for docs and the grammar fuzzer; () when `args` say it.
    """

    name: str
    args: tuple[tuple[str, ArgKind], ...]
    handler: OpHandler
    lock_kinds: tuple[str, ...] = ()
    might_sleep: bool = False
    doc: str = ""
    parse: ArgParser | None = None
    usage: str = ""
    returns: bool = False
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LockKind:
    """A lock kind allowed in ``[locks]`` and its ``lock``/``unlock`` sugar.

    Attributes:
        name: Kind as written (``mutex``, ``spinlock``).
        lock_op: Op that ``lock X`` means for this kind.
        unlock_op: Op that ``unlock X`` means.
    """

    name: str
    lock_op: str
    unlock_op: str
    ops: tuple[str, ...] = field(default=())


OPS: dict[str, OpSpec] = {}
"""Every op, by name."""
LOCK_KINDS: dict[str, LockKind] = {}
"""Every lock kind, by name."""
CONTROL_OPS = ("repeat", "loop", "end")
"""Ops the parser makes from ``repeat N {`` / ``loop {`` / ``}``; never in OPS."""


def register_op(
    name: str,
    *args: tuple[str, ArgKind],
    lock_kinds: tuple[str, ...] = (),
    might_sleep: bool = False,
    doc: str = "",
    parse: ArgParser | None = None,
    usage: str = "",
    returns: bool = False,
    examples: tuple[str, ...] = (),
) -> Callable[[OpHandler], OpHandler]:
    """Decorator: register `handler` as the executor of op `name`.

    With `parse`, the op parses its own words (`ArgParser`) and `usage`
    is its usage line; `args` then only name the kinds it resolves, and
    `examples` are argument strings it accepts.
    """

    if name in OPS or name in CONTROL_OPS:
        raise RegistrationError(f"op {name!r} is registered twice")
    if parse is not None and not examples:
        raise RegistrationError(f"op {name!r} parses its own words but gives no examples")

    def deco(handler: OpHandler) -> OpHandler:
        OPS[name] = OpSpec(
            name, tuple(args), handler, lock_kinds, might_sleep, doc, parse, usage, returns, examples
        )
        return handler

    return deco


def register_lock_kind(name: str, lock_op: str, unlock_op: str) -> None:
    """Declare lock kind `name`, whose ``lock``/``unlock`` sugar maps to these ops."""
    if name in LOCK_KINDS:
        raise RegistrationError(f"lock kind {name!r} is registered twice")
    LOCK_KINDS[name] = LockKind(name, lock_op, unlock_op)
