"""Grammar-driven fuzzing of the scenario loader and the breakpoint parser (issue #13).

Scenario texts and breakpoint expressions are drawn from ktui's registries
(`tests.grammar`), then mutated at the token and byte level. Loading either
succeeds or raises ktui's own error (`KtuiError`) with one clear message,
never another exception; what loads runs to ``steps=1000`` and stops with a
documented status after at most 1000 events (the bound is counted in events
and in the machine's silent-work limit, never in wall time).

Deterministic (``derandomize=True``, no example database): the same examples
on every machine, so a failure here is a reproducible bug in ktui.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ktui.cli import main
from ktui.sim.breakpoints.parser import parse as parse_breakpoint
from ktui.sim.errors import BreakpointError, KtuiError
from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import load_scenario, parse_scenario_text
from ktui.sim.scenario.model import Scenario
from tests.grammar import (
    World,
    breakpoint_exprs,
    mutated_bytes,
    mutated_text,
    scenarios,
    toml_str,
    worlds,
)

STEPS = 1000
STATUSES = ("finished", "deadlock", "breakpoint", "limit", "livelock")
"""What `Simulator.run` returns when it was not interrupted."""
MAX_MESSAGE = 600
"""A clear message is short: the longest first line an error may have (hostile
input is echoed cut to a few dozen characters, `ktui.sim.units.shorten`)."""

EXAMPLES = int(os.environ.get("KTUI_FUZZ_EXAMPLES", "50"))
"""Examples per test; set KTUI_FUZZ_EXAMPLES=5000 for a long local hunt."""
FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=EXAMPLES)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """One directory for the files the byte and CLI tests write (module-scoped:
    hypothesis reruns the test body, a function-scoped tmp_path would be shared)."""
    with tempfile.TemporaryDirectory() as d:
        yield Path(d)


def check_error(exc: BaseException) -> None:
    """`exc` is ktui's own error with one clear, printable message."""
    if not isinstance(exc, KtuiError):
        raise exc  # with its traceback: a crash in ktui, the bug this test hunts
    text = str(exc)
    first = text.split("\n", 1)[0]
    assert first.strip(), "empty message"
    assert getattr(exc, "detail", first).strip(), f"empty detail: {text!r}"
    assert len(first) <= MAX_MESSAGE, f"message of {len(first)} characters: {first[:200]}..."
    # echoed input is repr'd or escaped: no control characters, no line
    # separators, nothing a terminal would act on
    bad = [c for c in text if not c.isprintable() and c != "\n"]
    assert not bad, f"unprintable {bad!r} in {text!r}"
    if isinstance(exc, BreakpointError):
        # the message, then the expression and a caret under the offending word
        assert text.count("\n") in (0, 2), text
    else:
        assert "\n" not in text, text


def load(text: str) -> Scenario | None:
    """Parse `text`; None when ktui refused it (with a clean error)."""
    try:
        return parse_scenario_text(text, "fuzz.toml")
    except Exception as exc:  # noqa: BLE001 - any other exception is the bug
        check_error(exc)
        return None


def boot(scenario: Scenario) -> Simulator | None:
    """A simulator for `scenario`; None when its breakpoints are refused."""
    try:
        return Simulator(scenario)
    except Exception as exc:  # noqa: BLE001
        check_error(exc)
        return None


def run_bounded(sim: Simulator) -> str:
    """Run `sim` for at most STEPS events; it must stop with a documented status."""
    status = sim.run(steps=STEPS)
    assert status in STATUSES, status
    assert sim.event <= STEPS
    assert sim.recorded <= STEPS
    if status == "limit":
        assert sim.event == STEPS
    return status


# -- scenarios ------------------------------------------------------------------------


@FUZZ
@given(scenarios())
def test_generated_scenarios_load_and_run_bounded(generated: tuple[World, str]) -> None:
    """What the grammar draws is valid: it loads, boots and runs within the bound."""
    _, text = generated
    scenario = parse_scenario_text(text, "fuzz.toml")
    sim = Simulator(scenario)
    run_bounded(sim)


