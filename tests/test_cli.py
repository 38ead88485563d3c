"""The ktui command: run/check/list output, JSON shape, and bad input (exit 2, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import ktui
from ktui.cli import main

REPO_ROOT = Path(ktui.__file__).resolve().parents[1]


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_run_json_reports_the_deadlock(capsys: pytest.CaptureFixture[str]) -> None:
    """`ktui run abba --json` is one JSON object with the documented keys, status deadlock."""
    code, out, _ = _run(capsys, "run", "abba", "--json")
    assert code == 1  # a deadlock
    rep = json.loads(out)
    for key in ("scenario", "seed", "event", "time_ns", "status", "state_hash", "tasks", "cpus", "locks", "deadlocks"):
        assert key in rep
    assert rep["status"] == "deadlock"
    task = rep["tasks"][0]
    for key in ("pid", "comm", "state", "policy", "nice", "prio", "cpu", "sum_exec_runtime_ns", "vruntime_ns", "nr_switches"):
        assert key in task
    assert {lk["name"]: lk["kind"] for lk in rep["locks"]} == {"A": "mutex", "B": "mutex"}
    assert sorted(rep["deadlocks"][0]["tasks"]) == ["t1", "t2"]


def test_run_back_and_goto_move_the_position(capsys: pytest.CaptureFixture[str]) -> None:
    """--back M after the run reports event N-M; --goto N reports N."""
    _, out, _ = _run(capsys, "run", "abba", "--json")
    end = json.loads(out)["event"]
    _, out, _ = _run(capsys, "run", "abba", "--json", "--back", "3")
    assert json.loads(out)["event"] == end - 3
    _, out, _ = _run(capsys, "run", "abba", "--json", "--goto", "4")
    assert json.loads(out)["event"] == 4


def test_run_break_and_until(capsys: pytest.CaptureFixture[str]) -> None:
    """--break stops at the matching event; --until stops at a time limit."""
    _, out, _ = _run(capsys, "run", "abba", "--json", "--break", "lock_acquire lock=B comm=t2")
    rep = json.loads(out)
    assert rep["status"] == "breakpoint" and "lock_acquire lock=B comm=t2" in rep["reason"]
    _, out, _ = _run(capsys, "run", "cfs-nice", "--json", "--until", "20ms")
    rep = json.loads(out)
    assert rep["status"] == "limit" and rep["time_ns"] <= 20_000_000


def test_trace_prints_ftrace_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """--trace prints one ftrace-style line per event: comm-pid [cpu] seconds: event: fields."""
    code, out, _ = _run(capsys, "run", "abba", "--trace", "--json")
    assert code == 1
    lines = out.splitlines()
    # trace_output.c widths: "%16s-%-7d [%03d] %5lu.%06lu: "
    assert "              t1-1       [000]     0.001000: lock_contended: B" in lines
    assert any("prev_state=D ==> next_comm=swapper/0" in ln for ln in lines)


def test_no_history_gives_the_same_end_state(capsys: pytest.CaptureFixture[str]) -> None:
    """--no-history runs the same model: same event count and state hash."""
    _, out, _ = _run(capsys, "run", "cfs-nice", "--json", "--steps", "2000")
    _, out2, _ = _run(capsys, "run", "cfs-nice", "--json", "--steps", "2000", "--no-history")
    a, b = json.loads(out), json.loads(out2)
    assert (a["event"], a["state_hash"]) == (b["event"], b["state_hash"])


def test_check_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    """check validates and says ok; list shows every built-in with the default marked."""
    code, out, _ = _run(capsys, "check", "abba")
    assert code == 0 and "ok" in out
    code, out, _ = _run(capsys, "list")
    assert code == 0
    assert "* abba" in out and "cfs-nice" in out and "abba-no-collision" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "nosuch"], "nosuch"),
        (["run", "abba", "--break", "lock_aquire"], "did you mean 'lock_acquire'"),
        (["run", "abba", "--break", "task t9 state == D"], "t9"),
        (["run", "abba", "--until", "5"], "unit"),
        (["run", "abba", "--goto", "99999"], "past the end"),
        (["run", "abba", "--until", "1.5ns"], "whole"),
        (["run", "abba", "--back", "-1"], "--back must be >= 0"),
        (["run", "abba", "--no-history", "--back", "1"], "need history"),
        (["run"], "scenario"),
        (["frobnicate", "x"], "unexpected arguments"),
    ],
)
def test_bad_input_is_one_message_and_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    """Every bad command line: exit status 2, a message naming the problem, no traceback."""
    code, _out, err = _run(capsys, *args)
    assert code == 2
    assert needle in err
    assert "Traceback" not in err


def test_bad_scenario_file_names_file_and_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A scenario error names the file and line and exits 2."""
    p = tmp_path / "bad.toml"
    p.write_text('[[task]]\nname = "t1"\nprogram = """\nrun 1ms\nmutex_lok A\n"""\n')
    code, _, err = _run(capsys, "check", str(p))
    assert code == 2
    assert f"{p}:5" in err and "mutex_lok" in err and "Traceback" not in err


