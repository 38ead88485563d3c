"""The deadline class (kernel/sched/deadline.c): EDF, CBS throttling and
replenishment, the wakeup rules, admission control, deadline misses, the
fair server, and determinism/reversibility with deadline timers.

Times are in ms unless they say otherwise; HZ is 1000 where the tick
matters (the kernel enforces the budget at the tick, HRTICK_DL being off).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from ktui.sim.include.linux.sched import SchedDlEntity
from ktui.sim.include.uapi.asm_generic.errno_base import EAGAIN, EBUSY, EINVAL
from ktui.sim.include.uapi.linux.sched.types import SchedAttr
from ktui.sim.kernel.sched import deadline as dl
from ktui.sim.kernel.sched.rt import rt_sched_class
from ktui.sim.kernel.sched.sched import SchedClass
from ktui.sim.kernel.sched.syscalls import sched_setattr
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import make_sim

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

MS = 1_000_000
SCHED_DEADLINE = 6


def dl_task(runtime: str, deadline: str, period: str, program: str, extra: str = "") -> str:
    """A [[task]] body for make_sim: a SCHED_DEADLINE task."""
    keys = f'policy = "deadline"\nruntime = "{runtime}"\ndeadline = "{deadline}"\nperiod = "{period}"'
    return f"{keys}\n{extra}\n---\n{program}"


def events(sim: Simulator, *names: str) -> list[tuple[int, str, dict[str, object]]]:
    """(time_ns, name, fields) of the recorded events with these names."""
    out = []
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name in names:
            out.append((ev.time_ns, ev.name, dict(ev.fields)))
    return out


def switches_to(sim: Simulator) -> list[tuple[int, str]]:
    """(time, next_comm) of every sched_switch."""
    return [(t, str(f["next_comm"])) for t, _, f in events(sim, "sched_switch")]


# -- EDF ----------------------------------------------------------------------


def test_edf_runs_the_earliest_absolute_deadline_first() -> None:
    """Three tasks released together at t=0 with deadlines 30, 10, 20 ms run in
    deadline order (each job 2 ms, then it yields to its next period)."""
    job = "run 2ms\nsched_yield"
    sim = make_sim(
        {
            "late": dl_task("3ms", "30ms", "30ms", job),
            "early": dl_task("3ms", "10ms", "10ms", job),
            "mid": dl_task("3ms", "20ms", "20ms", job),
        },
        hz=1000,
    )
    sim.run(until_ns=7 * MS)
    runs = [(t // MS, c) for t, c in switches_to(sim) if c != "swapper/0"]
    # late starts on the idle CPU, then each earlier fork preempts: early
    # (deadline 10) runs 0-2, mid (20) 2-4, late (30) 4-6.
    assert runs[-3:] == [(0, "early"), (2, "mid"), (4, "late")]


def test_an_earlier_deadline_wakeup_preempts() -> None:
    """wakeup_preempt_dl(): a task whose new deadline is earlier preempts curr."""
    sim = make_sim(
        {
            "long": dl_task("20ms", "100ms", "100ms", "run 20ms"),
            "short": dl_task("2ms", "10ms", "10ms", "msleep 5\nrun 1ms"),
        },
        hz=1000,
    )
    sim.run()
    runs = [(t // MS, c) for t, c in switches_to(sim)]
    # short sleeps at 0: msleep(5) -> 5 jiffies, the wheel rounds up one:
    # it wakes at 6 ms with 2 ms over 4 ms left (> 2/10: a new instance),
    # deadline 6 + 10 = 16 < 100, and preempts long.
    assert (6, "short") in runs and (7, "long") in runs


# -- CBS throttling -------------------------------------------------------------


def test_cbs_throttles_an_overrunning_task_at_its_runtime_and_replenishes_next_period() -> None:
    """runtime 10 ms every 100 ms, a 25 ms job: it runs 0-10, is throttled at
    exactly 10 ms (the tick at HZ 1000 falls on it), replenished at the next
    period's start, deadline - dl_deadline + dl_period = 100 - 100 + 100 = 100
    ms, with deadline 200; runs 100-110, 200-205."""
    sim = make_sim({"d": dl_task("10ms", "100ms", "100ms", "run 25ms")}, hz=1000)
    sim.run()
    thr = [(t // MS, f["runtime"], f["deadline"]) for t, _, f in events(sim, "dl_throttle")]
    assert thr == [(10, 0, 100 * MS), (110, 0, 200 * MS)]
    rep = [(t // MS, f["runtime"], f["deadline"]) for t, _, f in events(sim, "dl_replenish")]
    assert rep == [(100, 10 * MS, 200 * MS), (200, 10 * MS, 300 * MS)]
    runs = [(t // MS, c) for t, c in switches_to(sim)]
    assert runs == [(0, "d"), (10, "swapper/0"), (100, "d"), (110, "swapper/0"), (200, "d"), (205, "swapper/0")]


def test_an_overrun_between_ticks_is_paid_back_at_replenishment() -> None:
    """At HZ 250 (4 ms ticks) a 10 ms budget is noticed at the 12 ms tick:
    runtime 10 - 12 = -2 ms. replenish_dl_entity() adds one dl_runtime:
    -2 + 10 = 8 ms, deadline 100 + 100 = 200 ms."""
    sim = make_sim({"d": dl_task("10ms", "100ms", "100ms", "run 25ms")}, hz=250)
    sim.run()
    thr = events(sim, "dl_throttle")[0]
    assert (thr[0], thr[2]["runtime"]) == (12 * MS, -2 * MS)
    over = events(sim, "dl_overrun")[0]
    assert over[2]["overrun"] == 2 * MS
    rep = events(sim, "dl_replenish")[0]
    assert (rep[0], rep[2]["runtime"], rep[2]["deadline"]) == (100 * MS, 8 * MS, 200 * MS)


def test_sched_yield_gives_up_the_rest_until_the_next_period() -> None:
    """yield_task_dl(): a job of 3 ms with 10 ms budget yields; replenished at
    its period (20 ms) with the full 10 ms and deadline 40 ms."""
    sim = make_sim({"y": dl_task("10ms", "20ms", "20ms", "run 3ms\nsched_yield\nrun 1ms")}, hz=1000)
    sim.run()
    thr = events(sim, "dl_throttle")[0]
    assert (thr[0], thr[2]["yielded"], thr[2]["runtime"]) == (3 * MS, 1, 7 * MS)
    rep = events(sim, "dl_replenish")[0]
    assert (rep[0], rep[2]["runtime"], rep[2]["deadline"]) == (20 * MS, 10 * MS, 40 * MS)
    assert not events(sim, "dl_deadline_miss")


# -- wakeup rules -------------------------------------------------------------


def _wake_at_8ms(deadline: str, period: str) -> Simulator:
    """runtime 10 ms; run 2 ms, msleep(5) (wakes at 2 + 5 + 1 = 8 ms: the
    wheel rounds up a jiffy), then run 10 ms."""
    sim = make_sim({"c": dl_task("10ms", deadline, period, "run 2ms\nmsleep 5\nrun 10ms")}, hz=1000)
    sim.run(until_ns=8 * MS + 1)
    return sim


def test_revised_wakeup_rule_for_a_constrained_deadline() -> None:
    """deadline 20 < period 100. Woken at 8 ms with 8 ms left and 12 ms to
    its deadline: 8/12 > 10/20 overflows (dl_entity_overflow()), and its
    deadline is ahead, so update_dl_revised_wakeup() keeps the deadline and
    trims the runtime to dl_density * laxity >> 20 = 524288 * 12 ms >> 20 =
    6 ms (dl_density = (10 ms << 20) / 20 ms = 524288). It is then
    throttled at 8 + 6 = 14 ms, until the next period 20 - 20 + 100 = 100,
    whose deadline is 20 + 100 = 120."""
    sim = _wake_at_8ms("20ms", "100ms")
    t = sim.machine.tasks[1]
    assert t.dl.dl_density == 524288
    assert (t.dl.runtime, t.dl.deadline) == (6 * MS, 20 * MS)
    sim.run()
    thr = events(sim, "dl_throttle")[0]
    assert (thr[0], thr[2]["runtime"]) == (14 * MS, 0)
    rep = events(sim, "dl_replenish")[0]
    assert (rep[0], rep[2]["deadline"]) == (100 * MS, 120 * MS)


def test_implicit_deadline_wakeup_starts_a_new_period() -> None:
    """deadline = period = 20: the same overflow gets the original CBS rule,
    a new instance: deadline 8 + 20 = 28 ms, full 10 ms runtime."""
    sim = _wake_at_8ms("20ms", "20ms")
    t = sim.machine.tasks[1]
    assert (t.dl.runtime, t.dl.deadline) == (10 * MS, 28 * MS)


def test_wakeup_without_overflow_keeps_deadline_and_runtime() -> None:
    """runtime 10 ms every 100 ms: at 8 ms 8 ms left over 92 ms to go is
    under 10/100, so the instance goes on unchanged."""
    sim = _wake_at_8ms("100ms", "100ms")
    t = sim.machine.tasks[1]
    assert (t.dl.runtime, t.dl.deadline) == (8 * MS, 100 * MS)


# -- admission control ----------------------------------------------------------


BW_5_OF_100 = (5 * MS << 20) // (100 * MS)  # to_ratio(100 ms, 5 ms) = 52428
LIMIT_PER_CPU = (950_000_000 << 20) // 1_000_000_000  # to_ratio(1 s, 0.95 s) = 996147
FAIR_SERVER_BW = (50 * MS << 20) // (1000 * MS)  # to_ratio(1 s, 50 ms) = 52428


@pytest.mark.parametrize(
    ("kernel", "cpus", "admitted"),
    [
        # 6.18, 1 CPU: (996147 - 52428) // 52428 = 18 (18 * 52428 = 943704 <= 943719)
        ("6.18", 1, 18),
        # 6.18, 2 CPUs: (2 * 996147 - 2 * 52428) // 52428 = 36
        ("6.18", 2, 36),
        # 6.6 has no fair server: 996147 // 52428 = 19 (996132 <= 996147)
        ("6.6", 1, 19),
    ],
)
def test_admission_accepts_up_to_the_limit_and_refuses_past_it(kernel: str, cpus: int, admitted: int) -> None:
    """sched_dl_overflow(): __dl_overflow() is bw * cpus < total_bw + new_bw."""
    server = FAIR_SERVER_BW * cpus if kernel == "6.18" else 0
    assert (LIMIT_PER_CPU * cpus - server) // BW_5_OF_100 == admitted
    n = admitted + 1
    tasks = {f"d{i}": dl_task("5ms", "100ms", "100ms", "run 1ms") for i in range(n)}
    sim = make_sim(tasks, cpus=cpus, kernel=kernel, hz=1000)
    sim.run(until_ns=0)
    m = sim.machine
    dl_pids = [p for p, t in m.tasks.items() if t.policy == SCHED_DEADLINE]
    assert len(dl_pids) == admitted
    assert m.tasks[n].policy == 0  # the last fork's sched_setattr got -EBUSY: still SCHED_NORMAL
    assert dl.dl_bw_of(m) == [LIMIT_PER_CPU, server + admitted * BW_5_OF_100]
    # one more is -EBUSY through sched_setattr() too
    attr = SchedAttr(sched_policy=SCHED_DEADLINE, sched_runtime=5 * MS, sched_deadline=100 * MS)
    assert sched_setattr(m, m.tasks[n], attr) == -EBUSY
    # ... and a smaller one that fits is admitted
    room = LIMIT_PER_CPU * cpus - dl.dl_bw_of(m)[1]
    small = SchedAttr(sched_policy=SCHED_DEADLINE, sched_runtime=1 * MS, sched_deadline=100 * MS)
    assert ((1 * MS << 20) // (100 * MS) <= room) == (sched_setattr(m, m.tasks[n], small) == 0)


def test_runtime_over_deadline_is_einval_through_sched_setscheduler() -> None:
    """__checkparam_dl(): runtime <= deadline <= period, else -EINVAL."""
    sim = make_sim({"t": "---\nrun 1ms"}, hz=1000)
    sim.run(until_ns=0)
    m = sim.machine
    bad = SchedAttr(sched_policy=SCHED_DEADLINE, sched_runtime=20 * MS, sched_deadline=10 * MS)
    assert sched_setattr(m, m.tasks[1], bad) == -EINVAL
    assert dl.dl_bw_of(m)[1] == FAIR_SERVER_BW  # nothing allocated


def test_deadline_tasks_cannot_fork() -> None:
    """sched_fork(): -EAGAIN for a dl_prio() parent."""
    sim = make_sim({"d": dl_task("1ms", "10ms", "10ms", "run 1ms"), "n": "---\nrun 1ms"}, hz=1000)
    sim.run(until_ns=0)
    assert dl.sched_fork_check(sim.machine.tasks[1]) == -EAGAIN
    assert dl.sched_fork_check(sim.machine.tasks[2]) == 0


def test_exit_releases_the_bandwidth_at_the_zero_lag_time() -> None:
    """task_non_contending() on exit: 0-lag = deadline - runtime * period /
    dl_runtime = 100 - 5 * 100 / 10 = 50 ms; until then running_bw and
    total_bw keep the task's 104857, the inactive timer releases both (seen
    at the next event, bg's wakeup at 112 ms)."""
    bw = (10 * MS << 20) // (100 * MS)
    sim = make_sim(
        {"d": dl_task("10ms", "100ms", "100ms", "run 5ms"), "bg": "start = \"1ms\"\n---\nmsleep 100"},
        hz=1000,
    )
    sim.run(until_ns=6 * MS)
    m = sim.machine
    assert m.tasks[1].exit_state and m.tasks[1].dl.dl_non_contending
    assert m.tasks[1].dl.inactive_at == 50 * MS
    assert dl.dl_bw_of(m)[1] == FAIR_SERVER_BW + bw
    assert m.rqs[0].dl.this_bw == FAIR_SERVER_BW + bw
    sim.run(until_ns=113 * MS)  # bg's msleep(100) from 5 ms: the wheel's level 1 rounds to 112
    m = sim.machine
    assert sim.time_ns > 50 * MS
    assert dl.dl_bw_of(m)[1] == FAIR_SERVER_BW
    assert m.rqs[0].dl.this_bw == FAIR_SERVER_BW


