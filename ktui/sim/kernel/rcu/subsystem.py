"""The RCU descriptor: kernel/rcu/ (to be written)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem

SUBSYSTEM = Subsystem(name="rcu", title="RCU")
