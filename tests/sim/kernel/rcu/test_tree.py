"""Tree RCU (kernel/rcu/tree.c, tree_plugin.h, rcu_preempt): gp_seq as the
kernel counts it, synchronize_rcu() waiting for exactly the readers that
can still see old data, blocked readers, call_rcu() callbacks."""

from __future__ import annotations

from pathlib import Path

import ktui
from ktui.sim.kernel.rcu.rcu import (
    GP_SEQ_INIT,
    rcu_seq_end,
    rcu_seq_snap,
    rcu_seq_start,
    rcu_seq_state,
)
from ktui.sim.kernel.rcu.tree import jiffies_till_fqs
from ktui.sim.kernel.rcu.tree_stall import rcu_jiffies_till_stall_check
from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import parse_scenario_text
from ktui.sim.trace import Event
from tests.sim.helpers import make_sim

MS = 1_000_000


def _events(sim: Simulator, *names: str) -> list[Event]:
    evs = (sim.event_at(i) for i in range(1, sim.recorded + 1))
    return [e for e in evs if e.name in names]


def _gp(sim: Simulator, what: str) -> list[Event]:
    return [e for e in _events(sim, "rcu_grace_period") if e.fields["gpevent"] == what]


def _builtin(name: str) -> Simulator:
    path = Path(ktui.__file__).parent / "scenarios" / f"{name}.toml"
    return Simulator(parse_scenario_text(path.read_text(), str(path)))


def test_gp_seq_starts_at_minus_300_grace_periods_and_moves_by_four() -> None:
    """rcu_state.gp_seq = (0UL - 300UL) << RCU_SEQ_CTR_SHIFT, printed as a
    long: -300 * 4 = -1200; rcu_seq_start() makes it -1199 (state 1),
    rcu_seq_end() -1196; rcu_seq_snap() of an idle counter is the next
    end, of a running one the end after that."""
    assert GP_SEQ_INIT == -300 * 4 == -1200
    assert rcu_seq_start(-1200) == -1199 and rcu_seq_state(-1199) == 1
    assert rcu_seq_end(-1199) == -1196
    assert rcu_seq_snap(-1200) == -1196  # (s + 2*3 + 1) & ~3
    assert rcu_seq_snap(-1199) == -1192  # a grace period in progress does not count


def test_fqs_and_stall_intervals_follow_rcu_init_geometry() -> None:
    """RCU_JIFFIES_TILL_FORCE_QS = 1 + (HZ > 250) + (HZ > 500), plus
    nr_cpu_ids / 256; the stall timeout is 21 s * HZ."""
    assert jiffies_till_fqs(250, 2) == 1 + 0 + 0 + 0
    assert jiffies_till_fqs(1000, 4) == 1 + 1 + 1 + 0
    assert jiffies_till_fqs(300, 256) == 1 + 1 + 0 + 1
    sim = make_sim({"t": "---\nrun 1ms\n"})
    assert rcu_jiffies_till_stall_check(sim.machine) == 21 * 250


def test_synchronize_waits_for_the_old_reader_not_the_new_one() -> None:
    """The built-in scenario: `old` is inside from 0 to 10 ms; `new` enters
    at 9 ms, after CPU 2 reported at its 8 ms tick. The grace period ends
    at CPU 1's first tick after old's unlock (12 ms = 3 ticks of 4 ms),
    while `new` is still inside (until 29 ms)."""
    sim = _builtin("rcu-reader-vs-synchronize")
    sim.run()
    (start,) = _gp(sim, "start")
    (end,) = _gp(sim, "end")
    assert (start.time_ns, start.fields["gp_seq"]) == (1 * MS, -1199)
    assert (end.time_ns, end.fields["gp_seq"]) == (12 * MS, -1196)
    reports = [(e.time_ns, e.fields["mask"], e.fields["qsmask"]) for e in _events(sim, "rcu_quiescent_state_report")]
    assert reports == [(8 * MS, 0b100, 0b010), (12 * MS, 0b010, 0)]
    rcu = sim.report()["rcu"]
    assert isinstance(rcu, dict)
    assert [r["pid"] for r in rcu["readers"]] == [3]  # new (pid 3) is still inside
    assert rcu["synchronize_waiters"] == []  # rcu_gp_cleanup() took the writer off srs_next
    sim.run()
    wake = [e for e in _events(sim, "sched_wakeup") if e.fields["comm"] == "writer"]
    assert wake and wake[0].time_ns == 12 * MS


def test_nested_reader_holds_the_grace_period_until_the_outer_unlock() -> None:
    """rcu_read_lock_nesting: the inner unlock (depth 1) is not the end."""
    sim = make_sim(
        {
            "r": "cpu = 1\n---\nrcu_read_lock\nrcu_read_lock\nrun 5ms\nrcu_read_unlock\nrun 10ms\nrcu_read_unlock\nrun 10ms\n",
            "w": "cpu = 0\n---\nrun 1ms\nsynchronize_rcu\n",
        },
        cpus=2,
    )
    sim.run()
    depths = [e.fields["depth"] for e in _events(sim, "rcu_read_lock", "rcu_read_unlock")]
    assert depths == [1, 2, 1, 0]
    (end,) = _gp(sim, "end")
    assert end.time_ns == 16 * MS  # outer unlock at 15 ms, CPU 1's next tick at 16 ms


