"""preempt_count and the execution context. Models include/linux/preempt.h
(the count's bit layout and the ``in_*()`` context tests) over a per-CPU
count as x86 keeps it (arch/x86/include/asm/preempt.h), and the nesting that
``irq_enter()``/``irq_exit()`` (kernel/softirq.c), ``__do_softirq()`` and
``nmi_enter()`` (include/linux/hardirq.h) do to it.

The count lives in `ktui.sim.include.linux.percpu.PerCpu.preempt_count`; the
functions here take its value, as the kernel's macros read
``preempt_count()`` of the current CPU. Each CPU also keeps the stack of
contexts it entered (task -> softirq -> hardirq -> NMI), pushed and popped
with `context_enter`/`context_exit`, which add and remove the context's
offset.

Left out: PREEMPT_NEED_RESCHED folded into the count (x86's bit 31),
PREEMPT_RT's per-task softirq count, ``!CONFIG_PREEMPT_COUNT`` kernels
(``PREEMPT_DISABLE_OFFSET`` is always ``PREEMPT_OFFSET`` here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.errors import SimInvariantError
from ktui.sim.include.linux.percpu import PerCpu

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.machine import Machine

# -- the bit layout ----------------------------------------------------------
PREEMPT_BITS: Final = 8
SOFTIRQ_BITS: Final = 8
HARDIRQ_BITS: Final = 4
NMI_BITS: Final = 4

PREEMPT_SHIFT: Final = 0
SOFTIRQ_SHIFT: Final = PREEMPT_SHIFT + PREEMPT_BITS
HARDIRQ_SHIFT: Final = SOFTIRQ_SHIFT + SOFTIRQ_BITS
NMI_SHIFT: Final = HARDIRQ_SHIFT + HARDIRQ_BITS


def __IRQ_MASK(x: int) -> int:  # noqa: N802 - kernel macro name
    """__IRQ_MASK(x): the low `x` bits set."""
    return (1 << x) - 1


PREEMPT_MASK: Final = __IRQ_MASK(PREEMPT_BITS) << PREEMPT_SHIFT
SOFTIRQ_MASK: Final = __IRQ_MASK(SOFTIRQ_BITS) << SOFTIRQ_SHIFT
HARDIRQ_MASK: Final = __IRQ_MASK(HARDIRQ_BITS) << HARDIRQ_SHIFT
NMI_MASK: Final = __IRQ_MASK(NMI_BITS) << NMI_SHIFT

PREEMPT_OFFSET: Final = 1 << PREEMPT_SHIFT
SOFTIRQ_OFFSET: Final = 1 << SOFTIRQ_SHIFT
HARDIRQ_OFFSET: Final = 1 << HARDIRQ_SHIFT
NMI_OFFSET: Final = 1 << NMI_SHIFT

SOFTIRQ_DISABLE_OFFSET: Final = 2 * SOFTIRQ_OFFSET
"""local_bh_disable(): counts in steps of two, so that an odd softirq count
means "serving a softirq" (SOFTIRQ_OFFSET) and an even one "BH disabled"."""
PREEMPT_DISABLE_OFFSET: Final = PREEMPT_OFFSET  # CONFIG_PREEMPT_COUNT
PREEMPT_LOCK_OFFSET: Final = PREEMPT_DISABLE_OFFSET  # !CONFIG_PREEMPT_RT: spin_lock()
SOFTIRQ_LOCK_OFFSET: Final = SOFTIRQ_DISABLE_OFFSET + PREEMPT_LOCK_OFFSET  # spin_lock_bh()


# -- context tests (take the value of preempt_count()) -----------------------
def nmi_count(pc: int) -> int:
    """nmi_count()."""
    return pc & NMI_MASK


def hardirq_count(pc: int) -> int:
    """hardirq_count()."""
    return pc & HARDIRQ_MASK


def softirq_count(pc: int) -> int:
    """softirq_count() (!PREEMPT_RT)."""
    return pc & SOFTIRQ_MASK


def irq_count(pc: int) -> int:
    """irq_count(): NMI, hardirq and softirq counts (!PREEMPT_RT)."""
    return pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK)


def in_nmi(pc: int) -> bool:
    """in_nmi(): in NMI context."""
    return bool(nmi_count(pc))


def in_hardirq(pc: int) -> bool:
    """in_hardirq(): in hard-irq context (an NMI counts too: nmi_enter() adds
    HARDIRQ_OFFSET as well)."""
    return bool(hardirq_count(pc))


def in_serving_softirq(pc: int) -> bool:
    """in_serving_softirq(): running a softirq handler."""
    return bool(softirq_count(pc) & SOFTIRQ_OFFSET)


def in_softirq(pc: int) -> bool:
    """in_softirq(): serving a softirq *or* BH disabled."""
    return bool(softirq_count(pc))


def in_interrupt(pc: int) -> bool:
    """in_interrupt(): NMI, hardirq, softirq, or BH disabled."""
    return bool(irq_count(pc))


def in_task(pc: int) -> bool:
    """in_task(): task context (BH disabled still counts as task context)."""
    return not pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)


def in_atomic(pc: int) -> bool:
    """in_atomic(): preempt_count() != 0."""
    return pc != 0


def in_atomic_preempt_off(pc: int) -> bool:
    """in_atomic_preempt_off(): atomic before schedule()'s own
    preempt_disable(). The model's schedule() does not add that offset, so
    this is `in_atomic`."""
    return pc != 0


def preemptible(pc: int, irqs_disabled: bool) -> bool:
    """preemptible(): preempt_count() == 0 && !irqs_disabled()."""
    return pc == 0 and not irqs_disabled


def interrupt_context_level(pc: int) -> int:
    """interrupt_context_level(): 0 task, 1 softirq, 2 hardirq, 3 NMI."""
    level = 0
    level += bool(pc & NMI_MASK)
    level += bool(pc & (NMI_MASK | HARDIRQ_MASK))
    level += bool(pc & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET))
    return level


# -- the context stack -------------------------------------------------------
CTX_TASK: Final = 0
CTX_SOFTIRQ: Final = 1
CTX_HARDIRQ: Final = 2
CTX_NMI: Final = 3
CONTEXT_NAMES: Final = ("task", "softirq", "hardirq", "nmi")
"""Name of each interrupt_context_level()."""
CONTEXT_OFFSET: Final = (0, SOFTIRQ_OFFSET, HARDIRQ_OFFSET, NMI_OFFSET + HARDIRQ_OFFSET)
"""What entering each context adds: __do_softirq()'s SOFTIRQ_OFFSET,
irq_enter()'s HARDIRQ_OFFSET, nmi_enter()'s NMI_OFFSET + HARDIRQ_OFFSET."""


def context_name(pcpu: PerCpu) -> str:
    """The CPU's context now: ``task``, ``softirq``, ``hardirq`` or ``nmi``."""
    return CONTEXT_NAMES[interrupt_context_level(pcpu.preempt_count)]


