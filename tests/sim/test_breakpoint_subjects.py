"""Breakpoint subjects come from the subsystem descriptors: a toy subsystem
registered from the tests folder adds ``toy <n> count`` without any edit to
ktui.sim.breakpoints, and the errors keep their caret and hints."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

import ktui.sim
from ktui.sim import subsystems
from ktui.sim.breakpoints import (
    Attr,
    Key,
    Subject,
    Value,
    matches_event,
    parse,
    subjects,
    validate,
)
from ktui.sim.breakpoints.hints import did_you_mean, ranges
from ktui.sim.core.subsystem import Subsystem
from ktui.sim.errors import BreakpointError
from ktui.sim.machine import Machine
from ktui.sim.replay.context import MachineContext
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import Names, RegistrationError
from tests.sim.helpers import make_sim

NR_TOYS = 3


def _toy_lookup(m: Machine, item: str) -> Key | None:
    n = int(item)
    return n if n < NR_TOYS else None


def _toy_get(m: Machine, key: Key, attr: str) -> Value | None:
    # toy n counts (n + 1) per jiffy; its name is "toy<n>"
    return m.jiffies * (int(key) + 1) if attr == "count" else f"toy{key}"


def _toy_choices(m: Machine) -> Sequence[str]:
    return [str(n) for n in range(NR_TOYS)]


TOY = Subject(
    keyword="toy",
    items="number",
    what="a toy number",
    attrs={"count": Attr("num", doc="jiffies * (n + 1)"), "name": Attr("str")},
    lookup=_toy_lookup,
    get=_toy_get,
    choices=_toy_choices,
)


@pytest.fixture
def toy() -> Iterator[Subject]:
    """The toy subsystem, loaded for one test."""
    subsystems.register(Subsystem(name="toy", subjects={"toy": TOY}))
    try:
        yield TOY
    finally:
        subsystems.unregister("toy")


def _spin_sim() -> Simulator:
    """One task burning 100 ms of CPU at hz=250."""
    return make_sim({"t1": "---\nrun 100ms"}, hz=250)


def test_toy_subject_parses_and_stops_a_run(toy: Subject) -> None:
    assert subjects()["toy"] is toy
    bp = parse("toy  01 count>=10")
    assert (bp.kind, bp.expr) == ("state", "toy 1 count >= 10")
    sim = _spin_sim()
    entry = sim.add_breakpoint("toy 1 count >= 10")
    assert entry.bp.conds[0].key == 1  # resolved once, when set
    assert sim.run() == "breakpoint"
    # toy 1 counts 2 per jiffy: >= 10 from jiffies 5 (a 4 ms tick at hz=250: 20 ms)
    assert sim.machine.jiffies == 5
    assert sim.time_ns >= 5 * 4_000_000
    sim.back(1)
    assert 2 * sim.machine.jiffies < 10  # the event before: not yet true (a rising edge)


def test_toy_subject_errors(toy: Subject) -> None:
    with pytest.raises(BreakpointError) as info:
        parse("toy 1 cout >= 10")
    assert info.value.detail == "unknown toy attribute 'cout' (did you mean 'count'?)"
    assert str(info.value).splitlines()[-1] == "  " + " " * 6 + "^"
    with pytest.raises(BreakpointError, match="expected a toy number after 'toy', got 'x'"):
        parse("toy x count > 1")
    with pytest.raises(BreakpointError, match="'time', 'task', 'cpu', 'lock', 'ret' or 'toy'"):
        parse("")
    with pytest.raises(BreakpointError) as info:
        _spin_sim().add_breakpoint("toy 7 count > 1")
    assert info.value.detail == "no toy 7 (the machine has 3: 0-2)"
    assert info.value.pos == 4


def test_toy_subject_goes_with_its_subsystem(toy: Subject) -> None:
    parse("toy 0 name == toy0")
    subsystems.unregister("toy")
    with pytest.raises(BreakpointError, match="unknown event 'toy'"):
        parse("toy 0 name == toy0")


def test_subject_keywords_are_unique() -> None:
    dup = Subject("task", "name", "a task", {}, _toy_lookup, _toy_get, _toy_choices)
    subsystems.register(Subsystem(name="dup", subjects={"task": dup}))
    try:
        with pytest.raises(RegistrationError, match="'task' is declared by 'sched' and 'dup'"):
            subjects()
    finally:
        subsystems.unregister("dup")
    assert subjects()["task"] is not dup


def test_hints() -> None:
    assert did_you_mean("nr_runing", ["nr_running", "curr"]) == " (did you mean 'nr_running'?)"
    assert did_you_mean("zzz", ["nr_running"]) == ""
    assert ranges([5, 0, 1, 2, 9, 10]) == "0-2, 5, 9-10"


class _NoDecode(Names):
    """Names that fail if used: proves a record was not decoded."""

    def comm(self, pid: int, cpu: int = 0) -> str:
        raise AssertionError("record decoded")

    def lock(self, lock_id: int) -> str:
        raise AssertionError("record decoded")


@pytest.mark.parametrize(
    ("expr", "resolved", "decodes"),
    [
        ("sched_switch next_comm=t2", 1, False),
        ("sched_switch prev_comm=t1 cpu=0", 1, False),
        ("lock_acquire lock=B comm=t2", 2, False),
        ("lock_contended lock=A", 1, False),
        ("sched_wakeup_new comm=t2", 1, False),
        ("sched_process_fork child_comm=t2 cpu=0", 1, False),
        ("sched_switch comm=swapper/1", 0, True),  # the idle task has no pid of its own
        ("sched_switch prev_comm=t1 prev_state=D", 1, True),
        ("sched_switch next_comm~t2", 0, True),  # a glob: decoded
        ("deadlock tasks_comm=t1 locks=A", 0, True),  # list fields: decoded
    ],
)
def test_resolved_event_filters_match_as_decoded(expr: str, resolved: int, decodes: bool) -> None:
    """A name `validate` resolved is compared as the pid / lock id in the
    record; every record matches exactly as when decoded."""
    sim = ktui.sim.load("abba")
    sim.run()
    names = sim.cfg.names
    bp = parse(expr)
    bound = validate(bp, MachineContext(sim.machine))
    assert bound == bp
    assert sum(f.raw_value is not None for f in bound.filters) == resolved
    recs = [sim.log.record(i) for i in range(len(sim.log))]
    hits = [i for i, r in enumerate(recs) if matches_event(bp, r, names)]
    assert hits  # abba has each of these
    assert [i for i, r in enumerate(recs) if matches_event(bound, r, names)] == hits
    if not decodes:
        nodecode = _NoDecode(names.comms, names.locks)
        assert [i for i, r in enumerate(recs) if matches_event(bound, r, nodecode)] == hits
