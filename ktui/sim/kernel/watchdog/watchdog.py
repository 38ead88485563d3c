"""Soft and hard lockup detectors. Models kernel/watchdog.c and
kernel/watchdog_perf.c (the default hard-lockup detector on x86:
CONFIG_HARDLOCKUP_DETECTOR_PERF, a perf cycles event whose overflow NMI
runs ``watchdog_overflow_callback()``; the buddy detector,
kernel/watchdog_buddy.c, is the fallback for arches without a perf NMI).

Soft lockup: each CPU has a watchdog hrtimer (``watchdog_timer_fn()``) every
``sample_period = get_softlockup_thresh() * NSEC_PER_SEC / NUM_SAMPLE_PERIODS``
(2 * 10 s / 5 = 4 s), armed at boot. It bumps ``hrtimer_interrupts``
(``watchdog_hardlockup_kick()``), queues ``softlockup_fn()`` on the CPU's
stopper (``stop_one_cpu_nowait()``) unless the last one has not run yet, and
checks ``is_softlockup()``: in ``get_timestamp()`` units (``running_clock() >>
30``, about 1.07 s), ``now > report_ts + 2 * thresh`` reports
``now - touch_ts``, so a CPU stuck from boot is first reported at the 24 s
sample as "stuck for 22s" (24e9 >> 30 = 22), then every 2 * thresh again
(``update_report_ts()`` after the report). The stopper runs at the highest
priority as soon as the CPU may schedule; in the model it has run (and set
``touch_ts``) when the CPU was preemptible or idle at a sample (it would run
right after the hrtimer's ``irq_exit()``), or when the task that was running
when it was queued has been switched out since (at that switch: its
``last_ran``). The hrtimer runs in hardirq context, so with interrupts off it
is deferred like the tick, and nothing is checked.

Hard lockup: a per-CPU perf NMI every ``watchdog_thresh`` seconds
(``hw_nmi_get_sample_period()``) runs ``watchdog_hardlockup_check()``: when
``hrtimer_interrupts`` has not moved since the last NMI (``is_hardlockup()``)
it prints "Watchdog detected hard LOCKUP on cpu N" once
(``watchdog_hardlockup_warned``) until the CPU takes its timer again.

The hrtimers and NMIs emit no trace event unless they report (the tick's
``hrtimer_expire_entry`` already shows a CPU is alive); reports go through
`ktui.sim.kernel.printk` and are ``watchdog:softlockup`` /
``watchdog:hardlockup`` events (the kernel has no tracepoint for them). They
stop re-arming when nothing but the detectors is pending, so a finished
machine still finishes.

Left out: the preemption points between samples (a stopper queued under a
spinlock runs at the next context switch, not at ``spin_unlock()``), a
hrtimer deferred by irqs-off runs at the next sample with irqs on rather than
at ``local_irq_enable()``, ``touch_softlockup_watchdog()``, the 3/4-thresh
sched_ext report, ``softlockup_panic``/``hardlockup_panic``, backtraces,
perf's cycle-based period drift, the "pr_fmt" ``watchdog: `` prefix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ktui.sim.kernel.printk import printk
from ktui.sim.kernel.watchdog.sysctl import sysctl_of
from ktui.sim.machine import PRIO_IRQ, register_kind
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

NSEC_PER_SEC = 1_000_000_000
NUM_SAMPLE_PERIODS = 5
"""kernel/watchdog.c: samples per soft-lockup threshold."""

EV_SOFTLOCKUP = define_event("softlockup", "watchdog", ("duration", "int"))
EV_HARDLOCKUP = define_event("hardlockup", "watchdog", ("lockup_cpu", "int"))
register_format("softlockup", lambda ev: f"stuck_for={ev.fields['duration']}s")
register_format("hardlockup", lambda ev: f"cpu={ev.fields['lockup_cpu']}")

# per-CPU state, m.ext["watchdog"][cpu][field]
TOUCH_NS = 0  # when softlockup_fn() last ran (watchdog_touch_ts, in ns)
REPORT_TS = 1  # watchdog_report_ts, get_timestamp() units
HRTIMER_INTERRUPTS = 2
HRTIMER_INTERRUPTS_SAVED = 3
HARDLOCKUP_WARNED = 4
STOP_PENDING = 5  # softlockup_completion not done
STOP_PID = 6  # the task running when the stopper was queued
STOP_QUEUED_NS = 7


def get_timestamp(ns: int) -> int:
    """kernel/watchdog.c get_timestamp(): ``running_clock() >> 30``."""
    return ns >> 30


def softlockup_thresh(thresh: int) -> int:
    """get_softlockup_thresh(): ``watchdog_thresh * 2``."""
    return thresh * 2


def sample_period_ns(thresh: int) -> int:
    """set_sample_period(): ``get_softlockup_thresh() * (NSEC_PER_SEC / NUM_SAMPLE_PERIODS)``."""
    return softlockup_thresh(thresh) * (NSEC_PER_SEC // NUM_SAMPLE_PERIODS)


def is_softlockup(touch_ts: int, period_ts: int, now: int, thresh: int) -> int:
    """is_softlockup(): seconds stuck once ``now`` is past ``period_ts + 2 * thresh``, else 0."""
    if now > period_ts + softlockup_thresh(thresh):
        return now - touch_ts
    return 0


def watchdog_boot(m: Machine) -> None:
    """lockup_detector_init() -> watchdog_enable() on each CPU: touch at
    boot, arm the hrtimer one sample period out and the perf NMI one
    threshold out. Nothing at all when the scenario has no ``[sysctl]``."""
    ctl = sysctl_of(m)
    if ctl is None:
        return
    m.ext["watchdog"] = [[0, 0, 0, 0, 0, 0, 0, 0] for _ in range(m.ncpus)]
    if not ctl.watchdog or not ctl.watchdog_thresh:
        return
    for cpu in range(m.ncpus):
        m.push(sample_period_ns(ctl.watchdog_thresh), PRIO_IRQ, K_WATCHDOG_HRTIMER, cpu, 0)
        m.push(ctl.watchdog_thresh * NSEC_PER_SEC, PRIO_IRQ, K_WATCHDOG_NMI, cpu, 0)


def others_pending(m: Machine) -> bool:
    """Whether anything but the detectors' own timers is queued."""
    return any(item[3] not in DETECTOR_KINDS for item in m.queue)


