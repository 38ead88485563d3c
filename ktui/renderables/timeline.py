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
    "#4e79a7", "#59a14f", "#76b7b2", "#edc948", "#9c755f", "#bab0ac",
    "#86bcb6", "#a0cbe8", "#8cd17d", "#b6992d", "#499894", "#79706e",
)
"""Fair tasks' colours (blues, greens, greys), by pid modulo the length."""
RT_PALETTE = ("#e15759", "#f28e2b", "#ff9da7", "#d37295", "#ffbe7d", "#fabfd2")
"""RT tasks' colours (reds, oranges)."""
DL_PALETTE = ("#b07aa1", "#9467bd", "#d4a6c8", "#8172b3")
"""Deadline tasks' colours (purples)."""
MARKS: dict[str, tuple[str, str]] = {
    "sched_migrate_task": ("dest_cpu", "»"),
    "dl_deadline_miss": ("", "!"),
    "sched_dl_deadline_miss": ("", "!"),
}
"""Events marked on the strip: name -> (field naming the CPU, or "" for the
event's CPU; the mark). A migration is marked where the task arrives."""
MARK_STYLE = Style(bold=True, color="white", bgcolor="red")
IDLE_STYLE = Style(dim=True)
CURSOR_STYLE = Style(bold=True, color="black", bgcolor="yellow")
AXIS_STYLE = Style(dim=True)
LABEL_WIDTH = 7
"""Columns taken by the ``cpu0  │`` label at the left of each row."""



def task_style(pid: int, prio: int = 120) -> Style:
    """Background colour of task `pid` in the strip: its class's palette,
    from the prio it was switched in with (below 0 deadline, below 100 RT)."""
    palette = DL_PALETTE if prio < 0 else RT_PALETTE if prio < 100 else PALETTE
    return Style(bgcolor=palette[pid % len(palette)], color="black")


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
    prios: list[int] | None = None,
    marks: list[tuple[int, str]] | None = None,
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
        prios: The next_prio of each switch (colours by class), or None.
        marks: ``(time_ns, mark)`` drawn over the strip (migrations,
            deadline misses), or None.
    """
    pids: list[int] = []
    col_prio: list[int] = []
    for col in range(width):
        t = column_time(col, width, t0, t1)
        if t > t_end:
            pids.append(-1)
            col_prio.append(120)
            continue
        i = bisect.bisect_right(times, t)
        pids.append(switches[i - 1][1] if i else 0)
        col_prio.append(prios[i - 1] if i and prios is not None and i <= len(prios) else 120)
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
            segs.append(Segment(text, task_style(pid, col_prio[col])))
        col = end
    if marks:
        segs = _overlay_marks(segs, marks, width, t0, t1)
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


def _overlay_marks(
    segs: list[Segment], marks: list[tuple[int, str]], width: int, t0: int, t1: int
) -> list[Segment]:
    """Draw each mark in the window over the column holding its time."""
    cols: dict[int, str] = {}
    for time_ns, mark in marks:
        if t0 <= time_ns <= t1:
            cols.setdefault(time_column(time_ns, width, t0, t1), mark)
    if not cols:
        return segs
    out: list[Segment] = []
    pos = 0
    for seg in segs:
        length = seg.cell_length
        inside = sorted(c for c in cols if pos <= c < pos + length)
        rest = seg
        start = pos
        for c in inside:
            before, tail = rest.split_cells(c - start)
            _hit, rest = tail.split_cells(1)
            if before.text:
                out.append(before)
            out.append(Segment(cols[c], MARK_STYLE))
            start = c + 1
        if rest.text:
            out.append(rest)
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
    prios: list[list[int]] | None = None,
    marks: list[list[tuple[int, str]]] | None = None,
) -> list[Strip]:
    """All rows: the axis, then one per CPU, each `width` cells wide."""
    strip_w = max(1, width - LABEL_WIDTH)
    cursor = time_column(now, strip_w, t0, t1)
    rows = [Strip([Segment(" " * LABEL_WIDTH), *axis_strip(strip_w, t0, t1, cursor)])]
    for cpu, segs in enumerate(switches):
        label = Segment(f"cpu{cpu:<3}│", Style(bold=True, color="cyan"))
        cpu_prios = prios[cpu] if prios is not None and cpu < len(prios) else None
        cpu_marks = marks[cpu] if marks is not None and cpu < len(marks) else None
        strip = cpu_strip(segs, times[cpu], comms, strip_w, t0, t1, t_end, cursor, cpu_prios, cpu_marks)
        rows.append(Strip([label, *strip]))
    return [row.crop_extend(0, width, None) for row in rows]
