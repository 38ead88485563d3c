"""The README's commands and exit-status table agree with the code."""

from __future__ import annotations

import re
from pathlib import Path

import ktui
from ktui import cli

README = (Path(ktui.__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_quick_start_commands_are_unchanged() -> None:
    """CI runs the Quick start's two commands exactly as written."""
    assert "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/ktui\n" in README
    assert (
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest\n"
        in README
    )


def test_headless_section_says_to_activate_the_venv() -> None:
    """The bare `ktui` commands come after the instruction to activate .venv."""
    headless = README[README.index("## Headless") :]
    assert headless.index(". .venv/bin/activate") < headless.index("ktui list")


def test_exit_status_table_matches_the_cli() -> None:
    """Each row of the README's table is one of cli's EXIT_* codes, all of them present."""
    rows = dict(re.findall(r"^\| (\d) \| (.+) \|$", README, flags=re.MULTILINE))
    assert set(rows) == {"0", "1", "2", "3", "4"}
    assert cli.EXIT_FINISHED == 0 and "finished" in rows["0"]
    assert cli.EXIT_FAILED == 1 and "deadlock" in rows["1"] and "WARNING" in rows["1"]
    assert cli.EXIT_USAGE == 2 and "bad input" in rows["2"]
    assert cli.EXIT_BREAKPOINT == 3 and "breakpoint" in rows["3"]
    assert cli.EXIT_LIMIT == 4 and "limit" in rows["4"]
