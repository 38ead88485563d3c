"""The deadline class. Models kernel/sched/deadline.c (``DEFINE_SCHED_CLASS(dl)``).

SCHED_DEADLINE tasks (prio -1): EDF on absolute deadlines (``dl_rq->root``)
with the Constant Bandwidth Server: each task has ``dl_runtime`` every
``dl_period`` and must be done ``dl_deadline`` after each activation.

* Parameters: `__checkparam_dl`, `__setparam_dl`, `__getparam_dl`,
  `dl_param_changed`; admission control (`sched_dl_overflow`) against the
  root domain's ``dl_bw``: bw = to_ratio(global_rt_period,
  global_rt_runtime) = 996147 (95% << 20) per CPU, less the fair servers'
  52428 each from 6.12.
* CBS: `update_curr_dl_se` charges the running task and throttles it when
  its runtime is used up; `start_dl_timer` arms the replenishment at the
  next period (dl_next_period()), `replenish_dl_entity` postpones the
  deadline by whole periods until the runtime is positive. The wakeup rule
  is `update_dl_entity` (dl_entity_overflow() -> a new period) with the
  revised rule for constrained deadlines (`update_dl_revised_wakeup`) and
  `dl_check_constrained_dl`. Enforcement is at the tick: HRTICK_DL is off
  by default in the kernel, so an overrun of up to a tick is paid back.
* GRUB bookkeeping: running_bw / this_bw, `task_non_contending` and the
  inactive timer at the 0-lag time, which also releases a dead task's
  bandwidth (6.18 has no task_dead_dl()); SCHED_FLAG_RECLAIM's reclaiming
  itself (grub_reclaim()) is not modelled.
* SMP: `select_task_rq_dl` (find_later_rq() over a scan standing in for
  cpudl), `push_dl_task` / `pull_dl_task` (after a switch, a wakeup and
  before a pick, as the balance callbacks and balance_dl() do).
* The fair server (6.12+): ``rq->fair_server``, a deferred dl_server of 50
  ms every 1000 ms that lets fair tasks run next to RT (or DL) hogs: it is
  started with the first fair task (`dl_server_start`), charged with fair
  runtime and idle time, joins the EDF tree at deadline - runtime if the
  fair tasks still starve, and its pick is the fair class's. 6.17's lazier
  dl_server_stop() (stop after an idle period rather than with the last
  fair task) is not modelled.

Events: mainline 6.18 has no deadline tracepoints, so ``dl_throttle``,
``dl_replenish``, ``dl_overrun`` and ``dl_deadline_miss`` are ktui events
(named after the sched_dl_*_tp tracepoints proposed for the RV monitors). A
job is a task's activation: it is missed when the task blocks or yields
after the job's absolute deadline, or is replenished at or after it with
work left (it had been throttled).

Left out: PI boosting (pi_se), SCHED_FLAG_SUGOV, root domains other than
the one spanning every CPU, asymmetric capacities, frequency scaling,
HRTICK, cpusets, DL migration on CPU hot-plug.
"""

from __future__ import annotations

import heapq
from typing import TYPE_CHECKING, Final

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import TASK_ON_RQ_MIGRATING, SchedDlEntity, TaskState
from ktui.sim.include.linux.sched.prio import SCHED_DEADLINE, dl_policy, dl_prio
from ktui.sim.include.uapi.asm_generic.errno_base import EAGAIN, EBUSY
from ktui.sim.include.uapi.linux.sched import SCHED_FLAG_DL_OVERRUN, SCHED_FLAG_RECLAIM
from ktui.sim.include.uapi.linux.sched.types import SchedAttr
from ktui.sim.kernel.sched.sched import (
    DEQUEUE_MIGRATING,
    DEQUEUE_SAVE,
    DEQUEUE_SLEEP,
    ENQUEUE_INITIAL,
    ENQUEUE_MIGRATED,
    ENQUEUE_MIGRATING,
    ENQUEUE_REPLENISH,
    ENQUEUE_RESTORE,
    ENQUEUE_WAKEUP,
    WF_TTWU,
    DlRq,
    Rq,
    SchedClass,
)
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, PRIO_NESTED, register_kind
from ktui.sim.state import mypyc_attr
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

TASK_DEAD: Final = int(TaskState.TASK_DEAD)

SCHED_DL_FLAGS: Final = SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN
"""kernel/sched/sched.h (without SCHED_FLAG_SUGOV, which only the kernel sets)."""
DL_SCALE: Final = 10
"""kernel/sched/sched.h: runtimes below 1 << DL_SCALE ns are refused."""
BW_SHIFT: Final = 20
"""kernel/sched/sched.h: bandwidths are fixed point, 1 << BW_SHIFT is 100%."""
BW_UNIT: Final = 1 << BW_SHIFT
SYSCTL_SCHED_DL_PERIOD_MAX_US: Final = 1 << 22
"""kernel/sched/deadline.c: sysctl_sched_dl_period_max, ~4 s (in us)."""
SYSCTL_SCHED_DL_PERIOD_MIN_US: Final = 100
"""kernel/sched/deadline.c: sysctl_sched_dl_period_min, 100 us."""
DL_PERIOD_LIMITS_US: Final = (SYSCTL_SCHED_DL_PERIOD_MIN_US, SYSCTL_SCHED_DL_PERIOD_MAX_US)
NSEC_PER_USEC: Final = 1000


def to_ratio(period: int, runtime: int) -> int:
    """to_ratio() (kernel/sched/core.c): runtime/period << BW_SHIFT
    (RUNTIME_INF, a negative runtime here, is BW_UNIT)."""
    if runtime < 0:
        return BW_UNIT
    if period == 0:
        return 0
    return (runtime << BW_SHIFT) // period


def __checkparam_dl(attr: SchedAttr) -> bool:
    """__checkparam_dl(): a non-zero deadline, runtime at least 1 << DL_SCALE
    ns, no bit 63 set, runtime <= deadline <= period (period 0 means the
    deadline), and the period within sysctl_sched_dl_period_min..max."""
    if attr.sched_deadline == 0:
        return False
    if attr.sched_runtime < 1 << DL_SCALE:
        return False
    if attr.sched_deadline & 1 << 63 or attr.sched_period & 1 << 63:
        return False
    period = attr.sched_period or attr.sched_deadline
    if period < attr.sched_deadline or attr.sched_deadline < attr.sched_runtime:
        return False
    lo = SYSCTL_SCHED_DL_PERIOD_MIN_US * NSEC_PER_USEC
    hi = SYSCTL_SCHED_DL_PERIOD_MAX_US * NSEC_PER_USEC
    return lo <= period <= hi


def __setparam_dl(m: Machine, task: TaskStruct, attr: SchedAttr) -> None:
    """__setparam_dl(): the entity's parameters and bandwidths from attr."""
    dl_se = task.dl
    dl_se.dl_runtime = attr.sched_runtime
    dl_se.dl_deadline = attr.sched_deadline
    dl_se.dl_period = attr.sched_period or dl_se.dl_deadline
    dl_se.flags = attr.sched_flags & SCHED_DL_FLAGS
    dl_se.dl_bw = to_ratio(dl_se.dl_period, dl_se.dl_runtime)
    dl_se.dl_density = to_ratio(dl_se.dl_deadline, dl_se.dl_runtime)


def __getparam_dl(task: TaskStruct) -> SchedAttr:
    """__getparam_dl(): attr from the entity's parameters."""
    dl_se = task.dl
    return SchedAttr(
        sched_policy=task.policy,
        sched_flags=dl_se.flags,
        sched_priority=task.rt_priority,
        sched_runtime=dl_se.dl_runtime,
        sched_deadline=dl_se.dl_deadline,
        sched_period=dl_se.dl_period,
    )


def dl_param_changed(task: TaskStruct, attr: SchedAttr) -> bool:
    """dl_param_changed(): attr differs from the task's deadline parameters."""
    dl_se = task.dl
    return (
        dl_se.dl_runtime != attr.sched_runtime
        or dl_se.dl_deadline != attr.sched_deadline
        or dl_se.dl_period != attr.sched_period
        or dl_se.flags != (attr.sched_flags & SCHED_DL_FLAGS)
    )


