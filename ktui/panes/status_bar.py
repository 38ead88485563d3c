"""The status line at the top of every screen: the screen, scenario,
simulated time, ``#event/recorded``, the status word, the kernel's warnings
(count and last message, as dmesg would show them) and why the last run
stopped. During a run, time and event are the run's live position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from ktui.sim.units import fmt_ns


@dataclass(frozen=True, slots=True, eq=False)
class StatusView:
    """Everything the status line shows."""

    scenario: str
    """Scenario name."""
    time_ns: int
    """Simulated time at the current position."""
    event: int
    """Current position."""
    recorded: int
    """Events recorded."""
    end: int | None
    """Last event of the run, once known."""
    word: str
    """PAUSED, RUNNING, PLAYING, BREAKPOINT, DEADLOCK, FINISHED or LIMIT."""
    reason: str
    """Why the last run stopped, or a note (an error of the last command)."""
    speed: int = 0
    """Events per frame while playing (0: not playing)."""
    warnings: int = 0
    """Kernel BUG/WARNING messages up to this position (``snap.log``)."""
    last_warning: str = ""
    """The last of them (``WARNING: bad unlock balance detected!``)."""


EMPTY_STATUS = StatusView("", 0, 0, 0, None, "PAUSED", "")
"""Before the app has a simulator."""

WORD_STYLES: dict[str, str] = {
    "PAUSED": "bold black on grey70",
    "RUNNING": "bold black on green",
    "PLAYING": "bold black on green",
    "BREAKPOINT": "bold black on yellow",
    "DEADLOCK": "bold white on red",
    "FINISHED": "bold black on cyan",
    "LIMIT": "bold black on grey70",
    "ERROR": "bold white on red",
}
WARNING_STYLE = "bold black on dark_orange"
"""The kernel-warning badge."""


def status_text(view: StatusView, title: str = "") -> Text:
    """The status line as Rich text.

    Args:
        view: What to show.
        title: The screen's name, after ``ktui``.
    """
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f" ktui{':' + title if title else ''} ", style="bold reverse")
    text.append(f" {view.scenario} ", style="bold")
    text.append(f" t={fmt_ns(view.time_ns)} ", style="bold cyan")
    total = f"{view.recorded}" + ("" if view.end is None else "")
    text.append(f" #{view.event}/{total} ", style="bold")
    if view.end is not None:
        text.append("(end) " if view.event >= view.end else "", style="dim")
    text.append(f" {view.word} ", style=WORD_STYLES.get(view.word, "bold reverse"))
    if view.warnings:
        text.append(" ")
        text.append(f" ⚠ {view.warnings} {view.last_warning} ", style=WARNING_STYLE)
    if view.speed:
        text.append(f" ▶ {view.speed} ev/frame", style="green")
    if view.reason:
        text.append(f"  {view.reason}", style="italic")
    return text


class StatusBar(Widget):
    """One-line status, docked at the top."""

    DEFAULT_CSS: ClassVar[str] = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
    }
    """

    view: reactive[StatusView] = reactive(EMPTY_STATUS)
    """What to show."""

    def __init__(self, title: str = "") -> None:
        super().__init__()
        self.title = title
        """The screen's name, shown after ``ktui``."""

    def render(self) -> Text:
        return status_text(self.view, self.title)
