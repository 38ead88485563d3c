"""The scheduler's breakpoint subjects: ``task <comm|pid> attr`` and ``cpu <n> attr``.

Reads what ``ps`` and /proc/<pid>/sched show of a task (fs/proc/array.c
``task_state()``, kernel/sched/debug.c ``proc_sched_show_task()``) and what
/proc/sched_debug shows of a run queue (``print_cpu()``). Left out: every
field the model does not keep (``se.load``, ``nr_migrations`` ...).

A task is named by comm or pid. Scenario pids are fixed (the scenario's task
order, `ktui.sim.kernel.fork`), so a comm resolves once to its pid through an
index of ``cfg.names.comms``, and each read is ``m.tasks.get(pid)``: None
before the fork (the condition is false), the zombie after the exit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Final

from ktui.sim.breakpoints.subject import Attr, Key, Subject
from ktui.sim.breakpoints.values import Value
from ktui.sim.include.linux.preempt import in_atomic, in_hardirq, in_interrupt, in_softirq
from ktui.sim.include.linux.sched import SchedPolicy
from ktui.sim.trace import Names, state_letter

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine


def task_state_letter(task: TaskStruct) -> str:
    """ps-style state of a task: R, S, D, Z ... (TASK_REPORT bits)."""
    if task.exit_state:
        return state_letter(task.exit_state)
    return state_letter(task.state & 0x7F) if task.state & 0x7F else "R"


class _CommIndex:
    """comm -> pid of the last `Names` asked about (one scenario at a time).

    Rebuilt when asked about another `Names` or when its comm list grew (a
    task forked under a new comm); the first pid of a comm wins, as the old
    scan in pid order did.
    """

    __slots__ = ("names", "size", "pids")

    def __init__(self) -> None:
        self.names: Names | None = None
        self.size = 0
        self.pids: dict[str, int] = {}

    def pid(self, names: Names, comm: str) -> int | None:
        comms = names.comms
        if self.names is not names or self.size != len(comms):
            pids: dict[str, int] = {}
            for pid in range(1, len(comms)):
                pids.setdefault(comms[pid], pid)
            self.names, self.size, self.pids = names, len(comms), pids
        return self.pids.get(comm)


_COMMS: Final = _CommIndex()


def task_pid(m: Machine, item: str) -> int | None:
    """Pid of the task written `item` (a comm or a pid) in `m`'s scenario.

    A comm wins over a pid: a comm may be all digits (``TASK_COMM_LEN``
    allows any printable text), and ``next_comm=0`` names the task called
    ``0``. Digits that are no task's comm are a pid.
    """
    names = m.cfg.names
    pid = _COMMS.pid(names, item)
    if pid is not None or not item.isdigit() or len(item) > 10:
        return pid
    n = int(item)
    return n if 0 < n < len(names.comms) else None


def _dl_started(t: TaskStruct) -> bool:
    """A SCHED_DEADLINE task whose CBS instance has begun (dl.deadline set)."""
    return t.policy == int(SchedPolicy.SCHED_DEADLINE) and t.dl.deadline != 0


def _blocked_on(m: Machine, t: TaskStruct) -> Value:
    return m.locks[t.blocked_on].name if t.blocked_on >= 0 else ""


_TASK_GET: Final[dict[str, Callable[[Machine, TaskStruct], Value | None]]] = {
    "state": lambda m, t: task_state_letter(t),
    "prio": lambda m, t: t.prio,
    "nice": lambda m, t: t.nice,
    "cpu": lambda m, t: t.cpu,
    "nr_switches": lambda m, t: t.nr_switches,
    "sum_exec_runtime": lambda m, t: t.se.sum_exec_runtime,
    "vruntime": lambda m, t: t.se.vruntime,
    "on_cpu": lambda m, t: int(t.on_cpu),
    "blocked_on": _blocked_on,
    # deadline.c: the CBS budget left in this instance and its absolute
    # deadline (/proc/PID/sched's dl.runtime and dl.deadline)
    # deadline (/proc/PID/sched's dl.runtime and dl.deadline). None (the
    # condition is false) for a task that is not SCHED_DEADLINE or whose
    # first instance has not begun (deadline 0: setup_new_dl_entity() not
    # yet run), so `dl_runtime_left <= 0` means an exhausted budget.
    "dl_runtime_left": lambda m, t: t.dl.runtime if _dl_started(t) else None,
    "dl_deadline_abs": lambda m, t: t.dl.deadline if _dl_started(t) else None,
    "rt_priority": lambda m, t: t.rt_priority,
    "time_slice": lambda m, t: t.rt.time_slice,
}

# The O(1) scheduler's fields (2.6.0 .. 2.6.22); None on later kernels,
# where the condition is then never true.
def _o1_timeslice(m: Machine, t: TaskStruct) -> Value | None:
    return t.o1.time_slice * m.cfg.sched.tick_nsec if t.o1 is not None else None


def _o1_sleep_avg(m: Machine, t: TaskStruct) -> Value | None:
    return t.o1.sleep_avg if t.o1 is not None else None


_TASK_O1_GET: Final[dict[str, Callable[[Machine, TaskStruct], Value | None]]] = {
    "timeslice": _o1_timeslice,
    "sleep_avg": _o1_sleep_avg,
}


def task_get(m: Machine, key: Key, attr: str) -> Value | None:
    """Attribute `attr` of task `key` (a pid); None if it is not forked yet."""
    t = m.tasks.get(int(key))
    if t is None:
        return None
    get = _TASK_GET.get(attr)
    return get(m, t) if get is not None else _TASK_O1_GET[attr](m, t)


def _task_choices(m: Machine) -> Sequence[str]:
    return m.cfg.names.comms[1:]


def _task_value_ok(m: Machine, value: str) -> bool:
    # swapper/N, the idle task, is what `cpu N curr` reads on an idle CPU.
    return value.startswith("swapper") or task_pid(m, value) is not None


TASK: Final = Subject(
    keyword="task",
    items="name",
    what="a task (comm or pid)",
    attrs={
        "state": Attr("state", doc="ps state letter (R, R+, S, D, Z ...)"),
        "prio": Attr("num", doc="effective priority (100-139 for normal tasks)"),
        "nice": Attr("num", doc="nice value"),
        "cpu": Attr("num", doc="CPU it is on or last ran on"),
        "nr_switches": Attr("num", doc="voluntary + involuntary context switches"),
        "sum_exec_runtime": Attr("duration", doc="CPU time used"),
        "vruntime": Attr("vns", doc="se.vruntime"),
        "on_cpu": Attr("bool", doc="running now"),
        "blocked_on": Attr("str", ref="lock", doc="lock it waits for, '' if none"),
        "dl_runtime_left": Attr("vns", doc="SCHED_DEADLINE: runtime left in this instance (dl.runtime)"),
        "dl_deadline_abs": Attr("vns", doc="SCHED_DEADLINE: absolute deadline, ns since boot (dl.deadline)"),
        "rt_priority": Attr("num", doc="sched_param priority, 1-99 for FIFO/RR tasks, else 0"),
        "time_slice": Attr(
            "num", doc="rt.time_slice: ticks left of a SCHED_RR slice (RR_TIMESLICE = 100 ms)"
        ),
        "timeslice": Attr("duration", doc="O(1) scheduler (2.6.x): time_slice left"),
        "sleep_avg": Attr("duration", doc="O(1) scheduler (2.6.x): sleep_avg"),
    },
    lookup=task_pid,
    get=task_get,
    choices=_task_choices,
    value_ok=_task_value_ok,
)
"""``task <comm|pid> attr``."""


def _cpu_lookup(m: Machine, item: str) -> int | None:
    cpu = int(item)
    return cpu if 0 <= cpu < m.ncpus else None


def _cpu_choices(m: Machine) -> Sequence[str]:
    return [str(cpu) for cpu in range(m.ncpus)]


def cpu_get(m: Machine, key: Key, attr: str) -> Value | None:
    """Attribute `attr` of CPU `key` (its run queue and current task)."""
    cpu = int(key)
    rq = m.rqs[cpu]
    if attr == "nr_running":
        return rq.nr_running
    if attr == "dl_nr_running":
        return rq.dl.dl_nr_running
    if attr == "running_bw":
        return rq.dl.running_bw
    if attr == "rt_nr_running":
        return rq.rt.rt_nr_running
    if attr == "rt_throttled":
        return int(rq.rt.rt_throttled)
    if attr == "curr":
        return m.comm(rq.curr, cpu)
    curr = m.tasks[rq.curr] if rq.curr else None
    if attr == "idle":
        return int(curr is None)
    pc = m.pcpu[cpu].preempt_count
    if attr == "preempt_count":
        return pc
    if attr == "in_interrupt":
        return int(in_interrupt(pc))
    if attr == "in_hardirq":
        return int(in_hardirq(pc))
    if attr == "in_softirq":
        return int(in_softirq(pc))
    if attr == "in_atomic":
        return int(in_atomic(pc))
    if attr == "irqs_disabled":
        return int(curr.irqs_disabled) if curr is not None else 0
    o1rq = rq.o1
    if attr in ("nr_active", "nr_expired") and o1rq is not None:
        active = o1rq.active if attr == "nr_active" else o1rq.active ^ 1
        return o1rq.arrays[active].nr_active
    return None


CPU: Final = Subject(
    keyword="cpu",
    items="number",
    what="a CPU number",
    label="CPU",
    attrs={
        "nr_running": Attr("num", doc="rq->nr_running"),
        "dl_nr_running": Attr("num", doc="rq->dl.dl_nr_running (the fair server counts while queued)"),
        "running_bw": Attr("num", doc="rq->dl.running_bw: active deadline utilisation, 1 << 20 = 100%"),
        "rt_nr_running": Attr("num", doc="rq->rt.rt_nr_running: RT tasks queued, running one included"),
        "rt_throttled": Attr("bool", doc="rq->rt.rt_throttled: out of RT runtime this period (before 6.12)"),
        "curr": Attr("str", ref="task", doc="comm of rq->curr (swapper/N when idle)"),
        "idle": Attr("bool", doc="running its idle task"),
        "preempt_count": Attr("num", doc="preempt_count() on that CPU (per-CPU, as on x86)"),
        "in_interrupt": Attr("bool", doc="in_interrupt(): hardirq, softirq or NMI count set"),
        "in_hardirq": Attr("bool", doc="in_hardirq(): inside a hard interrupt handler"),
        "in_softirq": Attr("bool", doc="in_softirq(): serving softirqs or bottom halves off"),
        "in_atomic": Attr("bool", doc="in_atomic(): preempt_count() != 0"),
        "irqs_disabled": Attr("bool", doc="irqs_disabled() on that CPU"),
        "nr_active": Attr("num", doc="O(1) scheduler (2.6.x): rq->active->nr_active"),
        "nr_expired": Attr("num", doc="O(1) scheduler (2.6.x): rq->expired->nr_active"),
    },
    lookup=_cpu_lookup,
    get=cpu_get,
    choices=_cpu_choices,
)
"""``cpu <n> attr``."""