# core.py imports the classes, so its helpers are imported when first used.
def update_rq_clock(m: Machine, rq: Rq) -> None:
    """update_rq_clock() (core.c): both clocks are now."""
    rq.clock = rq.clock_task = m.now


def resched_curr(m: Machine, rq: Rq) -> None:
    """resched_curr() (core.c)."""
    from ktui.sim.kernel.sched.core import resched_curr as _resched_curr

    _resched_curr(m, rq)


def kick(m: Machine, rq: Rq, time_ns: int, prio: int) -> None:
    """The CPU resumes its task at time_ns (core.kick())."""
    from ktui.sim.kernel.sched.core import kick as _kick

    _kick(m, rq, time_ns, prio)


# --------------------------------------------------------------------------
# Events. Mainline 6.18 has no tracepoint in deadline.c (the bare
# sched_dl_{throttle,replenish,...}_tp ones are a proposal for the RV
# monitors); the model emits ktui events named after them.

EV_DL_THROTTLE = define_event(
    "dl_throttle", "ktui", ("pid", "pid"), ("runtime", "int"), ("deadline", "u64"), ("yielded", "int")
)
"""update_curr_dl_se() throttled a task: runtime used up (or yielded)."""
EV_DL_REPLENISH = define_event(
    "dl_replenish", "ktui", ("pid", "pid"), ("runtime", "int"), ("deadline", "u64")
)
"""dl_task_timer() fired: the task got a new budget and deadline."""
EV_DL_DEADLINE_MISS = define_event(
    "dl_deadline_miss", "ktui", ("pid", "pid"), ("deadline", "u64"), ("lateness", "u64")
)
"""A job of a deadline task was not done by its absolute deadline."""
EV_DL_OVERRUN = define_event(
    "dl_overrun", "ktui", ("pid", "pid"), ("overrun", "int"), ("sigxcpu", "int")
)
"""The runtime was exceeded; ``sigxcpu`` 1 when SCHED_FLAG_DL_OVERRUN asks
for the SIGXCPU the kernel then sends (dl_se->dl_overrun, checked in
task_tick -> run_posix_cpu_timers())."""

register_format(
    "dl_throttle",
    lambda ev: (
        f"pid={ev.fields['pid']} runtime={ev.fields['runtime']} "
        f"deadline={ev.fields['deadline']} yielded={ev.fields['yielded']}"
    ),
)
register_format(
    "dl_replenish",
    lambda ev: f"pid={ev.fields['pid']} runtime={ev.fields['runtime']} deadline={ev.fields['deadline']}",
)
register_format(
    "dl_deadline_miss",
    lambda ev: f"pid={ev.fields['pid']} deadline={ev.fields['deadline']} lateness={ev.fields['lateness']}",
)

# --------------------------------------------------------------------------
# Root domain bandwidth (struct dl_bw, rd->dl_bw). One root domain spans
# every CPU; it lives in m.ext["dl_bw"] as [bw, total_bw] (bw -1: no limit).

SCHED_CAPACITY_SHIFT: Final = 10
RATIO_SHIFT: Final = 8
NSEC_PER_MSEC: Final = 1_000_000
GLOBAL_RT_PERIOD_NS: Final = 1_000_000 * NSEC_PER_USEC
"""sysctl_sched_rt_period (1000000 us), as global_rt_period() returns it."""
GLOBAL_RT_RUNTIME_NS: Final = 950_000 * NSEC_PER_USEC
"""sysctl_sched_rt_runtime (950000 us), as global_rt_runtime() returns it."""
FAIR_SERVER_RUNTIME_NS: Final = 50 * NSEC_PER_MSEC
"""sched_init_dl_servers(): each CPU's fair server gets 50 ms ..."""
FAIR_SERVER_PERIOD_NS: Final = 1000 * NSEC_PER_MSEC
"""... every 1000 ms."""
DL_SERVER_MIN_RES_NS: Final = 1 * NSEC_PER_MSEC
"""dl_server_min_res: a defer timer is not pushed for less than this."""
FAIR_SERVER_KVER: Final = (6, 12)
"""The fair server (and the end of RT throttling's job of it) came in 6.12."""


def global_rt_runtime(m: Machine) -> int:
    """global_rt_runtime(): kernel.sched_rt_runtime_us in ns (-1: RUNTIME_INF).

    The ``[sysctl]`` registry is the RT class's; until it feeds this, the
    default 950000 us.
    """
    return GLOBAL_RT_RUNTIME_NS


def global_rt_period(m: Machine) -> int:
    """global_rt_period(): kernel.sched_rt_period_us in ns."""
    return GLOBAL_RT_PERIOD_NS


def dl_bw_of(m: Machine) -> list[int]:
    """dl_bw_of(): the root domain's ``[bw, total_bw]``."""
    dl_b = m.ext.get("dl_bw")
    if dl_b is None:
        raise SimInvariantError("dl_bw used before sched_init()")
    return dl_b  # type: ignore[return-value]


def dl_bw_cpus(m: Machine) -> int:
    """dl_bw_cpus(): active CPUs of the root domain (all of them)."""
    return m.ncpus


def dl_bw_capacity(m: Machine) -> int:
    """dl_bw_capacity(): dl_bw_cpus() << SCHED_CAPACITY_SHIFT (symmetric CPUs)."""
    return dl_bw_cpus(m) << SCHED_CAPACITY_SHIFT


def cap_scale(v: int, s: int) -> int:
    """cap_scale() (sched.h): v * s >> SCHED_CAPACITY_SHIFT."""
    return (v * s) >> SCHED_CAPACITY_SHIFT


def __dl_overflow(dl_b: list[int], cap: int, old_bw: int, new_bw: int) -> bool:
    """__dl_overflow() (sched.h): the new total would pass bw * capacity."""
    bw, total_bw = dl_b
    return bw != -1 and cap_scale(bw, cap) < total_bw - old_bw + new_bw


def _div_s64(a: int, b: int) -> int:
    """C division of signed values: truncates toward zero."""
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def __dl_update(m: Machine, bw: int) -> None:
    """__dl_update(): every rq of the root domain's extra_bw += bw."""
    for rq in m.rqs:
        rq.dl.extra_bw += bw


def __dl_sub(m: Machine, tsk_bw: int, cpus: int) -> None:
    """__dl_sub(): release tsk_bw from the root domain."""
    dl_bw_of(m)[1] -= tsk_bw
    __dl_update(m, _div_s64(tsk_bw, cpus))


def __dl_add(m: Machine, tsk_bw: int, cpus: int) -> None:
    """__dl_add(): allocate tsk_bw in the root domain."""
    dl_bw_of(m)[1] += tsk_bw
    __dl_update(m, -_div_s64(tsk_bw, cpus))


def init_dl_bw(m: Machine) -> None:
    """init_dl_bw(): bw = to_ratio(global_rt_period(), global_rt_runtime())."""
    runtime = global_rt_runtime(m)
    bw = -1 if runtime < 0 else to_ratio(global_rt_period(m), runtime)
    m.ext["dl_bw"] = [bw, 0]


def init_dl_rq(m: Machine, dl_rq: DlRq) -> None:
    """init_dl_rq() and init_dl_rq_bw_ratio(); the root domain's dl_bw
    (init_dl_bw()) with the first."""
    if "dl_bw" not in m.ext:
        init_dl_bw(m)
    dl_rq.root.clear()
    dl_rq.dl_nr_running = 0
    dl_rq.earliest_dl_curr = dl_rq.earliest_dl_next = 0
    dl_rq.overloaded = False
    dl_rq.running_bw = dl_rq.this_bw = 0
    runtime = global_rt_runtime(m)
    if runtime < 0:
        dl_rq.bw_ratio = 1 << RATIO_SHIFT
        dl_rq.max_bw = dl_rq.extra_bw = BW_UNIT
    else:
        period = global_rt_period(m)
        dl_rq.bw_ratio = to_ratio(runtime, period) >> (BW_SHIFT - RATIO_SHIFT)
        dl_rq.max_bw = dl_rq.extra_bw = to_ratio(period, runtime)