def test_bad_breakpoint_in_scenario_names_its_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A [[breakpoint]] that does not parse is reported with the scenario's file and line."""
    p = tmp_path / "bp.toml"
    p.write_text('[[task]]\nname = "t1"\nprogram = "run 1ms"\n\n[[breakpoint]]\nwhen = "sched_swtch"\n')
    code, _, err = _run(capsys, "run", str(p))
    assert code == 2
    assert f"{p}:6" in err and "sched_switch" in err


BAD_SCENARIOS = [
    # (file text, expected line, words the message must contain)
    ('[[task]]\nname = "t1"\nprogram = """\nrun 1ms\nmutex_lok A\n"""\n', 5, ["mutex_lok", "did you mean 'mutex_lock'"]),
    ('[[task]]\nname = "t1"\nprogram = ["run 5"]\n', 3, ["'5'", "unit"]),
    ('[[task]]\nname = "t1"\nprogram = ["run -5ms"]\n', 3, ["negative"]),
    ('[[task]]\nname = "t1"\nprogram = ["mutex_lock Q"]\n', 3, ["Q", "[locks]"]),
    ('[locks]\nS = "spinlock"\n[[task]]\nname = "t1"\nprogram = ["mutex_lock S"]\n', 5, ["spin_lock"]),
    ('[machine]\ncpus = 0\n[[task]]\nname = "t1"\nprogram = "run 1ms"\n', 2, ["cpus"]),
    ('[machine]\ncpus = 1000\n[[task]]\nname = "t1"\nprogram = "run 1ms"\n', 2, ["cpus"]),
    ('[[task]]\nname = "t1"\nnicee = 3\nprogram = "run 1ms"\n', 3, ["nicee", "did you mean 'nice'"]),
    ('[[task]]\nname = "t1"\nnice = "low"\nprogram = "run 1ms"\n', 3, ["nice", "integer"]),
    ('[[task]]\nname = "t1"\nprogram = """\nrepeat 2 {\nrun 1ms\n"""\n', 4, ["{"]),
    ('[scenario\nname = "x"\n', 1, ["TOML"]),
]


@pytest.mark.parametrize(("text", "line", "words"), BAD_SCENARIOS)
def test_every_scenario_error_class_exits_2_with_file_and_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, line: int, words: list[str]
) -> None:
    """`ktui run` and `ktui check` on a bad scenario: exit 2, 'file:line: ...', the key/op and what was expected."""
    p = tmp_path / "s.toml"
    p.write_text(text)
    for cmd in ("check", "run"):
        code, out, err = _run(capsys, cmd, str(p))
        assert code == 2, err
        assert out == ""
        assert f"{p}:{line}" in err, err
        for w in words:
            assert w in err, err
        assert "Traceback" not in err and err.count("\n") <= 4


# -- exit status (cli.EXIT_CODES_HELP) -------------------------------------------------

