"""The RCU descriptor: kernel/rcu/ (Tree RCU, rcu_preempt)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.kernel.rcu.rcu import rcu_boot
from ktui.sim.kernel.rcu.tree_stall import parse_rcu
from ktui.sim.kernel.rcu.view import rcu_report, rcu_view

SUBSYSTEM = Subsystem(
    name="rcu",
    title="RCU",
    modules=("ktui.sim.include.trace.events.rcu", "ktui.sim.kernel.rcu.tree", "ktui.sim.kernel.rcu.srcutree"),
    boot=rcu_boot,
    tables={"rcu": parse_rcu},
    view=rcu_view,
    report=rcu_report,
)
