"""The RT class (ktui/sim/kernel/sched/rt.py, kernel/sched/rt.c) with the kernel's numbers.

RR_TIMESLICE is ``100 * HZ / 1000`` jiffies, decremented once per tick in
task_tick_rt(); FIFO has no slice; a better prio preempts at wakeup;
sched_yield() moves curr to the tail of its list; before 6.12 the root
rt_rq may use sched_rt_runtime_us (950000) of every sched_rt_period_us
(1000000); push/pull move RT tasks to CPUs running something lower.
"""

from __future__ import annotations

import pytest

from ktui.sim.errors import ScenarioError
from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.include.linux.sched.prio import SCHED_FIFO, SCHED_RR
from ktui.sim.kernel.sched import rt
from ktui.sim.kernel.sched.classes import task_sched_class
from ktui.sim.kernel.sysctl import sysctl_value
from ktui.sim.replay.timeline import Simulator
from ktui.sim.trace import format_fields
from tests.sim.helpers import make_sim, switches_of

MS = 1_000_000
RR = 'policy = "rr"\nrt_priority = 10\n'
FIFO = 'policy = "fifo"\nrt_priority = {}\n'


def _events(sim: Simulator, *names: str) -> list[tuple[int, int, str, str]]:
    """(time, cpu, name, fields) of the recorded events called one of `names`."""
    out = []
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name in names:
            out.append((ev.time_ns, ev.cpu, ev.name, format_fields(ev)))
    return out


_switches = switches_of


# -- SCHED_RR ---------------------------------------------------------------


@pytest.mark.parametrize("hz", [250, 1000])
def test_rr_tasks_of_equal_prio_alternate_every_100ms(hz: int) -> None:
    """RR_TIMESLICE = 100 * HZ / 1000 jiffies: 25 ticks of 4 ms at HZ=250,
    100 ticks of 1 ms at HZ=1000. a starts at 0 with 25 (100) ticks; the
    ticks at 4, 8, ..., 100 ms (1, 2, ..., 100 ms) take it to 0 at 100 ms,
    where it goes to the tail behind b: switches at 100, 200, 300, 400 ms."""
    ticks = 100 * hz // 1000
    assert rt.sched_rr_timeslice(make_sim({"x": "--- run 1ms"}, hz=hz).machine) == ticks
    tick_ns = 1_000_000_000 // hz
    assert ticks * tick_ns == 100 * MS
    sim = make_sim({"a": RR + "--- run 1s", "b": RR + "--- run 1s"}, hz=hz)
    sim.run(until_ns=450 * MS)
    assert _switches(sim) == [
        (0, "swapper/0", "a"),
        (100 * MS, "a", "b"),
        (200 * MS, "b", "a"),
        (300 * MS, "a", "b"),
        (400 * MS, "b", "a"),
    ]
    a, b = sim.machine.tasks[1], sim.machine.tasks[2]
    # a ran 0-100, 200-300 and from 400 ms, charged up to the last tick
    # (448 ms at HZ=250, 450 ms at HZ=1000); b 100-200, 300-400 ms
    last_tick = 450 * MS // tick_ns * tick_ns
    assert (a.se.sum_exec_runtime, b.se.sum_exec_runtime) == (
        200 * MS + last_tick - 400 * MS,
        200 * MS,
    )
    assert (a.nivcsw, b.nivcsw) == (2, 2)


def test_an_rr_task_alone_on_its_list_keeps_the_cpu() -> None:
    """The slice is refilled at 0, but the task is only requeued when another
    is on the same list: a lone RR task (and a fair one waiting) keeps going."""
    sim = make_sim({"a": RR + "--- run 300ms", "f": "--- run 5ms"})
    sim.run()
    assert _switches(sim)[:2] == [(0, "swapper/0", "a"), (300 * MS, "a", "f")]
    # 300 ms = 75 ticks = 3 slices of 25: refilled at 100, 200 and 300 ms
    assert sim.machine.tasks[1].rt.time_slice == 25


