"""Fair run-queue views and invariants. Models kernel/sched/debug.c.

``print_cfs_rq()`` shows a cfs_rq's ``min_vruntime``/``avg_vruntime`` and
each queued entity; the views here give the snapshot and report the same
numbers (`cfs_rq_sums`), and `validate_cfs_rq` checks a cfs_rq against a
recomputation from its entities, as drgn's ``validate_*`` helpers do.
Also ``/proc/PID/sched`` (`proc_sched_show_task`) from a task's view.
Left out: schedstats, PELT averages.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.sched import SchedPolicy, TaskStruct
from ktui.sim.include.linux.sched.prio import MAX_RT_PRIO
from ktui.sim.kernel.sched import entity
from ktui.sim.kernel.sched.features import DEADLINE_TREE, DELAY_DEQUEUE, EEVDF
from ktui.sim.kernel.sched.sched import Rq, scale_load_down
from ktui.sim.kernel.sched.timeline import INF

if TYPE_CHECKING:
    from ktui.sim.kernel.sched.view import SchedView, TaskView


@dataclass(frozen=True, slots=True)
class CfsRqSums:
    """What print_cfs_rq() prints of a cfs_rq's averages, and eligibility.

    Attributes:
        eevdf: The machine runs EEVDF (6.6+); the other fields are then set.
        avg: \\Sum (v_i - v0) * w_i over the queued entities, curr included.
        load: \\Sum w_i (scale_load_down() units).
        v0: The reference (min_vruntime, zero_vruntime from 6.19).
        avg_vruntime: avg_vruntime(); min_vruntime before 6.6.
    """

    eevdf: bool
    avg: int
    load: int
    v0: int
    avg_vruntime: int

    def eligible(self, vruntime: int) -> bool:
        """vruntime_eligible(): ``avg >= (vruntime - v0) * load`` (EEVDF only)."""
        return self.eevdf and self.avg >= (vruntime - self.v0) * self.load


def cfs_rq_sums(m: entity.FairMachine, rq: Rq) -> CfsRqSums:
    """The averages of rq's cfs_rq, taken once for many eligibility tests."""
    cfs_rq = rq.cfs
    if m.cfg.sched.level < EEVDF:
        return CfsRqSums(False, 0, 0, 0, cfs_rq.min_vruntime)
    avg, load = entity.avg_sums(m, cfs_rq)
    return CfsRqSums(True, avg, load, entity.v0(m, cfs_rq), entity.avg_vruntime(m, rq))


def for_each_cfs_entity(m: entity.FairMachine, rq: Rq) -> Iterator[TaskStruct]:
    """The tasks in rq's cfs tree, leftmost first (curr is not in the tree)."""
    for entry in list(rq.cfs.tasks_timeline):
        yield m.tasks[entry[2]]


