"""Pilot: 400 seeded random keys at 60x20 and 80x24 over abba and bench-cpu
end without an exception, with the app responsive and the simulator where a
fresh replay puts it (issue #13: "no input crashes ktui").

The keys are every key a ktui screen, pane or dialog binds (collected from
their ``BINDINGS``, so a new pane's keys join by themselves), plus printable
junk and the keys that move focus or answer dialogs. The test stays
deterministic and bounded in work:

- ``c`` runs at most `MAX_RUN_EVENTS` events (`KtuiApp`'s ``max_run_events``;
  bench-cpu loops forever), and after each key the test waits for the worker,
  so a run always ends where the cap or a stop puts it;
- the play animation's clock is the test's: the timer never fires, and each
  key while playing runs one frame; redraws are not coalesced on a timer;
- each key goes in as the terminal driver sends it (a `Key` event to the
  app), and the test then waits until the app and every node of the screen
  have handled what was queued -- an event-driven wait, where
  ``Pilot.press`` sleeps until the CPU looks idle (40 ms a key at least:
  1,600 keys would take over a minute). The screen is then laid out and
  drawn, so every key's screen is rendered.
"""

from __future__ import annotations

import asyncio
import importlib
import pkgutil
import random
import string
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from textual import events
from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

import ktui.panes
import ktui.playback
import ktui.screens
import ktui.sim
from ktui.app import KtuiApp
from ktui.panes import pane_classes
from ktui.panes.status_bar import StatusBar, status_text
from ktui.render import screen_text
from ktui.screens.main import PaneScreen

Settle = Callable[[KtuiApp, Any], Awaitable[None]]

SEED = 13
"""The random.Random seed (the issue's number)."""
N_KEYS = 400
MAX_RUN_EVENTS = 3_000
"""Events per ``c`` (and per goto past the record): enough for bench-cpu's
run queues to fill and its trace to page, small enough that ``C`` and the
fresh replay at the end are cheap."""
LEFT_OUT = {"quit"}
"""Actions whose keys are not drawn: ``q`` would end the test early (it is
pressed once at the end instead). Textual's own bindings (ctrl+q, ctrl+p's
palette, whose commands include saving a screenshot) are not ktui's and are
not drawn either."""
EXTRA = ("tab", "shift+tab", "escape", "enter", "up", "down", "left", "right", "backspace", "space")
JUNK = tuple(c for c in string.ascii_letters + string.digits + string.punctuation if c != "q") + (
    "é",
    "日",
)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def ktui_bound_keys() -> list[str]:
    """Every key bound by the app or a ktui screen, pane or widget class
    (all of ktui.screens and ktui.panes imported, and every descriptor's
    panes), less those of `LEFT_OUT` actions; sorted."""
    for package in (ktui.screens, ktui.panes):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
    pane_classes()  # the subsystem descriptors' panes, wherever they live
    classes = [cls for cls in _subclasses(DOMNode) if cls.__module__.split(".")[0] == "ktui"]
    keys: set[str] = set()
    banned: set[str] = set()
    for cls in {KtuiApp, *classes}:
        for binding in Binding.make_bindings(cls.__dict__.get("BINDINGS", ())):
            (banned if binding.action in LEFT_OUT else keys).add(binding.key)
    return sorted(keys - banned)


def test_the_key_pool_has_every_pane_and_screen_key() -> None:
    keys = ktui_bound_keys()
    # the app's, the pane screen's, a pane's, the breakpoints screen's
    assert {"c", "C", "g", "b", "space", "question_mark", "1", "tab", "z", "Z", "down", "a", "e", "delete"} <= set(
        keys
    )
    assert "q" not in keys


def key_sequence() -> list[str]:
    """The seeded keys: half bound keys, a quarter junk, a quarter `EXTRA`."""
    rng = random.Random(SEED)
    bound = ktui_bound_keys()
    out = []
    for _ in range(N_KEYS):
        r = rng.random()
        pool = bound if r < 0.5 else JUNK if r < 0.75 else EXTRA
        out.append(rng.choice(pool))
    return out


