"""Snapshot tests of the screens, over ``abba`` (and ``bad-unlock.toml`` for
the kernel-warning badge).

A class per screen; each test's docstring says what its picture proves.
Pictures only; the logic is asserted by the Pilot tests in tests/ui.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import ktui.sim
from ktui.app import KtuiApp
from ktui.panes.trace.trace_view import TraceView

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


def focus_trace_and(settle: Settle, *pressed: str) -> Callable[[Any], Awaitable[None]]:
    """A ``run_before`` that runs to the deadlock, focuses the trace pane, then presses `pressed`."""

    async def run_before(pilot: Any) -> None:
        await pilot.press("c")
        await settle(pilot)
        pilot.app.screen.query_one(TraceView).focus()
        await pilot.pause()
        for key in pressed:
            await pilot.press(key)
            await settle(pilot)

    return run_before


class TestOverview:
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
        """At 80x24 the panes go into tabs; every run-queue column and the whole footer (? Help, q Quit) fit."""
        assert snap_compare(abba(), terminal_size=(80, 24), run_before=keys(settle, "c"))

    def test_wide_terminal(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """At 200x50 the run queues use the full sched_debug layout (ms.ns times, NICE)."""
        assert snap_compare(abba(), terminal_size=(200, 50), run_before=keys(settle, "c"))

    def test_trace_removed(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """o on the focused trace takes it off the overview; the other panes share the room."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=focus_trace_and(settle, "o"))


class TestSubsystemScreens:
    def test_scheduler(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """Key 2: run queues, timeline (round 200us ticks), task detail and trace, at the deadlock."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "c", "2"))

    def test_locking(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """Key 3: the lock pane fills the left column beside the task, the trace below."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "c", "3"))

    def test_locking_small(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """Key 3 at 80x24: tabs Locks, Task, Trace; status says Locking."""
        assert snap_compare(abba(), terminal_size=(80, 24), run_before=keys(settle, "c", "3"))


class TestTrace:
    def test_cursor_line_in_full(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """At 120 columns, cursor on t1's sched_switch (#13): its fields, cut in the list, are whole below."""
        assert snap_compare(
            abba(), terminal_size=(120, 40), run_before=focus_trace_and(settle, "up", "up", "up")
        )


class TestStatusLine:
    def test_kernel_warning(self, snap_compare: Any, settle: Settle) -> None:
        """bad-unlock run to its end: the orange badge says ⚠ 1 WARNING: bad unlock balance detected!"""
        app = KtuiApp(ktui.sim.load(str(Path(__file__).with_name("bad-unlock.toml"))))
        assert snap_compare(app, terminal_size=(120, 40), run_before=keys(settle, "c"))


class TestBreakpointsScreen:
    def test_list(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """The scenario's `deadlock` breakpoint, hit once, with the add line below."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "c", "b"))


class TestHelpScreen:
    def test_help(self, snap_compare: Any, abba: Factory, settle: Settle) -> None:
        """The help modal over the main screen lists every key."""
        assert snap_compare(abba(), terminal_size=(120, 40), run_before=keys(settle, "question_mark"))


def _at(name: str, until_ns: int) -> KtuiApp:
    """The app over built-in `name`, run to `until_ns` first."""
    sim = ktui.sim.load(name)
    sim.run(until_ns=until_ns)
    return KtuiApp(sim)


class TestSchedClasses:
    """The scheduler screen (key 2) with each class's queue."""

    def test_rr_round_robin(self, snap_compare: Any, settle: Settle) -> None:
        """rr-round-robin run toward 150 ms stops at its breakpoint (alpha's
        last tick of its slice, 96 ms, inside the tick's hardirq): alpha
        running with 1 tick left, beta and gamma in the rt_rq list at prio 89
        with full 25-tick slices, the fair task below; RT colour on the strip;
        the detail pane shows rt_priority and rt.time_slice."""
        assert snap_compare(_at("rr-round-robin", 150_000_000), terminal_size=(120, 40), run_before=keys(settle, "2"))

    def test_deadline_queue(self, snap_compare: Any, settle: Settle) -> None:
        """deadline-miss at 45 ms: the dl_rq with both tasks' runtime left and
        absolute deadlines, the greedy one throttled; deadline misses marked
        with ! on the timeline."""
        assert snap_compare(_at("deadline-miss", 45_000_000), terminal_size=(120, 40), run_before=keys(settle, "2"))

    def test_rt_throttled(self, snap_compare: Any, settle: Settle) -> None:
        """rt-throttling at 975 ms: the FIFO hog out of runtime (rt_throttled on
        cpu#0), the fair task running in the last 50 ms of the period."""
        assert snap_compare(_at("rt-throttling", 975_000_000), terminal_size=(120, 40), run_before=keys(settle, "2"))

    def test_o1_arrays(self, snap_compare: Any, settle: Settle) -> None:
        """o1-interactive (2.6.22) at 250 ms: the active and expired arrays with
        each task's dynamic prio and timeslice left."""
        assert snap_compare(_at("o1-interactive", 250_000_000), terminal_size=(120, 40), run_before=keys(settle, "2"))

    def test_balance_4cpu(self, snap_compare: Any, settle: Settle) -> None:
        """balance-4cpu at 100 ms: the hogs spread over the four CPUs by the
        balancer (migrations marked on the timeline), pinned on CPU 0."""
        assert snap_compare(_at("balance-4cpu", 100_000_000), terminal_size=(120, 40), run_before=keys(settle, "2"))


class TestLockKinds:
    """The locking screen (key 3) with the lock kinds' own state."""

    def test_pi_boost(self, snap_compare: Any, settle: Settle) -> None:
        """priority-inversion-pi at 5 ms: low owns rt_mutex L and runs at the
        high task's prio 9 (its own 89), the PI line naming high as the donor;
        high waits on L, medium cannot get the CPU."""
        assert snap_compare(_at("priority-inversion-pi", 5_000_000), terminal_size=(120, 40), run_before=keys(settle, "3"))
