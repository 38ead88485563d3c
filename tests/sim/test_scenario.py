"""Tests for ktui.sim.scenario: loading, defaults, line numbers, every error."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ktui.sim import ops, scenario
from ktui.sim.errors import ScenarioError
from ktui.sim.ops import Op, OpSpec
from ktui.sim.scenario import (
    SectionContext,
    builtin_description,
    builtin_names,
    load_scenario,
    parse_scenario_data,
    parse_scenario_text,
    register_section,
    unregister_section,
)


def _dummy(*_args: object) -> bool:
    return True


@pytest.fixture(autouse=True)
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Dummy ops for what the subsystems have not registered (real ones win)."""
    scenario._ensure_registry()
    lock_ops = {
        "mutex": ("mutex_lock", "mutex_unlock"),
        "spinlock": (
            "spin_lock",
            "spin_unlock",
            "spin_lock_irq",
            "spin_unlock_irq",
            "spin_lock_irqsave",
            "spin_unlock_irqrestore",
        ),
    }
    plain: dict[str, tuple[tuple[str, ops.ArgKind], ...]] = {
        "run": (("duration", "duration"),),
        "exit": (),
        "msleep": (("msecs", "msecs"),),
        "udelay": (("usecs", "duration"),),
        "schedule": (),
        "sched_yield": (),
    }
    for name, args in plain.items():
        if name not in ops.OPS:
            monkeypatch.setitem(ops.OPS, name, OpSpec(name, args, _dummy))
    for kind, names in lock_ops.items():
        for name in names:
            if name not in ops.OPS:
                monkeypatch.setitem(
                    ops.OPS, name, OpSpec(name, (("lock", "lock"),), _dummy, (kind,))
                )
        if kind not in ops.LOCK_KINDS:
            monkeypatch.setitem(ops.LOCK_KINDS, kind, ops.LockKind(kind, names[0], names[1]))
    yield


EXAMPLE = '''\
[scenario]
name = "abba"
description = "Two tasks take two mutexes in opposite order."
seed = 1

[machine]
cpus = 2
hz = 250            # tick rate
kernel = "6.6"      # kernel version whose behaviour is modelled

[locks]
A = "mutex"         # the kind: mutex | spinlock (later issues add more)
B = "mutex"

[[task]]
name = "t1"         # comm; pids are assigned in order from 1
cpu = 0             # optional starting CPU; `affinity = [0, 1]` optional
nice = 0            # optional; policy = "normal" by default
start = "0ms"       # optional fork time
program = """
mutex_lock A
run 1ms             # burn CPU for 1 ms of its own runtime (preemptible)
mutex_lock B
mutex_unlock B
mutex_unlock A
"""

[[task]]
name = "t2"
program = ["mutex_lock B", "run 1ms", "mutex_lock A", "mutex_unlock A", "mutex_unlock B"]

[[breakpoint]]
when = "deadlock"
'''

MINIMAL = """\
[locks]
A = "mutex"
S = "spinlock"

[[task]]
name = "t1"
program = "run 1ms"
"""


def err(text: str, path: str = "x.toml") -> ScenarioError:
    """Parse `text` and return the ScenarioError it must raise."""
    with pytest.raises(ScenarioError) as exc:
        parse_scenario_text(textwrap.dedent(text), path)
    return exc.value


def task_err(body: str, machine: str = "") -> ScenarioError:
    """Error from a scenario with locks A (mutex), S (spinlock) and one task `body`."""
    head = f"[machine]\n{machine}\n" if machine else ""
    text = head + '[locks]\nA = "mutex"\nS = "spinlock"\n\n[[task]]\n' + textwrap.dedent(body)
    return err(text)


# --- successful loads -----------------------------------------------------------


