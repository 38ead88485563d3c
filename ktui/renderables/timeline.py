"""The per-CPU timeline strip (as KernelShark draws it): which task ran on
each CPU when, from the recorded ``sched_switch`` events.

Pure functions: switch lists and a time window in, one `Strip` per row out.
"""

from __future__ import annotations

import bisect

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

PALETTE = (
    "#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948",
    "#e15759", "#9c755f", "#ff9da7", "#bab0ac", "#86bcb6", "#d37295",
)
"""Task colours, by pid modulo the palette length."""
IDLE_STYLE = Style(dim=True)
CURSOR_STYLE = Style(bold=True, color="black", bgcolor="yellow")
AXIS_STYLE = Style(dim=True)
LABEL_WIDTH = 7
"""Columns taken by the ``cpu0  │`` label at the left of each row."""



def task_style(pid: int) -> Style:
    """Background colour of task `pid` in the strip."""
    return Style(bgcolor=PALETTE[pid % len(PALETTE)], color="black")


def column_time(col: int, width: int, t0: int, t1: int) -> int:
    """Simulated time at the middle of strip column `col` of `width`."""
    return t0 + (2 * col + 1) * (t1 - t0) // (2 * max(1, width))


def time_column(time_ns: int, width: int, t0: int, t1: int) -> int:
    """Strip column holding `time_ns` (clamped to the strip)."""
    if t1 <= t0:
        return 0
    return max(0, min(width - 1, (time_ns - t0) * width // (t1 - t0)))


def cpu_strip(
    switches: list[tuple[int, int]],
    times: list[int],
    comms: dict[int, str],
    width: int,
    t0: int,
    t1: int,
    t_end: int,
    cursor_col: int,
) -> list[Segment]:
    """One CPU's row: runs of the same task as coloured blocks with comm labels.

    Args:
        switches: ``(time_ns, next_pid)`` of this CPU's switches, in order.
        times: Their times alone (bisected without a key function).
        comms: comm by pid.
        width: Columns available for the strip.
        t0: Window start. t1: Window end.
        t_end: Last recorded time; columns after it stay blank.
        cursor_col: Column of the current time (drawn as a yellow bar).
    """
    pids: list[int] = []
    for col in range(width):
        t = column_time(col, width, t0, t1)
        if t > t_end:
            pids.append(-1)
            continue
        i = bisect.bisect_right(times, t)
        pids.append(switches[i - 1][1] if i else 0)
    segs: list[Segment] = []
    col = 0
    while col < width:
        pid = pids[col]
        end = col
        while end < width and pids[end] == pid:
            end += 1
        n = end - col
        if pid <= 0:
            segs.append(Segment(("·" if pid == 0 else " ") * n, IDLE_STYLE))
        else:
            label = comms.get(pid, str(pid))
            w = cell_len(label)  # in cells: a comm may be 日本語
            # the label only where it fits whole, with a space after it (and before, if room)
            text = " " + label + " " * (n - w - 1) if n > w + 1 else label + " " if n > w else " " * n
            segs.append(Segment(text, task_style(pid)))
        col = end
    # the cursor restyles its column and keeps the character: a label under it stays readable
    out: list[Segment] = []
    pos = 0
    for seg in segs:
        length = seg.cell_length
        if pos <= cursor_col < pos + length:
            # split in cells (a wide character under the cursor becomes spaces)
            before, rest = seg.split_cells(cursor_col - pos)
            mark, after = rest.split_cells(1)
            if before.text:
                out.append(before)
            out.append(Segment(mark.text, (seg.style or Style()) + CURSOR_STYLE))
            if after.text:
                out.append(after)
        else:
            out.append(seg)
        pos += length
    return out


TICK_SPACING = 12
"""Least columns between two tick labels."""
_TICK_UNITS = ((1_000_000_000, "s"), (1_000_000, "ms"), (1_000, "us"), (1, "ns"))


def nice_step(raw: int) -> int:
    """The smallest 1-2-5 step (1, 2, 5, 10, 20, 50 ... ns) that is >= `raw`."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= raw:
                return m * step
        step *= 10


def fmt_tick(ns: int, step: int) -> str:
    """A tick label: `ns` in its largest unit with only the decimals the
    step needs (``0``, ``200us``, ``1.2ms``, ``3s``)."""
    if ns == 0:
        return "0"
    unit, name = next((u, n) for u, n in _TICK_UNITS if ns >= u)
    decimals = 0
    while decimals < 9 and (step * 10**decimals) % unit:
        decimals += 1
    whole, frac = divmod(ns, unit)
    digits = f"{frac * 10**decimals // unit:0{decimals}d}".rstrip("0") if decimals else ""
    return f"{whole}.{digits}{name}" if digits else f"{whole}{name}"


def axis_strip(width: int, t0: int, t1: int, cursor_col: int) -> list[Segment]:
    """The time axis: labels at multiples of a 1-2-5 step, at least
    `TICK_SPACING` columns apart, and the cursor mark (labels it would cut
    are left out)."""
    chars = [" "] * width
    if t1 > t0 + 1 and width > 0:
        step = nice_step(max(1, -(-(t1 - t0) * TICK_SPACING // width)))
        t = -(-t0 // step) * step
        while t < t1:
            col = time_column(t, width, t0, t1)
            label = "┆" + fmt_tick(t, step)
            if col + len(label) <= width and not col <= cursor_col < col + len(label):
                chars[col : col + len(label)] = label
            t += step
    text = "".join(chars)
    segs = [Segment(text[:cursor_col], AXIS_STYLE), Segment("▼", Style(bold=True, color="yellow"))]
    segs.append(Segment(text[cursor_col + 1 :], AXIS_STYLE))
    return segs


def timeline_strips(
    switches: list[list[tuple[int, int]]],
    times: list[list[int]],
    comms: dict[int, str],
    width: int,
    t0: int,
    t1: int,
    t_end: int,
    now: int,
) -> list[Strip]:
    """All rows: the axis, then one per CPU, each `width` cells wide."""
    strip_w = max(1, width - LABEL_WIDTH)
    cursor = time_column(now, strip_w, t0, t1)
    rows = [Strip([Segment(" " * LABEL_WIDTH), *axis_strip(strip_w, t0, t1, cursor)])]
    for cpu, segs in enumerate(switches):
        label = Segment(f"cpu{cpu:<3}│", Style(bold=True, color="cyan"))
        rows.append(Strip([label, *cpu_strip(segs, times[cpu], comms, strip_w, t0, t1, t_end, cursor)]))
    return [row.crop_extend(0, width, None) for row in rows]
