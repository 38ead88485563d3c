"""The hung-task detector. Models kernel/hung_task.c.

khungtaskd (``watchdog()``) wakes every ``min(hung_task_timeout_secs,
hung_task_check_interval_secs)`` seconds (an interval of 0 means the
timeout), counted from its start at boot, and runs
``check_hung_uninterruptible_tasks()``: for each task in
TASK_UNINTERRUPTIBLE, ``check_hung_task()`` takes ``nvcsw + nivcsw``; a task
never scheduled (0) is skipped; a count that changed since the last check is
saved with ``last_switch_time = jiffies``; an unchanged one whose
``last_switch_time + timeout * HZ`` is not after ``jiffies`` fires
``trace_sched_process_hang()`` (at every such check) and, while ``hung_task_warnings`` (10, -1 =
no limit) is not used up, prints "INFO: task COMM:PID blocked for more than
N seconds." with ``N = (jiffies - last_switch_time) / HZ``. As in the kernel
the count is global, not per task: a task still blocked at the next check
is reported again, with a larger N. Since the first check only records the
count, a task that blocks at boot is first reported at the second check
(default: at 240 s, "120 seconds").

The check emits ``sched:sched_process_hang`` (the kernel's tracepoint) per
hung task and no event otherwise; the report goes through
`ktui.sim.kernel.printk`. khungtaskd keeps checking while anything else is
pending or an unreported task is in D.

Left out: khungtaskd as a task on a run queue (it is a timer here, its events
are on CPU 0 with pid 0), TASK_NOLOAD/frozen/idle tasks, the "echo 0 >"
and lock-holder lines, hung_task_panic, the rcu_lock_break batching.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.include.linux.sched import TaskState
from ktui.sim.kernel.printk import printk
from ktui.sim.kernel.watchdog.sysctl import sysctl_of
from ktui.sim.kernel.watchdog.watchdog import DETECTOR_KINDS, NSEC_PER_SEC, others_pending
from ktui.sim.machine import PRIO_IRQ, register_kind
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

EV_SCHED_PROCESS_HANG = define_event("sched_process_hang", "sched", ("hung_pid", "int"), ("blocked_secs", "int"))
register_format(
    "sched_process_hang",
    lambda ev: f"pid={ev.fields['hung_pid']} blocked={ev.fields['blocked_secs']}s",
)


def check_interval_secs(timeout: int, interval: int) -> int:
    """watchdog(): ``min(timeout, interval)``, an interval of 0 being the timeout."""
    return timeout if interval == 0 else min(timeout, interval)


def hung_task_boot(m: Machine) -> None:
    """kthread_run(watchdog, "khungtaskd"): the first check one interval out."""
    ctl = sysctl_of(m)
    if ctl is None:
        return
    # [warnings left, then pid -> (last_switch_count, last_switch_time)]
    m.ext["hung_task"] = [ctl.hung_task_warnings, {}]
    if not ctl.hung_task_timeout_secs:
        return
    interval = check_interval_secs(ctl.hung_task_timeout_secs, ctl.hung_task_check_interval_secs)
    m.push(interval * NSEC_PER_SEC, PRIO_IRQ, K_KHUNGTASKD, 0, 0)


def _khungtaskd(m: Machine, _a: int, b: int) -> bool:
    """One wake-up of khungtaskd: check_hung_uninterruptible_tasks(timeout).

    Reports one hung task per event; the next ones follow at the same instant.
    """
    ctl = sysctl_of(m)
    assert ctl is not None
    state = m.ext["hung_task"]
    assert isinstance(state, list)
    seen: dict[int, tuple[int, int, int]] = state[1]
    jiffies = m.now // m.tick_nsec
    timeout = ctl.hung_task_timeout_secs
    start = b  # first pid still to check at this instant
    for pid in sorted(m.tasks):
        if pid < start:
            continue
        t = m.tasks[pid]
        if t.state != int(TaskState.TASK_UNINTERRUPTIBLE) or t.exit_state:
            continue
        switch_count = t.nvcsw + t.nivcsw
        if not switch_count:
            continue
        last = seen.get(pid)
        if last is None or last[0] != switch_count:
            seen[pid] = (switch_count, jiffies, 0)
            continue
        if last[1] + timeout * m.hz > jiffies:  # time_is_after_jiffies()
            continue
        # trace_sched_process_hang() fires whether or not warnings are left
        blocked = (jiffies - last[1]) // m.hz
        seen[pid] = (last[0], last[1], 1)
        if state[0]:
            if state[0] > 0:
                state[0] -= 1
            printk(m, 0, 0, f"INFO: task {m.comm(pid)}:{pid} blocked for more than {blocked} seconds.")
        m.push(m.now, PRIO_IRQ, K_KHUNGTASKD, 1, pid + 1)  # the rest of this check
        m.emit(EV_SCHED_PROCESS_HANG, 0, 0, pid, blocked)
        return True
    # the check is over: sleep one interval
    interval = check_interval_secs(timeout, ctl.hung_task_check_interval_secs)
    if others_pending(m) or (state[0] and _unreported_d(m, seen)):
        m.push(m.now + interval * NSEC_PER_SEC, PRIO_IRQ, K_KHUNGTASKD, 0, 0)
    return False


def _unreported_d(m: Machine, seen: dict[int, tuple[int, int, int]]) -> bool:
    """A task in D, once scheduled, that no check has reported yet."""
    return any(
        t.state == int(TaskState.TASK_UNINTERRUPTIBLE)
        and not t.exit_state
        and t.nvcsw + t.nivcsw
        and not seen.get(pid, (0, 0, 0))[2]
        for pid, t in sorted(m.tasks.items())
    )


K_KHUNGTASKD = register_kind("khungtaskd", _khungtaskd)
DETECTOR_KINDS.append(K_KHUNGTASKD)
