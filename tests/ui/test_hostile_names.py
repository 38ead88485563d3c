"""Pilot: task and scenario names that look like markup show literally in
every pane and screen (issue #13), and never raise MarkupError."""

from __future__ import annotations

from pathlib import Path

import pytest

import ktui.sim
from ktui.app import KtuiApp
from ktui.panes.status_bar import StatusBar, status_text
from ktui.render import screen_text
from tests.hostile import MARKUP_NAMES, abba_named


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