def validate_cfs_rq(m: entity.FairMachine, rq: Rq) -> None:
    """Check rq's cfs_rq against a recomputation.

    Raises:
        SimInvariantError: on a tree entry whose key is stale, curr in the
            tree, counts or load that do not match the queued entities, a
            delayed entity before 6.12, augmented minima out of date, or
            avg_vruntime/avg_load (EEVDF) that differ from the sums over the
            tree.
    """
    cfs_rq = rq.cfs
    lvl = m.cfg.sched.level
    where = f"cpu{rq.cpu} cfs_rq"
    queued: list[TaskStruct] = []
    avg = load = 0
    prev: tuple[int, int, int] | None = None
    for entry in cfs_rq.tasks_timeline:
        if prev is not None and prev >= entry:
            raise SimInvariantError(f"{where}: tree not sorted at {entry}")
        prev = entry
        task = m.tasks.get(entry[2])
        if task is None:
            raise SimInvariantError(f"{where}: unknown pid {entry[2]} in tree")
        se = task.se
        if entry[2] == cfs_rq.curr:
            raise SimInvariantError(f"{where}: curr pid {cfs_rq.curr} is in the tree")
        if se.run_key != entry or entry[0] != entity.tree_key(m, se):
            raise SimInvariantError(f"{where}: pid {task.pid} key {entry} is stale")
        if not se.on_rq:
            raise SimInvariantError(f"{where}: pid {task.pid} in tree with se.on_rq == 0")
        queued.append(task)
        w = scale_load_down(se.load_weight)
        avg += (se.vruntime - entity.v0(m, cfs_rq)) * w
        load += w
    curr = m.tasks[cfs_rq.curr] if cfs_rq.curr else None
    if curr is not None:
        if curr.se.run_key is not None:
            raise SimInvariantError(f"{where}: curr pid {curr.pid} has a tree key")
        if curr.se.on_rq:
            queued.append(curr)
    if cfs_rq.nr_queued != len(queued):
        raise SimInvariantError(f"{where}: nr_queued {cfs_rq.nr_queued} != {len(queued)} queued")
    weight = sum(t.se.load_weight for t in queued)
    if cfs_rq.load_weight != weight:
        raise SimInvariantError(f"{where}: load.weight {cfs_rq.load_weight} != {weight}")
    runnable = sum(1 for t in queued if not t.se.sched_delayed)
    if cfs_rq.h_nr_runnable != runnable:
        raise SimInvariantError(f"{where}: h_nr_runnable {cfs_rq.h_nr_runnable} != {runnable}")
    if lvl < DELAY_DEQUEUE and runnable != len(queued):
        raise SimInvariantError(f"{where}: sched_delayed entity before 6.12")
    if rq.nr_running < len(queued):
        raise SimInvariantError(f"{where}: rq.nr_running {rq.nr_running} < {len(queued)}")
    # rq->cfs_tasks holds exactly the queued fair tasks, all on this CPU
    pids = sorted(t.pid for t in queued)
    if sorted(rq.cfs_tasks) != pids:
        raise SimInvariantError(f"cpu{rq.cpu} cfs_tasks {sorted(rq.cfs_tasks)} != queued {pids}")
    for t in queued:
        if t.cpu != rq.cpu:
            raise SimInvariantError(f"{where}: pid {t.pid} queued here has task.cpu {t.cpu}")
    validate_timeline(m, rq)
    slices: dict[int, int] = {}
    for e in cfs_rq.tasks_timeline:
        s = m.tasks[e[2]].se.slice
        slices[s] = slices.get(s, 0) + 1
    if cfs_rq.slice_count != slices:
        raise SimInvariantError(f"{where}: min_slice index {cfs_rq.slice_count} != {slices}")
    if lvl >= EEVDF and (cfs_rq.avg_vruntime != avg or cfs_rq.avg_load != load):
        raise SimInvariantError(
            f"{where}: avg_vruntime/avg_load {cfs_rq.avg_vruntime}/{cfs_rq.avg_load}"
            f" != {avg}/{load}"
        )


def validate_timeline(m: entity.FairMachine, rq: Rq) -> None:
    """Check the tree's blocks and augmented minima (timeline.py) against its entries.

    Raises:
        SimInvariantError: an empty block, a stale block max, a stored
            augmented value that is not the entity's (its deadline in
            6.6/6.7, else its vruntime), or a segment-tree minimum that is
            not the least value below it.
    """
    tl = rq.cfs.tasks_timeline
    lvl = m.cfg.sched.level
    where = f"cpu{rq.cpu} tasks_timeline"
    if len(tl.blocks) != len(tl.ablocks) or len(tl.blocks) != len(tl.maxes):
        raise SimInvariantError(f"{where}: block lists differ in length")
    if sum(len(b) for b in tl.blocks) != tl.count:
        raise SimInvariantError(f"{where}: count {tl.count} is stale")
    for b, (block, ablock) in enumerate(zip(tl.blocks, tl.ablocks, strict=True)):
        if not block or len(block) != len(ablock):
            raise SimInvariantError(f"{where}: block {b} is empty or misaligned")
        if tl.maxes[b] != block[-1]:
            raise SimInvariantError(f"{where}: block {b} max is stale")
        for entry, v in zip(block, ablock, strict=True):
            se = m.tasks[entry[2]].se
            want = se.deadline if EEVDF <= lvl < DEADLINE_TREE else se.vruntime
            if want != v:
                raise SimInvariantError(f"{where}: pid {entry[2]} augmented value {v} is stale")
    size = tl.size
    if size < len(tl.blocks) or len(tl.seg) != 2 * size:
        raise SimInvariantError(f"{where}: segment tree too small")
    for j in range(2 * size - 1, 0, -1):
        if j >= size:
            b = j - size
            want = min(tl.ablocks[b]) if b < len(tl.ablocks) else INF
        else:
            want = min(tl.seg[2 * j], tl.seg[2 * j + 1])
        if tl.seg[j] != want:
            raise SimInvariantError(f"{where}: minimum at node {j} is {tl.seg[j]}, not {want}")


# --------------------------------------------------------------------------
# /proc/PID/sched: proc_sched_show_task()


def split_ns(ns: int) -> str:
    """SPLIT_NS() as ``%Ld.%06ld``: ms and the ns left (the sign on the ms,
    as nsec_high()/nsec_low() print a negative value)."""
    high, low = divmod(abs(ns), 1_000_000)
    sign = "-" if ns < 0 else ""
    return f"{sign}{high}.{low:06d}"


