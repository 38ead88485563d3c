"""Tree RCU, the rcu_preempt flavour. Models kernel/rcu/tree.c and
kernel/rcu/tree_plugin.h for CONFIG_PREEMPT_RCU=y.

Why rcu_preempt: the 6.18 default x86_64 build is CONFIG_PREEMPT_DYNAMIC
(PREEMPT_BUILD selects PREEMPTION), and kernel/rcu/Kconfig makes
PREEMPT_RCU ``default y if PREEMPTION``. So readers are preemptible: a
reader that is preempted, or (wrongly) sleeps, inside its section goes on
its leaf node's ``blkd_tasks`` list, and a grace period that was waiting
for its CPU waits for it instead (``rnp->gp_tasks``).

What runs where:

* ``rcu_read_lock``/``rcu_read_unlock``: ``current->rcu_read_lock_nesting``
  (__rcu_read_lock()/__rcu_read_unlock()); the outermost unlock of a reader
  that blocked runs rcu_read_unlock_special(): off blkd_tasks, and if it
  was the last task the grace period waited for and every CPU has
  reported, rcu_report_unblock_qs_rnp() ends the wait.
* The GP kthread (rcu_gp_kthread(); pending work on the machine, not a
  task of the scheduler): waits for a request (RCU_GP_WAIT_GPS),
  rcu_gp_init() (rcu_seq_start(), qsmask = qsmaskinit, gp_tasks = the
  blocked readers), then the fqs loop: sleep jiffies_till_first_fqs (then
  jiffies_till_next_fqs) unless woken by the last report, rcu_gp_fqs()
  reports idle CPUs (dyntick-idle: ``rcu_fqs ... dti``); rcu_gp_cleanup()
  (rcu_seq_end()), wakes the synchronize_rcu() callers whose grace period
  is done (rcu_normal_wake_from_gp: on by default for <= 16 CPUs since
  6.15, rcu_sr_normal_gp_cleanup()) and starts the next one if asked.
* Quiescent states: a context switch (rcu_note_context_switch() ->
  rcu_qs()), the tick outside a reader with preemption and BH enabled
  (rcu_sched_clock_irq() -> rcu_flavor_sched_clock_irq() -> rcu_qs()), and
  idle (found by the fqs scan). rcu_qs() only notes it per CPU
  (cpu_no_qs = false, traced ``cpuqs``); the tick's rcu_pending() raises
  RCU_SOFTIRQ, whose rcu_core() first notices new grace periods
  (note_gp_changes(): ``cpustart``/``cpuend``), then reports the noted
  state to the node (rcu_check_quiescent_state() -> rcu_report_qs_rdp():
  ``rcu_quiescent_state_report``) and invokes ready callbacks
  (rcu_do_batch(): ``rcu_invoke_callback``).
* ``jiffies_till_first_fqs`` and ``jiffies_till_next_fqs`` are
  rcu_init_geometry()'s default: RCU_JIFFIES_TILL_FORCE_QS
  (1 + (HZ > 250) + (HZ > 500)) + nr_cpu_ids / RCU_JIFFIES_FQS_DIV (256).

Left out: the rcu_node tree above one leaf (rcu_fanout_leaf 16: one node
is the root for up to 16 CPUs), CPU hotplug, nohz_full and user-mode
ticks, expedited grace periods, the deferred-QS machinery
(rcu_read_unlock_special.b.need_qs after a second, resched IPIs to CPUs
holding the grace period up), priority boosting, lazy callbacks and
callback offloading; the GP kthread does not occupy a CPU. The kthread's
own CPU does not notice a new grace period inside rcu_gp_init(): every CPU
notices at its next rcu_core().
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.preempt import PREEMPT_MASK, SOFTIRQ_MASK
from ktui.sim.include.linux.sched import TaskState
from ktui.sim.include.trace.events.rcu import (
    EV_RCU_CALLBACK,
    EV_RCU_FQS,
    EV_RCU_FUTURE_GRACE_PERIOD,
    EV_RCU_GRACE_PERIOD,
    EV_RCU_INVOKE_CALLBACK,
    EV_RCU_PREEMPT_TASK,
    EV_RCU_QS_REPORT,
    EV_RCU_UNLOCK_PREEMPTED_TASK,
)
from ktui.sim.kernel.locking.lock import bug
from ktui.sim.kernel.printk import printk
from ktui.sim.kernel.rcu.rcu import (
    RCU_GP_CLEANUP,
    RCU_GP_DOING_FQS,
    RCU_GP_INIT,
    RCU_GP_WAIT_FQS,
    RCU_GP_WAIT_GPS,
    RcuState,
    rcu_seq_done,
    rcu_seq_end,
    rcu_seq_snap,
    rcu_seq_start,
    rcu_seq_state,
    rcu_state,
)
from ktui.sim.kernel.sched.core import SCHEDULE_HOOKS, try_to_wake_up
from ktui.sim.kernel.softirq import RCU_SOFTIRQ, open_softirq, raise_softirq_irqoff
from ktui.sim.kernel.time.tick import TICK_HOOKS
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, PRIO_NESTED, register_kind
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import define_event, symbol
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

RCU_NAME: Final = "rcu_preempt"
RCU_JIFFIES_FQS_DIV: Final = 256
VOLUNTARY_SWITCH_MSG: Final = (
    "Voluntary context switch within RCU read-side critical section!"
)
"""WARN_ONCE() text of rcu_note_context_switch() (kernel/rcu/tree_plugin.h)."""

EV_RCU_READ_LOCK = define_event("rcu_read_lock", "ktui", ("depth", "int"))
"""rcu_read_lock(): current->rcu_read_lock_nesting after it (no kernel tracepoint)."""
EV_RCU_READ_UNLOCK = define_event("rcu_read_unlock", "ktui", ("depth", "int"))
"""rcu_read_unlock() of a reader that did not block: the nesting after it."""

PHASE_SLEEPING: Final = 1
PHASE_WARNED: Final = 2
_NAME_RE_CHARS: Final = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


def rcu_jiffies_till_force_qs(hz: int) -> int:
    """RCU_JIFFIES_TILL_FORCE_QS (kernel/rcu/tree.h)."""
    return 1 + (hz > 250) + (hz > 500)


def jiffies_till_fqs(hz: int, nr_cpu_ids: int) -> int:
    """rcu_init_geometry(): jiffies_till_first_fqs = jiffies_till_next_fqs
    = RCU_JIFFIES_TILL_FORCE_QS + nr_cpu_ids / RCU_JIFFIES_FQS_DIV."""
    return rcu_jiffies_till_force_qs(hz) + nr_cpu_ids // RCU_JIFFIES_FQS_DIV


def _jiffies(m: Machine) -> int:
    return m.now // m.tick_nsec


def rcu_gp_in_progress(st: RcuState) -> bool:
    """rcu_gp_in_progress(): gp_seq's state bits are non-zero."""
    return rcu_seq_state(st.gp_seq) != 0


