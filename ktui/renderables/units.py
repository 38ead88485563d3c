"""Human units for simulated time in the UI, and parsing of "where to go" input.

Times are integer nanoseconds everywhere in ktui. Parsing and formatting live
in `ktui.sim.units` (one duration parser, one `fmt_ns`); this module adds the
UI's own forms: the compact vruntime column and goto targets (``1234``,
``#1234``, ``5ms``).
"""

from __future__ import annotations

import re
from typing import Final

from ktui.sim.units import MAX_DIGITS, parse_duration, shorten

__all__ = ["fmt_vns", "parse_target"]

_EVENT_RE: Final = re.compile(r"^\s*#?\s*(\d+)\s*$")


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
        ValueError: With a message saying what is accepted; a time that is
            not whole nanoseconds (``1.5ns``) is an error, not rounded.
    """
    m = _EVENT_RE.match(text)
    if m:
        if len(m.group(1)) > MAX_DIGITS:  # before int(): it refuses > 4300 digits
            raise ValueError(f"event index {shorten(m.group(1))} out of range (at most {MAX_DIGITS} digits)")
        return int(m.group(1)), None
    try:
        return None, parse_duration(text)
    except ValueError as exc:
        raise ValueError(
            f"cannot go to {shorten(text.strip())!r}: type an event index (1234 or #1234) "
            f"or a time with a unit (5ms, 1.5us, 200ns, 1s): {exc}"
        ) from None
