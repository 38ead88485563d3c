"""Breakpoint subjects: what a state condition may name (``task t1``, ``irq 5``).

No kernel counterpart. A subject is declared by the subsystem that owns the
state it reads, in its descriptor's ``subjects`` (`ktui.sim.core.subsystem`):
the scheduler gives ``task`` and ``cpu``, locking gives ``lock``, and the
interrupt and memory subsystems add ``irq`` and ``slab`` the same way. The
parser and evaluator take their subjects from `subjects`, built from every
loaded descriptor (`ktui.sim.subsystems.SUBSYSTEMS`), so this package never
names one.

A condition names a subject's item as written (a comm, a pid, a number);
`Subject.lookup` resolves it once, at validation, to a key that stays valid
for the whole scenario (across checkpoints and restores), and `Subject.get`
reads an attribute of the item by that key after each event.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final, Literal, Protocol

from ktui.sim.breakpoints.values import Value, ValueType
from ktui.sim.trace import RegistrationError

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

Key = int | str
"""An item resolved by `Subject.lookup`: a pid, a CPU, a lock id ..."""

RESERVED: Final = ("time", "and")
"""Words no subject may take: ``time`` is the clock condition."""


@dataclass(frozen=True, slots=True)
class Attr:
    """One attribute of a subject.

    Attributes:
        vtype: How its value is written and compared.
        ref: Keyword of the subject whose item an ``==`` value names
            (``lock A owner == t1`` names a task), checked by `validate`;
            ``""`` when the value names nothing.
        doc: One line for help texts.
    """

    vtype: ValueType
    ref: str = ""
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Subject:
    """A kind of item a state condition may look at, and how to read it.

    Attributes:
        keyword: The word that starts the condition (``task``, ``irq``).
        items: How items are written: ``name`` (any word; a subject may also
            take numbers, as ``task`` takes pids) or ``number`` (digits,
            normalised as `int` prints them).
        what: How an item is described in "expected ..." messages
            (``a task (comm or pid)``).
        attrs: Its attributes, in help order.
        lookup: ``lookup(machine, item)``: the item's key, None if the
            scenario has no such item. Called once per condition, at
            validation.
        get: ``get(machine, key, attr)``: the attribute now; None when the
            item does not exist (yet, or any more), which never matches.
        choices: ``choices(machine)``: every item as written, for "did you
            mean" and the valid range.
        value_ok: ``value_ok(machine, value)``: whether `value`, written
            where an item is named (``owner == t1``), is valid. Default:
            `lookup` finds it.
        label: Noun in "no ... 'x'" messages (default `keyword`; ``CPU``).
    """

    keyword: str
    items: Literal["name", "number"]
    what: str
    attrs: Mapping[str, Attr]
    lookup: Callable[[Machine, str], Key | None]
    get: Callable[[Machine, Key, str], Value | None]
    choices: Callable[[Machine], Sequence[str]]
    value_ok: Callable[[Machine, str], bool] | None = None
    label: str = ""

    def exists(self, m: Machine, item: str) -> bool:
        """Whether `m`'s scenario has (or will have) item `item`."""
        return self.lookup(m, item) is not None

    @property
    def noun(self) -> str:
        """`label`, or the keyword."""
        return self.label or self.keyword


class StateContext(Protocol):
    """Read access to machine state for state conditions, through subjects.

    The time-travel engine implements it over the machine at the current
    event (`ktui.sim.replay.context.MachineContext`).
    """

    def lookup(self, subject: Subject, item: str) -> Key | None:
        """Key of `item` of `subject`, None if there is no such item."""
        ...

    def read(self, subject: Subject, key: Key, attr: str) -> Value | None:
        """Attribute `attr` of the item `key` of `subject`, now."""
        ...

    def choices(self, subject: Subject) -> Sequence[str]:
        """Every item of `subject`, as written."""
        ...

    def value_ok(self, subject: Subject, value: str) -> bool:
        """Whether a value naming an item of `subject` is valid."""
        ...


@dataclass(slots=True)
class _Registry:
    """`subjects` of the descriptors last seen (rebuilt when the list changes)."""

    seen: list[object] = field(default_factory=list)
    by_keyword: dict[str, Subject] = field(default_factory=dict)


_REGISTRY: Final = _Registry()


def subjects() -> Mapping[str, Subject]:
    """Every breakpoint subject of the loaded subsystems, by keyword, in
    descriptor order.

    Raises:
        RegistrationError: two subsystems declare the same keyword, a keyword
            is reserved or differs from its `Subject.keyword`, or a subject
            is not a `Subject`.
    """
    from ktui.sim.subsystems import SUBSYSTEMS

    reg = _REGISTRY
    if len(reg.seen) == len(SUBSYSTEMS) and all(
        a is b for a, b in zip(reg.seen, SUBSYSTEMS, strict=True)
    ):
        return reg.by_keyword
    out: dict[str, Subject] = {}
    owner: dict[str, str] = {}
    for sub in SUBSYSTEMS:
        for kw, subj in sub.subjects.items():
            if not isinstance(subj, Subject):
                raise RegistrationError(
                    f"subsystem {sub.name!r}: subject {kw!r} is a {type(subj).__name__}, not a Subject"
                )
            if kw != subj.keyword:
                raise RegistrationError(
                    f"subsystem {sub.name!r}: subject {kw!r} has keyword {subj.keyword!r}"
                )
            if kw in RESERVED:
                raise RegistrationError(f"subsystem {sub.name!r}: {kw!r} is a reserved word")
            if kw in out:
                raise RegistrationError(
                    f"breakpoint subject {kw!r} is declared by {owner[kw]!r} and {sub.name!r}"
                )
            out[kw] = subj
            owner[kw] = sub.name
    reg.seen = list(SUBSYSTEMS)
    reg.by_keyword = out
    return out


def keywords() -> tuple[str, ...]:
    """Words that start a condition: ``time``, then every subject's keyword."""
    return ("time", *subjects())


def quoted_list(words: Sequence[str]) -> str:
    """``'a', 'b' or 'c'``."""
    q = [f"'{w}'" for w in words]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " or " + q[-1]
