"""`TextLines`: a Rich renderable shown through Textual's line API, repainting
only the lines that changed since the last update.

For panes whose text changes a little on every step (the task detail: one
runtime number, the current op): a `Static` would repaint every line.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextLines(ScrollView):
    """A scrollable renderable; `update` repaints the lines that differ."""

    DEFAULT_CSS = """
    TextLines {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._renderable: RenderableType = Text("")
        self._lines: list[list[Segment]] = []
        self._width = 0

    def update(self, renderable: RenderableType) -> None:
        """Show `renderable`."""
        self._renderable = renderable
        self._relayout(force=False)

    def on_resize(self) -> None:
        self._relayout(force=True)

    def _relayout(self, force: bool) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or not self.is_mounted:
            return
        console = self.app.console
        lines = console.render_lines(
            self._renderable, console.options.update_width(width), pad=True
        )
        old, self._lines = self._lines, lines
        if force or width != self._width or len(lines) != len(old):
            self._width = width
            self.virtual_size = Size(width, len(lines))
            self.refresh()
            return
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        for index, (before, after) in enumerate(zip(old, lines, strict=True)):
            if before != after and 0 <= index - top < height:
                self.refresh_lines(index)  # a virtual line: ScrollView subtracts the offset

    def render_line(self, y: int) -> Strip:
        """Line API: screen row `y`."""
        index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        return Strip(self._lines[index], width).apply_style(self.rich_style)
