"""Commands: input that changes a run from outside its scenario.

A command is what a user does to the running kernel that the scenario did
not script: renice a task (``setpriority(2)`` -> ``set_user_nice()``), and
later inject an interrupt or add a task. `Simulator.apply` records each one
in the journal (`ktui.sim.replay.journal`) at the event index it was issued
at, and executes it there; replays execute it again at the same index, so
time travel across a command is exact.

Commands are frozen dataclasses of plain values (pids, ints, names), never
live simulator objects. A subsystem adds its own kinds with
`register_command`, without editing this file; ``COMMANDS`` maps each kind's
name to its class.

Every command emits exactly one trace event when it executes, so that it is
a step of the trace like any other (and the position moves by one).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar, TypeVar

from ktui.sim.errors import CommandError
from ktui.sim.include.linux.sched.prio import MAX_NICE, MIN_NICE
from ktui.sim.trace import RegistrationError

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


@dataclass(frozen=True, slots=True)
class Command:
    """Base of every command kind.

    Subclasses set ``name`` (the kind, unique) and implement `check` and
    `execute`.
    """

    name: ClassVar[str] = ""
    """The command kind, as the UI and the journal's printout name it."""

    def describe(self) -> str:
        """The command as the journal prints it: ``set_nice pid=1 nice=5``."""
        args = " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))
        return f"{self.name} {args}".rstrip()

    def check(self, m: Machine) -> None:
        """Raise `CommandError` if the command cannot execute on `m` now.

        Called before anything is recorded or changed.
        """

    def execute(self, m: Machine) -> None:
        """Change `m` as the kernel would, emitting exactly one trace event."""
        raise NotImplementedError


COMMANDS: dict[str, type[Command]] = {}
"""Every command kind, by name."""

C = TypeVar("C", bound=type[Command])


def register_command(cls: C) -> C:
    """Class decorator: register a command kind under its ``name``.

    Raises:
        RegistrationError: the name is empty or registered already.
    """
    if not cls.name:
        raise RegistrationError(f"command class {cls.__name__} has no name")
    if cls.name in COMMANDS:
        raise RegistrationError(f"command {cls.name!r} is registered twice")
    COMMANDS[cls.name] = cls
    return cls


def unregister_command(name: str) -> None:
    """Forget a command kind (for tests that register one for a while)."""
    del COMMANDS[name]


@register_command
@dataclass(frozen=True, slots=True)
class SetNice(Command):
    """``setpriority(PRIO_PROCESS, pid, nice)``: set_user_nice() on one task.

    Attributes:
        pid: The task.
        nice: The new nice value, MIN_NICE (-20) .. MAX_NICE (19).
    """

    name: ClassVar[str] = "set_nice"
    pid: int
    nice: int

    def check(self, m: Machine) -> None:
        """The task must exist (forked already) and the value be in range.

        The kernel's set_user_nice() ignores an out-of-range value silently;
        setpriority(2) clamps it. A debugger command says so instead.
        """
        if not MIN_NICE <= self.nice <= MAX_NICE:
            raise CommandError(f"set_nice: nice {self.nice} is out of range ({MIN_NICE}..{MAX_NICE})")
        if self.pid not in m.tasks:
            raise CommandError(f"set_nice: no task with pid {self.pid} (yet)")

    def execute(self, m: Machine) -> None:
        """set_user_nice() (kernel/sched/syscalls.c)."""
        from ktui.sim.kernel.sched.syscalls import set_user_nice

        set_user_nice(m, m.tasks[self.pid], self.nice)
