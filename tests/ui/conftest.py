"""Fixtures for Pilot tests: an app over a freshly loaded scenario."""

from __future__ import annotations

import pytest

import ktui.sim
from ktui.app import KtuiApp


@pytest.fixture
def abba_app() -> KtuiApp:
    """The app over a fresh ``abba`` (two tasks, ABBA mutex deadlock)."""
    return KtuiApp(ktui.sim.load("abba"))


async def settle(app: KtuiApp, pilot: object) -> None:
    """Wait for the worker and for coalesced refreshes to be drawn."""
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    app.refresh_screens()
    await pilot.pause()  # type: ignore[attr-defined]
