"""Hostile scenario texts shared by the CLI and the Pilot tests (issue #13)."""

from __future__ import annotations

import json
from pathlib import Path

MARKUP_NAMES = ("[/x]", "[/]", "[bold]x", "[link=https://x]y")
"""Names rich/textual would read as markup: each must show literally."""


def abba_named(tmp_path: Path, name: str) -> Path:
    """abba with the scenario and task t1 called `name` (t1 cut to TASK_COMM_LEN - 1 = 15)."""
    text = (Path(__file__).parent.parent / "ktui" / "scenarios" / "abba.toml").read_text()
    text = text.replace('name = "abba"', f"name = {json.dumps(name)}", 1)
    text = text.replace('name = "t1"', f"name = {json.dumps(name[:15])}", 1)
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def abba_with(tmp_path: Path, old: str, new: str) -> Path:
    """abba.toml with the first `old` replaced by `new`."""
    text = (Path(__file__).parent.parent / "ktui" / "scenarios" / "abba.toml").read_text()
    assert old in text
    path = tmp_path / "hostile.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path
