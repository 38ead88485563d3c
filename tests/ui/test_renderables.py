"""Pure renderables (no App): timeline ticks and cursor, the compact
run-queue layout, the trace's unpadded lines."""

from __future__ import annotations

import pytest

import ktui.sim
from ktui.panes.trace.trace_view import compact_line
from ktui.renderables.sched import COMPACT_WIDTH, ROW_WIDTH, rq_header, rq_rows
from ktui.renderables.timeline import axis_strip, cpu_strip, fmt_tick, nice_step


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
