"""kernel/locking/lockdep.py: classes, chains, the dependency graph and the reports."""

from __future__ import annotations

import pytest

import ktui.sim
from ktui.sim.kernel.locking.lockdep import INITIAL_CHAIN_KEY, iterate_chain_key, lockdep_state
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import make_sim

ABBA_APART = {
    # t1 takes A then B and is done before t2 takes B then A: never a deadlock
    "t1": "cpu = 0\n--- mutex_lock A\nmutex_lock B\nmutex_unlock B\nmutex_unlock A",
    "t2": 'cpu = 0\nstart = "5ms"\n--- mutex_lock B\nmutex_lock A\nmutex_unlock A\nmutex_unlock B',
}


def _reports(sim: Simulator) -> list[dict[str, object]]:
    return sim.report()["lockdep"]["reports"]  # type: ignore[index,no-any-return]


def test_abba_order_is_caught_although_the_timing_never_deadlocked() -> None:
    """t2's B -> A closes A -> B added by t1: one circular report, run finishes."""
    sim = make_sim(ABBA_APART)
    assert sim.run() == "finished"
    (rep,) = _reports(sim)
    assert rep["kind"] == "circular"
    assert rep["headline"] == "WARNING: possible circular locking dependency detected"
    body = str(rep["body"])
    assert "t2/2 is trying to acquire lock:\n(A){+.+.}-{4:4}\n" in body
    assert "but task is already holding lock:\n(B){+.+.}-{4:4}\n" in body
    assert "-> #1 (B){+.+.}-{4:4}:\n\n-> #0 (A){+.+.}-{4:4}:" in body
    assert "  lock(B);\n                               lock(A);\n                               lock(B);\n  lock(A);" in body
    assert " *** DEADLOCK ***" in body and "1 lock held by t2/2:\n #0: (B){+.+.}-{4:4}" in body
    assert sim.event_at(int(rep["event"])).name == "lockdep"  # type: ignore[call-overload]
    (entry,) = sim.report()["log"]  # type: ignore[misc]
    assert entry["message"] == rep["headline"] and entry["event"] == rep["event"]
    graph = sim.report()["lockdep"]["graph"]  # type: ignore[index]
    (edge,) = graph["edges"]  # the refused B -> A was never added
    assert (edge["prev"], edge["next"], edge["dep"]) == ("A", "B", ["EN"])
    assert sim.event_at(edge["event"]).name == "lock_acquire" and sim.event_at(edge["event"]).common_comm == "t1"


def test_one_shot_turns_lockdep_off_after_the_first_report() -> None:
    """With one_shot false a second ABBA (C, D) is reported too; by default not."""
    tasks = {
        "t1": "cpu = 0\n--- mutex_lock A\nmutex_lock B\nmutex_unlock B\nmutex_unlock A\n"
        "mutex_lock C\nmutex_lock D\nmutex_unlock D\nmutex_unlock C",
        "t2": 'cpu = 0\nstart = "5ms"\n--- mutex_lock B\nmutex_lock A\nmutex_unlock A\nmutex_unlock B\n'
        "mutex_lock D\nmutex_lock C\nmutex_unlock C\nmutex_unlock D",
    }
    locks = 'A = "mutex"\nB = "mutex"\nC = "mutex"\nD = "mutex"'
    sim = make_sim(tasks, locks=locks)
    sim.run()
    assert [r["classes"] for r in _reports(sim)] == [["A", "B"]]
    sim = make_sim(tasks, locks=locks, extra="[lockdep]\none_shot = false")
    sim.run()
    assert [r["classes"] for r in _reports(sim)] == [["A", "B"], ["C", "D"]]
    sim = make_sim(tasks, locks=locks, extra="[lockdep]\nenabled = false")
    sim.run()
    assert _reports(sim) == [] and sim.report()["log"] == []


