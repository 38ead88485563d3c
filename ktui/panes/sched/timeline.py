"""Timeline pane: a KernelShark-like strip per CPU of which task ran when,
with the current time marked; clicking a column goes to that time.

Built from `TraceReader.switches()` (the recorded ``sched_switch`` events);
``z``/``Z`` zoom in and out around the current time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip

from ktui.panes.base import Area, Pane
from ktui.renderables.timeline import LABEL_WIDTH, MARKS, column_time, timeline_strips
from ktui.sim.kernel.sched.view import EMPTY_SCHED
from ktui.sim.snapshot import MachineSnapshot
from ktui.sim.units import fmt_ns

if TYPE_CHECKING:
    from ktui.sim.snapshot import TraceReader


@dataclass(frozen=True, slots=True, eq=False)
class TimelineView:
    """What the strip needs besides the switch lists."""

    time_ns: int
    """Current simulated time (the cursor)."""
    recorded: int
    """Events recorded (the switch lists are read up to here)."""
    ncpus: int
    """Number of CPUs (rows)."""
    comms: tuple[tuple[int, str], ...]
    """``(pid, comm)`` of every task, for labels."""


EMPTY_TIMELINE = TimelineView(0, 0, 0, ())
"""Before the first snapshot."""


class Timeline(Pane, can_focus=True):
    """Per-CPU run strip; a click asks to go to the clicked time."""

    PANE_ID: ClassVar[str] = "timeline"
    PANE_TITLE: ClassVar[str] = "Timeline"
    AREA: ClassVar[Area] = "strip"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("z", "zoom(1)", "Zoom in"),
        Binding("Z", "zoom(-1)", "Zoom out"),
    ]

    DEFAULT_CSS = """
    Timeline {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        height: auto;
        max-height: 18;
    }
    Timeline:focus {
        border: round $accent;
    }
    """

    class TimeSelected(Message):
        """The user clicked a time in the strip."""

        def __init__(self, time_ns: int) -> None:
            super().__init__()
            self.time_ns = time_ns
            """The clicked time."""

    view: reactive[TimelineView] = reactive(EMPTY_TIMELINE, init=False, repaint=False)
    """Cursor time and CPU count."""
    zoom: reactive[int] = reactive(0, init=False)
    """Zoom level: the window is the recorded span divided by 2**zoom."""

    def __init__(self) -> None:
        super().__init__()
        self._reader: TraceReader | None = None
        self._switches: list[list[tuple[int, int]]] = []
        self._times: list[list[int]] = []
        self._prios: list[list[int]] = []
        self._marks: list[list[tuple[int, str]]] = []
        self._t_end = 0
        self._comms: dict[int, str] = {}
        self._cache: tuple[int, list[Strip]] = (-1, [])
        self._rows = 0

    def bind_reader(self, reader: TraceReader | None) -> None:
        """Read switches from `reader`."""
        self._reader = reader

    def view_of(self, snap: MachineSnapshot) -> TimelineView:
        """Cursor time, record length, CPUs and comms."""
        sched = self.section(snap, "sched", EMPTY_SCHED)
        return TimelineView(snap.time_ns, snap.recorded, snap.ncpus, tuple((t.pid, t.comm) for t in sched.tasks))

    def watch_view(self, view: TimelineView) -> None:
        if self._reader is not None and view.recorded:
            self._switches = self._reader.switches()
            self._times = self._reader.switch_times()
            self._prios = self._reader.switch_prios()
            self._marks = self._reader.marks(MARKS)
            self._t_end = self._reader.time_of(min(view.recorded, len(self._reader)))
        else:
            self._switches = [[] for _ in range(view.ncpus)]
            self._times = [[] for _ in range(view.ncpus)]
            self._prios = [[] for _ in range(view.ncpus)]
            self._marks = [[] for _ in range(view.ncpus)]
            self._t_end = 0
        if len(self._comms) != len(view.comms):
            self._comms = dict(view.comms)
        self._cache = (-1, [])
        self.border_title = f"Timeline  t={fmt_ns(view.time_ns)}" + (f"  zoom x{2 ** self.zoom}" if self.zoom else "")
        rows = len(self._switches) + 1
        self.refresh(layout=rows != self._rows)
        self._rows = rows

    def watch_zoom(self) -> None:
        self.watch_view(self.view)

    def action_zoom(self, delta: int) -> None:
        """Zoom in (1) or out (-1) around the current time."""
        self.zoom = max(0, min(30, self.zoom + delta))

    def window(self) -> tuple[int, int]:
        """The time window shown: ``(t0, t1)``."""
        span = max(1, self._t_end)
        width = max(1, span >> self.zoom)
        t0 = max(0, min(self.view.time_ns - width // 2, span - width))
        return t0, t0 + width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(1, self.view.ncpus) + 1

    def _strips(self) -> list[Strip]:
        width = self.scrollable_content_region.width
        if self._cache[0] != width:
            t0, t1 = self.window()
            strips = timeline_strips(
                self._switches, self._times, self._comms, width, t0, t1, self._t_end, self.view.time_ns,
                self._prios, self._marks,
            )  # fmt: skip
            self._cache = (width, strips)
        return self._cache[1]

    def render_line(self, y: int) -> Strip:
        """Line API: the axis (y=0) or a CPU row."""
        strips = self._strips()
        if 0 <= y < len(strips):
            return strips[y].apply_style(self.rich_style)
        return Strip.blank(self.scrollable_content_region.width, self.rich_style)

    def on_click(self, event: events.Click) -> None:
        """Go to the time under the mouse."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        width = self.scrollable_content_region.width - LABEL_WIDTH
        col = offset.x - LABEL_WIDTH
        if width > 0 and 0 <= col < width and self._t_end:
            t0, t1 = self.window()
            self.post_message(self.TimeSelected(column_time(col, width, t0, t1)))