def test_sched_rr_get_interval_is_the_slice_in_ns() -> None:
    """get_rr_interval_rt(): sched_rr_timeslice jiffies, jiffies_to_timespec64()
    = jiffies * TICK_NSEC: 25 * 4 ms at HZ=250; at HZ=300, 30 * 3333333 ns
    (TICK_NSEC = (10^9 + 150) / 300 = 3333333); 0 for FIFO."""
    for hz, want in ((250, 25 * 4_000_000), (1000, 100 * 1_000_000), (300, 30 * 3_333_333)):
        sim = make_sim({"r": RR + "--- run 1ms", "f": FIFO.format(5) + "--- run 1ms"}, hz=hz)
        sim.run(until_ns=0)
        m = sim.machine
        r, f = m.tasks[1], m.tasks[2]
        assert (r.policy, f.policy) == (SCHED_RR, SCHED_FIFO)
        assert task_sched_class(r).get_rr_interval(m, m.rqs[0], r) == want
        assert task_sched_class(f).get_rr_interval(m, m.rqs[0], f) == 0


# -- SCHED_FIFO -------------------------------------------------------------


def test_fifo_is_neither_sliced_nor_preempted_by_a_fair_task() -> None:
    """A FIFO task runs its 300 ms in one go (no RR slice: 75 ticks pass),
    however often the fair task wakes: it runs only after the FIFO task exits."""
    sim = make_sim(
        {
            "fifo": FIFO.format(1) + "--- run 300ms",
            "f": "--- loop {\nrun 1ms\nmsleep 1\n}",
        }
    )
    sim.run(until_ns=310 * MS)
    switches = _switches(sim)
    assert switches[:2] == [(0, "swapper/0", "fifo"), (300 * MS, "fifo", "f")]
    fifo = sim.machine.tasks[1]
    assert fifo.nivcsw == 0 and fifo.se.sum_exec_runtime == 300 * MS


def test_a_better_fifo_task_preempts_at_wakeup() -> None:
    """lo (rt_priority 10, prio 89) runs; hi (20, prio 79) wakes from its
    msleep and preempts it at once; lo resumes when hi exits 5 ms later."""
    sim = make_sim(
        {
            "lo": FIFO.format(10) + "--- run 30ms",
            "hi": FIFO.format(20) + "--- msleep 10\nrun 5ms",
        }
    )
    sim.run()
    (wake,) = [t for t, _, _, f in _events(sim, "sched_wakeup") if "comm=hi" in f]
    m = sim.machine
    assert (m.tasks[1].prio, m.tasks[2].prio) == (89, 79)
    switches = _switches(sim)
    assert (wake, "lo", "hi") in switches
    assert (wake + 5 * MS, "hi", "lo") in switches


def test_sched_yield_requeues_at_the_tail() -> None:
    """a yields after 5 ms: yield_task_rt() puts it behind b (same prio), so
    b runs its 5 ms before a's second half."""
    sim = make_sim(
        {
            "a": FIFO.format(10) + "--- run 5ms\nsched_yield\nrun 5ms",
            "b": FIFO.format(10) + "--- run 5ms",
        }
    )
    sim.run()
    assert _switches(sim) == [
        (0, "swapper/0", "a"),
        (5 * MS, "a", "b"),
        (10 * MS, "b", "a"),
        (15 * MS, "a", "swapper/0"),
    ]


def test_rt_rq_lists_and_bitmap() -> None:
    """Three queued RT tasks: bits 79 and 89 set, the running one at the
    head of its list, rt_nr_running and rr_nr_running counted, and
    rq->nr_running includes them (enqueue_top_rt_rq())."""
    sim = make_sim(
        {
            "a": FIFO.format(20) + "--- run 50ms",
            "b": RR + "--- run 50ms",
            "c": RR + "--- run 50ms",
        }
    )
    sim.run(until_ns=1 * MS)
    rq = sim.machine.rqs[0]
    assert rq.rt.bitmap == (1 << 79) | (1 << 89)
    assert rt.sched_find_first_bit(rq.rt.bitmap) == 79
    assert rq.rt.queue[79] == [1] and rq.rt.queue[89] == [2, 3]
    assert (rq.rt.rt_nr_running, rq.rt.rr_nr_running, rq.nr_running) == (3, 2, 3)
    assert rq.rt.highest_prio_curr == 79 and rq.curr == 1


# -- RT throttling ----------------------------------------------------------

HOG = {"hog": FIFO.format(50) + "--- loop {\nrun 10s\n}", "f": "--- loop {\nrun 10s\n}"}


