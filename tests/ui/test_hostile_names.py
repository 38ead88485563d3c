"""Pilot: task and scenario names that look like markup show literally in
every pane and screen (issue #13), and never raise MarkupError."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

import ktui.sim
from ktui.app import KtuiApp
from ktui.panes.base import Pane
from ktui.panes.status_bar import StatusBar, status_text
from ktui.render import screen_text
from ktui.screens.main import PaneScreen
from tests.hostile import MARKUP_NAMES, WIDE_NAMES, abba_named, abba_tasks_named, ascii_twin


@pytest.mark.parametrize("name", MARKUP_NAMES)
async def test_markup_names_show_literally(tmp_path: Path, name: str, settle) -> None:
    app = KtuiApp(ktui.sim.load(str(abba_named(tmp_path, name))))
    comm = name[:15]
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("c")
        await settle(app, pilot)
        assert app.ctl.sim.status == "deadlock"
        status = status_text(app.screen.query_one(StatusBar).view).plain
        assert f" {name} " in status  # the scenario name, as written
        for pane in ("rq", "task"):
            widget = await app.reveal_pane(pane)
            await settle(app, pilot)
            region = widget.region
            lines = screen_text(app, (120, 40))[region.y : region.bottom]
            text = "\n".join(line[region.x : region.right] for line in lines)
            assert comm[:9] in text, (pane, text)  # the rq COMM column is 9 wide
        assert f"Task {comm}/1" in "\n".join(screen_text(app, (120, 40)))  # the task pane's border title
        # every screen composes with the name in it
        for key in ("1", "2", "3", "b", "escape", "?", "escape"):
            await pilot.press(key)
            await settle(app, pilot)


async def _screens(path: Path, size: tuple[int, int], settle) -> dict[tuple[str, str, str], list[str]]:
    """Every screen's text, with each pane shown, at events 6 and 16 (the
    deadlock) of `path`: ``(position, screen, pane) -> lines``."""
    app = KtuiApp(ktui.sim.load(str(path)))
    app.animation_level = "none"  # the tab underline jumps: no frame half-way
    out: dict[tuple[str, str, str], list[str]] = {}
    async with app.run_test(size=size) as pilot:
        for at in ("6", "16"):
            await pilot.press("g", *at, "enter")
            await settle(app, pilot)
            for index, (mode, _title) in enumerate(app.screen_titles()):
                await app.action_screen(index)
                await settle(app, pilot)
                screen = app.screen
                assert isinstance(screen, PaneScreen)
                for pane in screen.query(Pane):
                    screen.show_pane(pane.PANE_ID)
                    await settle(app, pilot)
                    out[at, mode, pane.PANE_ID] = screen_text(app, size)
    return out


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
async def test_wide_names_show_literally_and_aligned(tmp_path: Path, size: tuple[int, int], settle) -> None:
    """Tasks 日本語 and 日本語x (and a scenario 日本語x): every pane of every
    screen, wide or tabbed, draws exactly what it draws for ASCII names of
    the same cell widths, so every column after a name lines up; a wide
    character cut in half by a narrow column becomes a space."""
    t1, t2 = WIDE_NAMES
    wide = await _screens(abba_tasks_named(tmp_path, t1, t2, t2), size, settle)
    twin = await _screens(
        abba_tasks_named(tmp_path, ascii_twin(t1), ascii_twin(t2), ascii_twin(t2)), size, settle
    )
    assert wide.keys() == twin.keys()
    seen = set()
    for key, lines in wide.items():
        assert len(lines) == len(twin[key]), key
        for row, (got, want) in enumerate(zip(lines, twin[key], strict=True)):
            cells = ascii_twin(got)
            assert cell_len(got) == len(cells) == len(want), (key, row, got)
            # the same cell for cell, but where a narrow column cut a wide character in half
            bad = [i for i, (a, b) in enumerate(zip(cells, want, strict=True)) if a != b and not (a == " " and b in "xyz")]
            assert not bad, (key, row, f"\n{got}\n{want}")
            if t1 in got:
                seen.add(key[2])
    assert {"rq", "task", "trace"} <= seen  # the names show, literally
