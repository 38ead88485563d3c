"""The ordered list of simulator subsystems, and loading them.

Adding a subsystem is a package under ``ktui/sim/`` with one `Subsystem`
descriptor (`ktui.sim.core.subsystem`), plus one line in `BUILTIN`. The order
is the order of boot, snapshot and report sections and screens; ids never
depend on it (they are `stable_id`s of names).

Tests (and plug-ins) add one for a while with `register` / `unregister`.
"""

from __future__ import annotations

import importlib

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.hw.litmus.subsystem import SUBSYSTEM as LITMUS
from ktui.sim.hw.subsystem import SUBSYSTEM as CPU
from ktui.sim.include.linux.atomic_subsystem import SUBSYSTEM as ATOMIC
from ktui.sim.kernel.entry.subsystem import SUBSYSTEM as SYSCALLS
from ktui.sim.kernel.irq.subsystem import SUBSYSTEM as IRQ
from ktui.sim.kernel.locking.lockdep_subsystem import SUBSYSTEM as LOCKDEP
from ktui.sim.kernel.locking.subsystem import SUBSYSTEM as LOCKING
from ktui.sim.kernel.rcu.subsystem import SUBSYSTEM as RCU
from ktui.sim.kernel.sched.subsystem import SUBSYSTEM as SCHED
from ktui.sim.kernel.time.subsystem import SUBSYSTEM as TIME
from ktui.sim.kernel.watchdog.subsystem import SUBSYSTEM as WATCHDOG
from ktui.sim.lib.subsystem import SUBSYSTEM as PERCPU
from ktui.sim.ops import OBJECT_KINDS, OPS, check_arg_kinds, register_object_kind
from ktui.sim.scenario import register_section, unregister_section

BUILTIN: tuple[Subsystem, ...] = (
    CPU,
    SCHED,
    IRQ,
    LOCKING,
    LOCKDEP,
    RCU,
    TIME,
    WATCHDOG,
    SYSCALLS,
    ATOMIC,
    PERCPU,
    LITMUS,
)
"""The built-in subsystems, in order."""

SUBSYSTEMS: list[Subsystem] = []
"""Every loaded subsystem, built-in ones first."""


def register(sub: Subsystem) -> Subsystem:
    """Load `sub`: import its modules (which register their ops, events and
    kinds) and add it to `SUBSYSTEMS`.

    Raises:
        ValueError: a subsystem of that name is loaded already, or a table
            it declares is taken.
        RegistrationError: an object kind is taken, or an op it registered
            takes an argument of no known kind.

    On an error nothing of `sub` stays registered but what its modules
    registered while being imported.
    """
    if any(s.name == sub.name for s in SUBSYSTEMS):
        raise ValueError(f"subsystem {sub.name!r} is registered twice")
    known_ops = len(OPS)
    for module in sub.modules:
        importlib.import_module(module)
    SUBSYSTEMS.append(sub)
    try:
        for kind in sub.objects.values():
            register_object_kind(kind)
        for table, parser in sub.tables.items():
            register_section(table, parser)
        # the ops its modules just registered (dicts keep insertion order)
        check_arg_kinds(list(OPS)[known_ops:])
    except Exception:
        unregister(sub.name)
        raise
    return sub


def unregister(name: str) -> None:
    """Remove the subsystem `name`: from `SUBSYSTEMS`, its tables and object
    kinds (what its modules registered at import stays with them). A no-op
    when it is not loaded."""
    found = [s for s in SUBSYSTEMS if s.name == name]
    if not found:
        return
    sub = found[0]
    for name_, kind in sub.objects.items():
        if OBJECT_KINDS.get(name_) is kind:  # not another subsystem's
            del OBJECT_KINDS[name_]
    for table, parser in sub.tables.items():
        unregister_section(table, parser)
    SUBSYSTEMS.remove(sub)


def subsystem(name: str) -> Subsystem:
    """The loaded subsystem called `name`."""
    for s in SUBSYSTEMS:
        if s.name == name:
            return s
    raise KeyError(name)


for _sub in BUILTIN:
    register(_sub)
