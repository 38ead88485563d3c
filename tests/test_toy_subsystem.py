"""A toy subsystem from the tests folder, end to end: scenario table and op,
``--json``, ``--trace``, a breakpoint on its subject, and its pane, with no
file under ``ktui/`` naming it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ktui import cli
from ktui.sim import subsystems
from ktui.sim.core.subsystem import Subsystem

SCENARIO = """\
[scenario]
name = "toy"
seed = 1

[machine]
cpus = 1

[toy]
widgets = ["gear", "spring"]

[[task]]
name = "poker"
program = \"\"\"
toy_poke spring
run 1ms
toy_poke gear
toy_poke spring
\"\"\"
"""


@pytest.fixture
def toy() -> Iterator[Subsystem]:
    from tests.toy.toy import TOY

    subsystems.register(TOY)
    try:
        yield TOY
    finally:
        subsystems.unregister("toy")


@pytest.fixture
def scenario(tmp_path: Path) -> Path:
    path = tmp_path / "toy.toml"
    path.write_text(SCENARIO)
    return path


def test_json_has_the_toy_section(
    toy: Subsystem, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report section comes from the toy view: spring poked twice, gear once."""
    assert cli.main(["run", str(scenario), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["toy"] == [{"widget": "gear", "pokes": 1}, {"widget": "spring", "pokes": 2}]


def test_trace_prints_the_toy_event(
    toy: Subsystem, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its events print in ftrace's format, fields in declaration order."""
    cli.main(["run", str(scenario), "--trace"])
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "toy_poke:" in ln]
    assert [ln.split("toy_poke: ")[1] for ln in lines] == [
        "widget=1 count=1",
        "widget=0 count=1",
        "widget=1 count=2",
    ]
    assert lines[0].lstrip().startswith("poker-1")


def test_breakpoint_on_the_toy_subject(toy: Subsystem, scenario: Path) -> None:
    """`widget spring pokes >= 2` stops right on the second poke of spring."""
    import ktui.sim

    sim = ktui.sim.load(str(scenario))
    sim.add_breakpoint("widget spring pokes >= 2")
    assert sim.run() == "breakpoint"
    last = sim.last_event()
    assert last is not None and last.name == "toy_poke" and last.fields["count"] == 2
    # and an event breakpoint on its tracepoint, with a field filter
    sim2 = ktui.sim.load(str(scenario))
    sim2.add_breakpoint("toy_poke widget=0")
    assert sim2.run() == "breakpoint" and sim2.last_event().fields["widget"] == 0  # type: ignore[union-attr]


def test_toy_state_travels_in_time(toy: Subsystem, scenario: Path) -> None:
    """Its state is in checkpoints and the state hash: back and forth is exact."""
    import ktui.sim

    sim = ktui.sim.load(str(scenario))
    sim.run()
    end_hash = sim.state_hash()
    sim.goto(1)
    assert sim.report()["toy"] == [{"widget": "gear", "pokes": 0}, {"widget": "spring", "pokes": 0}]
    sim.goto(sim.recorded)
    assert sim.state_hash() == end_hash


def test_bad_object_name_is_one_clear_error(toy: Subsystem, tmp_path: Path) -> None:
    """An op naming an undeclared widget is a scenario error naming file, line and the choices."""
    from ktui.sim.errors import ScenarioError
    from ktui.sim.scenario import load_scenario

    path = tmp_path / "bad.toml"
    path.write_text(SCENARIO.replace("toy_poke gear", "toy_poke gaer"))
    with pytest.raises(ScenarioError) as e:
        load_scenario(str(path))
    msg = str(e.value)
    assert "bad.toml:16" in msg and "undefined widget 'gaer'" in msg
    assert "did you mean 'gear'" in msg and "gear, spring" in msg


def test_without_the_subsystem_its_table_is_unknown(scenario: Path) -> None:
    """Unloaded, the toy's table is rejected like any unknown table (exit 2)."""
    assert cli.main(["check", str(scenario)]) == 2


def test_a_bad_descriptor_is_not_half_registered(toy: Subsystem) -> None:
    """A second subsystem claiming the toy's table fails whole: it is not loaded,
    and the toy keeps its table and object kind."""
    from ktui.sim.ops import OBJECT_KINDS, ObjectKind
    from ktui.sim.trace import RegistrationError

    clash = Subsystem(
        name="clash",
        objects={"gadget": ObjectKind("gadget", "clash", lambda raw: [])},
        tables={"toy": lambda value, ctx: None},
    )
    with pytest.raises(ValueError, match=r"\[toy\] is registered twice"):
        subsystems.register(clash)
    assert all(s.name != "clash" for s in subsystems.SUBSYSTEMS)
    assert "gadget" not in OBJECT_KINDS and "widget" in OBJECT_KINDS
    twin = Subsystem(name="twin", objects={"widget": ObjectKind("widget", "twin", lambda raw: [])})
    with pytest.raises(RegistrationError):
        subsystems.register(twin)
    assert OBJECT_KINDS["widget"] is toy.objects["widget"]
    with pytest.raises(ValueError, match="registered twice"):
        subsystems.register(toy)


def test_the_toy_pane_renders(
    toy: Subsystem, scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`ktui render --pane toy` finds the pane through the descriptor and draws its
    own section of the snapshot at the end of the run."""
    assert cli.main(["render", str(scenario), "--at", "8", "--pane", "toy"]) == 0
    out = capsys.readouterr().out
    assert "gear: 1 pokes" in out and "spring: 2 pokes" in out
