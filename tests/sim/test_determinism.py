"""Same scenario and seed => the same events and state, whatever the hash seed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _run(args: list[str], hashseed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=hashseed)
    out = subprocess.run(
        [sys.executable, "-m", "ktui", "run", *args], capture_output=True, text=True, env=env
    )
    assert out.returncode in (0, 1, 3, 4), out.stderr  # ktui run: 1 deadlock, 4 limit; 2 is bad input
    return out.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["abba", "--trace", "--json"],
        ["spin-abba", "--trace", "--json"],
        ["cfs-nice", "--steps", "3000", "--trace", "--json"],
    ],
)
def test_same_trace_and_hash_across_hash_seeds(args: list[str]) -> None:
    """Two processes with different PYTHONHASHSEED print byte-identical traces and state_hash."""
    a = _run(args, "1")
    b = _run(args, "4242")
    assert a == b
    assert '"state_hash"' in a and "sched_switch" in a


def test_seed_is_part_of_the_report() -> None:
    """The report names the seed the run used (the scenario's)."""
    import ktui.sim

    sim = ktui.sim.load("abba")
    assert sim.report()["seed"] == sim.scenario.seed


# A script run in a fresh interpreter: optionally import some modules first,
# run scenarios in the order given, print each one's state hash at a fixed
# position and at the end. Process history (what ran or was imported before)
# must not change any hash.
_HASHES = """
import importlib, sys
for mod in sys.argv[1].split(",") if sys.argv[1] else []:
    importlib.import_module(mod)
import ktui.sim
for name in sys.argv[2].split(","):
    sim = ktui.sim.load(name)
    sim.run(steps=1500)
    mid = sim.state_hash()
    sim.goto(sim.event // 2)
    print(name, mid, sim.state_hash())
"""


def _hashes(first_imports: str, order: str) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _HASHES, first_imports, order],
        capture_output=True,
        text=True,
        check=True,
    )
    return {line.split()[0]: line for line in out.stdout.splitlines()}


def test_state_hash_independent_of_process_history_and_import_order() -> None:
    """cfs-nice after a 6.6 run, abba before or after spin-abba, and modules imported in
    another order first (deadlock before anything, the tick before the scheduler) all
    hash alike: ids come from names, never from the order of first use."""
    base = _hashes("", "cfs-nice,abba,spin-abba")
    assert len(base) == 3
    assert _hashes("", "spin-abba,abba,cfs-nice") == base
    assert _hashes("ktui.sim.kernel.locking.deadlock", "abba,cfs-nice,spin-abba") == base
    assert (
        _hashes("ktui.sim.kernel.time.timer,ktui.sim.kernel.locking.spinlock", "spin-abba,cfs-nice,abba")
        == base
    )


def test_two_kernels_in_one_process_hash_as_in_fresh_ones() -> None:
    """A 6.6 scenario run before a 6.18 one leaves no trace in the latter's hash."""
    from tests.sim.helpers import make_sim

    def run(kernel: str) -> str:
        sim = make_sim({"a": "nice = 5\n--- run 30ms", "b": "--- msleep 3\nrun 10ms"}, kernel=kernel)
        sim.run()
        return sim.state_hash()

    first = run("6.18")
    run("6.6")
    run("5.15")
    assert run("6.18") == first
