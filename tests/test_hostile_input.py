"""Hostile input (issue #13): names that look like markup, huge numbers, deep
nesting and the documented limits. Each is refused with one ktui error, never
a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import ktui.sim
from ktui.cli import main
from ktui.renderables.units import parse_target
from ktui.sim.breakpoints.parser import parse as parse_breakpoint
from ktui.sim.errors import BreakpointError, KtuiError, ScenarioError
from ktui.sim.scenario.loader import parse_scenario_data
from ktui.sim.scenario.model import MAX_TASKS
from ktui.sim.units import parse_duration
from tests.hostile import (
    MARKUP_NAMES,
    WIDE_NAMES,
    abba_named,
    abba_tasks_named,
    abba_with,
    ascii_twin,
)


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


def _wide_and_twin(tmp_path: Path) -> tuple[Path, Path]:
    """abba with tasks 日本語, 日本語x and scenario 日本語x; and with their ASCII twins."""
    t1, t2 = WIDE_NAMES
    (tmp_path / "wide").mkdir()
    (tmp_path / "twin").mkdir()
    wide = abba_tasks_named(tmp_path / "wide", t1, t2, t2)
    twin = abba_tasks_named(tmp_path / "twin", ascii_twin(t1), ascii_twin(t2), ascii_twin(t2))
    return wide, twin


def test_run_summary_aligns_wide_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The summary's tables line up with 2-cell names exactly as with ASCII
    names of the same widths (only the state hash, which hashes the names, differs)."""
    wide, twin = _wide_and_twin(tmp_path)
    assert main(["run", str(wide)]) == 1
    got = capsys.readouterr().out
    assert main(["run", str(twin)]) == 1
    want = capsys.readouterr().out
    assert "│ 1   │ 日本語  │ D" in got and "│ 日本語x │" in got
    strip = [line for line in ascii_twin(got).splitlines() if "state_hash" not in line]
    assert strip == [line for line in want.splitlines() if "state_hash" not in line]


def test_render_aligns_wide_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``ktui render`` at 80x24 (tabbed panes): the screen with 2-cell names is
    the screen with their ASCII twins, cell for cell."""
    wide, twin = _wide_and_twin(tmp_path)
    assert main(["render", str(wide), "--size", "80x24"]) == 0
    got = capsys.readouterr().out
    assert main(["render", str(twin), "--size", "80x24"]) == 0
    want = capsys.readouterr().out
    assert "日本語" in got
    assert ascii_twin(got) == want


def test_trace_aligns_wide_names(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``ktui run --trace``: comm is padded to 16 terminal cells, so the
    trace with 2-cell names is the trace of their ASCII twins."""
    wide, twin = _wide_and_twin(tmp_path)
    main(["run", str(wide), "--trace"])
    got = capsys.readouterr().out
    main(["run", str(twin), "--trace"])
    want = capsys.readouterr().out
    assert "日本語-1" in got
    strip = [line for line in ascii_twin(got).splitlines() if "state_hash" not in line]
    assert strip == [line for line in want.splitlines() if "state_hash" not in line]


U64_MAX = 2**64 - 1  # numbers in breakpoints (u64 event fields)
KTIME_MAX = 2**63 - 1  # times and durations: ktime_t is s64 (include/linux/ktime.h)
UINT_MAX = 2**32 - 1  # msleep(unsigned int msecs)
RUN_LINE = "run 1ms             #"  # t1's op 2 in abba.toml, line 22


@pytest.mark.parametrize(
    ("old", "new", "line", "expect"),
    [
        (RUN_LINE, "msleep 99999999999999999999999 #", 22, f"op 2 'msleep 9.*expected 0..{UINT_MAX} "),
        (RUN_LINE, f"msleep {UINT_MAX + 1} #", 22, f"expected 0..{UINT_MAX} "),
        (RUN_LINE, f"run {KTIME_MAX + 1}ns #", 22, f"op 2 'run .*durations are 0..{KTIME_MAX}ns"),
        (RUN_LINE, "run 99999999999999999999999s #", 22, f"durations are 0..{KTIME_MAX}ns"),
        (RUN_LINE, f"run {'9' * 5000}ms #", 22, f"more than 40 digits; durations are 0..{KTIME_MAX}ns"),
        (RUN_LINE, f"repeat {'9' * 5000} {{ run 1ns }} #", 22, r"op 2 'repeat 9.*out of range; expected 1..1000000000"),
        ('start = "0ms"', 'start = "99999999999999999999999s"', 19, f"'start'.*durations are 0..{KTIME_MAX}ns"),
    ],
)
def test_huge_numbers_are_refused_with_the_range(tmp_path: Path, old: str, new: str, line: int, expect: str) -> None:
    path = abba_with(tmp_path, old, new)
    with pytest.raises(ScenarioError, match=expect) as info:
        ktui.sim.load(str(path))
    assert str(info.value).startswith(f"{path}:{line}: task 't1'")