def test_rt_throttling_leaves_the_fair_task_the_rest_of_each_second() -> None:
    """kernel 6.6, HZ=250: the period hrtimer starts at the hog's enqueue
    (t=0) forwarded by 0, that is one hrtimer_resolution, so the periods end
    at k s + 1 ns. rt_time is charged at each tick (4 ms) and throttles once
    it is > 950 ms:

    - period 1: tick 952 ms (rt_time 952 ms); the fair task runs 952 ms ..
      1 s + 1 ns, then the timer takes 950 ms off: rt_time 2 ms, unthrottled.
    - period 2: rt_time 2 ms + (t - 1 s - 1 ns) > 950 ms from the tick at
      1.952 s (954 ms - 1 ns); left: 4 ms - 1 ns.
    - period 3: 4 ms - 1 ns + (t - 2 s - 1 ns) > 950 ms from 2.948 s
      (952 ms - 2 ns); left 2 ms - 2 ns.

    The fair task gets 48 ms + 1 ns, 48 ms + 1 ns, 52 ms + 1 ns: 50 ms a
    second on average, the tick's overshoot carried in rt_time."""
    sim = make_sim(HOG, kernel="6.6", hz=250)
    sim.run(until_ns=3_100 * MS)
    assert _switches(sim) == [
        (0, "swapper/0", "hog"),
        (952 * MS, "hog", "f"),
        (1_000 * MS + 1, "f", "hog"),
        (1_952 * MS, "hog", "f"),
        (2_000 * MS + 1, "f", "hog"),
        (2_948 * MS, "hog", "f"),
        (3_000 * MS + 1, "f", "hog"),
    ]
    throttles = [f for _, _, n, f in _events(sim, "sched_rt_throttle", "sched_rt_unthrottle")]
    assert throttles == [
        "rt_time=952000000 rt_runtime=950000000",
        f"rt_time={2 * MS} rt_runtime=950000000",
        f"rt_time={954 * MS - 1} rt_runtime=950000000",
        f"rt_time={4 * MS - 1} rt_runtime=950000000",
        f"rt_time={952 * MS - 2} rt_runtime=950000000",
        f"rt_time={2 * MS - 2} rt_runtime=950000000",
    ]
    hog, f = sim.machine.tasks[1], sim.machine.tasks[2]
    assert f.se.sum_exec_runtime == (48 * MS + 1) * 2 + 52 * MS + 1
    assert hog.se.sum_exec_runtime == 3_100 * MS - f.se.sum_exec_runtime
    # printk_deferred_once(): one message for all three throttles
    assert [b[4] for b in sim.machine.bugs] == ["sched: RT throttling activated"]
    assert [b[1] for b in sim.machine.bugs] == [952 * MS]


def test_rt_throttling_at_hz_1000_and_a_custom_runtime() -> None:
    """HZ=1000, sched_rt_runtime_us = 500000: rt_time passes 500 ms at the
    tick of 501 ms; the fair task runs 501 ms .. 1 s + 1 ns."""
    sim = make_sim(
        HOG, kernel="6.1", hz=1000, extra="[sysctl]\nkernel.sched_rt_runtime_us = 500000"
    )
    sim.run(until_ns=1_100 * MS)
    assert _switches(sim) == [
        (0, "swapper/0", "hog"),
        (501 * MS, "hog", "f"),
        (1_000 * MS + 1, "f", "hog"),
    ]


@pytest.mark.parametrize(
    "extra",
    [
        "[sysctl]\nkernel.sched_rt_runtime_us = -1",
        "[sysctl]\nkernel.sched_rt_runtime_us = 1000000",
    ],
)
def test_no_throttling_with_runtime_inf_or_the_whole_period(extra: str) -> None:
    """-1 (RUNTIME_INF) turns rt_bandwidth off; runtime == period never
    throttles (sched_rt_runtime_exceeded(): runtime >= period)."""
    sim = make_sim(HOG, kernel="6.6", extra=extra)
    sim.run(until_ns=2_100 * MS)
    assert _switches(sim) == [(0, "swapper/0", "hog")]
    assert not sim.machine.bugs