def proc_sched_show_task(t: TaskView) -> str:
    """``/proc/PID/sched`` of one task, as proc_sched_show_task() prints it
    on 6.18 (``%-45s:%21Ld`` and ``%-45s:%14Ld.%06ld`` lines).

    Left out, because the model has no such state: the PELT averages
    (``se.avg.*``), schedstats beyond the wait sums (off by default:
    sched_schedstats=0, so the kernel prints none of them either),
    ``clock-delta`` (two reads of the host's clock) and the NUMA lines.
    """

    def p(name: str, value: int) -> str:
        return f"{name:<45}:{value:>21}"

    def pn(name: str, value: int) -> str:
        return f"{name:<45}:{split_ns(value):>21}"

    lines = [
        f"{t.comm} ({t.pid}, #threads: 1)",
        "-" * 67,
        pn("se.exec_start", t.exec_start),
        pn("se.vruntime", t.vruntime),
        pn("se.sum_exec_runtime", t.sum_exec_runtime),
        p("se.nr_migrations", t.nr_migrations),
        p("nr_switches", t.nr_switches),
        p("nr_voluntary_switches", t.nvcsw),
        p("nr_involuntary_switches", t.nivcsw),
        p("se.load.weight", t.weight << 10 if t.sched_class == "fair" else 0),
        p("policy", t.policy_nr),
        p("prio", t.prio),
    ]
    if t.sched_class == "dl":
        lines += [p("dl.runtime", t.dl_runtime_left), p("dl.deadline", t.dl_deadline_abs)]
    elif t.policy in ("normal", "batch"):  # fair_policy()
        lines.append(p("se.slice", t.slice))
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------
# /proc/sched_debug (/sys/kernel/debug/sched/debug since 5.13)


def sched_debug_show(view: SchedView, kernel: str, now: int, jiffies: int) -> str:
    """The sched debug file: sched_debug_header(), then per CPU print_cpu()
    with print_cfs_rq(), print_rt_rq(), print_dl_rq() and print_rq()'s
    runnable tasks, in debug.c's formats (``  .%-30s: ...`` lines).

    Left out, as the model has no such state: the PELT averages and
    util_est, schedstats-only lines, group scheduling (one root cfs_rq,
    printed as ``cfs_rq[N]:/``), sched_clock stability, NUMA.
    """
    tasks = {t.pid: t for t in view.tasks}
    tun = dict(view.tunables)
    out = [
        f"Sched Debug Version: v0.11, {kernel}",
        f"{'ktime':<40}: {split_ns(now)}",
        f"{'sched_clk':<40}: {split_ns(now)}",
        f"{'cpu_clk':<40}: {split_ns(now)}",
        f"{'jiffies':<40}: {jiffies}",
        "",
        "sysctl_sched",
        f"  .{'sysctl_sched_base_slice':<40}: {split_ns(tun.get('base_slice_ns', 0))}",
        f"  .{'sysctl_sched_tunable_scaling':<40}: 1 (logarithmic)",
        "",
    ]

    def p(name: str, value: int) -> str:
        return f"  .{name:<30}: {value}"

    def pn(name: str, value: int) -> str:
        return f"  .{name:<30}: {split_ns(value)}"

    for rq in view.rqs:
        out += [
            f"cpu#{rq.cpu}",
            p("nr_running", rq.nr_running),
            p("nr_switches", rq.nr_switches),
            p("curr->pid", rq.curr),
            pn("clock", rq.clock),
            pn("clock_task", rq.clock),
            "",
            f"cfs_rq[{rq.cpu}]:/",
        ]
        tree = [tasks[pid] for pid in rq.tree if pid in tasks]
        left_deadline = tree[0].deadline if tree else -1
        left_vruntime = min((t.vruntime for t in tree), default=-1)
        right_vruntime = tree[-1].vruntime if tree else -1
        spread = right_vruntime - left_vruntime if tree else 0
        fair = [t for t in view.tasks if t.on_rq and t.cpu == rq.cpu and t.sched_class == "fair"]
        out += [
            pn("left_deadline", left_deadline),
            pn("left_vruntime", left_vruntime),
            pn("min_vruntime", rq.min_vruntime),
            pn("avg_vruntime", rq.avg_vruntime),
            pn("right_vruntime", right_vruntime),
            pn("spread", spread),
            p("nr_queued", len(fair)),
            p("h_nr_runnable", sum(1 for t in fair if not t.sched_delayed)),
            p("h_nr_queued", len(fair)),
            p("load", sum(t.weight << 10 for t in fair)),
            "",
            f"rt_rq[{rq.cpu}]:",
            p("rt_nr_running", rq.rt_nr_running),
            p("rt_throttled", int(rq.rt_throttled)),
            "",
            f"dl_rq[{rq.cpu}]:",
            p("dl_nr_running", rq.dl_nr_running),
            p("running_bw", rq.running_bw),
            p("this_bw", rq.this_bw),
            "",
            "runnable tasks:",
            " S            task   PID       vruntime   eligible    deadline             slice          sum-exec      switches  prio",
            "-" * 117,
        ]
        for t in view.tasks:
            if t.cpu != rq.cpu or not (t.on_rq or t.on_cpu):
                continue
            mark = ">R" if t.pid == rq.curr else f" {t.state[:1]}"
            # print_task(): E/N is entity_eligible(); S a custom slice (none here)
            eligible = "E" if t.eligible or t.pid == rq.curr else "N"
            out.append(
                f"{mark} {t.comm:>15} {t.pid:>5} {split_ns(t.vruntime):>16}   {eligible}   "
                f"{split_ns(t.deadline):>16}   {split_ns(t.slice):>16} {split_ns(t.sum_exec_runtime):>16}"
                f" {t.nr_switches:>13} {t.prio:>5}"
            )
        out.append("")
    return "\n".join(out) + "\n"