def sched_init_dl_servers(m: Machine) -> None:
    """sched_init_dl_servers(): each CPU's fair server, 50 ms every 1000 ms,
    deferred (dl_defer), its bandwidth in the root domain's total_bw and the
    rq's this_bw (dl_server_apply_params(init=1)), then setup_new_dl_entity()
    at boot. Nothing before 6.12."""
    if m.kver < FAIR_SERVER_KVER:
        return
    for rq in m.rqs:
        update_rq_clock(m, rq)
        dl_se = rq.fair_server
        dl_se.dl_server = True
        dl_server_apply_params(m, rq, dl_se, FAIR_SERVER_RUNTIME_NS, FAIR_SERVER_PERIOD_NS, True)
        dl_se.dl_defer = True
        setup_new_dl_entity(m, rq, dl_se)


def dl_server_apply_params(
    m: Machine, rq: Rq, dl_se: SchedDlEntity, runtime: int, period: int, init: bool
) -> int:
    """dl_server_apply_params(): admission of the server's bandwidth, then
    its parameters; 0 or -EBUSY."""
    old_bw = 0 if init else to_ratio(dl_se.dl_period, dl_se.dl_runtime)
    new_bw = to_ratio(period, runtime)
    dl_b = dl_bw_of(m)
    cpus = dl_bw_cpus(m)
    if __dl_overflow(dl_b, dl_bw_capacity(m), old_bw, new_bw):
        return -EBUSY
    if init:
        rq.dl.this_bw += new_bw  # __add_rq_bw()
        __dl_add(m, new_bw, cpus)
    else:
        __dl_sub(m, dl_se.dl_bw, cpus)
        __dl_add(m, new_bw, cpus)
        rq.dl.this_bw += new_bw - dl_se.dl_bw  # dl_rq_change_utilization()
    dl_se.dl_runtime = runtime
    dl_se.dl_deadline = period
    dl_se.dl_period = period
    dl_se.runtime = 0
    dl_se.deadline = 0
    dl_se.dl_bw = to_ratio(dl_se.dl_period, dl_se.dl_runtime)
    dl_se.dl_density = to_ratio(dl_se.dl_deadline, dl_se.dl_runtime)
    return 0


def sched_dl_overflow(m: Machine, task: TaskStruct, policy: int, attr: SchedAttr) -> int:
    """sched_dl_overflow(): admission control; 0, or -EBUSY when the new
    bandwidth would not fit the root domain's dl_bw.

    The limit is cap_scale(bw, dl_bw_capacity()) = bw * CPUs, with bw =
    to_ratio(1 s, 0.95 s) = 996147; the fair servers' 52428 per CPU (6.12+)
    are in total_bw already.
    """
    period = attr.sched_period or attr.sched_deadline
    new_bw = to_ratio(period, attr.sched_runtime) if dl_policy(policy) else 0
    dl_se = task.dl
    has_dl = dl_policy(task.policy)
    if new_bw == dl_se.dl_bw and has_dl:
        return 0
    dl_b = dl_bw_of(m)
    cpus = dl_bw_cpus(m)
    cap = dl_bw_capacity(m)
    if dl_policy(policy) and not has_dl and not __dl_overflow(dl_b, cap, 0, new_bw):
        if dl_se.inactive_at:  # hrtimer_active(&p->dl.inactive_timer)
            __dl_sub(m, dl_se.dl_bw, cpus)
        __dl_add(m, new_bw, cpus)
        return 0
    if dl_policy(policy) and has_dl and not __dl_overflow(dl_b, cap, dl_se.dl_bw, new_bw):
        __dl_sub(m, dl_se.dl_bw, cpus)
        __dl_add(m, new_bw, cpus)
        dl_change_utilization(m, task, new_bw)
        return 0
    if not dl_policy(policy) and has_dl:
        return 0  # switched_from_dl() releases it at the 0-lag time
    return -EBUSY


def _end_non_contending(m: Machine, task: TaskStruct, rq: Rq) -> None:
    """A blocked entity still counted until its 0-lag time stops being
    counted now: running_bw drops and the inactive timer is cancelled."""
    dl_se = task.dl
    if dl_se.dl_non_contending:
        sub_running_bw(dl_se, rq.dl)
        dl_se.dl_non_contending = False
        cancel_inactive_timer(m, task.pid, dl_se)


def dl_change_utilization(m: Machine, task: TaskStruct, new_bw: int) -> None:
    """dl_change_utilization(): a dequeued task's this_bw moves to new_bw."""
    if task.on_rq:
        return
    rq = m.rqs[task.cpu]
    dl_se = task.dl
    _end_non_contending(m, task, rq)
    __sub_rq_bw(dl_se.dl_bw, rq.dl)
    rq.dl.this_bw += new_bw


def sched_fork_check(task: TaskStruct) -> int:
    """sched_fork()'s deadline rule: a SCHED_DEADLINE task cannot fork,
    ``-EAGAIN`` (``dl_prio(p->prio)`` of the child, whose prio is the
    parent's ``normal_prio``, so a PI boost does not count); 0 otherwise.
    SCHED_FLAG_RESET_ON_FORK is not modelled."""
    return -EAGAIN if dl_prio(task.normal_prio) else 0


# --------------------------------------------------------------------------
# GRUB accounting: running_bw (active utilisation) and this_bw.


def __sub_rq_bw(dl_bw: int, dl_rq: DlRq) -> None:
    """__sub_rq_bw(): clamped at 0 (the kernel's underflow WARN)."""
    dl_rq.this_bw = max(dl_rq.this_bw - dl_bw, 0)


def add_rq_bw(dl_se: SchedDlEntity, dl_rq: DlRq) -> None:
    """add_rq_bw()."""
    dl_rq.this_bw += dl_se.dl_bw


def sub_rq_bw(dl_se: SchedDlEntity, dl_rq: DlRq) -> None:
    """sub_rq_bw()."""
    __sub_rq_bw(dl_se.dl_bw, dl_rq)


def add_running_bw(dl_se: SchedDlEntity, dl_rq: DlRq) -> None:
    """add_running_bw() -> __add_running_bw()."""
    dl_rq.running_bw += dl_se.dl_bw


def sub_running_bw(dl_se: SchedDlEntity, dl_rq: DlRq) -> None:
    """sub_running_bw() -> __sub_running_bw(): clamped at 0."""
    dl_rq.running_bw = max(dl_rq.running_bw - dl_se.dl_bw, 0)


def __dl_clear_params(dl_se: SchedDlEntity) -> None:
    """__dl_clear_params()."""
    dl_se.dl_runtime = dl_se.dl_deadline = dl_se.dl_period = 0
    dl_se.flags = dl_se.dl_bw = dl_se.dl_density = 0
    dl_se.dl_throttled = dl_se.dl_yielded = dl_se.dl_non_contending = False
    dl_se.dl_overrun = dl_se.dl_server = False
    dl_se.dl_defer = dl_se.dl_defer_running = dl_se.dl_defer_armed = False


def task_non_contending(m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None) -> None:
    """task_non_contending(): a task blocks (or dies), or a server stops.
    Its utilisation stays in running_bw until its 0-lag time, deadline -
    runtime * period / dl_runtime (the inactive timer); at once if that is
    past. A dead task's bandwidth leaves this_bw and the root domain's
    total_bw then."""
    if dl_se.dl_runtime == 0:
        return
    zerolag = dl_se.deadline - _div_s64(dl_se.runtime * dl_se.dl_period, dl_se.dl_runtime)
    zerolag -= rq.clock
    pid = _timer_pid(rq, dl_se, task)
    if task is None:  # a server
        if zerolag < 0 or dl_se.inactive_at:
            sub_running_bw(dl_se, rq.dl)
            return
    elif zerolag < 0 or dl_se.inactive_at:
        dead = task.state & TASK_DEAD != 0
        if dl_prio(task.prio):
            sub_running_bw(dl_se, rq.dl)
        if not dl_prio(task.prio) or dead:
            if dead:
                sub_rq_bw(dl_se, rq.dl)
            __dl_sub(m, dl_se.dl_bw, dl_bw_cpus(m))
            __dl_clear_params(dl_se)
        return
    dl_se.dl_non_contending = True
    dl_se.inactive_gen += 1
    dl_se.inactive_at = rq.clock + zerolag
    m.push(dl_se.inactive_at, PRIO_IRQ, K_DL_INACTIVE, pid, dl_se.inactive_gen)


