"""Tests for ktui.sim.scenario.program: the op language and its compilation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ktui.sim import ops
from ktui.sim.errors import ScenarioError
from ktui.sim.ops import Op, OpSpec
from ktui.sim.scenario.program import parse_duration, parse_msecs, parse_program


def _dummy(*_args: object) -> bool:
    return True


_TEST_OPS: dict[str, tuple[tuple[tuple[str, ops.ArgKind], ...], tuple[str, ...]]] = {
    "run": ((("duration", "duration"),), ()),
    "exit": ((), ()),
    "msleep": ((("msecs", "msecs"),), ()),
    "udelay": ((("usecs", "duration"),), ()),
    "schedule": ((), ()),
    "preempt_disable": ((), ()),
    "mutex_lock": ((("lock", "lock"),), ("mutex",)),
    "mutex_unlock": ((("lock", "lock"),), ("mutex",)),
    "spin_lock": ((("lock", "lock"),), ("spinlock",)),
    "spin_unlock": ((("lock", "lock"),), ("spinlock",)),
    "spin_lock_irqsave": ((("lock", "lock"),), ("spinlock",)),
    "spin_unlock_irqrestore": ((("lock", "lock"),), ("spinlock",)),
}


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fill the op registry with dummies for ops the subsystems have not registered.

    The real subsystems are imported first, so their handlers are never replaced
    and monkeypatch only removes what this fixture added.
    """
    from ktui.sim.scenario import _ensure_registry

    _ensure_registry()
    for name, (args, kinds) in _TEST_OPS.items():
        if name not in ops.OPS:
            monkeypatch.setitem(ops.OPS, name, OpSpec(name, args, _dummy, kinds))
    for kind, (lock_op, unlock_op) in {
        "mutex": ("mutex_lock", "mutex_unlock"),
        "spinlock": ("spin_lock", "spin_unlock"),
    }.items():
        if kind not in ops.LOCK_KINDS:
            monkeypatch.setitem(ops.LOCK_KINDS, kind, ops.LockKind(kind, lock_op, unlock_op))
    yield


LOCKS = {"A": (0, "mutex"), "B": (1, "mutex"), "S": (2, "spinlock")}


def parse(src: str | list[str], first_line: int = 10) -> tuple[Op, ...]:
    return parse_program(src, locks=LOCKS, path="s.toml", task="t1", first_line=first_line)


def error(src: str | list[str], first_line: int = 10) -> ScenarioError:
    with pytest.raises(ScenarioError) as exc:
        parse(src, first_line)
    return exc.value


# --- successful parses ----------------------------------------------------------


def test_multiline_string_with_comments_keeps_lines_and_text() -> None:
    prog = parse("mutex_lock A   # take A\n\n  run 1ms\n# only a comment\nmutex_unlock A\n")
    assert prog == (
        Op("mutex_lock", (0,), 10, "mutex_lock A"),
        Op("run", (1_000_000,), 12, "run 1ms"),
        Op("mutex_unlock", (0,), 14, "mutex_unlock A"),
    )


def test_list_form_uses_given_line_numbers() -> None:
    prog = parse_program(
        ["mutex_lock B", "run 2us", "mutex_unlock B"],
        locks=LOCKS,
        path="s.toml",
        task="t2",
        first_line=0,
        line_numbers=[5, 6, 9],
    )
    assert [(op.name, op.args, op.line) for op in prog] == [
        ("mutex_lock", (1,), 5),
        ("run", (2_000,), 6),
        ("mutex_unlock", (1,), 9),
    ]


def test_unknown_line_is_zero() -> None:
    assert parse("run 1ms", first_line=0)[0].line == 0


def test_repeat_and_loop_compile_to_flat_ops_with_indices() -> None:
    prog = parse(
        """repeat 3 {
            mutex_lock A
            loop {
                run 1ms
            }
            mutex_unlock A
        }
        exit"""
    )
    assert [(op.name, op.args) for op in prog] == [
        ("repeat", (3, 6)),
        ("mutex_lock", (0,)),
        ("loop", (4,)),
        ("run", (1_000_000,)),
        ("end", (2,)),
        ("mutex_unlock", (0,)),
        ("end", (0,)),
        ("exit", ()),
    ]
    assert prog[0].text == "repeat 3 {" and prog[4].text == "}" and prog[6].line == 16


def test_braces_may_share_a_line() -> None:
    prog = parse(["loop { run 5ms }"])
    assert [(op.name, op.args, op.text) for op in prog] == [
        ("loop", (2,), "loop {"),
        ("run", (5_000_000,), "run 5ms"),
        ("end", (0,), "}"),
    ]


def test_lock_sugar_uses_the_kinds_own_ops() -> None:
    prog = parse("lock A\nlock S\nunlock S\nunlock A")
    assert [(op.name, op.args, op.text) for op in prog] == [
        ("mutex_lock", (0,), "lock A"),
        ("spin_lock", (2,), "lock S"),
        ("spin_unlock", (2,), "unlock S"),
        ("mutex_unlock", (0,), "unlock A"),
    ]