def test_preempted_reader_blocks_the_grace_period_until_it_unlocks() -> None:
    """A reader preempted inside its section goes on blkd_tasks; its CPU
    reports (the switch is a quiescent state) but the grace period waits
    for the task (gp_tasks) until rcu_read_unlock_special()."""
    fifo = 'policy = "fifo"\nrt_priority = 10\nstart = "2ms"\n'
    sim = make_sim(
        {
            "r": "cpu = 1\naffinity = [1]\n---\nrcu_read_lock\nrun 10ms\nrcu_read_unlock\nrun 1ms\n",
            "hog": f"cpu = 1\n{fifo}---\nrun 20ms\n",
            "w": "cpu = 0\n---\nrun 1ms\nsynchronize_rcu\n",
        },
        cpus=2,
    )
    sim.run()
    (blocked,) = _events(sim, "rcu_preempt_task")
    assert blocked.fields["pid"] == 1 and blocked.time_ns == 2 * MS
    (unblocked,) = _events(sim, "rcu_unlock_preempted_task")
    assert unblocked.time_ns == 2 * MS + 20 * MS + 8 * MS  # r gets CPU 1 back at 22 ms, 8 ms left
    (end,) = _gp(sim, "end")
    assert end.time_ns == unblocked.time_ns
    assert not _events(sim, "bug")  # preemption inside a reader is legal


def test_sleeping_in_a_reader_is_warned_once() -> None:
    """rcu_note_context_switch(): WARN_ONCE(!preempt && rcu_preempt_depth() > 0)."""
    sim = make_sim({"r": "---\nrcu_read_lock\nmsleep 1\nmsleep 1\nrcu_read_unlock\n"})
    sim.run()
    log = sim.report()["log"]
    assert isinstance(log, list)
    msgs = [str(e["message"]) for e in log]
    assert len([x for x in msgs if "Voluntary context switch within RCU read-side critical section!" in x]) == 1


def test_call_rcu_callback_runs_from_rcu_core_after_the_grace_period() -> None:
    """call_rcu(): queued with rcu_seq_snap(); rcu_do_batch() invokes it once
    its CPU has noticed the end (cpuend), traced with its name."""
    sim = make_sim({"t": "---\ncall_rcu free_foo\nrun 30ms\n"})
    sim.run(until_ns=3 * MS)
    rcu = sim.report()["rcu"]
    assert isinstance(rcu, dict)
    assert rcu["cpus"][0]["callbacks"]["waiting"] == [{"func": "free_foo", "gp_seq": -1196}]
    sim.run()
    (inv,) = _events(sim, "rcu_invoke_callback")
    (end,) = _gp(sim, "end")
    assert inv.fields["func"] == "free_foo" and inv.index > end.index
    cpuend = [e for e in _gp(sim, "cpuend") if e.cpu == 0]
    assert cpuend and end.index < cpuend[0].index < inv.index


def test_step_back_and_forth_gives_the_same_state_hash() -> None:
    """RcuState lives in the machine: going back and forward restores it."""
    sim = _builtin("rcu-reader-vs-synchronize")
    sim.run()
    here = sim.event
    h = sim.state_hash()
    sim.goto(here // 2)
    mid = sim.state_hash()
    sim.goto(here)
    assert sim.state_hash() == h
    sim.goto(here // 2)
    assert sim.state_hash() == mid


def test_the_report_does_not_change_the_state() -> None:
    """Building the rcu view reads the machine only (no m.ext key added)."""
    sim = make_sim({"t": "---\nrcu_read_lock\nrun 1ms\nrcu_read_unlock\n"})
    sim.run()
    h = sim.state_hash()
    sim.report()
    assert sim.state_hash() == h


def test_a_reader_held_past_the_stall_timeout_is_reported() -> None:
    """[rcu] stall_timeout = 3: rcu_jiffies_till_stall_check() = 3 * HZ =
    750 jiffies after the start at 0: "INFO: rcu_preempt detected stalls"
    at 3 s, naming CPU 0 (the reader's), level WARNING."""
    sim = make_sim(
        {"r": "---\nrcu_read_lock\nrun 5s\nrcu_read_unlock\n", "w": "---\nsynchronize_rcu\n"},
        cpus=2,
        extra="[rcu]\nstall_timeout = 3",
    )
    sim.run()
    log = sim.report()["log"]
    assert isinstance(log, list) and len(log) == 1
    (entry,) = log
    assert entry["time_ns"] == 750 * 4 * MS and entry["level"] == "WARNING"
    lines = str(entry["message"]).split("\n")
    assert lines[0] == "INFO: rcu_preempt detected stalls on CPUs/tasks:"
    assert lines[1].startswith("\t0-") and "t=750 jiffies, g=-1199" in lines[-1]
