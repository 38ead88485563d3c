"""CPU execution of programs: run vs udelay time, loops, silent chains."""

from __future__ import annotations

from tests.sim.helpers import make_sim


def _exit_time(sim, comm: str) -> int:  # type: ignore[no-untyped-def]
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_process_exit" and ev.fields["comm"] == comm:
            return ev.time_ns
    raise AssertionError(f"{comm} never exited")


def test_run_counts_own_runtime_but_udelay_counts_wall_time() -> None:
    """Sharing one CPU, `run 10ms` needs 10 ms of CPU; `udelay 10ms` ends 10 ms of wall time after it began."""
    sim = make_sim({"d": "--- udelay 10ms", "r": "--- run 10ms"})
    sim.run()
    tasks = {t["comm"]: t for t in sim.report()["tasks"]}  # type: ignore[attr-defined]
    assert tasks["r"]["sum_exec_runtime_ns"] == 10_000_000
    assert tasks["d"]["sum_exec_runtime_ns"] < 10_000_000  # it was preempted part of the time
    assert _exit_time(sim, "d") >= 10_000_000
    assert _exit_time(sim, "r") == 10_000_000 + tasks["d"]["sum_exec_runtime_ns"]


def test_repeat_runs_the_body_n_times() -> None:
    """repeat 3 { run 1ms } burns exactly 3 ms."""
    sim = make_sim({"t": "--- repeat 3 {\nrun 1ms\n}"})
    sim.run()
    assert sim.report()["tasks"][0]["sum_exec_runtime_ns"] == 3_000_000  # type: ignore[index]


def test_a_loop_of_zero_time_ops_still_moves_time() -> None:
    """loop { schedule } alone on a CPU never emits, yet simulated time advances (no hang)."""
    sim = make_sim({"t": "--- loop {\nschedule\n}"})
    assert sim.run(until_ns=20_000_000) == "limit"
    assert 0 < sim.time_ns <= 20_000_000
