"""ktui.sim.units: the one duration parser, ns formatter and "did you mean"."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ktui.renderables.units import parse_target
from ktui.sim.units import (
    UNITS_NS,
    closest,
    did_you_mean,
    fmt_ns,
    format_duration,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("0ns", 0),
        ("10ms", 10 * 1_000_000),
        ("1.5us", 1_500),  # 1.5 * 1000
        ("1.5ms", 1_500_000),
        ("2s", 2 * 1_000_000_000),
        ("0.000000001s", 1),  # 1e-9 s * 1e9 ns/s
        ("0.001us", 1),
        ("7ns", 7),
        (".5ms", 500_000),
        ("+5ms", 5_000_000),
        ("5 ms", 5_000_000),
        ("  7us ", 7_000),
        ("3µs", 3_000),
    ],
)
def test_parse_duration_accepts_units(text: str, ns: int) -> None:
    """Every unit of the table, decimals that land on whole ns, a blank before the unit."""
    assert parse_duration(text) == ns


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1.5ns", ["whole", "nanoseconds"]),  # renderables/units.py used to round this to 1 ns
        ("0.0000000015s", ["whole"]),
        ("5", ["no unit", "5ms"]),
        ("-5ms", ["negative"]),
        ("5msec", ["unknown unit", "'msec'", "did you mean 'ms'"]),
        ("ms", ["bad duration"]),
        ("1.2.3ms", ["bad duration"]),
    ],
)
def test_parse_duration_rejects(text: str, words: list[str]) -> None:
    """Fractions of a ns, a missing or unknown unit and negative values are errors that say why."""
    with pytest.raises(ValueError) as exc:
        parse_duration(text)
    for w in words:
        assert w in str(exc.value)


def test_units_table() -> None:
    """The table is ns/us/ms/s with powers of 1000."""
    assert UNITS_NS == {"ns": 1, "us": 10**3, "ms": 10**6, "s": 10**9}


@pytest.mark.parametrize(
    ("ns", "text"),
    [
        (0, "0ns"),
        (950, "950ns"),
        (12_500, "12.500us"),
        (1_234_000, "1.234ms"),
        (2_000_000_000, "2.000000s"),
        (-1_048_576, "-1.049ms"),  # a negative lag keeps its sign
    ],
)
def test_fmt_ns(ns: int, text: str) -> None:
    """The largest fitting unit, three decimals (seconds: six, as ftrace)."""
    assert fmt_ns(ns) == text


def test_did_you_mean() -> None:
    """The closest choice, as a message suffix; nothing when nothing is close."""
    assert did_you_mean("mutex_lok", ["mutex_lock", "spin_lock"]) == "; did you mean 'mutex_lock'?"
    assert did_you_mean("zzz", ["mutex_lock"]) == ""
    assert closest("nicee", {"nice": 1, "cpu": 2}) == "nice"
    assert closest("zzz", []) is None


def test_parse_target_uses_the_one_parser() -> None:
    """A goto target is an event index or a duration; 1.5ns is refused, not rounded to 1 ns."""
    assert parse_target("#12") == (12, None)
    assert parse_target("1.5us") == (None, 1_500)
    with pytest.raises(ValueError, match="whole"):
        parse_target("1.5ns")
    with pytest.raises(ValueError, match="cannot go to"):
        parse_target("soon")


@pytest.mark.parametrize(("ns", "text"), [(0, "0ns"), (1_500_000, "1500us"), (5 * 10**6, "5ms"), (2 * 10**9, "2s"), (7, "7ns")])
def test_format_duration_is_exact(ns: int, text: str) -> None:
    """The largest unit that divides the value, never a rounded decimal."""
    assert format_duration(ns) == text


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_format_duration_round_trips(ns: int) -> None:
    """Every ns value up to KTIME_MAX (ktime_t is s64) survives format_duration -> parse_duration."""
    assert parse_duration(format_duration(ns)) == ns


@given(st.integers(min_value=-(2**63), max_value=2**64 - 1))
def test_fmt_ns_keeps_sign_and_unit(ns: int) -> None:
    """fmt_ns prints any s64/u64 value with a unit and the sign of the value."""
    text = fmt_ns(ns)
    assert text.startswith("-") == (ns < 0)
    assert text.endswith(("ns", "us", "ms", "s"))
