"""Trace pane: the recorded events as ftrace text lines around the current
event, which is highlighted; later (already recorded) events are dimmed.

Lines are ftrace's (``comm-pid [cpu] secs: event: fields``, kernel/trace/
trace_output.c) without its fixed-width padding (``%16s-%-7d``, ``%5lu``),
which cost about 20 columns of the fields on an 80- or 120-column terminal;
below `DETAIL_WIDTH` columns the line under the cursor is also shown in
full, wrapped, in the pane's last `DETAIL_LINES` lines.

Reads the append-only log through the read-only `TraceReader`; only visible
lines are formatted (Line API) and formatted text is kept in an `LRUCache`,
so a million-event trace costs what fits on the screen. Choosing a line
(enter or click) asks to go to that event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual.cache import LRUCache
from textual.message import Message
from textual.reactive import reactive

from ktui.panes.base import Area
from ktui.panes.line_list import Cells, LineList
from ktui.renderables.cells import fit, rjust, truncate, wrap
from ktui.sim.snapshot import MachineSnapshot
from ktui.sim.trace import Event, format_fields

if TYPE_CHECKING:
    from ktui.sim.snapshot import TraceReader


@dataclass(frozen=True, slots=True, eq=False)
class TraceCursor:
    """Where the trace pane is: the current position and the record length."""

    event: int
    """Current position (event #event is the last one that happened)."""
    recorded: int
    """Events recorded so far."""


EMPTY_TRACE_CURSOR = TraceCursor(0, 0)
"""Before the first snapshot."""

DETAIL_WIDTH = 160
"""Below this pane width the cursor line is repeated in full at the bottom."""
DETAIL_LINES = 2
"""Lines of that full text."""
DETAIL_STYLE = Style(bgcolor="grey15")
COMM_WIDTH = 12
"""``comm-pid`` is right-aligned to this width (ftrace: 16 + 1 + 7)."""

GUTTER_STYLE = Style(dim=True)
CURRENT_STYLE = Style(bold=True, bgcolor="dark_blue")
FUTURE_STYLE = Style(dim=True)
EVENT_COLORS = {
    "sched_switch": "cyan",
    "sched_wakeup": "green",
    "sched_waking": "green",
    "sched_wakeup_new": "green",
    "deadlock": "bold red",
}


class TraceView(LineList):
    """The event log; the line of the current event is highlighted."""

    PANE_ID: ClassVar[str] = "trace"
    PANE_TITLE: ClassVar[str] = "Trace"
    AREA: ClassVar[Area] = "bottom"

    class EventSelected(Message):
        """The user chose a trace line: go to that event."""

        def __init__(self, event: int) -> None:
            super().__init__()
            self.event = event
            """The chosen event index."""

    view: reactive[TraceCursor] = reactive(EMPTY_TRACE_CURSOR, init=False, repaint=False)
    """Current position and record length."""

    def __init__(self) -> None:
        super().__init__()
        self._reader: TraceReader | None = None
        self._lines: LRUCache[int, str] = LRUCache(8192)
        self._digits = 2

    def bind_reader(self, reader: TraceReader | None) -> None:
        """Use `reader` for the lines."""
        self._reader = reader
        self._lines.clear()

    def view_of(self, snap: MachineSnapshot) -> TraceCursor:
        """Only the position and the record length matter here."""
        return TraceCursor(snap.event, snap.recorded)

    def watch_view(self, old: TraceCursor, cursor: TraceCursor) -> None:
        self.border_title = f"Trace  #{cursor.event}/{cursor.recorded}"
        digits = max(2, len(str(cursor.recorded)))
        wider, self._digits = digits != self._digits, digits
        # one step: only the old and the new current line look different
        small = not wider and cursor.recorded >= old.recorded and abs(cursor.event - old.event) <= 1
        self.rows_changed(repaint=not small, keep=small)
        if small:
            self.invalidate_rows(old.event - 1, cursor.event - 1)
        self.call_after_refresh(self.follow)

    def follow(self) -> None:
        """Put the cursor on the current event, re-centring when it nears an edge."""
        index = max(0, self.view.event - 1)
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        center = not (top + height // 4 <= index < top + height - height // 4)
        self.set_cursor(index, notify=False, center=center)

    def on_resize(self) -> None:
        self.call_after_refresh(self.follow)

    def _line(self, event: int) -> str:
        text = self._lines.get(event)
        if text is None:
            assert self._reader is not None
            text = self._lines[event] = compact_line(self._reader.event(event))
        return text

    def footer_count(self, width: int) -> int:
        """The cursor line in full, below `DETAIL_WIDTH` columns."""
        return DETAIL_LINES if width < DETAIL_WIDTH and self.row_count() else 0

    def footer_cells(self, line: int, width: int) -> Cells:
        index = self.cursor
        if not 0 <= index < self.row_count():
            return [("", DETAIL_STYLE)]
        text = f"#{index + 1} " + self._line(index + 1).lstrip()
        lines = wrap(text, width, indent=" ")  # in cells: a comm may be 日本語
        chunk = lines[line] if line < len(lines) else ""
        if line == DETAIL_LINES - 1 and len(lines) > DETAIL_LINES:
            chunk = truncate(chunk, width - 1) + "…"
        return [(fit(chunk, width), DETAIL_STYLE)]

    def row_count(self) -> int:
        return self.view.recorded if self._reader is not None else 0

    def content_width(self) -> int:
        return 200

    def row_cells(self, index: int) -> Cells:
        event = index + 1
        line = self._line(event)
        current = event == self.view.event
        future = event > self.view.event
        gutter = f"{'▶' if current else ' '}{event:>{self._digits}} "
        if current:
            return [(gutter, CURRENT_STYLE), (line, CURRENT_STYLE)]
        if future:
            return [(gutter, FUTURE_STYLE), (line, FUTURE_STYLE)]
        head, sep, rest = line.partition(": ")
        name, sep2, fields = rest.partition(": ")  # after "secs: " comes "name: "
        color = EVENT_COLORS.get(name.strip(), "")
        return [
            (gutter, GUTTER_STYLE),
            (head + sep, Style()),
            (name + sep2, Style.parse(color) if color else Style(bold=True)),
            (fields, Style()),
        ]

    def row_selected(self, index: int) -> None:
        self.post_message(self.EventSelected(index + 1))


def compact_line(ev: Event) -> str:
    """`ktui.sim.trace.format_line` without ftrace's fixed-width padding:
    ``t1-1 [000] 0.001000: sched_switch: prev_comm=t1 ...``."""
    secs, ns = divmod(ev.time_ns, 1_000_000_000)
    task = rjust(f"{ev.common_comm}-{ev.common_pid}", COMM_WIDTH)  # in cells, unlike ftrace's bytes
    return f"{task} [{ev.cpu:03d}] {secs}.{ns // 1000:06d}: {ev.name}: {format_fields(ev)}"
