"""Pure renderables (no App): timeline ticks and cursor, the compact
run-queue layout, the trace's unpadded lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from rich.cells import cell_len

import ktui.sim
from ktui.panes.trace.trace_view import compact_line
from ktui.renderables.cells import fit, ljust, rjust, truncate, wrap
from ktui.renderables.locking import lock_rows
from ktui.renderables.sched import COMPACT_WIDTH, ROW_WIDTH, rq_header, rq_rows
from ktui.renderables.timeline import axis_strip, cpu_strip, fmt_tick, nice_step
from tests.hostile import abba_tasks_named


@pytest.mark.parametrize(
    ("raw", "step"), [(1, 1), (3, 5), (7, 10), (144_144, 200_000), (1_000, 1_000), (1_000_001, 2_000_000)]
)
def test_nice_step_is_the_next_1_2_5_value(raw: int, step: int) -> None:
    """Steps are 1, 2 or 5 times a power of ten, the least one >= the raw spacing."""
    assert nice_step(raw) == step


def test_tick_labels_are_round() -> None:
    """0 plain; only the decimals the step needs: 200us, 1ms, 1.2ms, 2.5ms, 5s."""
    assert [fmt_tick(t, 200_000) for t in (0, 200_000, 1_000_000, 1_200_000)] == ["0", "200us", "1ms", "1.2ms"]
    assert fmt_tick(2_500_000, 500_000) == "2.5ms"
    assert fmt_tick(5_000_000_000, 1_000_000_000) == "5s"


def test_axis_of_one_millisecond_at_110_columns() -> None:
    """abba's 1 ms over 110 columns: the old axis said 144.144us; now every
    label is a multiple of 200us (at least 12 columns apart: 1 ms * 12 / 110 -> 200us)."""
    text = "".join(seg.text for seg in axis_strip(110, 0, 1_000_000, 109))
    labels = [part.split()[0] for part in text.split("┆")[1:]]
    assert labels == ["0", "200us", "400us", "600us", "800us"]


def test_cursor_keeps_the_task_label() -> None:
    """The now bar on a label's column restyles it; the comm stays readable."""
    segs = cpu_strip([(0, 7)], [0], {7: "worker"}, 20, 0, 1000, 1000, cursor_col=2)
    assert "".join(s.text for s in segs).startswith(" worker")
    assert any(s.text == "o" and s.style is not None and s.style.bgcolor is not None for s in segs)


def test_compact_rq_rows_fit_77_columns() -> None:
    """Below ROW_WIDTH (101) the compact layout keeps every column in 77."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(200)
    view = sim.snapshot().sched
    assert COMPACT_WIDTH == 77 < ROW_WIDTH == 101
    assert len(rq_header(compact=True)[0][0]) == COMPACT_WIDTH
    for row in rq_rows(view, compact=True):
        if row.task is not None:
            assert sum(len(text) for text, _ in row.render(compact=True)) == COMPACT_WIDTH


def test_compact_rows_give_the_reason_on_its_own_line() -> None:
    """abba at the deadlock, compact: t1's row is followed by "└ blocked on B" (same pid)."""
    sim = ktui.sim.load("abba")
    sim.run()
    rows = rq_rows(sim.snapshot().sched, compact=True)
    i = next(i for i, r in enumerate(rows) if r.task is not None and r.task.comm == "t1")
    assert rows[i + 1].render()[0][0].strip() == "└ blocked on B" and rows[i + 1].pid == 1


def test_trace_line_has_no_ftrace_padding() -> None:
    """The pane's line drops %16s-%-7d and %5lu padding (20 columns on abba)."""
    sim = ktui.sim.load("abba")
    sim.step(13)
    reader = sim.trace_reader()
    from ktui.sim.trace import format_line

    full, short = format_line(reader.event(13)), compact_line(reader.event(13))
    assert short == "        t1-1 [000] 0.001000: " + full.split(": ", 1)[1]
    assert len(full) - len(short) == 16 + 1 + 7 - 12 + 4


def test_cell_helpers_measure_cells_and_cut_at_a_cell_boundary() -> None:
    assert fit("日本語", 5) == "日本 " and cell_len(fit("日本語", 5)) == 5  # no half 語
    assert fit("日本語x", 9) == "日本語x  "
    assert truncate("日本語", 5) == "日本" and truncate("日本語", 6) == "日本語"
    assert ljust("日本", 6) == "日本  " and rjust("日本", 6) == "  日本" and rjust("日本語", 2) == "日本語"
    assert wrap("#1 日本語-1 [000] x=1", 9, indent=" ") == ["#1", " 日本語-1", " [000]", " x=1"]
    assert all(cell_len(line) <= 5 for line in wrap("日本語日本語 x", 5, indent=" "))
    text = "#13 t1-1 [000] 0.001000: sched_switch: prev_comm=t1 prev_pid=1 prev_state=D ==> next_comm=swapper/0"
    for width in (40, 60, 78):  # ASCII words shorter than a line: textwrap's lines
        assert wrap(text, width, indent=" ") == textwrap.wrap(text, width, subsequent_indent=" ")


def test_a_long_wide_comm_is_cut_at_a_cell_boundary(tmp_path: Path) -> None:
    """The longest wide comm, 5 characters (15 bytes of UTF-8, TASK_COMM_LEN
    - 1; 10 cells), whole in the 15-cell COMM column and the lock owner
    column, cut in the 9-cell compact one after whole characters with a
    space for the half one; every row keeps its width."""
    name = "日本語日本"
    assert len(name.encode()) == 15
    sim = ktui.sim.load(str(abba_tasks_named(tmp_path, name, "t2")))
    sim.step(6)
    snap = sim.snapshot()
    rows = [row for row in rq_rows(snap.sched) if row.task is not None and row.task.comm == name]
    plain = ktui.sim.load("abba")
    plain.step(6)
    t1 = next(row for row in rq_rows(plain.snapshot().sched) if row.task is not None and row.task.comm == "t1")
    assert rows
    for compact, comm in ((False, "日本語日本     "), (True, "日本語日 ")):
        for row in rows:
            cells = row.render(compact=compact)
            assert cells[1 if compact else 2][0] == comm + " "
            assert [cell_len(text) for text, _ in cells] == [cell_len(text) for text, _ in t1.render(compact=compact)]
    lock_a = lock_rows(snap.locking)[0].cells
    assert lock_a is not None and lock_a[0][0].startswith("A")
    assert lock_a[2][0].startswith("日本語日本/1")  # the owner "comm/pid", whole


def test_timeline_labels_and_cursor_in_cells() -> None:
    """A wide comm's label takes its cells; the cursor splits in cells; the
    strip is exactly `width` cells."""
    segs = cpu_strip([(0, 1), (50, 2)], [0, 50], {1: "日本語", 2: "t2"}, 40, 0, 100, 100, cursor_col=30)
    assert "".join(s.text for s in segs).startswith(" 日本語 ")
    assert sum(s.cell_length for s in segs) == 40
    segs = cpu_strip([(0, 1)], [0], {1: "日本語"}, 20, 0, 100, 100, cursor_col=2)  # on 日's second half
    assert sum(s.cell_length for s in segs) == 20
    narrow = cpu_strip([(0, 1)], [0], {1: "日本語"}, 6, 0, 100, 100, cursor_col=5)
    assert "".join(s.text for s in narrow) == "      "  # no room for the label: blank
