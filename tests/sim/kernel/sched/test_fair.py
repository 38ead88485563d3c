"""Tests for ktui/sim/kernel/sched/fair.py: the kernel's numbers, by version.

A tiny fake machine stands in for ktui.sim.machine.Machine (fair.FairMachine).
Expected values are worked out here with the kernel's formulas, not taken from
the module under test.
"""

from __future__ import annotations

import pytest

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import SchedPolicy, TaskStruct
from ktui.sim.include.linux.sched.prio import NICE_TO_PRIO
from ktui.sim.kernel.sched import debug, fair
from ktui.sim.kernel.sched.features import sched_config
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_SLEEP,
    ENQUEUE_DELAYED,
    ENQUEUE_INITIAL,
    ENQUEUE_WAKEUP,
    Rq,
)

MS = 1_000_000
TICK = 4 * MS  # HZ=250


class FakeConfig:
    """``Machine.cfg``'s fair part: the level and tunables chosen at boot."""

    def __init__(self, kver: tuple[int, int], ncpus: int, hz: int) -> None:
        self.sched = sched_config(kver, ncpus, hz)


class FakeMachine:
    """The attributes fair.FairMachine asks for, and nothing else."""

    def __init__(
        self, kver: tuple[int, int] = (6, 18), ncpus: int = 1, hz: int = 250
    ) -> None:
        self.now = 0
        self.kver = kver
        self.ncpus = ncpus
        self.hz = hz
        self.tasks: dict[int, TaskStruct] = {}
        self.rqs = [Rq(cpu) for cpu in range(ncpus)]
        self.cfg = FakeConfig(kver, ncpus, hz)
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq


def new_task(
    m: FakeMachine,
    pid: int,
    nice: int = 0,
    policy: SchedPolicy = SchedPolicy.SCHED_NORMAL,
) -> TaskStruct:
    """sched_fork() + wake_up_new_task() on CPU 0."""
    task = TaskStruct(pid, f"t{pid}", (0,))
    task.policy = int(policy)
    task.static_prio = task.normal_prio = task.prio = NICE_TO_PRIO(nice)
    fair.set_load_weight(task)
    m.tasks[pid] = task
    rq = m.rqs[0]
    rq.clock = rq.clock_task = m.now
    fair.task_fork_fair(m, task)
    fair.enqueue_task_fair(m, rq, task, ENQUEUE_INITIAL)
    task.on_rq = 1
    return task


def clock(m: FakeMachine, t: int) -> Rq:
    m.now = t
    rq = m.rqs[0]
    rq.clock = rq.clock_task = t
    return rq


def schedule(m: FakeMachine, rq: Rq) -> None:
    """__schedule() as the lead's core does it: put_prev, then pick."""
    if rq.curr:
        fair.put_prev_task_fair(m, rq, m.tasks[rq.curr])
    nxt = fair.pick_next_task_fair(m, rq)
    rq.curr = nxt.pid if nxt is not None else 0
    rq.need_resched = False


def run_cpu_bound(m: FakeMachine, duration: int) -> None:
    """Tick every 4 ms; reschedule when the tick asks for it."""
    rq = m.rqs[0]
    schedule(m, rq)
    t = m.now
    end = m.now + duration
    while t < end:
        t += TICK
        clock(m, t)
        fair.task_tick_fair(m, rq, m.tasks[rq.curr])
        debug.validate_cfs_rq(m, rq)
        if rq.need_resched:
            schedule(m, rq)
    fair.update_curr_fair(m, rq)


# -- arithmetic ---------------------------------------------------------------


def test_calc_delta_fair_nice5_is_the_kernels_fixed_point() -> None:
    """4 ms at nice 5: fact = 1024*12820798 is 34 bits, so shift 32-2 and fact >> 2."""
    task = TaskStruct(1, "t", (0,))
    task.static_prio = NICE_TO_PRIO(5)
    fair.set_load_weight(task)
    assert task.se.load_weight == 335 << 10 and task.se.inv_weight == 12820798
    fact = 1024 * 12820798
    assert fact >> 32 == 3  # fls(3) == 2
    expected = (4 * MS * (fact >> 2)) >> 30
    assert fair.calc_delta_fair(4 * MS, task.se) == expected == 12226865
    # the kernel's fixed point is not the exact quotient, and we model it
    d = 123456789
    assert fair.calc_delta_fair(d, task.se) == (d * (fact >> 2)) >> 30 == 377372396
    assert d * 1024 // 335 == 377372393
    # nice 0 is the identity (calc_delta_fair() skips __calc_delta())
    task.static_prio = NICE_TO_PRIO(0)
    task.se.load_weight = 0
    fair.set_load_weight(task)
    assert fair.calc_delta_fair(d, task.se) == d


