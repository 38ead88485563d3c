"""Hostile input (issue #13): names that look like markup, huge numbers, deep
nesting and the documented limits. Each is refused with one ktui error, never
a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from ktui.cli import main
from tests.hostile import MARKUP_NAMES, abba_named


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
