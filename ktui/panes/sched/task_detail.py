"""Task detail pane: the selected task's program with the current op
highlighted, its locks, what it is blocked on and its runtime numbers
(``/proc/<pid>/sched``)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.reactive import reactive

from ktui.panes.base import Area, Pane
from ktui.panes.text_lines import TextLines
from ktui.renderables.task_detail import task_by_pid, task_detail
from ktui.sim.kernel.sched.view import EMPTY_SCHED, SchedView
from ktui.sim.snapshot import MachineSnapshot


class TaskDetail(Pane):
    """One task in depth; the screen sets `pid` when a task is selected."""

    PANE_ID: ClassVar[str] = "task"
    PANE_TITLE: ClassVar[str] = "Task"
    AREA: ClassVar[Area] = "right"

    DEFAULT_CSS = """
    TaskDetail {
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        height: 1fr;
    }
    TaskDetail:focus-within {
        border: round $accent;
    }
    TaskDetail TextLines {
        scrollbar-size-vertical: 1;
    }
    """

    view: reactive[SchedView] = reactive(EMPTY_SCHED, init=False, repaint=False)
    """The scheduler's view the task is read from."""
    pid: reactive[int | None] = reactive(None, init=False, repaint=False)
    """The selected task's pid."""

    def compose(self) -> ComposeResult:
        yield TextLines(id="task-body")

    def view_of(self, snap: MachineSnapshot) -> SchedView:
        """The ``sched`` section: the task is looked up there by pid."""
        return self.section(snap, "sched", EMPTY_SCHED)

    def on_mount(self) -> None:
        self._update()

    def watch_view(self) -> None:
        self._update()

    def watch_pid(self) -> None:
        self._update()

    _shown: object = None

    def _update(self) -> None:
        task = task_by_pid(self.view, self.pid)
        if task is not None and task == self._shown:
            return  # TaskView is a tuple: an equal one draws the same picture
        self._shown = task
        self.border_title = Text(f"Task {task.comm}/{task.pid}") if task else self.PANE_TITLE  # comm is literal, never markup
        self.query_one("#task-body", TextLines).update(task_detail(self.view, self.pid))
