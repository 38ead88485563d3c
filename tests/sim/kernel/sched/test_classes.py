"""Tests for the sched_class table: classes.py, idle.py, and core.py's use of it.

for_each_class() order is the kernel's (fair above idle; stop, dl, rt and
ext come later), a task's class follows from its policy, the fair class's
ops are the fair.c functions, and __pick_next_task()'s class walk picks what
its all-fair fast path picks.
"""

from __future__ import annotations

import pytest

from ktui.sim.include.linux.sched import SchedPolicy, TaskStruct
from ktui.sim.kernel.sched import core, fair
from ktui.sim.kernel.sched.classes import (
    SCHED_CLASSES,
    for_each_class,
    sched_class_above,
    task_sched_class,
)
from ktui.sim.kernel.sched.fair import fair_sched_class
from ktui.sim.kernel.sched.features import (
    CFS,
    DEADLINE_TREE,
    EEVDF,
    VPROT,
    ZERO_VRUNTIME,
    fair_level,
    sched_config,
)
from ktui.sim.kernel.sched.idle import idle_sched_class
from tests.sim.helpers import make_sim


def test_class_order_is_for_each_class() -> None:
    """vmlinux.lds.h SCHED_DATA: stop, dl, rt, fair, (ext), idle; idle is always last."""
    assert for_each_class() == SCHED_CLASSES
    assert [c.name for c in SCHED_CLASSES] == ["stop", "dl", "rt", "fair", "idle"]
    assert sched_class_above(fair_sched_class, idle_sched_class)
    assert not sched_class_above(idle_sched_class, fair_sched_class)
    assert not sched_class_above(fair_sched_class, fair_sched_class)


@pytest.mark.parametrize(
    "policy", [SchedPolicy.SCHED_NORMAL, SchedPolicy.SCHED_BATCH, SchedPolicy.SCHED_IDLE]
)
def test_normal_batch_and_idle_policies_are_fair(policy: SchedPolicy) -> None:
    """__setscheduler_class(): SCHED_IDLE tasks are fair tasks, not the idle class."""
    task = TaskStruct(1, "t", (0,))
    task.policy = int(policy)
    assert task_sched_class(task) is fair_sched_class


def test_fair_ops_are_the_fair_functions() -> None:
    """DEFINE_SCHED_CLASS(fair): .enqueue_task = enqueue_task_fair, ..."""
    assert fair_sched_class.enqueue_task is fair.enqueue_task_fair
    assert fair_sched_class.dequeue_task is fair.dequeue_task_fair
    assert fair_sched_class.task_tick is fair.task_tick_fair
    assert fair_sched_class.has_pick_next_task
    assert not idle_sched_class.has_pick_next_task


def test_idle_class_picks_the_idle_task_and_takes_no_tasks() -> None:
    """pick_task_idle() is rq->idle (None in the model); dequeue_task_idle() is a bug."""
    sim = make_sim({"a": "--- run 1ms"})
    m = sim.machine
    assert idle_sched_class.pick_task(m, m.rqs[0]) is None
    with pytest.raises(AssertionError):
        idle_sched_class.dequeue_task(m, m.rqs[0], TaskStruct(1, "t", (0,)), 0)


@pytest.mark.parametrize(
    ("kver", "level"),
    [((5, 15), CFS), ((6, 6), EEVDF), ((6, 7), EEVDF), ((6, 8), DEADLINE_TREE),
     ((6, 17), VPROT), ((6, 19), ZERO_VRUNTIME)],
)  # fmt: skip
def test_feature_level_is_chosen_from_the_release(kver: tuple[int, int], level: int) -> None:
    assert fair_level(kver) == level


def test_tunables_are_scaled_once_at_boot() -> None:
    """update_sysctl(): factor 1 + ilog2(min(ncpus, 8)); 4 CPUs -> 3, 16 CPUs -> 4."""
    assert sched_config((6, 18), 4, 250).base_slice == 3 * 700_000
    assert sched_config((6, 14), 16, 250).base_slice == 4 * 750_000
    assert sched_config((6, 1), 16, 250).latency == 4 * 6_000_000
    assert sched_config((6, 1), 16, 1000).tick_nsec == 1_000_000
    sim = make_sim({"a": "--- run 1ms"}, cpus=2, kernel="6.12")
    assert sim.machine.cfg.sched.base_slice == 2 * 750_000


@pytest.mark.parametrize("kernel", ["6.1", "6.18"])
def test_class_walk_picks_what_the_fast_path_picks(
    kernel: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the all-fair shortcut off (whenever prev is a task), the
    for_each_class() walk and put_prev_set_next_task() give the same trace."""
    tasks = {
        "a": "nice = -3\n--- loop {\nrun 3ms\nmsleep 1\n}",
        "b": "--- loop {\nrun 2ms\n}",
        "c": "nice = 4\n--- loop {\nrun 5ms\nmsleep 2\n}",
    }

    def trace() -> list[tuple[int, ...]]:
        sim = make_sim(tasks, cpus=2, kernel=kernel)
        recs: list[tuple[int, ...]] = []
        sim.machine.cfg.sink = recs.append
        sim.run(steps=3000)
        return recs

    fast = trace()
    monkeypatch.setattr(core, "FAIR_RANK", len(SCHED_CLASSES))
    slow = trace()
    assert len(fast) == 3000 and slow == fast
