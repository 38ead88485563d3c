"""Sleepable RCU. Models kernel/rcu/srcutree.c.

A domain (``struct srcu_struct``) is named in the programs
(``srcu_read_lock ss``) and created at first use, as ``DEFINE_SRCU`` would;
domains are kept by name in first-use order, so their ids do not depend on
anything else.

* ``srcu_read_lock D``: ``idx = ssp->srcu_idx & 1``, then this CPU's
  ``srcu_lock_count[idx]++`` (__srcu_read_lock()); the task remembers idx
  (the kernel's return value) for its unlock, which bumps
  ``srcu_unlock_count[idx]`` on the CPU it runs on then. Readers may sleep.
* ``synchronize_srcu D``: queue for the grace period rcu_seq_snap() of
  srcu_gp_seq names and sleep in D. The grace period (srcu_advance_state(),
  run from a workqueue: pending work here) starts at rcu_seq_start()
  (SRCU_STATE_SCAN1), waits until srcu_readers_active_idx_check() finds the
  unlocks of the *inactive* index equal to its locks, flips srcu_idx
  (srcu_flip(), SRCU_STATE_SCAN2), waits the same for the index that was
  active before the flip, and ends with rcu_seq_end() (srcu_gp_end()),
  waking the callers it completes. srcu_gp_seq starts at
  SRCU_GP_SEQ_INITIAL_VAL, ``(0UL - 100UL) << RCU_SEQ_CTR_SHIFT`` (-400).
* A scan that finds readers retries after SRCU_INTERVAL (1 jiffy).

Left out: srcu_get_delay()'s growth with the grace period's age and the
no-delay retries, the srcu_node tree and per-CPU callback lists
(call_srcu), expedited grace periods, SRCU-fast/NMI-safe flavours, the
lock kind ``srcu`` in ``[locks]`` (a domain needs no declaration).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState
from ktui.sim.kernel.locking.lock import bug
from ktui.sim.kernel.rcu.rcu import (
    RCU_SEQ_CTR_SHIFT,
    rcu_seq_done,
    rcu_seq_end,
    rcu_seq_snap,
    rcu_seq_start,
    rcu_seq_state,
)
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.machine import PRIO_CONT, PRIO_IRQ, register_kind
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.state import PlainState, mypyc_attr
from ktui.sim.trace import define_event, symbol
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

SRCU_GP_SEQ_INITIAL_VAL: Final = (0 - 100) << RCU_SEQ_CTR_SHIFT
SRCU_STATE_IDLE: Final = 0
SRCU_STATE_SCAN1: Final = 1
SRCU_STATE_SCAN2: Final = 2
SRCU_INTERVAL: Final = 1
"""Jiffies before a scan that found readers runs again."""
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")

EV_SRCU_READ_LOCK = define_event("srcu_read_lock", "ktui", ("domain", "sym"), ("idx", "int"), ("depth", "int"))
"""__srcu_read_lock(): this CPU's srcu_lock_count[idx]++; depth: the task's SRCU sections in this domain."""
EV_SRCU_READ_UNLOCK = define_event("srcu_read_unlock", "ktui", ("domain", "sym"), ("idx", "int"), ("depth", "int"))
"""__srcu_read_unlock(): this CPU's srcu_unlock_count[idx]++."""
EV_SRCU_GRACE_PERIOD = define_event(
    "srcu_grace_period", "ktui", ("domain", "sym"), ("gp_seq", "int"), ("idx", "int"), ("gpevent", "sym")
)
"""srcu_advance_state(): start, flip, readers (a scan found some), end; idx: srcu_idx."""


@mypyc_attr(allow_interpreted_subclasses=True)
class SrcuStruct(PlainState):
    """One ``struct srcu_struct`` with its srcu_usage and per-CPU srcu_data."""

    __slots__ = ("name", "srcu_idx", "lock_count", "unlock_count", "gp_seq", "gp_seq_needed", "waiters", "work_gen")

    def __init__(self, name: str, ncpus: int) -> None:
        self.name = name
        self.srcu_idx = 0
        self.lock_count = [[0] * ncpus, [0] * ncpus]
        """srcu_lock_count[idx] of each CPU's srcu_data, by idx then CPU."""
        self.unlock_count = [[0] * ncpus, [0] * ncpus]
        self.gp_seq = SRCU_GP_SEQ_INITIAL_VAL
        self.gp_seq_needed = SRCU_GP_SEQ_INITIAL_VAL
        self.waiters: list[list[int]] = []
        """synchronize_srcu() callers: [pid, srcu_gp_seq snap]."""
        self.work_gen = 0


