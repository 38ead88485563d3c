"""The journal: the commands of a run, by the event index they were issued at.

As QEMU's replay log of external input (replay/replay-events.c): the
scenario and the seed fix everything else, so a run is the scenario plus
this journal. A command issued at position N executes before event N+1 and
emits it, so replaying to any position re-executes the journal's commands at
their indexes. Issuing a command at N forgets every command recorded at or
after N (the future they belonged to is gone).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ktui.sim.commands import Command


class Journal:
    """Commands by position (event count before their event)."""

    __slots__ = ("at",)

    def __init__(self) -> None:
        self.at: dict[int, Command] = {}
        """The command issued at each position; kept in increasing order."""

    def __len__(self) -> int:
        return len(self.at)

    def add(self, index: int, cmd: Command) -> None:
        """Record `cmd` as issued at position `index`, forgetting any at or after it."""
        self.cut(index)
        self.at[index] = cmd

    def cut(self, index: int) -> None:
        """Forget the commands issued at position `index` or later."""
        for k in [k for k in self.at if k >= index]:
            del self.at[k]

    def entries(self) -> tuple[tuple[int, Command], ...]:
        """``(index, command)`` pairs in the order they execute."""
        return tuple(self.at.items())
