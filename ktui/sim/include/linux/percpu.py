"""Per-CPU variables. Models the per-CPU data of include/linux/percpu.h that
the simulator needs, as x86 keeps it (arch/x86/include/asm/preempt.h: the
``preempt_count`` is a per-CPU variable, ``pcpu_hot.preempt_count`` before
6.15, ``__preempt_count`` after; it is not saved across a context switch).

One `PerCpu` per CPU lives in ``Machine.pcpu``. Left out: every other
per-CPU variable (irq stats, softirq pending masks: the interrupt issue adds
them), PREEMPT_NEED_RESCHED folded into the count (``rq.need_resched`` is
TIF_NEED_RESCHED).
"""

from __future__ import annotations

from typing import Final

from ktui.sim.state import PlainState, mypyc_attr


@mypyc_attr(allow_interpreted_subclasses=True)
class PerCpu(PlainState):
    """The per-CPU state of one CPU.

    Attributes:
        cpu: CPU number.
        preempt_count: ``preempt_count()``: preemption, softirq, hardirq and
            NMI counts in the bit layout of include/linux/preempt.h.
        ctx_stack: The interrupt contexts entered and not yet left, outermost
            first (``CTX_SOFTIRQ``/``CTX_HARDIRQ``/``CTX_NMI`` of
            `ktui.sim.include.linux.preempt`); empty in task context.
        spin_gen: ``exec_gen`` of the resume a CPU queued when it began to
            spin in a silent loop (see `ktui.sim.hw.cpu`); that resume is
            the only queued one that can carry it, as every kick bumps
            ``exec_gen``, so it needs no clearing.
        hrtimer_sleepers: Pids of the tasks sleeping on an hrtimer of this
            CPU's ``hrtimer_cpu_base``, in the order they were armed.
    """

    __slots__: Final = ("cpu", "preempt_count", "ctx_stack", "spin_gen", "hrtimer_sleepers")

    def __init__(self, cpu: int) -> None:
        self.cpu = cpu
        self.preempt_count = 0
        self.ctx_stack: list[int] = []
        self.spin_gen = -1
        self.hrtimer_sleepers: list[int] = []
