"""Pilot tests: keys drive the simulator; assert the model position and
what the status line and breakpoints screen say (never pictures)."""

from __future__ import annotations

import asyncio

import pytest
from textual import events
from textual.widgets import Input, Static

import ktui.sim
from ktui.app import KtuiApp
from ktui.panes.sched.timeline import Timeline
from ktui.panes.status_bar import StatusBar, status_text
from ktui.panes.trace.trace_view import TraceView
from ktui.screens.breakpoints import BreakpointsScreen
from ktui.screens.help import HelpScreen
from ktui.screens.main import PaneScreen


def status_line(app: KtuiApp) -> str:
    return status_text(app.screen.query_one(StatusBar).view).plain


async def test_continue_stops_at_deadlock(abba_app: KtuiApp, settle) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        sim = abba_app.ctl.sim
        assert sim.status == "deadlock"
        assert sim.event == 17
        line = status_line(abba_app)
        assert "DEADLOCK" in line
        assert "#17/17" in line
        assert "t=1.000ms" in line
        assert "tasks t2, t1 on locks A, B" in line


async def test_back_then_forward_is_the_same_state(abba_app: KtuiApp, settle) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        sim = abba_app.ctl.sim
        before = (sim.event, sim.state_hash())
        await pilot.press("left", "left", "left")
        assert sim.event == before[0] - 3
        assert sim.state_hash() != before[1]
        await pilot.press("right", "right", "right")
        await settle(abba_app, pilot)
        assert (sim.event, sim.state_hash()) == before
        assert f"#{sim.event}/17" in status_line(abba_app)


