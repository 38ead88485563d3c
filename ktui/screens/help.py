"""The help screen: keys, panes, and the breakpoint language in brief."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# ktui — keys

| key | what it does |
|---|---|
| `→` / `←` | step one event forward / back (hold to scrub) |
| `c` | continue to the next breakpoint, deadlock or the end |
| `C` | reverse-continue to the previous breakpoint hit or deadlock |
| `space` | play / pause (animated run); `+` / `-` change speed |
| `escape` | interrupt a running `c` |
| `g` | go to an event (`1234`, `#1234`) or a time (`5ms`, `1.5us`) |
| `b` | breakpoints: `a` add, `e` enable/disable, `d` delete |
| `1`..`9` | switch screen: `1` the overview, then one per subsystem (below) |
| `tab` / `shift+tab` | next / previous pane (its tab, on a small terminal) |
| `↑` / `↓`, `enter` | move; select (a task, or go to a trace event) |
| `o` | add the focused pane to the overview, or remove it from there |
| `z` / `Z` | zoom the timeline in / out (when focused) |
| `ctrl+p` | command palette (every action) |
| `?` / `q` | this help / quit |

Every time-travel key works on every screen; switching screens keeps the
position.

# Screens

* **1 Overview** — the panes you chose (`o`); at first run queues, locks,
  task, timeline and trace.
* **2 Scheduler**, **3 Locking**, … — one per subsystem: its panes beside the
  task detail and the trace.

# Status line

The screen, scenario, time and `#event/recorded`, the state, then kernel
warnings (`⚠ 1 WARNING: bad unlock balance detected!`: how many BUG/WARNING
messages so far and the last one), then why the run stopped. While `c` runs
it shows the live position.

# Panes

* **Run queues** — per CPU, `curr` (`>`) then the CFS tree leftmost first;
  times are ms.ns as in `/proc/sched_debug` (narrower than 101 columns: ms
  with 3 decimals, and `NICE` left out: `WEIGHT` follows from it); `*` marks
  eligible entities (lag ≥ 0); `DLY`/`D` is `sched_delayed`.
* **Locks** — owner and CPU, waiters in `wait_list` order, time held; a
  deadlock cycle is red, one row per edge (`enter` on it, or `e` for the
  next edge, goes to where that lock's owner took it).
* **Task** — the selected task's program with the current op, its locks and
  `/proc/<pid>/sched` numbers.
* **Timeline** — which task ran on each CPU; the yellow bar is now; click
  to go there.
* **Trace** — ftrace lines; the current event is highlighted, later
  (recorded) events are dim; `enter` or a click goes to the line. On a
  narrow terminal the line under the cursor is repeated in full below.

# Breakpoints

`sched_switch next_comm=t1 prev_state=D` (an event, fields ANDed) ·
`time >= 5ms` · `task t1 state == D and lock A waiters >= 1` · `deadlock`
"""


class HelpScreen(ModalScreen[None]):
    """Modal help; any of escape, ? or q closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,question_mark,q", "close", "Close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%;
        border: round $accent; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss()
