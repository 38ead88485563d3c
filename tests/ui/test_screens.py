"""Pilot tests of the screens (Textual MODES): one key per screen, one
simulator behind them all, the composable overview, the status line's
kernel warnings and live position, and panes without a view.

They assert the model position and what the widgets hold, never pictures.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from rich.text import Text
from textual.reactive import reactive

import ktui.sim
from ktui.app import KtuiApp
from ktui.messages import SeekRequested
from ktui.panes.base import Area, Pane
from ktui.panes.locking.lock_holders import LockHolders
from ktui.panes.sched.rq_table import RqTable
from ktui.panes.sched.task_detail import TaskDetail
from ktui.panes.status_bar import StatusBar, status_text
from ktui.panes.trace.trace_view import TraceView
from ktui.render import screen_text
from ktui.renderables.sched import COMPACT_COLUMNS
from ktui.screens.main import PaneScreen
from ktui.screens.overview import OverviewScreen
from ktui.screens.subsystem import SubsystemScreen
from ktui.sim.core.subsystem import Subsystem
from ktui.sim.snapshot import MachineSnapshot
from ktui.sim.subsystems import register, unregister

Settle = Callable[[KtuiApp, Any], Awaitable[None]]

BAD_UNLOCK = """\
[scenario]
name = "bad-unlock"
description = "t1 unlocks a mutex it never took: WARNING: bad unlock balance detected!"
seed = 1

[machine]
cpus = 1

[locks]
A = "mutex"

