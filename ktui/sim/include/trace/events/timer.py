"""The ``timer`` trace system's hrtimer events (include/trace/events/timer.h),
shared by the tick (kernel/time/tick.py) and the hrtimer sleepers
(kernel/time/hrtimer.py).

``hrtimer=`` is a pointer in the kernel's output; the model names the timer
instead: ``tick_sched`` for a CPU's tick, ``sleeper/PID`` for the
``hrtimer_sleeper`` of task PID.
"""

from __future__ import annotations

from typing import Final

from ktui.sim.trace import Event, define_event, register_format

HRTIMER_TICK: Final = 0
"""The ``hrtimer`` field of the tick's events (a sleeper's is its task's pid)."""
MODE_NAMES: Final = {0x00: "ABS", 0x01: "REL"}
"""decode_hrtimer_mode() for the modes the model arms."""

EV_HRTIMER_START = define_event(
    "hrtimer_start",
    "timer",
    ("hrtimer", "int"),
    ("function", "sym"),
    ("expires", "int"),
    ("softexpires", "int"),
    ("mode", "int"),
)
EV_HRTIMER_EXPIRE_ENTRY = define_event(
    "hrtimer_expire_entry", "timer", ("hrtimer", "int"), ("function", "sym")
)


def hrtimer_name(value: object) -> str:
    """The ``hrtimer=`` word for an ``hrtimer`` field value."""
    return "tick_sched" if value == HRTIMER_TICK else f"sleeper/{value}"


def _start(ev: Event) -> str:
    f = ev.fields
    raw = f["mode"]
    mode = MODE_NAMES.get(raw, str(raw)) if isinstance(raw, int) else str(raw)
    return (
        f"hrtimer={hrtimer_name(f['hrtimer'])} function={f['function']} "
        f"expires={f['expires']} softexpires={f['softexpires']} mode={mode}"
    )


register_format("hrtimer_start", _start)
register_format(
    "hrtimer_expire_entry",
    lambda ev: f"hrtimer={hrtimer_name(ev.fields['hrtimer'])} function={ev.fields['function']} now={ev.time_ns}",
)
