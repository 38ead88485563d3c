"""Tests for ktui.sim.breakpoints: parsing, errors, event matching, state conditions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pytest

import ktui.sim.subsystems  # noqa: F401  (registers the events)
from ktui.sim import trace
from ktui.sim.breakpoints import (
    Breakpoint,
    Condition,
    FieldFilter,
    Key,
    Subject,
    Value,
    holds,
    matches_event,
    parse,
    validate,
)
from ktui.sim.errors import BreakpointError
from ktui.sim.trace import EVENTS_BY_NAME, Names

COMMS = ["swapper", "t1", "t2", "t3"]
LOCKS = ["A", "B"]
NAMES = Names(COMMS, LOCKS)
D = 2  # TASK_UNINTERRUPTIBLE as sched_switch reports it


def rec(
    name: str, time_ns: int = 0, cpu: int = 0, common_pid: int = 0, **fields: object
) -> tuple[int, ...]:
    """A raw record of event `name`, laid out from its registered fields.

    Fields not given are 0 (an empty list for ``pids``/``locks``).
    """
    et = EVENTS_BY_NAME[name]
    out = [et.id, time_ns, cpu, common_pid]
    for fname, kind in et.fields:
        val = fields.pop(fname, None)
        if kind in ("pids", "locks"):
            items = list(val) if isinstance(val, (list, tuple)) else []
            out += [len(items), *items]
        else:
            out.append(val if isinstance(val, int) else 0)
    assert not fields, f"{name} has no fields {sorted(fields)}"
    return tuple(out)


class NoDecodeNames(Names):
    """Names that fail if used: proves a record was not decoded."""

    def comm(self, pid: int, cpu: int = 0) -> str:
        raise AssertionError("record decoded")

    def lock(self, lock_id: int) -> str:
        raise AssertionError("record decoded")


@dataclass
class FakeContext:
    """A `StateContext` over plain dicts: task and lock items are their names,
    CPUs their numbers."""

    tasks: dict[str, dict[str, int | str]] = field(default_factory=dict)
    cpus: list[dict[str, int | str]] = field(default_factory=list)
    locks: dict[str, dict[str, int | str]] = field(default_factory=dict)

    def _table(self, subject: Subject) -> Mapping[str, dict[str, int | str]]:
        if subject.keyword == "cpu":
            return {str(i): attrs for i, attrs in enumerate(self.cpus)}
        return self.tasks if subject.keyword == "task" else self.locks

    def lookup(self, subject: Subject, item: str) -> Key | None:
        if item not in self._table(subject):
            return None
        return int(item) if subject.keyword == "cpu" else item

    def read(self, subject: Subject, key: Key, attr: str) -> Value | None:
        item = self._table(subject).get(str(key))
        return None if item is None else item.get(attr)

    def choices(self, subject: Subject) -> Sequence[str]:
        return [str(i) for i in range(len(self.cpus))] if subject.keyword == "cpu" else ()

    def value_ok(self, subject: Subject, value: str) -> bool:
        if subject.keyword == "task" and value.startswith("swapper"):
            return True
        return self.lookup(subject, value) is not None


def make_ctx() -> FakeContext:
    return FakeContext(
        tasks={
            "t1": {
                "state": "D",
                "prio": 120,
                "on_cpu": 0,
                "blocked_on": "B",
                "sum_exec_runtime": 3_000_000,
            },
            "t2": {"state": "R", "prio": 120, "on_cpu": 1, "blocked_on": ""},
        },
        cpus=[
            {"nr_running": 2, "curr": "t2", "idle": 0},
            {"nr_running": 0, "curr": "swapper/1", "idle": 1},
        ],
        locks={
            "A": {"owner": "t2", "waiters": 0, "held": 1},
            "B": {"owner": "t2", "waiters": 1, "held": 1},
        },
    )


# -- parsing -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "normalised"),
    [
        ("deadlock", "event", "deadlock"),
        ("sched_switch next_comm=t1", "event", "sched_switch next_comm=t1"),
        ("lock_acquire  lock == B   comm=t2", "event", "lock_acquire lock=B comm=t2"),
        ("sched_wakeup pid=3", "event", "sched_wakeup pid=3"),
        ("lock_contended lock!=A", "event", "lock_contended lock!=A"),
        (
            "sched_switch next_comm~t* and prev_state=D",
            "event",
            "sched_switch next_comm~t* prev_state=D",
        ),
        ("sched_switch time>=1.5ms", "event", "sched_switch time>=1500us"),
        ("time >= 5ms", "time", "time >= 5ms"),
        ("time>1.5s", "time", "time > 1500ms"),
        ("time == 0ns", "time", "time == 0ns"),
        ("task t1 state == D", "state", "task t1 state == D"),
        ("task 3 prio=120", "state", "task 3 prio == 120"),
        ("cpu 0 nr_running >= 2", "state", "cpu 0 nr_running >= 2"),
        ("lock A owner == t1", "state", "lock A owner == t1"),
        ("lock A waiters >= 1", "state", "lock A waiters >= 1"),
        ("lock A owner == ''", "state", 'lock A owner == ""'),
        (
            "task t1 state == D and task t2 state == D",
            "state",
            "task t1 state == D and task t2 state == D",
        ),
        ("time >= 2ms and time < 3ms", "time", "time >= 2ms and time < 3ms"),
    ],
)
def test_parse_forms(text: str, kind: str, normalised: str) -> None:
    bp = parse(text)
    assert bp.kind == kind
    assert bp.expr == normalised
    assert parse(bp.expr) == bp  # the normalised text parses to the same thing


def test_parse_event_filters_resolve_fields() -> None:
    bp = parse("lock_acquire lock=B comm~t* cpu=1")
    assert bp.event == "lock_acquire"
    assert bp.event_type_id() == EVENTS_BY_NAME["lock_acquire"].id
    assert [(f.field, f.source, f.op, f.value) for f in bp.filters] == [
        ("lock", "field", "=", "B"),
        ("comm", "common_comm", "~", "t*"),  # lock_acquire has no comm of its own
        ("cpu", "cpu", "=", 1),
    ]
    # sched_wakeup's own pid field wins over the common pid
    assert parse("sched_wakeup comm=t1").filters[0].source == "field"


def test_parse_state_condition_form() -> None:
    bp = parse("task t1 sum_exec_runtime > 2ms and cpu 1 idle == 1")
    assert bp.conds == (
        Condition(
            "task",
            "t1",
            "sum_exec_runtime",
            ">",
            2_000_000,
            "duration",
            name_pos=5,
            value_pos=27,
        ),
        Condition("cpu", "1", "idle", "=", 1, "bool", name_pos=39, value_pos=49),
    )
    assert bp.expr[39:49] == "1 idle == "
    assert bp.event_type_id() is None


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("time >= 5ms", 5_000_000),
        ("time >= 1.5s", 1_500_000_000),
        ("time >= 2us", 2_000),
        ("time >= 0.5ns", None),
    ],
)
def test_durations(text: str, ns: int | None) -> None:
    if ns is None:
        with pytest.raises(BreakpointError, match="not a whole number of nanoseconds"):
            parse(text)
    else:
        assert parse(text).conds[0].value == ns


@pytest.mark.parametrize(
    ("text", "message", "pos"),
    [
        ("", "empty expression", 0),
        ("   ", "empty expression", 3),
        (
            "lock_aquire lock=B",
            "unknown event 'lock_aquire' (did you mean 'lock_acquire'?)",
            0,
        ),
        (
            "sched_switch nxt_comm=t1",
            "unknown field 'nxt_comm' for sched_switch (did you mean 'next_comm'?)",
            13,
        ),
        ("time >= 5", "duration '5' has no unit; write e.g. 5ms", 8),
        ("time >= 5min", "unknown unit 'min'", 8),
        ("task t1 state D", "expected an operator after 'state'", 14),
        ("task t1 state > D", "'>' compares numbers, and 'state' is a string", 14),
        ("sched_switch next_comm<t1", "'<' compares numbers", 22),
        ("sched_switch next_pid~3", "'~' matches strings", 21),
        ("time >= 5ms soon", "unexpected 'soon' after the condition", 12),
        (
            "task t1 state == D and sched_switch",
            "expected 'time', 'task', 'cpu', 'lock' or 'ret' after 'and'",
            23,
        ),
        (
            "task t1 stat == D",
            "unknown task attribute 'stat' (did you mean 'state'?)",
            8,
        ),
        ("task t1 state == Q", "unknown task state 'Q'", 17),
        ("cpu one nr_running > 1", "expected a CPU number after 'cpu'", 4),
        ("lock A waiters >= many", "expected a number for 'waiters'", 18),
        ("sched_switch next_comm=", "expected a value after 'next_comm'", 23),
        ("lock A owner == 't1", "unterminated string", 16),
    ],
)
def test_errors(text: str, message: str, pos: int) -> None:
    with pytest.raises(BreakpointError) as info:
        parse(text)
    err = info.value
    assert message in err.detail
    assert err.pos == pos
    assert err.expr == text


def test_error_shows_caret_under_word() -> None:
    with pytest.raises(BreakpointError) as info:
        parse("sched_switch nxt_comm=t1")
    lines = str(info.value).splitlines()
    assert lines[-2] == "  sched_switch nxt_comm=t1"
    assert lines[-1] == "  " + " " * 13 + "^"


# -- matches_event -------------------------------------------------------------


def test_matches_sched_switch() -> None:
    to_t1 = rec(
        "sched_switch", 1000, 0, 2, prev_pid=2, prev_state=D, next_pid=1, next_prio=120
    )
    to_t2 = rec("sched_switch", 2000, 1, 1, prev_pid=1, prev_state=0, next_pid=2)
    bp = parse("sched_switch next_comm=t1")
    assert matches_event(bp, to_t1, NAMES)
    assert not matches_event(bp, to_t2, NAMES)
    assert matches_event(parse("sched_switch"), to_t2, NAMES)
    assert matches_event(
        parse("sched_switch prev_state=D next_prio<=120"), to_t1, NAMES
    )
    assert not matches_event(
        parse("sched_switch prev_state=D next_prio<120"), to_t1, NAMES
    )
    assert matches_event(parse("sched_switch prev_comm~t[!1]"), to_t1, NAMES)
    assert not matches_event(parse("sched_switch prev_comm~t[!1]"), to_t2, NAMES)
    assert matches_event(parse("sched_switch cpu=1 time>=2us"), to_t2, NAMES)
    assert not matches_event(parse("sched_switch cpu=1 time>2us"), to_t2, NAMES)
    assert matches_event(parse("sched_switch comm=t2 pid=2"), to_t1, NAMES)  # common_*


def test_matches_preempted_state() -> None:
    preempted = rec(
        "sched_switch",
        0,
        0,
        1,
        prev_pid=1,
        prev_state=trace.PREEMPTED_STATE,
        next_pid=2,
    )
    assert matches_event(parse("sched_switch prev_state~R*"), preempted, NAMES)
    assert not matches_event(parse("sched_switch prev_state=R"), preempted, NAMES)


def test_matches_lock_acquire() -> None:
    b_by_t2 = rec("lock_acquire", 10, 0, 2, lock=1)
    a_by_t2 = rec("lock_acquire", 10, 0, 2, lock=0)
    bp = parse("lock_acquire lock=B comm=t2")
    assert matches_event(bp, b_by_t2, NAMES)
    assert not matches_event(bp, a_by_t2, NAMES)
    assert not matches_event(parse("lock_acquire lock=B comm=t1"), b_by_t2, NAMES)
    assert matches_event(parse("lock_acquire lock!=A"), b_by_t2, NAMES)
    assert not matches_event(
        parse("lock_contended lock=B"), b_by_t2, NAMES
    )  # other event


def test_other_event_types_are_not_decoded() -> None:
    bp = parse("lock_acquire lock=B")
    assert not matches_event(
        bp, rec("sched_switch", prev_pid=1, next_pid=2), NoDecodeNames([], [])
    )
    assert not matches_event(parse("time >= 0ns"), rec("lock_acquire", lock=1), NAMES)


def test_matches_list_fields() -> None:
    """List fields (deadlock's tasks/locks): = means contains, ~ means some element matches."""
    cycle = rec("deadlock", tasks=[1, 2], locks=[0, 1], event=7)
    assert matches_event(parse("deadlock tasks=2 tasks_comm=t1 locks=B"), cycle, NAMES)
    assert not matches_event(parse("deadlock tasks=3"), cycle, NAMES)
    assert matches_event(parse("deadlock tasks_comm~t? locks!=C"), cycle, NAMES)
    assert not matches_event(parse("deadlock tasks_comm~x*"), cycle, NAMES)


# -- holds and validate --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("task t1 state == D", True),
        ("task t2 state == D", False),
        ("task t1 state == D and task t2 state == D", False),
        ("task t1 state == D and task t2 on_cpu == 1", True),
        ("task t1 blocked_on == B", True),
        ("task t2 blocked_on == ''", True),
        ("task t1 sum_exec_runtime >= 3ms", True),
        ("task t1 sum_exec_runtime > 3ms", False),
        ("task t9 state == D", False),  # no such task: never holds
        ("cpu 0 nr_running >= 2", True),
        ("cpu 1 curr ~ swapper/*", True),
        ("cpu 1 idle == 0", False),
        ("lock B owner == t2", True),
        ("lock A waiters >= 1", False),
        ("lock B waiters >= 1 and time >= 5ms", True),
        ("time >= 6ms", False),
        ("time == 5ms", True),
    ],
)
def test_holds(text: str, expected: bool) -> None:
    assert holds(parse(text), make_ctx(), 5_000_000) is expected


