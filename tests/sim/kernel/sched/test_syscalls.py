"""The scheduler's system calls as ops (kernel/sched/syscalls.c, kernel/fork.c,
kernel/exit.c): each return value and errno as the kernel returns it, the
report's ``returns``, fork/exit/wait, and replay across a syscall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ktui.cli import main
from ktui.sim.errors import BreakpointError, ScenarioError
from ktui.sim.include.linux.sched.prio import NICE_TO_PRIO
from ktui.sim.include.uapi.asm_generic.errno_base import EAGAIN, EBUSY, ECHILD, EINVAL, ESRCH
from ktui.sim.kernel.sched.syscall_words import parse_cpulist
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import format_line
from tests.sim.helpers import make_sim

MS = 1_000_000




def _list(sim: Simulator, key: str) -> list[dict[str, Any]]:
    """A list section of the report (``returns``, ``tasks``)."""
    got = sim.report()[key]
    assert isinstance(got, list)
    return got


def _returns(sim: Simulator) -> dict[str, dict[str, Any]]:
    """The report's returns by label (the last one of each label)."""
    return {str(r["label"]): r for r in _list(sim, "returns")}


def _finished(tasks: dict[str, str], **kw: object) -> Simulator:
    sim = make_sim(tasks, **kw)  # type: ignore[arg-type]
    sim.run()
    return sim


def _task(sim: Simulator, comm: str) -> dict[str, Any]:
    return next(t for t in _list(sim, "tasks") if t["comm"] == comm)


# -- sched_setattr / sched_setscheduler: __sched_setscheduler()'s checks -----------
def test_setattr_errors_are_the_kernels_einval() -> None:
    """runtime > deadline, FIFO with priority 0, priority 100, an unknown
    policy, nice on a deadline task without runtime: -EINVAL (22) each."""
    sim = _finished({"t1": """---
a = sched_setattr policy=deadline runtime=40ms deadline=30ms period=30ms
b = sched_setattr policy=fifo priority=0
c = sched_setattr policy=fifo priority=100
d = sched_setattr policy=4
e = sched_setattr policy=normal priority=5
f = sched_setattr policy=deadline runtime=10ms deadline=30ms period=20ms
g = sched_setattr policy=deadline runtime=512ns deadline=30ms
"""})
    rets = _returns(sim)
    for label in "abcdefg":
        assert rets[label]["value"] == -EINVAL == -22, label
        assert rets[label]["errno"] == "-EINVAL"
        assert rets[label]["op"] == "sched_setattr"
    # a failure changes nothing: still SCHED_NORMAL, nice 0
    t1 = _task(sim, "t1")
    assert (t1["policy"], t1["prio"]) == ("normal", 120)


def test_setattr_target_errors() -> None:
    """pid=-1 is -EINVAL (pid < 0), a pid nobody has -ESRCH (3)."""
    rets = _returns(_finished({"t1": "---\na = sched_setattr pid=-1 nice=1\nb = sched_setattr pid=99 nice=1\n"}))
    assert (rets["a"]["value"], rets["b"]["value"]) == (-EINVAL, -ESRCH)
    assert rets["b"]["errno"] == "-ESRCH"


def test_setattr_nice_changes_another_task_and_clamps() -> None:
    """sched_setattr on t2 by name: nice=30 is clamped to 19 by
    sched_copy_attr(), prio = NICE_TO_PRIO(19) = 139. Before t2 is forked
    (at 1 ms) the same call is -ESRCH."""
    sim = _finished({
        "t1": "---\nearly = sched_setattr t2 nice=1\nrun 2ms\nr = sched_setattr t2 policy=batch nice=30\n",
        "t2": "start = \"1ms\"\n---\nrun 3ms\n",
    })
    assert _returns(sim)["early"]["value"] == -ESRCH
    assert _returns(sim)["r"]["value"] == 0
    t2 = _task(sim, "t2")
    assert (t2["policy"], t2["nice"], t2["prio"]) == ("batch", 19, NICE_TO_PRIO(19))