def test_abbcca_is_circular_through_three_classes() -> None:
    """A->B, B->C, then C->A: the chain has three entries and a 'Chain exists of'."""
    sim = make_sim(
        {
            "t1": "--- mutex_lock A\nmutex_lock B\nmutex_unlock B\nmutex_unlock A\n"
            "mutex_lock B\nmutex_lock C\nmutex_unlock C\nmutex_unlock B\n"
            "mutex_lock C\nmutex_lock A\nmutex_unlock A\nmutex_unlock C",
        },
        locks='A = "mutex"\nB = "mutex"\nC = "mutex"',
    )
    assert sim.run() == "finished"
    (rep,) = _reports(sim)
    assert rep["kind"] == "circular" and rep["chain"] == ["A", "B", "C"]
    body = str(rep["body"])
    assert "-> #2 (C)" in body and "-> #1 (B)" in body and "-> #0 (A)" in body
    assert "Chain exists of:\n  A --> B --> C\n" in body
    assert "  lock(C);\n                               lock(B);\n                               lock(C);\n  lock(A);" in body


def test_aa_scenario_reports_recursive_locking_before_the_deadlock() -> None:
    sim = ktui.sim.load("aa")
    assert sim.run() == "deadlock"
    (rep,) = _reports(sim)
    assert rep["kind"] == "recursive"
    assert rep["headline"] == "WARNING: possible recursive locking detected"
    assert "       CPU0\n       ----\n  lock(A);\n  lock(A);\n" in str(rep["body"])
    assert " May be due to missing lock nesting notation" in str(rep["body"])
    assert int(rep["event"]) < sim.event  # type: ignore[call-overload]


def test_a_subclass_is_its_own_class_and_8_is_invalid() -> None:
    """spin_lock_nested S 1 under S is no recursion (class S/1); subclass 8 is
    >= MAX_LOCKDEP_SUBCLASSES (8): the BUG and lockdep turns itself off."""
    locks = 'S = "spinlock"\nT = { kind = "spinlock", class = "S" }'
    sim = make_sim({"t1": "--- spin_lock S\nspin_lock_nested T 1\nspin_unlock T\nspin_unlock S"}, locks=locks)
    assert sim.run() == "finished" and _reports(sim) == []
    assert [c["name"] for c in sim.report()["lockdep"]["graph"]["classes"]] == ["S", "S/1"]  # type: ignore[index]
    sim = make_sim({"t1": "--- spin_lock S\nspin_lock T\nspin_unlock T\nspin_unlock S"}, locks=locks)
    sim.run()
    assert [r["kind"] for r in _reports(sim)] == ["recursive"]  # same class S, no nesting notation
    sim = make_sim({"t1": "--- spin_lock_nested S 8\nspin_unlock S"}, locks=locks)
    sim.run()
    (rep,) = _reports(sim)
    assert rep["kind"] == "invalid_subclass" and rep["headline"] == "BUG: looking up invalid subclass: 8"
    assert sim.report()["lockdep"]["debug_locks"] is False  # type: ignore[index]


def test_a_trylock_adds_no_dependency_to_itself() -> None:
    """validate_chain() is skipped for a trylock: A then trylock B adds no
    A -> B, so B -> A later is no cycle; the edge from the held trylock
    (B -> C) is added."""
    sim = make_sim(
        {
            "t1": "--- spin_lock A\nr = write_trylock B\nspin_lock C\nspin_unlock C\nwrite_unlock B\nspin_unlock A\n"
            "write_lock B\nspin_lock A\nspin_unlock A\nwrite_unlock B",
        },
        locks='A = "spinlock"\nB = "rwlock"\nC = "spinlock"',
    )
    assert sim.run() == "finished"
    assert _reports(sim) == []
    edges = sim.report()["lockdep"]["graph"]["edges"]  # type: ignore[index]
    assert [(e["prev"], e["next"]) for e in edges] == [("B", "C"), ("A", "C"), ("B", "A")]