async def test_reverse_continue_returns_to_previous_hit(settle) -> None:
    sim = ktui.sim.load("abba")
    sim.add_breakpoint("sched_switch")
    app = KtuiApp(sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        first = sim.event
        assert sim.status == "breakpoint"
        await pilot.press("c")
        await settle(app, pilot)
        second = sim.event
        assert second > first and sim.status == "breakpoint"
        await pilot.press("C")
        await settle(app, pilot)
        assert sim.event == first
        assert "BREAKPOINT" in status_line(app)


async def test_breakpoint_parse_error_is_inline_and_adds_nothing(abba_app: KtuiApp) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = abba_app.screen
        assert isinstance(screen, BreakpointsScreen)
        count = len(abba_app.ctl.sim.breakpoints)
        await pilot.press("a")
        await pilot.press(*"sched_switch nxt_comm=t1")
        await pilot.press("enter")
        await pilot.pause()
        error = str(screen.query_one("#bp-error", Static).render())
        assert "nxt_comm" in error
        assert "^" in error.splitlines()[-1]
        assert len(abba_app.ctl.sim.breakpoints) == count
        assert screen.query_one(Input).value == "sched_switch nxt_comm=t1"
        # typing in the input must not trigger global keys (c, q, space...)
        assert abba_app.ctl.sim.event == 0


async def test_breakpoint_add_toggle_delete(abba_app: KtuiApp) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        sim = abba_app.ctl.sim
        await pilot.press("b", "a", *"sched_switch next_comm=t2", "enter")
        await pilot.pause()
        assert [e.bp.expr for e in sim.breakpoints][-1] == "sched_switch next_comm=t2"
        assert abba_app.screen.query_one(Input).value == ""
        await pilot.pause()
        await pilot.press("e")  # the table has the focus again, on the new breakpoint
        await pilot.pause()
        assert sim.breakpoints[-1].enabled is False
        await pilot.press("e")
        await pilot.pause()
        assert sim.breakpoints[-1].enabled is True
        n = len(sim.breakpoints)
        await pilot.press("d")
        await pilot.pause()
        assert len(sim.breakpoints) == n - 1
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(abba_app.screen, PaneScreen)


async def test_goto_event_and_time(abba_app: KtuiApp, settle) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        sim = abba_app.ctl.sim
        await pilot.press("g", *"12", "enter")
        await settle(abba_app, pilot)
        assert sim.event == 12
        await pilot.press("g", *"0.5ms", "enter")
        await settle(abba_app, pilot)
        assert sim.time_ns <= 500_000 and sim.event == 10
        await pilot.press("g", *"soon", "enter")
        await pilot.pause()
        assert "cannot go to" in str(abba_app.screen.query_one("#goto-error", Static).render())
        await pilot.press("escape")
        assert sim.event == 10


async def test_trace_line_and_timeline_click_seek(abba_app: KtuiApp, settle) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        sim = abba_app.ctl.sim
        await pilot.press("c")
        await settle(abba_app, pilot)
        trace = abba_app.screen.query_one(TraceView)
        trace.focus()
        await pilot.press("up", "up", "enter")
        await settle(abba_app, pilot)
        assert sim.event == 15
        # the first column of the strip is the start of the run
        await pilot.click(Timeline, offset=(1 + 7, 2))
        await settle(abba_app, pilot)
        assert sim.time_ns < 100_000


async def test_play_and_pause() -> None:
    app = KtuiApp(ktui.sim.load("bench-cpu"))  # never ends on its own
    async with app.run_test(size=(120, 40)) as pilot:
        sim = app.ctl.sim
        await pilot.press("minus", "minus", "minus")  # 1 event per frame
        # pressing space through the pilot would wait for idle, which a
        # playing app never is: start it as the key would
        await app.run_action("play")
        await asyncio.sleep(0.3)
        assert "PLAYING" in status_line(app)
        await pilot.press("space")
        await pilot.pause()
        played = sim.event
        assert 0 < played < 100
        assert "PAUSED" in status_line(app)
        await pilot.pause(0.1)
        assert sim.event == played


async def test_escape_interrupts_a_long_continue(settle) -> None:
    app = KtuiApp(ktui.sim.load("bench-cpu"))  # runs forever
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await pilot.pause(0.3)
        assert app.ctl.busy
        assert "RUNNING" in status_line(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not app.ctl.busy
        assert app.ctl.sim.status == "paused"
        assert app.ctl.sim.event > 0


async def test_held_right_key_coalesces_redraws(abba_app: KtuiApp, monkeypatch: pytest.MonkeyPatch, settle) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        calls = []
        original = abba_app.refresh_screens
        monkeypatch.setattr(abba_app, "refresh_screens", lambda: (calls.append(1), original()))
        # a held key: repeats arrive faster than frames (the pilot would
        # wait for a redraw after each press, so post them directly)
        for _ in range(15):
            abba_app.post_message(events.Key("right", None))
        await pilot.pause()
        assert abba_app.ctl.sim.event == 15
        assert len(calls) < 15
        await settle(abba_app, pilot)
        assert "#15/15" in status_line(abba_app)


async def test_help_and_palette_commands(abba_app: KtuiApp) -> None:
    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(abba_app.screen, HelpScreen)
        await pilot.press("c")  # global keys are off inside the help
        assert abba_app.ctl.sim.event == 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(abba_app.screen, PaneScreen)
        titles = {cmd.title for cmd in abba_app.get_system_commands(abba_app.screen)}
        for title in ("Step forward", "Step back", "Continue", "Reverse continue", "Play / pause",
                      "Go to…", "Breakpoints", "Help"):
            assert title in titles


@pytest.mark.parametrize("size", [(120, 40), (80, 24), (60, 20), (40, 12)])
async def test_no_traceback_at_any_size(size: tuple[int, int], settle) -> None:
    app = KtuiApp(ktui.sim.load("abba"))
    async with app.run_test(size=size) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press("left", "tab", "down", "enter", "tab", "b")
        await settle(app, pilot)
        await pilot.resize_terminal(size[0] + 30, size[1] + 15)
        await settle(app, pilot)
        assert app.ctl.sim.status in ("paused", "deadlock")


async def test_q_quits_with_status_zero(abba_app: KtuiApp) -> None:
    async with abba_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("q")
        await pilot.pause()
    assert abba_app.return_code == 0


async def test_tab_switches_tabs_when_narrow(abba_app: KtuiApp, settle) -> None:
    """At 80x24 the overview is tabbed; shift+tab from the first pane wraps to the trace tab."""
    from textual.widgets import TabbedContent

    async with abba_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        await pilot.press("shift+tab")
        await pilot.pause()
        assert abba_app.screen.query_one(TabbedContent).active == "tab-trace"
        assert isinstance(abba_app.focused, TraceView)


async def test_choosing_a_lock_row_selects_its_task(abba_app: KtuiApp, settle) -> None:
    """At the deadlock, choosing the lock pane's owner row of B shows t2 in the task pane."""
    from ktui.panes.locking.lock_holders import LockHolders
    from ktui.panes.sched.task_detail import TaskDetail

    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        locks = abba_app.screen.query_one(LockHolders)
        row = next(i for i in range(locks.row_count()) if locks.row_pid(i) == 2)
        locks.set_cursor(row)
        locks.action_select()
        await settle(abba_app, pilot)
        assert abba_app.screen.query_one(TaskDetail).pid == 2
        assert abba_app.screen.selected_pid == 2  # type: ignore[attr-defined]


@pytest.mark.parametrize("where", ["table", "input"])
async def test_one_escape_leaves_breakpoints(abba_app: KtuiApp, where: str) -> None:
    """Escape leaves the breakpoints screen at once, from the table or from the input line."""
    async with abba_app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        if where == "input":
            await pilot.press("a", *"sched_sw")
        assert isinstance(abba_app.screen, BreakpointsScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(abba_app.screen, PaneScreen)


async def test_continue_stops_at_the_run_limit(settle) -> None:
    """With max_run_events, c on a scenario that loops forever pauses after
    that many events, says why, and c runs on from there."""
    app = KtuiApp(ktui.sim.load("bench-cpu"), max_run_events=500)
    async with app.run_test(size=(120, 40)) as pilot:
        sim = app.ctl.sim
        await pilot.press("c")
        await settle(app, pilot)
        assert sim.event == 500 and sim.status == "limit"
        line = status_line(app)
        assert "PAUSED" in line and "stopped after 500 events (the run limit)" in line
        await pilot.press("c")
        await settle(app, pilot)
        assert sim.event == 1000


def test_a_goto_past_the_record_runs_at_most_the_run_limit() -> None:
    from ktui.controller import SimController

    ctl = SimController(ktui.sim.load("bench-cpu"), max_run_events=300)
    ctl.seek(10_000, None)
    assert ctl.sim.event == 300 and "run limit" in ctl.note
    ctl.seek(100, None)  # inside the record: no limit, no note
    assert ctl.sim.event == 100 and ctl.note == ""
    ctl.seek(None, 10**12)  # 1000 s: from the end of the record, 300 more events
    assert ctl.sim.event == 600 and "run limit" in ctl.note
    ctl.seek(None, ctl.sim.time_ns - 1)  # a time inside the record
    assert ctl.sim.event < 600 and ctl.note == ""
    small = SimController(ktui.sim.load("abba"), max_run_events=100)
    small.seek(None, 10**12)  # abba deadlocks at event 17 (lockdep reports at 15), well inside the limit
    assert small.sim.event == 17 and small.note == ""
    with pytest.raises(ValueError, match="max_run_events"):
        SimController(ktui.sim.load("abba"), max_run_events=0)


async def test_e_in_the_lock_pane_visits_each_deadlock_edge(abba_app: KtuiApp, settle) -> None:
    """At abba's deadlock, `e` goes to where each lock of the cycle was taken,
    in cycle order, and keeps cycling after the jumps moved back in time."""
    from ktui.panes.locking.lock_holders import LockHolders

    async with abba_app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(abba_app, pilot)
        (dl,) = abba_app.ctl.sim.report()["deadlocks"]  # type: ignore[misc]
        targets = [e["acquired_event"] for e in dl["edges"]]
        assert len(targets) == 2 and all(t < dl["event"] for t in targets)
        abba_app.screen.query_one(LockHolders).focus()
        seen = []
        for _ in range(3):
            await pilot.press("e")
            await settle(abba_app, pilot)
            seen.append(abba_app.ctl.sim.event)
        assert seen == [targets[0], targets[1], targets[0]]
        ev = abba_app.ctl.sim.event_at(targets[0])
        assert ev.name == "lock_acquired" and ev.fields["lock"] == dl["edges"][0]["wants"]