# -- deadline misses ------------------------------------------------------------


def test_a_job_finishing_after_its_deadline_is_a_miss() -> None:
    """6.6 (no fair server: limit 996147): a (5 ms, D 10, P 100) and b (9 ms,
    D = P = 10) are admitted (52428 + 943718 = 996146), but their density
    0.5 + 0.9 > 1. Both released at 0 with deadline 10: a's 4 ms job runs
    0-4, b's 8 ms job 4-12 and it yields at 12 ms, 2 ms late."""
    sim = make_sim(
        {
            "a": dl_task("5ms", "10ms", "100ms", "run 4ms\nsched_yield"),
            "b": dl_task("9ms", "10ms", "10ms", "run 8ms\nsched_yield"),
        },
        kernel="6.6",
        hz=1000,
    )
    sim.run()
    miss = [(t // MS, f["comm"], f["deadline"], f["lateness"]) for t, _, f in events(sim, "dl_deadline_miss")]
    assert miss == [(12, "b", 10 * MS, 2 * MS)]


def test_a_throttled_job_replenished_at_its_deadline_is_a_miss() -> None:
    """A 15 ms job with a 10 ms budget is not done by its deadline (100 ms)
    when it is replenished there: one miss, lateness 0; the rest of the job
    finishes within the new instance (deadline 200), so no second one."""
    sim = make_sim({"o": dl_task("10ms", "100ms", "100ms", "run 15ms\nsched_yield")}, hz=1000)
    sim.run()
    miss = [(t // MS, f["deadline"], f["lateness"]) for t, _, f in events(sim, "dl_deadline_miss")]
    assert miss == [(100, 100 * MS, 0)]


# -- the fair server -------------------------------------------------------------


def test_fair_server_defers_and_is_charged_with_fair_runtime() -> None:
    """6.18: sched_init_dl_servers() gives each CPU 50 ms / 1000 ms, deferred.
    Its period starts at boot: deadline 1000 ms. The idle time until a fair
    task is forked at 10 ms counts as the server's (dl_server_update_idle_time()):
    runtime 50 - 10 = 40 ms; 40/990 is under 50/1000, so the instance goes
    on (update_dl_entity()), throttled, its defer timer at deadline - runtime
    = 1000 - 40 = 960 ms. The task running on its own pays the server:
    at 50 ms the budget is gone, so the server is not needed this period: a
    new one, deadline 50 + 1000 = 1050, timer at 1050 - 50 = 1000 ms."""
    sim = make_sim({"f": 'start = "10ms"\n---\nrun 200ms'}, hz=1000)

    def server_at(ms: int | None) -> SchedDlEntity:
        sim.run(until_ns=None if ms is None else ms * MS)
        return sim.machine.rqs[0].fair_server  # (a run may restore the state: read it anew)

    fs = sim.machine.rqs[0].fair_server
    assert (fs.dl_server, fs.dl_defer, fs.dl_runtime, fs.dl_period) == (True, True, 50 * MS, 1000 * MS)
    fs = server_at(10)
    assert fs.dl_server_active and fs.dl_throttled and fs.dl_defer_armed
    assert (fs.deadline, fs.runtime, fs.timer_at) == (1000 * MS, 40 * MS, 960 * MS)
    fs = server_at(49)
    assert fs.runtime == 1 * MS and fs.timer_at == 960 * MS
    fs = server_at(50)
    assert (fs.deadline, fs.runtime, fs.timer_at) == (1050 * MS, 50 * MS, 1000 * MS)
    fs = server_at(None)
    assert not fs.dl_server_active and fs.timer_at == 0  # stopped with the last fair task


def test_no_fair_server_before_6_12() -> None:
    sim = make_sim({"f": "---\nrun 1ms"}, kernel="6.11", hz=1000)
    sim.run()
    assert not sim.machine.rqs[0].fair_server.dl_server
    assert dl.dl_bw_of(sim.machine)[1] == 0


RT_STUB = type(rt_sched_class).enqueue_task is SchedClass.enqueue_task


def _install_fifo_stand_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """While rt.py is a stub on this branch (the RT class is written in
    another worktree), a FIFO stand-in just good enough to hog a CPU: one
    queue per prio, no throttling. Once the RT class is merged, the test
    uses the real one."""
    cls = type(rt_sched_class)

    def enqueue(self: SchedClass, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
        rq.rt.queue[task.prio].append(task.pid)
        rq.nr_running += 1

    def dequeue(self: SchedClass, m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
        rq.rt.queue[task.prio].remove(task.pid)
        rq.nr_running -= 1
        return True

    def pick(self: SchedClass, m: Machine, rq: Rq) -> TaskStruct | None:
        return next((m.tasks[q[0]] for q in rq.rt.queue if q), None)

    def set_next(self: SchedClass, m: Machine, rq: Rq, task: TaskStruct | None, first: bool) -> None:
        if task is not None:
            task.se.exec_start = rq.clock_task

    for name, fn in (("enqueue_task", enqueue), ("dequeue_task", dequeue), ("pick_task", pick), ("set_next_task", set_next)):
        monkeypatch.setattr(cls, name, fn)


def test_fair_server_gives_fair_tasks_50ms_per_second_next_to_an_rt_hog(monkeypatch: pytest.MonkeyPatch) -> None:
    """6.18, 1 CPU: a FIFO hog and a fair task forked at 0. The server's
    period began at boot (deadline 1000 ms); its defer timer fires at
    deadline - runtime = 950 ms, the fair tasks still starve, so it runs
    (dl_defer_running). At 950 ms 50 ms left over 50 ms to go overflows its
    5% (dl_entity_overflow()): a new period, deadline 950 + 1000 = 1950. It
    serves f 950-1000, is throttled, and is replenished at its next period
    1950 - 1000 + 1000 = 1950 (deadline 2950) and, still serving starvation,
    runs at once: f gets 50 ms at the end of each period, 1950-2000."""
    if RT_STUB:
        _install_fifo_stand_in(monkeypatch)
    sim = make_sim(
        {"hog": 'policy = "fifo"\nrt_priority = 50\n---\nrun 3s', "f": "---\nrun 1s"},
        hz=1000,
    )
    sim.run(until_ns=2100 * MS)
    runs = [(t // MS, c) for t, c in switches_to(sim)]
    assert runs == [(0, "hog"), (950, "f"), (1000, "hog"), (1950, "f"), (2000, "hog")]
    fs = sim.machine.rqs[0].fair_server
    assert fs.dl_defer_running and (fs.deadline, fs.timer_at) == (2950 * MS, 2950 * MS)


# -- SMP ----------------------------------------------------------------------------


def test_a_forked_deadline_task_is_pushed_to_a_free_cpu() -> None:
    """push_dl_task(): two tasks forked on CPU 0; the second, with the later
    deadline, goes to CPU 1, which has no deadline task (cpudl free_cpus)."""
    sim = make_sim(
        {
            "a": dl_task("5ms", "10ms", "10ms", "run 4ms"),
            "b": dl_task("5ms", "20ms", "20ms", "run 4ms"),
        },
        cpus=2,
        hz=1000,
    )
    sim.run()
    mig = [(f["comm"], f["orig_cpu"], f["dest_cpu"]) for _, _, f in events(sim, "sched_migrate_task")]
    assert mig[0][0] in ("a", "b") and mig[0][1:] == (0, 1)
    ends = {str(f["prev_comm"]): t for t, _, f in events(sim, "sched_switch") if f["prev_state"] == "Z"}
    assert ends == {"a": 4 * MS, "b": 4 * MS}  # both ran at once


# -- breakpoint subjects, determinism, reversibility ------------------------------


def test_breakpoint_subjects_read_the_deadline_state() -> None:
    sim = make_sim({"d1": dl_task("10ms", "100ms", "100ms", "run 25ms")}, hz=1000)
    sim.add_breakpoint("task d1 dl_deadline_abs >= 200ms")
    sim.run()
    assert sim.time_ns == 100 * MS  # the replenishment: deadline 100 + 100
    m = sim.machine
    from ktui.sim.kernel.sched.subjects import CPU, TASK

    assert TASK.get(m, 1, "dl_runtime_left") == 10 * MS
    assert CPU.get(m, 0, "dl_nr_running") == 1
    assert CPU.get(m, 0, "running_bw") == (10 * MS << 20) // (100 * MS)  # the server is stopped


def _periodic() -> Simulator:
    return make_sim(
        {
            "p1": dl_task("3ms", "10ms", "10ms", "repeat 5 {\nrun 4ms\nsched_yield\n}"),
            "p2": dl_task("5ms", "25ms", "25ms", "repeat 3 {\nrun 5ms\nsched_yield\n}"),
            "f": "---\nrun 30ms",
        },
        cpus=2,
        hz=1000,
    )


def test_determinism_same_state_hash_twice() -> None:
    a, b = _periodic(), _periodic()
    a.run()
    b.run()
    assert a.recorded == b.recorded and a.state_hash() == b.state_hash()


def test_back_and_forward_across_a_replenishment() -> None:
    sim = _periodic()
    sim.run()
    reps = [i for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "dl_replenish"]
    assert reps
    k = reps[0]
    sim.goto(k - 1)
    before = sim.state_hash()
    sim.goto(k + 1)
    after = sim.state_hash()
    sim.back(2)
    assert sim.state_hash() == before
    sim.step(2)
    assert sim.state_hash() == after


# -- the built-in scenarios ---------------------------------------------------------


def test_builtin_deadline_admission_refuses_the_fourth_task() -> None:
    """52428 + 3 * 314572 = 996144 <= 996147; a fourth 314572 does not fit."""
    import ktui.sim

    sim = ktui.sim.load("deadline-admission")
    sim.run(until_ns=500 * MS)
    m = sim.machine
    policies = {t.comm: t.policy for t in m.tasks.values()}
    assert policies == {"ctl1": SCHED_DEADLINE, "ctl2": SCHED_DEADLINE, "ctl3": SCHED_DEADLINE, "ctl4": 0}
    assert dl.dl_bw_of(m) == [LIMIT_PER_CPU, FAIR_SERVER_BW + 3 * ((30 * MS << 20) // (100 * MS))]
    assert not events(sim, "dl_deadline_miss")
    # ctl4 runs as a fair task in the 25% the reservations leave
    assert m.tasks[4].se.sum_exec_runtime > 0


def test_builtin_deadline_miss_only_the_greedy_task_misses() -> None:
    import ktui.sim

    sim = ktui.sim.load("deadline-miss")
    assert sim.run() == "finished"
    misses = events(sim, "dl_deadline_miss")
    assert len(misses) == 10 and {f["comm"] for _, _, f in misses} == {"greedy"}
    assert all(f["lateness"] == 0 for _, _, f in misses)


def test_grub_bandwidth_stays_consistent_across_migrations() -> None:
    """With tasks pushed and pulled between 2 CPUs, the rqs' this_bw add up
    to the root domain's total_bw, running_bw <= this_bw on each, and each
    rq's extra_bw is max_bw - total_bw / cpus (__dl_update())."""
    sim = _periodic()
    for t in range(1, 30):
        sim.run(until_ns=t * 1_700_000)
        m = sim.machine
        total = dl.dl_bw_of(m)[1]
        assert sum(rq.dl.this_bw for rq in m.rqs) == total
        assert all(rq.dl.running_bw <= rq.dl.this_bw for rq in m.rqs)
        assert all(rq.dl.extra_bw == LIMIT_PER_CPU - total // 2 for rq in m.rqs)


def test_leaving_sched_deadline_releases_the_bandwidth_at_the_zero_lag_time() -> None:
    """switched_from_dl(): sched_setattr() back to SCHED_NORMAL at 2 ms, with
    8 ms of 10 left and deadline 100: 0-lag = 100 - 8 * 100 / 10 = 20 ms.
    total_bw keeps the 104857 until then (seen at f's next tick after it)."""
    bw = (10 * MS << 20) // (100 * MS)
    sim = make_sim({"d": dl_task("10ms", "100ms", "100ms", "run 50ms"), "f": "---\nrun 50ms"}, hz=1000)
    sim.run(until_ns=2 * MS)
    m = sim.machine
    assert sched_setattr(m, m.tasks[1], SchedAttr(sched_policy=0)) == 0
    assert m.tasks[1].dl.inactive_at == 20 * MS and m.tasks[1].dl.runtime == 8 * MS
    assert dl.dl_bw_of(m)[1] == FAIR_SERVER_BW + bw
    sim.run(until_ns=21 * MS)
    m = sim.machine
    assert dl.dl_bw_of(m)[1] == FAIR_SERVER_BW
    assert m.tasks[1].dl.dl_bw == 0  # __dl_clear_params()
