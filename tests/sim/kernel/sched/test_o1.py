"""The O(1) scheduler of Linux 2.6.22 (kernel/sched/o1.py, kernel/sched.c).

The numbers are the kernel's, with the arithmetic of its macros written out:
HZ=1000 unless a test says otherwise, so one jiffy is 1 ms.
"""

from __future__ import annotations

import pytest

from ktui.sim.errors import ScenarioError
from ktui.sim.include.linux.sched import SchedO1Entity, TaskStruct
from ktui.sim.kernel.sched import o1
from ktui.sim.kernel.sched.classes import for_each_class, task_sched_class
from ktui.sim.kernel.sched.o1 import (
    CURRENT_BONUS,
    DELTA,
    INTERACTIVE_DELTA,
    INTERACTIVE_SLEEP,
    MAX_BONUS,
    MAX_SLEEP_AVG,
    SLEEP_NONINTERACTIVE,
    STARVATION_LIMIT,
    TASK_INTERACTIVE,
    TIMESLICE_GRANULARITY,
    effective_prio,
    o1_sched_class,
    recalc_task_prio,
    static_prio_timeslice,
    task_timeslice,
)
from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import load_scenario, parse_scenario_text
from tests.sim.helpers import make_sim, switches_of

MS = 1_000_000


def o1_task(nice: int = 0, sleep_avg_ms: int = 0) -> TaskStruct:
    """A SCHED_NORMAL task with O(1) state, its prio as effective_prio() gives it."""
    p = TaskStruct(1, "t", (0,))
    p.static_prio = p.normal_prio = p.prio = 120 + nice
    p.o1 = SchedO1Entity()
    p.o1.sleep_avg = sleep_avg_ms * MS
    p.prio = effective_prio(p)
    return p


def o1_sim(tasks: dict[str, str], **kw: object) -> Simulator:
    return make_sim(tasks, kernel="2.6.22", hz=1000, **kw)  # type: ignore[arg-type]


switches = switches_of