@FUZZ
@given(st.data())
def test_mutated_scenarios_load_or_refuse_cleanly(data: st.DataObject) -> None:
    """Token-level mutations: a clean ScenarioError, or a scenario that runs bounded."""
    _, text = data.draw(scenarios())
    scenario = load(data.draw(mutated_text(text)))
    if scenario is not None and (sim := boot(scenario)) is not None:
        run_bounded(sim)


@settings(FUZZ, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_byte_mutated_files_load_or_refuse_cleanly(scratch: Path, data: st.DataObject) -> None:
    """Byte-level mutations of a file (bad UTF-8, NUL, a BOM ...) through `load_scenario`."""
    _, text = data.draw(scenarios())
    path = scratch / "bytes.toml"
    path.write_bytes(data.draw(mutated_bytes(text)))
    try:
        scenario = load_scenario(str(path))
    except Exception as exc:  # noqa: BLE001
        check_error(exc)
        return
    if (sim := boot(scenario)) is not None:
        run_bounded(sim)


# -- breakpoint expressions ------------------------------------------------------------


def world_text(world: World) -> str:
    """A scenario declaring `world`, every task busy and taking its locks."""
    out = [f"[machine]\ncpus = {world.cpus}"]
    if world.locks:
        out.append("[locks]\n" + "\n".join(f"{n} = {toml_str(k)}" for n, k in world.locks))
    body = "\n".join(f"lock {n}\nrun 100us\nunlock {n}" for n, _ in world.locks)
    for name in world.tasks:
        out.append(f'[[task]]\nname = {toml_str(name)}\nprogram = """\nrepeat 3 {{\nrun 1ms\n{body}\nmsleep 1\n}}\n"""')
    return "\n".join(out) + "\n"


def try_expr(world: World, expr: str, *, valid: bool) -> None:
    """Parse `expr`, set it on a simulator of `world` and run bounded."""
    try:
        parse_breakpoint(expr)
    except Exception as exc:  # noqa: BLE001
        assert not valid, f"generated {expr!r} refused: {exc}"
        check_error(exc)
        return
    sim = Simulator(parse_scenario_text(world_text(world), "world.toml"))
    try:
        sim.add_breakpoint(expr)
    except Exception as exc:  # noqa: BLE001
        assert not valid, f"generated {expr!r} refused by the scenario: {exc}"
        check_error(exc)
        return
    run_bounded(sim)


@FUZZ
@given(st.data())
def test_generated_breakpoints_parse_set_and_run(data: st.DataObject) -> None:
    world = data.draw(worlds())
    try_expr(world, data.draw(breakpoint_exprs(world)), valid=True)


@FUZZ
@given(st.data())
def test_mutated_breakpoints_parse_or_refuse_cleanly(data: st.DataObject) -> None:
    world = data.draw(worlds())
    expr = data.draw(breakpoint_exprs(world).flatmap(mutated_text))
    try_expr(world, expr, valid=False)


# -- the command line -------------------------------------------------------------------


@settings(FUZZ, max_examples=max(12, EXAMPLES // 5), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_cli_run_exits_with_a_documented_status(scratch: Path, data: st.DataObject) -> None:
    """``ktui run FILE --steps 1000 [--break EXPR] [--json]``, in process: exit
    0..4, and stderr (when anything) is ktui's one-line error, no traceback."""
    world, text = data.draw(scenarios())
    if data.draw(st.booleans()):
        text = data.draw(mutated_text(text))
    path = scratch / "cli.toml"
    path.write_text(text, encoding="utf-8")
    argv = ["run", str(path), "--steps", str(STEPS)]
    if data.draw(st.booleans()):
        expr = data.draw(breakpoint_exprs(world))
        argv += ["--break", data.draw(mutated_text(expr)) if data.draw(st.booleans()) else expr]
    if data.draw(st.booleans()):
        argv.append("--json")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    assert rc in (0, 1, 2, 3, 4)
    assert "Traceback" not in err.getvalue()
    if rc == 2:
        assert err.getvalue().startswith("ktui: error: ")
    else:
        assert out.getvalue()
        assert not any(unicodedata.category(c) == "Cc" and c not in "\n" for c in out.getvalue())
