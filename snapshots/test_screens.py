"""Snapshot tests of the screens, all over the ``abba`` scenario.

A class per screen; each test's docstring says what its picture proves.
Pictures only; the logic is asserted by the Pilot tests in tests/ui.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from ktui.app import KtuiApp

Factory = Callable[[], KtuiApp]
Settle = Callable[[object], Awaitable[None]]


def keys(settle: Settle, *pressed: str) -> Callable[[Any], Awaitable[None]]:
    """A ``run_before`` that presses `pressed` and waits for the result."""

    async def run_before(pilot: Any) -> None:
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)
        await settle(pilot)

    return run_before


class TestMainScreen:
    def test_initial(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """Position 0 before any event: empty run queues, free locks, blank trace."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle))

    def test_mid_run(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """After 10 single steps: both tasks running, each holding its first lock."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, *["right"] * 10))

    def test_deadlock(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """`c` stops at the deadlock: DEADLOCK status, red cycle in Locks, t1 blocked on B."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "c"))

    def test_stepped_back(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """Three steps back from the deadlock: later trace lines dimmed, no cycle yet."""
        assert snap_compare(
            abba(), terminal_size=(120, 40), run_before=keys(settle, "c", "left", "left", "left")
        )

    def test_small_terminal(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """At 80x24 the panes go into tabs; the status line still fits."""
        assert snap_compare(abba(), terminal_size=(80, 24), run_before=keys(settle, "c"))


class TestBreakpointsScreen:
    def test_list(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """The scenario's `deadlock` breakpoint, hit once, with the add line below."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "c", "b"))


class TestHelpScreen:
    def test_help(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """The help modal over the main screen lists every key."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "question_mark"))
