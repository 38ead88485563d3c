"""The lock object shared by every lock kind, and the lock tracepoints.

Holds what ``struct mutex`` and ``spinlock_t`` have in common in the model:
an owner (``mutex->owner`` / the debug ``spinlock->owner``), a FIFO of
waiters (``mutex->wait_list`` / the qspinlock MCS queue) and the name its
``lockdep_map`` carries. Tracepoints are those of include/trace/events/lock.h
(CONFIG_LOCKDEP / CONFIG_LOCK_STAT): ``lock_acquire`` when a task asks,
``lock_contended`` when it has to wait, ``lock_acquired`` when it has it,
``lock_release``.

Every lock kind goes through the one path below, as every lock in the kernel
calls lockdep's hooks (include/linux/lockdep.h, kernel/locking/lockdep.c):
`lock_acquire`, `lock_contended`, `lock_acquired` and `lock_release` emit
the tracepoint, keep the lock's owner, waiters and lock_stat counts, and
then call the functions subscribed to that point with `register_lock_hook`
(the deadlock detector, lockdep next). Hooks are plain functions registered
at import; they run in (priority, name) order, whatever the import order,
keep all their state in the machine, and may queue work but not emit (one
event per step).

Each hook also gets the acquisition's ``how``: what lock_acquire()'s
``subclass``, ``read`` and ``trylock`` arguments carry in the kernel, packed
into one int by `acquire_how` (0 for a plain exclusive acquisition and for the
other points).

Left out: lock addresses, nest_lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, Literal

from ktui.sim.kernel.printk import printk
from ktui.sim.state import PlainState, mypyc_attr
from ktui.sim.trace import Event, RegistrationError, define_event, register_format, symbol

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_LOCK_ACQUIRE = define_event("lock_acquire", "lock", ("lock", "lock"))
EV_LOCK_CONTENDED = define_event("lock_contended", "lock", ("lock", "lock"))
EV_LOCK_ACQUIRED = define_event("lock_acquired", "lock", ("lock", "lock"))
EV_LOCK_RELEASE = define_event("lock_release", "lock", ("lock", "lock"))
EV_LOCK_INIT = define_event("lock_init", "lock", ("lock", "lock"))
"""A lock (re)initialised by an op (spin_lock_init(), mutex_init() ...): no
tracepoint in the kernel; lockdep's debug_check_no_locks_freed() runs here."""
EV_BUG = define_event("bug", "ktui", ("msg", "sym"), ("lock", "lock"))


def _format_lock_event(ev: Event) -> str:
    # TP_printk("%s", name) in include/trace/events/lock.h (address omitted)
    return str(ev.fields["lock"])


for _name in ("lock_acquire", "lock_contended", "lock_acquired", "lock_release", "lock_init"):
    register_format(_name, _format_lock_event)
register_format(
    "bug",
    lambda ev: f"{ev.fields['msg']} (lock {ev.fields['lock']})" if ev.raw[-1] >= 0 else str(ev.fields["msg"]),
)


@mypyc_attr(allow_interpreted_subclasses=True)
class Lock(PlainState):
    """One lock of the scenario.

    Attributes:
        id: Index in ``[locks]`` order.
        name: Its name.
        kind: Its registered lock kind (``mutex``, ``spinlock`` ...).
        cls: Its lockdep class name (its own name unless ``class = "X"``).
        owner: pid holding it, 0 when free.
        wait_list: pids waiting, in arrival order.
        handoff: MUTEX_FLAG_HANDOFF: the next unlock gives the mutex straight
            to the first waiter.
        acquired_at: When the owner got it (ns).
        contentions: lock_stat ``contentions``.
        acquisitions: lock_stat ``acquisitions``.
        readers: pids holding it for read (rwlock, rw_semaphore), in order.
        count: A semaphore's count (``sem->count``).
        sequence: A seqlock's sequence count (``seqcount_t.sequence``).
        acquired_event: The trace position just after its owner's
            ``lock_acquired`` (-1 when free), where a deadlock's edge began.
    """

    __slots__: Final = (
        "id",
        "name",
        "kind",
        "owner",
        "wait_list",
        "handoff",
        "acquired_at",
        "contentions",
        "acquisitions",
        "cls",
        "readers",
        "count",
        "sequence",
        "acquired_event",
    )

    def __init__(self, lock_id: int, name: str, kind: str, cls: str = "", count: int = 1) -> None:
        self.id = lock_id
        self.name = name
        self.kind = kind
        self.cls = cls or name
        self.readers: list[int] = []
        self.count = count
        self.sequence = 0
        self.owner = 0
        self.wait_list: list[int] = []
        self.handoff = False
        self.acquired_at = 0
        self.contentions = 0
        self.acquisitions = 0
        self.acquired_event = -1