def validate_rt_rq(m: entity.FairMachine, rq: Rq) -> None:
    """Check rq's rt_rq (rt.py) against a recomputation.

    Raises:
        SimInvariantError: a listed pid on the wrong list, CPU or not
            ``rt.on_rq``; a bitmap bit that disagrees with its list; counts,
            ``highest_prio`` or ``rt_queued`` that do not match the lists; a
            pushable plist out of order, or that is not exactly the queued
            tasks that neither run nor are pinned; ``overloaded`` and
            ``highest_prio.next`` that do not follow it.
    """
    rt_rq = rq.rt
    where = f"cpu{rq.cpu} rt_rq"
    nr = rr = 0
    movable: list[int] = []
    for prio, queue in enumerate(rt_rq.queue):
        if bool(queue) != bool(rt_rq.bitmap >> prio & 1):
            raise SimInvariantError(f"{where}: bitmap bit {prio} vs list {queue}")
        for pid in queue:
            task = m.tasks.get(pid)
            if task is None or task.prio != prio or task.cpu != rq.cpu or not task.rt.on_rq:
                raise SimInvariantError(f"{where}: pid {pid} misplaced on list {prio}")
            nr += 1
            rr += task.policy == SchedPolicy.SCHED_RR
            if pid != rq.curr and len(task.cpus_mask) > 1:
                movable.append(pid)
    if (rt_rq.rt_nr_running, rt_rq.rr_nr_running) != (nr, rr):
        raise SimInvariantError(
            f"{where}: rt_nr_running/rr_nr_running {rt_rq.rt_nr_running}/{rt_rq.rr_nr_running}"
            f" != {nr}/{rr}"
        )
    first = (rt_rq.bitmap & -rt_rq.bitmap).bit_length() - 1 if rt_rq.bitmap else MAX_RT_PRIO - 1
    if rt_rq.highest_prio_curr != first:
        raise SimInvariantError(f"{where}: highest_prio.curr {rt_rq.highest_prio_curr} != {first}")
    if rt_rq.rt_queued != (nr > 0 and not rt_rq.rt_throttled):
        raise SimInvariantError(f"{where}: rt_queued {rt_rq.rt_queued} with {nr} queued")
    if rq.nr_running < rq.cfs.nr_queued + (nr if rt_rq.rt_queued else 0):
        raise SimInvariantError(f"{where}: rq.nr_running {rq.nr_running} too small")
    prios = [p for p, _ in rt_rq.pushable]
    if prios != sorted(prios) or any(m.tasks[pid].prio != p for p, pid in rt_rq.pushable):
        raise SimInvariantError(f"{where}: pushable plist {rt_rq.pushable} out of order")
    if sorted(pid for _, pid in rt_rq.pushable) != sorted(movable):
        raise SimInvariantError(f"{where}: pushable {rt_rq.pushable} != movable {movable}")
    nxt = rt_rq.pushable[0][0] if rt_rq.pushable else MAX_RT_PRIO - 1
    if rt_rq.overloaded != bool(rt_rq.pushable) or rt_rq.highest_prio_next != nxt:
        raise SimInvariantError(f"{where}: overloaded/highest_prio.next do not follow pushable")
