"""Hostile input (issue #13): names that look like markup, huge numbers, deep
nesting and the documented limits. Each is refused with one ktui error, never
a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import ktui.sim
from ktui.cli import main
from ktui.sim.breakpoints.parser import parse as parse_breakpoint
from ktui.sim.errors import BreakpointError, KtuiError, ScenarioError
from ktui.sim.units import parse_duration
from tests.hostile import MARKUP_NAMES, abba_named, abba_with


@pytest.mark.parametrize("name", MARKUP_NAMES)
def test_run_prints_markup_names_literally(tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = abba_named(tmp_path, name)
    rc = main(["run", str(path)])
    out = capsys.readouterr().out
    assert rc == 1  # abba deadlocks: the exit status of a deadlock, not a crash
    first = out.splitlines()[0]
    assert first.startswith(f"{name} (kernel 6.6, seed 1): DEADLOCK")
    # the task's comm, in the tasks table and the locks table (owner of A, waiter on B)
    assert f"│ 1   │ {name[:15]} " in out
    assert f"deadlock: tasks t2, {name[:15]} on locks A, B" in out


U64_MAX = 2**64 - 1  # times are u64 ns (ktime_t/sched_clock)
UINT_MAX = 2**32 - 1  # msleep(unsigned int msecs)
RUN_LINE = "run 1ms             #"  # t1's op 2 in abba.toml, line 22


@pytest.mark.parametrize(
    ("old", "new", "line", "expect"),
    [
        (RUN_LINE, "msleep 99999999999999999999999 #", 22, f"op 2 'msleep 9.*expected 0..{UINT_MAX} "),
        (RUN_LINE, f"msleep {UINT_MAX + 1} #", 22, f"expected 0..{UINT_MAX} "),
        (RUN_LINE, f"run {U64_MAX + 1}ns #", 22, f"op 2 'run .*durations are 0..{U64_MAX}ns"),
        (RUN_LINE, "run 99999999999999999999999s #", 22, f"durations are 0..{U64_MAX}ns"),
        (RUN_LINE, f"run {'9' * 5000}ms #", 22, f"more than 40 digits; durations are 0..{U64_MAX}ns"),
        (RUN_LINE, f"repeat {'9' * 5000} {{ run 1ns }} #", 22, r"op 2 'repeat 9.*out of range; expected 1..1000000000"),
        ('start = "0ms"', 'start = "99999999999999999999999s"', 19, f"'start'.*durations are 0..{U64_MAX}ns"),
    ],
)
def test_huge_numbers_are_refused_with_the_range(tmp_path: Path, old: str, new: str, line: int, expect: str) -> None:
    path = abba_with(tmp_path, old, new)
    with pytest.raises(ScenarioError, match=expect) as info:
        ktui.sim.load(str(path))
    assert str(info.value).startswith(f"{path}:{line}: task 't1'")


def test_largest_duration_is_accepted() -> None:
    assert parse_duration(f"{U64_MAX}ns") == U64_MAX
    with pytest.raises(ValueError, match="out of range"):
        parse_duration(f"{U64_MAX + 1}ns")


@pytest.mark.parametrize(
    "expr",
    [
        f"cpu {'9' * 5000} curr == 1",
        f"time >= {'9' * 3000}ns",
        f"sched_switch prev_pid={'9' * 3000}",
        f"sched_switch prev_pid={U64_MAX + 1}",
    ],
)
def test_huge_breakpoint_numbers_are_refused(expr: str) -> None:
    with pytest.raises(BreakpointError, match="out of range|too long"):
        parse_breakpoint(expr)


def test_huge_breakpoint_number_in_a_scenario_names_the_file_and_line(tmp_path: Path) -> None:
    path = abba_with(tmp_path, 'when = "deadlock"', f'when = "time >= {"9" * 3000}ns"')
    with pytest.raises(KtuiError, match="out of range") as info:
        ktui.sim.load(str(path))
    assert str(info.value).startswith(f"{path}:34: [[breakpoint]]")
