"""Scheduling domains. Models kernel/sched/topology.c (and the SD_* flags of
include/linux/sched/sd_flags.h).

The machine's ``[machine]`` keys ``cpus``, ``smt`` (threads per core) and
``sockets`` (one LLC each) give ``default_topology[]``'s levels: SMT (the
threads of a core, ``cpu_smt_flags()``: SD_SHARE_CPUCAPACITY |
SD_SHARE_LLC), MC (a socket, ``cpu_core_flags()``: SD_SHARE_LLC) and PKG
(every CPU). `build_sched_domains` does what ``build_sched_domains()`` and
``cpu_attach_domain()`` do for them: ``sd_init()``'s defaults (imbalance_pct
110 for SMT, 117 otherwise; cache_nice_tries 0, 1, 1; busy_factor 16;
min_interval = span weight, max_interval = twice that, in ms), the groups
of each level (the child domains' spans, the local one first as
``build_sched_groups()`` links them), and the removal of degenerate
domains (``sd_degenerate()``: a span of one CPU; ``sd_parent_degenerate()``:
the same span as the child). A one-CPU machine has no domains at all
(``on_null_domain()``).

What never changes is `Topology`, in ``m.cfg.topology``; what balancing
updates (``sd->balance_interval``, ``last_balance``, ``nr_balance_failed``)
is the per-CPU `SchedDomain` state in ``rq.sd``, lowest level first, as
``for_each_domain()`` walks them. Left out: CLS (clusters), NUMA levels,
asymmetric capacities (SD_ASYM_*), ``sched_domain_shared`` (its
``nr_busy_cpus`` and ``has_idle_cores`` are computed when read), root
domains other than the one, cpusets and isolcpus, hotplug.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from ktui.sim.state import PlainState, mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.scenario.model import MachineSpec

# include/linux/sched/sd_flags.h, in its order (bit n is the n-th SD_FLAG()).
SD_BALANCE_NEWIDLE: Final = 1 << 0
SD_BALANCE_EXEC: Final = 1 << 1
SD_BALANCE_FORK: Final = 1 << 2
SD_BALANCE_WAKE: Final = 1 << 3
SD_WAKE_AFFINE: Final = 1 << 4
SD_ASYM_CPUCAPACITY: Final = 1 << 5
SD_ASYM_CPUCAPACITY_FULL: Final = 1 << 6
SD_SHARE_CPUCAPACITY: Final = 1 << 7
SD_CLUSTER: Final = 1 << 8
SD_SHARE_LLC: Final = 1 << 9
SD_SERIALIZE: Final = 1 << 10
SD_ASYM_PACKING: Final = 1 << 11
SD_PREFER_SIBLING: Final = 1 << 12
SD_NUMA: Final = 1 << 13

SD_FLAG_NAMES: Final = (
    "SD_BALANCE_NEWIDLE",
    "SD_BALANCE_EXEC",
    "SD_BALANCE_FORK",
    "SD_BALANCE_WAKE",
    "SD_WAKE_AFFINE",
    "SD_ASYM_CPUCAPACITY",
    "SD_ASYM_CPUCAPACITY_FULL",
    "SD_SHARE_CPUCAPACITY",
    "SD_CLUSTER",
    "SD_SHARE_LLC",
    "SD_SERIALIZE",
    "SD_ASYM_PACKING",
    "SD_PREFER_SIBLING",
    "SD_NUMA",
)
"""Bit n's name, as /proc/sys/kernel/sched_domain/cpuN/domainM/flags prints them."""

SD_INIT_FLAGS: Final = (
    SD_BALANCE_NEWIDLE | SD_BALANCE_EXEC | SD_BALANCE_FORK | SD_WAKE_AFFINE | SD_PREFER_SIBLING
)
"""sd_init()'s ``1*SD_...`` defaults (SD_BALANCE_WAKE is off)."""

SCHED_CAPACITY_SCALE: Final = 1024
"""Every CPU's capacity (no asymmetric CPUs, no RT/IRQ pressure modelled)."""


@dataclass(frozen=True, slots=True)
class DomainLevel:
    """One level of ``struct sched_domain`` as sd_init() leaves it, for every CPU.

    Attributes:
        name: ``SMT``, ``MC`` or ``PKG`` (sched_domain_topology_level's name).
        flags: SD_* flags.
        imbalance_pct: How much busier (in %) the busiest group must be.
        cache_nice_tries: Failed balances before cache-hot tasks may move.
        busy_factor: balance_interval multiplier while the CPU is busy.
        min_interval: ms, the span weight.
        max_interval: ms, twice the span weight.
        span_weight: CPUs in each domain of this level.
        spans: Each CPU's domain span (sorted CPU numbers).
        groups: Each CPU's groups (sched_group spans), its own group first
            and then in CPU order from it, as build_sched_groups() links them.
        group_flags: ``sg->flags``: the child domain's flags (0 at the bottom).
    """

    name: str
    flags: int
    imbalance_pct: int
    cache_nice_tries: int
    busy_factor: int
    min_interval: int
    max_interval: int
    span_weight: int
    spans: tuple[tuple[int, ...], ...]
    groups: tuple[tuple[tuple[int, ...], ...], ...]
    group_flags: int