def key_event(key: str) -> events.Key:
    """The `Key` event a terminal sends for `key` (as ``App._press_keys`` builds it)."""
    if len(key) == 1 and not key.isalnum():
        key = _character_to_key(key)
    try:
        char: str | None = unicodedata.lookup(_get_unicode_name_from_key(REPLACED_KEYS.get(key, key)))
    except KeyError:
        char = key if len(key) == 1 else None
    return events.Key(key, char)


async def drain(app: KtuiApp, rounds: int = 3) -> None:
    """Wait until the app and every node of its screen have handled the
    messages queued so far, `rounds` times (what they post in turn is
    handled in the next round)."""
    for _ in range(rounds):
        nodes = [app, *app.screen.walk_children(with_self=True)]
        done = asyncio.Event()
        pending = [0]

        def one(pending: list[int] = pending, done: asyncio.Event = done) -> None:
            pending[0] -= 1
            if pending[0] == 0:
                done.set()

        pending[0] = sum(1 for node in nodes if node.call_later(one))
        if pending[0]:
            await done.wait()


async def settle_key(app: KtuiApp) -> None:
    """Drain, then lay out and draw the screen (what `Pilot.pause` does, at
    once rather than on the screen's frame timer); drawing runs the callbacks
    that wait for a refresh (`call_after_refresh`: a pane's focus after a tab
    switch), so drain what they post. Fewer rounds let the frame timer decide
    where some keys go (seen: the focus after ``tab``)."""
    await drain(app)
    app.screen._on_timer_update()
    await drain(app, 2)


async def press(app: KtuiApp, key: str) -> None:
    """Send `key`; wait for it, for any run it started, and for the redraw."""
    app.post_message(key_event(key))
    await settle_key(app)
    if app.playing:
        app._play_frame()
    if app.ctl.busy:
        await app.workers.wait_for_complete()
        await settle_key(app)


def status_line(app: KtuiApp) -> str:
    return status_text(app.screen.query_one(StatusBar).view).plain


@pytest.mark.parametrize("size", [(60, 20), (80, 24)], ids=["60x20", "80x24"])
@pytest.mark.parametrize("scenario", ["abba", "bench-cpu"])
async def test_random_keys_end_without_an_exception(
    scenario: str, size: tuple[int, int], settle: Settle, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ktui.playback, "PLAY_INTERVAL", 1e9)  # frames come from `press`
    monkeypatch.setattr(ktui.playback, "REFRESH_INTERVAL", 0.0)  # no redraw waits on a timer
    keys = key_sequence()
    assert keys == key_sequence()  # the same keys every time
    app = KtuiApp(ktui.sim.load(scenario), max_run_events=MAX_RUN_EVENTS)
    sim = app.ctl.sim
    app.animation_level = "none"  # tab underlines and scrolls jump: nothing to wait for
    async with app.run_test(size=size) as pilot:
        for i, key in enumerate(keys):
            await press(app, key)
            assert not app.ctl.busy and app.is_running, (i, key)
            assert sim.event <= sim.recorded
        assert len(screen_text(app, size)) == size[1]
        # back to a pane screen, not playing; then one step back moves the model and the status line
        for _ in range(4):
            if isinstance(app.screen, PaneScreen):
                break
            await pilot.press("escape")
            await pilot.pause()
        else:
            await pilot.press("1")
        if app.playing:
            await pilot.press("space")
        await settle(app, pilot)
        assert isinstance(app.screen, PaneScreen) and not app.playing
        assert len(app.screen_stack) == 1
        if sim.event == 0:
            await pilot.press("right")
        before = sim.event
        await pilot.press("left")
        await settle(app, pilot)
        assert sim.event == before - 1
        assert f"#{sim.event}/" in status_line(app)
        # the position is the one a fresh replay reaches
        fresh = ktui.sim.load(scenario)
        assert fresh.step(sim.event) == sim.event
        assert fresh.state_hash() == sim.state_hash()
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
