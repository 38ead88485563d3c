"""The shared lock path and its hook points (lock_acquire, lock_contended,
lock_acquired, lock_release), as lockdep's hooks are called."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ktui.sim.include.linux.sched import TaskStruct
from ktui.sim.kernel.locking import lock as lockmod
from ktui.sim.kernel.locking.deadlock import check_deadlock
from ktui.sim.kernel.locking.lock import (
    HOOK_POINTS,
    LOCK_HOOKS,
    Lock,
    register_lock_hook,
    unregister_lock_hook,
)
from ktui.sim.machine import Machine
from ktui.sim.trace import RegistrationError
from tests.sim.helpers import lines_of, make_sim


def _record(point: str):  # type: ignore[no-untyped-def]
    def hook(m: Machine, task: TaskStruct, lock: Lock, _how: int) -> None:
        seen = m.ext.setdefault("test_lock_hooks", [])
        assert isinstance(seen, list)
        seen.append((m.nr_events, point, task.comm, lock.name, m.last[0]))

    hook.__qualname__ = f"record_{point}"
    return hook


@pytest.fixture
def recorders() -> Iterator[None]:
    """A recording hook on every point, in the machine's ext state, for the test only."""
    hooks = {p: _record(p) for p in HOOK_POINTS}
    for p, h in hooks.items():
        register_lock_hook(p, h)
    yield
    for p, h in hooks.items():
        unregister_lock_hook(p, h)


@pytest.mark.parametrize(("kind", "lock_op", "unlock_op"), [("mutex", "mutex_lock", "mutex_unlock"), ("spinlock", "spin_lock", "spin_unlock")])
def test_every_lock_kind_calls_the_hooks_right_after_their_events(
    recorders: None, kind: str, lock_op: str, unlock_op: str
) -> None:
    """A contended lock of each kind runs acquire, contended, acquired and
    release hooks, each right after its tracepoint, in trace order."""
    sim = make_sim(
        {
            "a": f"cpu = 0\n--- {lock_op} L\nudelay 1ms\n{unlock_op} L",
            "b": f'cpu = 1\nstart = "100us"\n--- {lock_op} L\n{unlock_op} L',
        },
        cpus=2,
        locks=f'L = "{kind}"',
    )
    assert sim.run() == "finished"
    seen = sim.machine.ext["test_lock_hooks"]
    assert [(p, comm) for _n, p, comm, _l, _t in seen] == [  # type: ignore[attr-defined]
        ("lock_acquire", "a"),
        ("lock_acquired", "a"),
        ("lock_acquire", "b"),
        ("lock_contended", "b"),
        ("lock_release", "a"),
        ("lock_acquired", "b"),
        ("lock_release", "b"),
    ]
    for n, point, comm, lock, _type in seen:  # type: ignore[attr-defined]
        ev = sim.event_at(n)
        assert (ev.name, ev.common_comm, ev.fields["lock"]) == (point, comm, lock)


def test_hook_state_lives_in_the_machine_and_replays(recorders: None) -> None:
    """Going back and forth reproduces what the hooks recorded (it is machine state)."""
    sim = make_sim({"a": "--- mutex_lock A\nrun 1ms\nmutex_unlock A"})
    sim.run()
    end = list(sim.machine.ext["test_lock_hooks"])  # type: ignore[call-overload]
    first = end[0][0]  # the lock_acquire event
    sim.goto(first - 1)
    assert sim.machine.ext.get("test_lock_hooks", []) == []
    sim.goto(first)
    assert sim.machine.ext["test_lock_hooks"] == end[:1]
    sim.run()
    assert sim.machine.ext["test_lock_hooks"] == end


def test_the_deadlock_detector_subscribes_to_lock_contended() -> None:
    """check_deadlock is a lock_contended hook, not called by mutex or spinlock."""
    assert check_deadlock in LOCK_HOOKS["lock_contended"]
    assert all(check_deadlock not in LOCK_HOOKS[p] for p in HOOK_POINTS if p != "lock_contended")


def test_registering_a_hook_twice_is_an_error() -> None:
    """Duplicate registration raises; so does an unknown hook point."""
    with pytest.raises(RegistrationError, match="twice"):
        register_lock_hook("lock_contended", check_deadlock)
    with pytest.raises(RegistrationError, match="unknown"):
        register_lock_hook("lock_stolen", check_deadlock)  # type: ignore[arg-type]


def test_hooks_run_by_priority_then_name_whatever_the_registration_order() -> None:
    """Registered z, a, then high-priority m: they run m, a, z (and lockdep's
    release hook, priority 0, by its qualified name ktui... before tests...)."""
    hooks = [_record(n) for n in ("z", "a", "m")]
    register_lock_hook("lock_release", hooks[0])
    register_lock_hook("lock_release", hooks[1])
    register_lock_hook("lock_release", hooks[2], priority=10)
    try:
        names = [h.__qualname__ for h in LOCK_HOOKS["lock_release"]]
        assert names == ["record_m", "lockdep_release", "record_a", "record_z"]
    finally:
        for h in hooks:
            unregister_lock_hook("lock_release", h)
    assert all(h not in LOCK_HOOKS["lock_release"] for h in hooks)
    assert lockmod.LOCK_HOOKS is LOCK_HOOKS


def test_mutex_lock_in_atomic_context_still_calls_lock_acquire() -> None:
    """__might_sleep() warns, then mutex_lock goes on: lock_acquire,
    lock_acquired, as mutex_lock() -> __mutex_lock() -> mutex_acquire()."""
    sim = make_sim({"t1": "--- preempt_disable\nmutex_lock A\nmutex_unlock A\npreempt_enable"})
    assert sim.run() == "finished"
    names = [ln.split(":")[1] for ln in lines_of(sim)]
    i = names.index("bug")
    assert names[i : i + 4] == ["bug", "lock_acquire", "lock_acquired", "lock_release"]