@dataclass(frozen=True, slots=True)
class Topology:
    """The machine's CPU topology and sched domain levels (lowest first).

    Attributes:
        levels: The levels left after degenerate ones are removed.
        smt: Threads per core.
        smt_mask: ``cpu_smt_mask()`` of each CPU.
        llc: Each CPU's LLC span (``sd_llc``'s span; just the CPU when it
            has no SD_SHARE_LLC domain).
    """

    levels: tuple[DomainLevel, ...]
    smt: int
    smt_mask: tuple[tuple[int, ...], ...]
    llc: tuple[tuple[int, ...], ...]

    def cpus_share_cache(self, a: int, b: int) -> bool:
        """cpus_share_cache(): same LLC (``per_cpu(sd_llc_id)``)."""
        return a == b or b in self.llc[a]

    def sd_llc(self, cpu: int) -> int:
        """Index of `cpu`'s ``sd_llc`` level (highest with SD_SHARE_LLC), -1 if none."""
        found = -1
        for i, lvl in enumerate(self.levels):
            if lvl.flags & SD_SHARE_LLC:
                found = i
        return found


@mypyc_attr(allow_interpreted_subclasses=True)
class SchedDomain(PlainState):
    """The changing part of one CPU's ``struct sched_domain`` at one level.

    Attributes:
        level: Index into ``Topology.levels``.
        balance_interval: ms; min_interval after an imbalance was found,
            doubled (up to max_interval) after each balanced pass.
        last_balance: jiffies of the last periodic balance at this level.
        nr_balance_failed: Periodic balances in a row that moved nothing.
    """

    __slots__: Final = ("level", "balance_interval", "last_balance", "nr_balance_failed")

    def __init__(self, level: int, balance_interval: int) -> None:
        self.level = level
        self.balance_interval = balance_interval
        self.last_balance = 0
        self.nr_balance_failed = 0


def _groups(cpu: int, span: tuple[int, ...], child: tuple[tuple[int, ...], ...] | None) -> tuple[tuple[int, ...], ...]:
    """build_sched_groups(): the child spans covering `span`, from `cpu`'s on
    (for_each_cpu_wrap), each once; single CPUs when there is no child."""
    out: list[tuple[int, ...]] = []
    covered: list[int] = []
    n = len(span)
    start = span.index(cpu)
    for k in range(n):
        i = span[(start + k) % n]
        if i in covered:
            continue
        grp = child[i] if child is not None else (i,)
        out.append(grp)
        covered.extend(grp)
    return tuple(out)


def build_sched_domains(spec: MachineSpec) -> Topology:
    """build_sched_domains() + cpu_attach_domain() for the scenario's machine."""
    ncpus = spec.cpus
    smt = spec.smt
    per_socket = ncpus // spec.sockets
    smt_mask = tuple(tuple(range(c - c % smt, c - c % smt + smt)) for c in range(ncpus))
    socket = tuple(
        tuple(range(c - c % per_socket, c - c % per_socket + per_socket)) for c in range(ncpus)
    )
    every = tuple(tuple(range(ncpus)) for _ in range(ncpus))
    # default_topology[]: SMT, (CLS,) MC, PKG with their topology flags
    candidates = (
        ("SMT", smt_mask, SD_SHARE_CPUCAPACITY | SD_SHARE_LLC),
        ("MC", socket, SD_SHARE_LLC),
        ("PKG", every, 0),
    )
    kept: list[tuple[str, tuple[tuple[int, ...], ...], int]] = []
    for name, spans, tl_flags in candidates:
        weight = len(spans[0])
        if weight == 1:
            continue  # sd_degenerate(): one CPU
        if kept and len(kept[-1][1][0]) == weight:
            continue  # sd_parent_degenerate(): the child's span, no new flags
        kept.append((name, spans, tl_flags))
    levels: list[DomainLevel] = []
    child_spans: tuple[tuple[int, ...], ...] | None = None
    child_flags = 0
    for name, spans, tl_flags in kept:
        weight = len(spans[0])
        flags = SD_INIT_FLAGS | tl_flags
        # sd_init(): the per-kind tuning
        if flags & SD_SHARE_CPUCAPACITY:
            pct, tries = 110, 0
        elif flags & SD_SHARE_LLC:
            pct, tries = 117, 1
        else:
            pct, tries = 117, 1
        groups = tuple(_groups(c, spans[c], child_spans) for c in range(ncpus))
        levels.append(
            DomainLevel(
                name=name,
                flags=flags,
                imbalance_pct=pct,
                cache_nice_tries=tries,
                busy_factor=16,
                min_interval=weight,
                max_interval=2 * weight,
                span_weight=weight,
                spans=spans,
                groups=groups,
                group_flags=child_flags,
            )
        )
        child_spans, child_flags = spans, flags
    llc: list[tuple[int, ...]] = []
    for c in range(ncpus):
        span: tuple[int, ...] = (c,)
        for lvl in levels:
            if lvl.flags & SD_SHARE_LLC:
                span = lvl.spans[c]
        llc.append(span)
    return Topology(tuple(levels), smt, smt_mask, tuple(llc))


def init_sched_domains(topology: Topology) -> list[list[SchedDomain]]:
    """Each CPU's fresh `SchedDomain` list (``rq->sd`` and its parents).

    sd_init(): ``balance_interval = sd_weight``, ``last_balance = jiffies``
    (0 at boot), no failures yet.
    """
    ncpus = len(topology.llc)
    return [
        [SchedDomain(i, lvl.span_weight) for i, lvl in enumerate(topology.levels)]
        for _ in range(ncpus)
    ]


def sd_flags_names(flags: int) -> str:
    """The flags as /proc/sys/kernel/sched_domain/.../flags prints them."""
    return " ".join(n for i, n in enumerate(SD_FLAG_NAMES) if flags & (1 << i))