def init_locks(m: Machine) -> None:
    """Create the scenario's locks, all free."""
    m.locks = [
        Lock(spec.id, spec.name, spec.kind, spec.class_name, spec.count) for spec in m.cfg.scenario.locks
    ]


def take(m: Machine, lock: Lock, pid: int) -> None:
    """Make `pid` the owner of `lock` and record it among its held locks."""
    lock.owner = pid
    lock.acquired_at = m.now
    lock.acquisitions += 1
    task = m.tasks[pid]
    task.held_locks.append(lock.id)
    task.blocked_on = -1
    if pid in lock.wait_list:
        lock.wait_list.remove(pid)


def take_read(m: Machine, lock: Lock, pid: int) -> None:
    """Add `pid` to the readers of `lock` (an rwlock or rw_semaphore held
    for read) and record it among its held locks."""
    if not lock.readers:
        lock.acquired_at = m.now
    lock.readers.append(pid)
    lock.acquisitions += 1
    task = m.tasks[pid]
    task.held_locks.append(lock.id)
    task.blocked_on = -1
    if pid in lock.wait_list:
        lock.wait_list.remove(pid)


def holds(lock: Lock, pid: int) -> bool:
    """`pid` holds `lock`, as its owner or as one of its readers."""
    return lock.owner == pid or pid in lock.readers


def bug(m: Machine, cpu: int, pid: int, message: str, lock_id: int) -> None:
    """Emit a ``bug`` event: what the kernel would print as BUG/WARNING
    (`lock_id` -1 when no lock is involved)."""
    printk(m, cpu, pid, message)
    m.emit(EV_BUG, cpu, pid, symbol(message), lock_id)


# -- hook points ------------------------------------------------------------
HookPoint = Literal["lock_acquire", "lock_contended", "lock_acquired", "lock_release", "lock_init"]
HOOK_POINTS: Final[tuple[HookPoint, ...]] = (
    "lock_acquire",
    "lock_contended",
    "lock_acquired",
    "lock_release",
    "lock_init",
)
LockHook = Callable[["Machine", "TaskStruct", Lock, int], None]
"""Called as ``hook(m, task, lock, how)`` after the point's event was emitted."""

MAX_LOCKDEP_SUBCLASSES: Final = 8
"""include/linux/lockdep_types.h: subclasses 0..7 (``spin_lock_nested``)."""
_SUBCLASS_BITS: Final = 8
"""Room for an invalid subclass, so lockdep can report it."""
HOW_TRYLOCK: Final = 1 << (_SUBCLASS_BITS + 2)


def acquire_how(subclass: int = 0, read: int = 0, trylock: bool = False) -> int:
    """Pack lock_acquire()'s arguments: `subclass` (0..255 here; lockdep
    refuses >= MAX_LOCKDEP_SUBCLASSES), `read` (0 exclusive, 1 shared,
    2 shared and recursive, as lockdep's ``read``), `trylock`."""
    return (subclass & 0xFF) | (read << _SUBCLASS_BITS) | (HOW_TRYLOCK if trylock else 0)


def how_subclass(how: int) -> int:
    """The subclass `acquire_how` packed."""
    return how & 0xFF


def how_read(how: int) -> int:
    """The ``read`` value `acquire_how` packed: 0, 1 or 2."""
    return (how >> _SUBCLASS_BITS) & 3


def how_trylock(how: int) -> bool:
    """Whether `acquire_how` packed a trylock."""
    return bool(how & HOW_TRYLOCK)

_HOOKS: dict[str, list[tuple[int, str, LockHook]]] = {p: [] for p in HOOK_POINTS}
LOCK_HOOKS: dict[str, tuple[LockHook, ...]] = {p: () for p in HOOK_POINTS}
"""The functions subscribed to each hook point, in calling order."""


def _hook_name(fn: LockHook) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_lock_hook(point: HookPoint, fn: LockHook, priority: int = 0) -> LockHook:
    """Subscribe `fn` to hook `point`.

    Hooks of a point run by descending `priority`, then by qualified name,
    as a notifier chain orders its notifier_blocks (include/linux/notifier.h),
    so the order never depends on which module was imported first.

    Raises:
        RegistrationError: `point` is unknown, or `fn` (by qualified name) is
            subscribed to it already.
    """
    if point not in _HOOKS:
        raise RegistrationError(f"unknown lock hook point {point!r} (one of {', '.join(HOOK_POINTS)})")
    name = _hook_name(fn)
    if any(n == name for _p, n, _f in _HOOKS[point]):
        raise RegistrationError(f"lock hook {name} is registered twice on {point}")
    _HOOKS[point].append((-priority, name, fn))
    _HOOKS[point].sort(key=lambda h: (h[0], h[1]))
    LOCK_HOOKS[point] = tuple(h[2] for h in _HOOKS[point])
    return fn


