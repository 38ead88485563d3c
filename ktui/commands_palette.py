"""The command palette's entries (ctrl+p): every key's action by name, and
one entry per screen."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

if TYPE_CHECKING:
    from ktui.app import KtuiApp


def ktui_commands(app: KtuiApp) -> Iterable[SystemCommand]:
    """The ktui entries of the palette, in the order of the help screen."""
    for title, help_text, callback in (
        ("Step forward", "One event forward (→)", partial(app.action_step, 1)),
        ("Step back", "One event back (←)", partial(app.action_step, -1)),
        ("Continue", "To the next breakpoint, deadlock or end (c)", app.action_continue),
        ("Reverse continue", "Back to the previous breakpoint hit (C)", app.action_reverse_continue),
        ("Play / pause", "Animated run (space)", app.action_play),
        ("Faster", "Play speed up (+)", partial(app.action_speed, 1)),
        ("Slower", "Play speed down (-)", partial(app.action_speed, -1)),
        ("Interrupt", "Stop a run (escape)", app.action_interrupt),
        ("Go to…", "An event index or a time (g)", app.action_goto),
        ("Breakpoints", "List, add, enable, delete (b)", app.action_breakpoints),
        ("Add/remove pane on the overview", "The focused pane (o)", app.action_toggle_overview),
        ("Help", "Keys and panes (?)", app.action_help),
    ):
        yield SystemCommand(title, help_text, callback)
    for index, (_, title) in enumerate(app.screen_titles()):
        yield SystemCommand(f"Screen: {title}", f"Switch to the {title} screen ({index + 1})",
                            partial(app.action_screen, index))
