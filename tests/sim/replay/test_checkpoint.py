"""ktui/sim/replay/checkpoint.py: checkpoints restore exactly; the digest sees every field."""

from __future__ import annotations

import ktui.sim
from ktui.sim.replay import checkpoint


def test_restore_gives_the_same_state_and_the_same_future() -> None:
    """A restored checkpoint digests the same and runs on to the same events."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(700)
    blob = checkpoint.save(sim.machine)
    copy = checkpoint.restore(blob, sim.cfg)
    assert checkpoint.state_hash(copy) == sim.state_hash()
    for _ in range(300):
        sim.machine.step()
        copy.step()
        assert copy.last == sim.machine.last
    assert checkpoint.state_hash(copy) == checkpoint.state_hash(sim.machine)


def test_digest_changes_with_any_field() -> None:
    """Changing one task's vruntime by 1 ns, or the RNG state, changes state_hash."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(100)
    h = sim.state_hash()
    task = sim.machine.tasks[1]
    task.se.vruntime += 1
    assert sim.state_hash() != h
    task.se.vruntime -= 1
    assert sim.state_hash() == h
    sim.machine.rng.random()
    assert sim.state_hash() != h
