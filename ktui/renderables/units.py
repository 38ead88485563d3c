"""Human units for simulated time, and parsing of "where to go" input.

Times are integer nanoseconds everywhere in ktui; these helpers only print
and parse them (``1.234ms``, ``5ms``, ``#1234``).
"""

from __future__ import annotations

import re
from typing import Final

_UNITS: Final = {"ns": 1, "us": 1_000, "µs": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
_TIME_RE: Final = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)\s*$")
_EVENT_RE: Final = re.compile(r"^\s*#?\s*(\d+)\s*$")


def fmt_ns(ns: int) -> str:
    """Format a duration or a timestamp in the largest fitting unit.

    Args:
        ns: Nanoseconds (may be negative, e.g. a lag).

    Returns:
        ``"950ns"``, ``"12.500us"``, ``"1.234ms"`` or ``"2.000000s"``.
    """
    sign = "-" if ns < 0 else ""
    a = abs(ns)
    if a < 1_000:
        return f"{sign}{a}ns"
    if a < 1_000_000:
        return f"{sign}{a / 1_000:.3f}us"
    if a < 1_000_000_000:
        return f"{sign}{a / 1_000_000:.3f}ms"
    return f"{sign}{a / 1_000_000_000:.6f}s"


def fmt_vns(ns: int) -> str:
    """Compact form for vruntime/deadline/lag columns: ms with 3 decimals."""
    return f"{ns / 1_000_000:.3f}"


def parse_target(text: str) -> tuple[int | None, int | None]:
    """Parse a goto target: ``1234`` or ``#1234`` is an event, ``5ms`` a time.

    Args:
        text: What the user typed.

    Returns:
        ``(event, None)`` or ``(None, time_ns)``.

    Raises:
        ValueError: With a message saying what is accepted.
    """
    m = _EVENT_RE.match(text)
    if m:
        return int(m.group(1)), None
    m = _TIME_RE.match(text)
    if m:
        number, unit = m.group(1), m.group(2)
        whole, _, frac = number.partition(".")
        scale = _UNITS[unit]
        ns = int(whole) * scale + (int(frac) * scale // 10 ** len(frac) if frac else 0)
        return None, ns
    raise ValueError(
        f"cannot go to {text.strip()!r}: type an event index (1234 or #1234) "
        "or a time with a unit (5ms, 1.5us, 200ns, 1s)"
    )
