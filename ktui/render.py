"""Headless rendering for ``ktui render`` and the interactive entry point.

`render_main` runs the app without a terminal (``App.run_test``) at a given
size and position and returns the screen -- or one pane -- as plain text,
optionally writing the SVG too. Plain text has no colours, clocks or cursor
blink, so it makes stable goldens.
"""

from __future__ import annotations

import asyncio
import io
import re

from rich.console import Console

from ktui.renderables.units import parse_target
from ktui.sim.errors import CommandError

_SIZE_RE = re.compile(r"^(\d+)x(\d+)$")
MIN_SIZE = (20, 8)
"""Smallest terminal rendered."""
MAX_SIZE = (1000, 500)
"""Largest terminal rendered (a guard against typos)."""


def parse_size(text: str) -> tuple[int, int]:
    """Parse ``120x40``.

    Raises:
        CommandError: Not ``WIDTHxHEIGHT``, or outside `MIN_SIZE` .. `MAX_SIZE`.
    """
    m = _SIZE_RE.match(text.strip())
    if not m:
        raise CommandError(f"--size {text!r}: expected WIDTHxHEIGHT, e.g. 120x40")
    size = int(m.group(1)), int(m.group(2))
    if not (MIN_SIZE[0] <= size[0] <= MAX_SIZE[0] and MIN_SIZE[1] <= size[1] <= MAX_SIZE[1]):
        raise CommandError(
            f"--size {text!r}: out of range ({MIN_SIZE[0]}x{MIN_SIZE[1]} .. {MAX_SIZE[0]}x{MAX_SIZE[1]})"
        )
    return size


def render_main(
    scenario: str,
    at: str | None = None,
    pane: str | None = None,
    size: tuple[int, int] = (120, 40),
    svg: str | None = None,
) -> str:
    """Render the main screen of `scenario` headless.

    Args:
        scenario: Built-in name or .toml path.
        at: ``"1234"``/``"#1234"`` (event) or ``"5ms"`` (time); None runs to
            the first stop, like pressing ``c``.
        pane: A pane id (``rq``, ``locks``, ``task``, ``timeline``, ``trace``)
            to return alone, or None for the whole screen.
        size: Terminal ``(columns, rows)``.
        svg: Also write the screen as SVG to this path.

    Returns:
        Plain text, one line per terminal row (trailing spaces stripped).

    Raises:
        KtuiError: Bad scenario, position or pane name.
    """
    import ktui.sim
    from ktui.panes import pane_ids

    if pane is not None and pane not in pane_ids():
        raise CommandError(f"--pane {pane!r}: expected one of {', '.join(pane_ids())}")
    sim = ktui.sim.load(scenario)
    if at is None:
        sim.run()
    else:
        try:
            event, time_ns = parse_target(at)
        except ValueError as exc:
            raise CommandError(f"--at: {exc}") from None
        if event is not None:
            sim.goto(event)
        elif time_ns is not None:
            sim.goto_time(time_ns)
    return asyncio.run(_render(sim, pane, size, svg))


async def _render(sim: object, pane: str | None, size: tuple[int, int], svg: str | None) -> str:
    from ktui.app import KtuiApp

    app = KtuiApp(sim)  # type: ignore[arg-type]
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        widget = None
        if pane is not None:
            widget = await app.reveal_pane(pane)
            await pilot.pause()
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()
        if svg:
            with open(svg, "w", encoding="utf-8") as f:
                f.write(app.export_screenshot(title=f"ktui {sim.scenario.name}"))  # type: ignore[attr-defined]
        lines = screen_text(app, size)
        if widget is not None:
            region = widget.region
            lines = [line[region.x : region.right] for line in lines[region.y : region.bottom]]
    return "\n".join(line.rstrip() for line in lines) + "\n"


def screen_text(app: object, size: tuple[int, int]) -> list[str]:
    """The app's current screen as plain text lines."""
    width, height = size
    console = Console(
        width=width, height=height, file=io.StringIO(), record=True,
        force_terminal=True, color_system=None, legacy_windows=False, safe_box=False,
    )
    console.print(app.screen._compositor.render_update(full=True))  # type: ignore[attr-defined]
    return console.export_text(styles=False).splitlines()[:height]
