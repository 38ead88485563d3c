"""Fixtures for Pilot tests: an app over a freshly loaded scenario, and a
runner for ``async def`` tests (no pytest-asyncio in the environment)."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable

import pytest

import ktui.sim
from ktui.app import KtuiApp


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run ``async def`` tests to completion in a fresh event loop."""
    if not inspect.iscoroutinefunction(pyfuncitem.obj):
        return None
    kwargs = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    asyncio.run(asyncio.wait_for(pyfuncitem.obj(**kwargs), timeout=120))
    return True


@pytest.fixture
def abba_app() -> KtuiApp:
    """The app over a fresh ``abba`` (two tasks, ABBA mutex deadlock)."""
    return KtuiApp(ktui.sim.load("abba"))


async def _settle(app: KtuiApp, pilot: object) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()  # type: ignore[attr-defined]
    app.refresh_screens()
    await pilot.pause()  # type: ignore[attr-defined]


@pytest.fixture
def settle() -> Callable[[KtuiApp, object], Awaitable[None]]:
    """Wait for the worker and for coalesced refreshes to be drawn."""
    return _settle