def test_largest_duration_is_accepted() -> None:
    assert parse_duration(f"{KTIME_MAX}ns") == KTIME_MAX
    with pytest.raises(ValueError, match="out of range"):
        parse_duration(f"{KTIME_MAX + 1}ns")


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


def _abba_text() -> str:
    return (Path(ktui.sim.__file__).parent.parent / "scenarios" / "abba.toml").read_text()


def test_deep_table_nesting_is_refused(tmp_path: Path) -> None:
    path = abba_with(tmp_path, "seed = 1", "seed = 1\nx = " + "{a=" * 2000 + "1" + "}" * 2000)
    with pytest.raises(ScenarioError, match="nested too deeply") as info:
        ktui.sim.load(str(path))
    assert str(info.value).startswith(f"{path}: ")


def test_deep_array_nesting_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = abba_with(tmp_path, "seed = 1", "seed = 1\nx = " + "[" * 5000 + "]" * 5000)
    assert main(["check", str(path)]) == 2
    assert "nested too deeply" in capsys.readouterr().err


def test_file_one_byte_over_1_mib_is_refused(tmp_path: Path) -> None:
    text = _abba_text()
    pad = (1 << 20) - len(text.encode()) - 2  # "#" + pad + "\n": exactly 1 MiB
    path = tmp_path / "big.toml"
    path.write_text(text + "#" + "x" * pad + "\n", encoding="utf-8")
    assert ktui.sim.load(str(path), history=False).scenario.name == "abba"  # at the limit: loads
    path.write_text(text + "#" + "x" * (pad + 1) + "\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"1048577 bytes is too large; the limit is 1048576 bytes"):
        ktui.sim.load(str(path))


def test_scenario_name_limit(tmp_path: Path) -> None:
    ok = abba_with(tmp_path, 'name = "abba"', f'name = "{"n" * 64}"')
    assert ktui.sim.load(str(ok), history=False).scenario.name == "n" * 64
    path = abba_with(tmp_path, 'name = "abba"', f'name = "{"n" * 65}"')
    with pytest.raises(ScenarioError, match="name of 65 characters is too long; at most 64"):
        ktui.sim.load(str(path))


def test_lock_name_limit(tmp_path: Path) -> None:
    path = abba_with(tmp_path, 'B = "mutex"', f'B = "mutex"\n{"L" * 65} = "mutex"')
    with pytest.raises(ScenarioError, match="lock name of 65 characters is too long; at most 64") as info:
        ktui.sim.load(str(path))
    assert f"{path}:14: [locks] " in str(info.value)


def test_lock_count_limit(tmp_path: Path) -> None:
    # A and B plus 4094 more is 4096, the limit; one more is refused
    extra = "\n".join(f'L{i} = "mutex"' for i in range(4095))
    path = abba_with(tmp_path, 'B = "mutex"', f'B = "mutex"\n{extra}')
    with pytest.raises(ScenarioError, match="4097 locks; at most 4096"):
        ktui.sim.load(str(path))
    path = abba_with(tmp_path, 'B = "mutex"', 'B = "mutex"\n' + "\n".join(f'L{i} = "mutex"' for i in range(4094)))
    assert len(ktui.sim.load(str(path), history=False).scenario.locks) == 4096


def test_breakpoint_expression_limit() -> None:
    ok = "time >= 1ms" + " " * (4096 - len("time >= 1ms"))
    assert parse_breakpoint(ok).kind  # 4096 characters: parsed
    with pytest.raises(BreakpointError, match="expression of 4097 characters is too long; the limit is 4096"):
        parse_breakpoint(ok + " ")


def test_one_megabyte_breakpoint_is_refused_at_once() -> None:
    with pytest.raises(BreakpointError, match="too long"):
        parse_breakpoint("[" * (1 << 20))


def test_task_count_limit() -> None:
    # MAX_TASKS [[task]] tables pass the file size limit only as data: pid 0 is
    # the idle task, so MAX_TASKS - 1 user tasks at most
    data = {"task": [{"name": "t", "program": "run 1ms"} for _ in range(MAX_TASKS)]}
    with pytest.raises(ScenarioError, match=f"{MAX_TASKS} tasks; at most {MAX_TASKS - 1}"):
        parse_scenario_data(data, "tasks.toml", "")


def test_goto_target_with_thousands_of_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="event index 9{40}\\.\\.\\. \\(5000 chars\\) out of range"):
        parse_target("9" * 5000)
    with pytest.raises(ValueError, match="out of range"):
        parse_target("9" * 5000 + "ms")


