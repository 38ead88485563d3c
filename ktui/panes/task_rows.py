"""`TaskRowList`: a `LineList` of prepared rows, some of which name a task.

The run-queue and lock panes both show a list of `Row`s built from their
subsystem's view and let the user pick the task a row is about; this is that
shared part. Subclasses give `view_of`, `build_rows`, the header and the width.
"""

from __future__ import annotations

from textual.message import Message

from ktui.panes.line_list import Cells, LineList
from ktui.renderables.sched import Row


class TaskRowList(LineList):
    """Rows from the snapshot; choosing a row that names a task posts
    `TaskSelected`."""

    class TaskSelected(Message):
        """The user chose a row about a task."""

        def __init__(self, pane: TaskRowList, pid: int) -> None:
            super().__init__()
            self.pane = pane
            """The pane the row is in."""
            self.pid = pid
            """The task's pid."""

        @property
        def control(self) -> TaskRowList:
            """The pane the row is in (Textual's ``Message.control``)."""
            return self.pane

    class EventSelected(Message):
        """The user chose a row about a trace position: go there."""

        def __init__(self, event: int) -> None:
            super().__init__()
            self.event = event
            """The position (events happened)."""

    def __init__(self) -> None:
        super().__init__()
        self._rows: list[Row] = []

    def build_rows(self, view: object) -> list[Row]:
        """The rows for `view` (to implement)."""
        raise NotImplementedError

    def watch_view(self, view: object) -> None:
        self._rows = self.build_rows(view)
        self.rows_changed()

    def row_count(self) -> int:
        return len(self._rows)

    def row_cells(self, index: int) -> Cells:
        return self._rows[index].render()

    def row_pid(self, index: int) -> int | None:
        """The task row `index` is about, if any."""
        return self._rows[index].pid

    def row_selected(self, index: int) -> None:
        event = self._rows[index].event
        if event is not None:
            self.post_message(self.EventSelected(event))
            return
        pid = self._rows[index].pid
        if pid is not None:
            self.post_message(self.TaskSelected(self, pid))
