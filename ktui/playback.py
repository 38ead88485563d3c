"""`PlaybackApp`: the time-travel half of the app -- the one `SimController`,
snapshots pushed into screens, the step/continue/play keys, and the single
worker thread that long runs go to.

Redraws are coalesced to at most one every `REFRESH_INTERVAL` seconds while
keys repeat. During a worker run nothing else calls into the simulator
(`SimController.busy`); the status line shows the run's live position,
refreshed every `PROGRESS_INTERVAL` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input

from ktui.controller import SPEEDS, SimController
from ktui.messages import SeekRequested
from ktui.screens.base import SnapshotScreen
from ktui.sim.errors import KtuiError

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator

REFRESH_INTERVAL = 0.03
"""Seconds between screen updates while step keys repeat."""
PLAY_INTERVAL = 1 / 30
"""Seconds between animation frames while playing."""
PROGRESS_INTERVAL = 0.1
"""Seconds between status updates during a worker run."""
GUARDED = {"step", "continue", "reverse_continue", "goto", "breakpoints", "help", "quit", "speed",
           "play", "screen", "toggle_overview"}
"""Global actions switched off while typing in an Input or inside a modal."""
DURING_RUN = {"play", "quit", "help", "screen"}
"""Guarded actions that stay on while the worker runs."""


class PlaybackApp(App[int]):
    """An app around one `Simulator` with the time-travel actions.

    Args:
        sim: A loaded simulator, at the position to start from.
        max_run_events: Most events one ``c`` (or a goto past the recorded
            history) runs before pausing; None: until a stop or an interrupt.
    """

    def __init__(self, sim: Simulator, max_run_events: int | None = None) -> None:
        super().__init__()
        self.ctl = SimController(sim, max_run_events)
        """The simulator's only handle on the UI side."""
        self._last_refresh = 0.0
        self._refresh_timer: Timer | None = None
        self._play_timer: Timer | None = None
        self._progress_timer: Timer | None = None

    @property
    def playing(self) -> bool:
        """Whether the animated run is on."""
        return self._play_timer is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Global keys give way to Inputs and modals; most wait for a run."""
        if action in GUARDED:
            if isinstance(self.screen, ModalScreen) or isinstance(self.focused, Input):
                return False
            if self.ctl.busy and action not in DURING_RUN:
                return None
        if action == "interrupt":
            return self.ctl.busy or self.playing
        return True

    # -- snapshots down -----------------------------------------------------
    def refresh_screens(self) -> None:
        """Push the current snapshot and status into every snapshot screen."""
        if self._refresh_timer is not None:
            self._refresh_timer.stop()
            self._refresh_timer = None
        self._last_refresh = time.monotonic()
        snap = None if self.ctl.busy else self.ctl.snapshot()
        status = self.ctl.status_view(playing=self.playing)
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

    # -- time travel ----------------------------------------------------------
    def action_step(self, n: int) -> None:
        """Step `n` events (negative: back); the redraw is coalesced."""
        self.stop_play()
        self.apply(partial(self.ctl.step, n))
        self.request_refresh()

    def action_continue(self) -> None:
        """Run to the next breakpoint, deadlock or the end, in the worker."""
        self.start_run(self.ctl.run_continue)

    def action_reverse_continue(self) -> None:
        """Run back to the previous breakpoint hit or deadlock, in the worker."""
        self.start_run(self.ctl.run_reverse)

    def action_play(self) -> None:
        """Start or stop the animated run (interrupts a running ``c``)."""
        if self.ctl.busy:
            self.action_interrupt()
        elif self.playing:
            self.stop_play()
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
        self.stop_play()

    def _play_frame(self) -> None:
        if not self.apply(self.ctl.play_frame):
            self.stop_play()
        self.refresh_screens()

    def stop_play(self) -> None:
        """Stop the animated run, if on."""
        if self._play_timer is not None:
            self._play_timer.stop()
            self._play_timer = None
            self.refresh_screens()

    def apply(self, command: Callable[[], object]) -> object:
        """Run `command` on the event loop; an error becomes the status note."""
        try:
            return command()
        except KtuiError as exc:
            self.ctl.note = str(exc)
            return False

    def start_run(self, command: Callable[[], None]) -> None:
        """Run `command` in the worker thread (unless a run is going on)."""
        if self.ctl.busy:
            return
        self.stop_play()
        self.ctl.start_run()
        self.refresh_screens()
        self._progress_timer = self.set_interval(PROGRESS_INTERVAL, self.refresh_screens)
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

    def on_seek_requested(self, message: SeekRequested) -> None:
        """Go to an event or a time: at once inside the record, else in the worker."""
        if self.ctl.busy:
            return
        self.stop_play()
        seek = partial(self.ctl.seek, message.event, message.time_ns)
        if self.ctl.cheap_seek(message.event, message.time_ns):
            self.apply(seek)
            self.refresh_screens()
        else:
            self.start_run(seek)