def test_render_at_a_huge_event_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "abba", "--at", "9" * 5000]) == 2
    assert "out of range" in capsys.readouterr().err


def test_toml_integer_of_5000_digits_is_refused(tmp_path: Path) -> None:
    path = abba_with(tmp_path, "seed = 1", "seed = " + "9" * 5000)
    with pytest.raises(ScenarioError, match=r"more than 4300 digits out of range; TOML integers are .*\(s64\)") as info:
        ktui.sim.load(str(path))
    assert str(info.value).startswith(f"{path}:4: ")


# -- found by the grammar fuzzer (tests/test_fuzz_grammar.py) -------------------------


def _one_clean_line(exc: BaseException, limit: int = 600) -> str:
    text = str(exc)
    assert "\n" not in text and len(text) <= limit, text
    assert all(c.isprintable() for c in text), repr(text)
    return text


@pytest.mark.parametrize(
    ("expr", "shown", "word"),
    [("\r\ndeadlockx", r"\r\ndeadlockx", "deadlockx"), ("sched_switch \x1bx=1", r"sched_switch \x1bx=1", r"\x1bx")],
)
def test_breakpoint_error_escapes_control_characters(expr: str, shown: str, word: str) -> None:
    """The expression line under the message is escaped as repr does, and the
    caret stays under the offending word (it was echoed raw: a newline broke
    the message in two, an ESC reached the terminal)."""
    with pytest.raises(BreakpointError) as info:
        parse_breakpoint(expr)
    head, line, caret = str(info.value).split("\n")
    assert line == f"  {shown}"
    assert all(c.isprintable() for c in head + line)
    assert caret.index("^") == line.index(word)


def test_long_breakpoint_error_is_cut_around_the_caret() -> None:
    expr = "sched_switch " + "x" * 3000
    with pytest.raises(BreakpointError, match="unknown field") as info:
        parse_breakpoint(expr)
    head, line, caret = str(info.value).split("\n")
    assert head.startswith("breakpoint 'sched_switch xxx") and "... (3013 chars)'" in head
    assert len(head) < 400 and len(line) < 100
    assert line[caret.index("^")] == "x"


def test_bad_breakpoint_in_a_scenario_is_cut_and_names_the_line(tmp_path: Path) -> None:
    """A syntax error in a [[breakpoint]] is found by the loader, its
    expression echoed cut (it was echoed whole: 2,400 characters)."""
    path = abba_with(tmp_path, 'when = "deadlock"', f'when = "x = {"[" * 2400}"')
    with pytest.raises(ScenarioError, match="unknown event 'x'") as info:
        ktui.sim.scenario.load_scenario(str(path))
    text = _one_clean_line(info.value)
    assert text.startswith(f"{path}:34: [[breakpoint]] when = 'x = [[[") and "(2404 chars)" in text


@pytest.mark.parametrize("key", ['"a\\nb"', '"\\u001b[31m' + "x" * 70 + '"'])
def test_lock_names_are_echoed_quoted(tmp_path: Path, key: str) -> None:
    """A quoted [locks] key with a newline or an escape: one printable line
    (the key was echoed raw in the location)."""
    path = abba_with(tmp_path, 'B = "mutex"', f'B = "mutex"\n{key} = "mutex"')
    with pytest.raises(ScenarioError, match="lock name") as info:
        ktui.sim.load(str(path))
    # a quoted key is not in the source map: the location is the table's header
    assert _one_clean_line(info.value).startswith(f"{path}:11: [locks] '")


