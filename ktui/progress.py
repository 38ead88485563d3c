"""The progress bar of a long ``ktui run`` (rich, on stderr).

Driven by the simulator's own event count: `RunProgress.poll` is the
``should_stop`` callback that `Simulator.run` calls every 1,024 events, so no
timer thread touches the simulator and the run stays deterministic. The wall
clock is read only here, on the UI side, to decide whether the run has taken
long enough (`SHOW_AFTER_S`) to be worth a bar. The bar goes to stderr, and
only when stderr is a terminal, so piped output and ``--json`` are unchanged.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator

SHOW_AFTER_S: Final = 1.0
"""Wall-clock seconds a run takes before the bar appears."""
REDRAW_S: Final = 0.1
"""Least wall-clock time between two redraws of the bar."""


class RunProgress:
    """A progress bar over a run's events (or its simulated time with --until).

    Args:
        sim: The simulator being run.
        steps: The event limit of the run, if any.
        until_ns: The simulated-time limit, if any (used when there is no
            event limit: the bar then counts simulated ms).
        console: Where the bar is drawn.
        clock: Wall clock in seconds (a parameter so tests need no sleeps).
    """

    def __init__(
        self,
        sim: Simulator,
        steps: int | None,
        until_ns: int | None,
        console: Console,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sim = sim
        self.steps = steps
        self.until_ns = until_ns
        self.console = console
        self.clock = clock
        self.start_event = sim.event
        self.started_at = clock()
        self.progress: Progress | None = None
        """The rich bar, once shown."""
        self._task: TaskID | None = None
        self._drawn_at = 0.0

    @classmethod
    def for_stderr(
        cls, sim: Simulator, steps: int | None, until_ns: int | None
    ) -> RunProgress | None:
        """A bar on stderr, or None when stderr is not a terminal."""
        if not sys.stderr.isatty():
            return None
        return cls(sim, steps, until_ns, Console(stderr=True))

    def _position(self) -> tuple[int, int | None, str]:
        """(completed, total, unit) for the bar."""
        if self.steps is not None:
            return self.sim.event - self.start_event, self.steps, "events"
        if self.until_ns is not None:
            return self.sim.time_ns // 1_000_000, self.until_ns // 1_000_000, "sim ms"
        return self.sim.event - self.start_event, None, "events"

    def poll(self) -> bool:
        """`Simulator.run`'s ``should_stop``: update the bar; never stops the run."""
        now = self.clock()
        completed, total, unit = self._position()
        if self.progress is None:
            if now - self.started_at < SHOW_AFTER_S:
                return False
            self.progress = Progress(
                TextColumn(f"[bold]{escape(self.sim.scenario.name)}[/]"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn(unit),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
                auto_refresh=False,  # no refresh thread: redrawn from poll() only
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._task = self.progress.add_task("run", total=total, completed=completed)
            self.progress.start()
        elif now - self._drawn_at < REDRAW_S:
            return False
        assert self._task is not None
        self.progress.update(self._task, completed=completed)
        self.progress.refresh()
        self._drawn_at = now
        return False

    def close(self) -> None:
        """Remove the bar (it is transient)."""
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