[[task]]
name = "t1"
cpu = 0
program = \"\"\"
run 1ms
mutex_unlock A
run 1ms
\"\"\"
"""


def status_line(app: KtuiApp) -> str:
    bar = app.screen.query_one(StatusBar)
    return status_text(bar.view, bar.title).plain


async def test_screen_keys_keep_the_position(abba_app: KtuiApp, settle: Settle) -> None:
    """1, 2, 3 switch Overview, Scheduler, Locking; the position and every
    time-travel key stay the same on each."""
    async with abba_app.run_test(size=(120, 40)) as pilot:
        sim = abba_app.ctl.sim
        await pilot.press("c")
        await settle(abba_app, pilot)
        assert sim.event == 17
        await pilot.press("2")
        await settle(abba_app, pilot)
        screen = abba_app.screen
        assert isinstance(screen, SubsystemScreen) and screen.group.name == "sched"
        assert "#17/17" in status_line(abba_app) and "Scheduler" in status_line(abba_app)
        await pilot.press("left")
        await settle(abba_app, pilot)
        assert sim.event == 16
        await pilot.press("3")
        await settle(abba_app, pilot)
        screen = abba_app.screen
        assert isinstance(screen, SubsystemScreen) and screen.group.name == "locking"
        assert screen.snapshot.event == 16
        assert "#16/17" in status_line(abba_app)
        await pilot.press("right")
        await settle(abba_app, pilot)
        assert sim.event == 17
        await pilot.press("1")
        await settle(abba_app, pilot)
        assert isinstance(abba_app.screen, OverviewScreen)
        assert abba_app.screen.snapshot.event == 17
        assert "#17/17" in status_line(abba_app)


@pytest.mark.parametrize("key", ["1", "2", "3"])
async def test_time_travel_keys_on_every_screen(abba_app: KtuiApp, settle: Settle, key: str) -> None:
    """→ ← c C g b work the same on each screen."""
    async with abba_app.run_test(size=(120, 40)) as pilot:
        sim = abba_app.ctl.sim
        await pilot.press(key)
        await settle(abba_app, pilot)
        await pilot.press("right", "right", "right", "left")
        await settle(abba_app, pilot)
        assert sim.event == 2
        await pilot.press("c")
        await settle(abba_app, pilot)
        assert sim.status == "deadlock" and sim.event == 17
        await pilot.press("g", *"5", "enter")
        await settle(abba_app, pilot)
        assert sim.event == 5
        await pilot.press("b")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(abba_app.screen, PaneScreen)


async def test_overview_add_and_remove_the_focused_pane(abba_app: KtuiApp, settle: Settle) -> None:
    """o on the overview's trace removes it; o on the Scheduler's trace adds
    it back, in registry order; the choice lasts for the session."""
    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        abba_app.screen.query_one(TraceView).focus()
        await pilot.press("o")
        await settle(abba_app, pilot)
        assert abba_app.overview == ["rq", "locks", "task", "timeline"]
        assert not abba_app.screen.query(TraceView)
        assert "Trace removed from the overview" in status_line(abba_app)
        await pilot.press("2")
        await settle(abba_app, pilot)
        abba_app.screen.query_one(TraceView).focus()
        await pilot.press("o")
        await settle(abba_app, pilot)
        await pilot.press("1")
        await settle(abba_app, pilot)
        assert abba_app.overview == ["rq", "timeline", "locks", "task", "trace"]
        assert [p.PANE_ID for p in abba_app.screen.query(Pane)] == ["rq", "locks", "task", "timeline", "trace"]
        assert abba_app.screen.query_one(TraceView).view.event == 17


async def test_empty_overview_says_how_to_fill_it(abba_app: KtuiApp, settle: Settle) -> None:
    """Removing every pane leaves a hint, not a blank screen."""
    async with abba_app.run_test(size=(120, 40)) as pilot:
        for _ in range(5):
            screen = abba_app.screen
            assert isinstance(screen, PaneScreen)
            screen.focus_pane(next(iter(screen.query(Pane))))
            await pilot.press("o")
            await settle(abba_app, pilot)
        assert abba_app.overview == []
        hint = str(abba_app.screen.query_one("#no-panes").render())
        assert "press o" in hint


async def test_kernel_warning_in_the_status_line(tmp_path: Path, settle: Settle) -> None:
    """A bad unlock's WARNING shows as a count and the message in the status line."""
    path = tmp_path / "bad-unlock.toml"
    path.write_text(BAD_UNLOCK)
    app = KtuiApp(ktui.sim.load(str(path)))
    async with app.run_test(size=(120, 40)) as pilot:
        assert "⚠" not in status_line(app)
        await pilot.press("c")
        await settle(app, pilot)
        assert len(app.ctl.snapshot().log) == 1
        assert "⚠ 1 WARNING: bad unlock balance detected!" in status_line(app)
        await pilot.press("g", *"1", "enter")  # before the unlock: no warning yet
        await settle(app, pilot)
        assert "⚠" not in status_line(app)


async def test_status_shows_the_live_position_while_c_runs(settle: Settle) -> None:
    """While the worker runs, the status line has the run's time and event, not t=0ns."""
    app = KtuiApp(ktui.sim.load("bench-cpu"))  # runs forever
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause(0.3)
        app.refresh_screens()
        view = app.screen.query_one(StatusBar).view
        assert app.ctl.busy and view.word == "RUNNING"
        assert view.event > 0 and view.time_ns > 0
        assert "t=0ns" not in status_line(app)
        await pilot.press("escape")
        await settle(app, pilot)


async def test_panes_without_their_view_show_an_empty_state(abba_app: KtuiApp, settle: Settle) -> None:
    """A snapshot without sched/locking sections: the panes say so, nothing fails."""
    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        screen = abba_app.screen
        assert isinstance(screen, PaneScreen)
        screen.snapshot = dataclasses.replace(abba_app.ctl.snapshot(), sections={})
        await pilot.pause()
        rq = screen.query_one(RqTable)
        assert rq.row_count() == 1 and "no run queues" in rq.row_cells(0)[0][0]
        locks = screen.query_one(LockHolders)
        assert "no locks" in locks.row_cells(0)[0][0]
        assert screen.query_one(TaskDetail).view.tasks == ()


EMPTY_TOY: tuple[int, ...] = ()


