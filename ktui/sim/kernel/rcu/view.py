"""The RCU frozen view and its ``rcu`` report section."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.kernel.rcu.rcu import GP_STATE_NAMES, rcu_seq_done, rcu_state

if TYPE_CHECKING:
    from ktui.sim.machine import Machine


@dataclass(frozen=True, slots=True, eq=False)
class RcuCpuView:
    """One CPU's rcu_data: the grace period it noticed, whether it still owes
    a quiescent state, its callbacks by rcu_segcblist segment."""

    cpu: int
    gp_seq: int
    cpu_no_qs: bool
    core_needs_qs: bool
    done: tuple[str, ...]
    """RCU_DONE_TAIL: their grace period has ended, to be invoked."""
    waiting: tuple[tuple[str, int], ...]
    """RCU_WAIT_TAIL..RCU_NEXT_TAIL: (callback, the gp_seq it waits for)."""
    invoked: int


@dataclass(frozen=True, slots=True, eq=False)
class SrcuView:
    """One SRCU domain: srcu_idx, srcu_gp_seq, per-CPU counts by idx."""

    name: str
    srcu_idx: int
    gp_seq: int
    lock_count: tuple[tuple[int, ...], tuple[int, ...]]
    unlock_count: tuple[tuple[int, ...], tuple[int, ...]]
    waiters: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True, eq=False)
class RcuView:
    """The rcu section of a snapshot."""

    flavor: str
    gp_seq: int
    gp_seq_needed: int
    gp_state: str
    gp_count: int
    gp_start: int
    qsmask: tuple[int, ...]
    """CPUs the grace period still waits for."""
    blkd_tasks: tuple[int, ...]
    gp_tasks: tuple[int, ...]
    readers: tuple[tuple[int, int, int], ...]
    """(pid, nesting, since ns) of each task inside a read-side section."""
    waiters: tuple[tuple[int, int], ...]
    """synchronize_rcu() callers: (pid, gp_seq they wait for)."""
    cpus: tuple[RcuCpuView, ...]
    srcu: tuple[SrcuView, ...] = ()


def rcu_view(m: Machine) -> RcuView:
    """The RCU view of `m` now."""
    from ktui.sim.kernel.rcu.srcutree import srcu_domains
    from ktui.sim.kernel.rcu.tree import RCU_NAME

    st = rcu_state(m)
    cpus = []
    for cpu, rdp in enumerate(st.rdp):
        done = tuple(str(cb[0]) for cb in rdp.cbs if rcu_seq_done(rdp.gp_seq, int(cb[1])))  # type: ignore[call-overload]
        waiting = tuple(
            (str(cb[0]), int(cb[1]))  # type: ignore[call-overload]
            for cb in rdp.cbs
            if not rcu_seq_done(rdp.gp_seq, int(cb[1]))  # type: ignore[call-overload]
        )
        cpus.append(RcuCpuView(cpu, rdp.gp_seq, rdp.cpu_no_qs, rdp.core_needs_qs, done, waiting, rdp.invoked))
    return RcuView(
        RCU_NAME,
        st.gp_seq,
        st.gp_seq_needed,
        GP_STATE_NAMES[st.gp_state],
        st.gp_count,
        st.gp_start,
        tuple(c for c in range(m.ncpus) if st.qsmask & (1 << c)),
        tuple(st.blkd_tasks),
        tuple(st.gp_tasks),
        tuple((pid, st.nesting[pid], st.reader_since[pid]) for pid in sorted(st.nesting)),
        tuple((w[0], w[1]) for w in st.waiters),
        tuple(cpus),
        tuple(
            SrcuView(
                d.name,
                d.srcu_idx,
                d.gp_seq,
                (tuple(d.lock_count[0]), tuple(d.lock_count[1])),
                (tuple(d.unlock_count[0]), tuple(d.unlock_count[1])),
                tuple((w[0], w[1]) for w in d.waiters),
            )
            for d in srcu_domains(m)
        ),
    )


def rcu_report(view: object) -> dict[str, object]:
    """The ``rcu`` report section."""
    assert isinstance(view, RcuView)
    return {
        "rcu": {
            "flavor": view.flavor,
            "gp_seq": view.gp_seq,
            "gp_seq_needed": view.gp_seq_needed,
            "gp_state": view.gp_state,
            "grace_periods": view.gp_count,
            "gp_start_ns": view.gp_start,
            "qsmask": list(view.qsmask),
            "blkd_tasks": list(view.blkd_tasks),
            "gp_tasks": list(view.gp_tasks),
            "readers": [{"pid": p, "nesting": n, "since_ns": t} for p, n, t in view.readers],
            "synchronize_waiters": [{"pid": p, "gp_seq": s} for p, s in view.waiters],
            "cpus": [
                {
                    "cpu": c.cpu,
                    "gp_seq": c.gp_seq,
                    "cpu_no_qs": c.cpu_no_qs,
                    "core_needs_qs": c.core_needs_qs,
                    "callbacks": {
                        "done": list(c.done),
                        "waiting": [{"func": f, "gp_seq": s} for f, s in c.waiting],
                    },
                    "invoked": c.invoked,
                }
                for c in view.cpus
            ],
            "srcu": [
                {
                    "name": d.name,
                    "srcu_idx": d.srcu_idx,
                    "gp_seq": d.gp_seq,
                    "lock_count": [list(d.lock_count[0]), list(d.lock_count[1])],
                    "unlock_count": [list(d.unlock_count[0]), list(d.unlock_count[1])],
                    "readers": [sum(d.lock_count[i]) - sum(d.unlock_count[i]) for i in (0, 1)],
                    "synchronize_waiters": [{"pid": p, "gp_seq": s} for p, s in d.waiters],
                }
                for d in view.srcu
            ],
        }
    }