def task_contending(m: Machine, rq: Rq, dl_se: SchedDlEntity, pid: int, flags: int) -> None:
    """task_contending(): a task wakes; its utilisation is back in
    running_bw (it never left if the inactive timer had not fired)."""
    if dl_se.dl_runtime == 0:
        return
    if flags & ENQUEUE_MIGRATED:
        add_rq_bw(dl_se, rq.dl)
    if dl_se.dl_non_contending:
        dl_se.dl_non_contending = False
        cancel_inactive_timer(m, pid, dl_se)
    else:
        add_running_bw(dl_se, rq.dl)


def cancel_inactive_timer(m: Machine, pid: int, dl_se: SchedDlEntity) -> None:
    """cancel_inactive_timer(): hrtimer_try_to_cancel(&dl_se->inactive_timer)."""
    if dl_se.inactive_at:
        _hrtimer_cancel(m, K_DL_INACTIVE, pid, dl_se.inactive_gen)
        dl_se.inactive_gen += 1
        dl_se.inactive_at = 0


def _inactive_task_timer(m: Machine, pid: int, gen: int) -> bool:
    """inactive_task_timer(): the 0-lag time of a blocked task came."""
    if pid < 0:
        rq = m.rqs[-1 - pid]
        server = rq.fair_server
        if server.inactive_gen == gen:
            server.inactive_at = 0
            if server.dl_non_contending:
                sub_running_bw(server, rq.dl)
                server.dl_non_contending = False
        return False
    task = m.tasks.get(pid)
    if task is None or task.dl.inactive_gen != gen:
        return False
    dl_se = task.dl
    dl_se.inactive_at = 0
    rq = m.rqs[task.cpu]
    update_rq_clock(m, rq)
    if not dl_prio(task.prio) or task.state & TASK_DEAD:
        if task.state & TASK_DEAD and dl_se.dl_non_contending:
            sub_running_bw(dl_se, rq.dl)
            sub_rq_bw(dl_se, rq.dl)
            dl_se.dl_non_contending = False
        __dl_sub(m, dl_se.dl_bw, dl_bw_cpus(m))
        __dl_clear_params(dl_se)
        return False
    if dl_se.dl_non_contending:
        sub_running_bw(dl_se, rq.dl)
        dl_se.dl_non_contending = False
    return False


# --------------------------------------------------------------------------
# hrtimers: queue items; a cancelled one is taken out of the queue (so an
# idle machine has nothing pending) and its generation bumped.


def _hrtimer_cancel(m: Machine, kind: int, a: int, b: int) -> None:
    """hrtimer_try_to_cancel(): drop the queued expiry ``kind(a, b)``."""
    queue = m.queue
    for i, item in enumerate(queue):
        if item[3] == kind and item[4] == a and item[5] == b:
            last = queue.pop()
            if i < len(queue):
                queue[i] = last
                heapq.heapify(queue)
            return


def _timer_pid(rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None) -> int:
    """The id a dl_timer is queued with: the task's pid, or -1 - cpu for
    the rq's fair server."""
    return task.pid if task is not None else -1 - rq.cpu


def start_dl_timer(m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None) -> bool:
    """start_dl_timer(): arm the replenishment at the next period
    (dl_next_period()), or for a deferred server at deadline - runtime.

    Returns False when that time is already past (in whole us, as
    ktime_us_delta() compares), so nothing was armed.
    """
    if dl_se.dl_defer_armed:
        act = dl_se.deadline - dl_se.runtime
    else:
        act = dl_next_period(dl_se)
    now = rq.clock
    if _div_s64(act - now, NSEC_PER_USEC) < 0:
        return False
    if not dl_se.timer_at:  # !hrtimer_is_queued()
        dl_se.timer_gen += 1
        dl_se.timer_at = act
        m.push(act, PRIO_IRQ, K_DL_TIMER, _timer_pid(rq, dl_se, task), dl_se.timer_gen)
    return True


def cancel_dl_timer(m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None) -> None:
    """hrtimer_try_to_cancel(&dl_se->dl_timer)."""
    if dl_se.timer_at:
        _hrtimer_cancel(m, K_DL_TIMER, _timer_pid(rq, dl_se, task), dl_se.timer_gen)
        dl_se.timer_gen += 1
        dl_se.timer_at = 0


def _preemptible_kick(m: Machine, rq: Rq) -> None:
    """irqentry_exit() after an hrtimer: preempt now if need_resched and the
    CPU's task may be preempted."""
    if not rq.need_resched or not rq.curr:
        return
    curr = m.tasks[rq.curr]
    if m.pcpu[rq.cpu].preempt_count == 0 and not curr.irqs_disabled:
        kick(m, rq, m.now, PRIO_CONT)


def _dl_timer(m: Machine, pid: int, gen: int) -> bool:
    """The dl_timer fires: dl_task_timer(), or dl_server_timer() for pid < 0."""
    if pid < 0:
        return _dl_server_timer(m, m.rqs[-1 - pid], gen)
    task = m.tasks.get(pid)
    if task is None or task.dl.timer_gen != gen:
        return False
    dl_se = task.dl
    dl_se.timer_at = 0
    if not dl_prio(task.prio) or not dl_se.dl_throttled:
        return False  # switched away from SCHED_DEADLINE, or spurious
    rq = m.rqs[task.cpu]
    update_rq_clock(m, rq)
    missed = _job_missed(rq, dl_se)
    if not task.on_rq:
        # Throttled during sched-out (or asleep): replenish, wait for the wakeup.
        replenish_dl_entity(m, rq, dl_se, task)
        dl_se.job_deadline = dl_se.deadline
    else:
        enqueue_task_dl(m, rq, task, ENQUEUE_REPLENISH)
        dl_se.job_deadline = dl_se.deadline
        curr = m.tasks[rq.curr] if rq.curr else None
        if curr is not None and dl_prio(curr.prio):
            wakeup_preempt_dl(m, rq, task, 0)
        else:
            resched_curr(m, rq)
        _queue_push(m, rq)  # __push_dl_task()
    m.emit(EV_DL_REPLENISH, rq.cpu, rq.curr, pid, dl_se.runtime, dl_se.deadline)
    if missed:
        _queue_event(m, rq.cpu, EV_DL_DEADLINE_MISS, (pid, *missed))
    _preemptible_kick(m, rq)
    return True


def _job_missed(rq: Rq, dl_se: SchedDlEntity) -> tuple[int, ...]:
    """A throttled job that is replenished at or after its deadline has work
    left past it: ``(deadline, lateness)`` of the miss, or ()."""
    if dl_se.dl_yielded or not dl_se.job_deadline:
        return ()
    if rq.clock >= dl_se.job_deadline and dl_se.runtime <= 0:
        return (dl_se.job_deadline, rq.clock - dl_se.job_deadline)
    return ()


# --------------------------------------------------------------------------
# Events from inside other work: queued and emitted right after it.


def _queue_event(m: Machine, cpu: int, type_id: int, fields: tuple[int, ...]) -> None:
    """Emit event `type_id` on `cpu` right after the current work (each
    piece of work emits at most one event); plain data in m.ext."""
    pending = m.ext.setdefault("dl_events", [])
    assert isinstance(pending, list)
    pending.append((type_id, cpu, *fields))
    m.push(m.now, PRIO_NESTED, K_DL_EMIT, 0, 0)


def _dl_emit(m: Machine, _a: int, _b: int) -> bool:
    pending = m.ext.get("dl_events")
    if not isinstance(pending, list) or not pending:
        return False
    rec: tuple[int, ...] = pending.pop(0)
    cpu = rec[1]
    m.emit(rec[0], cpu, m.rqs[cpu].curr, *rec[2:])
    return True