@pytest.mark.parametrize("kernel", ["6.12", "6.18"])
def test_no_rt_bandwidth_throttling_from_6_12(kernel: str) -> None:
    """5f6bd380c7bd (6.12): without RT_GROUP_SCHED the root rt_rq has no
    bandwidth (the fair server, deadline.c, replaces it): rt_runtime is
    RUNTIME_INF, rt_time stays 0, nothing throttles and no period timer runs."""
    sim = make_sim(HOG, kernel=kernel)
    sim.run(until_ns=2_100 * MS)
    rq = sim.machine.rqs[0]
    assert rq.rt.rt_runtime == rt.RUNTIME_INF and rq.rt.rt_time == 0
    assert not _events(sim, "sched_rt_throttle", "sched_rt_unthrottle")
    assert "rt_bandwidth" not in sim.machine.ext
    assert not sim.machine.bugs


def test_the_period_timer_stops_when_rt_work_is_gone() -> None:
    """do_sched_rt_period_timer() returns idle once no rt_rq has rt_time or
    RT tasks: a finite RT task lets the machine finish."""
    sim = make_sim({"r": FIFO.format(5) + "--- run 10ms", "f": "--- run 1500ms"}, kernel="6.6")
    sim.run(until_ns=900 * MS)
    bw = sim.machine.ext["rt_bandwidth"]
    assert isinstance(bw, list) and bw[rt.BW_ACTIVE] == 1
    # the period ending at 1 s + 1 ns takes r's 10 ms off and finds nothing left
    sim.run(until_ns=1_200 * MS)
    assert bw[rt.BW_ACTIVE] == 0 and sim.machine.rqs[0].rt.rt_time == 0
    assert all(item[3] != rt.K_RT_PERIOD_TIMER for item in sim.machine.queue)
    assert sim.run() == "finished"


# -- the [sysctl] knobs -----------------------------------------------------


def test_rt_sysctls_default_to_the_kernel_values() -> None:
    m = make_sim({"x": "--- run 1ms"}, kernel="6.6").machine
    assert sysctl_value(m, "kernel.sched_rt_runtime_us") == 950_000
    assert sysctl_value(m, "kernel.sched_rt_period_us") == 1_000_000
    assert m.rqs[0].rt.rt_runtime == 950_000_000  # sched_init(): def_rt_bandwidth


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("kernel.sched_rt_runtime_us = 1000001", "sched_rt_handler"),
        ("kernel.sched_rt_period_us = 500000", "sched_rt_handler"),  # default runtime 950000 > it
        ("kernel.sched_rt_period_us = 0", r"1\.\.2147483647"),
        ("kernel.sched_rt_runtime_us = -2", r"-1\.\.2147483647"),
    ],
)
def test_rt_sysctls_are_validated_like_sched_rt_handler(table: str, message: str) -> None:
    """runtime > period (unless -1) is -EINVAL in sched_rt_handler(); the
    period's extra1 is SYSCTL_ONE, the runtime's SYSCTL_NEG_ONE."""
    with pytest.raises(ScenarioError, match=message):
        make_sim({"x": "--- run 1ms"}, extra=f"[sysctl]\n{table}")


def test_a_shorter_period_with_a_fitting_runtime_is_accepted() -> None:
    sim = make_sim(
        HOG,
        kernel="6.6",
        extra="[sysctl]\nkernel.sched_rt_period_us = 100000\nkernel.sched_rt_runtime_us = 50000",
    )
    sim.run(until_ns=210 * MS)
    # throttled at the tick past 50 ms (52 ms), unthrottled at 100 ms + 1 ns
    assert _switches(sim)[1:3] == [(52 * MS, "hog", "f"), (100 * MS + 1, "f", "hog")]


# -- SMP: select_task_rq_rt, push, pull --------------------------------------


def test_a_woken_rt_task_goes_to_the_lowest_cpu() -> None:
    """b (prio 89) is forked on CPU 0, where a (prio 49) runs:
    select_task_rq_rt() -> find_lowest_rq(): CPU 1 (idle, CPUPRI_NORMAL)."""
    sim = make_sim(
        {"a": FIFO.format(50) + "--- run 50ms", "b": FIFO.format(10) + "--- run 20ms"}, cpus=2
    )
    sim.run()
    new = [(c, f) for _, c, _, f in _events(sim, "sched_wakeup_new")]
    assert new == [(0, "comm=a pid=1 prio=49 target_cpu=000"), (0, "comm=b pid=2 prio=89 target_cpu=001")]


