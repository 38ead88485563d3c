"""`KtuiApp`: the screens (Textual ``MODES``: the overview, then one per
subsystem with panes), the global keys, and the commands that come up as
Messages. Time travel and the worker live in `ktui.playback`.

Every time-travel key works on every screen: there is one simulator, and
switching screens keeps its position (the new screen gets the current
snapshot at once).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from ktui.commands_palette import ktui_commands
from ktui.messages import BreakpointCommand, SeekRequested
from ktui.panes import pane_groups
from ktui.playback import PlaybackApp
from ktui.screens.breakpoints import BreakpointsScreen
from ktui.screens.goto import GotoDialog, Target
from ktui.screens.help import HelpScreen
from ktui.screens.main import PaneScreen
from ktui.screens.overview import DEFAULT_OVERVIEW, OverviewScreen, toggle_pane
from ktui.screens.subsystem import SubsystemScreen
from ktui.sim.errors import KtuiError

if TYPE_CHECKING:
    from ktui.panes.base import Pane
    from ktui.sim.replay.timeline import Simulator

class KtuiApp(PlaybackApp):
    """The ktui debugger UI around one `Simulator`.

    Args:
        sim: A loaded simulator, at the position to start from.
        max_run_events: Most events one ``c`` runs forward (or a goto runs past
            the recorded history) before it pauses, like ``ktui run --steps``;
            None (the default) runs until a breakpoint, a deadlock, the end or
            escape. Scripts and tests over scenarios that loop forever set it.
    """

    CSS_PATH = "ktui.tcss"
    TITLE = "ktui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "step(1)", "Step", priority=True),
        Binding("left", "step(-1)", "Back", priority=True),
        Binding("c", "continue", "Cont", priority=True),
        Binding("C", "reverse_continue", "Rev", priority=True),
        Binding("space", "play", "Play", priority=True),
        Binding("plus", "speed(1)", "Faster", show=False, priority=True),
        Binding("minus", "speed(-1)", "Slower", show=False, priority=True),
        Binding("escape", "interrupt", "Stop", show=False, priority=True),
        Binding("g", "goto", "Goto", priority=True),
        Binding("b", "breakpoints", "Bkpts", priority=True),
        *(Binding(str(n), f"screen({n - 1})", "Screen", show=n == 1) for n in range(1, 10)),
        Binding("o", "toggle_overview", "Overview ±", show=False),
        Binding("question_mark", "help", "Help", priority=True),
        Binding("q", "quit", "Quit", priority=True),
    ]

    def __init__(self, sim: Simulator, max_run_events: int | None = None) -> None:
        super().__init__(sim, max_run_events)
        self.overview: list[str] = list(DEFAULT_OVERVIEW)
        """Pane ids on the overview screen (for this session)."""
        reader = self.ctl.reader()
        self.add_mode("overview", lambda: OverviewScreen(self.overview, reader))
        for group in pane_groups():
            self.add_mode(group.name, partial(SubsystemScreen, group, reader))

    def on_mount(self) -> None:
        self.switch_mode("overview")
        self.call_after_refresh(self.refresh_screens)
        # Every frame allocates thousands of strips and segments; at the
        # default gen-0 threshold (700) the collector runs several times a
        # frame and its full passes over the DOM made 1 frame in 20 take
        # ~80 ms (benchmarks/bench_ui.py). Nothing here builds cycles that
        # must be freed promptly, so collect far less often, and leave the
        # objects that exist after start-up out of the scans.
        gc.freeze()
        gc.set_threshold(10_000, 50, 100)

    def screen_titles(self) -> list[tuple[str, str]]:
        """``(mode, title)`` of every screen, in key order (1, 2, ...)."""
        return [("overview", "Overview")] + [(g.name, g.title) for g in pane_groups()]

    def get_key_display(self, binding: Binding) -> str:
        """The screen keys show as one ``1-N`` entry in the footer."""
        if binding.action.startswith("screen("):
            return f"1-{len(self.screen_titles())}"
        return super().get_key_display(binding)

    # -- screens --------------------------------------------------------------
    async def action_screen(self, index: int) -> None:
        """Switch to screen `index` (key ``index + 1``), keeping the position."""
        titles = self.screen_titles()
        if not 0 <= index < len(titles):
            return
        if isinstance(self.screen, BreakpointsScreen):
            self.screen.dismiss()
        await self.switch_mode(titles[index][0])
        self.refresh_screens()

    async def action_toggle_overview(self) -> None:
        """Add the focused pane to the overview, or remove it from there."""
        screen = self.screen
        pane: Pane | None = screen.focused_pane() if isinstance(screen, PaneScreen) else None
        if pane is None:
            return
        self.overview, self.ctl.note = toggle_pane(self.overview, pane)
        for stack in self._screen_stacks.values():
            for overview in stack:
                if isinstance(overview, OverviewScreen):
                    await overview.choose(self.overview)
        self.refresh_screens()

    async def reveal_pane(self, pane_id: str) -> Pane | None:
        """Switch to the first screen that shows pane `pane_id` and show it
        there (for ``ktui render --pane``)."""
        if not (isinstance(self.screen, PaneScreen) and self.screen.has_pane(pane_id)):
            for index in range(len(self.screen_titles())):
                await self.action_screen(index)
                if isinstance(self.screen, PaneScreen) and self.screen.has_pane(pane_id):
                    break
        return self.screen.show_pane(pane_id) if isinstance(self.screen, PaneScreen) else None

    def action_goto(self) -> None:
        """Ask for an event or a time and go there."""
        self.push_screen(GotoDialog(), self._goto_done)

    def _goto_done(self, target: Target | None) -> None:
        if target is not None:
            self.post_message(SeekRequested(*target))

    def action_breakpoints(self) -> None:
        """Open (or close) the breakpoints screen."""
        if isinstance(self.screen, BreakpointsScreen):
            self.screen.dismiss()
            return
        self.push_screen(BreakpointsScreen())
        self.refresh_screens()

    def action_help(self) -> None:
        """Show the help screen."""
        self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Interrupt any run and exit with status 0."""
        self.ctl.stop_flag.set()
        self.exit(0)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every action in the command palette."""
        yield from super().get_system_commands(screen)
        yield from ktui_commands(self)

    # -- commands up ----------------------------------------------------------
    def on_breakpoint_command(self, message: BreakpointCommand) -> None:
        if self.ctl.busy:
            return
        screen = self.screen
        try:
            self.ctl.change_breakpoint(message.op, message.expr, message.bp_id)
        except KtuiError as exc:
            if isinstance(screen, BreakpointsScreen):
                screen.error = str(exc)
            else:
                self.ctl.note = str(exc)
            return
        if message.op == "add" and isinstance(screen, BreakpointsScreen):
            screen.breakpoint_added()
        self.refresh_screens()


def run_app(scenario: str) -> int:
    """Load `scenario` and run the interactive app.

    Args:
        scenario: A built-in scenario name or a .toml path.

    Returns:
        The exit status (0).

    Raises:
        KtuiError: The scenario cannot be loaded (before the app starts).
    """
    import ktui.sim

    sim = ktui.sim.load(scenario)
    app = KtuiApp(sim)
    result = app.run()
    return result if isinstance(result, int) else (app.return_code or 0)