def context_enter(pcpu: PerCpu, ctx: int) -> None:
    """Enter interrupt context `ctx` (irq_enter(), __do_softirq(), nmi_enter())."""
    pcpu.preempt_count += CONTEXT_OFFSET[ctx]
    pcpu.ctx_stack.append(ctx)


def context_exit(pcpu: PerCpu, ctx: int) -> None:
    """Leave interrupt context `ctx`, the innermost one entered.

    Raises:
        SimInvariantError: `ctx` is not the innermost context of the CPU.
    """
    if not pcpu.ctx_stack or pcpu.ctx_stack[-1] != ctx:
        raise SimInvariantError(
            f"cpu {pcpu.cpu}: leaving {CONTEXT_NAMES[ctx]} from {context_name(pcpu)} context"
        )
    pcpu.ctx_stack.pop()
    pcpu.preempt_count -= CONTEXT_OFFSET[ctx]


def preempt_count_add(pcpu: PerCpu, val: int) -> None:
    """preempt_count_add(): preempt_disable() is ``preempt_count_add(1)``."""
    pcpu.preempt_count += val


def preempt_count_sub(pcpu: PerCpu, val: int) -> bool:
    """preempt_count_sub() with CONFIG_DEBUG_PREEMPT's underflow checks:
    refuses (returns False) to take the preemption count below zero."""
    if val > pcpu.preempt_count or (val < PREEMPT_MASK and not pcpu.preempt_count & PREEMPT_MASK):
        return False
    pcpu.preempt_count -= val
    return True


def validate_pcpu(pcpu: PerCpu) -> None:
    """The count's interrupt bits are what the context stack adds up to,
    plus whole SOFTIRQ_DISABLE_OFFSETs of local_bh_disable() (kernel/softirq.py).

    Raises:
        SimInvariantError: they differ, or a count is negative.
    """
    irq_bits = sum(CONTEXT_OFFSET[c] for c in pcpu.ctx_stack)
    bh_bits = (pcpu.preempt_count & ~PREEMPT_MASK) - irq_bits
    if (
        pcpu.preempt_count < 0
        or bh_bits < 0
        or bh_bits & ~SOFTIRQ_MASK
        or bh_bits % SOFTIRQ_DISABLE_OFFSET
    ):
        raise SimInvariantError(
            f"cpu {pcpu.cpu}: preempt_count {pcpu.preempt_count:#x} vs contexts {pcpu.ctx_stack}"
        )


def task_preempt_count(m: Machine, task: TaskStruct) -> int:
    """preempt_count as `task` sees it: its CPU's count while it runs there,
    0 otherwise (a task off its CPU holds no count: x86 does not save it)."""
    if task.on_cpu and m.rqs[task.cpu].curr == task.pid:
        return m.pcpu[task.cpu].preempt_count
    return 0