def test_read_after_read_recursion_is_allowed_only_for_recursive_readers() -> None:
    """rwsem readers (read 1) taken twice: recursive; an rwlock's read_lock is
    read 1 in process context (queued rwlocks) unless force_read_lock_recursive."""
    sim = make_sim({"t1": "--- down_read R\ndown_read R\nup_read R\nup_read R"}, locks='R = "rw_semaphore"')
    sim.run()
    assert [r["kind"] for r in _reports(sim)] == ["recursive"]
    prog = {"t1": "--- read_lock L\nread_lock L\nread_unlock L\nread_unlock L"}
    sim = make_sim(prog, locks='L = "rwlock"')
    sim.run()
    assert [r["kind"] for r in _reports(sim)] == ["recursive"]
    sim = make_sim(prog, locks='L = "rwlock"', extra="[lockdep]\nforce_read_lock_recursive = true")
    sim.run()
    # (the rwlock model counts one reader per task, so the second read_unlock
    # is a bad unlock there: not lockdep's part)
    assert "recursive" not in [r["kind"] for r in _reports(sim)]


def test_bad_unlock_is_one_lockdep_report() -> None:
    sim = make_sim({"t1": "--- mutex_lock A\nmutex_unlock B\nmutex_unlock A"})
    sim.run()
    (rep,) = _reports(sim)
    assert rep["kind"] == "bad_unlock"
    assert "t1/1 is trying to release lock (B) at:\nbut there are no more locks to release!" in str(rep["body"])
    assert "1 lock held by t1/1:\n #0: (A){+.+.}-{4:4}" in str(rep["body"])
    assert [e["message"] for e in sim.report()["log"]] == ["WARNING: bad unlock balance detected!"]  # type: ignore[index]


def test_max_lock_depth() -> None:
    """The 49th held lock overflows MAX_LOCK_DEPTH (48)."""
    locks = "\n".join(f'L{i} = "spinlock"' for i in range(49))
    prog = "\n".join(f"spin_lock L{i}" for i in range(49))
    sim = make_sim({"t1": "--- " + prog}, locks=locks)
    sim.run()
    (rep,) = _reports(sim)
    assert rep["kind"] == "max_lock_depth" and rep["headline"] == "BUG: MAX_LOCK_DEPTH too low!"
    assert "depth: 48  max: 48!" in str(rep["body"]) and "48 locks held by t1/1:" in str(rep["body"])


def test_held_lock_freed_on_reinit() -> None:
    sim = make_sim({"t1": "--- write_lock L\nrwlock_init L"}, locks='L = "rwlock"')
    sim.run()
    (rep,) = _reports(sim)
    assert rep["kind"] == "held_lock_freed" and rep["headline"] == "WARNING: held lock freed!"


def test_lockdep_breakpoint_stops_at_the_report() -> None:
    sim = make_sim(ABBA_APART, extra='[[breakpoint]]\nwhen = "lockdep"')
    assert sim.run() == "breakpoint"
    assert sim.event_at(sim.event).name == "lockdep"


def test_stepping_back_and_forth_restores_lockdep_state() -> None:
    sim = make_sim(ABBA_APART)
    sim.run()
    end = (sim.event, sim.state_hash(), _reports(sim))
    rep_event = int(end[2][0]["event"])  # type: ignore[call-overload]
    sim.back(sim.event - rep_event + 1)  # just after t2's lock_acquire: queued, not yet printed
    assert _reports(sim) == [] and not lockdep_state(sim.machine).debug_locks
    sim.back(1)
    assert lockdep_state(sim.machine).debug_locks and lockdep_state(sim.machine).reports == []
    sim.run()
    assert (sim.event, sim.state_hash(), _reports(sim)) == end


def test_chain_key_is_jhash_mix_of_the_class_ids() -> None:
    """iterate_chain_key() differs by order and is deterministic."""
    ab = iterate_chain_key(iterate_chain_key(INITIAL_CHAIN_KEY, 1), 2)
    ba = iterate_chain_key(iterate_chain_key(INITIAL_CHAIN_KEY, 2), 1)
    assert ab != ba and ab == iterate_chain_key(iterate_chain_key(INITIAL_CHAIN_KEY, 1), 2)
    assert 0 <= ab < 1 << 64


@pytest.mark.parametrize(("text", "msg"), [("enabled = 1", "expected true or false"), ("bogus = true", "unknown key")])
def test_bad_lockdep_table_is_a_clear_error(text: str, msg: str) -> None:
    from ktui.sim.errors import ScenarioError

    with pytest.raises(ScenarioError, match=msg):
        make_sim(ABBA_APART, extra=f"[lockdep]\n{text}")
