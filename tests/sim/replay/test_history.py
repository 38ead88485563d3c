"""ktui/sim/replay/history.py: restore in place, dense checkpoints near the
target only, the bounded dense cache, and cutting off the future."""

from __future__ import annotations

import ktui.sim
from ktui.sim.replay import checkpoint
from ktui.sim.replay.history import (
    CHECKPOINT_INTERVAL,
    DENSE_INTERVAL,
    DENSE_WINDOW,
    DenseCache,
)

LONG = "bench-cpu"
"""A scenario with more than three checkpoint intervals of events."""


def test_a_machine_reference_taken_before_back_sees_the_restored_state() -> None:
    """Restore in place: `sim.machine` stays the same object across back/goto/reverse."""
    sim = ktui.sim.load(LONG)
    m = sim.machine
    sim.step(3 * CHECKPOINT_INTERVAL + 10)
    sim.back(1)
    assert sim.machine is m
    assert m.nr_events == 3 * CHECKPOINT_INTERVAL + 9
    sim.goto(CHECKPOINT_INTERVAL + 3)
    h_mid = sim.state_hash()
    assert sim.machine is m and m.nr_events == CHECKPOINT_INTERVAL + 3
    fresh = ktui.sim.load(LONG)
    fresh.step(CHECKPOINT_INTERVAL + 3)
    assert checkpoint.state_hash(m) == fresh.state_hash() == h_mid
    # the run-queue objects reached through the old reference are the live ones
    assert m.rqs[0] is sim.machine.rqs[0]
    assert m.rqs[0].nr_running == fresh.machine.rqs[0].nr_running


def test_goto_keeps_dense_checkpoints_only_near_its_target() -> None:
    """A far goto saves dense checkpoints within DENSE_WINDOW of the target, none before."""
    sim = ktui.sim.load(LONG)
    sim.step(3 * CHECKPOINT_INTERVAL)
    target = 2 * CHECKPOINT_INTERVAL - 7  # CHECKPOINT_INTERVAL - 7 past a sparse checkpoint
    sim.goto(target)
    held = sim.dense.positions()
    assert held, "a long replay leaves dense checkpoints"
    assert all(target - DENSE_WINDOW <= k <= target for k in held)
    assert all(k % DENSE_INTERVAL == 0 for k in held)
    # the multiples of 64 in [target - 256, target]: four of them (with 4096:
    # 8185 - 256 = 7929, so 7936 .. 8128)
    first = -(-(target - DENSE_WINDOW) // DENSE_INTERVAL) * DENSE_INTERVAL
    assert held == list(range(first, target + 1, DENSE_INTERVAL)) and len(held) == 4


def test_back_one_after_goto_replays_from_a_dense_checkpoint() -> None:
    """back(1) after a goto restores the dense checkpoint just below (no long replay)."""
    sim = ktui.sim.load(LONG)
    sim.step(3 * CHECKPOINT_INTERVAL)
    sim.goto(2 * CHECKPOINT_INTERVAL - 7)
    below = (sim.event - 1) // DENSE_INTERVAL * DENSE_INTERVAL  # 8184 // 64 * 64 = 8128
    assert sim.hist.restore_checkpoint(sim.event - 1) == below
    sim.goto(2 * CHECKPOINT_INTERVAL - 8)
    fresh = ktui.sim.load(LONG)
    fresh.step(2 * CHECKPOINT_INTERVAL - 8)
    assert sim.state_hash() == fresh.state_hash()


def test_dense_cache_is_bounded_in_bytes() -> None:
    """Past max_bytes the least recently used checkpoints go first."""
    cache = DenseCache(max_bytes=250)
    for n in (64, 128, 192):
        cache.put(n, bytes(100))
    assert cache.positions() == [128, 192] and cache.nbytes == 200
    assert cache.get(128) is not None  # now the most recently used
    cache.put(256, bytes(100))
    assert cache.positions() == [128, 256] and cache.nbytes == 200
    cache.cut(192)
    assert cache.positions() == [128] and cache.nbytes == 100


def test_history_bytes_count_the_dense_cache() -> None:
    """history_bytes() = trace + sparse checkpoints + dense cache, byte for byte."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(2 * CHECKPOINT_INTERVAL)
    sim.back(5)
    h = sim.hist
    expect = h.log.nbytes() + sum(map(len, h.checkpoints.values())) + h.dense.nbytes
    assert h.dense.nbytes > 0 and sim.history_bytes() == expect