def test_example_as_written() -> None:
    s = parse_scenario_text(EXAMPLE, "abba.toml")
    assert (s.name, s.seed, s.path, s.source) == ("abba", 1, "abba.toml", EXAMPLE)
    assert s.machine == scenario.MachineSpec(2, 250, "6.6", (6, 6))
    assert [(lk.name, lk.kind, lk.id, lk.line) for lk in s.locks] == [
        ("A", "mutex", 0, 12),
        ("B", "mutex", 1, 13),
    ]
    t1, t2 = s.tasks
    assert (t1.name, t1.pid, t1.cpu, t1.affinity, t1.nice, t1.policy, t1.start_ns, t1.line) == (
        "t1",
        1,
        0,
        (0, 1),
        0,
        "normal",
        0,
        15,
    )
    assert t1.program == (
        Op("mutex_lock", (0,), 21, "mutex_lock A"),
        Op("run", (1_000_000,), 22, "run 1ms"),
        Op("mutex_lock", (1,), 23, "mutex_lock B"),
        Op("mutex_unlock", (1,), 24, "mutex_unlock B"),
        Op("mutex_unlock", (0,), 25, "mutex_unlock A"),
    )
    assert (t2.pid, t2.cpu, t2.line) == (2, None, 28)
    assert [op.name for op in t2.program] == [
        "mutex_lock",
        "run",
        "mutex_lock",
        "mutex_unlock",
        "mutex_unlock",
    ]
    assert all(op.line == 30 for op in t2.program)
    assert s.breakpoints == (("deadlock", 33),)
    assert s.sections == {}


def test_defaults() -> None:
    s = parse_scenario_text(MINIMAL, "dir/minimal.toml")
    assert (s.name, s.description, s.seed) == ("minimal", "", 1)
    assert s.machine == scenario.MachineSpec(1, 250, "6.18", (6, 18))
    (t,) = s.tasks
    assert (t.cpu, t.affinity, t.nice, t.policy, t.start_ns) == (None, (0,), 0, "normal", 0)
    assert s.breakpoints == ()


def test_task_keys() -> None:
    s = parse_scenario_text(
        '[machine]\ncpus = 4\nhz = 1000\nkernel = "5.15"\n[[task]]\nname = "w"\n'
        'affinity = [3, 1]\ncpu = 3\nnice = -20\npolicy = "SCHED_BATCH"\nstart = "1.5ms"\n'
        'program = ""\n',
        "k.toml",
    )
    (t,) = s.tasks
    assert s.machine.kver == (5, 15) and s.machine.hz == 1000
    assert (t.affinity, t.cpu, t.nice, t.policy, t.start_ns, t.program) == (
        (1, 3),
        3,
        -20,
        "batch",
        1_500_000,
        (),
    )


def test_multiline_array_program_lines() -> None:
    s = parse_scenario_text(
        '[[task]]\nname = "t"\nprogram = [\n  "loop {",   # forever\n  "run 5ms",\n  "}",\n]\n',
        "l.toml",
    )
    assert [(op.name, op.line) for op in s.tasks[0].program] == [
        ("loop", 4),
        ("run", 5),
        ("end", 6),
    ]


def test_program_on_the_key_line() -> None:
    s = parse_scenario_text('[[task]]\nname = "t"\nprogram = """run 1ms\nexit"""\n', "p.toml")
    assert [op.line for op in s.tasks[0].program] == [3, 4]


def test_from_dict_has_line_zero() -> None:
    s = parse_scenario_data({"task": [{"name": "t", "program": ["run 1ms", "exit"]}]})
    assert [op.line for op in s.tasks[0].program] == [0, 0] and s.tasks[0].line == 0
    with pytest.raises(ScenarioError) as exc:
        parse_scenario_data({"task": [{"name": "t", "program": "runn 1ms"}]})
    assert exc.value.line is None and "did you mean 'run'" in str(exc.value)


@pytest.mark.parametrize("name", builtin_names())
def test_builtins_load(name: str) -> None:
    s = load_scenario(name)
    assert s.name == name and s.path == name and s.description
    assert builtin_description(name) == s.description
    assert all(op.line > 0 for t in s.tasks for op in t.program)


def test_builtin_set() -> None:
    """Every shipped scenario is listed, in name order; subsystems add theirs
    (their own tests name them), so this pins the spine's and the order."""
    names = builtin_names()
    assert names == sorted(names)
    assert {
        "aa",
        "abba",
        "abba-no-collision",
        "balance-4cpu",
        "bench-cpu",
        "cfs-interactive",
        "cfs-nice",
        "deadline-admission",
        "deadline-miss",
        "interactive-cfs",
        "interactive-eevdf",
        "litmus-mp",
        "litmus-mp-wmb-rmb",
        "litmus-sb",
        "litmus-sb-mb",
        "o1-interactive",
        "rr-round-robin",
        "rt-fair-server",
        "rt-throttling",
        "rwsem-writer-waits",
        "spin-abba",
    } <= set(names)


