"""Job-control signals (kernel/signal.c): kill SIGSTOP puts the target in T
at its way back to user mode, SIGCONT resumes it where it stopped."""

from __future__ import annotations

from typing import Any

import pytest

from ktui.sim.errors import ScenarioError
from ktui.sim.include.uapi.asm_generic.errno_base import ESRCH
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import Event
from tests.sim.helpers import make_sim

MS = 1_000_000
STOP_CONT = {
    "hog": "---\nrun 20ms\n",
    "ctl": "---\nrun 1ms\nmsleep 4\na = kill hog SIGSTOP\nmsleep 10\nb = kill hog SIGCONT\nc = kill pid=42 0\nd = kill hog 0\n",
}


def _events(sim: Simulator, name: str) -> list[Event]:
    evs = (sim.event_at(i) for i in range(1, sim.recorded + 1))
    return [e for e in evs if e.name == name]


def _returns(sim: Simulator) -> dict[str, Any]:
    got = sim.report()["returns"]
    assert isinstance(got, list)
    return {r["label"]: r["value"] for r in got}


def test_a_computing_task_stops_at_once_and_resumes_its_run() -> None:
    """HZ 250, 2 CPUs: ctl sends SIGSTOP at 8 ms (1 ms + msleep 4 = 1 jiffy
    + 1 rounding -> jiffy 2, 8 ms). hog, 8 ms into its 20 ms run on CPU 0,
    stops at once (T); SIGCONT at 24 ms (msleep 10: jiffy 2 + 3 + 1 = 6)
    wakes it and it runs the 12 ms left: exit at 36 ms, 20 ms of runtime."""
    sim = make_sim(STOP_CONT, cpus=2)
    sim.run()
    stop = next(e for e in _events(sim, "sched_switch") if e.fields["prev_comm"] == "hog")
    assert (stop.time_ns, stop.fields["prev_state"]) == (8 * MS, "T")
    assert [(e.time_ns, e.fields["sig"]) for e in _events(sim, "signal_generate")] == [(8 * MS, 19), (24 * MS, 18)]
    assert _events(sim, "signal_deliver")[0].common_comm == "hog"
    hog = sim.machine.tasks[1]
    exit_ = next(e for e in _events(sim, "sched_process_exit") if e.fields["comm"] == "hog")
    assert exit_.time_ns == 24 * MS + (20 - 8) * MS
    assert hog.se.sum_exec_runtime == 20 * MS
    assert _returns(sim) == {"a": 0, "b": 0, "c": -ESRCH, "d": 0}


def test_state_breakpoint_sees_t() -> None:
    sim = make_sim(STOP_CONT, cpus=2)
    sim.add_breakpoint("task hog state == T")
    assert sim.run() == "breakpoint"
    assert sim.machine.now == 8 * MS


def test_a_task_stops_itself_after_its_syscall_returns() -> None:
    """kill(getpid(), SIGSTOP): the stop comes after sys_exit, on the way to
    user mode; the next op waits for SIGCONT."""
    sim = make_sim({
        "t": "---\nkill t SIGSTOP\nrun 1ms\n",
        "c": "---\nrun 5ms\nkill t SIGCONT\n",
    })
    sim.run()
    names = [e.name for e in (sim.event_at(i) for i in range(1, sim.recorded + 1)) if e.common_comm == "t"][:4]
    assert names == ["sys_enter", "signal_generate", "sys_exit", "signal_deliver"]
    exit_ = next(e for e in _events(sim, "sched_process_exit") if e.fields["comm"] == "t")
    assert exit_.time_ns >= 5 * MS + 1 * MS


def test_a_sleeping_task_stops_when_it_wakes() -> None:
    """SIGSTOP to a task in msleep (D): it stops once its sleep is over."""
    sim = make_sim({
        "s": "---\nmsleep 10\nrun 1ms\n",
        "c": "---\nrun 1ms\nkill s SIGSTOP\nrun 30ms\nkill s SIGCONT\n",
    }, cpus=2)
    sim.run()
    stop = next(e for e in _events(sim, "sched_switch") if e.fields["prev_comm"] == "s" and e.fields["prev_state"] == "T")
    wake = next(e for e in _events(sim, "sched_wakeup") if e.fields["comm"] == "s")
    assert stop.time_ns == wake.time_ns  # woken by its timer, then it stops


def test_bad_kill_words_are_refused() -> None:
    with pytest.raises(ScenarioError, match="unknown signal 'SIGKILL'"):
        make_sim({"t": "---\nkill t SIGKILL\n"})
    with pytest.raises(ScenarioError, match="process groups"):
        make_sim({"t": "---\nkill pid=-1 SIGSTOP\n"})


def test_replay_across_a_stop_is_exact() -> None:
    sim = make_sim(STOP_CONT, cpus=2)
    sim.run()
    end, h = sim.event, sim.state_hash()
    sim.goto(10)
    sim.goto(end)
    assert sim.state_hash() == h