def test_sched_idle_gets_weight_idleprio() -> None:
    task = TaskStruct(1, "t", (0,))
    task.policy = int(SchedPolicy.SCHED_IDLE)
    fair.set_load_weight(task)
    assert (task.se.load_weight, task.se.inv_weight) == (3 << 10, 1431655765)


@pytest.mark.parametrize(
    ("kver", "ncpus", "expected"),
    [
        ((6, 6), 2, 750_000 * (1 + 1)),
        ((6, 14), 2, 750_000 * (1 + 1)),
        ((6, 15), 2, 700_000 * (1 + 1)),  # "Reduce the default slice"
        ((6, 18), 2, 700_000 * (1 + 1)),
        ((6, 18), 4, 700_000 * (1 + 2)),
        ((6, 18), 64, 700_000 * (1 + 3)),  # min(ncpus, 8)
        ((6, 1), 2, 750_000 * (1 + 1)),  # CFS: sysctl_sched_min_granularity
    ],
)
def test_base_slice_scaling(kver: tuple[int, int], ncpus: int, expected: int) -> None:
    assert FakeMachine(kver, ncpus).cfg.sched.base_slice == expected


def test_cfs_latency_scaling() -> None:
    assert FakeMachine((6, 1), 4).cfg.sched.latency == 6 * MS * (1 + 2)


# -- long-run shares -------------------------------------------------------------


@pytest.mark.parametrize("kver", [(6, 1), (6, 6), (6, 8), (6, 12), (6, 18), (6, 19)])
def test_cpu_bound_shares_follow_weights(kver: tuple[int, int]) -> None:
    """Nice 0/5/10 for 10 s: runtimes 1024:335:110 within 4 ms per second."""
    m = FakeMachine(kver)
    tasks = [new_task(m, 1, 0), new_task(m, 2, 5), new_task(m, 3, 10)]
    run_cpu_bound(m, 10_000 * MS)
    total = sum(t.se.sum_exec_runtime for t in tasks)
    assert total == 10_000 * MS
    for task, weight in zip(tasks, (1024, 335, 110), strict=True):
        expected = total * weight // (1024 + 335 + 110)
        assert abs(task.se.sum_exec_runtime - expected) <= 10 * 4 * MS, (
            task.pid,
            task.se.sum_exec_runtime,
            expected,
        )


# -- EEVDF placement and eligibility --------------------------------------------


