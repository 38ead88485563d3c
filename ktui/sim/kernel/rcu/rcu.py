"""kernel/rcu/rcu.h: the grace-period sequence counter (rcu_seq_*) and the
RCU state that lives in the machine.

``rcu_state.gp_seq`` counts grace periods in its upper bits and keeps the
grace-period phase in the low ``RCU_SEQ_CTR_SHIFT`` bits: rcu_seq_start()
adds one (phase 1, "in progress"), rcu_seq_end() rounds up to the next
multiple of four. So a grace period moves it by 4. Tree RCU starts it at
``(0UL - 300UL) << RCU_SEQ_CTR_SHIFT`` (kernel/rcu/tree.c, so that counter
wrap bugs show up within minutes of boot); the tracepoints print it as a
``long``, -1200. ktui keeps it as that signed value: the same numbers as the
trace, and comparisons (ULONG_CMP_GE) are plain ``>=`` within a run.

The state is one `RcuState` in ``m.ext["rcu"]``, tuple-pickled so that
checkpoints restore it and `state_hash` covers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.state import PlainState, mypyc_attr

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

RCU_SEQ_CTR_SHIFT: Final = 2
RCU_SEQ_STATE_MASK: Final = (1 << RCU_SEQ_CTR_SHIFT) - 1
GP_SEQ_INIT: Final = (0 - 300) << RCU_SEQ_CTR_SHIFT
"""rcu_state.gp_seq at boot, as the trace prints it: -1200."""

# kernel/rcu/tree.h: rcu_state.gp_state.
RCU_GP_IDLE: Final = 0
RCU_GP_WAIT_GPS: Final = 1
RCU_GP_DONE_GPS: Final = 2
RCU_GP_ONOFF: Final = 3
RCU_GP_INIT: Final = 4
RCU_GP_WAIT_FQS: Final = 5
RCU_GP_DOING_FQS: Final = 6
RCU_GP_CLEANUP: Final = 7
RCU_GP_CLEANED: Final = 8
GP_STATE_NAMES: Final = (
    "RCU_GP_IDLE",
    "RCU_GP_WAIT_GPS",
    "RCU_GP_DONE_GPS",
    "RCU_GP_ONOFF",
    "RCU_GP_INIT",
    "RCU_GP_WAIT_FQS",
    "RCU_GP_DOING_FQS",
    "RCU_GP_CLEANUP",
    "RCU_GP_CLEANED",
)
"""gp_state_names[] of kernel/rcu/tree_stall.h."""


def rcu_seq_ctr(s: int) -> int:
    """rcu_seq_ctr(): the grace-period count part."""
    return s >> RCU_SEQ_CTR_SHIFT


def rcu_seq_state(s: int) -> int:
    """rcu_seq_state(): the phase bits (0 idle, 1 in progress)."""
    return s & RCU_SEQ_STATE_MASK


def rcu_seq_start(s: int) -> int:
    """rcu_seq_start(): the value after starting a grace period."""
    return s + 1


def rcu_seq_end(s: int) -> int:
    """rcu_seq_end(): the value after ending it (next multiple of 4)."""
    return (s | RCU_SEQ_STATE_MASK) + 1


def rcu_seq_snap(s: int) -> int:
    """rcu_seq_snap(): the gp_seq at which a full grace period begun after
    now will have ended (a grace period in progress does not count)."""
    return (s + 2 * RCU_SEQ_STATE_MASK + 1) & ~RCU_SEQ_STATE_MASK


def rcu_seq_done(s: int, snap: int) -> bool:
    """rcu_seq_done(): ULONG_CMP_GE(s, snap)."""
    return s >= snap


@mypyc_attr(allow_interpreted_subclasses=True)
class RcuData(PlainState):
    """One CPU's ``struct rcu_data`` (kernel/rcu/tree.h), what the model uses.

    ``cbs`` is the callback list as ``[name, gp_seq it waits for]`` in
    call_rcu() order: rcu_segcblist's segments are derived from it (DONE:
    its grace period has ended; WAIT/NEXT_READY/NEXT by that gp_seq).
    """

    __slots__ = ("gp_seq", "cpu_no_qs", "core_needs_qs", "cbs", "invoked", "core_queued")

    def __init__(self, gp_seq: int) -> None:
        self.gp_seq = gp_seq
        """rdp->gp_seq: the grace period this CPU has noticed."""
        self.cpu_no_qs = False
        """rdp->cpu_no_qs.b.norm: no quiescent state yet in this grace period."""
        self.core_needs_qs = False
        """rdp->core_needs_qs: the grace period waits for this CPU."""
        self.cbs: list[list[object]] = []
        self.invoked = 0
        """Callbacks invoked on this CPU so far (rdp->n_cbs_invoked)."""
        self.core_queued = False
        """RCU_SOFTIRQ raised and not yet run on this CPU."""


@mypyc_attr(allow_interpreted_subclasses=True)
class RcuState(PlainState):
    """``rcu_state`` plus its single leaf ``rcu_node`` (rcu_fanout_leaf 16
    covers up to 16 CPUs with one node, the root) and each task's
    ``rcu_read_lock_nesting``."""

    __slots__ = (
        "gp_seq",
        "gp_seq_needed",
        "gp_state",
        "gp_start",
        "gp_count",
        "fqs_first",
        "qsmask",
        "qsmaskinit",
        "blkd_tasks",
        "gp_tasks",
        "nesting",
        "reader_since",
        "warned_voluntary",
        "waiters",
        "rdp",
        "kthread_gen",
        "jiffies_stall",
        "stall_reported",
    )

    def __init__(self, ncpus: int) -> None:
        self.gp_seq = GP_SEQ_INIT
        self.gp_seq_needed = GP_SEQ_INIT
        """rnp->gp_seq_needed: the furthest grace period anyone asked for."""
        self.gp_state = RCU_GP_WAIT_GPS  # rcu_gp_kthread() sleeps in swait_event_idle_exclusive()
        self.gp_start = 0
        """Time the current grace period started (rcu_state.gp_start), ns."""
        self.gp_count = 0
        """Grace periods completed since boot."""
        self.fqs_first = True
        """The next rcu_gp_fqs() is the first of this grace period (RCU_SAVE_DYNTICK)."""
        self.qsmask = 0
        """rnp->qsmask: CPUs this grace period still waits for."""
        self.qsmaskinit = (1 << ncpus) - 1
        """rnp->qsmaskinit: every CPU is online."""
        self.blkd_tasks: list[int] = []
        """rnp->blkd_tasks: readers preempted or asleep inside their section, newest first."""
        self.gp_tasks: list[int] = []
        """The blkd_tasks this grace period waits for (rnp->gp_tasks onward)."""
        self.nesting: dict[int, int] = {}
        """pid -> rcu_read_lock_nesting (only tasks inside a section)."""
        self.reader_since: dict[int, int] = {}
        """pid -> time its outermost rcu_read_lock() ran."""
        self.warned_voluntary = False
        """WARN_ONCE() of rcu_note_context_switch() has fired."""
        self.waiters: list[list[int]] = []
        """synchronize_rcu() callers as [pid, gp_seq snap], in call order
        (rcu_state.srs_next: rcu_normal_wake_from_gp)."""
        self.rdp = [RcuData(GP_SEQ_INIT) for _ in range(ncpus)]
        self.kthread_gen = 0
        """Generation of the GP kthread's pending wake-up (stale ones are dropped)."""
        self.jiffies_stall = 0
        """rcu_state.jiffies_stall: when the stall warning is due, in jiffies."""
        self.stall_reported = False


def rcu_state(m: Machine) -> RcuState:
    """The machine's RCU state (made at boot)."""
    st = m.ext["rcu"]
    assert isinstance(st, RcuState)
    return st


def rcu_boot(m: Machine) -> None:
    """rcu_init(): the state for this machine's CPUs; no SRCU domain yet
    (made at boot, so that views never add keys to ``m.ext``)."""
    m.ext["rcu"] = RcuState(m.ncpus)
    m.ext["srcu"] = []
    m.ext["srcu_held"] = {}
