"""ktui/sim/replay/journal.py: random step/back/command sequences over
histories longer than a checkpoint interval land on the state of a fresh
straight run with the same journal (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ktui.sim.commands import SetNice
from ktui.sim.errors import CommandError
from ktui.sim.replay.history import CHECKPOINT_INTERVAL
from ktui.sim.replay.journal import Journal
from ktui.sim.replay.timeline import Simulator
from tests.sim.helpers import make_sim

TASKS = {
    "hog": "nice = 0\n---\nrepeat 400 {\nrun 3ms\n}",
    "napper": "nice = 5\n---\nrepeat 400 {\nrun 2ms\nmsleep 3\n}",
    "locker": "nice = -3\n---\nrepeat 300 {\nmutex_lock A\nrun 1ms\nmutex_unlock A\nmsleep 1\n}",
    "other": "nice = 10\n---\nrepeat 300 {\nmutex_lock A\nrun 2ms\nmutex_unlock A\n}",
}


def _sim(cpus: int) -> Simulator:
    return make_sim(TASKS, cpus=cpus, kernel="6.6")


actions = st.one_of(
    st.tuples(st.just("step"), st.integers(1, 900)),
    st.tuples(st.just("back"), st.integers(1, 1500)),
    st.tuples(st.just("nice"), st.integers(1, 4), st.integers(-20, 19)),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cpus=st.integers(1, 2), script=st.lists(actions, min_size=2, max_size=9))
def test_random_steps_backs_and_commands_equal_a_straight_run(
    cpus: int, script: list[tuple[object, ...]]
) -> None:
    """Whatever the order of steps, backs and renices, the state at the end
    (and at the end of the record) is a straight run's with the same journal."""
    sim = _sim(cpus)
    sim.step(CHECKPOINT_INTERVAL + 100)
    for action in script:
        if action[0] == "step":
            sim.step(int(action[1]))  # type: ignore[call-overload]
        elif action[0] == "back":
            sim.back(int(action[1]))  # type: ignore[call-overload]
        else:
            try:
                sim.apply(SetNice(int(action[1]), int(action[2])))  # type: ignore[call-overload]
            except CommandError:
                pass
    here, recorded = sim.event, sim.recorded
    journal = sim.journal()
    assert [k for k, _ in journal] == sorted(k for k, _ in journal)
    assert all(k < recorded for k, _ in journal)
    fresh = _sim(cpus)
    for stop in (here, recorded):
        for k, cmd in journal:
            if fresh.event <= k < stop:
                fresh.step(k - fresh.event)
                assert fresh.event == k
                fresh.apply(cmd)
        fresh.step(stop - fresh.event)
        sim.goto(stop)
        assert sim.event == fresh.event == stop
        assert sim.state_hash() == fresh.state_hash()


def test_journal_add_forgets_later_commands() -> None:
    """Adding at N drops the commands at N and after, keeps the earlier ones in order."""
    j = Journal()
    j.add(5, SetNice(1, 1))
    j.add(9, SetNice(1, 2))
    j.add(12, SetNice(1, 3))
    j.add(9, SetNice(2, 4))
    assert j.entries() == ((5, SetNice(1, 1)), (9, SetNice(2, 4)))