def srcu_domains(m: Machine) -> list[SrcuStruct]:
    """Every SRCU domain, in first-use order."""
    table = m.ext["srcu"]
    assert isinstance(table, list)
    return table


def _domain(m: Machine, name: str) -> tuple[int, SrcuStruct]:
    table = srcu_domains(m)
    for i, ssp in enumerate(table):
        if ssp.name == name:
            return i, ssp
    table.append(SrcuStruct(name, m.ncpus))
    return len(table) - 1, table[-1]


def _held(m: Machine) -> dict[int, list[list[object]]]:
    """pid -> the task's open SRCU sections as [domain, idx], innermost last."""
    table = m.ext["srcu_held"]
    assert isinstance(table, dict)
    return table


def srcu_readers_active_idx_check(ssp: SrcuStruct, idx: int) -> bool:
    """srcu_readers_active_idx_check(): unlocks summed first, then locks
    (after smp_mb()); equal means no reader of `idx` is left."""
    unlocks = sum(ssp.unlock_count[idx])
    locks = sum(ssp.lock_count[idx])
    return locks == unlocks


def _parse_domain(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if len(words) != 1 or not _NAME_RE.match(words[0]):
        got = " ".join(words) if words else "nothing"
        raise ValueError(f"expected one SRCU domain NAME (an identifier), got {shorten(got)!r}")
    return (), (words[0],)


@register_op(
    "srcu_read_lock",
    parse=_parse_domain,
    usage="srcu_read_lock DOMAIN",
    examples=("ss", "my_srcu"),
    doc="srcu_read_lock(): enter an SRCU read-side section of DOMAIN (may sleep inside)",
)
def op_srcu_read_lock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """__srcu_read_lock()."""
    name = op.strs[0]
    _, ssp = _domain(m, name)
    idx = ssp.srcu_idx & 1
    ssp.lock_count[idx][rq.cpu] += 1
    held = _held(m).setdefault(task.pid, [])
    held.append([name, idx])
    depth = sum(1 for h in held if h[0] == name)
    task.pc += 1
    m.emit(EV_SRCU_READ_LOCK, rq.cpu, task.pid, symbol(name), idx, depth)
    continue_task(m, rq)
    return True


@register_op(
    "srcu_read_unlock",
    parse=_parse_domain,
    usage="srcu_read_unlock DOMAIN",
    examples=("ss", "my_srcu"),
    doc="srcu_read_unlock(): leave the innermost SRCU section of DOMAIN",
)
def op_srcu_read_unlock(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """__srcu_read_unlock(ssp, idx) with the idx its lock returned."""
    name = op.strs[0]
    _, ssp = _domain(m, name)
    held = _held(m).get(task.pid, [])
    task.pc += 1
    pos = next((i for i in range(len(held) - 1, -1, -1) if held[i][0] == name), -1)
    if pos < 0:
        bug(m, rq.cpu, task.pid, "WARNING: bad unlock balance detected!", -1)
        continue_task(m, rq)
        return True
    idx = held.pop(pos)[1]
    assert isinstance(idx, int)
    if not held:
        del _held(m)[task.pid]
    ssp.unlock_count[idx][rq.cpu] += 1
    depth = sum(1 for h in held if h[0] == name)
    m.emit(EV_SRCU_READ_UNLOCK, rq.cpu, task.pid, symbol(name), idx, depth)
    continue_task(m, rq)
    return True


@register_op(
    "synchronize_srcu",
    parse=_parse_domain,
    usage="synchronize_srcu DOMAIN",
    examples=("ss",),
    might_sleep=True,
    doc="synchronize_srcu(): sleep in D until an SRCU grace period of DOMAIN begun after the call has ended",
)
def op_synchronize_srcu(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """synchronize_srcu() -> __synchronize_srcu(): srcu_gp_start_if_needed()
    and wait for the grace period rcu_seq_snap() names."""
    name = op.strs[0]
    did, ssp = _domain(m, name)
    if task.op_phase == 1:
        if any(w[0] == task.pid for w in ssp.waiters):
            task.state = int(TaskState.TASK_UNINTERRUPTIBLE)
            continue_task(m, rq)
            return False
        task.op_phase = 0
        task.pc += 1
        return False
    if task.op_phase == 0 and (m.pcpu[rq.cpu].preempt_count or task.irqs_disabled):
        bug(m, rq.cpu, task.pid, "BUG: sleeping function called from invalid context", -1)
        task.op_phase = 2
        continue_task(m, rq)
        return True
    snap = rcu_seq_snap(ssp.gp_seq)
    ssp.waiters.append([task.pid, snap])
    task.op_phase = 1
    task.state = int(TaskState.TASK_UNINTERRUPTIBLE)
    if not rcu_seq_done(ssp.gp_seq_needed, snap):
        ssp.gp_seq_needed = snap
    if rcu_seq_state(ssp.gp_seq) == SRCU_STATE_IDLE:
        # srcu_funnel_gp_start() -> queue the grace-period work now.
        ssp.gp_seq = rcu_seq_start(ssp.gp_seq)
        _queue_work(m, did, ssp, m.now, PRIO_CONT)
        m.emit(EV_SRCU_GRACE_PERIOD, rq.cpu, task.pid, symbol(name), ssp.gp_seq, ssp.srcu_idx, symbol("start"))
    else:
        m.emit(EV_SRCU_GRACE_PERIOD, rq.cpu, task.pid, symbol(name), ssp.gp_seq, ssp.srcu_idx, symbol("queued"))
    continue_task(m, rq)
    return True


def _queue_work(m: Machine, did: int, ssp: SrcuStruct, time_ns: int, prio: int) -> None:
    ssp.work_gen += 1
    m.push(time_ns, prio, K_SRCU_WORK, did, ssp.work_gen)


def _srcu_advance_state(m: Machine, did: int, gen: int) -> bool:
    """process_srcu() -> srcu_advance_state(): one scan or the end."""
    ssp = srcu_domains(m)[did]
    if gen != ssp.work_gen:
        return False
    name = symbol(ssp.name)
    state = rcu_seq_state(ssp.gp_seq)
    if state == SRCU_STATE_IDLE:
        if rcu_seq_done(ssp.gp_seq, ssp.gp_seq_needed):
            return False
        ssp.gp_seq = rcu_seq_start(ssp.gp_seq)  # srcu_gp_start()
        _queue_work(m, did, ssp, m.now, PRIO_CONT)
        m.emit(EV_SRCU_GRACE_PERIOD, 0, m.rqs[0].curr, name, ssp.gp_seq, ssp.srcu_idx, symbol("start"))
        return True
    idx = 1 ^ (ssp.srcu_idx & 1)
    if not srcu_readers_active_idx_check(ssp, idx):
        # try_check_zero() failed: srcu_reschedule() after SRCU_INTERVAL.
        _queue_work(m, did, ssp, (m.now // m.tick_nsec + SRCU_INTERVAL) * m.tick_nsec, PRIO_IRQ)
        return False
    if state == SRCU_STATE_SCAN1:
        ssp.srcu_idx += 1  # srcu_flip()
        ssp.gp_seq = (ssp.gp_seq & ~3) | SRCU_STATE_SCAN2  # rcu_seq_set_state()
        _queue_work(m, did, ssp, m.now, PRIO_CONT)
        m.emit(EV_SRCU_GRACE_PERIOD, 0, m.rqs[0].curr, name, ssp.gp_seq, ssp.srcu_idx, symbol("flip"))
        return True
    ssp.gp_seq = rcu_seq_end(ssp.gp_seq)  # srcu_gp_end()
    done = [w for w in ssp.waiters if rcu_seq_done(ssp.gp_seq, w[1])]
    ssp.waiters = [w for w in ssp.waiters if not rcu_seq_done(ssp.gp_seq, w[1])]
    for w in done:
        try_to_wake_up(m, w[0], 0)
    if not rcu_seq_done(ssp.gp_seq, ssp.gp_seq_needed):
        _queue_work(m, did, ssp, m.now, PRIO_CONT)
    m.emit(EV_SRCU_GRACE_PERIOD, 0, m.rqs[0].curr, name, ssp.gp_seq, ssp.srcu_idx, symbol("end"))
    return True


K_SRCU_WORK = register_kind("srcu_work", _srcu_advance_state)