def _state(m: Machine, cpu: int) -> list[int]:
    wd = m.ext["watchdog"]
    assert isinstance(wd, list)
    st = wd[cpu]
    assert isinstance(st, list)
    return st


def _stopper_ran(m: Machine, cpu: int, st: list[int]) -> None:
    """softlockup_fn(): update_touch_ts() (which also updates report_ts)."""
    rq = m.rqs[cpu]
    curr = m.tasks[rq.curr] if rq.curr else None
    if curr is None or (m.pcpu[cpu].preempt_count == 0 and not curr.irqs_disabled):
        touch = m.now  # runs right after this hrtimer's irq_exit()
    else:
        prev = m.tasks.get(st[STOP_PID])
        if prev is None or rq.curr == prev.pid or prev.last_ran < st[STOP_QUEUED_NS]:
            return  # still pending: no switch since it was queued
        touch = prev.last_ran
    st[STOP_PENDING] = 0
    st[TOUCH_NS] = touch
    st[REPORT_TS] = get_timestamp(touch)


def _watchdog_timer_fn(m: Machine, cpu: int, _b: int) -> bool:
    """watchdog_timer_fn() on `cpu`, every sample period."""
    ctl = sysctl_of(m)
    assert ctl is not None
    period = sample_period_ns(ctl.watchdog_thresh)
    if others_pending(m):
        m.push(m.now + period, PRIO_IRQ, K_WATCHDOG_HRTIMER, cpu, 0)  # HRTIMER_RESTART
    curr = m.curr(cpu)
    if curr is not None and curr.irqs_disabled:
        return False  # deferred until interrupts are on (taken at the next sample)
    st = _state(m, cpu)
    st[HRTIMER_INTERRUPTS] += 1  # watchdog_hardlockup_kick()
    if st[STOP_PENDING]:
        _stopper_ran(m, cpu, st)
    if not st[STOP_PENDING]:  # completion_done(): queue softlockup_fn() again
        st[STOP_PENDING] = 1
        st[STOP_PID] = m.rqs[cpu].curr
        st[STOP_QUEUED_NS] = m.now
        _stopper_ran(m, cpu, st)
    now = get_timestamp(m.now)
    duration = is_softlockup(get_timestamp(st[TOUCH_NS]), st[REPORT_TS], now, ctl.watchdog_thresh)
    if not duration:
        return False
    pid = curr.pid if curr is not None else 0
    printk(
        m, cpu, pid,
        f"BUG: soft lockup - CPU#{cpu} stuck for {duration}s! [{m.comm(pid, cpu)}:{pid}]",
    )
    st[REPORT_TS] = now  # update_report_ts(): report again 2 * thresh later
    m.emit(EV_SOFTLOCKUP, cpu, pid, duration)
    return True


def _watchdog_overflow_callback(m: Machine, cpu: int, _b: int) -> bool:
    """watchdog_overflow_callback() -> watchdog_hardlockup_check(cpu), in NMI."""
    ctl = sysctl_of(m)
    assert ctl is not None
    if others_pending(m):
        m.push(m.now + ctl.watchdog_thresh * NSEC_PER_SEC, PRIO_IRQ, K_WATCHDOG_NMI, cpu, 0)
    st = _state(m, cpu)
    # is_hardlockup(): hrtimer_interrupts did not move since the last NMI.
    if st[HRTIMER_INTERRUPTS] != st[HRTIMER_INTERRUPTS_SAVED]:
        st[HRTIMER_INTERRUPTS_SAVED] = st[HRTIMER_INTERRUPTS]
        st[HARDLOCKUP_WARNED] = 0
        return False
    if st[HARDLOCKUP_WARNED]:  # only print hardlockups once
        return False
    st[HARDLOCKUP_WARNED] = 1
    pid = m.rqs[cpu].curr
    printk(m, cpu, pid, f"CPU{cpu}: Watchdog detected hard LOCKUP on cpu {cpu}")
    m.emit(EV_HARDLOCKUP, cpu, pid, cpu)
    return True


K_WATCHDOG_HRTIMER = register_kind("watchdog_hrtimer", _watchdog_timer_fn)
K_WATCHDOG_NMI = register_kind("watchdog_perf_nmi", _watchdog_overflow_callback)
DETECTOR_KINDS: list[int] = [K_WATCHDOG_HRTIMER, K_WATCHDOG_NMI]
"""The detectors' pending kinds (hung_task.py adds khungtaskd's)."""