def _emit_miss(m: Machine, rq: Rq, task: TaskStruct, deadline: int, lateness: int) -> None:
    _queue_event(m, rq.cpu, EV_DL_DEADLINE_MISS, (task.pid, deadline, lateness))


# --------------------------------------------------------------------------
# CBS: new instances, replenishment, the wakeup rules.


def dl_next_period(dl_se: SchedDlEntity) -> int:
    """dl_next_period(): deadline - dl_deadline + dl_period."""
    return dl_se.deadline - dl_se.dl_deadline + dl_se.dl_period


def dl_is_implicit(dl_se: SchedDlEntity) -> bool:
    """dl_is_implicit(): deadline == period."""
    return dl_se.dl_deadline == dl_se.dl_period


def dl_entity_preempt(a: SchedDlEntity, b: SchedDlEntity) -> bool:
    """dl_entity_preempt(): a's deadline is earlier (dl_time_before())."""
    return a.deadline - b.deadline < 0


def replenish_dl_new_period(rq: Rq, dl_se: SchedDlEntity) -> None:
    """replenish_dl_new_period(): deadline = now + dl_deadline, full runtime;
    a deferred server not serving starvation waits (throttled, armed)."""
    dl_se.deadline = rq.clock + dl_se.dl_deadline
    dl_se.runtime = dl_se.dl_runtime
    if dl_se.dl_defer and not dl_se.dl_defer_running:
        dl_se.dl_throttled = True
        dl_se.dl_defer_armed = True


def setup_new_dl_entity(m: Machine, rq: Rq, dl_se: SchedDlEntity) -> None:
    """setup_new_dl_entity(): a new instance starts now (unless the
    replenishment timer is about to do it)."""
    if dl_se.dl_throttled:
        return
    replenish_dl_new_period(rq, dl_se)


def dl_entity_overflow(dl_se: SchedDlEntity, t: int) -> bool:
    """dl_entity_overflow(): runtime / (deadline - t) > dl_runtime / dl_deadline,
    cross-multiplied in 1 << DL_SCALE ns units as the kernel does."""
    left = (dl_se.dl_deadline >> DL_SCALE) * (dl_se.runtime >> DL_SCALE)
    right = ((dl_se.deadline - t) >> DL_SCALE) * (dl_se.dl_runtime >> DL_SCALE)
    return right - left < 0


def update_dl_revised_wakeup(rq: Rq, dl_se: SchedDlEntity) -> None:
    """update_dl_revised_wakeup(): runtime = dl_density * laxity >> BW_SHIFT,
    the most a constrained task may use up to its deadline."""
    laxity = dl_se.deadline - rq.clock
    dl_se.runtime = (dl_se.dl_density * laxity) >> BW_SHIFT


def update_dl_entity(m: Machine, rq: Rq, dl_se: SchedDlEntity) -> None:
    """update_dl_entity(): the CBS wakeup rule. A past deadline or an
    overflow starts a new period, except for a constrained task (deadline
    < period) whose deadline is still ahead: the revised rule trims its
    runtime instead."""
    now = rq.clock
    if dl_se.deadline - now < 0 or dl_entity_overflow(dl_se, now):
        if not dl_is_implicit(dl_se) and not dl_se.deadline - now < 0:
            update_dl_revised_wakeup(rq, dl_se)
            return
        replenish_dl_new_period(rq, dl_se)
    elif dl_se.dl_server and dl_se.dl_defer and not dl_se.dl_defer_running:
        dl_se.dl_defer_armed = True
        dl_se.dl_throttled = True


def replenish_dl_entity(m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None) -> None:
    """replenish_dl_entity(): postpone the deadline by whole periods and add
    dl_runtime until the runtime is positive (an overrun is paid back)."""
    now = rq.clock
    if dl_se.dl_deadline == 0 or (dl_se.dl_defer_armed and dl_entity_overflow(dl_se, now)):
        dl_se.deadline = now + dl_se.dl_deadline
        dl_se.runtime = dl_se.dl_runtime
    if dl_se.dl_yielded and dl_se.runtime > 0:
        dl_se.runtime = 0
    while dl_se.runtime <= 0:
        dl_se.deadline += dl_se.dl_period
        dl_se.runtime += dl_se.dl_runtime
    if dl_se.deadline - now < 0:
        # "sched: DL replenish lagged too much"
        replenish_dl_new_period(rq, dl_se)
    dl_se.dl_yielded = False
    dl_se.dl_throttled = False
    if dl_se.dl_defer_armed:
        dl_se.dl_defer_armed = False
        return
    if dl_se.dl_defer and not dl_se.dl_defer_running and now - (dl_se.deadline - dl_se.runtime) < 0:
        dl_se.dl_defer_armed = True
        dl_se.dl_throttled = True
        if not start_dl_timer(m, rq, dl_se, task):
            cancel_dl_timer(m, rq, dl_se, task)
            dl_se.dl_defer_armed = False
            dl_se.dl_throttled = False


def dl_check_constrained_dl(m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None) -> None:
    """dl_check_constrained_dl(): a constrained task woken after its
    deadline but before its next period waits for that period, throttled."""
    now = rq.clock
    if dl_se.deadline - now < 0 and now - dl_next_period(dl_se) < 0:
        if not start_dl_timer(m, rq, dl_se, task):
            return
        dl_se.dl_throttled = True
        if dl_se.runtime > 0:
            dl_se.runtime = 0


# --------------------------------------------------------------------------
# The EDF tree.


def _update_earliest(m: Machine, rq: Rq) -> None:
    """inc/dec_dl_deadline() and the pushable tree's earliest_dl.next and
    overloaded (dl_set_overload()), recomputed from the tree: the pushable
    tasks are the queued ones that are not running and may move."""
    dl_rq = rq.dl
    root = dl_rq.root
    dl_rq.earliest_dl_curr = root[0][0] if root else 0
    pid = _first_pushable(m, rq, -1)
    dl_rq.earliest_dl_next = m.tasks[pid].dl.deadline if pid is not None else 0
    dl_rq.overloaded = pid is not None


def __enqueue_dl_entity(m: Machine, rq: Rq, dl_se: SchedDlEntity, pid: int) -> None:
    """__enqueue_dl_entity(): into the tree; inc_dl_tasks() (a server is
    not in rq->nr_running)."""
    key = (dl_se.deadline, m.next_seq(), pid)
    dl_se.rb_key = key
    rq.dl.root.add(key)
    rq.dl.dl_nr_running += 1
    if not dl_se.dl_server:
        rq.nr_running += 1  # add_nr_running()
    _update_earliest(m, rq)


def __dequeue_dl_entity(m: Machine, rq: Rq, dl_se: SchedDlEntity) -> None:
    """__dequeue_dl_entity(): out of the tree if in it; dec_dl_tasks()."""
    if not dl_se.rb_key:
        return
    rq.dl.root.remove(dl_se.rb_key)
    dl_se.rb_key = ()
    rq.dl.dl_nr_running -= 1
    if not dl_se.dl_server:
        rq.nr_running -= 1  # sub_nr_running()
    _update_earliest(m, rq)


def enqueue_dl_entity(
    m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None, flags: int
) -> None:
    """enqueue_dl_entity(): the CBS rule for a wakeup, a replenishment for
    ENQUEUE_REPLENISH, a new instance for a restore past the deadline; a
    throttled entity waits for its timer instead of joining the tree."""
    pid = _timer_pid(rq, dl_se, task)
    if not dl_se.dl_throttled and not dl_is_implicit(dl_se):
        dl_check_constrained_dl(m, rq, dl_se, task)
    if flags & (ENQUEUE_RESTORE | ENQUEUE_MIGRATING):
        add_rq_bw(dl_se, rq.dl)
        add_running_bw(dl_se, rq.dl)
    if not dl_se.dl_defer and dl_se.dl_throttled and not flags & ENQUEUE_REPLENISH:
        if flags & ENQUEUE_WAKEUP:
            task_contending(m, rq, dl_se, pid, flags)
        return
    if flags & ENQUEUE_WAKEUP:
        task_contending(m, rq, dl_se, pid, flags)
        update_dl_entity(m, rq, dl_se)
    elif flags & ENQUEUE_REPLENISH:
        replenish_dl_entity(m, rq, dl_se, task)
    elif flags & ENQUEUE_RESTORE and dl_se.deadline - rq.clock < 0:
        setup_new_dl_entity(m, rq, dl_se)
    if dl_se.dl_throttled and start_dl_timer(m, rq, dl_se, task):
        return
    if dl_se.dl_throttled:
        cancel_dl_timer(m, rq, dl_se, task)
        dl_se.dl_defer_armed = False
        dl_se.dl_throttled = False
    __enqueue_dl_entity(m, rq, dl_se, pid)