def test_holds_is_false_for_event_breakpoints() -> None:
    assert not holds(parse("sched_switch"), make_ctx(), 0)


def test_validate_accepts_known_names() -> None:
    ctx = make_ctx()
    for text in (
        "task t1 state == D",
        "cpu 1 idle == 1",
        "lock A owner == t2",
        "lock_acquire lock=B comm~x*",
    ):
        validate(parse(text), ctx)


@pytest.mark.parametrize(
    ("text", "message", "pos"),
    [
        ("task t9 state == D", "no task 't9'", 5),
        ("task t1 state == D and task t9 state == D", "no task 't9'", 28),
        ("lock C held == 1", "no lock 'C'", 5),
        ("cpu 2 idle == 1", "no CPU 2", 4),
        ("lock A owner == t7", "no task 't7'", 16),
        ("lock_acquire lock=C", "no lock 'C'", 18),
    ],
)
def test_validate_rejects_unknown_names(text: str, message: str, pos: int) -> None:
    bp = parse(text)
    with pytest.raises(BreakpointError) as info:
        validate(bp, make_ctx())
    assert message in info.value.detail
    assert info.value.pos == pos
    assert info.value.expr == bp.expr


def test_breakpoint_is_frozen_and_hashable() -> None:
    bp = parse("lock_acquire lock=B")
    assert isinstance(bp, Breakpoint)
    assert isinstance(bp.filters[0], FieldFilter)
    assert {bp: 1}[parse("lock_acquire   lock == B")] == 1
    with pytest.raises(AttributeError):
        bp.expr = "x"  # type: ignore[misc]