def test_setscheduler_checks() -> None:
    """sched_setscheduler: FIFO 0 and RR 100 -EINVAL, a negative policy
    -EINVAL, deadline without parameters -EINVAL; NORMAL 0 on self is 0."""
    rets = _returns(_finished({"t1": """---
a = sched_setscheduler fifo 0
b = sched_setscheduler rr 100
c = sched_setscheduler -1 0
d = sched_setscheduler deadline 0
e = sched_setscheduler batch 0
f = sched_setscheduler SCHED_OTHER 0
g = sched_setattr policy=normal flags=010
"""}))
    # g: flags=010 is decimal 10 = SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_RECLAIM (0x8 | 0x2): valid
    assert [rets[k]["value"] for k in "abcdefg"] == [-EINVAL, -EINVAL, -EINVAL, -EINVAL, 0, 0, 0]


def test_getscheduler_returns_the_policy_number() -> None:
    """SCHED_BATCH is 3, SCHED_IDLE 5, SCHED_NORMAL 0; the target by name."""
    sim = _finished({
        "t1": "---\nrun 1ms\na = sched_getscheduler\nb = sched_getscheduler t2\nc = sched_getscheduler t3\n",
        "t2": "policy = \"batch\"\n---\nrun 1ms\n",
        "t3": "policy = \"idle\"\n---\nrun 1ms\n",
    })
    rets = _returns(sim)
    assert [rets[k]["value"] for k in "abc"] == [0, 3, 5]


def test_getattr_fills_in_the_attr() -> None:
    """sched_getattr: 0, and out holds get_params() of a batch task, nice 3."""
    sim = _finished({"t1": "policy = \"batch\"\nnice = 3\n---\nr = sched_getattr\n"})
    r = _returns(sim)["r"]
    assert r["value"] == 0
    assert r["out"] == {
        "sched_policy": 3, "sched_flags": 0, "sched_nice": 3, "sched_priority": 0,
        "sched_runtime": 0, "sched_deadline": 0, "sched_period": 0,
    }  # fmt: skip


def test_setattr_fifo_then_getscheduler() -> None:
    """After sched_setattr policy=fifo priority=10: policy 1, prio 99 - 10 = 89."""
    sim = _finished({"t1": "---\na = sched_setattr policy=fifo priority=10\nb = sched_getscheduler\nrun 1ms\n"})
    rets = _returns(sim)
    assert (rets["a"]["value"], rets["b"]["value"]) == (0, 1)
    assert _task(sim, "t1")["prio"] == 99 - 10


# -- nice ---------------------------------------------------------------------
def test_nice_clamps_at_19_and_minus_20() -> None:
    """sys_nice(): task_nice + increment clamped to MIN_NICE..MAX_NICE."""
    sim = _finished({"t1": "nice = 5\n---\na = nice 50\nb = sched_getattr\nc = nice -100\nd = sched_getattr\n"})
    rets = _returns(sim)
    assert rets["a"]["value"] == 0 and rets["c"]["value"] == 0
    assert rets["b"]["out"]["sched_nice"] == 19
    assert rets["d"]["out"]["sched_nice"] == -20


