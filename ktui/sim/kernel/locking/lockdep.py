"""The lock validator: kernel/locking/lockdep.c.

Follows ``__lock_acquire()``: each acquisition finds (or registers) its lock
class (the ``[locks]`` ``class``, one class per subclass as
``look_up_lock_class()`` keys them), pushes a held lock onto the task's
stack (``MAX_LOCK_DEPTH`` 48), marks the class's usage bits
(``mark_usage()``), folds the class into the chain key
(``iterate_chain_key()``, the kernel's ``__jhash_mix``) and, for a chain not
in the chain cache (``lookup_chain_cache_add()``), runs ``validate_chain()``:
``check_deadlock()`` against the held locks (read-recursion allowed as the
kernel allows it) and ``check_prevs_add()`` / ``check_prev_add()``, whose
``check_noncircular()`` is the kernel's BFS over ``locks_after`` with strong
dependency paths (``-(*R)->`` then ``-(S*)->`` is no path) before the new
edge is added to both lists (``locks_after`` / ``locks_before``) with the
event index at which it was first added.

Bookkeeping rides on the lock events (hooks of `ktui.sim.kernel.locking.lock`);
only a report is an event (``lockdep``), queued by the hook and emitted as the
next step with its printk. ``[lockdep]`` ``one_shot`` is ``debug_locks_off()``
after the first report.

Left out: lock addresses and stack traces ("at:" and the "stack backtrace:"
part of reports), nest_lock, lock pinning, the CONFIG_LOCKDEP_SMALL redundancy
check, class name versions (``#2``), cross-release, the wait-type check.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.include.linux.preempt import hardirq_count, softirq_count
from ktui.sim.kernel.locking.lock import (
    MAX_LOCKDEP_SUBCLASSES,
    UNLOCK_IMBALANCE,
    Lock,
    how_read,
    how_subclass,
    how_trylock,
    register_lock_hook,
)
from ktui.sim.kernel.printk import printk
from ktui.sim.machine import PRIO_CONT, register_kind
from ktui.sim.state import PlainState
from ktui.sim.trace import define_event, register_format

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

MAX_LOCK_DEPTH: Final = 48
"""include/linux/sched.h: the held_locks array of task_struct."""
MAX_LOCKDEP_KEYS_BITS: Final = 13
"""kernel/locking/lockdep_internals.h: hlock_id() puts ``read`` above it."""
INITIAL_CHAIN_KEY: Final = (1 << 64) - 1
"""include/linux/lockdep.h: INITIAL_CHAIN_KEY -1 (u64)."""

# lockdep_internals.h: enum lock_usage_bit, from lockdep_states.h (HARDIRQ, SOFTIRQ)
LOCK_USED_IN_HARDIRQ: Final = 0
LOCK_USED_IN_HARDIRQ_READ: Final = 1
LOCK_ENABLED_HARDIRQ: Final = 2
LOCK_ENABLED_HARDIRQ_READ: Final = 3
LOCK_USED_IN_SOFTIRQ: Final = 4
LOCK_USED_IN_SOFTIRQ_READ: Final = 5
LOCK_ENABLED_SOFTIRQ: Final = 6
LOCK_ENABLED_SOFTIRQ_READ: Final = 7
LOCK_USED: Final = 8
LOCK_USED_READ: Final = 9
LOCK_USAGE_DIR_MASK: Final = 2
LOCK_USAGE_STRINGS: Final = (
    "IN-HARDIRQ-W",
    "IN-HARDIRQ-R",
    "HARDIRQ-ON-W",
    "HARDIRQ-ON-R",
    "IN-SOFTIRQ-W",
    "IN-SOFTIRQ-R",
    "SOFTIRQ-ON-W",
    "SOFTIRQ-ON-R",
    "INITIAL USE",
    "INITIAL READ USE",
)
"""lockdep.c usage_str[]."""

# lockdep.c: the dependency types of an edge prev -> next (calc_dep())
DEP_SR_BIT: Final = 0
DEP_ER_BIT: Final = 1
DEP_SN_BIT: Final = 2
DEP_EN_BIT: Final = 3
DEP_SR_MASK: Final = 1 << DEP_SR_BIT
DEP_ER_MASK: Final = 1 << DEP_ER_BIT
DEP_SN_MASK: Final = 1 << DEP_SN_BIT
DEP_EN_MASK: Final = 1 << DEP_EN_BIT

LD_WAIT: Final = {"raw_spinlock": 2, "spinlock": 3, "rwlock": 3, "seqlock": 3}
"""include/linux/lockdep_types.h lockdep_wait_type (CONFIG_PROVE_RAW_LOCK_NESTING):
LD_WAIT_SPIN 2, LD_WAIT_CONFIG 3, LD_WAIT_SLEEP 4 (sleeping locks, the default)."""
LD_WAIT_SLEEP: Final = 4

# held lock fields (struct held_lock), a list per entry
H_CLASS: Final = 0
H_READ: Final = 1
H_TRYLOCK: Final = 2
H_IRQ_CONTEXT: Final = 3
H_LOCK: Final = 4
H_HARDIRQS_OFF: Final = 5
H_EVENT: Final = 6

# edge fields (struct lock_list): prev class, next class, dep mask, event added
E_PREV: Final = 0
E_NEXT: Final = 1
E_DEP: Final = 2
E_EVENT: Final = 3

EV_LOCKDEP = define_event("lockdep", "ktui", ("kind", "sym"), ("report", "int"))
"""One lockdep report (its printk is the headline); ``when = "lockdep"``."""
register_format("lockdep", lambda ev: f"{ev.fields['kind']} (report {ev.fields['report']})")


class LockdepState(PlainState):
    """Lockdep's state in ``m.ext["lockdep"]``.

    Attributes:
        enabled: ``[lockdep]`` ``enabled``.
        one_shot: ``[lockdep]`` ``one_shot``.
        force_read_lock_recursive: ``[lockdep]`` ``force_read_lock_recursive``.
        debug_locks: lockdep's ``debug_locks``: cleared by debug_locks_off().
        classes: Class names (``A``, ``A/1``), by class index (0-based).
        class_kind: Lock kind of each class (its wait type).
        usage: usage_mask of each class.
        after: Each class's locks_after: edge indices, in list order.
        before: Each class's locks_before: edge indices.
        edges: ``[prev, next, dep, event]`` per dependency.
        held: Each task's held locks (pid -> list of held-lock lists).
        chains: The chain cache: chain key -> number of held locks.
        reports: Each report, as a JSON-able dict, in order.
    """

    __slots__: Final = (
        "enabled",
        "one_shot",
        "force_read_lock_recursive",
        "debug_locks",
        "classes",
        "class_kind",
        "usage",
        "after",
        "before",
        "edges",
        "held",
        "chains",
        "reports",
    )

    def __init__(self, enabled: bool = True, one_shot: bool = True, force_read: bool = False) -> None:
        self.enabled = enabled
        self.one_shot = one_shot
        self.force_read_lock_recursive = force_read
        self.debug_locks = enabled
        self.classes: list[str] = []
        self.class_kind: list[str] = []
        self.usage: list[int] = []
        self.after: list[list[int]] = []
        self.before: list[list[int]] = []
        self.edges: list[list[int]] = []
        self.held: dict[int, list[list[int]]] = {}
        self.chains: dict[int, int] = {}
        self.reports: list[dict[str, object]] = []


def lockdep_boot(m: Machine) -> None:
    """lockdep_init(): empty graph; ``[lockdep]`` settings from the scenario."""
    spec = m.cfg.scenario.sections.get("lockdep")
    if spec is None:
        m.ext["lockdep"] = LockdepState()
    else:
        m.ext["lockdep"] = LockdepState(
            spec.enabled,  # type: ignore[attr-defined]
            spec.one_shot,  # type: ignore[attr-defined]
            spec.force_read_lock_recursive,  # type: ignore[attr-defined]
        )


def lockdep_state(m: Machine) -> LockdepState:
    """The machine's `LockdepState`."""
    st = m.ext["lockdep"]
    assert isinstance(st, LockdepState)
    return st


