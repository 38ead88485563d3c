"""Simulated-time units and "did you mean": the one parser and formatter of each.

Times are integer nanoseconds everywhere in ktui (the kernel's ``u64`` ns of
``sched_clock()``/``ktime_t``). This module parses what a user writes
(``10ms``, ``1.5us``) into whole nanoseconds, prints nanoseconds back in the
largest fitting unit, and suggests the closest known word for a typo. Every
scenario key, op argument, command-line option and goto box uses these, so a
duration means the same everywhere. No kernel counterpart; pure functions,
no state.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Final

UNITS_NS: Final[dict[str, int]] = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
"""Duration units and their length in ns (``µs`` is accepted as ``us``)."""

UNIT_ALIASES: Final[dict[str, str]] = {"µs": "us", "μs": "us"}
"""Other spellings of a unit (micro sign U+00B5 and Greek mu U+03BC)."""

U64_MAX: Final = 2**64 - 1
"""Largest ``u64`` (the kernel's sched_clock() type)."""

KTIME_MAX: Final = 2**63 - 1
"""Largest time or duration in ns: ``KTIME_MAX`` (include/linux/ktime.h,
``ktime_t`` is ``s64``; ~292 years). The trace stores times as s64."""

MAX_DIGITS: Final = 40
"""Longest number (digits before and after the point) parsed: u64 has 20
digits; the guard comes before ``int()``/``Fraction()``, which refuse more
than 4300 digits and take time quadratic in the length."""

_NUMBER: Final = r"(?:\d+(?:\.\d+)?|\.\d+)"
_DURATION_RE: Final = re.compile(rf"^\+?({_NUMBER})\s*([^\d\s.+-][^\s]*)$")
_BARE_NUMBER_RE: Final = re.compile(rf"^[+-]?{_NUMBER}$")


def parse_duration(text: str) -> int:
    """Parse a duration with a unit (``10ms``, ``1.5us``, ``2 s``) into ns.

    Args:
        text: The duration as written; surrounding blanks are ignored.

    Returns:
        Whole nanoseconds, >= 0.

    Raises:
        ValueError: With a message saying what was expected: no unit, an
            unknown unit (with the closest one), a negative value, a value
            that is not a whole number of nanoseconds (``1.5ns``), or one past
            `KTIME_MAX` ns.
    """
    word = text.strip()
    if sum(c.isdigit() for c in word) > MAX_DIGITS:
        raise ValueError(
            f"duration {shorten(word)!r} out of range: more than {MAX_DIGITS} digits; "
            f"durations are 0..{KTIME_MAX}ns (KTIME_MAX)"
        )
    if word.startswith("-"):
        raise ValueError(f"negative duration {shorten(word)!r}; durations are >= 0")
    if _BARE_NUMBER_RE.match(word):
        raise ValueError(
            f"duration {shorten(word)!r} has no unit; write e.g. {word.lstrip('+')}ms (units: ns, us, ms, s)"
        )
    m = _DURATION_RE.match(word)
    if m is None:
        raise ValueError(f"bad duration {shorten(word)!r}; expected a number with a unit, e.g. 1ms")
    number, unit = m.group(1), m.group(2)
    unit = UNIT_ALIASES.get(unit, unit)
    if unit not in UNITS_NS:
        raise ValueError(
            f"unknown unit {shorten(unit)!r} in {shorten(word)!r}; units are ns, us, ms, s{did_you_mean(unit, UNITS_NS)}"
        )
    ns = Fraction(number) * UNITS_NS[unit]
    if ns.denominator != 1:
        raise ValueError(
            f"duration {shorten(word)!r} is not a whole number of nanoseconds; durations are whole ns"
        )
    if ns > KTIME_MAX:
        raise ValueError(
            f"duration {shorten(word)!r} out of range; durations are 0..{KTIME_MAX}ns (KTIME_MAX, ~292 years)"
        )
    return int(ns)


def shorten(text: str, width: int = 40) -> str:
    """`text` cut to `width` characters with ``...`` and its length, for
    echoing hostile input back in an error message."""
    return text if len(text) <= width else f"{text[:width]}... ({len(text)} chars)"


def fmt_ns(ns: int) -> str:
    """Format a duration or a timestamp in the largest fitting unit.

    Args:
        ns: Nanoseconds (may be negative, e.g. a lag).

    Returns:
        ``"950ns"``, ``"12.500us"``, ``"1.234ms"`` or ``"2.000000s"``
        (seconds keep µs precision, as ftrace's timestamps do).
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


def format_duration(ns: int) -> str:
    """`ns` exactly, in the largest unit that divides it: ``1500000`` -> ``1500us``.

    The inverse of `parse_duration` (``parse_duration(format_duration(n)) == n``
    for every n >= 0), for echoing a duration back as the user would write it.
    """
    for unit in ("s", "ms", "us"):
        if ns and ns % UNITS_NS[unit] == 0:
            return f"{ns // UNITS_NS[unit]}{unit}"
    return f"{ns}ns"


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The choice closest to `word` (difflib ratio >= 0.6), or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the choice closest to `word`, or ``""``.

    Args:
        word: What the user wrote.
        choices: The known words (a mapping's keys are used).

    Returns:
        A suffix to append to an error message.
    """
    match = closest(word, choices)
    return f"; did you mean {match!r}?" if match is not None else ""
