"""kernel/rcu/tree_stall.h: the RCU CPU stall detector's timeout.

``rcu_cpu_stall_timeout`` is CONFIG_RCU_CPU_STALL_TIMEOUT, 21 seconds by
default; rcu_jiffies_till_stall_check() clamps it to 3..300 s and adds
RCU_STALL_DELAY_DELTA (0 without CONFIG_PROVE_RCU).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

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
