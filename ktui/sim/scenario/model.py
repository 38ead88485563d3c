"""The scenario's frozen data: `Scenario` and its machine, lock and task specs,
with the limits and defaults the loader enforces. No kernel counterpart."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from ktui.sim.ops import Op

DEFAULT_SEED: Final = 1
"""``[scenario] seed`` when omitted."""
DEFAULT_CPUS: Final = 1
MAX_CPUS: Final = 64
"""Most CPUs a machine may have (the model's limit, not the kernel's NR_CPUS)."""
HZ_CHOICES: Final = (100, 250, 300, 1000)
"""CONFIG_HZ choices in kernel/Kconfig.hz."""
DEFAULT_HZ: Final = 250
MAX_SMT: Final = 8
"""Most hardware threads per core the loader accepts."""
DEFAULT_KERNEL: Final = "6.18"
KERNEL_MINORS: Final[dict[int, int]] = {5: 19, 6: 18}
"""Supported kernel major -> last minor (5.0 .. 5.19, 6.0 .. 6.18)."""
KERNEL_2_6_SUBLEVELS: Final = 22
"""2.6.0 .. 2.6.22 are supported: the O(1) scheduler (CFS replaced it in 2.6.23)."""
TASK_COMM_LEN: Final = 16
"""include/linux/sched.h: comm is 16 bytes with the NUL, so 15 characters."""
MIN_NICE: Final = -20
MAX_NICE: Final = 19
MAX_TASKS: Final = 32768
"""PID_MAX_DEFAULT (include/linux/threads.h): pids are 1..32767 here."""

CORE_SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "scenario": ("name", "description", "seed"),
    "machine": ("cpus", "hz", "kernel", "smt", "sockets"),
    "locks": (),
    "task": (
        "name",
        "cpu",
        "affinity",
        "nice",
        "policy",
        "rt_priority",
        "runtime",
        "deadline",
        "period",
        "start",
        "program",
    ),
    "breakpoint": ("when",),
}
"""Top-level tables this module parses, and their keys (``locks``: any name)."""



@dataclass(frozen=True, slots=True)
class MachineSpec:
    """``[machine]``: the simulated hardware and the modelled kernel."""

    cpus: int
    """Number of CPUs, 1..MAX_CPUS."""
    hz: int
    """Tick rate (CONFIG_HZ)."""
    kernel: str
    """Kernel version as written, ``"X.Y"`` (``"2.6.N"`` before 3.0)."""
    kver: tuple[int, ...]
    """`kernel` as (major, minor) or (2, 6, N), for comparisons."""
    smt: int = 1
    """Hardware threads per core (the SMT sched domain's span); divides `cpus`."""
    sockets: int = 1
    """Packages, each one LLC (the MC domain's span); the PKG domain spans
    them all when there is more than one. Divides ``cpus // smt``."""


@dataclass(frozen=True, slots=True)
class LockSpec:
    """One ``[locks]`` entry."""

    name: str
    """Identifier used in programs."""
    kind: str
    """A registered lock kind (``mutex``, ``spinlock``)."""
    id: int
    """Index in ``[locks]`` order; what ``lock`` op args hold."""
    line: int
    """1-based line in the file, 0 if unknown."""
    cls: str = ""
    """Its lockdep class (``class = "X"``); "" means its own name, as a lock
    with a static lock_class_key of its own."""
    count: int = 1
    """A semaphore's initial count (``sema_init(sem, count)``)."""

    @property
    def class_name(self) -> str:
        """The lockdep class the lock belongs to."""
        return self.cls or self.name


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """One ``[[task]]``."""

    name: str
    """comm, at most TASK_COMM_LEN - 1 characters, unique."""
    pid: int
    """Assigned in file order from 1."""
    cpu: int | None
    """Starting CPU, None to let the scheduler choose."""
    affinity: tuple[int, ...]
    """Allowed CPUs, sorted; all CPUs by default."""
    nice: int
    """-20..19."""
    policy: str
    """``normal``, ``batch``, ``idle``, ``fifo``, ``rr`` or ``deadline``."""
    start_ns: int
    """Fork time in ns."""
    program: tuple[Op, ...]
    """The compiled program (see `ktui.sim.scenario.program`)."""
    line: int
    """Line of the ``[[task]]`` header, 0 if unknown."""
    rt_priority: int = 0
    """1..99 for ``fifo``/``rr``, else 0."""
    dl_runtime: int = 0
    """``deadline`` tasks: runtime per period, ns."""
    dl_deadline: int = 0
    """``deadline`` tasks: relative deadline, ns."""
    dl_period: int = 0
    """``deadline`` tasks: period, ns (the deadline when not given)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """A loaded, validated scenario."""

    name: str
    """``[scenario] name``; the file's stem by default."""
    description: str
    """``[scenario] description``."""
    seed: int
    """Seed of the machine's one `random.Random`."""
    path: str
    """The file as given, or the built-in name."""
    machine: MachineSpec
    locks: tuple[LockSpec, ...]
    tasks: tuple[TaskSpec, ...]
    breakpoints: tuple[tuple[str, int], ...]
    """``(expression, line)`` of each ``[[breakpoint]] when``; parsed later."""
    sections: Mapping[str, object] = field(default_factory=dict)
    """Extra top-level tables, as returned by their registered parsers."""
    source: str = ""
    """The TOML text (empty when built from a dict)."""