def _emit_gp(m: Machine, cpu: int, pid: int, gp_seq: int, what: str) -> None:
    m.emit(EV_RCU_GRACE_PERIOD, cpu, pid, symbol(RCU_NAME), gp_seq, symbol(what))


# -- grace-period requests --------------------------------------------------
def rcu_start_this_gp(m: Machine, cpu: int, pid: int, snap: int) -> None:
    """rcu_start_this_gp(): ask for the grace period ending at `snap` and
    wake the GP kthread if it is idle; traces the request (this step's event)."""
    st = rcu_state(m)
    if rcu_seq_done(st.gp_seq_needed, snap):
        what = "Prestarted"
    else:
        st.gp_seq_needed = snap
        what = "Startedroot" if not rcu_gp_in_progress(st) else "Startedleaf"
        if st.gp_state == RCU_GP_WAIT_GPS:
            _wake_gp_kthread(m, st, m.now, PRIO_CONT)
    m.emit(
        EV_RCU_FUTURE_GRACE_PERIOD, cpu, pid, symbol(RCU_NAME), st.gp_seq, snap, 0, 0, m.ncpus - 1, symbol(what)
    )


def _wake_gp_kthread(m: Machine, st: RcuState, time_ns: int, prio: int) -> None:
    """rcu_gp_kthread_wake() / the fqs timeout: one pending wake-up at a time."""
    st.kthread_gen += 1
    m.push(time_ns, prio, K_RCU_GP, 0, st.kthread_gen)


# -- the GP kthread ---------------------------------------------------------
def _gp_kthread(m: Machine, _a: int, gen: int) -> bool:
    """rcu_gp_kthread(): one step of its loop."""
    st = rcu_state(m)
    if gen != st.kthread_gen:
        return False
    pid = m.rqs[0].curr
    if st.gp_state == RCU_GP_WAIT_GPS:
        if rcu_seq_done(st.gp_seq, st.gp_seq_needed):
            return False  # nothing asked for: sleep on
        return _rcu_gp_init(m, st, pid)
    if st.gp_state in (RCU_GP_WAIT_FQS, RCU_GP_DOING_FQS):
        if not st.qsmask and not st.gp_tasks:
            return _rcu_gp_cleanup(m, st, pid)
        return _rcu_gp_fqs(m, st, pid, gen)
    return False