# -- classes and usage --------------------------------------------------------
def class_name(lock: Lock, subclass: int) -> str:
    """__print_lock_name(): the class's name, ``/N`` for a subclass."""
    return f"{lock.cls}/{subclass}" if subclass else lock.cls


def register_lock_class(st: LockdepState, lock: Lock, subclass: int) -> int:
    """register_lock_class(): the class index of (`lock`'s class, `subclass`)."""
    name = class_name(lock, subclass)
    for idx, known in enumerate(st.classes):
        if known == name:
            return idx
    st.classes.append(name)
    st.class_kind.append(lock.kind)
    st.usage.append(0)
    st.after.append([])
    st.before.append([])
    return len(st.classes) - 1


def get_usage_char(usage: int, bit: int) -> str:
    """get_usage_char(): '.' unused, '+' irqs on, '-' in irq, '?' both."""
    if usage & (1 << (bit + LOCK_USAGE_DIR_MASK)):
        return "?" if usage & (1 << bit) else "+"
    return "-" if usage & (1 << bit) else "."


def usage_chars(usage: int) -> str:
    """get_usage_chars(): two characters per state (write, read)."""
    return "".join(
        get_usage_char(usage, bit)
        for bit in (LOCK_USED_IN_HARDIRQ, LOCK_USED_IN_HARDIRQ_READ, LOCK_USED_IN_SOFTIRQ, LOCK_USED_IN_SOFTIRQ_READ)
    )


