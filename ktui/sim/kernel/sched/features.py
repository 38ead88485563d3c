"""Fair-class features and tunables, chosen once per machine at boot.

Models kernel/sched/features.h (the defaults of each release: which of
PLACE_LAG, RUN_TO_PARITY, DELAY_DEQUEUE, ... a mainline tag has) and the
sysctl tunables of kernel/sched/fair.c (``get_update_sysctl_factor()``,
``update_sysctl()``). The kernel builds one feature set per release; the
model folds each release's set into a `level` (a small int, monotonic in the
version) and precomputes the scaled tunables, so no hot path compares
version tuples. `SchedConfig` lives in ``Machine.cfg`` (not in the state).

Left out: runtime ``sched_feat`` toggles (debugfs), non-default features
(NEXT_BUDDY, HRTICK), SCHED_TUNABLESCALING_NONE/LINEAR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# Mainline tags where the fair class changed. Each level includes the ones
# before it: ``cfg.sched.level >= DELAY_DEQUEUE`` means "6.12 or later".
CFS: Final = 0
"""Before 6.6: CFS (sched_slice(), min_vruntime normalisation, buddies)."""
EEVDF: Final = 1
"""6.6: 147f3efaa241 "sched/fair: Implement an EEVDF-like scheduling policy"."""
DEADLINE_TREE: Final = 2
"""6.8: 2227a957e1d5 "sched/eevdf: Sort the rbtree by virtual deadline"."""
DELAY_DEQUEUE: Final = 3
"""6.12: DELAY_DEQUEUE, DELAY_ZERO, PLACE_REL_DEADLINE, PREEMPT_SHORT, custom slices."""
BASE_SLICE_070: Final = 4
"""6.15: base slice 0.70 ms; a SCHED_IDLE curr loses its slice protection."""
VPROT: Final = 5
"""6.17: 74eec63661d4 "sched/fair: Fix NO_RUN_TO_PARITY case" and the series (vprot)."""
YIELD_FORFEIT: Final = 6
"""6.18: 79104becf42b, yield forfeits the rest of the request."""
ZERO_VRUNTIME: Final = 7
"""6.19: 79f3f9bedd14 "sched/eevdf: Fix min_vruntime vs avg_vruntime" (zero_vruntime)."""

LEVEL_KVER: Final[tuple[tuple[int, int], ...]] = (
    (0, 0),
    (6, 6),
    (6, 8),
    (6, 12),
    (6, 15),
    (6, 17),
    (6, 18),
    (6, 19),
)
"""The first mainline tag of each level, indexed by level."""

NSEC_PER_SEC: Final = 1_000_000_000
SCHED_NR_LATENCY: Final = 8
"""DIV_ROUND_UP(sysctl_sched_latency, sysctl_sched_min_granularity) (CFS)."""
SYSCTL_SCHED_IDLE_MIN_GRANULARITY: Final = 750_000
"""sysctl_sched_idle_min_granularity (CFS): not scaled."""


CLASSES_CURRENT: Final = 0
"""``SchedConfig.classes``: stop, dl, rt, fair, idle (2.6.23 and later)."""
CLASSES_O1: Final = 1
"""``SchedConfig.classes``: the O(1) scheduler of kernel/sched.c (2.6.0 .. 2.6.22)."""
O1_LAST_KVER: Final = (2, 6, 22)
"""The last release with the O(1) scheduler (CFS came in 2.6.23)."""


def fair_level(kver: tuple[int, ...]) -> int:
    """The feature level of mainline release `kver` (CFS .. ZERO_VRUNTIME)."""
    level = CFS
    for i, first in enumerate(LEVEL_KVER):
        if kver >= first:
            level = i
    return level


@dataclass(frozen=True, slots=True)
class SchedConfig:
    """One machine's fair-class configuration: its level and scaled tunables.

    Attributes:
        level: Feature level (`fair_level` of the kernel version).
        factor: get_update_sysctl_factor(): 1 + ilog2(min(ncpus, 8))
            (SCHED_TUNABLESCALING_LOG, the default).
        base_slice: sysctl_sched_base_slice (EEVDF) or
            sysctl_sched_min_granularity (CFS): 0.75 ms (0.70 ms from 6.15)
            times the factor.
        latency: sysctl_sched_latency (CFS): 6 ms times the factor.
        wakeup_granularity: sysctl_sched_wakeup_granularity (CFS): 1 ms
            times the factor.
        tick_nsec: TICK_NSEC: (NSEC_PER_SEC + HZ/2) / HZ.
        classes: Which class table ``for_each_class()`` walks:
            `CLASSES_CURRENT`, or `CLASSES_O1` up to 2.6.22.
    """

    level: int
    factor: int
    base_slice: int
    latency: int
    wakeup_granularity: int
    tick_nsec: int
    classes: int = CLASSES_CURRENT


def get_update_sysctl_factor(ncpus: int) -> int:
    """get_update_sysctl_factor(): 1 + ilog2(min(ncpus, 8)), SCHED_TUNABLESCALING_LOG."""
    return 1 + (min(max(ncpus, 1), 8).bit_length() - 1)


def sched_config(kver: tuple[int, ...], ncpus: int, hz: int) -> SchedConfig:
    """update_sysctl() at boot for a machine running `kver` on `ncpus` CPUs."""
    level = fair_level(kver)
    factor = get_update_sysctl_factor(ncpus)
    # normalized_sysctl_sched_base_slice: 0.75 ms, "sched: Reduce the default
    # slice to avoid tasks getting an extra tick" (6.15) made it 0.70 ms.
    base = 700_000 if level >= BASE_SLICE_070 else 750_000
    return SchedConfig(
        level=level,
        factor=factor,
        base_slice=factor * base,
        latency=factor * 6_000_000,
        wakeup_granularity=factor * 1_000_000,
        tick_nsec=(NSEC_PER_SEC + hz // 2) // hz,
        classes=CLASSES_O1 if kver <= O1_LAST_KVER else CLASSES_CURRENT,
    )