def test_undefined_lock_lists_a_few_of_4096(tmp_path: Path) -> None:
    extra = "\n".join(f'L{i} = "mutex"' for i in range(4094))
    path = abba_with(tmp_path, 'B = "mutex"', f'B = "mutex"\n{extra}')
    text = path.read_text().replace("mutex_lock B\n", "mutex_lock X\n", 1)
    path.write_text(text)
    with pytest.raises(ScenarioError, match=r"undefined lock 'X' .*: A, B, L0, .*, L7, \.\.\. \(4096 in all\)\)$") as info:
        ktui.sim.load(str(path))
    _one_clean_line(info.value)


def test_unknown_sysctl_key_is_echoed_quoted_and_cut(tmp_path: Path) -> None:
    path = abba_with(tmp_path, "seed = 1", "seed = 1\n[sysctl.kernel]\n\"\\u001b" + "x" * 5000 + '" = 5\n[scenario2]')
    path.write_text(path.read_text().replace("\n[scenario2]", ""))
    with pytest.raises(ScenarioError, match=r"unknown sysctl 'kernel\.\\x1bxxx.*\(5008 chars\)'; known: ") as info:
        ktui.sim.load(str(path))
    _one_clean_line(info.value)


def test_an_all_digit_comm_is_a_comm_before_a_pid() -> None:
    """Tasks named ``0`` and ``1``: ``next_comm=0`` names the task called 0
    (it was read as pid 0 and refused with "no task '0' (did you mean '0'?)"),
    and ``task 1`` is the task called 1 (pid 2), not pid 1."""
    from ktui.sim.replay.timeline import Simulator
    from ktui.sim.scenario import parse_scenario_text

    text = '[[task]]\nname = "0"\nprogram = "run 1ms"\n[[task]]\nname = "1"\nprogram = "run 1ms"\n'
    sim = Simulator(parse_scenario_text(text, "digits.toml"))
    sim.add_breakpoint("sched_switch next_comm=0")
    assert sim.run() == "breakpoint"
    assert sim.last_event() is not None and sim.last_event().fields["next_pid"] == 1
    sim = Simulator(parse_scenario_text(text, "digits.toml"))
    sim.add_breakpoint("task 1 on_cpu == 1")
    assert sim.run() == "breakpoint"
    assert sim.last_event() is not None and sim.last_event().fields["next_comm"] == "1"


LONG = "9" * 5000


@pytest.mark.parametrize(
    ("old", "new", "expect"),
    [
        (RUN_LINE, f"lock {LONG} #", "undefined lock '9{40}\\.\\.\\. \\(5000 chars\\)'"),
        (RUN_LINE, f"{LONG} #", "unknown op '9{40}\\.\\.\\. \\(5000 chars\\)'"),
        (RUN_LINE, f"loop {LONG} {{ run 1ms }} #", "'loop' takes no count"),
        (RUN_LINE, f"run {'x' * 5000} #", "bad duration 'x{40}\\.\\.\\. \\(5000 chars\\)'"),
        ('A = "mutex"', f'A = "{LONG}"', "unknown lock kind '9{40}\\.\\.\\. \\(5000 chars\\)'"),
        ("cpus = 2", f"cpus = 2\nx{LONG} = 1", "unknown key 'x9{39}\\.\\.\\. \\(5001 chars\\)'"),
        ('kernel = "6.6"', f'kernel = "{LONG}"', "kernel '9{40}\\.\\.\\. \\(5000 chars\\)' is not"),
        ('start = "0ms"', f'policy = "{LONG}"', "unknown policy '9{40}\\.\\.\\. \\(5000 chars\\)'"),
    ],
)
def test_long_words_are_echoed_cut(tmp_path: Path, old: str, new: str, expect: str) -> None:
    """A 5,000-character word anywhere is echoed cut to 40 characters and its
    length (it was echoed whole: 5,000-character messages)."""
    path = abba_with(tmp_path, old, new)
    with pytest.raises(ScenarioError, match=expect) as info:
        ktui.sim.load(str(path))
    _one_clean_line(info.value)


def test_unresolved_long_breakpoint_is_echoed_cut() -> None:
    """A valid 4,000-character breakpoint naming no task: one short message."""
    from ktui.sim.replay.timeline import Simulator
    from ktui.sim.scenario import parse_scenario_text

    text = '[[task]]\nname="t"\nprogram="run 1ms"\n[[breakpoint]]\nwhen="task ' + "x" * 4000 + ' state == R"\n'
    with pytest.raises(ScenarioError) as info:
        Simulator(parse_scenario_text(text, "x.toml"))
    assert len(str(info.value)) < 400
