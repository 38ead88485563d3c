"""SRCU (kernel/rcu/srcutree.c): per-CPU lock/unlock counts by srcu_idx, the
flip, sleeping readers, domains made at first use."""

from __future__ import annotations

from pathlib import Path

import ktui
from ktui.sim.kernel.rcu.srcutree import (
    SRCU_GP_SEQ_INITIAL_VAL,
    SrcuStruct,
    srcu_readers_active_idx_check,
)
from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import parse_scenario_text
from ktui.sim.trace import Event
from tests.sim.helpers import make_sim

MS = 1_000_000


def _events(sim: Simulator, *names: str) -> list[Event]:
    evs = (sim.event_at(i) for i in range(1, sim.recorded + 1))
    return [e for e in evs if e.name in names]


def test_initial_gp_seq_and_active_check() -> None:
    """SRCU_GP_SEQ_INITIAL_VAL = (0UL - 100UL) << 2 = -400; an index is idle
    when its unlocks over all CPUs equal its locks, wherever each ran."""
    assert SRCU_GP_SEQ_INITIAL_VAL == -100 * 4
    ssp = SrcuStruct("ss", 2)
    ssp.lock_count[0][0] = 1  # locked on CPU 0 ...
    assert not srcu_readers_active_idx_check(ssp, 0)
    ssp.unlock_count[0][1] = 1  # ... unlocked on CPU 1
    assert srcu_readers_active_idx_check(ssp, 0)


def test_sleeping_reader_holds_synchronize_srcu_but_a_late_one_does_not() -> None:
    """The built-in scenario: start (-399), flip to idx 1 (-398) at once (no
    idx-1 readers), then wait for sleeper's idx-0 section: it unlocks at
    24 ms (msleep 20 at HZ 250 ends on the 24 ms jiffy), the scan retried at
    that jiffy finds it still inside, the next one (28 ms) ends the grace
    period (-396), while `late` (idx 1) is still inside. No warning."""
    path = Path(ktui.__file__).parent / "scenarios" / "srcu-sleeping-reader.toml"
    sim = Simulator(parse_scenario_text(path.read_text(), str(path)))
    sim.run()
    gps = [(e.time_ns, e.fields["gp_seq"], e.fields["gpevent"]) for e in _events(sim, "srcu_grace_period")]
    assert gps == [(1 * MS, -399, "start"), (1 * MS, -398, "flip"), (28 * MS, -396, "end")]
    locks = [(e.common_comm, e.fields["idx"]) for e in _events(sim, "srcu_read_lock")]
    assert locks == [("sleeper", 0), ("late", 1)]
    (late_unlock,) = [e for e in _events(sim, "srcu_read_unlock") if e.common_comm == "late"]
    assert late_unlock.time_ns > 28 * MS
    assert sim.report()["log"] == []
    (ss,) = sim.report()["rcu"]["srcu"]  # type: ignore[index]
    assert ss["name"] == "ss" and ss["srcu_idx"] == 1 and ss["readers"] == [0, 0]


def test_domains_keep_their_own_counts() -> None:
    """A reader of domain a does not hold synchronize_srcu(b)."""
    sim = make_sim(
        {
            "r": "cpu = 1\n---\nsrcu_read_lock a\nmsleep 20\nsrcu_read_unlock a\n",
            "w": "cpu = 0\n---\nrun 1ms\nsynchronize_srcu b\nrun 1ms\n",
        },
        cpus=2,
    )
    sim.run()
    ends = [e for e in _events(sim, "srcu_grace_period") if e.fields["gpevent"] == "end"]
    assert [(e.fields["domain"], e.time_ns) for e in ends] == [("b", 1 * MS)]
    names = [d["name"] for d in sim.report()["rcu"]["srcu"]]  # type: ignore[index]
    assert names == ["a", "b"]  # first-use order


def test_unlock_without_lock_warns() -> None:
    sim = make_sim({"t": "---\nsrcu_read_unlock ss\n"})
    sim.run()
    assert [e["message"] for e in sim.report()["log"]] == ["WARNING: bad unlock balance detected!"]  # type: ignore[union-attr]