def test_a_preempted_rt_task_is_pushed_to_the_idle_cpu() -> None:
    """lo runs on CPU 0; hi, pinned to start there, preempts it at 1 ms.
    put_prev_task_rt() makes lo pushable; set_next_task_rt(hi) queues
    push_rt_tasks(), which moves lo to CPU 1 (idle) right after the switch."""
    sim = make_sim(
        {
            "lo": FIFO.format(10) + "cpu = 0\n--- run 50ms",
            "hi": FIFO.format(50) + 'cpu = 0\nstart = "1ms"\n--- run 20ms',
        },
        cpus=2,
    )
    sim.run()
    ev = _events(sim, "sched_switch", "sched_migrate_task")
    assert ev[1:4] == [
        (1 * MS, 0, "sched_switch", "prev_comm=lo prev_pid=1 prev_prio=89 prev_state=R+ ==> next_comm=hi next_pid=2 next_prio=49"),
        (1 * MS, 0, "sched_migrate_task", "comm=lo pid=1 prio=89 orig_cpu=0 dest_cpu=1"),
        (1 * MS, 1, "sched_switch", "prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=lo next_pid=1 next_prio=89"),
    ]  # fmt: skip
    lo = sim.machine.tasks[1]
    assert lo.se.sum_exec_runtime == 50 * MS and lo.nivcsw == 1
    # set_task_cpu() counts the push (/proc/PID/sched's se.nr_migrations)
    assert lo.se.nr_migrations == 1 and sim.machine.tasks[2].se.nr_migrations == 0


def test_a_cpu_whose_rt_task_ends_pulls_a_waiting_one() -> None:
    """c ends on CPU 1 at 5 ms while lo waits behind hi on CPU 0: balance_rt()
    -> pull_rt_task() (RT_PUSH_IPI): CPU 0's irq_work pushes lo to CPU 1."""
    sim = make_sim(
        {
            "hi": FIFO.format(50) + "cpu = 0\n--- run 20ms",
            "c": FIFO.format(30) + "cpu = 1\n--- run 5ms",
            "lo": FIFO.format(10) + 'cpu = 0\nstart = "1ms"\n--- run 10ms',
        },
        cpus=2,
    )
    sim.run()
    ev = [e for e in _events(sim, "sched_switch", "sched_migrate_task") if e[0] == 5 * MS]
    assert [(c, n) for _, c, n, _ in ev] == [
        (1, "sched_switch"),  # c exits: CPU 1 goes idle
        (0, "sched_migrate_task"),  # pushed by CPU 0
        (1, "sched_switch"),  # CPU 1 runs lo
    ]
    assert "comm=lo pid=3 prio=89 orig_cpu=0 dest_cpu=1" in ev[1][3]
    assert "next_comm=lo" in ev[2][3]


def test_cpupri_and_find_lowest_rq() -> None:
    """convert_prio(): prio 0..98 -> 99..1, MAX_RT_PRIO - 1 -> CPUPRI_NORMAL (0);
    the lowest CPUs are those below the task's cpupri with the least one."""
    assert [rt.convert_prio(p) for p in (0, 49, 98, 99)] == [99, 50, 1, 0]
    sim = make_sim(
        {
            "a": FIFO.format(50) + "cpu = 0\n--- run 50ms",
            "b": FIFO.format(20) + "cpu = 1\n--- run 50ms",
        },
        cpus=3,
    )
    sim.run(until_ns=1 * MS)
    m = sim.machine
    p = TaskStruct(9, "p", (0, 1, 2))
    p.prio = 69  # rt_priority 30: cpupri 30; CPU 0 is 50, CPU 1 is 20, CPU 2 is 0
    assert rt.cpupri_find(m, p) == [2]
    p.cpus_mask = (0, 1)
    assert rt.cpupri_find(m, p) == [1] and rt.find_lowest_rq(m, p) == 1
    p.prio = 89  # cpupri 10: nothing below it on CPUs 0 and 1
    assert rt.cpupri_find(m, p) == [] and rt.find_lowest_rq(m, p) == -1


# -- breakpoints, determinism, reversibility ---------------------------------