def _rcu_gp_init(m: Machine, st: RcuState, pid: int) -> bool:
    """rcu_gp_init(): rcu_seq_start(), every online CPU in qsmask, the
    blocked readers in gp_tasks (rcu_preempt_check_blocked_tasks())."""
    st.gp_state = RCU_GP_INIT
    st.gp_seq = rcu_seq_start(st.gp_seq)
    st.gp_start = m.now
    st.qsmask = st.qsmaskinit
    st.gp_tasks = list(st.blkd_tasks)
    st.fqs_first = True
    st.stall_reported = False
    st.jiffies_stall = _jiffies(m) + rcu_jiffies_stall_check(m)
    _emit_gp(m, 0, pid, st.gp_seq, "start")
    st.gp_state = RCU_GP_WAIT_FQS
    _arm_fqs(m, st)
    return True


def _arm_fqs(m: Machine, st: RcuState) -> None:
    """swait_event_idle_timeout_exclusive(..., j): the next fqs at jiffies + j."""
    j = jiffies_till_fqs(m.hz, m.ncpus)
    _wake_gp_kthread(m, st, (_jiffies(m) + j) * m.tick_nsec, PRIO_IRQ)


def _rcu_gp_fqs(m: Machine, st: RcuState, pid: int, gen: int) -> bool:
    """rcu_gp_fqs() -> force_qs_rnp(): report each CPU in qsmask that is
    idle (rcu_watching_snap_save(): an extended quiescent state), one
    ``rcu_fqs`` event per CPU, between ``fqsstart`` and ``fqsend``."""
    if st.gp_state == RCU_GP_WAIT_FQS:
        st.gp_state = RCU_GP_DOING_FQS
        _emit_gp(m, 0, pid, st.gp_seq, "fqsstart")
        _wake_gp_kthread(m, st, m.now, PRIO_CONT)
        return True
    for cpu in range(m.ncpus):
        bit = 1 << cpu
        if st.qsmask & bit and m.rqs[cpu].curr == 0:
            st.qsmask &= ~bit
            st.rdp[cpu].core_needs_qs = False
            m.emit(EV_RCU_FQS, cpu, 0, symbol(RCU_NAME), st.gp_seq, cpu, symbol("dti"))
            _wake_gp_kthread(m, st, m.now, PRIO_CONT)
            return True
    st.fqs_first = False
    st.gp_state = RCU_GP_WAIT_FQS
    _emit_gp(m, 0, pid, st.gp_seq, "fqsend")
    if not st.qsmask and not st.gp_tasks:
        _wake_gp_kthread(m, st, m.now, PRIO_CONT)
    else:
        _arm_fqs(m, st)
    return True


def _rcu_gp_cleanup(m: Machine, st: RcuState, pid: int) -> bool:
    """rcu_gp_cleanup(): rcu_seq_end(), wake the synchronize_rcu() callers
    it completes, then start the next grace period if one was asked for."""
    st.gp_state = RCU_GP_CLEANUP
    st.gp_seq = rcu_seq_end(st.gp_seq)
    st.gp_count += 1
    done = [w for w in st.waiters if rcu_seq_done(st.gp_seq, w[1])]
    st.waiters = [w for w in st.waiters if not rcu_seq_done(st.gp_seq, w[1])]
    for w in done:  # rcu_sr_normal_gp_cleanup() -> complete()
        try_to_wake_up(m, w[0], 0)
    _emit_gp(m, 0, pid, st.gp_seq, "end")
    st.gp_state = RCU_GP_WAIT_GPS
    if not rcu_seq_done(st.gp_seq, st.gp_seq_needed):
        _wake_gp_kthread(m, st, m.now, PRIO_CONT)  # "CleanupMore"
    return True


def rcu_report_qs_rsp(m: Machine, st: RcuState) -> None:
    """rcu_report_qs_rsp(): nothing left to wait for: wake the GP kthread."""
    if not st.qsmask and not st.gp_tasks and rcu_gp_in_progress(st):
        _wake_gp_kthread(m, st, m.now, PRIO_CONT)