UNLOCK_NOT_HELD = """\
[scenario]
name = "bad-unlock"
[locks]
A = "mutex"
[[task]]
name = "t1"
program = \"\"\"
run 1ms
mutex_unlock A      # not held: mutex_release() -> print_unlock_imbalance_bug()
run 1ms
\"\"\"
"""


def test_warning_is_in_summary_json_and_exit_status(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Unlocking a mutex the task does not hold: the WARNING is in the summary, the JSON log, exit 1."""
    p = tmp_path / "unlock.toml"
    p.write_text(UNLOCK_NOT_HELD)
    code, out, err = _run(capsys, "run", str(p))
    assert code == 1, err
    assert "FINISHED with 1 WARNING" in out
    # the dmesg line with its event: unlock at t = 1 ms of runtime
    assert "WARNING: bad unlock balance detected!" in out
    line = next(ln for ln in out.splitlines() if "bad unlock balance" in ln)
    assert line.lstrip().startswith("#") and "[    0.001000]" in line and "t1/1" in line
    code, out, _ = _run(capsys, "run", str(p), "--json")
    assert code == 1
    rep = json.loads(out)
    assert rep["status"] == "finished"
    (entry,) = rep["log"]
    assert entry["level"] == "WARNING" and entry["comm"] == "t1" and entry["time_ns"] == 1_000_000
    assert entry["line"] == "[    0.001000] WARNING: bad unlock balance detected!"


@pytest.mark.parametrize(
    ("args", "status", "code"),
    [
        # lockdep's circular WARNING, though the timing never deadlocked
        (["run", "abba-no-collision"], "finished", 1),
        (["run", "abba"], "deadlock", 1),
        (["run", "abba", "--break", "lock_acquire lock=B comm=t2"], "breakpoint", 3),
        (["run", "cfs-nice", "--steps", "100"], "limit", 4),
        (["run", "cfs-nice", "--until", "20ms"], "limit", 4),
    ],
)
def test_exit_status_says_how_the_run_stopped(
    capsys: pytest.CaptureFixture[str], args: list[str], status: str, code: int
) -> None:
    """0 finished, 1 deadlock or a WARNING, 3 breakpoint, 4 limit; the same with --json."""
    got, out, err = _run(capsys, *args)
    assert got == code, err
    assert status.upper() in out
    got, out, _ = _run(capsys, *args, "--json")
    assert got == code and json.loads(out)["status"] == status


def test_exit_status_is_the_runs_even_after_back(capsys: pytest.CaptureFixture[str]) -> None:
    """--back moves the report's position, not how the run ended: abba --back 3 still exits 1."""
    code, out, _ = _run(capsys, "run", "abba", "--json", "--back", "3")
    assert code == 1 and json.loads(out)["status"] == "deadlock"


def test_back_and_goto_out_of_range_say_the_range(capsys: pytest.CaptureFixture[str]) -> None:
    """--back past the start and --goto past the end are exit 2 and name the valid range."""
    _, out, _ = _run(capsys, "run", "abba", "--json")
    end = json.loads(out)["event"]
    code, out, err = _run(capsys, "run", "abba", "--back", str(end + 1))
    assert code == 2 and out == ""
    assert f"--back takes 0..{end}" in err
    code, out, err = _run(capsys, "run", "abba", "--goto", str(end + 1))
    assert code == 2 and out == ""
    assert f"0..{end}" in err and "past the end" in err
    code, out, _ = _run(capsys, "run", "abba", "--json", "--back", str(end))
    assert code == 1 and json.loads(out)["event"] == 0


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"]])
def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """`ktui --help` and `ktui run --help` document every exit status."""
    code, out, _ = _run(capsys, *argv)
    assert code == 0
    assert "exit status" in out
    for n, words in ((0, "finished"), (1, "deadlock"), (1, "livelock"), (2, "bad input"), (3, "breakpoint"), (4, "limit")):
        assert any(ln.strip().startswith(f"{n} ") and words in ln for ln in out.splitlines()), (n, out)


# -- output without a terminal, CPU shares, progress ------------------------------------


def test_piped_summary_prints_every_column_in_full(capsys: pytest.CaptureFixture[str]) -> None:
    """Not a terminal (capsys): no 80-column cut, so no 'runt…' headers and no '-1048…' values."""
    code, out, _ = _run(capsys, "run", "cfs-nice", "--until", "1s")
    assert code == 4
    assert "…" not in out
    header = next(ln for ln in out.splitlines() if "comm" in ln and "vruntime" in ln)
    for col in ("runtime", "share", "weight share", "vruntime", "switches", "waits on", "holds"):
        assert col in header
    _, js, _ = _run(capsys, "run", "cfs-nice", "--until", "1s", "--json")
    for t in json.loads(js)["tasks"]:
        assert str(t["vruntime_ns"]) in out  # the whole number, not cut
    assert max(len(ln) for ln in out.splitlines()) > 80


def test_cfs_nice_shares_follow_the_weights(capsys: pytest.CaptureFixture[str]) -> None:
    """nice 0/5/10 on one CPU: runtime shares match sched_prio_to_weight 1024/335/110.

    Sum of weights 1024 + 335 + 110 = 1469, so the fair shares are
    1024/1469 = 69.7%, 335/1469 = 22.8%, 110/1469 = 7.5%. Over 1 s at HZ=250
    (4 ms ticks) each measured share is within half a percent of those.
    """
    _, js, _ = _run(capsys, "run", "cfs-nice", "--until", "1s", "--json")
    tasks = {t["comm"]: t for t in json.loads(js)["tasks"]}
    total = sum(t["sum_exec_runtime_ns"] for t in tasks.values())
    for comm, weight in (("nice0", 1024), ("nice5", 335), ("nice10", 110)):
        share = tasks[comm]["sum_exec_runtime_ns"] / total
        assert abs(share - weight / 1469) < 0.005, (comm, share)
    _, out, _ = _run(capsys, "run", "cfs-nice", "--until", "1s")
    rows = {ln.split("│")[2].strip(): ln for ln in out.splitlines() if ln.count("│") > 10}
    assert "69.7%" in rows["nice0"] and "22.8%" in rows["nice5"] and "7.5%" in rows["nice10"]
    for comm in ("nice0", "nice5", "nice10"):
        pct = f"{100 * tasks[comm]['sum_exec_runtime_ns'] / total:.1f}%"
        assert pct in rows[comm]


def test_progress_bar_appears_after_a_second_and_never_stops_the_run() -> None:
    """The bar is driven by the run's should_stop poll and its event count; a fake clock, no sleeps."""
    import io

    from rich.console import Console

    import ktui.sim
    from ktui.progress import RunProgress

    sim = ktui.sim.load("cfs-nice")
    buf = io.StringIO()
    now = [0.0]
    bar = RunProgress(sim, 3000, None, Console(file=buf, force_terminal=True, width=100), lambda: now[0])
    assert sim.run(steps=1500, should_stop=bar.poll) == "limit"  # polled at 1024: 0 s, no bar yet
    assert bar.progress is None and buf.getvalue() == ""
    now[0] = 1.5
    assert sim.run(steps=1500, should_stop=bar.poll) == "limit"  # polled at 1500 + 1024
    assert bar.progress is not None
    assert "cfs-nice" in buf.getvalue() and "2524/3000" in buf.getvalue()
    bar.close()
    assert sim.event == 3000


def test_no_progress_bar_when_stderr_is_not_a_terminal() -> None:
    """Under capture stderr is no terminal: for_stderr gives no bar."""
    import ktui.sim
    from ktui.progress import RunProgress

    assert RunProgress.for_stderr(ktui.sim.load("abba"), 10, None) is None


# -- the interactive app needs a terminal; python -m ktui -----------------------------


def test_app_without_a_terminal_refuses_with_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """`ktui abba` with stdout captured: one message pointing to `ktui run`, exit 2, nothing drawn."""
    code, out, err = _run(capsys, "abba")
    assert code == 2 and out == ""
    assert "needs a terminal" in err and "ktui run abba" in err


def _python_m_ktui(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ktui", *args], cwd=cwd, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_app_with_stdin_from_dev_null_does_not_hang(tmp_path: Path) -> None:
    """`ktui abba </dev/null` exits 2 with the message instead of drawing and waiting."""
    res = _python_m_ktui(["abba"], tmp_path)
    assert res.returncode == 2, res.stderr
    assert "needs a terminal" in res.stderr and res.stdout == ""


def test_python_m_ktui_from_above_a_clone_named_ktui(tmp_path: Path) -> None:
    """cwd holds `ktui/` (the clone's root, no __init__.py): python -m ktui still runs the real package."""
    (tmp_path / "ktui").symlink_to(REPO_ROOT, target_is_directory=True)
    res = _python_m_ktui(["list"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert "* abba" in res.stdout


# -- runs that always end (issue 13): livelock is exit 1 ---------------------------------

_HANGS = {
    "zero-loop": ("loop { run 0ns }", "limit", 4),
    "repeat-zero": ("repeat 1000000000 { run 0ns }", "limit", 4),
    "nested": ("repeat 2 {\n" * 500 + "run 1ns\n" + "}\n" * 500, "livelock", 1),
    "irqs-off": ("local_irq_disable\nloop { run 1ms }", "livelock", 1),
}


@pytest.mark.parametrize("name", sorted(_HANGS))
def test_hangs_end_with_their_status_and_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str
) -> None:
    """`ktui run X --steps 1000` ends: livelock exits 1 and says where, spinning loops hit the limit."""
    program, status, code = _HANGS[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(f'[scenario]\nname = "{name}"\nseed = 1\n[[task]]\nname = "t"\nprogram = """\n{program}\n"""\n')
    got, out, err = _run(capsys, "run", str(path), "--steps", "1000", "--json")
    assert got == code, err
    rep = json.loads(out)
    assert rep["status"] == status
    if status == "livelock":
        assert "CPU 0, task t (pid 1), program line" in rep["reason"]


def test_until_bounds_an_irqs_off_loop(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """No event is ever emitted after local_irq_disable; --until 50ms still stops it (exit 4)."""
    path = tmp_path / "irq.toml"
    path.write_text('[scenario]\nname = "irq"\nseed = 1\n[[task]]\nname = "t"\nprogram = """\nlocal_irq_disable\nloop { run 1ms }\n"""\n')
    got, out, _ = _run(capsys, "run", str(path), "--until", "50ms", "--json")
    assert got == 4 and json.loads(out)["status"] == "limit"


def test_exit_status_of_a_livelock_is_1() -> None:
    from ktui.cli import EXIT_FAILED, exit_status

    assert exit_status("livelock", []) == EXIT_FAILED == 1


def test_litmus_prints_litmus7s_report(capsys: pytest.CaptureFixture[str]) -> None:
    """``ktui litmus``: the outcomes over --runs seeds, litmus7's layout."""
    code, out, _ = _run(capsys, "litmus", "litmus-sb-mb", "--runs", "50")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Test SB+mb+mb" and lines[1].startswith("Histogram (")
    assert "Positive: 0, Negative: 50" in out
    assert lines[-1] == "Observation SB+mb+mb Never 0 50"
    counts = [int(line.split()[0]) for line in lines[2 : 2 + int(lines[1].split("(")[1].split()[0])]]
    assert sum(counts) == 50


@pytest.mark.parametrize(("args", "expect"), [(("abba",), "no [litmus] table"), (("litmus-sb", "--runs", "0"), "--runs must be 1..")])
def test_litmus_bad_input_is_exit_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expect: str) -> None:
    code, _, err = _run(capsys, "litmus", *args)
    assert code == 2 and expect in err and "Traceback" not in err
