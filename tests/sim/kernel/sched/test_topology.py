"""kernel/sched/topology.c model: the [machine] smt/sockets keys and the
sched domain levels built from them."""

from __future__ import annotations

import pytest

from ktui.sim.errors import ScenarioError
from ktui.sim.kernel.sched.topology import (
    SD_BALANCE_FORK,
    SD_BALANCE_NEWIDLE,
    SD_BALANCE_WAKE,
    SD_SHARE_CPUCAPACITY,
    SD_SHARE_LLC,
    SD_WAKE_AFFINE,
    build_sched_domains,
    sd_flags_names,
)
from ktui.sim.scenario import parse_scenario_text
from ktui.sim.scenario.model import MachineSpec

TASK = '\n[[task]]\nname = "t"\nprogram = "run 1ms"\n'


def machine(keys: str) -> MachineSpec:
    """The [machine] spec of a scenario with these keys."""
    return parse_scenario_text(f"[machine]\n{keys}\n{TASK}", "m.toml").machine


@pytest.mark.parametrize(
    ("keys", "expect"),
    [
        ("cpus = 4\nsmt = 3", "[machine] smt: smt 3 does not divide cpus 4 (threads per core)"),
        ("cpus = 4\nsmt = 0", "[machine] smt: expected an integer 1..8, got 0"),
        ("cpus = 6\nsmt = 2\nsockets = 2", "sockets 2 does not divide the 3 cores (cpus 6 / smt 2)"),
        ('cpus = 4\nsockets = "2"', "[machine] sockets: expected an integer 1..64, got a string"),
    ],
)
def test_bad_topology_is_one_scenario_error(keys: str, expect: str) -> None:
    """A topology that does not tile the CPUs is refused with the line of its key."""
    with pytest.raises(ScenarioError) as exc:
        machine(keys)
    # the line of the offending key, the last one written
    assert expect in str(exc.value) and exc.value.line == 2 + keys.count("\n"), str(exc.value)


def test_defaults_are_one_thread_one_socket() -> None:
    spec = machine("cpus = 2")
    assert (spec.smt, spec.sockets) == (1, 1)
    topo = build_sched_domains(spec)
    (mc,) = topo.levels  # SMT (1 CPU) and PKG (= MC) are degenerate
    assert mc.name == "MC" and mc.span_weight == 2 and mc.groups[1] == ((1,), (0,))
    assert mc.flags & SD_SHARE_LLC and not mc.flags & SD_SHARE_CPUCAPACITY
    assert mc.flags & SD_BALANCE_NEWIDLE and mc.flags & SD_BALANCE_FORK and mc.flags & SD_WAKE_AFFINE
    assert not mc.flags & SD_BALANCE_WAKE  # sd_init(): 0*SD_BALANCE_WAKE
    assert topo.cpus_share_cache(0, 1)


def test_two_sockets_of_smt_cores() -> None:
    """8 CPUs, smt 2, 2 sockets: SMT {2k, 2k+1}, MC = the socket's 4 CPUs,
    PKG = all 8 with the two sockets as groups; LLC is the socket."""
    topo = build_sched_domains(machine("cpus = 8\nsmt = 2\nsockets = 2"))
    assert [lvl.name for lvl in topo.levels] == ["SMT", "MC", "PKG"]
    smt, mc, pkg = topo.levels
    assert smt.spans[5] == (4, 5) and mc.spans[5] == (4, 5, 6, 7) and pkg.spans[5] == tuple(range(8))
    assert mc.groups[5] == ((4, 5), (6, 7))
    assert pkg.groups[5] == ((4, 5, 6, 7), (0, 1, 2, 3))
    assert (pkg.imbalance_pct, pkg.cache_nice_tries, pkg.min_interval, pkg.max_interval) == (117, 1, 8, 16)
    assert not pkg.flags & SD_SHARE_LLC
    assert topo.cpus_share_cache(4, 7) and not topo.cpus_share_cache(3, 4)
    assert sd_flags_names(smt.flags).split() == [
        "SD_BALANCE_NEWIDLE",
        "SD_BALANCE_EXEC",
        "SD_BALANCE_FORK",
        "SD_WAKE_AFFINE",
        "SD_SHARE_CPUCAPACITY",
        "SD_SHARE_LLC",
        "SD_PREFER_SIBLING",
    ]