# -- quiescent states -------------------------------------------------------
def _rcu_qs_step(m: Machine, cpu: int, _b: int) -> bool:
    """rcu_qs(): note this CPU's quiescent state for the grace period it
    has noticed (``cpuqs``, only the first time)."""
    st = rcu_state(m)
    rdp = st.rdp[cpu]
    if not rdp.cpu_no_qs:
        return False
    rdp.cpu_no_qs = False
    _emit_gp(m, cpu, m.rqs[cpu].curr, rdp.gp_seq, "cpuqs")
    return True


def rcu_note_context_switch(m: Machine, rq: Rq, prev: TaskStruct | None, preempt: bool) -> None:
    """rcu_note_context_switch(), called by __schedule() before the pick.

    A task inside a reader is queued on blkd_tasks (rcu_preempt_ctxt_queue())
    and, when the grace period still waits for this CPU, blocks it. A
    voluntary switch inside a reader is a WARN_ONCE(). Then rcu_qs().
    """
    st = rcu_state(m)
    cpu = rq.cpu
    if prev is not None and st.nesting.get(prev.pid, 0) > 0 and prev.pid not in st.blkd_tasks:
        m.push(m.now, PRIO_NESTED, K_RCU_PREEMPT_TASK, cpu, prev.pid * 2 + (1 if preempt else 0))
    if st.rdp[cpu].cpu_no_qs:
        m.push(m.now, PRIO_NESTED, K_RCU_QS, cpu, 0)


def _preempt_task(m: Machine, cpu: int, arg: int) -> bool:
    st = rcu_state(m)
    pid, preempt = arg // 2, bool(arg & 1)
    if pid in st.blkd_tasks or st.nesting.get(pid, 0) <= 0:
        return False
    if not preempt and not st.warned_voluntary:
        st.warned_voluntary = True
        # WARN_ONCE(): the message, then the WARNING line; one log entry.
        printk(
            m,
            cpu,
            pid,
            f"WARNING: CPU: {cpu} PID: {pid} at kernel/rcu/tree_plugin.h rcu_note_context_switch: "
            + VOLUNTARY_SWITCH_MSG,
        )
    st.blkd_tasks.insert(0, pid)
    blocks = bool(st.qsmask & (1 << cpu)) and rcu_gp_in_progress(st)
    if blocks:
        st.gp_tasks.append(pid)
    gp_seq = st.gp_seq if blocks else rcu_seq_snap(st.gp_seq)
    m.emit(EV_RCU_PREEMPT_TASK, cpu, pid, symbol(RCU_NAME), gp_seq, pid)
    return True


def rcu_sched_clock_irq(m: Machine, rq: Rq) -> None:
    """rcu_sched_clock_irq(), from the tick in hardirq context:
    rcu_flavor_sched_clock_irq() notes a quiescent state outside a reader
    with preemption and BH enabled; rcu_pending() raises RCU_SOFTIRQ."""
    st = rcu_state(m)
    cpu = rq.cpu
    rdp = st.rdp[cpu]
    depth = st.nesting.get(rq.curr, 0) if rq.curr else 0
    if rdp.cpu_no_qs and depth == 0 and not m.pcpu[cpu].preempt_count & (PREEMPT_MASK | SOFTIRQ_MASK):
        m.push(m.now, PRIO_NESTED, K_RCU_QS, cpu, 0)
        qs = True
    else:
        qs = not rdp.cpu_no_qs
    if (
        rcu_gp_in_progress(st)
        and (st.qsmask or st.gp_tasks)
        and _jiffies(m) >= st.jiffies_stall
        and not st.stall_reported
    ):
        st.stall_reported = True  # check_cpu_stall()'s cmpxchg(): one CPU reports
        m.push(m.now, PRIO_NESTED, K_RCU_STALL, cpu, 0)
    if rdp.core_queued:
        return
    if (
        (rdp.core_needs_qs and qs)
        or rdp.gp_seq != st.gp_seq
        or any(rcu_seq_done(rdp.gp_seq, int(cb[1])) for cb in rdp.cbs)  # type: ignore[call-overload]
    ):
        rdp.core_queued = True  # invoke_rcu_core() -> raise_softirq(RCU_SOFTIRQ)
        m.push(m.now, PRIO_NESTED, K_RCU_RAISE, cpu, 0)


def _rcu_raise(m: Machine, cpu: int, _b: int) -> bool:
    """invoke_rcu_core() -> raise_softirq(RCU_SOFTIRQ): its own step, as
    raise_softirq_irqoff() traces softirq_raise."""
    raise_softirq_irqoff(m, cpu, RCU_SOFTIRQ)
    return True