def lock_name(st: LockdepState, idx: int) -> str:
    """print_lock_name(): ``(A){+.+.}-{4:4}``."""
    wait = LD_WAIT.get(st.class_kind[idx], LD_WAIT_SLEEP)
    return f"({st.classes[idx]}){{{usage_chars(st.usage[idx])}}}-{{{wait}:{wait}}}"


def task_irq_context(m: Machine, task: TaskStruct) -> int:
    """task_irq_context(): 1 in hard-irq context, 2 serving a softirq."""
    pc = m.pcpu[task.cpu].preempt_count
    if hardirq_count(pc):
        return 1
    return 2 if softirq_count(pc) & 0x100 else 0


def mark_usage(m: Machine, st: LockdepState, task: TaskStruct, hlock: list[int]) -> None:
    """mark_usage(): the context bits of this acquisition on its class."""
    pc = m.pcpu[task.cpu].preempt_count
    read = 1 if hlock[H_READ] else 0
    mask = 0
    if not hlock[H_TRYLOCK]:
        if hardirq_count(pc):
            mask |= 1 << (LOCK_USED_IN_HARDIRQ + read)
        if softirq_count(pc) & 0x100:
            mask |= 1 << (LOCK_USED_IN_SOFTIRQ + read)
    if not hlock[H_HARDIRQS_OFF]:
        mask |= 1 << (LOCK_ENABLED_HARDIRQ + read)
        if not softirq_count(pc):
            mask |= 1 << (LOCK_ENABLED_SOFTIRQ + read)
    mask |= 1 << (LOCK_USED + read)
    st.usage[hlock[H_CLASS]] |= mask


