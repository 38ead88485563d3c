"""Built-in scenarios (shipped in ``ktui/scenarios/``) and loading a scenario
by path or by built-in name."""

from __future__ import annotations

import importlib
import importlib.resources
import tomllib
from importlib.resources.abc import Traversable
from pathlib import Path

from ktui.sim.errors import ScenarioError
from ktui.sim.scenario.loader import parse_scenario_text
from ktui.sim.scenario.model import Scenario
from ktui.sim.units import did_you_mean, shorten


def _scenarios_dir() -> Traversable:
    return importlib.resources.files("ktui") / "scenarios"


def builtin_names() -> list[str]:
    """Names of the built-in scenarios (``ktui/scenarios/*.toml``), sorted."""
    return sorted(
        p.name[: -len(".toml")] for p in _scenarios_dir().iterdir() if p.name.endswith(".toml")
    )


def _builtin_text(name: str) -> str:
    if name not in builtin_names():
        names = builtin_names()
        raise ScenarioError(
            f"no built-in scenario {shorten(name)!r}{did_you_mean(name, names)} (built-ins: {', '.join(names)})",
            name,
        )
    return (_scenarios_dir() / f"{name}.toml").read_text(encoding="utf-8")


def builtin_description(name: str) -> str:
    """The ``[scenario] description`` of a built-in, without full validation.

    Raises:
        ScenarioError: No such built-in.
    """
    meta = tomllib.loads(_builtin_text(name)).get("scenario", {})
    desc = meta.get("description", "") if isinstance(meta, dict) else ""
    return desc if isinstance(desc, str) else ""


def _read_file(path: Path, shown: str) -> str:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ScenarioError(f"cannot read the scenario file: {e.strerror or e}", shown) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise ScenarioError(
            f"not UTF-8 text (byte 0x{raw[e.start]:02x}); scenario files must be UTF-8", shown, line
        ) from None


def load_scenario(path_or_name: str) -> Scenario:
    """Load a scenario from a ``.toml`` path or a built-in name.

    An existing file wins over a built-in of the same name.

    Args:
        path_or_name: ``examples/x.toml``, or ``abba``.

    Returns:
        The scenario.

    Raises:
        ScenarioError: Missing or unreadable file, not UTF-8, TOML syntax
            error, or invalid content.
    """
    shown = path_or_name
    if not path_or_name.strip():
        raise ScenarioError(
            "no scenario given; expected a .toml path or a built-in name "
            f"({', '.join(builtin_names())})"
        )
    path = Path(path_or_name)
    try:
        is_dir, exists = path.is_dir(), path.exists()
    except (OSError, ValueError):
        is_dir, exists = False, False
    if is_dir:
        raise ScenarioError("is a directory; expected a .toml scenario file", shown)
    if exists:
        return parse_scenario_text(_read_file(path, shown), shown)
    if path_or_name in builtin_names():
        return parse_scenario_text(_builtin_text(path_or_name), path_or_name)
    if path_or_name.endswith(".toml") or "/" in path_or_name or "\\" in path_or_name:
        raise ScenarioError("no such file", shown)
    names = builtin_names()
    raise ScenarioError(
        f"no such file or built-in scenario{did_you_mean(path_or_name, names)} "
        f"(built-ins: {', '.join(names)})",
        shown,
    )