def test_breakpoints_on_rt_state() -> None:
    """``cpu 0 rt_nr_running >= 2``, ``task b rt_priority == 10`` and
    ``task a time_slice == 1`` (the last tick of its first slice, 96 ms)."""
    tasks = {"a": RR + "--- run 1s", "b": RR + 'start = "10ms"\n--- run 1s'}
    sim = make_sim(tasks)
    sim.add_breakpoint("cpu 0 rt_nr_running >= 2 and task b rt_priority == 10")
    assert sim.run() == "breakpoint"
    assert sim.machine.now == 10 * MS and sim.machine.rqs[0].rt.rt_nr_running == 2
    sim = make_sim(tasks)
    sim.add_breakpoint("task a time_slice == 1")
    assert sim.run() == "breakpoint"
    assert sim.machine.now == 96 * MS  # 24 ticks of 4 ms: 25 - 24 = 1


def test_cpu_rt_throttled_breakpoint() -> None:
    sim = make_sim(HOG, kernel="6.6")
    sim.add_breakpoint("cpu 0 rt_throttled == 1")
    assert sim.run(until_ns=2 * 1_000 * MS) == "breakpoint"
    assert sim.machine.now == 952 * MS


def test_same_state_hash_on_two_runs() -> None:
    def run() -> str:
        sim = make_sim(
            {
                "a": RR + "--- loop {\nrun 30ms\nmsleep 3\n}",
                "b": RR + "--- loop {\nrun 70ms\n}",
                "c": FIFO.format(40) + "--- loop {\nrun 2ms\nmsleep 50\n}",
                "f": "--- loop {\nrun 10ms\n}",
            },
            cpus=2,
            kernel="6.6",
        )
        sim.run(until_ns=2_500 * MS)
        return sim.state_hash()

    assert run() == run()


def test_step_back_and_forward_across_an_rr_requeue() -> None:
    """Going back over the 100 ms requeue and forward again gives the same state."""
    sim = make_sim({"a": RR + "--- run 1s", "b": RR + "--- run 1s"})
    sim.run(until_ns=100 * MS)
    (at,) = [i for i in range(1, sim.recorded + 1) if sim.event_at(i).name == "sched_switch"
             and sim.event_at(i).time_ns == 100 * MS]  # fmt: skip
    sim.goto(at + 2)
    after = sim.state_hash()
    queue_after = list(sim.machine.rqs[0].rt.queue[89])
    sim.back(4)
    before = sim.state_hash()
    assert sim.machine.rqs[0].rt.queue[89] == [1, 2]  # a at the head again
    sim.step(4)
    assert sim.state_hash() == after and sim.machine.rqs[0].rt.queue[89] == queue_after == [2, 1]
    assert before != after


def test_policy_changes_of_queued_and_running_tasks() -> None:
    """__sched_setscheduler(): the running FIFO task becomes SCHED_NORMAL
    (prio 120, switched_from_rt()), the waiting fair one SCHED_FIFO 50
    (prio 49, switched_to_rt() reschedules: it beats curr); the run queues
    stay consistent and the new RT task runs at once."""
    from ktui.sim.include.uapi.linux.sched.types import SchedAttr
    from ktui.sim.kernel.sched.core import kick
    from ktui.sim.kernel.sched.syscalls import sched_setattr
    from ktui.sim.validate import validate_machine

    sim = make_sim({"r": FIFO.format(10) + "--- run 50ms", "f": "--- run 50ms"})
    sim.run(until_ns=10 * MS)
    m = sim.machine
    r, f = m.tasks[1], m.tasks[2]
    assert m.rqs[0].curr == r.pid
    assert sched_setattr(m, r, SchedAttr(sched_policy=0)) == 0
    assert (r.prio, m.rqs[0].rt.rt_nr_running) == (120, 0)
    validate_machine(m)
    assert sched_setattr(m, f, SchedAttr(sched_policy=SCHED_FIFO, sched_priority=50)) == 0
    assert (f.prio, m.rqs[0].rt.rt_nr_running, m.rqs[0].need_resched) == (49, 1, True)
    validate_machine(m)
    kick(m, m.rqs[0], m.now)  # the syscall's return to user space: a preemption point
    while m.rqs[0].curr != f.pid and m.step():
        validate_machine(m)
    assert m.rqs[0].curr == f.pid and r.on_rq