# -- sched_rr_get_interval ----------------------------------------------------------
def test_rr_interval_of_a_fair_task() -> None:
    """get_rr_interval_fair(): NS_TO_JIFFIES(slice) jiffies. CFS (5.15), one
    CPU, one task, HZ 1000: sched_slice() = __calc_delta(6 ms latency,
    1024, cfs_rq 1024) with inv_weight = WMULT_CONST / 1024 = 4194303, so
    6e6 * (1024 * 4194303) >> 32 = 5999998 ns -> 5 jiffies -> 5 ms.
    EEVDF (6.18): the 0.7 ms base slice is less than a jiffy, so 0."""
    slice_ns = (6 * MS * (1024 * (0xFFFF_FFFF // 1024))) >> 32
    assert slice_ns == 5_999_998
    cfs = _finished({"t1": "---\nr = sched_rr_get_interval\n"}, kernel="5.15", hz=1000)
    assert _returns(cfs)["r"]["out"] == {"interval_ns": (slice_ns // MS) * MS}
    eevdf = _finished({"t1": "---\nr = sched_rr_get_interval\n"}, kernel="6.18", hz=1000)
    assert _returns(eevdf)["r"]["out"] == {"interval_ns": 0}


def test_rr_interval_target_errors() -> None:
    rets = _returns(_finished({"t1": "---\na = sched_rr_get_interval pid=-1\nb = sched_rr_get_interval pid=42\n"}))
    assert (rets["a"]["value"], rets["b"]["value"]) == (-EINVAL, -ESRCH)


def test_rr_interval_rr_is_100ms_and_fifo_0() -> None:
    """RR: RR_TIMESLICE = 100 * HZ / 1000 = 25 jiffies at HZ 250 = 25 * 4 ms;
    FIFO: 0 ("infinity"). r1 runs 1 ms first: scenario tasks are created
    last at an instant (PRIO_FORK), so at 0 ns f1 does not exist yet."""
    sim = _finished({
        "r1": "policy = \"rr\"\nrt_priority = 10\n---\nrun 1ms\nr = sched_rr_get_interval\nf = sched_rr_get_interval f1\n",
        "f1": "policy = \"fifo\"\nrt_priority = 5\n---\nrun 1ms\n",
    })
    rets = _returns(sim)
    assert rets["r"]["out"] == {"interval_ns": 25 * 4 * MS}
    assert rets["f"]["out"] == {"interval_ns": 0}


# -- sched_setaffinity ---------------------------------------------------------------
def test_setaffinity_errors() -> None:
    """A CPU the machine lacks (5 of 2) and the empty mask: -EINVAL
    (__set_cpus_allowed_ptr_locked(): no valid CPU); a missing pid -ESRCH."""
    rets = _returns(_finished({"t1": "---\na = sched_setaffinity 5\nb = sched_setaffinity 0x0\nc = sched_setaffinity 0 pid=7\n"}, cpus=2))
    assert [rets[k]["value"] for k in "abc"] == [-EINVAL, -EINVAL, -ESRCH]


def test_setaffinity_moves_the_caller_to_an_allowed_cpu() -> None:
    """t1 on CPU 0 allows only CPU 1: the stopper preempts it (R+),
    sched_migrate_task 0 -> 1, and its sys_exit (0) comes on CPU 1."""
    sim = _finished({"t1": "cpu = 0\n---\nr = sched_setaffinity 1\nrun 1ms\n"}, cpus=2)
    lines = [format_line(sim.event_at(i)) for i in range(1, sim.recorded + 1)]
    i = next(k for k, ln in enumerate(lines) if "sys_enter: NR 203" in ln)
    assert "prev_comm=t1" in lines[i + 1] and "prev_state=R+" in lines[i + 1]
    assert "sched_migrate_task: comm=t1 pid=1 prio=120 orig_cpu=0 dest_cpu=1" in lines[i + 2]
    exit_line = next(ln for ln in lines[i:] if "sys_exit: NR 203" in ln)
    assert "[001]" in exit_line and exit_line.endswith("= 0")
    r = _returns(sim)["r"]
    assert (r["value"], r["cpu"]) == (0, 1)
    t1 = _task(sim, "t1")
    assert t1["cpu"] == 1 and t1["sum_exec_runtime_ns"] == 1 * MS


def test_setaffinity_moves_a_queued_task() -> None:
    """t2 waits behind t1 on CPU 0; t1 restricts it to CPU 1:
    move_queued_task() traces sched_migrate_task on t1's CPU."""
    sim = _finished({
        "t1": "cpu = 0\n---\nrun 1ms\nr = sched_setaffinity 1 t2\nrun 1ms\n",
        "t2": "cpu = 0\n---\nrun 1ms\n",
    }, cpus=2)
    lines = [format_line(sim.event_at(i)) for i in range(1, sim.recorded + 1)]
    assert any("t1-1" in ln and "sched_migrate_task: comm=t2 pid=2 prio=120 orig_cpu=0 dest_cpu=1" in ln for ln in lines)
    assert _returns(sim)["r"]["value"] == 0
    assert _task(sim, "t2")["cpu"] == 1


def test_cpulist() -> None:
    assert parse_cpulist("0-2,5") == 0b100111
    assert parse_cpulist("0x5") == 5
    with pytest.raises(ValueError, match="bad CPU range"):
        parse_cpulist("3-1")


# -- sched_yield, sysctl_read -------------------------------------------------------
def test_labelled_yield_returns_0_and_is_traced() -> None:
    sim = _finished({"t1": "---\ny = sched_yield\n"})
    assert _returns(sim)["y"]["value"] == 0
    names = [sim.event_at(i).name for i in range(1, sim.recorded + 1)]
    assert names.count("sys_enter") == names.count("sys_exit") == 1


def test_sysctl_read() -> None:
    """The RT throttling defaults (950000 of 1000000 us) and a [sysctl] value."""
    sim = _finished(
        {"t1": "---\na = sysctl_read kernel.sched_rt_runtime_us\nb = sysctl_read kernel/sched_rt_period_us\nc = sysctl_read kernel.watchdog_thresh\n"},
        extra="[sysctl]\nkernel.watchdog_thresh = 7",
    )
    rets = _returns(sim)
    assert [rets[k]["value"] for k in "abc"] == [950_000, 1_000_000, 7]


# -- fork / exit / wait -------------------------------------------------------------
def test_fork_child_inherits_and_runs_its_block() -> None:
    """The child (pid 2, after the scenario's) gets nice 5 / prio 125 from
    its parent, runs its block (1 ms) and exits 3; the parent's fork
    returns 2, the child's 0; wait reaps it: pid 2, status 3 << 8; a
    second wait has no children: -ECHILD (10)."""
    sim = _finished({"p": "nice = 5\n---\nc = fork kid {\n  run 1ms\n  exit 3\n}\nw = wait\nw2 = wait\n"}, cpus=2)
    rets = _list(sim, "returns")
    forks = [(r["task"], r["value"]) for r in rets if r["label"] == "c"]
    assert forks == [("p", 2), ("kid", 0)]
    w = next(r for r in rets if r["label"] == "w")
    assert (w["value"], w["out"]) == (2, {"status": 3 << 8})
    assert next(r for r in rets if r["label"] == "w2")["value"] == -ECHILD
    kid = _task(sim, "kid")
    assert (kid["pid"], kid["nice"], kid["prio"], kid["policy"]) == (2, 5, 125, "normal")
    assert kid["sum_exec_runtime_ns"] == 1 * MS
    assert kid["state"] == "X"  # reaped
    names = [sim.event_at(i).name for i in range(1, sim.recorded + 1)]
    for ev in ("sched_process_fork", "sched_wakeup_new", "sched_process_wait", "sched_process_free"):
        assert ev in names


def test_plain_fork_runs_the_rest_in_both() -> None:
    """fork(2) without a block: both go on with the next op."""
    sim = _finished({"p": "---\nfork\nrun 2ms\n"}, cpus=2)
    assert _task(sim, "p")["sum_exec_runtime_ns"] == 2 * MS
    child = next(t for t in _list(sim, "tasks") if t["pid"] == 2)
    assert (child["comm"], child["sum_exec_runtime_ns"], child["state"]) == ("p", 2 * MS, "Z")


def test_wait_sleeps_until_the_child_exits() -> None:
    """The parent sleeps in S until the child's exit wakes it at 3 ms."""
    sim = _finished({"p": "cpu = 0\n---\nfork kid {\n  run 3ms\n}\nw = wait\n"}, cpus=2)
    w = _returns(sim)["w"]
    assert (w["value"], w["time_ns"]) == (2, 3 * MS)


def test_deadline_parent_cannot_fork() -> None:
    """sched_fork(): a SCHED_DEADLINE parent gets -EAGAIN (11)."""
    sim = _finished({"d": 'policy = "deadline"\nruntime = "1ms"\ndeadline = "10ms"\n---\nc = fork {\n run 1ms\n}\n'})
    assert _returns(sim)["c"]["value"] == -EAGAIN


def test_policy_refused_at_fork_is_a_return(monkeypatch: pytest.MonkeyPatch) -> None:
    """A scenario task whose policy admission refuses (-EBUSY) stays
    SCHED_NORMAL, and the report has its sched_setattr labelled policy."""
    import ktui.sim.kernel.sched.deadline as deadline

    monkeypatch.setattr(deadline, "sched_dl_overflow", lambda *a: 1)
    sim = _finished({"d": 'policy = "deadline"\nruntime = "10ms"\ndeadline = "30ms"\n---\nrun 1ms\n'})
    r = _returns(sim)["policy"]
    assert (r["task"], r["op"], r["value"], r["errno"]) == ("d", "sched_setattr", -EBUSY, "-EBUSY")
    assert _task(sim, "d")["policy"] == "normal"


def test_admission_refuses_past_the_limit() -> None:
    """Two 60% deadline tasks on one CPU: the second is over 95% (-EBUSY)."""
    sim = _finished({
        "d1": 'policy = "deadline"\nruntime = "60ms"\ndeadline = "100ms"\n---\nrun 1ms\n',
        "d2": 'policy = "deadline"\nruntime = "60ms"\ndeadline = "100ms"\n---\nrun 1ms\n',
    })
    r = _returns(sim)["policy"]
    assert (r["task"], r["value"]) == ("d2", -EBUSY)


# -- the program syntax ------------------------------------------------------------
@pytest.mark.parametrize(
    ("program", "message"),
    [
        ("r = run 1ms", "run returns nothing to label"),
        ("1r = sched_yield", "bad label"),
        ("r=sched_yield", "spaces around '='"),
        ("sched_setattr policy=fifo bogus=1", "unknown key 'bogus'"),
        ("sched_setattr policy=fify", "did you mean 'fifo'"),
        ("sched_setattr nobody", "undefined task 'nobody'"),
        ("sched_setattr nice=1 nice=2", "nice given twice"),
        ("sysctl_read kernel.nope", "unknown sysctl"),
        ("fork averyveryverylongname {\nrun 1ms\n}", "1..15 printable"),
        ("r = repeat 2 {\nrun 1ms\n}", "only an op's result can be labelled"),
        ("sched_setaffinity 1-", "bad CPU list"),
        ("exit 1 2", "at most one exit CODE"),
    ],
)
def test_bad_syntax_is_a_scenario_error(program: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        make_sim({"t1": f"---\n{program}\n"})


# -- the report and replay ---------------------------------------------------------------
def test_json_returns_list(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """``ktui run --json`` has the returns: task, label, op, line, value, errno."""
    path = tmp_path / "s.toml"
    path.write_text(
        '[scenario]\nname = "s"\n[machine]\ncpus = 1\n[[task]]\nname = "t1"\nprogram = """\n'
        "r = sched_setattr policy=deadline runtime=40ms deadline=30ms\n"
        'ok = sched_getscheduler\nrun 1ms\n"""\n'
    )
    code = main(["run", str(path), "--json"])
    assert code == 0
    rep = json.loads(capsys.readouterr().out)
    got = [{k: r[k] for k in ("task", "label", "op", "line", "value", "errno")} for r in rep["returns"]]
    assert got == [
        {"task": "t1", "label": "r", "op": "sched_setattr", "line": 8, "value": -22, "errno": "-EINVAL"},
        {"task": "t1", "label": "ok", "op": "sched_getscheduler", "line": 9, "value": 0, "errno": None},
    ]
    assert rep["returns_dropped"] == 0


def test_unlabelled_failure_is_kept_success_is_not() -> None:
    rets = _list(_finished({"t1": "---\nsched_setattr policy=fifo priority=0\nsched_getscheduler\n"}), "returns")
    assert [(r["label"], r["value"]) for r in rets] == [(None, -EINVAL)]


def test_back_and_forward_across_syscalls_give_the_same_state() -> None:
    """Returns, forks and pending syscalls are machine state: stepping back
    over them and forward again gives the same state hash (and report)."""
    tasks = {
        "p": "cpu = 0\n---\nr = sched_setattr policy=batch nice=2\nc = fork kid {\n  run 1ms\n}\nw = wait\nrun 1ms\n",
        "q": "cpu = 1\n---\ne = sched_setaffinity 0\nrun 2ms\n",
    }
    sim = make_sim(tasks, cpus=2)
    sim.run()
    end = sim.recorded
    h_end, rep_end = sim.state_hash(), _list(sim, "returns")
    hashes = {}
    for k in range(1, end + 1):
        sim.goto(k)
        hashes[k] = sim.state_hash()
    sim.goto(end)
    assert sim.state_hash() == h_end
    for k in (end // 3, end // 2, end - 2):
        sim.goto(k)
        assert sim.state_hash() == hashes[k]
    sim.goto(end)
    assert sim.state_hash() == h_end and _list(sim, "returns") == rep_end
    fresh = make_sim(tasks, cpus=2)
    fresh.run()
    assert fresh.state_hash() == h_end


def test_breakpoint_on_a_return_value() -> None:
    """``ret r value == -22`` stops right after the failing call's sys_exit;
    ``ret t1.ok errno == ""`` names the task too."""
    sim = make_sim({"t1": "---\nrun 1ms\nr = sched_setattr policy=fifo priority=0\nrun 1ms\nok = sched_getscheduler\nrun 1ms\n"})
    sim.add_breakpoint("ret r value == -22")
    sim.run()
    assert sim.status == "breakpoint"
    ev = sim.last_event()
    assert ev is not None and ev.name == "sys_exit" and ev.fields["ret"] == -22
    assert sim.time_ns == 1 * MS
    with pytest.raises(BreakpointError, match="nope"):
        sim.add_breakpoint("ret nope value == 0")


def test_plain_fork_in_a_repeat_copies_the_loop_state() -> None:
    """A plain fork inside repeat 2: the child is inside the same loop (its
    copy of the parent's stack), so it runs the remaining pass and forks
    once more itself: 1 + 1 + 1 children, each running 1 ms per pass left."""
    sim = _finished({"p": "---\nrepeat 2 {\n  fork\n  run 1ms\n}\n"}, cpus=2)
    tasks = _list(sim, "tasks")
    assert [t["pid"] for t in tasks] == [1, 2, 3, 4]
    runtime = {t["pid"]: t["sum_exec_runtime_ns"] for t in tasks}
    # p: 2 passes; its first child (pass 1) does pass 1's run and pass 2;
    # p's second child (pass 2) and the first child's child: one run each.
    assert sorted(runtime.values()) == [1 * MS, 1 * MS, 2 * MS, 2 * MS]


def test_sys_enter_and_sys_exit_print_as_ftrace_does() -> None:
    """raw_syscalls: ``NR %ld (%lx, ...)`` and ``NR %ld = %ld``; pid -1 as a
    register, in hex."""
    sim = _finished({"t1": "---\nr = sched_getscheduler pid=-1\n"})
    lines = [format_line(sim.event_at(i)) for i in range(1, sim.recorded + 1)]
    enter = next(k for k, ln in enumerate(lines) if "sys_enter" in ln)
    assert lines[enter].endswith("t1-1       [000]     0.000000: sys_enter: NR 145 (ffffffffffffffff, 0, 0, 0, 0, 0)")
    assert lines[enter + 1].endswith("sys_exit: NR 145 = -22")


def test_setaffinity_of_a_sleeping_task_moves_it_at_wakeup() -> None:
    """t2 sleeps on CPU 0; restricted to CPU 1 it stays put until its
    wakeup, whose select_task_rq() picks CPU 1 (sched_migrate_task there)."""
    sim = _finished({
        "t1": "cpu = 0\n---\nmsleep 1\nr = sched_setaffinity 1 t2\nrun 5ms\n",
        "t2": "cpu = 0\n---\nmsleep 20\nrun 1ms\n",
    }, cpus=2)
    assert _returns(sim)["r"]["value"] == 0
    events = [sim.event_at(i) for i in range(1, sim.recorded + 1)]
    exit_at = next(e.index for e in events if e.name == "sys_exit")
    moves = [e for e in events if e.name == "sched_migrate_task" and e.fields["pid"] == 2]
    assert len(moves) == 1 and moves[0].index > exit_at and moves[0].time_ns >= 20 * MS
    assert _task(sim, "t2")["cpu"] == 1


def test_deadline_needs_every_cpu_eperm() -> None:
    """__sched_setscheduler(): a task allowed on fewer CPUs than its root
    domain may not become SCHED_DEADLINE: -EPERM (1)."""
    sim = _finished({"t1": "affinity = [0]\n---\nr = sched_setattr policy=deadline runtime=10ms deadline=30ms\n"}, cpus=2)
    r = _returns(sim)["r"]
    assert (r["value"], r["errno"]) == (-1, "-EPERM")


def test_setaffinity_of_a_deadline_task_is_ebusy() -> None:
    """dl_task_check_affinity(): a deadline task keeps its root domain."""
    sim = _finished({"d": 'policy = "deadline"\nruntime = "1ms"\ndeadline = "10ms"\n---\nr = sched_setaffinity 0\n'}, cpus=2)
    assert _returns(sim)["r"]["value"] == -EBUSY
