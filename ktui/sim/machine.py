"""The machine: all simulator state, the event queue and the step loop.

One integer-nanosecond clock (``now``), one heap of pending work ordered by
``(time_ns, prio, seq)`` (simpy's core shape) and one `random.Random` seeded
from the scenario. Everything the model knows lives in this object as plain
data (ints, lists, tuples, `SortedList`, slot objects that refer to each
other by number), so a checkpoint is a copy and `canonical_state` digests it
the same way on every machine.

A `step` pops pending work until one piece of it emits a trace event; each
handler emits at most one, so one step is one event. Work that needs several
events queues its continuation at the same time with `PRIO_CONT`, which runs
before anything else due at that instant.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.percpu import PerCpu
from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.sched.features import sched_config
from ktui.sim.kernel.sched.sched import Rq
from ktui.sim.kernel.sched.topology import build_sched_domains
from ktui.sim.state import mypyc_attr
from ktui.sim.trace import Names, RegistrationError, stable_id
from ktui.sim.units import KTIME_MAX

if TYPE_CHECKING:
    from ktui.sim.kernel.locking.lock import Lock
    from ktui.sim.scenario import Scenario
    from ktui.sim.trace import EventSink

# Order of work due at the same nanosecond.
PRIO_NESTED = -1  # the rest of a callee's work (ttwu's sched_wakeup) before its caller's
PRIO_CONT = 0  # the rest of something already started (its next event)
PRIO_IRQ = 1  # interrupts: the tick, timer expiry
PRIO_TASK = 2  # a CPU resuming its current task's program
PRIO_FORK = 3  # scenario tasks being created

SILENT_WORK_LIMIT: Final = 32_768
"""Silent work one step may do before the machine reports a live-lock.

Each handler call that emits no event counts 1, and each op a CPU runs in a
silent chain (`ktui.sim.hw.cpu`) counts 1 more. A step that does this much
without an event is a simulator live-lock (`Machine.step` sets
``cfg.stall``), not a kernel state. Counted in work, never wall clock, so
it stops at the same place on every machine."""
NO_HORIZON: Final = KTIME_MAX
"""`Config.horizon` when no ``--until`` bounds the run: the end of time.