def test_builtin_contents() -> None:
    bench = load_scenario("bench-cpu")
    assert bench.machine.cpus == 2 and len(bench.tasks) == 200
    assert {t.nice for t in bench.tasks} == set(range(-5, 6))
    assert [op.name for op in bench.tasks[0].program] == ["loop", "run", "end"]
    nice = load_scenario("cfs-nice")
    assert nice.machine.cpus == 1 and [t.nice for t in nice.tasks] == [0, 5, 10]
    assert nice.breakpoints == ()
    assert {lk.kind for lk in load_scenario("spin-abba").locks} == {"spinlock"}
    assert load_scenario("abba-no-collision").tasks[1].start_ns == 5_000_000


def test_load_from_path(tmp_path: Path) -> None:
    f = tmp_path / "mine.toml"
    f.write_text(MINIMAL, encoding="utf-8")
    assert load_scenario(str(f)).name == "mine"


# --- errors: files ---------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.toml")
    with pytest.raises(ScenarioError) as exc:
        load_scenario(missing)
    assert str(exc.value) == f"{missing}: no such file"


def test_unknown_builtin_suggests() -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario("abbba")
    assert "did you mean 'abba'" in str(exc.value) and "built-ins: aa, abba" in str(exc.value)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(str(tmp_path))
    assert "is a directory" in str(exc.value)


def test_not_utf8(tmp_path: Path) -> None:
    f = tmp_path / "bad.toml"
    f.write_bytes(b'[scenario]\nname = "\xff"\n')
    with pytest.raises(ScenarioError) as exc:
        load_scenario(str(f))
    assert exc.value.line == 2 and "not UTF-8" in str(exc.value) and str(f) in str(exc.value)


def test_empty_name() -> None:
    with pytest.raises(ScenarioError, match="no scenario given"):
        load_scenario("")


def test_toml_syntax_error_has_line() -> None:
    e = err("[machine]\ncpus = 2\nhz = = 3\n")
    assert e.line == 3 and str(e).startswith("x.toml:3: TOML syntax error")
    assert "at line" not in str(e)


# --- errors: tables and keys -------------------------------------------------------


def test_unknown_key_suggests_with_line() -> None:
    e = task_err('name = "t1"\nnicee = 3\nprogram = "run 1ms"\n')
    assert e.line == 7
    assert "task 't1'" in str(e) and "unknown key 'nicee'" in str(e)
    assert "did you mean 'nice'" in str(e)


def test_unknown_machine_key() -> None:
    e = err("[machine]\ncpu = 2\n")
    assert str(e).startswith("x.toml:2: [machine]: unknown key 'cpu'; did you mean 'cpus'?")


def test_unknown_table_suggests() -> None:
    e = err('[[tasks]]\nname = "t"\nprogram = "run 1ms"\n')
    assert e.line == 1 and "unknown table 'tasks'" in str(e) and "did you mean 'task'" in str(e)


def test_top_level_key_belongs_in_a_table() -> None:
    e = err("seed = 3\n" + MINIMAL)
    assert e.line == 1 and "put it under [scenario]" in str(e)


def test_task_as_plain_table() -> None:
    e = err('[task]\nname = "t"\nprogram = "run 1ms"\n')
    assert e.line == 1 and "write [[task]]" in str(e)


def test_no_tasks() -> None:
    assert "no tasks" in str(err("[machine]\ncpus = 1\n"))