def unregister_lock_hook(point: HookPoint, fn: LockHook) -> None:
    """Unsubscribe `fn` from `point` (for tests that add a hook for a while)."""
    name = _hook_name(fn)
    _HOOKS[point] = [h for h in _HOOKS[point] if h[1] != name]
    LOCK_HOOKS[point] = tuple(h[2] for h in _HOOKS[point])


UnlockImbalanceHandler = Callable[["Machine", "Rq", "TaskStruct", Lock], bool]
UNLOCK_IMBALANCE: list[UnlockImbalanceHandler] = []
"""print_unlock_imbalance_bug() owners: a handler that returns True has
printed the report and emitted this step's event (lockdep, when on)."""


def _call_hooks(point: str, m: Machine, task: TaskStruct, lock: Lock, how: int) -> None:
    for hook in LOCK_HOOKS[point]:
        hook(m, task, lock, how)


# -- the shared path --------------------------------------------------------
def lock_acquire(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, how: int = 0) -> None:
    """lock_acquire(): the task asks for `lock` (`how`: `acquire_how`);
    emits ``lock_acquire``."""
    m.emit(EV_LOCK_ACQUIRE, rq.cpu, task.pid, lock.id)
    _call_hooks("lock_acquire", m, task, lock, how)


def lock_contended(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, how: int = 0) -> None:
    """lock_contended(): `lock` is held; the task queues behind its waiters
    and waits (how it waits is the lock kind's). Emits ``lock_contended``."""
    lock.contentions += 1
    lock.wait_list.append(task.pid)
    task.blocked_on = lock.id
    m.emit(EV_LOCK_CONTENDED, rq.cpu, task.pid, lock.id)
    _call_hooks("lock_contended", m, task, lock, how)


def lock_acquired(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, how: int = 0) -> None:
    """lock_acquired(): the task has `lock` (unless a handoff already made
    it the holder, it takes it now). Emits ``lock_acquired``."""
    # A handoff (mutex, rt_mutex) already made it the owner, but only take()
    # records the hold: test the task's held locks, not the owner field.
    if lock.id not in task.held_locks:
        if how_read(how):
            take_read(m, lock, task.pid)
        else:
            take(m, lock, task.pid)
    m.emit(EV_LOCK_ACQUIRED, rq.cpu, task.pid, lock.id)
    lock.acquired_event = m.nr_events
    _call_hooks("lock_acquired", m, task, lock, how)


def lock_trylock_acquired(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, how: int) -> None:
    """A trylock succeeded: the task takes `lock` (for read when `how` says
    so) and lock_acquire() is called with trylock=1 (`how`), as
    ``__raw_spin_trylock()`` and the like do: after the lock was taken, and
    with no lock_contended/lock_acquired (no LOCK_CONTENDED()). Emits
    ``lock_acquire``."""
    if how_read(how):
        take_read(m, lock, task.pid)
    else:
        take(m, lock, task.pid)
    m.emit(EV_LOCK_ACQUIRE, rq.cpu, task.pid, lock.id)
    lock.acquired_event = m.nr_events
    _call_hooks("lock_acquire", m, task, lock, how)


def lock_release(m: Machine, rq: Rq, task: TaskStruct, lock: Lock, read: bool = False) -> bool:
    """lock_release(): the task lets go of `lock`; emits ``lock_release``.

    The owner field is the lock kind's to clear or hand on; a reader
    (`read`) leaves ``lock.readers`` here.

    Returns:
        False, after emitting lockdep's "bad unlock balance" WARNING
        (print_unlock_imbalance_bug()), when the task does not hold `lock`.
    """
    held = task.pid in lock.readers if read else lock.owner == task.pid
    if not held or lock.id not in task.held_locks:
        # lockdep, when on, prints and emits this report itself (one text)
        if not any(handler(m, rq, task, lock) for handler in UNLOCK_IMBALANCE):
            bug(m, rq.cpu, task.pid, "WARNING: bad unlock balance detected!", lock.id)
        return False
    task.held_locks.remove(lock.id)
    if read:
        lock.readers.remove(task.pid)
        if not lock.readers and not lock.owner:
            lock.acquired_event = -1
    m.emit(EV_LOCK_RELEASE, rq.cpu, task.pid, lock.id)
    _call_hooks("lock_release", m, task, lock, 0)
    return True


def lock_init(m: Machine, rq: Rq, task: TaskStruct, lock: Lock) -> None:
    """An init op ran on `lock` (``spin_lock_init()``, ``mutex_init()``...):
    emits ``lock_init`` and calls the ``lock_init`` hooks (lockdep checks
    that no held lock is re-initialised, debug_check_no_locks_freed()).
    The lock kind resets its own state afterwards."""
    m.emit(EV_LOCK_INIT, rq.cpu, task.pid, lock.id)
    _call_hooks("lock_init", m, task, lock, 0)
