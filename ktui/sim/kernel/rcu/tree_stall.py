"""kernel/rcu/tree_stall.h: the RCU CPU stall detector's timeout.

``rcu_cpu_stall_timeout`` is CONFIG_RCU_CPU_STALL_TIMEOUT, 21 seconds by
default; rcu_jiffies_till_stall_check() clamps it to 3..300 s and adds
RCU_STALL_DELAY_DELTA (0 without CONFIG_PROVE_RCU). The check runs from the
tick (rcu_pending() -> check_cpu_stall()): once jiffies pass
rcu_state.jiffies_stall with the grace period still waiting, it prints
"INFO: rcu_preempt detected stalls on CPUs/tasks:" with a line per CPU
still to report, the blocked tasks and "(detected by ...)", and sets the
next report 3 * timeout + 3 jiffies later. Left out of the per-CPU lines:
the idle/softirq/fqs counters (printed as the kernel's layout with 0s) and
the stack dumps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ktui.sim.units import shorten

if TYPE_CHECKING:
    from ktui.sim.machine import Machine
    from ktui.sim.scenario import SectionContext

CONFIG_RCU_CPU_STALL_TIMEOUT: Final = 21
RCU_STALL_DELAY_DELTA: Final = 0


def rcu_cpu_stall_timeout(m: Machine) -> int:
    """The stall timeout in seconds: ``[rcu] stall_timeout`` or the config's."""
    spec = m.cfg.scenario.sections.get("rcu")
    value = getattr(spec, "stall_timeout", None)
    return CONFIG_RCU_CPU_STALL_TIMEOUT if value is None else int(value)


def rcu_jiffies_till_stall_check(m: Machine) -> int:
    """rcu_jiffies_till_stall_check(): the timeout clamped to 3..300 s, in jiffies."""
    till = min(max(rcu_cpu_stall_timeout(m), 3), 300)
    return till * m.hz + RCU_STALL_DELAY_DELTA


@dataclass(frozen=True, slots=True)
class RcuSpec:
    """The ``[rcu]`` table: ``stall_timeout`` (rcupdate.rcu_cpu_stall_timeout, s)."""

    stall_timeout: int = CONFIG_RCU_CPU_STALL_TIMEOUT


RCU_KEYS: Final = ("stall_timeout",)


def parse_rcu(value: object, ctx: SectionContext) -> RcuSpec:
    """Validate ``[rcu]``; every error names the key and what was expected."""
    if not isinstance(value, dict):
        raise ctx.error("expected a table [rcu] with stall_timeout")
    for key in value:
        if key not in RCU_KEYS:
            raise ctx.error(f"unknown key {shorten(key)!r} (allowed: {', '.join(RCU_KEYS)})", key)
    t = value.get("stall_timeout", CONFIG_RCU_CPU_STALL_TIMEOUT)
    if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= 300:
        raise ctx.error("expected whole seconds 1..300 (below 3 is taken as 3, as the kernel clamps)", "stall_timeout")
    return RcuSpec(t)


def stall_report(m: Machine, cpu: int) -> str:
    """print_other_cpu_stall(): the headline, one line per CPU still to
    report, the blocked tasks, then "(detected by ...)"."""
    from ktui.sim.kernel.rcu.rcu import rcu_state
    from ktui.sim.kernel.rcu.tree import RCU_NAME

    st = rcu_state(m)
    jiffies = m.now // m.tick_nsec
    lines = [f"INFO: {RCU_NAME} detected stalls on CPUs/tasks:"]
    for c in range(m.ncpus):
        if st.qsmask & (1 << c):
            lines.append(f"\t{c}-...!: (0 GPs behind) fqs={0}")
    if st.gp_tasks:
        pids = " ".join(f"P{p}" for p in st.gp_tasks)
        lines.append(f"\tTasks blocked on level-0 rcu_node (CPUs 0-{m.ncpus - 1}): {pids}")
    qlen = sum(len(r.cbs) for r in st.rdp)
    lines.append(
        f"\t(detected by {cpu}, t={jiffies - st.gp_start // m.tick_nsec} jiffies, g={st.gp_seq}, q={qlen} ncpus={m.ncpus})"
    )
    return "\n".join(lines)