@pytest.mark.parametrize(
    ("machine", "expect"),
    [
        ("cpus = 0", "[machine] cpus: expected an integer 1..64, got 0"),
        ("cpus = 1000", "[machine] cpus: expected an integer 1..64, got 1000"),
        ('cpus = "2"', "[machine] cpus: expected an integer 1..64, got a string"),
        ("cpus = true", "[machine] cpus: expected an integer 1..64, got a boolean"),
        ("hz = 200", "expected one of 100, 250, 300, 1000"),
        (
            'kernel = "4.19"',
            "supported versions are 2.6.0 .. 2.6.22 (the O(1) scheduler), 5.0 .. 5.19 and 6.0 .. 6.18",
        ),
        ('kernel = "6.19"', "kernel '6.19' is not modelled"),
        ('kernel = "6.6.1"', "kernel '6.6.1' is not modelled"),
        ('kernel = "2.6.23"', "kernel '2.6.23' is not modelled"),
        ('kernel = "2.4.37"', "kernel '2.4.37' is not modelled"),
        ('kernel = "2.6.22.1"', 'is not "X.Y" (e.g. "6.6") or "2.6.N"'),
        ("kernel = 6.6", 'expected a string like "6.6", got a float (quote it: "6.6")'),
    ],
)
def test_machine_values(machine: str, expect: str) -> None:
    e = task_err('name = "t"\nprogram = "run 1ms"\n', machine=machine)
    assert e.line == 2 and expect in str(e), str(e)


def test_wrong_type_for_scenario_name() -> None:
    e = err("[scenario]\nname = 3\n" + MINIMAL)
    assert str(e).startswith(
        'x.toml:2: [scenario] name: expected a string like "abba", got an integer'
    )


def test_negative_seed() -> None:
    assert "[scenario] seed" in str(err("[scenario]\nseed = -1\n" + MINIMAL))


def test_bad_lock_name_and_kind() -> None:
    e = err('[locks]\n"my lock" = "mutex"\n')
    assert e.line == 2 and "not an identifier" in str(e)
    e = err('[locks]\nA = "mutx"\n')
    assert e.line == 2 and "unknown lock kind 'mutx'; did you mean 'mutex'" in str(e)
    e = err("[locks]\nA = 1\n")
    # every registered kind, sorted (subsystems add kinds: the list grows)
    from ktui.sim.ops import LOCK_KINDS

    assert f"expected a lock kind ({' | '.join(sorted(LOCK_KINDS))})" in str(e) and "got an integer" in str(e)
    assert {"mutex", "spinlock", "rt_mutex"} <= set(LOCK_KINDS)


def test_lock_table_form_class_and_count() -> None:
    """``NAME = { kind, class, count }``: several locks share a lockdep class;
    a semaphore's count is sema_init()'s."""
    sc = parse_scenario_text(
        '[locks]\nX1 = { kind = "spinlock", class = "X" }\nX2 = { kind = "spinlock", class = "X" }\n'
        'Y = "mutex"\n[[task]]\nname = "t"\nprogram = "spin_lock X1\\nspin_lock_nested X2 1\\nspin_unlock X2\\nspin_unlock X1"\n',
        "x.toml",
    )
    assert [(lk.name, lk.class_name) for lk in sc.locks] == [("X1", "X"), ("X2", "X"), ("Y", "Y")]


@pytest.mark.parametrize(
    ("value", "line", "expect"),
    [
        ('{ kind = "spinlock", clas = "X" }', 2, "unknown key 'clas'; did you mean 'class'"),
        ('{ class = "X" }', 2, "missing key 'kind'"),
        ('{ kind = "mutex", count = 2 }', 2, "count is a semaphore's initial count; A is a mutex"),
        ('{ kind = "spinlock", class = "9x" }', 2, "lock class '9x' is not an identifier"),
        ('{ kind = 3 }', 2, "expected a lock kind"),
    ],
)
def test_lock_table_form_errors(value: str, line: int, expect: str) -> None:
    e = err(f"[locks]\nA = {value}\n")
    assert e.line == line and expect in str(e), str(e)


def test_lock_class_of_two_kinds_is_refused() -> None:
    e = err('[locks]\nA = { kind = "spinlock", class = "X" }\nB = { kind = "mutex", class = "X" }\n')
    assert e.line == 3 and "lock class 'X' is a spinlock (A) and cannot also hold mutex B" in str(e)


# --- errors: tasks -------------------------------------------------------------------


def test_duplicate_task_names() -> None:
    e = err('[[task]]\nname = "t"\nprogram = "run 1ms"\n[[task]]\nname = "t"\nprogram = "exit"\n')
    assert e.line == 5 and str(e).startswith(
        "x.toml:5: [[task]] #2 name: duplicate task name 't' (also task #1)"
    )


def test_task_name_too_long() -> None:
    e = task_err('name = "a_very_long_name_16"\nprogram = "run 1ms"\n')
    assert e.line == 6 and "1..15 bytes of printable UTF-8" in str(e) and "TASK_COMM_LEN], 16" in str(e)