# -- the macros ---------------------------------------------------------------
def test_static_timeslices_by_nice() -> None:
    """static_prio_timeslice(): SCALE_PRIO(x, prio) = max(x * (140 - prio) / 20, MIN_TIMESLICE),
    with x = 4 * DEF_TIMESLICE above nice 0 and DEF_TIMESLICE from nice 0."""
    assert static_prio_timeslice(100) == 4 * 100 * (140 - 100) // 20 == 800  # nice -20
    assert static_prio_timeslice(120) == 100 * (140 - 120) // 20 == 100  # nice 0
    assert static_prio_timeslice(139) == max(100 * (140 - 139) // 20, 5) == 5  # nice 19
    assert static_prio_timeslice(130) == 100 * (140 - 130) // 20 == 50  # nice 10
    assert static_prio_timeslice(110) == 4 * 100 * (140 - 110) // 20 == 600  # nice -10
    assert static_prio_timeslice(119) == 4 * 100 * (140 - 119) // 20 == 420  # nice -1
    # HZ=250: DEF_TIMESLICE is 25 jiffies, MIN_TIMESLICE max(5 * 250 / 1000, 1) = 1 jiffy,
    # so nice 19 gets max(25 * 1 / 20, 1) = 1 jiffy = 4 ms, not 5.
    assert static_prio_timeslice(120, hz=250) == 25
    assert static_prio_timeslice(139, hz=250) == 1
    assert task_timeslice(o1_task(-20)) == 800


def test_effective_prio_drops_by_the_bonus() -> None:
    """effective_prio(): static_prio - (CURRENT_BONUS - MAX_BONUS / 2), clamped to 100..139;
    CURRENT_BONUS = NS_TO_JIFFIES(sleep_avg) * MAX_BONUS / MAX_SLEEP_AVG."""
    assert MAX_BONUS == 40 * 25 // 100 == 10
    assert MAX_SLEEP_AVG() == 100 * MAX_BONUS == 1000  # jiffies: 1 s
    hog = o1_task(0, 0)
    assert CURRENT_BONUS(hog) == 0 and hog.prio == 120 - (0 - 5) == 125
    sleeper = o1_task(0, 700)
    assert CURRENT_BONUS(sleeper) == 700 * 10 // 1000 == 7
    assert sleeper.prio == 120 - (7 - 5) == 118 and sleeper.normal_prio == 118
    assert o1_task(0, 1000).prio == 120 - 5 == 115
    assert o1_task(-20, 1000).prio == 100  # 100 - 5 = 95, clamped to MAX_RT_PRIO
    assert o1_task(19, 0).prio == 139  # 139 + 5 = 144, clamped to MAX_PRIO - 1


def test_interactive_delta() -> None:
    """DELTA(p) = SCALE(nice + 20, 40, MAX_BONUS) - 20 * MAX_BONUS / 40 + INTERACTIVE_DELTA;
    TASK_INTERACTIVE(p) is prio <= static_prio - DELTA(p)."""
    assert INTERACTIVE_DELTA == 2
    assert DELTA(o1_task(-20)) == 0 * 10 // 40 - 5 + 2 == -3
    assert DELTA(o1_task(0)) == 20 * 10 // 40 - 5 + 2 == 2
    assert DELTA(o1_task(19)) == 39 * 10 // 40 - 5 + 2 == 6
    # nice 0 needs prio 118, a bonus of 7 (700 ms of sleep_avg)
    assert not TASK_INTERACTIVE(o1_task(0, 699)) and TASK_INTERACTIVE(o1_task(0, 700))
    # nice 19 never gets there: its best prio is 139 - 5 = 134 > 139 - 6
    assert not TASK_INTERACTIVE(o1_task(19, 1000))
    # nice -20 is interactive from a bonus of 2: 100 - (2 - 5) = 103 <= 100 + 3
    assert TASK_INTERACTIVE(o1_task(-20, 200)) and not TASK_INTERACTIVE(o1_task(-20, 199))
    # INTERACTIVE_SLEEP: MAX_SLEEP_AVG * (MAX_BONUS / 2 + DELTA + 1) / MAX_BONUS - 1 jiffies
    assert INTERACTIVE_SLEEP(o1_task(0)) == (1000 * (5 + 2 + 1) // 10 - 1) * MS == 799 * MS
    # TIMESLICE_GRANULARITY: GRANULARITY * (1 << ((MAX_BONUS - bonus ?: 1) - 1))
    assert TIMESLICE_GRANULARITY(o1_task(0, 700)) == 10 * (1 << (3 - 1)) == 40
    assert TIMESLICE_GRANULARITY(o1_task(0, 1000)) == 10 * (1 << (1 - 1)) == 10
    assert TIMESLICE_GRANULARITY(o1_task(0, 1000), ncpus=2) == 20


def test_recalc_task_prio_credits_sleep_up_to_the_ceiling() -> None:
    """recalc_task_prio(): sleep adds to sleep_avg; one sleep longer than
    INTERACTIVE_SLEEP only lifts it to that ceiling, non-interactively."""
    p = o1_task(0, 0)
    assert p.o1 is not None
    p.o1.timestamp = 0
    assert recalc_task_prio(p, 300 * MS) == 120 - (300 * 10 // 1000 - 5) == 122
    assert p.o1.sleep_avg == 300 * MS
    p.o1.sleep_avg, p.o1.timestamp = 0, 0
    assert recalc_task_prio(p, 5000 * MS) == 118  # ceiling 799 ms: bonus 7
    assert p.o1.sleep_avg == 799 * MS and p.o1.sleep_type == SLEEP_NONINTERACTIVE
    # an uninterruptible sleeper near the ceiling stops at it
    p.o1.sleep_avg, p.o1.timestamp = 790 * MS, 0
    recalc_task_prio(p, 20 * MS)
    assert p.o1.sleep_avg == 799 * MS


# -- the machine ----------------------------------------------------------------
def test_every_task_is_in_the_o1_class() -> None:
    """2.6.22 has no scheduling classes: the O(1) code schedules FIFO, RR and normal tasks."""
    sim = o1_sim(
        {
            "n": "--- run 1ms",
            "f": 'policy = "fifo"\nrt_priority = 5\n--- run 1ms',
            "r": 'policy = "rr"\nrt_priority = 5\n--- run 1ms',
        }
    )
    sim.step(10)
    m = sim.machine
    assert m.cfg.sched.classes and for_each_class(m.cfg.sched.classes)[0] is o1_sched_class
    assert {task_sched_class(t).name for t in m.tasks.values()} == {"o1"}
    assert [t["sched_class"] for t in sim.report()["tasks"]] == ["o1"] * 3  # type: ignore[index]


def test_two_hogs_alternate_every_100ms_through_the_expired_array() -> None:
    """Each nice 0 hog runs its 100 ms slice, expires (not interactive), and the
    array swap starts the next round."""
    sim = o1_sim({"a": "--- run 300ms", "b": "--- run 300ms"})
    sim.run()
    assert switches(sim)[:5] == [
        (0, "swapper/0", "a"),
        (100 * MS, "a", "b"),
        (200 * MS, "b", "a"),
        (300 * MS, "a", "b"),
        (400 * MS, "b", "a"),
    ]
    # the swaps: at 200, 400 and 600 ms, each time both have expired
    assert sim.machine.rqs[0].o1 is not None and sim.machine.rqs[0].o1.nr_array_switches == 3


def test_nice_timeslices_in_the_trace() -> None:
    """nice -20 runs 800 ms, nice 19 5 ms, round after round (both expire each time)."""
    sim = o1_sim({"big": "nice = -20\n--- run 1700ms", "small": "nice = 19\n--- run 20ms"})
    sim.run(until_ns=1700 * MS)
    got = [(t // MS, nxt) for t, _, nxt in switches(sim)][:5]
    assert got == [(0, "big"), (800, "small"), (805, "big"), (1605, "small"), (1610, "big")]


def test_sleeping_earns_the_interactivity_bonus() -> None:
    """A task that runs 1 ms and sleeps 50 ms in D state (msleep) climbs to the
    INTERACTIVE_SLEEP ceiling, 799 ms: bonus 7, prio 118, TASK_INTERACTIVE."""
    sim = o1_sim({"s": "--- repeat 40 {\nrun 1ms\nmsleep 50\n}"})
    sim.run(until_ns=1000 * MS)
    p = sim.machine.tasks[1]
    assert p.o1 is not None
    bonus = p.o1.sleep_avg // MS * 10 // 1000
    assert p.prio == 120 - (bonus - 5)  # what effective_prio() gives
    sim.run()
    assert p.o1.sleep_avg <= 799 * MS and p.prio == 118 and TASK_INTERACTIVE(p)
    assert sim.report()["tasks"][0]["o1"]["interactive"] is True  # type: ignore[index]


def test_sched_yield_goes_to_the_expired_array() -> None:
    """sys_sched_yield(): y leaves the active array, so h runs its whole 100 ms
    slice before the swap brings y back (at 10 + 100 ms)."""
    sim = o1_sim({"y": "--- run 10ms\nsched_yield\nrun 10ms", "h": "--- run 300ms"})
    sim.run(until_ns=50 * MS)
    m = sim.machine
    rq = m.rqs[0].o1
    assert rq is not None and m.tasks[1].o1 is not None
    assert m.tasks[1].o1.array == rq.active ^ 1  # y: expired
    sim.run()
    assert switches(sim)[1:3] == [(10 * MS, "y", "h"), (110 * MS, "h", "y")]


def test_rr_round_robins_and_fifo_is_never_sliced_in_the_same_arrays() -> None:
    """RT tasks sit in the same 140 lists at MAX_RT_PRIO-1 - rt_priority: two RR
    tasks alternate every task_timeslice() = 100 ms; the normal task waits."""
    sim = o1_sim(
        {
            "r1": 'policy = "rr"\nrt_priority = 10\n--- run 250ms',
            "r2": 'policy = "rr"\nrt_priority = 10\n--- run 250ms',
            "n": "--- run 10ms",
        }
    )
    sim.run(until_ns=50 * MS)
    rq = sim.machine.rqs[0].o1
    assert rq is not None and rq.arrays[rq.active].queue[99 - 10] == [1, 2]
    assert rq.arrays[rq.active].queue[125] == [3]
    sim.run()
    got = [(t // MS, nxt) for t, _, nxt in switches(sim)]
    assert got[:6] == [(0, "r1"), (100, "r2"), (200, "r1"), (300, "r2"), (400, "r1"), (450, "r2")]
    assert got[6] == (500, "n")  # only once both are done
    fifo = o1_sim({"f": 'policy = "fifo"\nrt_priority = 1\n--- run 900ms', "n": "--- run 10ms"})
    fifo.run()
    assert [(t // MS, nxt) for t, _, nxt in switches(fifo)][:2] == [(0, "f"), (900, "n")]
    assert o1_sched_class.get_rr_interval(fifo.machine, fifo.machine.rqs[0], fifo.machine.tasks[1]) == 0
    r = sim.machine.tasks[1]
    assert o1_sched_class.get_rr_interval(sim.machine, sim.machine.rqs[0], r) == 100 * MS


def test_expired_starving_forces_the_array_swap() -> None:
    """task_running_tick(): an interactive task whose slice runs out goes back to
    the active array, until expired_starving(): jiffies - expired_timestamp >
    STARVATION_LIMIT * nr_running (1000 jiffies a task). Then it expires like
    any other, the active array empties and schedule() swaps the arrays."""
    sim = o1_sim({"i": "--- run 5s", "hog": "--- run 5s"})
    sim.run(until_ns=50 * MS)
    m = sim.machine
    rq = m.rqs[0]
    o1rq = rq.o1
    i, hog = m.tasks[1], m.tasks[2]
    assert o1rq is not None and i.o1 is not None and hog.o1 is not None and rq.curr == 1
    # the hog has expired at jiffy 10; i has slept enough to be interactive
    o1.dequeue_task(hog, o1rq)
    o1.enqueue_task(hog, o1rq, o1rq.active ^ 1)
    o1rq.expired_timestamp, o1rq.best_expired_prio = 10, hog.static_prio
    o1.dequeue_task(i, o1rq)
    i.o1.sleep_avg = 799 * MS
    i.prio = effective_prio(i)
    o1.enqueue_task(i, o1rq, o1rq.active)
    assert i.prio == 118 and TASK_INTERACTIVE(i) and rq.nr_running == 2
    limit = STARVATION_LIMIT() * rq.nr_running
    assert limit == 1000 * 2
    m.jiffies = 10 + limit  # not starving yet: i stays active, with a new slice
    i.o1.time_slice = 1
    o1.task_running_tick(m, rq, i)
    assert i.o1.array == o1rq.active and i.o1.time_slice == 100 and rq.need_resched
    assert not o1.expired_starving(m, rq)
    m.jiffies = 10 + limit + 1  # starving: i joins the hog in the expired array
    assert o1.EXPIRED_STARVING(m, rq)
    i.o1.time_slice = 1
    o1.task_running_tick(m, rq, i)
    assert i.o1.array == o1rq.active ^ 1
    switches_before = o1rq.nr_array_switches
    o1.schedule_pick(m, rq, i)
    assert o1rq.nr_array_switches == switches_before + 1
    assert hog.o1.array == o1rq.active and o1rq.expired_timestamp == 0
    assert o1rq.best_expired_prio == 140
    # a better static_prio in the expired array is starving at once
    o1rq.best_expired_prio = 110
    assert o1.expired_starving(m, rq)


def test_an_interactive_task_stays_on_the_active_array() -> None:
    """After a long sleep (sleep_avg at the 799 ms ceiling: prio 118) the
    task's expired slices go back to the active array while the hog expires."""
    sim = o1_sim({"hog": "--- run 3s", "i": "--- msleep 1000\nrepeat 100 {\nrun 20ms\nmsleep 5\n}"})
    sim.add_breakpoint("task i timeslice <= 1ms")
    assert sim.run(until_ns=2500 * MS) == "breakpoint"
    i = sim.machine.tasks[2]
    o1rq = sim.machine.rqs[0].o1
    assert i.o1 is not None and o1rq is not None and TASK_INTERACTIVE(i)
    sim.add_breakpoint("task i timeslice >= 100ms")  # the tick that ends the slice
    assert sim.run(until_ns=2500 * MS) == "breakpoint"
    assert i.o1.time_slice == 100 and i.o1.array == o1rq.active
    hog = sim.machine.tasks[1]
    assert hog.o1 is not None and not TASK_INTERACTIVE(hog)
    assert i.prio == 118


def test_interactive_tasks_round_robin_every_timeslice_granularity() -> None:
    """Two CPU-bound tasks at prio 118 (bonus 7 after a long sleep): the runner is
    requeued every TIMESLICE_GRANULARITY = 10 * (1 << (10 - 7 - 1)) = 40 jiffies
    while at least that much of its slice is left, so of each 100 ms slice
    it runs 40 ms, then the remaining 60 ms (at 80 ms only 20 are left)."""
    sim = o1_sim({"i1": "--- msleep 1000\nrun 300ms", "i2": "--- msleep 1000\nrun 300ms"})
    sim.run()
    times = [t // MS for t, prev, _ in switches(sim) if prev != "swapper/0"][2:9]
    runs = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert runs == [40, 60, 60, 40, 40, 60]


def test_fork_splits_the_parents_timeslice() -> None:
    """sched_fork(): the child gets (parent + 1) >> 1, the parent keeps the rest;
    wake_up_new_task() leaves the child CHILD_PENALTY (95%) of its bonus."""
    sim = o1_sim({"a": "--- run 10ms"})
    sim.step(3)
    m = sim.machine
    parent = m.tasks[1]
    child = o1_task(0, 0)
    child.pid = 99
    assert parent.o1 is not None and child.o1 is not None
    parent.o1.time_slice = 37
    parent.o1.sleep_avg = 750 * MS
    o1.sched_fork(m, child, parent)
    assert (child.o1.time_slice, parent.o1.time_slice) == ((37 + 1) >> 1, 37 >> 1) == (19, 18)
    assert child.o1.sleep_avg == 750 * MS  # copied by dup_task_struct()
    # PARENT_PENALTY 100: sleep_avg rounded down to the bonus step, 7 * 100 ms
    assert parent.o1.sleep_avg == 7 * 100 // 100 * 1000 // 10 * MS
    child.o1.sleep_avg = 750 * MS
    m.tasks[99] = child
    o1.wake_up_new_task(m, child, m.rqs[0])
    assert child.o1.sleep_avg == 7 * 95 // 100 * 1000 // 10 * MS == 600 * MS
    assert child.prio == 120 - (6 - 5)


def test_a_scenario_task_starts_with_a_full_slice() -> None:
    """A child of the idle task (whose slice is not modelled) gets task_timeslice()."""
    sim = o1_sim({"a": "nice = -20\n--- run 10ms"})
    sim.step(1)
    t = sim.machine.tasks[1]
    assert t.o1 is not None and t.o1.time_slice == 800 and t.o1.first_time_slice == 1


# -- determinism and time travel ----------------------------------------------
def test_deterministic_and_reversible_across_an_array_swap() -> None:
    """Two runs give the same state hash; going back before the swap and forward
    again gives the same state at every position."""
    build = lambda: o1_sim({"a": "--- run 300ms", "b": "--- run 300ms\nmsleep 5\nrun 5ms"})  # noqa: E731
    s1, s2 = build(), build()
    s1.run()
    s2.run()
    assert s1.state_hash() == s2.state_hash() and s1.event == s2.event
    sim = build()
    sim.add_breakpoint("sched_switch prev_comm=a next_comm=b")
    assert sim.run() == "breakpoint"
    rq = sim.machine.rqs[0].o1
    assert rq is not None
    before_swap = sim.event
    sim.step(5)
    after = (sim.event, sim.state_hash(), rq.nr_array_switches)
    sim.goto(before_swap)
    assert sim.machine.rqs[0].o1 is not None
    sim.goto(after[0])
    rq = sim.machine.rqs[0].o1
    assert rq is not None and (sim.event, sim.state_hash(), rq.nr_array_switches) == after


# -- scenarios and the loader -------------------------------------------------
def _wakeup_latencies(name: str) -> list[tuple[int, int]]:
    """(prio at wakeup, ns from sched_wakeup to the switch to shell), per wakeup."""
    sim = Simulator(load_scenario(name))
    sim.run()
    out = []
    woke: tuple[int, int] | None = None
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_wakeup" and ev.fields["comm"] == "shell":
            woke = (int(ev.fields["prio"]), ev.time_ns)
        elif ev.name == "sched_switch" and ev.fields["next_comm"] == "shell" and woke:
            out.append((woke[0], ev.time_ns - woke[1]))
            woke = None
    return out


def test_o1_vs_cfs_wakeup_latency() -> None:
    """The same workload: under O(1) shell waits behind the hogs' 100 ms slices
    until sleep_avg lifts it above their prio 125; CFS lets it in at once."""
    o1_lat = _wakeup_latencies("o1-interactive")
    cfs_lat = _wakeup_latencies("cfs-interactive")
    assert len(o1_lat) == len(cfs_lat) == 100
    waiting = [lat for prio, lat in o1_lat if prio >= 125]
    boosted = [lat for prio, lat in o1_lat if prio < 125]
    assert waiting and min(waiting) > 100 * MS  # a whole hog timeslice and more
    assert boosted and max(boosted) == 0  # TASK_PREEMPTS_CURR: prio < 125
    assert max(lat for _, lat in cfs_lat) < 1 * MS  # sysctl_sched_wakeup_granularity
    assert sum(lat for _, lat in o1_lat) > sum(lat for _, lat in cfs_lat)


def _scenario(machine: str, task: str = "") -> str:
    return (
        '[scenario]\nname = "x"\n[machine]\n'
        + machine
        + '\n[[task]]\nname = "t"\nprogram = "run 1ms"\n'
        + task
    )


@pytest.mark.parametrize("kernel", ["2.6.0", "2.6.16", "2.6.22", "5.15", "6.6", "6.18"])
def test_kernel_versions_load(kernel: str) -> None:
    sc = parse_scenario_text(_scenario(f'kernel = "{kernel}"'), "x.toml")
    assert sc.machine.kernel == kernel


@pytest.mark.parametrize(
    ("kernel", "policy", "why"),
    [
        ("2.6.22", "deadline", "SCHED_DEADLINE came in 3.14"),
        ("2.6.22", "idle", "SCHED_IDLE came with CFS in 2.6.23"),
        ("2.6.15", "batch", "SCHED_BATCH came in 2.6.16"),
    ],
)
def test_policies_the_kernel_did_not_have_are_refused(kernel: str, policy: str, why: str) -> None:
    extra = f'policy = "{policy}"\n'
    if policy == "deadline":
        extra += 'runtime = "1ms"\ndeadline = "10ms"\n'
    with pytest.raises(ScenarioError, match=why):
        parse_scenario_text(_scenario(f'kernel = "{kernel}"', extra), "x.toml")


def test_batch_starts_in_the_expired_array() -> None:
    """__activate_task(): batch_task() goes to rq->expired; it never earns sleep_avg."""
    sim = make_sim(
        {"b": 'policy = "batch"\n--- msleep 100\nrun 10ms', "n": "--- run 500ms"},
        kernel="2.6.16",
        hz=1000,
    )
    sim.run(until_ns=150 * MS)
    rq = sim.machine.rqs[0].o1
    b = sim.machine.tasks[1]
    assert rq is not None and b.o1 is not None
    assert b.o1.array == rq.active ^ 1 and b.o1.sleep_avg == 0 and b.prio == 125


def test_set_user_nice_and_sched_setscheduler_move_the_task_between_lists() -> None:
    """set_user_nice() (2.6.22): a queued task goes to the list of its new
    effective_prio() in the same array; sched_setscheduler() to SCHED_FIFO puts
    it at MAX_RT_PRIO-1 - rt_priority, on the active array."""
    from ktui.sim.include.uapi.linux.sched.types import SchedAttr
    from ktui.sim.kernel.sched.syscalls import sched_setattr, set_user_nice

    sim = o1_sim({"a": "--- run 500ms", "b": "--- run 500ms"})
    sim.run(until_ns=10 * MS)
    m = sim.machine
    o1rq = m.rqs[0].o1
    b = m.tasks[2]
    assert o1rq is not None and b.o1 is not None and o1rq.arrays[o1rq.active].queue[125] == [1, 2]
    set_user_nice(m, b, 10)
    assert b.prio == 130 + 5 and o1rq.arrays[o1rq.active].queue[135] == [2]
    assert o1rq.arrays[o1rq.active].queue[125] == [1]
    assert task_timeslice(b) == 100 * (140 - 130) // 20 == 50
    set_user_nice(m, b, -5)  # a better prio than the running a: reschedule
    assert b.prio == 115 + 5 and m.rqs[0].need_resched
    assert sched_setattr(m, b, SchedAttr(sched_policy=1, sched_priority=10)) == 0
    assert b.prio == 99 - 10 and o1rq.arrays[o1rq.active].queue[89] == [2]
    assert b.o1.array == o1rq.active and task_sched_class(b) is o1_sched_class