def dequeue_dl_entity(m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None, flags: int) -> None:
    """dequeue_dl_entity(): out of the tree; GRUB bookkeeping for a
    save/migration and for a task that blocks or dies."""
    __dequeue_dl_entity(m, rq, dl_se)
    if flags & (DEQUEUE_SAVE | DEQUEUE_MIGRATING):
        sub_running_bw(dl_se, rq.dl)
        sub_rq_bw(dl_se, rq.dl)
    if flags & DEQUEUE_SLEEP:
        task_non_contending(m, rq, dl_se, task)


def enqueue_task_dl(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> None:
    """enqueue_task_dl(). A forked task (ENQUEUE_INITIAL, which the kernel's
    dl tasks never see: they cannot fork, chrt sets the policy on a running
    task) starts a new instance and contends, as a restore of a running task
    would: setup_new_dl_entity() on first enqueue."""
    dl_se = task.dl
    if not dl_prio(task.normal_prio):
        dl_se.dl_throttled = False  # a de-boosted task: nothing to replenish
        return
    if task.on_rq == TASK_ON_RQ_MIGRATING:
        flags |= ENQUEUE_MIGRATING
    if flags & ENQUEUE_INITIAL:
        task_contending(m, rq, dl_se, task.pid, 0)
        if dl_se.deadline - rq.clock <= 0:
            setup_new_dl_entity(m, rq, dl_se)
        dl_se.job_deadline = dl_se.deadline
    woken = bool(flags & ENQUEUE_WAKEUP)
    enqueue_dl_entity(m, rq, dl_se, task, flags)
    if flags & (ENQUEUE_WAKEUP | ENQUEUE_RESTORE):
        dl_se.job_deadline = dl_se.deadline  # a new job is released
    if flags & ENQUEUE_INITIAL or woken:
        _queue_push(m, rq)  # task_woken_dl() / balance callbacks


def dequeue_task_dl(m: Machine, rq: Rq, task: TaskStruct, flags: int) -> bool:
    """dequeue_task_dl(): update_curr_dl(), then dequeue_dl_entity(). A task
    that blocks after its job's deadline has missed it."""
    update_curr_dl(m, rq)
    if task.on_rq == TASK_ON_RQ_MIGRATING:
        flags |= DEQUEUE_MIGRATING
    dl_se = task.dl
    if flags & DEQUEUE_SLEEP and not task.state & TASK_DEAD:
        _job_done(m, rq, task)
    dequeue_dl_entity(m, rq, dl_se, task, flags)
    return True


def _job_done(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """The job ends (the task blocks or yields): late if past its deadline."""
    dl_se = task.dl
    if dl_se.job_deadline and rq.clock - dl_se.job_deadline > 0:
        _emit_miss(m, rq, task, dl_se.job_deadline, rq.clock - dl_se.job_deadline)
    dl_se.job_deadline = 0


# --------------------------------------------------------------------------
# Runtime accounting and throttling.


def update_curr_dl(m: Machine, rq: Rq) -> None:
    """update_curr_dl(): charge a running deadline task (update_curr_common())
    and enforce its budget (update_curr_dl_se())."""
    if not rq.curr:
        return
    task = m.tasks[rq.curr]
    dl_se = task.dl
    if not dl_prio(task.prio) or not dl_se.rb_key:
        return
    se = task.se
    now = rq.clock_task
    delta_exec = now - se.exec_start
    if delta_exec > 0:
        se.exec_start = now
        se.sum_exec_runtime += delta_exec
    update_curr_dl_se(m, rq, dl_se, task, delta_exec)


def update_curr_dl_se(
    m: Machine, rq: Rq, dl_se: SchedDlEntity, task: TaskStruct | None, delta_exec: int
) -> None:
    """update_curr_dl_se(): runtime -= delta_exec; out of runtime (or
    yielded): throttle, leave the tree and arm the replenishment at the next
    period. Enforcement is at the tick: HRTICK_DL is off by default, so a
    task overruns by up to a tick and pays it back at replenishment.

    A deferred server charged while throttled (fair tasks ran on their own)
    that used its budget up is not needed this period: a new one starts.
    """
    if delta_exec <= 0:
        if not dl_se.dl_yielded:
            return
    else:
        if dl_se.dl_server and dl_se.dl_throttled and not dl_se.dl_defer:
            return
        dl_se.runtime -= delta_exec  # dl_scaled_delta_exec(): capacity 1024, no GRUB-PA
        if dl_se.dl_defer and dl_se.dl_throttled and dl_se.runtime <= 0:
            dl_se.dl_defer_running = False
            cancel_dl_timer(m, rq, dl_se, task)
            replenish_dl_new_period(rq, dl_se)
            start_dl_timer(m, rq, dl_se, task)
            return
    if dl_se.runtime <= 0 or dl_se.dl_yielded:
        dl_se.dl_throttled = True
        exceeded = dl_se.runtime <= 0
        if exceeded and dl_se.flags & SCHED_FLAG_DL_OVERRUN:
            dl_se.dl_overrun = True
        dequeue_dl_entity(m, rq, dl_se, task, 0)
        if task is not None:
            _queue_event(
                m, rq.cpu, EV_DL_THROTTLE,
                (task.pid, dl_se.runtime, dl_se.deadline, int(dl_se.dl_yielded)),
            )
            if exceeded and not dl_se.dl_yielded:
                _queue_event(
                    m, rq.cpu, EV_DL_OVERRUN, (task.pid, -dl_se.runtime, int(dl_se.dl_overrun))
                )
        if not start_dl_timer(m, rq, dl_se, task):
            if dl_se.dl_server:
                replenish_dl_new_period(rq, dl_se)
                start_dl_timer(m, rq, dl_se, task)
            elif task is not None:
                # the next period has begun already: replenish at once
                missed = _job_missed(rq, dl_se)
                enqueue_task_dl(m, rq, task, ENQUEUE_REPLENISH)
                dl_se.job_deadline = dl_se.deadline
                if missed:
                    _queue_event(m, rq.cpu, EV_DL_DEADLINE_MISS, (task.pid, *missed))
        if not dl_se.rb_key or rq.dl.root[0] != dl_se.rb_key:  # !is_leftmost()
            resched_curr(m, rq)


def task_tick_dl(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """task_tick_dl(): update_curr_dl() (no HRTICK)."""
    update_curr_dl(m, rq)


def yield_task_dl(m: Machine, rq: Rq) -> None:
    """yield_task_dl(): give up the rest of this instance's runtime until
    the next period (dl_yielded; update_curr_dl() throttles)."""
    task = m.tasks[rq.curr]
    task.dl.dl_yielded = True
    _job_done(m, rq, task)
    update_rq_clock(m, rq)
    update_curr_dl(m, rq)


# --------------------------------------------------------------------------
# Pick, put, set, preemption.


def pick_task_dl(m: Machine, rq: Rq) -> TaskStruct | None:
    """pick_task_dl() / __pick_task_dl(): the leftmost entity; the fair
    server's pick is the fair class's (fair_server_pick_task())."""
    from ktui.sim.kernel.sched.fair import pick_next_task_fair

    root = rq.dl.root
    while root:
        pid = root[0][2]
        if pid > 0:
            return m.tasks[pid]
        nxt = pick_next_task_fair(m, rq)
        if nxt is not None:
            return nxt
        dl_server_stop(m, rq, rq.fair_server)
        if root and root[0][2] < 0:
            raise SimInvariantError(f"CPU {rq.cpu}: fair server queued but not active")
    return None


def set_next_task_dl(m: Machine, rq: Rq, task: TaskStruct, first: bool) -> None:
    """set_next_task_dl(): exec_start, off the pushable tree; push others."""
    task.se.exec_start = rq.clock_task
    if first:
        _queue_push(m, rq)  # deadline_queue_push_tasks()


def put_prev_task_dl(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """put_prev_task_dl(): update_curr_dl(); it is pushable again."""
    update_curr_dl(m, rq)


def wakeup_preempt_dl(m: Machine, rq: Rq, task: TaskStruct, wake_flags: int) -> None:
    """wakeup_preempt_dl(): an earlier deadline preempts (equal deadlines:
    check_preempt_equal_dl(), which only helps with migration, left out)."""
    curr = m.tasks[rq.curr] if rq.curr else None
    if curr is None or dl_entity_preempt(task.dl, curr.dl):
        resched_curr(m, rq)


# --------------------------------------------------------------------------
# SMP: select_task_rq_dl(), push and pull (cpudl reduced to a scan).


def dl_task_is_earliest_deadline(task: TaskStruct, rq: Rq) -> bool:
    """dl_task_is_earliest_deadline()."""
    return not rq.dl.dl_nr_running or task.dl.deadline - rq.dl.earliest_dl_curr < 0


def cpudl_find(m: Machine, task: TaskStruct) -> list[int]:
    """cpudl_find(): the allowed CPUs without deadline entities, else the
    CPU whose earliest deadline is the latest, if the task's is earlier."""
    allowed = task.cpus_mask
    free = [c for c in allowed if m.rqs[c].dl.dl_nr_running == 0]
    if free:
        return free
    best = max(range(m.ncpus), key=lambda c: (m.rqs[c].dl.earliest_dl_curr, -c))
    if best in allowed and task.dl.deadline - m.rqs[best].dl.earliest_dl_curr < 0:
        return [best]
    return []


def find_later_rq(m: Machine, task: TaskStruct) -> int:
    """find_later_rq(): the task's CPU if it is a candidate, else the first
    candidate (one LLC domain: cpumask_any_and_distribute() reduced to the
    lowest id); -1 if none."""
    if len(task.cpus_mask) == 1:
        return -1
    mask = cpudl_find(m, task)
    if not mask:
        return -1
    if task.cpu in mask:
        return task.cpu
    return mask[0]


def select_task_rq_dl(m: Machine, task: TaskStruct, wake_flags: int) -> int:
    """select_task_rq_dl(): on a wakeup, when the CPU runs a deadline task
    the woken one would not preempt (or that cannot move), a later rq."""
    cpu = task.cpu
    if not wake_flags & WF_TTWU:
        return cpu
    rq = m.rqs[cpu]
    curr = m.tasks[rq.curr] if rq.curr else None
    select = (
        curr is not None
        and dl_prio(curr.prio)
        and (len(curr.cpus_mask) < 2 or not dl_entity_preempt(task.dl, curr.dl))
        and len(task.cpus_mask) > 1
    )
    if select:
        target = find_later_rq(m, task)
        if target != -1 and dl_task_is_earliest_deadline(task, m.rqs[target]):
            cpu = target
    return cpu


def _first_pushable(m: Machine, rq: Rq, cpu: int) -> int | None:
    """The earliest queued deadline task of rq that is not running and may
    move (to `cpu`, if >= 0): the pushable tree's leftmost; its pid."""
    for _deadline, _seq, pid in rq.dl.root:
        if pid <= 0 or pid == rq.curr:
            continue
        mask = m.tasks[pid].cpus_mask
        if len(mask) > 1 and (cpu < 0 or cpu in mask):
            return int(pid)
    return None


def _move_queued_task(m: Machine, src: Rq, dst: Rq, task: TaskStruct) -> None:
    """move_queued_task_locked(): deactivate, set_task_cpu(), activate, with
    TASK_ON_RQ_MIGRATING (the bandwidth moves with the task)."""
    from ktui.sim.kernel.sched.core import EV_SCHED_MIGRATE_TASK, activate_task, set_task_cpu

    task.on_rq = TASK_ON_RQ_MIGRATING
    dequeue_task_dl(m, src, task, 0)
    orig = task.cpu
    set_task_cpu(m, task, dst.cpu)  # counts se.nr_migrations
    update_rq_clock(m, dst)
    activate_task(m, dst, task, 0)
    _queue_event(m, src.cpu, EV_SCHED_MIGRATE_TASK, (task.pid, task.prio, orig, dst.cpu))


def push_dl_task(m: Machine, rq: Rq) -> bool:
    """push_dl_task(): send the earliest pushable task to a CPU where it
    would run now (find_lock_later_rq()). True if one moved."""
    pid = _first_pushable(m, rq, -1)
    if pid is None:
        return False
    task = m.tasks[pid]
    curr = m.tasks[rq.curr] if rq.curr else None
    if (
        curr is not None
        and dl_prio(curr.prio)
        and task.dl.deadline - curr.dl.deadline < 0
        and len(curr.cpus_mask) > 1
    ):
        resched_curr(m, rq)
        return False
    cpu = find_later_rq(m, task)
    if cpu in (-1, rq.cpu) or not dl_task_is_earliest_deadline(task, m.rqs[cpu]):
        return False
    later = m.rqs[cpu]
    _move_queued_task(m, rq, later, task)
    resched_curr(m, later)
    _preemptible_kick(m, later)
    return True


def pull_dl_task(m: Machine, this_rq: Rq) -> bool:
    """pull_dl_task(): take an earlier-deadline task that waits on an
    overloaded CPU. True if one came."""
    dmin: int | None = None
    moved = False
    for src in m.rqs:
        if src is this_rq or src.dl.dl_nr_running <= 1:
            continue
        pid = _first_pushable(m, src, this_rq.cpu)  # (dl_overloaded(), live)
        if pid is None:
            continue
        p = m.tasks[pid]
        if this_rq.dl.dl_nr_running and this_rq.dl.earliest_dl_curr - p.dl.deadline < 0:
            continue
        if (dmin is None or p.dl.deadline - dmin < 0) and dl_task_is_earliest_deadline(p, this_rq):
            src_curr = m.tasks[src.curr] if src.curr else None
            if p.dl.deadline - (src_curr.dl.deadline if src_curr is not None else 0) < 0:
                continue
            _move_queued_task(m, src, this_rq, p)
            dmin = p.dl.deadline
            moved = True
    if moved:
        resched_curr(m, this_rq)
    return moved


def balance_dl(m: Machine, rq: Rq, prev: TaskStruct | None) -> bool:
    """balance_dl(): prev (a deadline task) leaves the tree: pull first."""
    if prev is not None and dl_prio(prev.prio) and not prev.dl.rb_key:
        pull_dl_task(m, rq)
    return bool(rq.stop) or rq.dl.dl_nr_running > 0


def _queue_push(m: Machine, rq: Rq) -> None:
    """queue_balance_callback(push_dl_tasks): after the current work."""
    if m.ncpus > 1 and rq.dl.overloaded:
        m.push(m.now, PRIO_NESTED, K_DL_PUSH, rq.cpu, 0)


def _push_dl_tasks(m: Machine, cpu: int, _b: int) -> bool:
    """push_dl_tasks(): push while it moves something."""
    rq = m.rqs[cpu]
    update_rq_clock(m, rq)
    for _ in range(m.ncpus):
        if not push_dl_task(m, rq):
            break
    return False


# --------------------------------------------------------------------------
# The fair server (dl_server, 6.12+).


def dl_server_update_idle_time(m: Machine, rq: Rq) -> None:
    """dl_server_update_idle_time(): idle time counts as the deferred
    server's (the RT class did not use it), up to its runtime."""
    dl_se = rq.fair_server
    if not dl_se.dl_defer or dl_se.runtime < 0:
        return
    now = rq.clock_task
    start = max(rq.idle_since, rq.dl.idle_exec_start)
    delta = now - start
    if delta < 0:
        return
    dl_se.runtime -= delta
    if dl_se.runtime < 0:
        dl_se.dl_defer_running = False
        dl_se.runtime = 0
    rq.dl.idle_exec_start = now


def dl_server_update(m: Machine, rq: Rq, delta_exec: int) -> None:
    """dl_server_update(): the fair class ran delta_exec; the server pays
    (whether the task ran through it or on its own)."""
    dl_se = rq.fair_server
    if dl_se.dl_runtime:
        update_curr_dl_se(m, rq, dl_se, None, delta_exec)


def dl_server_start(m: Machine, rq: Rq) -> None:
    """dl_server_start(): the first fair task is queued. A deferred server
    arms its timer for deadline - runtime (950 ms into its period) and
    joins the tree only if the fair tasks still starve then."""
    dl_se = rq.fair_server
    if not dl_se.dl_server or dl_se.dl_server_active:
        return
    if not rq.nr_running:
        update_rq_clock(m, rq)
        dl_server_update_idle_time(m, rq)
    dl_se.dl_server_active = True
    enqueue_dl_entity(m, rq, dl_se, None, ENQUEUE_WAKEUP)
    curr = m.tasks[rq.curr] if rq.curr else None
    if curr is None or not dl_prio(curr.prio) or dl_entity_preempt(dl_se, curr.dl):
        resched_curr(m, rq)


def dl_server_stop(m: Machine, rq: Rq, dl_se: SchedDlEntity) -> None:
    """dl_server_stop(): the last fair task left (6.12 .. 6.16 stop here;
    6.17's lazier stop is not modelled)."""
    if not dl_se.dl_server or not dl_se.dl_server_active:
        return
    dequeue_dl_entity(m, rq, dl_se, None, DEQUEUE_SLEEP)
    cancel_dl_timer(m, rq, dl_se, None)
    dl_se.dl_defer_armed = False
    dl_se.dl_throttled = False
    dl_se.dl_server_active = False


def _dl_server_timer(m: Machine, rq: Rq, gen: int) -> bool:
    """dl_server_timer(): the server's replenishment or defer timer. Silent:
    its effect shows as the fair task it lets run."""
    dl_se = rq.fair_server
    if dl_se.timer_gen != gen:
        return False
    dl_se.timer_at = 0
    if not dl_se.dl_throttled or not dl_se.dl_runtime:
        return False
    update_rq_clock(m, rq)
    if dl_se.dl_defer_armed:
        if rq.clock - (dl_se.deadline - dl_se.runtime - DL_SERVER_MIN_RES_NS) < 0:
            # it could still run in the background: push the defer timer
            fw = dl_se.deadline - rq.clock - dl_se.runtime
            dl_se.timer_gen += 1
            dl_se.timer_at = rq.clock + fw
            m.push(dl_se.timer_at, PRIO_IRQ, K_DL_TIMER, -1 - rq.cpu, dl_se.timer_gen)
            return False
        dl_se.dl_defer_running = True
    enqueue_dl_entity(m, rq, dl_se, None, ENQUEUE_REPLENISH)
    curr = m.tasks[rq.curr] if rq.curr else None
    if curr is None or not dl_prio(curr.prio) or dl_entity_preempt(dl_se, curr.dl):
        resched_curr(m, rq)
    _preemptible_kick(m, rq)
    return False


# --------------------------------------------------------------------------
# Class changes.


def switched_from_dl(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """switched_from_dl(): the bandwidth leaves at the 0-lag time."""
    dl_se = task.dl
    if task.on_rq and dl_se.dl_runtime:
        task_non_contending(m, rq, dl_se, task)
    if not task.on_rq:
        if dl_se.dl_non_contending:
            sub_running_bw(dl_se, rq.dl)
        sub_rq_bw(dl_se, rq.dl)
    dl_se.dl_non_contending = False
    if task.on_rq and not rq.dl.dl_nr_running:
        pull_dl_task(m, rq)


def switched_to_dl(m: Machine, rq: Rq, task: TaskStruct) -> None:
    """switched_to_dl(): a dequeued task's bandwidth joins this_bw now (its
    parameters are set at its next wakeup); a queued one may preempt."""
    cancel_inactive_timer(m, task.pid, task.dl)
    if not task.on_rq:
        add_rq_bw(task.dl, rq.dl)
        return
    if rq.curr != task.pid:
        curr = m.tasks[rq.curr] if rq.curr else None
        if curr is not None and dl_prio(curr.prio):
            wakeup_preempt_dl(m, rq, task, 0)
        else:
            resched_curr(m, rq)


def prio_changed_dl(m: Machine, rq: Rq, task: TaskStruct, old_prio: int) -> None:
    """prio_changed_dl(): reschedule if the order changed."""
    if not task.on_rq:
        return
    if rq.curr == task.pid:
        if rq.dl.earliest_dl_curr and rq.dl.earliest_dl_curr - task.dl.deadline < 0:
            resched_curr(m, rq)
    else:
        curr = m.tasks[rq.curr] if rq.curr else None
        if curr is None or not dl_prio(curr.prio) or task.dl.deadline - curr.dl.deadline < 0:
            resched_curr(m, rq)


def migrate_task_rq_dl(m: Machine, task: TaskStruct, new_cpu: int) -> None:
    """migrate_task_rq_dl(): a waking task moves CPU; its bandwidth leaves
    the old rq (the ENQUEUE_MIGRATED wakeup adds it to the new one).
    Nothing for a queued task moved by push/pull or the stopper
    (``p->__state != TASK_WAKING``: the model's on_rq is not 0 then)."""
    if task.on_rq:
        return
    rq = m.rqs[task.cpu]
    dl_se = task.dl
    _end_non_contending(m, task, rq)
    sub_rq_bw(dl_se, rq.dl)


# --------------------------------------------------------------------------
# DEFINE_SCHED_CLASS(dl)


@mypyc_attr(native_class=False)
class DlSchedClass(SchedClass):
    """``dl_sched_class``: SCHED_DEADLINE tasks (and the fair server)."""

    __slots__ = ()
    name = "dl"
    policies = (SCHED_DEADLINE,)

    enqueue_task = staticmethod(enqueue_task_dl)
    dequeue_task = staticmethod(dequeue_task_dl)
    yield_task = staticmethod(yield_task_dl)
    wakeup_preempt = staticmethod(wakeup_preempt_dl)
    select_task_rq = staticmethod(select_task_rq_dl)
    migrate_task_rq = staticmethod(migrate_task_rq_dl)
    task_tick = staticmethod(task_tick_dl)
    prio_changed = staticmethod(prio_changed_dl)
    switched_from = staticmethod(switched_from_dl)
    switched_to = staticmethod(switched_to_dl)
    update_curr = staticmethod(update_curr_dl)
    balance = staticmethod(balance_dl)
    pick_task = staticmethod(pick_task_dl)

    def put_prev_task(
        self, m: Machine, rq: Rq, prev: TaskStruct, next_task: TaskStruct | None
    ) -> None:
        """put_prev_task_dl()."""
        put_prev_task_dl(m, rq, prev)

    def set_next_task(self, m: Machine, rq: Rq, task: TaskStruct | None, first: bool) -> None:
        """set_next_task_dl(); a fair task picked through the fair server is
        set by its own class (put_prev_set_next_task() calls
        next->sched_class->set_next_task())."""
        if task is None:
            return
        if not dl_prio(task.prio):
            from ktui.sim.kernel.sched.fair import fair_sched_class

            fair_sched_class.set_next_task(m, rq, task, first)
            return
        set_next_task_dl(m, rq, task, first)

    def task_fork(self, m: Machine, task: TaskStruct) -> None:
        """task_fork_dl(): nothing; SCHED_DEADLINE tasks cannot fork (sched_fork())."""


dl_sched_class: SchedClass = DlSchedClass()
"""DEFINE_SCHED_CLASS(dl)."""


def _not_bound(m: Machine, a: int, b: int) -> bool:
    raise AssertionError("unreachable")


K_DL_TIMER = register_kind("dl_timer", _dl_timer)
K_DL_INACTIVE = register_kind("dl_inactive_timer", _inactive_task_timer)
K_DL_EMIT = register_kind("dl_event", _dl_emit)
K_DL_PUSH = register_kind("dl_push", _push_dl_tasks)
