"""/proc/PID/sched (proc_sched_show_task(), kernel/sched/debug.c), the
schedstats wait sums and se.nr_migrations, and the JSON run queues."""

from __future__ import annotations

import pytest

from ktui.cli import main
from ktui.sim.kernel.sched.debug import split_ns
from tests.sim.helpers import make_sim


def test_split_ns_prints_ms_dot_ns() -> None:
    """SPLIT_NS(): 1,234,567,891 ns is 1234.567891; negative keeps the sign on the ms."""
    assert split_ns(1_234_567_891) == "1234.567891"
    assert split_ns(0) == "0.000000"
    assert split_ns(-1_048_576) == "-1.048576"


def test_proc_pid_sched_has_the_kernel_layout(capsys: pytest.CaptureFixture[str]) -> None:
    """Lines are "%-45s:%21Ld" (67 columns, as the dashes under the header);
    one nice-0 task alone for 10 ms on a 1-CPU 6.18 machine: runtime 10 ms,
    weight scale_load(1024) = 1048576, se.slice = 1 * 0.70 ms (factor 1 + ilog2(1))."""
    assert main(["run", "cfs-nice", "--until", "10ms", "--proc", "1/sched"]) == 4
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "nice0 (1, #threads: 1)"
    assert out[1] == "-" * 67
    assert all(len(line) == 67 for line in out[2:])
    fields = {line[:45].rstrip(): line[46:].strip() for line in out[2:]}
    assert fields["policy"] == "0" and fields["prio"] == "120"
    assert fields["se.load.weight"] == str(1024 << 10) == "1048576"
    assert fields["se.slice"] == str(700_000)
    assert list(fields)[:4] == ["se.exec_start", "se.vruntime", "se.sum_exec_runtime", "se.nr_migrations"]


def test_proc_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "abba", "--proc", "7/sched"]) == 2
    assert "no task with pid 7 (pids: 1, 2)" in capsys.readouterr().err
    assert main(["run", "abba", "--proc", "1/status"]) == 2
    assert "expected PID/sched" in capsys.readouterr().err


def test_wait_sum_is_the_runnable_time_not_running() -> None:
    """Two tasks always runnable on one CPU from t=0 to their exit: for each,
    sum_exec_runtime + wait_sum == its exit time (nothing else happens)."""
    sim = make_sim({"a": "--- run 20ms", "b": "--- run 20ms"})
    assert sim.run() == "finished"
    exits = {
        sim.event_at(i).fields["comm"]: sim.event_at(i).time_ns
        for i in range(1, sim.recorded + 1)
        if sim.event_at(i).name == "sched_process_exit"
    }
    for t in sim.report()["tasks"]:  # type: ignore[attr-defined]
        assert t["sum_exec_runtime_ns"] == 20_000_000
        assert t["sum_exec_runtime_ns"] + t["wait_sum_ns"] == exits[t["comm"]]
    assert sum(t["wait_count"] for t in sim.report()["tasks"]) > 2  # type: ignore[attr-defined]


def test_nr_migrations_counts_set_task_cpu() -> None:
    """t sleeps on CPU 0 while u hogs it; it wakes on idle CPU 1: one migration."""
    sim = make_sim({"u": "cpu = 0\n--- run 30ms", "t": "cpu = 0\n--- msleep 5\nrun 1ms"}, cpus=2)
    sim.run()
    tasks = {t["comm"]: t for t in sim.report()["tasks"]}  # type: ignore[attr-defined]
    moved = [sim.event_at(i) for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "sched_migrate_task"]
    assert tasks["t"]["nr_migrations"] == len([e for e in moved if e.fields["pid"] == 2]) >= 1
    assert tasks["u"]["nr_migrations"] == 0


def test_json_rqs_list_each_class_queue() -> None:
    """Three nice-0 tasks on one CPU: the fair queue holds the two not running,
    in tree order, with their keys; RT and DL queues are empty."""
    sim = make_sim({"a": "--- run 5ms", "b": "--- run 5ms", "c": "--- run 5ms"})
    sim.run(until_ns=2_000_000)
    rq = sim.report()["rqs"][0]  # type: ignore[index]
    assert rq["nr_running"] == 3
    assert len(rq["cfs"]["queue"]) == 2 and rq["curr"] not in [e["pid"] for e in rq["cfs"]["queue"]]
    assert set(rq["cfs"]["queue"][0]) == {"pid", "vruntime_ns", "deadline_ns", "lag_ns", "eligible"}
    assert rq["rt"] == {"rt_nr_running": 0, "rt_throttled": False, "queue": []}
    assert rq["dl"]["queue"] == [] and rq["dl"]["dl_nr_running"] == 0


def test_sched_tunables_for_8_cpus_on_6_6() -> None:
    """update_sysctl() on 8 CPUs: factor 1 + ilog2(8) = 4; latency 6 ms * 4,
    min_granularity 0.75 ms * 4, wakeup_granularity 1 ms * 4."""
    sim = make_sim({"a": "--- run 1ms"}, cpus=8, kernel="6.6")
    tun = sim.report()["sched_tunables"]  # type: ignore[index]
    assert tun["latency_ns"] == 6_000_000 * 4 == 24_000_000
    assert tun["min_granularity_ns"] == tun["base_slice_ns"] == 750_000 * 4
    assert tun["wakeup_granularity_ns"] == 1_000_000 * 4
    assert tun["nr_latency"] == 8


def test_sched_debug_prints_each_class_of_each_cpu(capsys: pytest.CaptureFixture[str]) -> None:
    """print_cpu() then cfs_rq[N]:/, rt_rq[N]:, dl_rq[N]: and the runnable
    tasks: cfs-nice at 50 ms has its three tasks queued on CPU 0; the load is
    the sum of scale_load(weight) for nice 0, 5, 10: (1024 + 335 + 110) << 10."""
    assert main(["run", "cfs-nice", "--until", "50ms", "--proc", "sched_debug"]) == 4
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "Sched Debug Version: v0.11, 6.18"
    for head in ("cpu#0", "cfs_rq[0]:/", "rt_rq[0]:", "dl_rq[0]:", "runnable tasks:"):
        assert head in lines
    assert f"  .{'load':<30}: {(1024 + 335 + 110) << 10}" in lines
    assert f"  .{'nr_queued':<30}: 3" in lines
    runnable = lines[lines.index("runnable tasks:") + 3 :]
    assert [row.split()[1] for row in runnable if row.strip()] == ["nice0", "nice5", "nice10"]
