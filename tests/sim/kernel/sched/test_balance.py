"""SMP load balancing and wakeup placement of the fair class (balance.py,
topology.py, fair.py's select_task_rq_fair()), Linux 6.18 at HZ=250.

Numbers used below: TICK_NSEC = 4 ms (jiffies = now // 4 ms). A domain's
balance_interval starts at its span weight in ms; get_sd_balance_interval()
is msecs_to_jiffies(interval) (rounded up) for an idle CPU, and
msecs_to_jiffies(interval * busy_factor 16) - 1 for a busy one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ktui.sim.kernel.sched.core import select_task_rq
from ktui.sim.kernel.sched.fair import select_task_rq_fair, wake_affine
from ktui.sim.kernel.sched.sched import WF_TTWU
from ktui.sim.kernel.sched.topology import SD_PREFER_SIBLING, SD_SHARE_CPUCAPACITY, SD_SHARE_LLC
from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import parse_scenario_text
from ktui.sim.validate import validate_machine
from tests.sim.helpers import make_sim

MS = 1_000_000
HOG = "--- loop {\nrun 5ms\n}"


def migrations(sim: Simulator) -> list[tuple[int, int, str, int, int]]:
    """(time, cpu, comm, orig_cpu, dest_cpu) of every sched_migrate_task so far."""
    out = []
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_migrate_task":
            f = ev.fields
            out.append((ev.time_ns, ev.cpu, str(f["comm"]), int(f["orig_cpu"]), int(f["dest_cpu"])))
    return out


def nr_migrations(sim: Simulator) -> dict[str, int]:
    return {t.comm: t.se.nr_migrations for t in sim.machine.tasks.values()}


def spread_sim(pinned: str = "") -> Simulator:
    """Four CPU hogs started on CPU 0 of a 4-CPU machine (one optionally pinned there)."""
    tasks = {}
    for name in "abcd":
        keys = "cpu = 0" + ("\naffinity = [0]" if name == pinned else "")
        tasks[name] = keys + "\n" + HOG
    return make_sim(tasks, cpus=4)


def test_topology_of_an_smt_machine() -> None:
    """[machine] smt = 2, cpus = 4: SMT (pairs, 110%) under MC (all, 117%),
    groups local first; PKG is degenerate (same span as MC) and removed."""
    text = '[machine]\ncpus = 4\nsmt = 2\n\n[[task]]\nname = "t"\nprogram = "run 1ms"'
    sim = Simulator(parse_scenario_text(text, "<t>"))
    topo = sim.machine.cfg.topology
    assert [lvl.name for lvl in topo.levels] == ["SMT", "MC"]
    smt, mc = topo.levels
    assert smt.flags & SD_SHARE_CPUCAPACITY and smt.flags & SD_SHARE_LLC
    assert (smt.imbalance_pct, mc.imbalance_pct) == (110, 117)
    assert (smt.cache_nice_tries, mc.cache_nice_tries) == (0, 1)
    assert (mc.min_interval, mc.max_interval, mc.busy_factor) == (4, 8, 16)
    assert smt.groups[1] == ((1,), (0,))
    assert mc.groups[2] == ((2, 3), (0, 1))
    assert mc.group_flags & SD_PREFER_SIBLING  # the SMT child's flags
    assert [sd.balance_interval for sd in sim.machine.rqs[3].sd] == [2, 4]


def test_one_cpu_machine_has_no_domains() -> None:
    """on_null_domain(): nothing to balance, the tick raises no softirq."""
    sim = make_sim({"a": HOG, "b": HOG})
    assert sim.machine.cfg.topology.levels == () and sim.machine.rqs[0].sd == []
    sim.run(until_ns=50 * MS)
    assert migrations(sim) == []


def test_four_tasks_on_cpu0_spread_at_the_first_tick() -> None:
    """A migration on imbalance. CPUs 1-3 are idle with their tick stopped, so
    the first tick of CPU 0 (t = 4 ms, jiffies 1) does it:

    * nohz_balancer_kick(): nohz.next_balance = 0 <= 1 and CPU 0 runs 4 >= 2
      tasks: kick_ilb() sets nohz.next_balance = 2 and IPIs find_new_ilb(),
      the first idle NOHZ CPU: CPU 1, which traces every move.
    * _nohz_idle_balance() from CPU 2 round to CPU 1; each rq->next_balance
      = 0 is due, and the MC domain (span 4) has balance_interval 4 ms =
      msecs_to_jiffies(4) = 1 jiffy: 0 + 1 <= 1, due.
    * CPU 2: group {0} is overloaded (4 tasks > 1 CPU); the groups are single
      CPUs, so calculate_imbalance() takes sibling_imbalance() = 4 - 0 = 4,
      halved: 2 tasks, from the tail of CPU 0's cfs_tasks (a runs; b, c
      never ran, not cache hot).
    * CPU 3: {0} and {2} are both overloaded with 2 tasks and equal avg_load;
      the first, {0}, stays busiest: (2 - 0) >> 1 = 1 task, d.
    * CPU 1: {2} is the only overloaded group: (2 - 0) >> 1 = 1, b again
      (the tail of CPU 2's list).
    """
    sim = spread_sim()
    sim.run(until_ns=100 * MS)
    t = 4 * MS
    assert migrations(sim) == [
        (t, 1, "b", 0, 2),
        (t, 1, "c", 0, 2),
        (t, 1, "d", 0, 3),
        (t, 1, "b", 2, 1),
    ]
    assert {t.comm: t.cpu for t in sim.machine.tasks.values()} == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert nr_migrations(sim) == {"a": 0, "b": 2, "c": 1, "d": 1}
    # The moves reset each balancing CPU's interval to min_interval (4 ms);
    # the later balanced passes of the busy CPUs double it up to max_interval.
    assert all(rq.sd[0].balance_interval == 8 for rq in sim.machine.rqs)


def test_a_busy_cpu_balances_every_busy_interval() -> None:
    """No CPU is idle (x is pinned to CPU 1), so only periodic balancing runs.

    The MC domain spans 2 CPUs: balance_interval 2 ms; busy, 2 * 16 = 32 ms
    = msecs_to_jiffies(32) = 8 jiffies, less 1: 7 jiffies = 28 ms. So the
    first balance is at the tick of jiffies 7, t = 28 ms. CPU 0 (3 tasks,
    overloaded) finds no busier group; CPU 1 (1 task, fully busy) pulls:
    migrate_load with avg loads 3072 (CPU 0) and 1024 (CPU 1) around the
    domain's 2048: imbalance min(3072 - 2048, 2048 - 1024) = 1024, one
    nice-0 task. CPU 0 switched a -> b at that tick just before (b is cache
    hot: it ran 0 ms ago), so the tail of its cfs_tasks is c, which last ran
    until 24 ms (4 ms > 0.5 ms: cold).
    """
    sim = make_sim({"a": "cpu = 0\n" + HOG, "b": "cpu = 0\n" + HOG, "c": "cpu = 0\n" + HOG,
                    "x": "affinity = [1]\n" + HOG}, cpus=2)  # fmt: skip
    sim.run(until_ns=27 * MS)
    assert migrations(sim) == []
    sim.run(until_ns=200 * MS)
    assert migrations(sim) == [(28 * MS, 1, "c", 0, 1)]
    rq0, rq1 = sim.machine.rqs
    # CPU 1 pulled at 28 ms: its interval went back to min_interval (2), then
    # balanced passes double it: 2 -> 4 at 28 + 28 = 56 ms, then max (4).
    assert rq1.sd[0].balance_interval == 4
    assert rq0.sd[0].balance_interval == 4


def test_a_pinned_task_never_moves() -> None:
    """b is affinity [0]: can_migrate_task() refuses it (LBF_SOME_PINNED) and
    moves it to the head of cfs_tasks, so at 4 ms CPU 2 takes c and d, and
    CPU 1 takes c from CPU 2. CPU 3 finds only a (running) and b (pinned) on
    CPU 0: nothing moves, a failure, and balance_interval stays at
    min_interval (1 jiffy). CPU 0 then switches to b; at its next tick
    (8 ms, jiffies 2 = nohz.next_balance) it kicks CPU 3, the one idle CPU,
    which takes a, queued since 4 ms (cold). b stays on CPU 0 for good."""
    sim = spread_sim(pinned="b")
    sim.run(until_ns=200 * MS)
    assert migrations(sim) == [
        (4 * MS, 1, "c", 0, 2),
        (4 * MS, 1, "d", 0, 2),
        (4 * MS, 1, "c", 2, 1),
        (8 * MS, 3, "a", 0, 3),
    ]
    placed = {t.comm: (t.cpu, t.se.nr_migrations) for t in sim.machine.tasks.values()}
    assert placed == {"a": (3, 1), "b": (0, 0), "c": (1, 2), "d": (2, 1)}


def test_newidle_pull_when_a_cpu_goes_idle() -> None:
    """s sleeps at 1 ms: CPU 1 goes idle and sched_balance_newidle() pulls b
    (queued on CPU 0, never ran: cold) before __schedule() picks again, so
    the move is traced by s on CPU 1 and the switch goes from s to b."""
    sim = make_sim(
        {"a": "cpu = 0\n" + HOG, "b": "cpu = 0\n" + HOG, "s": "cpu = 1\n--- run 1ms\nmsleep 20"},
        cpus=2,
    )
    sim.add_breakpoint("sched_switch prev_comm=s")
    assert sim.run() == "breakpoint"
    assert migrations(sim) == [(1 * MS, 1, "b", 0, 1)]
    mig = sim.event_at(sim.event - 1)
    assert mig.name == "sched_migrate_task" and mig.common_comm == "s"
    sw = sim.last_event()
    assert sw is not None and sw.fields["next_comm"] == "b" and sw.time_ns == 1 * MS


def _machine_with_hogs(text_machine: str, hogs: dict[str, int]) -> Simulator:
    """A machine whose CPUs run the given pinned hogs (name -> cpu), from 1 ms,
    and a task w that slept on CPU 0 at 0 ms; run to 2 ms."""
    parts = ['[scenario]\nname = "t"', text_machine]
    parts.append('[[task]]\nname = "w"\ncpu = 0\nprogram = "msleep 100"')
    for name, cpu in hogs.items():
        parts.append(
            f'[[task]]\nname = "{name}"\naffinity = [{cpu}]\nstart = "1ms"\n'
            'program = "loop {\\n run 5ms\\n}"'
        )
    sim = Simulator(parse_scenario_text("\n\n".join(parts), "<t>"))
    sim.run(until_ns=2 * MS)
    return sim


def test_select_idle_sibling_prefers_an_idle_core() -> None:
    """A task whose previous CPU 0 is busy wakes on an idle CPU of the LLC:
    the next one (CPU 1) without SMT; with smt = 2, CPU 1 is CPU 0's busy
    core's sibling, and select_idle_cpu() wants a whole idle core: CPU 2."""
    for smt, expect in ((1, 1), (2, 2)):
        sim = _machine_with_hogs(f"[machine]\ncpus = 4\nsmt = {smt}", {"h0": 0})
        m = sim.machine
        w = next(t for t in m.tasks.values() if t.comm == "w")
        m.cfg.this_cpu = 0  # woken from CPU 0 (prev): no wake_affine
        assert select_task_rq_fair(m, w, WF_TTWU) == expect


def test_wake_affine_weight_pulls_to_the_less_loaded_waker() -> None:
    """wake_affine_weight(): this_eff = (load(this) + task) * 100, prev_eff =
    load(prev) * (100 + (117 - 100) / 2) = load(prev) * 108 (capacities
    equal). Waker CPU 1 runs one nice-0 task: this_eff = 2048 * 100 = 204800.
    prev CPU 0 with two tasks: 2048 * 108 = 221184 > 204800: the waker's CPU;
    with one: 1024 * 108 = 110592: prev."""
    sim = _machine_with_hogs("[machine]\ncpus = 2", {"h0": 0, "h1": 0, "h2": 1})
    m = sim.machine
    w = next(t for t in m.tasks.values() if t.comm == "w")
    assert w.cpu == 0 and m.rqs[0].nr_running == 2 and m.rqs[1].nr_running == 1
    assert wake_affine(m, 117, w, 1, 0, False) == 1
    m.cfg.this_cpu = 1
    assert select_task_rq_fair(m, w, WF_TTWU) == 1
    sim = _machine_with_hogs("[machine]\ncpus = 2", {"h0": 0, "h2": 1})
    m = sim.machine
    w = next(t for t in m.tasks.values() if t.comm == "w")
    assert wake_affine(m, 117, w, 1, 0, False) == 0


def test_affinity_is_kept_by_wakeup_placement() -> None:
    """A wakee allowed only on CPU 0 wakes there even when CPU 1 is idle."""
    sim = _machine_with_hogs("[machine]\ncpus = 2", {"h0": 0})
    m = sim.machine
    w = next(t for t in m.tasks.values() if t.comm == "w")
    assert select_task_rq(m, w, WF_TTWU, 1) == 1  # allowed everywhere: idle CPU 1
    w.cpus_mask = (0,)
    assert select_task_rq(m, w, WF_TTWU, 1) == 0


def test_balancing_is_deterministic() -> None:
    """Same scenario, same state_hash; also under another PYTHONHASHSEED."""
    a, b = spread_sim(), spread_sim()
    a.run(until_ns=60 * MS)
    b.run(until_ns=60 * MS)
    assert a.state_hash() == b.state_hash()
    assert migrations(a) == migrations(b)
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run(
        [sys.executable, "-m", "ktui", "run", "balance-4cpu", "--until", "60ms", "--json"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    env["PYTHONHASHSEED"] = "7"
    out2 = subprocess.run(
        [sys.executable, "-m", "ktui", "run", "balance-4cpu", "--until", "60ms", "--json"],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    ra, rb = json.loads(out.stdout), json.loads(out2.stdout)
    assert ra["state_hash"] == rb["state_hash"] and ra["event"] == rb["event"]


def test_back_and_forward_across_a_migration() -> None:
    """Stepping back over the four moves and forward again gives the same
    states and events (the moves are replayed from the journal)."""
    sim = spread_sim()
    sim.add_breakpoint("sched_migrate_task")
    assert sim.run() == "breakpoint"
    first = sim.event  # the first of the four moves
    before = sim.state_hash()
    sim.back(1)
    prev = sim.state_hash()  # the tick of CPU 0, just before
    sim.step(6)  # the four moves and two switches to the pulled tasks
    after = sim.state_hash()
    lines = [sim.describe(i) for i in range(first, first + 6)]
    assert sum("sched_migrate_task" in line for line in lines) == 4
    sim.back(6)
    assert sim.event == first - 1 and sim.state_hash() == prev
    sim.step(1)
    assert sim.state_hash() == before
    sim.step(5)
    assert sim.state_hash() == after
    assert [sim.describe(i) for i in range(first, first + 6)] == lines


@pytest.mark.parametrize("kernel", ["5.15", "6.5", "6.6", "6.8", "6.12", "6.18"])
def test_invariants_hold_while_balancing(kernel: str) -> None:
    """validate_machine() after every event of a busy 4-CPU (2 cores x 2
    threads) run: hogs and sleepers of mixed nice, one pinned, balanced by
    every path (NOHZ idle, periodic, newidle, wakeups), on CFS and EEVDF.
    The moves happen, and the vruntimes stay near their rq's (renormalised
    on CFS, lag-placed on EEVDF)."""
    text = "\n\n".join(
        ['[scenario]\nname = "t"', f'[machine]\ncpus = 4\nsmt = 2\nkernel = "{kernel}"']
        + [
            f'[[task]]\nname = "h{i}"\ncpu = 0\nnice = {i % 3 * 5}\n'
            + ('affinity = [0]\n' if i == 0 else "")
            + 'program = "loop {\\n run 3ms\\n}"'
            for i in range(5)
        ]
        + [
            f'[[task]]\nname = "s{i}"\ncpu = {i}\nprogram = "repeat 30 {{\\n run 1ms\\n msleep {2 + i}\\n}}"'
            for i in range(3)
        ]
    )
    sim = Simulator(parse_scenario_text(text, "<t>"))
    m = sim.machine
    while sim.time_ns < 150 * MS and sim.step() == 1:
        validate_machine(m)
    moved = migrations(sim)
    assert len(moved) >= 4
    assert all(comm != "h0" for _t, _c, comm, _o, _d in moved)
    for rq in m.rqs:
        for pid in rq.cfs_tasks:
            se = m.tasks[pid].se
            assert abs(se.vruntime - rq.cfs.min_vruntime) < 1000 * MS


def test_the_movable_task_leaves_a_pinned_one_when_it_is_queued() -> None:
    """q and p (affinity [0]) share CPU 0; CPU 1 is idle. At the 4 ms tick q
    runs: the ILB (CPU 1) may not take p (pinned) nor q (running): a failed
    pass, nr_balance_failed 1, balance_interval back to min_interval (2 ms =
    1 jiffy). The tick then hands CPU 0 to p, so at 8 ms (jiffies 2, due
    again) q is queued, cold since 4 ms, and moves. (No active balancing is
    needed: the stopper would push a running q only after
    cache_nice_tries + 2 = 3 failures.)"""
    sim = make_sim({"q": "cpu = 0\n" + HOG, "p": "affinity = [0]\n" + HOG}, cpus=2)
    sim.run(until_ns=100 * MS)
    assert migrations(sim) == [(8 * MS, 1, "q", 0, 1)]
    assert nr_migrations(sim) == {"q": 1, "p": 0}


def test_active_balance_spreads_two_siblings_to_an_idle_core() -> None:
    """smt = 2: a and b run on the threads of core 0 (CPUs 0, 1); core 1
    (CPUs 2, 3) is idle. Every tick of CPU 0 kicks the ILB, CPU 2 (its LLC
    has two busy CPUs), and only CPU 2 balances the MC domain (the first idle
    CPU of its group {2, 3}). MC prefers siblings: sibling_imbalance() = 2 -
    0 = 2 > 1, so one task should move (migrate_task, 2 >> 1), but each CPU
    of core 0 runs its only task: nothing can be detached. The passes at
    jiffies 1, 2, 3 fail (balance_interval stays at min_interval, 1 jiffy);
    at jiffies 4 (16 ms) nr_balance_failed = 4 > cache_nice_tries + 2 = 3:
    need_active_balance(), and the stopper pushes CPU 0's running task a to
    CPU 2: a is preempted (R+), then moved."""
    text = (
        '[machine]\ncpus = 4\nsmt = 2\n\n[[task]]\nname = "a"\ncpu = 0\nprogram = "loop {\\n run 5ms\\n}"\n\n'
        '[[task]]\nname = "b"\ncpu = 1\nprogram = "loop {\\n run 5ms\\n}"\n'
    )
    sim = Simulator(parse_scenario_text(text, "<t>"))
    sim.run(until_ns=200 * MS)
    assert migrations(sim) == [(16 * MS, 0, "a", 0, 2)]
    i = next(i for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "sched_migrate_task")
    sw = sim.event_at(i - 1)
    assert sw.name == "sched_switch" and sw.fields["prev_comm"] == "a" and sw.fields["prev_state"] == "R+"
    assert sim.event_at(i + 1).fields["next_comm"] == "a" and sim.event_at(i + 1).cpu == 2
    assert sim.machine.rqs[2].sd[1].nr_balance_failed == 0  # reset by the push