def test_wakeup_places_at_avg_vruntime_minus_scaled_lag() -> None:
    """place_entity(): vruntime = V - vlag*(W + w)/W, W including curr."""
    m = FakeMachine((6, 18))
    a, b = new_task(m, 1), new_task(m, 2, 5)
    c = TaskStruct(3, "c", (0,))
    c.static_prio = NICE_TO_PRIO(-3)
    fair.set_load_weight(c)
    m.tasks[3] = c
    rq = clock(m, 0)
    schedule(m, rq)
    rq = clock(m, 3 * MS)
    fair.update_curr_fair(m, rq)
    c.se.vlag = 1_234_567  # saved positive lag: c is owed service
    cfs = rq.cfs
    curr = m.tasks[cfs.curr]
    v0 = cfs.min_vruntime
    avg = cfs.avg_vruntime + (curr.se.vruntime - v0) * (curr.se.load_weight >> 10)
    load = cfs.avg_load + (curr.se.load_weight >> 10)
    assert {curr.pid} | {t.pid for t in debug.for_each_cfs_entity(m, rq)} == {
        a.pid,
        b.pid,
    }
    V = v0 + (avg // load)  # floor, as avg_vruntime() rounds
    lag = 1_234_567 * (load + 1991)  # nice -3 weight 1991
    lag = lag // load  # positive: C division == floor
    fair.enqueue_task_fair(m, rq, c, ENQUEUE_WAKEUP)
    assert c.se.vruntime == V - lag
    assert c.se.deadline == c.se.vruntime + fair.calc_delta_fair(c.se.slice, c.se)
    assert c.se.vruntime < V and fair.entity_eligible(m, rq, c)
    debug.validate_cfs_rq(m, rq)


@pytest.mark.parametrize(("ncpus", "limit"), [(1, 4 * MS), (8, 2 * 700_000 * 4)])
def test_dequeue_lag_is_clamped(ncpus: int, limit: int) -> None:
    """update_entity_lag(): |vlag| <= calc_delta_fair(max(2*slice, TICK_NSEC)).

    One CPU: 2*0.7 ms < TICK_NSEC (HZ=250). Eight: 2*0.7 ms*(1+3) > 4 ms.
    """
    m = FakeMachine((6, 18), ncpus)
    a, _b = new_task(m, 1), new_task(m, 2)
    rq = clock(m, 0)
    schedule(m, rq)
    assert rq.curr == a.pid
    rq = clock(m, 50 * MS)  # a runs far past its share without a tick
    a.state = 1
    fair.dequeue_task_fair(m, rq, a, 0)  # not a sleep: a real dequeue even on 6.18
    assert a.se.vlag == -limit  # nice 0: calc_delta_fair() is the identity
    debug.validate_cfs_rq(m, rq)


@pytest.mark.parametrize("nice", [0, 5])
def test_fork_gets_half_a_slice(nice: int) -> None:
    """PLACE_DEADLINE_INITIAL: a new task's first deadline is half a (virtual) slice out."""
    m = FakeMachine((6, 18))
    task = new_task(m, 1, nice)
    assert task.se.slice == 700_000
    vslice = fair.calc_delta_fair(700_000, task.se)
    assert task.se.deadline - task.se.vruntime == vslice // 2


@pytest.mark.parametrize(
    ("kver", "key"), [((6, 6), "vruntime"), ((6, 7), "vruntime"), ((6, 8), "deadline")]
)
def test_tree_key_by_version(kver: tuple[int, int], key: str) -> None:
    m = FakeMachine(kver)
    for pid in (1, 2, 3):
        new_task(m, pid, nice=pid)
    for task in debug.for_each_cfs_entity(m, m.rqs[0]):
        assert task.se.run_key is not None
        assert task.se.run_key[0] == getattr(task.se, key)


# -- DELAY_DEQUEUE ---------------------------------------------------------------------


def _two_tasks_a_ran(
    kver: tuple[int, int],
) -> tuple[FakeMachine, Rq, TaskStruct, TaskStruct]:
    m = FakeMachine(kver)
    a, b = new_task(m, 1), new_task(m, 2)
    rq = clock(m, 0)
    schedule(m, rq)
    assert rq.curr == a.pid
    rq = clock(m, 3 * MS)
    fair.update_curr_fair(m, rq)
    assert not fair.entity_eligible(m, rq, a)  # a received more than its share
    return m, rq, a, b


def test_ineligible_sleeper_is_delayed_on_612() -> None:
    m, rq, a, b = _two_tasks_a_ran((6, 12))
    assert fair.dequeue_task_fair(m, rq, a, DEQUEUE_SLEEP) is False
    assert a.se.sched_delayed == 1 and a.se.on_rq == 1
    assert rq.cfs.nr_queued == 2 and rq.nr_running == 2 and rq.cfs.h_nr_runnable == 1
    fair.put_prev_task_fair(m, rq, a)
    assert a.se.run_key in rq.cfs.tasks_timeline  # still in the tree
    debug.validate_cfs_rq(m, rq)
    nxt = fair.pick_next_task_fair(m, rq)
    assert nxt is b
    rq.curr = b.pid
    # woken again before it was picked: requeue_delayed_entity()
    fair.enqueue_task_fair(m, rq, a, ENQUEUE_DELAYED)
    assert a.se.sched_delayed == 0 and rq.cfs.h_nr_runnable == 2 and rq.nr_running == 2
    debug.validate_cfs_rq(m, rq)


def test_no_delayed_dequeue_on_66() -> None:
    m, rq, a, _b = _two_tasks_a_ran((6, 6))
    assert fair.dequeue_task_fair(m, rq, a, DEQUEUE_SLEEP) is True
    assert a.se.sched_delayed == 0 and a.se.on_rq == 0
    assert rq.cfs.nr_queued == 1 and rq.nr_running == 1
    assert a.se.vlag < 0
    fair.put_prev_task_fair(m, rq, a)
    assert a.se.run_key is None
    debug.validate_cfs_rq(m, rq)


def test_picked_delayed_entities_are_dequeued_and_the_pick_retried() -> None:
    """Both sleep ineligible; picking them finishes the dequeues (DELAY_ZERO)."""
    m, rq, a, b = _two_tasks_a_ran((6, 18))
    assert not fair.dequeue_task_fair(m, rq, a, DEQUEUE_SLEEP)
    schedule(m, rq)
    assert rq.curr == b.pid
    rq = clock(m, 10 * MS)  # b runs past a: now b is the ineligible one
    fair.update_curr_fair(m, rq)
    assert fair.entity_eligible(m, rq, a) and not fair.entity_eligible(m, rq, b)
    assert not fair.dequeue_task_fair(m, rq, b, DEQUEUE_SLEEP)
    fair.put_prev_task_fair(m, rq, b)
    assert fair.pick_next_task_fair(m, rq) is None
    assert rq.nr_running == 0 and rq.cfs.nr_queued == 0 and not rq.cfs.tasks_timeline
    assert (a.on_rq, a.se.on_rq, a.se.sched_delayed) == (0, 0, 0)
    assert (b.on_rq, b.se.on_rq, b.se.sched_delayed) == (0, 0, 0)
    assert a.se.vlag == 0  # DELAY_ZERO: a had become eligible (positive lag)
    assert b.se.vlag == 0  # alone on the rq when picked: V is its own vruntime
    debug.validate_cfs_rq(m, rq)


# -- CFS ---------------------------------------------------------------------------------


def test_cfs_pick_is_leftmost_vruntime() -> None:
    m = FakeMachine((6, 1))
    rq = clock(m, 0)
    base = rq.cfs.min_vruntime
    for pid, rel in ((1, 5 * MS), (2, 1 * MS), (3, 3 * MS)):
        task = TaskStruct(pid, f"t{pid}", (0,))
        fair.set_load_weight(task)
        m.tasks[pid] = task
        task.se.vruntime = rel  # normalised, as a migrating task carries it
        fair.enqueue_task_fair(m, rq, task, 0)
    assert [t.pid for t in debug.for_each_cfs_entity(m, rq)] == [2, 3, 1]
    assert m.tasks[2].se.vruntime == base + 1 * MS
    nxt = fair.pick_next_task_fair(m, rq)
    assert nxt is not None and nxt.pid == 2 and rq.cfs.curr == 2
    debug.validate_cfs_rq(m, rq)


def test_cfs_tick_preempts_after_ideal_runtime() -> None:
    """Two nice-0 tasks, 1 CPU: sched_slice = 6 ms * 1024/2048 = 3 ms."""
    m = FakeMachine((6, 1))
    new_task(m, 1)
    new_task(m, 2)
    rq = clock(m, 0)
    schedule(m, rq)
    first = rq.curr
    rq = clock(m, 2 * MS)
    fair.task_tick_fair(m, rq, m.tasks[first])
    assert not rq.need_resched
    rq = clock(m, 3 * MS + 1)
    fair.task_tick_fair(m, rq, m.tasks[first])
    assert rq.need_resched


def test_cfs_sleeper_credit_is_half_latency() -> None:
    m = FakeMachine((6, 1))
    a, b = new_task(m, 1), new_task(m, 2)
    # START_DEBIT: a got a 6 ms vslice (alone), b a 3 ms one (two queued),
    # through __calc_delta() with the rq's inv_weight = 0xffffffff // load
    assert (a.se.vruntime, b.se.vruntime) == (
        (6 * MS * 1024 * (0xFFFFFFFF // 1024)) >> 32,
        (6 * MS * 1024 * (0xFFFFFFFF // 2048)) >> 32,
    )
    rq = clock(m, 0)
    schedule(m, rq)
    assert rq.curr == b.pid
    a, b = b, a
    fair.dequeue_task_fair(m, rq, b, DEQUEUE_SLEEP)
    b.se.vruntime = rq.cfs.min_vruntime - 100 * MS  # slept long ago
    rq = clock(m, 30 * MS)
    fair.update_curr_fair(m, rq)
    fair.enqueue_task_fair(m, rq, b, ENQUEUE_WAKEUP)
    assert b.se.vruntime == rq.cfs.min_vruntime - 6 * MS // 2
    debug.validate_cfs_rq(m, rq)


# -- invariants ----------------------------------------------------------------------------


def test_validate_catches_a_broken_avg_load() -> None:
    m = FakeMachine((6, 18))
    new_task(m, 1)
    new_task(m, 2)
    rq = m.rqs[0]
    debug.validate_cfs_rq(m, rq)
    rq.cfs.avg_load += 1
    with pytest.raises(SimInvariantError):
        debug.validate_cfs_rq(m, rq)


def test_validate_catches_curr_left_in_tree() -> None:
    m = FakeMachine((6, 6))
    a = new_task(m, 1)
    rq = m.rqs[0]
    rq.cfs.curr = a.pid
    with pytest.raises(SimInvariantError):
        debug.validate_cfs_rq(m, rq)


@pytest.mark.parametrize("kver", [(6, 12), (6, 18)])
def test_run_to_parity_keeps_an_ineligible_curr_until_its_deadline(
    kver: tuple[int, int],
) -> None:
    """RUN_TO_PARITY: vlag == deadline (6.12) or vprot (6.17+) protects curr."""
    m = FakeMachine(kver)
    a, b = new_task(m, 1), new_task(m, 2)
    rq = clock(m, 0)
    schedule(m, rq)
    assert rq.curr == a.pid  # equal deadlines: leftmost (first inserted)
    half = 700_000 // 2 if kver >= (6, 15) else 750_000 // 2
    assert a.se.deadline == half
    rq = clock(m, half - 50_000)
    fair.task_tick_fair(m, rq, a)
    assert not fair.entity_eligible(m, rq, a)
    assert not rq.need_resched  # protected, though not eligible
    rq = clock(m, half)
    fair.task_tick_fair(m, rq, a)
    assert rq.need_resched  # the request is used up
    schedule(m, rq)
    assert rq.curr == b.pid
