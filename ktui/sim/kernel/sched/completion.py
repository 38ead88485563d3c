"""Completions. Models kernel/sched/completion.c and include/linux/completion.h.

A ``struct completion`` is a ``done`` count and a simple wait queue (swait,
kernel/sched/swait.c) of exclusive waiters in FIFO order. Programs name a
completion by an identifier (``complete done``, ``wait_for_completion done``);
the first use creates it with ``done = 0`` (``DECLARE_COMPLETION``), so no
scenario table is needed.

* ``complete()``: ``done++`` (not past ``UINT_MAX``), then
  ``swake_up_locked()`` wakes the first waiter and takes it off the queue.
* ``complete_all()``: ``done = UINT_MAX``, every waiter woken.
* ``wait_for_completion()``: with ``done`` 0, do_wait_for_common() queues
  the task at the tail (``__prepare_to_swait()``), sleeps in D and, once
  woken, looks at ``done`` again: a task that came by in between may have
  taken it, and the waiter then queues again at the tail. With ``done > 0``
  it takes one (``done--``, except at ``UINT_MAX``).
* ``wait_for_completion_timeout X D``: the same with ``schedule_timeout()``
  of ``msecs_to_jiffies()`` of D on a timer-wheel timer; returns 0 on a
  timeout, else the jiffies left, at least 1.
* ``try_wait_for_completion()``: 1 and ``done--`` if ``done``, else 0;
  ``reinit_completion()``: ``done = 0``.

The kernel has no completion tracepoints; ktui traces each state change as
``completion_*`` events (system ``ktui``) so that breakpoints and the trace
see them. Left out: the interruptible/killable variants (no signals),
``wait_for_completion_io``, completions used from interrupt handlers (the
locking issue's ``[[irq]]`` handlers can call ``complete`` once they exist).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.hw.cpu import continue_task
from ktui.sim.include.linux.sched import TaskState, TaskStruct
from ktui.sim.kernel.entry.common import record_return
from ktui.sim.kernel.locking.lock import bug
from ktui.sim.kernel.sched.core import try_to_wake_up
from ktui.sim.kernel.time.timer import K_TIMER, bucket_expiry, msecs_to_jiffies
from ktui.sim.machine import PRIO_IRQ
from ktui.sim.ops import ArgResolver, Op, register_op
from ktui.sim.trace import define_event, symbol
from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

UINT_MAX: Final = 0xFFFF_FFFF
"""complete_all() sets done to UINT_MAX: every later wait passes at once."""
_NAME_RE: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z")

EV_COMPLETE = define_event("completion_complete", "ktui", ("completion", "sym"), ("done", "int"), ("woken", "pid"))
"""complete()/complete_all(): the new done count and the first task woken (0: none)."""
EV_WAIT = define_event("completion_wait", "ktui", ("completion", "sym"), ("done", "int"))
"""A wait_for_completion*() found done 0 and sleeps on the queue."""
EV_ACQUIRED = define_event("completion_acquired", "ktui", ("completion", "sym"), ("done", "int"))
"""A wait_for_completion*() or try_wait_for_completion() took one: done after it."""
EV_TIMEOUT = define_event("completion_timeout", "ktui", ("completion", "sym"))
"""wait_for_completion_timeout() gave up (returns 0)."""
EV_REINIT = define_event("completion_reinit", "ktui", ("completion", "sym"))
"""reinit_completion(): done = 0."""

PHASE_WAITING: Final = 1
PHASE_WOKEN: Final = 2


def _state(m: Machine, name: str) -> list[object]:
    """``[done, waiters]`` of completion `name` (created at first use)."""
    table = m.ext.setdefault("completion", {})
    assert isinstance(table, dict)
    entry = table.get(name)
    if entry is None:
        entry = table[name] = [0, []]
    assert isinstance(entry, list)
    return entry


def completions(m: Machine) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Every completion used so far: name -> (done, waiting pids in order)."""
    table = m.ext.get("completion", {})
    assert isinstance(table, dict)
    return {n: (int(e[0]), tuple(e[1])) for n, e in table.items()}


