"""`ktui render`: panes as plain text at a position, golden-tested (no SVG churn)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktui.cli import main

GOLDENS = Path(__file__).parent / "goldens"


@pytest.mark.parametrize(
    ("args", "golden"),
    [
        (["abba", "--pane", "locks", "--size", "100x12"], "abba_deadlock_locks_100x12.txt"),
        (["abba", "--at", "12", "--pane", "rq", "--size", "100x12"], "abba_12_rq_100x12.txt"),
    ],
)
def test_render_pane_matches_golden(
    capsys: pytest.CaptureFixture[str], args: list[str], golden: str
) -> None:
    """The lock pane at the deadlock and the run queues at event 12 render exactly as recorded."""
    assert main(["render", *args]) == 0
    out, _ = capsys.readouterr()
    assert out == (GOLDENS / golden).read_text()


def test_render_shows_the_cycle_and_position(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --at, render runs to the first stop: the deadlock, with the cycle spelled out."""
    assert main(["render", "abba", "--size", "120x40"]) == 0
    out, _ = capsys.readouterr()
    assert "#17/17" in out and "DEADLOCK" in out
    assert "t2 ─wants A→ t1 ─wants B→ t2" in out


def test_render_writes_svg(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """--svg writes an SVG screenshot beside the text."""
    svg = tmp_path / "shot.svg"
    assert main(["render", "abba", "--at", "5", "--svg", str(svg)]) == 0
    assert svg.read_text().lstrip().startswith("<svg")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--pane", "nosuch"], "expected one of rq, timeline, locks, task, trace"),
        (["--at", "zz"], "--at"),
        (["--size", "12"], "WIDTHxHEIGHT"),
    ],
)
def test_render_bad_arguments_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    """Bad --pane/--at/--size: one message, exit status 2."""
    assert main(["render", "abba", *args]) == 2
    _, err = capsys.readouterr()
    assert needle in err and "Traceback" not in err
