"""`LineList`: a pane of rows drawn with the Line API, with a row cursor.

Only visible rows are ever formatted (`render_line`), and formatted strips
are kept in an `LRUCache` keyed by row, width and highlight, cleared when the
view changes -- so a table of thousands of tasks, or a trace of a million
events, costs what the screen shows, not what the model holds.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ktui.panes.base import Pane

GROW_CHUNK = 256
"""Long lists' virtual height is rounded up to a multiple of this many rows."""

Cells = list[tuple[str, Style]]
"""A row: text runs with their styles."""

CURSOR_STYLE = Style(bgcolor="grey30")
"""Background of the cursor row when the pane has focus."""
CURSOR_STYLE_BLUR = Style(bgcolor="grey19")
"""Background of the cursor row otherwise."""


class LineList(Pane, ScrollView, can_focus=True):
    """A scrolling list of rows with a cursor; subclasses supply the rows.

    Subclasses implement `row_count`, `row_cells` and optionally
    `row_selected` (enter or click), a fixed header line (`header_cells`)
    and fixed footer lines below the rows (`footer_count`, `footer_cells`).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "Top", show=False),
        Binding("end", "edge(1)", "Bottom", show=False),
        Binding("enter", "select", "Select", show=False),
    ]

    DEFAULT_CSS = """
    LineList {
        overflow-x: auto;
        overflow-y: auto;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        scrollbar-size-vertical: 1;
        scrollbar-size-horizontal: 0;
    }
    LineList:focus {
        border: round $accent;
        border-title-color: $text;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False)
    """Row index of the cursor."""

    def __init__(self) -> None:
        super().__init__()
        self._strips: LRUCache[tuple[int, int, int, bool, int], Strip] = LRUCache(4096)
        self._drawn: dict[int, tuple[tuple[str, Style], ...]] = {}
        """Cells of each on-screen row as last drawn: a new view repaints
        only the rows whose cells differ."""
        self._version: dict[int, int] = {}
        self._count = 0
        self._header: Cells | None = None
        self._base: Style | None = None

    @property
    def _hdr(self) -> int:
        return 1 if self._header is not None else 0

    # -- to implement -----------------------------------------------------
    def row_count(self) -> int:
        """Number of rows in the current view."""
        return 0

    def row_cells(self, index: int) -> Cells:
        """The text runs of row `index` (0 <= index < row_count())."""
        return []

    def row_selected(self, index: int) -> None:
        """Row `index` was chosen (enter, or a click)."""

    def row_moved(self, index: int) -> None:
        """The cursor moved to row `index` (default: nothing)."""

    def content_width(self) -> int:
        """Width of the widest row, for horizontal scrolling (0: fit)."""
        return 0

    def header_cells(self) -> Cells | None:
        """A fixed column-header line above the rows, or None."""
        return None

    def footer_count(self, width: int) -> int:
        """Fixed lines below the rows at this pane width (default none)."""
        return 0

    def footer_cells(self, line: int, width: int) -> Cells:
        """Footer line `line` (0 <= line < footer_count(width))."""
        return []

    @property
    def _ftr(self) -> int:
        return self.footer_count(self.scrollable_content_region.width)

    def _rows_height(self) -> int:
        """Screen lines available to rows (without header and footer)."""
        return max(0, self.scrollable_content_region.height - self._hdr - self._ftr)

    def _refresh_screen_line(self, y: int) -> None:
        # ScrollView.refresh_lines takes a virtual line (it subtracts the scroll offset)
        self.refresh_lines(y + self.scroll_offset.y)

    def refresh_footer(self) -> None:
        """Repaint the footer lines (their text follows the cursor)."""
        n = self._ftr
        height = self.scrollable_content_region.height
        for y in range(max(0, height - n), height):
            self._refresh_screen_line(y)

    # -- machinery --------------------------------------------------------
    def refresh_rows(self, *indices: int) -> None:
        """Repaint only rows `indices` (those on screen)."""
        height = self._rows_height() + self._hdr
        top = self.scroll_offset.y
        for index in indices:
            y = index - top + self._hdr
            if self._hdr <= y < height:
                self._refresh_screen_line(y)

    def invalidate_rows(self, *indices: int) -> None:
        """Rows `indices` look different now: redraw them (and only them)."""
        for index in indices:
            self._version[index] = self._version.get(index, 0) + 1
            self._drawn.pop(index, None)
        self.refresh_rows(*indices)

    def rows_changed(self, repaint: bool = True, keep: bool = False) -> None:
        """Call after the view changed: drops cached strips and resizes.

        Args:
            repaint: Repaint the whole pane; False when the caller repaints
                the rows that changed with `refresh_rows`.
            keep: With ``repaint=False``: keep the cached strips too (the
                caller calls `invalidate_rows` for the rows that changed).
        """
        old_header = self._header
        self._count = self.row_count()
        self._header = self.header_cells()
        rows = self._count + self._hdr + self._ftr
        if rows >= GROW_CHUNK:
            # A list that grows by a row a step (the trace at the live end)
            # would otherwise change its virtual size, and so repaint whole
            # with its scrollbar, on every step: grow it in chunks instead.
            rows = -(-rows // GROW_CHUNK) * GROW_CHUNK
        size = Size(self.content_width(), rows)
        if size != self.virtual_size:
            # as ScrollView._size_updated does: no layout pass for the screen,
            # only this widget's scrollbars (a trace grows on every step)
            self.set_reactive(LineList.virtual_size, size)
            if self.is_mounted and self.container_size:
                self._scroll_update(size)
        if self._count and self.cursor >= self._count:
            self.set_cursor(self._count - 1, notify=False)
        if keep and not repaint and old_header == self._header:
            return
        if not repaint or old_header != self._header or not self.is_mounted:
            self._strips.clear()
            self._drawn.clear()
            self._base = None
            if repaint:
                self.refresh()
            return
        self._repaint_changed_rows()

    def _repaint_changed_rows(self) -> None:
        """Repaint the on-screen rows whose cells changed since drawn."""
        top = self.scroll_offset.y
        height = self._rows_height()
        drawn = self._drawn
        count = self._count
        visible = range(top, top + height)
        for index in [i for i in drawn if i not in visible]:
            del drawn[index]
        for y, index in enumerate(visible):
            cells = tuple(self.row_cells(index)) if index < count else ()
            if drawn.get(index) != cells:
                drawn[index] = cells
                self._version[index] = self._version.get(index, 0) + 1
                self._refresh_screen_line(y + self._hdr)

    def set_cursor(self, index: int, *, notify: bool = True, center: bool = False) -> None:
        """Move the cursor to `index` and scroll it into view.

        Args:
            index: Target row (clamped).
            notify: Call `row_moved` afterwards.
            center: Scroll so that the row is in the middle.
        """
        index = max(0, min(index, self._count - 1)) if self._count else 0
        old = self.cursor
        top = self.scroll_offset.y
        self.set_reactive(LineList.cursor, index)
        height = max(1, self._rows_height())
        if center:
            self.scroll_to(y=max(0, index - height // 2), animate=False, immediate=True)
        elif index < self.scroll_offset.y:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= self.scroll_offset.y + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)
        if old != index:
            if self.scroll_offset.y == top:
                self.refresh_rows(old, index)
                self.refresh_footer()
            else:
                self.refresh()
        if notify and old != index:
            self.row_moved(index)

    def action_cursor(self, delta: int) -> None:
        """Move the cursor by `delta` rows."""
        self.set_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        """Move the cursor by one screen."""
        page = max(1, self._rows_height() - 1)
        self.set_cursor(self.cursor + direction * page)

    def action_edge(self, end: int) -> None:
        """Move the cursor to the first (0) or last (1) row."""
        self.set_cursor(self._count - 1 if end else 0)

    def action_select(self) -> None:
        """Choose the cursor row."""
        if self._count:
            self.row_selected(self.cursor)

    def on_click(self, event: events.Click) -> None:
        """Clicking a row moves the cursor there and chooses it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + self.scroll_offset.y - self._hdr
        if 0 <= index < self._count and self._hdr <= offset.y < self._hdr + self._rows_height():
            self.set_cursor(index)
            self.row_selected(index)

    def on_focus(self) -> None:
        self._strips.clear()
        self._drawn.clear()
        self._base = None
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self._drawn.clear()
        self._base = None
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Line API: draw screen row `y` of the pane."""
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if self._base is None:
            self._base = self.rich_style  # computed from CSS: once per view, not per line
        if self._header is not None:
            if y == 0:
                base = self._base
                segs = [Segment(text, base + style) for text, style in self._header]
                return Strip(segs).crop_extend(scroll_x, scroll_x + width, base)
            y -= 1
        footer = self._ftr
        if footer:
            rows = self._rows_height()
            if y >= rows:
                base = self._base
                segs = [Segment(text, base + style) for text, style in self.footer_cells(y - rows, width)]
                return Strip(segs).crop_extend(0, width, base)
        index = scroll_y + y
        if index >= self._count or width <= 0:
            return Strip.blank(width, self._base)
        on_cursor = index == self.cursor
        key = (index, self._version.get(index, 0), width, on_cursor, scroll_x)
        strip = self._strips.get(key)
        if strip is None:
            base = self._base
            if on_cursor:
                base = base + (CURSOR_STYLE if self.has_focus else CURSOR_STYLE_BLUR)
            cells = self._drawn.get(index)
            if cells is None:
                cells = self._drawn[index] = tuple(self.row_cells(index))
            segs = [Segment(text, base + style) for text, style in cells]
            strip = Strip(segs).crop_extend(scroll_x, scroll_x + width, base)
            self._strips[key] = strip
        return strip