def test_task_name_limit_is_bytes_as_comm() -> None:
    """comm is char[16]: 日本語 is 9 bytes of UTF-8 (fits), 日本語日本語 is 18 (does not)."""
    assert len("日本語".encode()) == 9
    ok = parse_scenario_text('[[task]]\nname = "日本語"\nprogram = "run 1ms"\n', "x.toml")
    assert ok.tasks[0].name == "日本語"
    e = task_err('name = "日本語日本語"\nprogram = "run 1ms"\n')
    assert "1..15 bytes" in str(e)


def test_task_name_missing() -> None:
    assert "[[task]] #1: missing key 'name'" in str(task_err('program = "run 1ms"\n'))


def test_program_missing_or_wrong_type() -> None:
    assert "task 't': missing key 'program'" in str(task_err('name = "t"\n'))
    e = task_err('name = "t"\nprogram = 3\n')
    assert e.line == 7 and "expected a multi-line string or an array of strings" in str(e)
    assert "element 2: expected a string" in str(task_err('name = "t"\nprogram = ["exit", 1]\n'))


@pytest.mark.parametrize(
    ("body", "line", "expect"),
    [
        ("nice = 20", 7, "expected an integer -20..19, got 20"),
        ('nice = "0"', 7, "expected an integer -20..19, got a string"),
        ('policy = "fifo"', 5, "missing key 'rt_priority' (policy 'fifo' needs rt_priority = 1..99)"),
        ('policy = "rr"\nrt_priority = 0', 8, "expected an integer 1..99, got 0"),
        ('policy = "fifo"\nrt_priority = 50\nnice = 5', 9, "nice does not apply to a fifo task"),
        ('rt_priority = 5', 7, "rt_priority applies to policy fifo or rr only, not 'normal'"),
        ('policy = "deadline"', 5, "missing key 'runtime'"),  # (the [[task]] line)
        (
            'policy = "deadline"\nruntime = "20ms"\ndeadline = "10ms"',
            8,
            "runtime 20000000ns, deadline 10000000ns, period 10000000ns: SCHED_DEADLINE needs "
            "1024ns <= runtime <= deadline <= period, period 100us..4194304us (sched_setattr() would return -EINVAL)",
        ),
        ('policy = "deadline"\nruntime = "1ms"\ndeadline = "10ms"\nperiod = "5s"', 8, "period 100us..4194304us"),
        ('runtime = "1ms"', 7, "runtime applies to policy deadline only, not 'normal'"),
        ('policy = "batchh"', 7, "did you mean 'batch'"),
        ('start = "5"', 7, "has no unit"),
        ('start = "-1ms"', 7, "negative duration"),
        ("start = 5", 7, 'expected a string like "5ms", got an integer'),
        ("affinity = []", 7, "non-empty array of CPU numbers 0..1"),
        ("affinity = [0, 2]", 7, "got 2 (the machine has 2 CPUs)"),
        ("affinity = [1, 1]", 7, "CPU 1 is listed twice"),
        ("cpu = 2", 7, "expected an integer 0..1, got 2"),
        ("affinity = [1]\ncpu = 0", 8, "cpu 0 is not in affinity [1]"),
    ],
)
def test_task_values(body: str, line: int, expect: str) -> None:
    e = task_err(f'name = "t1"\n{body}\nprogram = "run 1ms"\n', machine="cpus = 2")
    assert "task 't1'" in str(e) and expect in str(e), str(e)
    assert e.line == line + 2  # the [machine] block adds two lines


# --- errors: programs, located in the file --------------------------------------------


def test_unknown_op_in_file_has_line_and_suggestion() -> None:
    e = err(EXAMPLE.replace("mutex_lock B\nmutex_unlock B", "mutex_lok B\nmutex_unlock B"))
    assert str(e).startswith("x.toml:23: task 't1' op 3 'mutex_lok B': unknown op 'mutex_lok'")
    assert "did you mean 'mutex_lock'" in str(e)


def test_unitless_duration_in_file() -> None:
    e = task_err('name = "t1"\nprogram = """\nrun 1ms\nrun 5\n"""\n')
    assert e.line == 9 and "op 2 'run 5'" in str(e) and "has no unit" in str(e)


