"""`KtuiApp`: owns the simulator (through `SimController`), the global
time-travel keys, and the push of snapshots into screens.

Commands come up as Messages (`SeekRequested`, `BreakpointCommand`) or key
actions; the app applies them and pushes a fresh `MachineSnapshot` down,
at most every `REFRESH_INTERVAL` seconds while keys repeat. Long runs go to
one exclusive worker thread; nothing else touches the simulator meanwhile.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Input

from ktui.controller import SPEEDS, SimController
from ktui.messages import BreakpointCommand, SeekRequested
from ktui.screens.base import SnapshotScreen
from ktui.screens.breakpoints import BreakpointsScreen
from ktui.screens.goto import GotoDialog, Target
from ktui.screens.help import HelpScreen
from ktui.screens.main import MainScreen
from ktui.sim.errors import KtuiError

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator

REFRESH_INTERVAL = 0.03
"""Seconds between screen updates while step keys repeat."""
PLAY_INTERVAL = 1 / 30
"""Seconds between animation frames while playing."""
GUARDED = {"step", "continue", "reverse_continue", "goto", "breakpoints", "help", "quit", "speed", "play"}
"""Global actions switched off while typing in an Input or inside a modal."""


class KtuiApp(App[int]):
    """The ktui debugger UI around one `Simulator`.

    Args:
        sim: A loaded simulator, at the position to start from.
    """

    CSS_PATH = "ktui.tcss"
    TITLE = "ktui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right", "step(1)", "Step", priority=True),
        Binding("left", "step(-1)", "Back", priority=True),
        Binding("c", "continue", "Cont", priority=True),
        Binding("C", "reverse_continue", "Rev-cont", priority=True),
        Binding("space", "play", "Play", priority=True),
        Binding("plus", "speed(1)", "Faster", show=False, priority=True),
        Binding("minus", "speed(-1)", "Slower", show=False, priority=True),
        Binding("escape", "interrupt", "Stop", show=False, priority=True),
        Binding("g", "goto", "Goto", priority=True),
        Binding("b", "breakpoints", "Bkpts", priority=True),
        Binding("question_mark", "help", "Help", priority=True),
        Binding("q", "quit", "Quit", priority=True),
    ]

    def __init__(self, sim: Simulator) -> None:
        super().__init__()
        self.ctl = SimController(sim)
        """The simulator's only handle on the UI side."""
        self._last_refresh = 0.0
        self._refresh_timer: Timer | None = None
        self._play_timer: Timer | None = None
        self._progress_timer: Timer | None = None

    def on_mount(self) -> None:
        self.push_screen(MainScreen(self.ctl.reader()))
        self.refresh_screens()
        # Every frame allocates thousands of strips and segments; at the
        # default gen-0 threshold (700) the collector runs several times a
        # frame and its full passes over the DOM made 1 frame in 20 take
        # ~80 ms (benchmarks/bench_ui.py). Nothing here builds cycles that
        # must be freed promptly, so collect far less often, and leave the
        # objects that exist after start-up out of the scans.
        gc.freeze()
        gc.set_threshold(10_000, 50, 100)

    # -- snapshots down -----------------------------------------------------
    def refresh_screens(self) -> None:
        """Push the current snapshot and status into every snapshot screen."""
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        self._last_refresh = time.monotonic()
        snap = None if self.ctl.busy else self.ctl.snapshot()
        status = self.ctl.status_view(playing=self._play_timer is not None)
        with self.batch_update():
            for screen in self.screen_stack:
                if isinstance(screen, SnapshotScreen):
                    screen.show(snap, status)

    def request_refresh(self) -> None:
        """Refresh now, or once `REFRESH_INTERVAL` after the last refresh."""
        if self._refresh_timer is not None:
            return
        delay = self._last_refresh + REFRESH_INTERVAL - time.monotonic()
        if delay <= 0:
            self.refresh_screens()
        else:
            self._refresh_timer = self.set_timer(delay, self.refresh_screens)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Global keys give way to Inputs and modals; most wait for a run."""
        if action in GUARDED:
            if isinstance(self.screen, ModalScreen) or isinstance(self.focused, Input):
                return False
            if self.ctl.busy and action not in ("play", "quit", "help"):
                return None
        if action == "interrupt":
            return self.ctl.busy or self._play_timer is not None
        return True

    # -- time travel ----------------------------------------------------------
    def action_step(self, n: int) -> None:
        """Step `n` events (negative: back); the redraw is coalesced."""
        self._stop_play()
        self._apply(partial(self.ctl.step, n))
        self.request_refresh()

    def action_continue(self) -> None:
        """Run to the next breakpoint, deadlock or the end, in the worker."""
        self._start(self.ctl.run_continue)

    def action_reverse_continue(self) -> None:
        """Run back to the previous breakpoint hit or deadlock, in the worker."""
        self._start(self.ctl.run_reverse)

    def action_play(self) -> None:
        """Start or stop the animated run (interrupts a running ``c``)."""
        if self.ctl.busy:
            self.action_interrupt()
        elif self._play_timer is not None:
            self._stop_play()
        else:
            self._play_timer = self.set_interval(PLAY_INTERVAL, self._play_frame)
            self.refresh_screens()

    def action_speed(self, delta: int) -> None:
        """Change the play speed."""
        self.ctl.speed_index = max(0, min(len(SPEEDS) - 1, self.ctl.speed_index + delta))
        self.refresh_screens()

    def action_interrupt(self) -> None:
        """Stop playing, or interrupt the running worker."""
        self.ctl.stop_flag.set()
        self._stop_play()

    def _play_frame(self) -> None:
        if not self._apply(self.ctl.play_frame):
            self._stop_play()
        self.refresh_screens()

    def _stop_play(self) -> None:
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
            self.refresh_screens()

    def _apply(self, command: Callable[[], object]) -> object:
        try:
            return command()
        except KtuiError as exc:
            self.ctl.note = str(exc)
            return False

    def _start(self, command: Callable[[], None]) -> None:
        if self.ctl.busy:
            return
        self._stop_play()
        self.ctl.busy = True
        self.ctl.stop_flag.clear()
        self.ctl.progress = self.ctl.sim.event
        self.refresh_screens()
        self._progress_timer = self.set_interval(0.1, self.refresh_screens)
        self._run_worker(command)

    @work(thread=True, exclusive=True, group="sim")
    def _run_worker(self, command: Callable[[], None]) -> None:
        note = ""
        try:
            command()
        except KtuiError as exc:
            note = str(exc)
        finally:
            self.call_from_thread(self._worker_done, note)

    def _worker_done(self, note: str) -> None:
        self.ctl.busy = False
        self.ctl.note = note or self.ctl.note
        if self._progress_timer is not None:
            self._progress_timer.stop()
            self._progress_timer = None
        self.refresh_screens()

    # -- commands up ----------------------------------------------------------
    def on_seek_requested(self, message: SeekRequested) -> None:
        if self.ctl.busy:
            return
        self._stop_play()
        seek = partial(self.ctl.seek, message.event, message.time_ns)
        if self.ctl.cheap_seek(message.event, message.time_ns):
            self._apply(seek)
            self.refresh_screens()
        else:
            self._start(seek)

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

    # -- screens --------------------------------------------------------------
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
        for title, help_text, callback in (
            ("Step forward", "One event forward (→)", partial(self.action_step, 1)),
            ("Step back", "One event back (←)", partial(self.action_step, -1)),
            ("Continue", "To the next breakpoint, deadlock or end (c)", self.action_continue),
            ("Reverse continue", "Back to the previous breakpoint hit (C)", self.action_reverse_continue),
            ("Play / pause", "Animated run (space)", self.action_play),
            ("Faster", "Play speed up (+)", partial(self.action_speed, 1)),
            ("Slower", "Play speed down (-)", partial(self.action_speed, -1)),
            ("Interrupt", "Stop a run (escape)", self.action_interrupt),
            ("Go to…", "An event index or a time (g)", self.action_goto),
            ("Breakpoints", "List, add, enable, delete (b)", self.action_breakpoints),
            ("Help", "Keys and panes (?)", self.action_help),
        ):
            yield SystemCommand(title, help_text, callback)


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