# -- chain keys ---------------------------------------------------------------
def _rol32(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & 0xFFFFFFFF


def iterate_chain_key(key: int, idx: int) -> int:
    """iterate_chain_key(): __jhash_mix(idx, k0, k1) of the 64-bit key."""
    a, b, c = idx & 0xFFFFFFFF, key & 0xFFFFFFFF, key >> 32
    m32 = 0xFFFFFFFF
    a = (a - c) & m32
    a ^= _rol32(c, 4)
    c = (c + b) & m32
    b = (b - a) & m32
    b ^= _rol32(a, 6)
    a = (a + c) & m32
    c = (c - b) & m32
    c ^= _rol32(b, 8)
    b = (b + a) & m32
    a = (a - c) & m32
    a ^= _rol32(c, 16)
    c = (c + b) & m32
    b = (b - a) & m32
    b ^= _rol32(a, 19)
    a = (a + c) & m32
    c = (c - b) & m32
    c ^= _rol32(b, 4)
    b = (b + a) & m32
    return b | (c << 32)


def hlock_id(hlock: list[int]) -> int:
    """hlock_id(): class index (1-based as lock_classes[]) and read."""
    return (hlock[H_CLASS] + 1) | (hlock[H_READ] << MAX_LOCKDEP_KEYS_BITS)


def chain_key(held: list[list[int]]) -> int:
    """The chain key of the held locks since the last irq-context change."""
    key = INITIAL_CHAIN_KEY
    start = len(held) - 1
    while start > 0 and held[start - 1][H_IRQ_CONTEXT] == held[-1][H_IRQ_CONTEXT]:
        start -= 1
    for hlock in held[start:]:
        key = iterate_chain_key(key, hlock_id(hlock))
    return key


# -- the dependency graph -------------------------------------------------------
def calc_dep(prev: list[int], nxt: list[int]) -> int:
    """calc_dep(): one DEP_*_MASK bit: (prev exclusive) + (next non-recursive) << 1."""
    return 1 << ((prev[H_READ] == 0) + ((nxt[H_READ] != 2) << 1))


def check_noncircular(st: LockdepState, nxt: list[int], prev: list[int]) -> list[int] | None:
    """check_noncircular(): BFS over locks_after from `nxt`'s class for a
    strong path to `prev`'s class (hlock_conflict()).

    Returns:
        The path's edge indices from `nxt`'s class to `prev`'s, or None.
    """
    target = prev[H_CLASS]
    accessed = [False] * len(st.classes)
    # (class, edge into it or -1, only_xr, parent queue index)
    nodes: list[tuple[int, int, bool, int]] = [(nxt[H_CLASS], -1, nxt[H_READ] == 2, -1)]
    head = 0
    while head < len(nodes):
        cls, edge, only_xr, parent = nodes[head]
        head += 1
        if accessed[cls]:
            continue
        accessed[cls] = True
        if edge >= 0:
            dep = st.edges[edge][E_DEP]
            if nodes[parent][2]:
                dep &= ~(DEP_SR_MASK | DEP_SN_MASK)
            if not dep:
                continue
            only_xr = not dep & (DEP_SN_MASK | DEP_EN_MASK)
            nodes[head - 1] = (cls, edge, only_xr, parent)
        if cls == target and edge >= 0 and (prev[H_READ] == 0 or not only_xr):
            path: list[int] = []
            i = head - 1
            while nodes[i][1] >= 0:
                path.append(nodes[i][1])
                i = nodes[i][3]
            return path[::-1]
        for e in st.after[cls]:
            nodes.append((st.edges[e][E_NEXT], e, False, head - 1))
    return None


def check_prev_add(m: Machine, st: LockdepState, task: TaskStruct, prev: list[int], nxt: list[int]) -> bool:
    """check_prev_add(): refuse a circular prev -> next, else add (or widen) the edge."""
    path = check_noncircular(st, nxt, prev)
    if path is not None:
        from ktui.sim.kernel.locking.lockdep_report import print_circular_bug

        print_circular_bug(m, st, task, prev, nxt, path)
        return False
    dep = calc_dep(prev, nxt)
    for e in st.after[prev[H_CLASS]]:
        if st.edges[e][E_NEXT] == nxt[H_CLASS]:
            st.edges[e][E_DEP] |= dep
            return True
    st.edges.append([prev[H_CLASS], nxt[H_CLASS], dep, m.nr_events])
    st.after[prev[H_CLASS]].append(len(st.edges) - 1)
    st.before[nxt[H_CLASS]].append(len(st.edges) - 1)
    return True


def check_prevs_add(m: Machine, st: LockdepState, task: TaskStruct, held: list[list[int]]) -> bool:
    """check_prevs_add(): an edge from each held lock down to (and including)
    the first non-trylock one, within the same irq context; recursive
    readers (read 2) give no edges."""
    nxt = held[-1]
    depth = len(held) - 1
    while depth > 0:
        prev = held[depth - 1]
        if prev[H_IRQ_CONTEXT] != nxt[H_IRQ_CONTEXT]:
            break
        if prev[H_READ] != 2 and not check_prev_add(m, st, task, prev, nxt):
            return False
        if not prev[H_TRYLOCK]:
            break
        depth -= 1
    return True


def check_deadlock(m: Machine, st: LockdepState, task: TaskStruct, held: list[list[int]]) -> bool:
    """check_deadlock(): the same class already held is recursion, unless
    read-after-read with the new one a recursive reader."""
    nxt = held[-1]
    for prev in held[:-1]:
        if prev[H_CLASS] != nxt[H_CLASS]:
            continue
        if nxt[H_READ] == 2 and prev[H_READ]:
            continue
        from ktui.sim.kernel.locking.lockdep_report import print_deadlock_bug

        print_deadlock_bug(m, st, task, prev, nxt)
        return False
    return True


def validate_chain(m: Machine, st: LockdepState, task: TaskStruct, held: list[list[int]]) -> None:
    """validate_chain(): a new chain is checked, then cached."""
    key = chain_key(held)
    if key in st.chains:
        return
    st.chains[key] = len(held)
    if not check_deadlock(m, st, task, held):
        return
    check_prevs_add(m, st, task, held)


# -- reports --------------------------------------------------------------------
def report(
    m: Machine,
    task: TaskStruct,
    kind: str,
    headline: str,
    body: str,
    classes: list[str],
    chain: list[str],
) -> None:
    """Record a report and queue its ``lockdep`` event (with its printk);
    debug_locks_off() when ``one_shot``."""
    st = lockdep_state(m)
    st.reports.append(
        {"kind": kind, "headline": headline, "body": body, "classes": classes, "chain": chain, "event": -1, "cpu": task.cpu, "pid": task.pid}
    )
    if st.one_shot:
        st.debug_locks = False
    m.push(m.now, PRIO_CONT, K_LOCKDEP, len(st.reports) - 1, 0)


def _emit_report(m: Machine, index: int, _b: int) -> bool:
    from ktui.sim.trace import symbol

    st = lockdep_state(m)
    rep = st.reports[index]
    cpu, pid = int(rep["cpu"]), int(rep["pid"])  # type: ignore[call-overload]
    printk(m, cpu, pid, str(rep["headline"]))
    rep["event"] = m.nr_events + 1
    m.emit(EV_LOCKDEP, cpu, pid, symbol(str(rep["kind"])), index)
    return True


K_LOCKDEP = register_kind("lockdep", _emit_report)


# -- the hooks ------------------------------------------------------------------
def _active(st: LockdepState) -> bool:
    return st.enabled and st.debug_locks


def lockdep_acquire(m: Machine, task: TaskStruct, lock: Lock, how: int) -> None:
    """__lock_acquire(): the ``lock_acquire`` hook."""
    st = lockdep_state(m)
    if not _active(st):
        return
    subclass = how_subclass(how)
    if subclass >= MAX_LOCKDEP_SUBCLASSES:
        from ktui.sim.kernel.locking.lockdep_report import print_invalid_subclass

        print_invalid_subclass(m, st, task, lock, subclass)
        return
    read = how_read(how)
    if read == 1 and st.force_read_lock_recursive and lock.kind == "rwlock":
        read = 2  # rwlock_acquire_read(): read_lock_is_recursive() is forced
    held = st.held.setdefault(task.pid, [])
    if len(held) >= MAX_LOCK_DEPTH:
        from ktui.sim.kernel.locking.lockdep_report import print_max_lock_depth

        print_max_lock_depth(m, st, task)
        return
    idx = register_lock_class(st, lock, subclass)
    hlock = [idx, read, int(how_trylock(how)), task_irq_context(m, task), lock.id, int(task.irqs_disabled), m.nr_events]
    mark_usage(m, st, task, hlock)
    held.append(hlock)
    if not hlock[H_TRYLOCK]:
        validate_chain(m, st, task, held)


def lockdep_release(m: Machine, task: TaskStruct, lock: Lock, _how: int) -> None:
    """__lock_release(): the ``lock_release`` hook drops the held lock
    (find_held_lock(): the newest entry of that lock)."""
    st = lockdep_state(m)
    held = st.held.get(task.pid)
    if not held:
        return
    for i in range(len(held) - 1, -1, -1):
        if held[i][H_LOCK] == lock.id:
            del held[i]
            return


def lockdep_init(m: Machine, task: TaskStruct, lock: Lock, _how: int) -> None:
    """debug_check_no_locks_freed(): the ``lock_init`` hook."""
    st = lockdep_state(m)
    if not _active(st):
        return
    for pid in sorted(st.held):
        for hlock in st.held[pid]:
            if hlock[H_LOCK] == lock.id:
                from ktui.sim.kernel.locking.lockdep_report import print_freed_lock_bug

                print_freed_lock_bug(m, st, task, lock, hlock, pid)
                return


register_lock_hook("lock_acquire", lockdep_acquire)
register_lock_hook("lock_release", lockdep_release)
register_lock_hook("lock_init", lockdep_init)


def lockdep_unlock_imbalance(m: Machine, rq: Rq, task: TaskStruct, lock: Lock) -> bool:
    """print_unlock_imbalance_bug(): lockdep's report of a release of a lock
    the task does not hold; emitted right away (it is this step's event)."""
    st = lockdep_state(m)
    if not _active(st):
        return False
    from ktui.sim.kernel.locking.lockdep_report import unlock_imbalance_text
    from ktui.sim.trace import symbol

    headline = "WARNING: bad unlock balance detected!"
    st.reports.append(
        {
            "kind": "bad_unlock",
            "headline": headline,
            "body": unlock_imbalance_text(m, st, task, lock),
            "classes": [lock.cls],
            "chain": [],
            "event": m.nr_events + 1,
            "cpu": rq.cpu,
            "pid": task.pid,
        }
    )
    if st.one_shot:
        st.debug_locks = False
    printk(m, rq.cpu, task.pid, headline)
    m.emit(EV_LOCKDEP, rq.cpu, task.pid, symbol("bad_unlock"), len(st.reports) - 1)
    return True


UNLOCK_IMBALANCE.append(lockdep_unlock_imbalance)