def test_negative_duration_in_list_program() -> None:
    e = task_err('name = "t1"\nprogram = [\n  "run 1ms",\n  "run -2ms",\n]\n')
    assert e.line == 9 and "negative duration '-2ms'" in str(e)


def test_undefined_lock_in_file() -> None:
    e = task_err('name = "t1"\nprogram = """\nmutex_lock B\n"""\n')
    assert e.line == 8 and "undefined lock 'B'" in str(e) and "A, S" in str(e)


def test_kind_mismatch_in_file() -> None:
    e = task_err('name = "t1"\nprogram = """\nmutex_lock S\n"""\n')
    assert e.line == 8 and "use spin_lock S" in str(e)


def test_unbalanced_braces_in_file() -> None:
    e = task_err('name = "t1"\nprogram = """\nloop {\n  run 1ms\n"""\n')
    assert e.line == 8 and "never closed" in str(e)
    e = task_err('name = "t1"\nprogram = """\nrun 1ms\n}\n"""\n')
    assert e.line == 9 and "unmatched '}'" in str(e)


def test_empty_loop_in_file() -> None:
    e = task_err('name = "t1"\nprogram = ["loop {", "}"]\n')
    assert e.line == 7 and "empty loop body" in str(e)


# --- breakpoints and sections ------------------------------------------------------------


def test_breakpoint_errors() -> None:
    e = err(MINIMAL + "[[breakpoint]]\nwhen = 3\n")
    assert e.line == 9 and "expected a string" in str(e)
    e = err(MINIMAL + '[[breakpoint]]\nif = "deadlock"\n')
    assert e.line == 9 and "unknown key 'if'" in str(e)
    assert "missing key 'when'" in str(err(MINIMAL + "[[breakpoint]]\n"))


def test_registered_section() -> None:
    """A registered table is parsed with its own errors; twice is an error; unregistered,
    it is an unknown table again."""

    def parse_irq(value: object, ctx: SectionContext) -> object:
        if not isinstance(value, dict):
            raise ctx.error("expected a table")
        line = value.get("line")
        if not isinstance(line, int):
            raise ctx.error("expected an integer", key="line")
        return (line, ctx.machine.cpus, len(ctx.tasks))

    register_section("irq", parse_irq)
    try:
        s = parse_scenario_text(MINIMAL + "\n[irq]\nline = 4\n", "i.toml")
        assert s.sections == {"irq": (4, 1, 1)}
        e = err(MINIMAL + '\n[irq]\nline = "x"\n')
        assert str(e) == "x.toml:10: [irq] line: expected an integer"
        with pytest.raises(ValueError):
            register_section("task", parse_irq)
        with pytest.raises(ValueError, match="registered twice"):
            register_section("irq", parse_irq)
        assert "did you mean 'irq'" in str(err(MINIMAL + "\n[irqs]\n"))
    finally:
        unregister_section("irq")
    assert "unknown table 'irq'" in str(err(MINIMAL + "\n[irq]\nline = 4\n"))


# --- never a traceback ------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            EXAMPLE.splitlines(keepends=True)
            + [
                "}\n",
                "loop {\n",
                "[[task]]\n",
                "cpus = 0\n",
                "]\n",
                '"""\n',
                "repeat 2 {\n",
                "x = [\n",
            ]
        ),
        max_size=40,
    )
)
def test_any_input_gives_a_scenario_or_a_scenario_error(lines: list[str]) -> None:
    try:
        parse_scenario_text("".join(lines), "h.toml")
    except ScenarioError:
        pass


def test_every_self_parsing_op_accepts_its_examples() -> None:
    """An op with its own parser documents argument strings it takes
    (OpSpec.examples, used by the grammar fuzzer); each one loads."""
    from ktui.sim.ops import OPS
    from ktui.sim.scenario import _ensure_registry

    _ensure_registry()
    checked = 0
    for spec in OPS.values():
        for example in spec.examples:
            line = f"{spec.name} {example}".strip()
            text = (
                '[machine]\ncpus = 2\n[[task]]\nname = "t1"\n'
                f'program = """\n{line}\n"""\n'
            )
            parse_scenario_text(text, "example.toml")
            checked += 1
    assert checked >= 20
