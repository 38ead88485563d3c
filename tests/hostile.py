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


WIDE_NAMES = ("日本語", "日本語x")
"""Task names of wide (2-cell) characters: they show literally and aligned."""
WIDE_TWINS = {"日": "xx", "本": "yy", "語": "zz"}
"""Each wide character's ASCII twin of the same cell width (2). The twins sort
after ``swapper`` like the characters, so a scenario with the twin names
must draw exactly the screen of the wide one, cell for cell."""


def ascii_twin(text: str) -> str:
    """`text` with each wide character of `WIDE_TWINS` as its ASCII twin."""
    for wide, twin in WIDE_TWINS.items():
        text = text.replace(wide, twin)
    return text


def abba_tasks_named(tmp_path: Path, t1: str, t2: str, scenario: str = "abba") -> Path:
    """abba with tasks t1 and t2 (and the scenario) renamed."""
    text = (Path(__file__).parent.parent / "ktui" / "scenarios" / "abba.toml").read_text()
    text = text.replace('name = "abba"', f"name = {json.dumps(scenario)}", 1)
    text = text.replace('name = "t1"', f"name = {json.dumps(t1)}", 1)
    text = text.replace('name = "t2"', f"name = {json.dumps(t2)}", 1)
    path = tmp_path / f"{ascii_twin(scenario)}.toml"
    path.write_text(text, encoding="utf-8")
    return path