Times are ktime_t nanoseconds (include/linux/ktime.h), so work due after
`KTIME_MAX` can never happen; a step that reaches it stops with ``cfg.stall``
``"ktime_max"`` and the run ends there (status ``limit``, `KTIME_MAX_REASON`)."""
KTIME_MAX_REASON: Final = (
    f"simulated time would pass KTIME_MAX ({KTIME_MAX} ns, about 292 years): the clock cannot go further"
)

KindHandler = Callable[["Machine", int, int], bool]
"""Handles one pending item ``(a, b)``; returns True if it emitted an event."""

KIND_HANDLERS: dict[int, KindHandler] = {}
"""Handler of each kind of pending work, by id."""
KIND_NAMES: dict[int, str] = {}
"""Name of each kind, by id."""


def register_kind(name: str, handler: KindHandler) -> int:
    """Register a kind of pending work; returns the id queued with it.

    The id is `stable_id` of the name, so queued work (part of the state)
    hashes the same whatever was registered or imported before.

    Raises:
        RegistrationError: `name` is registered already, or its id collides.
    """
    kind = stable_id("kind:" + name)
    if kind in KIND_NAMES:
        raise RegistrationError(f"pending-work kind {name!r} collides with {KIND_NAMES[kind]!r}")
    KIND_HANDLERS[kind] = handler
    KIND_NAMES[kind] = name
    return kind


def unregister_kind(kind: int) -> None:
    """Forget a kind (for tests that register a subsystem for a while)."""
    del KIND_HANDLERS[kind], KIND_NAMES[kind]


def bind_kind(kind: int, handler: KindHandler) -> None:
    """Set the handler of a kind registered earlier (breaks import cycles)."""
    KIND_HANDLERS[kind] = handler


class Config:
    """What a run never changes: the scenario and tables derived from it.

    Kept out of checkpoints and state digests.
    """

    __slots__ = (
        "scenario",
        "names",
        "programs",
        "program_texts",
        "sink",
        "sched",
        "topology",
        "this_cpu",
        "horizon",
        "silent",
        "stall",
        "stall_item",
    )

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        spec = scenario.machine
        self.sched = sched_config(spec.kver, spec.cpus, spec.hz)
        """The fair class's feature level and tunables, chosen once at boot."""
        self.topology = build_sched_domains(spec)
        """The CPU topology and sched domain levels (kernel/sched/topology.c)."""
        self.this_cpu = 0
        """smp_processor_id() of the caller of select_task_rq(), set by it
        for the class's choice (the waker's CPU); not state."""
        comms = ["swapper"] + [t.name for t in scenario.tasks]
        self.names = Names(comms, [lk.name for lk in scenario.locks])
        self.programs = [()] + [t.program for t in scenario.tasks]
        self.program_texts = [
            (tuple(op.text or op.name for op in prog), tuple(op.line for op in prog))
            for prog in self.programs
        ]
        """Each pid's program as (op texts, line numbers), for the views."""
        self.sink: EventSink | None = None
        self.horizon = NO_HORIZON
        """`Machine.step` pops no work due after this time (``--until``)."""
        self.silent = 0
        """Silent work done in the current step (see `SILENT_WORK_LIMIT`)."""
        self.stall = ""
        """Why the last `Machine.step` returned False with work left:
        ``"until"`` (the horizon) or ``"livelock"``; "" when it emitted or
        the queue ran dry."""
        self.stall_item: tuple[int, int, int] = (0, 0, 0)
        """``(kind, a, b)`` of the last silent work of a live-locked step."""


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class Machine:
    """The simulated machine: CPUs with their run queues, tasks, locks, clock.

    Attributes:
        now: Simulated time, ns since boot.
        jiffies: Ticks since boot (jiffies, starting at 0 rather than the
            kernel's INITIAL_JIFFIES so that times read plainly).
        queue: Pending work ``(time, prio, seq, kind, a, b)``.
        rng: The one random source (seeded from the scenario).
        tasks: Every task ever created, by pid (exited ones stay, as zombies).
        rqs: One run queue per CPU.
        pcpu: Each CPU's per-CPU variables (preempt_count, its contexts).
        locks: Every lock, by id.
        nr_events: Events emitted so far (the position in the trace).
        last: The last emitted record.
        deadlocks: Each detected cycle: ``(event, pids, lock ids, acquired)``,
            where lock ``locks[i]`` is wanted by ``pids[i]`` and
            ``acquired[i]`` is the position after its owner took it.
        bugs: The kernel log: each BUG/WARNING the model printed,
            ``(event, time_ns, cpu, pid, message)`` (`ktui.sim.kernel.printk`).
    """

    __slots__: Final = (
        "cfg",
        "now",
        "jiffies",
        "queue",
        "seq",
        "tree_seq",
        "rng",
        "tasks",
        "rqs",
        "pcpu",
        "locks",
        "kver",
        "ncpus",
        "hz",
        "tick_nsec",
        "nr_events",
        "last",
        "deadlocks",
        "bugs",
        "nr_exited",
        "ext",
    )

    def __init__(self, scenario: Scenario) -> None:
        self.cfg = Config(scenario)
        spec = scenario.machine
        self.now = 0
        self.jiffies = 0
        self.queue: list[tuple[int, int, int, int, int, int]] = []
        self.seq = 0
        self.tree_seq = 0
        self.rng = random.Random(scenario.seed)
        self.tasks: dict[int, TaskStruct] = {}
        self.rqs = [Rq(cpu) for cpu in range(spec.cpus)]
        self.pcpu = [PerCpu(cpu) for cpu in range(spec.cpus)]
        self.locks: list[Lock] = []
        self.kver = spec.kver
        self.ncpus = spec.cpus
        self.hz = spec.hz
        # include/linux/jiffies.h: TICK_NSEC = (NSEC_PER_SEC + HZ/2) / HZ
        self.tick_nsec = (1_000_000_000 + spec.hz // 2) // spec.hz
        self.nr_events = 0
        self.last: tuple[int, ...] = ()
        self.deadlocks: list[tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = []
        self.bugs: list[tuple[int, int, int, int, str]] = []
        self.nr_exited = 0
        self.ext: dict[str, object] = {}
        """State of later subsystems, by subsystem name (plain data only)."""

    # -- state copy -------------------------------------------------------
    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, s) for s in self.__slots__[1:])

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for name, value in zip(self.__slots__[1:], state, strict=True):
            setattr(self, name, value)

    # -- the queue --------------------------------------------------------
    def next_seq(self) -> int:
        """A fresh tie-breaker for a tree insertion (rb_add_cached order)."""
        self.tree_seq += 1
        return self.tree_seq

    def push(self, time_ns: int, prio: int, kind: int, a: int = 0, b: int = 0) -> None:
        """Queue work `kind(a, b)` at `time_ns`."""
        self.seq += 1
        heapq.heappush(self.queue, (time_ns, prio, self.seq, kind, a, b))

    def peek_time(self) -> int | None:
        """Time of the next pending work, or None when nothing is pending."""
        return self.queue[0][0] if self.queue else None

    def emit(self, type_id: int, cpu: int, pid: int, *fields: int) -> None:
        """Emit one trace record at `now` on `cpu` with ``common_pid`` `pid`."""
        rec = (type_id, self.now, cpu, pid, *fields)
        self.last = rec
        self.nr_events += 1
        sink = self.cfg.sink
        if sink is not None:
            sink(rec)

    def step(self) -> bool:
        """Run pending work until one event is emitted.

        Bounded: it pops no work due after ``cfg.horizon`` and does at most
        `SILENT_WORK_LIMIT` silent work; either way it returns False with
        ``cfg.stall`` saying which (``"until"``, ``"ktime_max"`` when the
        next work is past `KTIME_MAX` and no ``--until`` was given, or
        ``"livelock"``).

        Returns:
            False when nothing is left to do (the machine is finished, and
            ``cfg.stall`` is ""), or the step stopped at a bound.
        """
        queue = self.queue
        handlers = KIND_HANDLERS
        cfg = self.cfg
        horizon = cfg.horizon
        cfg.silent = 0
        cfg.stall = ""
        while queue:
            if queue[0][0] > horizon:
                cfg.stall = "ktime_max" if horizon == NO_HORIZON else "until"
                return False
            time_ns, _prio, _seq, kind, a, b = heapq.heappop(queue)
            self.now = time_ns
            if handlers[kind](self, a, b):
                return True
            cfg.silent += 1
            if cfg.silent > SILENT_WORK_LIMIT:
                cfg.stall = "livelock"
                cfg.stall_item = (kind, a, b)
                return False
        return False

    # -- lookups ----------------------------------------------------------
    @property
    def names(self) -> Names:
        """pid/lock-id resolver for printing."""
        return self.cfg.names

    def curr(self, cpu: int) -> TaskStruct | None:
        """The task running on `cpu`, or None when it is idle."""
        pid = self.rqs[cpu].curr
        return self.tasks[pid] if pid else None

    def comm(self, pid: int, cpu: int = 0) -> str:
        """comm of `pid` (``swapper/N`` for pid 0)."""
        return self.cfg.names.comm(pid, cpu)