def rcu_core_si(m: Machine, cpu: int) -> bool:
    """rcu_core() as the RCU_SOFTIRQ action: one step of note_gp_changes(),
    rcu_check_quiescent_state(), rcu_do_batch(), at most one event per call;
    True when nothing is left."""
    st = rcu_state(m)
    rdp = st.rdp[cpu]
    pid = m.rqs[cpu].curr
    if rdp.gp_seq != st.gp_seq:
        # __note_gp_changes(): the end of the old one, then the new one.
        if rcu_seq_state(rdp.gp_seq):
            rdp.gp_seq = rcu_seq_end(rdp.gp_seq)
            _emit_gp(m, cpu, pid, rdp.gp_seq, "cpuend")
        else:
            rdp.gp_seq = st.gp_seq
            if rcu_seq_state(st.gp_seq):
                rdp.core_needs_qs = bool(st.qsmask & (1 << cpu))
                rdp.cpu_no_qs = rdp.core_needs_qs
                _emit_gp(m, cpu, pid, rdp.gp_seq, "cpustart")
            else:
                _emit_gp(m, cpu, pid, rdp.gp_seq, "cpuend")
        return False
    if rdp.core_needs_qs and not rdp.cpu_no_qs and st.qsmask & (1 << cpu):
        # rcu_report_qs_rdp() -> rcu_report_qs_rnp()
        rdp.core_needs_qs = False
        st.qsmask &= ~(1 << cpu)
        m.emit(
            EV_RCU_QS_REPORT, cpu, pid, symbol(RCU_NAME), st.gp_seq, 1 << cpu, st.qsmask, 0, 0, m.ncpus - 1,
            1 if st.gp_tasks else 0,
        )
        rcu_report_qs_rsp(m, st)
        return False
    for i, cb in enumerate(rdp.cbs):
        snap = cb[1]
        assert isinstance(snap, int)
        if rcu_seq_done(rdp.gp_seq, snap):
            del rdp.cbs[i]
            rdp.invoked += 1
            m.emit(EV_RCU_INVOKE_CALLBACK, cpu, pid, symbol(RCU_NAME), symbol(str(cb[0])))
            return False
    rdp.core_queued = False
    return True


# -- the ops ---------------------------------------------------------------
@register_op("rcu_read_lock", doc="rcu_read_lock(): enter an RCU read-side critical section (nests; preemptible)")
def op_rcu_read_lock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """__rcu_read_lock(): rcu_read_lock_nesting++."""
    st = rcu_state(m)
    depth = st.nesting.get(task.pid, 0) + 1
    st.nesting[task.pid] = depth
    if depth == 1:
        st.reader_since[task.pid] = m.now
    task.pc += 1
    m.emit(EV_RCU_READ_LOCK, rq.cpu, task.pid, depth)
    continue_task(m, rq)
    return True


@register_op("rcu_read_unlock", doc="rcu_read_unlock(): leave it; a reader that blocked unblocks the grace period")
def op_rcu_read_unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """__rcu_read_unlock(): rcu_read_lock_nesting--, and at zero
    rcu_read_unlock_special() for a reader that blocked."""
    st = rcu_state(m)
    depth = st.nesting.get(task.pid, 0)
    task.pc += 1
    if depth <= 0:
        # lockdep's lock_release() of rcu_lock_map finds it not held.
        bug(m, rq.cpu, task.pid, "WARNING: bad unlock balance detected!", -1)
        continue_task(m, rq)
        return True
    depth -= 1
    if depth:
        st.nesting[task.pid] = depth
    else:
        del st.nesting[task.pid]
        del st.reader_since[task.pid]
        if task.pid in st.blkd_tasks:
            st.blkd_tasks.remove(task.pid)
            if task.pid in st.gp_tasks:
                st.gp_tasks.remove(task.pid)
                rcu_report_qs_rsp(m, st)  # rcu_report_unblock_qs_rnp()
            m.emit(EV_RCU_UNLOCK_PREEMPTED_TASK, rq.cpu, task.pid, symbol(RCU_NAME), st.gp_seq, task.pid)
            continue_task(m, rq)
            return True
    m.emit(EV_RCU_READ_UNLOCK, rq.cpu, task.pid, depth)
    continue_task(m, rq)
    return True