def test_parser_is_driven_by_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ops.OPS, "frob", OpSpec("frob", (("n", "int"), ("d", "duration")), _dummy))
    assert parse("frob -3 1s")[0].args == (-3, 1_000_000_000)


@pytest.mark.parametrize(
    ("word", "ns"),
    [
        ("0ns", 0),
        ("7ns", 7),
        ("3us", 3_000),
        ("1ms", 1_000_000),
        ("2s", 2_000_000_000),
        ("1.5ms", 1_500_000),
        ("0.001us", 1),
        ("4µs", 4_000),
    ],
)
def test_durations(word: str, ns: int) -> None:
    assert parse_duration(word) == ns


@pytest.mark.parametrize(("word", "ms"), [("10", 10), ("10ms", 10), ("1s", 1000), ("2000us", 2)])
def test_msecs(word: str, ms: int) -> None:
    assert parse_msecs(word) == ms


def test_msecs_in_a_program() -> None:
    assert parse("msleep 10\nmsleep 1s")[1].args == (1000,)


# --- errors ------------------------------------------------------------------------


def test_unknown_op_suggests_and_names_line() -> None:
    e = error("mutex_lock A\nmutex_lok B\n")
    assert e.path == "s.toml" and e.line == 11
    msg = str(e)
    assert msg.startswith("s.toml:11: task 't1' op 2 'mutex_lok B': ")
    assert "unknown op 'mutex_lok'" in msg and "did you mean 'mutex_lock'" in msg


def test_unitless_duration() -> None:
    e = error("run 5")
    assert "has no unit" in str(e) and "5ms" in str(e) and e.line == 10


def test_negative_duration() -> None:
    assert "negative duration '-1ms'" in str(error("run -1ms"))


def test_fractional_nanoseconds() -> None:
    assert "not a whole number of nanoseconds" in str(error("run 1.5ns"))


def test_unknown_unit_suggests() -> None:
    msg = str(error("run 3mss"))
    assert "unknown unit 'mss'" in msg and "did you mean 'ms'" in msg


def test_msecs_not_whole() -> None:
    assert "not a whole number of milliseconds" in str(error("msleep 1500us"))


def test_unit_separated_by_space_hint() -> None:
    msg = str(error("run 1 ms"))
    assert "run takes 1 argument, got 2" in msg and "without a space" in msg


def test_wrong_arity() -> None:
    msg = str(error("mutex_lock"))
    assert "mutex_lock takes 1 argument, got 0" in msg and "LOCK: a lock name from [locks]" in msg


def test_bad_int_argument(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(ops.OPS, "frob", OpSpec("frob", (("n", "int"),), _dummy))
    assert "expected an integer for N, got 'x'" in str(error("frob x"))


def test_undefined_lock_suggests_and_lists() -> None:
    e = error("run 1ms\nmutex_lock AA")
    assert e.line == 11
    msg = str(e)
    assert "undefined lock 'AA'" in msg and "did you mean 'A'" in msg and "A, B, S" in msg


def test_kind_mismatch_says_which_op_to_use() -> None:
    msg = str(error("mutex_lock S"))
    assert "lock 'S' is a spinlock, but mutex_lock takes a mutex" in msg
    assert "use spin_lock S" in msg


def test_kind_mismatch_on_unlock_suggests_unlock_op() -> None:
    assert "use mutex_unlock A" in str(error("spin_unlock A"))


def test_sugar_on_undefined_lock() -> None:
    assert "undefined lock 'C'" in str(error("lock C"))


def test_unmatched_close_brace() -> None:
    e = error("run 1ms\n}")
    assert e.line == 11 and "unmatched '}'" in str(e)


def test_unclosed_block_names_the_opener() -> None:
    e = error("run 1ms\nrepeat 2 {\n  run 1ms\n")
    assert e.line == 11 and "'repeat 2 {' is never closed" in str(e)


def test_empty_loop() -> None:
    e = error("loop {\n}")
    assert e.line == 10 and "empty loop body" in str(e)


def test_loop_whose_body_is_only_control_ops() -> None:
    e = error("run 1ms\nloop {\n  repeat 2 {\n  }\n}")
    assert "empty repeat body" in str(e) and e.line == 12
    assert "empty loop body" in str(error("loop { loop { } }"))  # the inner loop fails first
    e = error("loop {\n  loop {\n  }\n}")
    assert e.line == 11 and "op 2 'loop {'" in str(e)


def test_repeat_count_must_be_positive() -> None:
    assert "repeat count 0 out of range" in str(error("repeat 0 {\nrun 1ms\n}"))


def test_repeat_needs_a_count_and_a_brace() -> None:
    assert "expected 'repeat N {'" in str(error("repeat x {\nrun 1ms\n}"))
    assert "expected '{' at the end: 'repeat 3 {'" in str(error("repeat 3\nrun 1ms\n}"))
    assert "'loop' takes no count" in str(error("loop 3 {\nrun 1ms\n}"))


def test_brace_after_an_ordinary_op() -> None:
    assert "only 'repeat N {', 'loop {' and 'fork [NAME] {' open a block" in str(error("run 1ms {\n}"))