class ToyPane(Pane):
    """A pane for a subsystem that has no view at all."""

    PANE_ID: ClassVar[str] = "toy"
    PANE_TITLE: ClassVar[str] = "Toy"
    AREA: ClassVar[Area] = "left"

    view: reactive[tuple[int, ...]] = reactive(EMPTY_TOY, repaint=True)

    def view_of(self, snap: MachineSnapshot) -> tuple[int, ...]:
        return self.section(snap, "toy", EMPTY_TOY)

    def render(self) -> Text:
        return Text(f"toy: {len(self.view)} items" if self.view else "toy: no view")


@pytest.fixture
def toy_subsystem() -> Iterator[Subsystem]:
    """A subsystem with one pane and no view, registered for one test."""
    sub = register(Subsystem(name="toy", title="Toy", panes=(f"{__name__}:ToyPane",)))
    yield sub
    unregister("toy")


async def test_a_subsystem_without_a_view_gets_a_screen(toy_subsystem: Subsystem, settle: Settle) -> None:
    """The toy subsystem's pane has its own screen (key 4), shows its empty
    state, and the time-travel keys still work there."""
    app = KtuiApp(ktui.sim.load("abba"))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("4")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, SubsystemScreen) and screen.group.name == "toy"
        assert str(screen.query_one(ToyPane).render()) == "toy: no view"
        await pilot.press("right")
        await settle(app, pilot)
        assert app.ctl.sim.event == 1 and screen.query_one(TraceView).view.event == 1


async def test_80x24_keeps_help_quit_and_every_rq_column(abba_app: KtuiApp, settle: Settle) -> None:
    """At 80x24: the footer ends with ? Help and q Quit; every run-queue column is on screen."""
    async with abba_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        lines = screen_text(abba_app, (80, 24))
        assert "? Help" in lines[-1] and "q Quit" in lines[-1]
        header = next(line for line in lines if "COMM" in line)
        for name, _ in COMPACT_COLUMNS:
            assert name.strip() in header
        assert "SWITCHES" in header


async def test_trace_shows_the_cursor_line_in_full_when_narrow(abba_app: KtuiApp, settle: Settle) -> None:
    """At 80 columns the sched_switch fields cut off in the list are all in the detail lines."""
    async with abba_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        await pilot.press("shift+tab")  # the trace tab
        await pilot.pause()
        await pilot.press("up", "up", "up", "up")  # event 13: t1's sched_switch
        await pilot.pause()
        trace = abba_app.screen.query_one(TraceView)
        assert trace.cursor == 12
        text = " ".join(cells[0][0].strip() for cells in (trace.footer_cells(i, 78) for i in range(2)))
        assert text.startswith("#13 t1-1 [000] 0.001000: sched_switch:")
        assert "prev_state=D ==> next_comm=swapper/0 next_pid=0" in text
        await asyncio.sleep(0)


async def test_trace_follows_the_position_after_a_long_run(settle: Settle) -> None:
    """After c runs past 99 999 events (the event column widens), the trace
    cursor is still on the current event."""
    app = KtuiApp(ktui.sim.load("bench-cpu"))
    async with app.run_test(size=(120, 40)) as pilot:
        sim = app.ctl.sim
        app.post_message(SeekRequested(event=120_000))  # runs forward in the worker
        await pilot.pause()
        await settle(app, pilot)
        assert sim.event == 120_000
        await pilot.pause()
        trace = app.screen.query_one(TraceView)
        assert trace.view.event == 120_000 and trace.cursor == 119_999


async def test_palette_lists_every_screen(abba_app: KtuiApp) -> None:
    """The command palette has one entry per screen, and the overview toggle."""
    async with abba_app.run_test(size=(120, 40)):
        titles = {cmd.title for cmd in abba_app.get_system_commands(abba_app.screen)}
        assert {"Screen: Overview", "Screen: Scheduler", "Screen: Locking"} <= titles
        assert "Add/remove pane on the overview" in titles