@register_op(
    "synchronize_rcu",
    might_sleep=True,
    doc="synchronize_rcu(): sleep in D until a full grace period begun after the call has ended",
)
def op_synchronize_rcu(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """synchronize_rcu() -> synchronize_rcu_normal() with
    rcu_normal_wake_from_gp: queue on srs_next with rcu_seq_snap(), ask for
    that grace period, sleep until rcu_gp_cleanup() wakes it."""
    st = rcu_state(m)
    if task.op_phase == PHASE_SLEEPING:
        if any(w[0] == task.pid for w in st.waiters):
            task.state = int(TaskState.TASK_UNINTERRUPTIBLE)  # woken early: sleep on
            continue_task(m, rq)
            return False
        task.op_phase = 0
        task.pc += 1
        return False
    if task.op_phase == 0 and (m.pcpu[rq.cpu].preempt_count or task.irqs_disabled):
        # might_sleep(): the BUG, then the wait goes on as the kernel's would.
        bug(m, rq.cpu, task.pid, "BUG: sleeping function called from invalid context", -1)
        task.op_phase = PHASE_WARNED
        continue_task(m, rq)
        return True
    snap = rcu_seq_snap(st.gp_seq)
    st.waiters.append([task.pid, snap])
    task.op_phase = PHASE_SLEEPING
    task.state = int(TaskState.TASK_UNINTERRUPTIBLE)
    rcu_start_this_gp(m, rq.cpu, task.pid, snap)
    continue_task(m, rq)
    return True


def _parse_cb(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if len(words) != 1 or not words[0] or not set(words[0]) <= _NAME_RE_CHARS or words[0][0].isdigit():
        got = " ".join(words) if words else "nothing"
        raise ValueError(f"expected one callback NAME (an identifier), got {shorten(got)!r}")
    return (), (words[0],)


@register_op(
    "call_rcu",
    parse=_parse_cb,
    usage="call_rcu NAME",
    examples=("free_foo", "kfree_cb"),
    doc="call_rcu(): queue callback NAME on this CPU; RCU_SOFTIRQ invokes it after a grace period",
)
def op_call_rcu(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """__call_rcu_common(): enqueue on this CPU's list with the grace period
    it waits for (rcu_accelerate_cbs(): rcu_seq_snap()) and ask for it."""
    st = rcu_state(m)
    rdp = st.rdp[rq.cpu]
    snap = rcu_seq_snap(st.gp_seq)
    rdp.cbs.append([op.strs[0], snap])
    if not rcu_seq_done(st.gp_seq_needed, snap):
        st.gp_seq_needed = snap
        if st.gp_state == RCU_GP_WAIT_GPS:
            _wake_gp_kthread(m, st, m.now, PRIO_CONT)
    task.pc += 1
    m.emit(EV_RCU_CALLBACK, rq.cpu, task.pid, symbol(RCU_NAME), symbol(op.strs[0]), len(rdp.cbs))
    continue_task(m, rq)
    return True


def rcu_jiffies_stall_check(m: Machine) -> int:
    """rcu_jiffies_till_stall_check(): the stall timeout in jiffies."""
    from ktui.sim.kernel.rcu.tree_stall import rcu_jiffies_till_stall_check

    return rcu_jiffies_till_stall_check(m)


def _rcu_stall(m: Machine, cpu: int, _b: int) -> bool:
    """check_cpu_stall() -> print_other_cpu_stall(); the next warning is due
    3 * rcu_jiffies_till_stall_check() + 3 jiffies later."""
    from ktui.sim.kernel.rcu.tree_stall import stall_report

    st = rcu_state(m)
    if not rcu_gp_in_progress(st) or not (st.qsmask or st.gp_tasks):
        st.stall_reported = False
        return False
    bug(m, cpu, m.rqs[cpu].curr, stall_report(m, cpu), -1)
    st.jiffies_stall = _jiffies(m) + 3 * rcu_jiffies_stall_check(m) + 3
    st.stall_reported = False
    return True


K_RCU_STALL = register_kind("rcu_stall", _rcu_stall)
K_RCU_GP = register_kind("rcu_gp_kthread", _gp_kthread)
K_RCU_QS = register_kind("rcu_qs", _rcu_qs_step)
K_RCU_PREEMPT_TASK = register_kind("rcu_preempt_task", _preempt_task)
K_RCU_RAISE = register_kind("rcu_raise_softirq", _rcu_raise)
open_softirq(RCU_SOFTIRQ, rcu_core_si)
SCHEDULE_HOOKS.append(rcu_note_context_switch)
TICK_HOOKS.append(rcu_sched_clock_irq)

__all__ = ["RCU_GP_DOING_FQS", "RCU_GP_INIT", "RCU_NAME", "jiffies_till_fqs"]
