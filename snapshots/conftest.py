"""Fixtures for snapshot tests.

Every picture starts from a freshly loaded built-in scenario (``abba``), so
it depends only on the model and the UI code. Each fixture's docstring says
why it exists.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

import ktui.sim
from ktui.app import KtuiApp


@pytest.fixture
def abba() -> Callable[[], KtuiApp]:
    """A factory for the app over a fresh ``abba``: a new simulator per
    picture, so no test sees another's position or breakpoints."""
    return lambda: KtuiApp(ktui.sim.load("abba"))


async def _settle(pilot: object) -> None:
    app = pilot.app  # type: ignore[attr-defined]
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    # step keys redraw at most every 30 ms; draw the final position now so
    # the picture does not depend on how fast the keys were handled
    app.refresh_screens()
    await pilot.pause()  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.fixture
def settle() -> Callable[[object], Awaitable[None]]:
    """Wait for the run worker and the coalesced redraw before the picture
    is taken (otherwise a picture could show the position before the run)."""
    return _settle