def _parse_name(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if len(words) != 1 or not _NAME_RE.match(words[0]):
        got = " ".join(words) if words else "nothing"
        raise ValueError(f"expected one completion NAME (an identifier), got {shorten(got)!r}")
    return (), (words[0],)


def _parse_name_timeout(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if len(words) != 2:
        raise ValueError(f"expected a completion NAME and a TIMEOUT duration, got {len(words)} words")
    _, strs = _parse_name(words[:1], resolve)
    return (resolve("timeout", "duration", words[1]),), strs


def _might_sleep(m: Machine, rq: Rq, task: TaskStruct) -> bool:
    """__might_sleep(): the BUG once, then the wait goes on as the kernel's would."""
    if task.op_phase == 0 and (m.pcpu[rq.cpu].preempt_count or task.irqs_disabled):
        bug(m, rq.cpu, task.pid, "BUG: sleeping function called from invalid context", -1)
        return True
    return False


def _take(m: Machine, rq: Rq, task: TaskStruct, op: Op, entry: list[object], name: str) -> bool:
    done = entry[0]
    assert isinstance(done, int)
    if done != UINT_MAX:
        done -= 1
        entry[0] = done
    task.op_phase = 0
    task.pc += 1
    m.emit(EV_ACQUIRED, rq.cpu, task.pid, symbol(name), done)
    continue_task(m, rq)
    return True


def _wait(m: Machine, rq: Rq, task: TaskStruct, op: Op, timeout_ns: int | None) -> bool:
    """do_wait_for_common() for both waits; the timeout form records its return."""
    name = op.strs[0]
    entry = _state(m, name)
    waiters = entry[1]
    assert isinstance(waiters, list)
    if _might_sleep(m, rq, task):
        task.op_phase = PHASE_WAITING  # the BUG is this step's event
        continue_task(m, rq)
        return True
    if task.op_phase == PHASE_WOKEN and task.pid in waiters:
        # The timer woke us (process_timeout()), not complete(): time is up.
        waiters.remove(task.pid)
        task.op_phase = 0
        task.pc += 1
        record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, 0)
        m.emit(EV_TIMEOUT, rq.cpu, task.pid, symbol(name))
        continue_task(m, rq)
        return True
    if entry[0]:
        if timeout_ns is not None:  # jiffies left (a first call: the whole timeout)
            left = _jiffies_left(m, task) if task.op_phase == PHASE_WOKEN else _timeout_jiffies(m, timeout_ns)
            record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, max(left, 1))
        return _take(m, rq, task, op, entry, name)
    # __prepare_to_swait(): at the tail unless still queued; D state; schedule().
    if task.pid not in waiters:
        waiters.append(task.pid)
    task.wake_gen += 1
    if timeout_ns is not None:
        if task.op_phase != PHASE_WOKEN:  # the first sleep arms the timer
            jiffies = m.now // m.tick_nsec
            expires = jiffies + _timeout_jiffies(m, timeout_ns)
            _timeouts(m)[task.pid] = expires
        fire = bucket_expiry(_timeouts(m)[task.pid], m.now // m.tick_nsec, m.hz)
        m.push(fire * m.tick_nsec, PRIO_IRQ, K_TIMER, task.pid, task.wake_gen)
    task.op_phase = PHASE_WOKEN
    task.state = int(TaskState.TASK_UNINTERRUPTIBLE)
    m.emit(EV_WAIT, rq.cpu, task.pid, symbol(name), 0)
    continue_task(m, rq)
    return True


def _timeout_jiffies(m: Machine, timeout_ns: int) -> int:
    """msecs_to_jiffies() of the timeout, rounded up to whole ms first."""
    return msecs_to_jiffies(-(-timeout_ns // 1_000_000), m.hz)


def _jiffies_left(m: Machine, task: TaskStruct) -> int:
    """schedule_timeout()'s return: expire - jiffies, at least 0."""
    return max(_timeouts(m)[task.pid] - m.now // m.tick_nsec, 0)


def _timeouts(m: Machine) -> dict[int, int]:
    """The jiffy each timed waiter's schedule_timeout() expires at, by pid."""
    table = m.ext.setdefault("completion_timeouts", {})
    assert isinstance(table, dict)
    return table


@register_op(
    "wait_for_completion",
    parse=_parse_name,
    usage="wait_for_completion NAME",
    examples=("done", "probe_done"),
    might_sleep=True,
    doc="wait_for_completion(): take one 'done' or sleep in D until complete()",
)
def op_wait_for_completion(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """wait_for_completion() -> wait_for_common(x, MAX_SCHEDULE_TIMEOUT, D)."""
    return _wait(m, rq, task, op, None)


@register_op(
    "wait_for_completion_timeout",
    parse=_parse_name_timeout,
    returns=True,
    usage="wait_for_completion_timeout NAME TIMEOUT",
    examples=("done 10ms", "done 0ns", "probe_done 1s"),
    might_sleep=True,
    doc="wait_for_completion_timeout(): as wait_for_completion, giving up after TIMEOUT (returns 0, else jiffies left)",
)
def op_wait_for_completion_timeout(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """wait_for_completion_timeout(x, msecs_to_jiffies(TIMEOUT))."""
    return _wait(m, rq, task, op, op.args[0])


@register_op(
    "try_wait_for_completion",
    parse=_parse_name,
    returns=True,
    usage="try_wait_for_completion NAME",
    examples=("done",),
    doc="try_wait_for_completion(): 1 and take one 'done' if there is one, else 0; never sleeps",
)
def op_try_wait_for_completion(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """try_wait_for_completion()."""
    name = op.strs[0]
    entry = _state(m, name)
    ok = 1 if entry[0] else 0
    record_return(m, rq.cpu, task.pid, op.name, op.label, op.line, ok)
    if ok:
        return _take(m, rq, task, op, entry, name)
    task.pc += 1
    return False


def _complete(m: Machine, rq: Rq, task: TaskStruct, op: Op, all_: bool) -> bool:
    name = op.strs[0]
    entry = _state(m, name)
    done = entry[0]
    waiters = entry[1]
    assert isinstance(done, int) and isinstance(waiters, list)
    done = UINT_MAX if all_ else min(done + 1, UINT_MAX)
    entry[0] = done
    woken = list(waiters) if all_ else waiters[:1]
    del waiters[: len(woken)]  # swake_up_locked(): list_del_init()
    for pid in woken:
        m.tasks[pid].wake_gen += 1  # the timeout's timer no longer wakes it
        try_to_wake_up(m, pid, rq.cpu)
    task.pc += 1
    m.emit(EV_COMPLETE, rq.cpu, task.pid, symbol(name), done, woken[0] if woken else 0)
    continue_task(m, rq)
    return True


@register_op(
    "complete",
    parse=_parse_name,
    usage="complete NAME",
    examples=("done", "probe_done"),
    doc="complete(): done++ and wake the first waiter",
)
def op_complete(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """complete() -> complete_with_flags(x, 0)."""
    return _complete(m, rq, task, op, False)


@register_op(
    "complete_all",
    parse=_parse_name,
    usage="complete_all NAME",
    examples=("done",),
    doc="complete_all(): done = UINT_MAX and wake every waiter",
)
def op_complete_all(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """complete_all()."""
    return _complete(m, rq, task, op, True)


@register_op(
    "reinit_completion",
    parse=_parse_name,
    usage="reinit_completion NAME",
    examples=("done",),
    doc="reinit_completion(): done = 0",
)
def op_reinit_completion(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """reinit_completion()."""
    name = op.strs[0]
    _state(m, name)[0] = 0
    task.pc += 1
    m.emit(EV_REINIT, rq.cpu, task.pid, symbol(name))
    continue_task(m, rq)
    return True
