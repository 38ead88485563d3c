"""The ``irq`` trace system (include/trace/events/irq.h): irq_handler_entry,
irq_handler_exit, softirq_raise, softirq_entry and softirq_exit, printed as
the kernel's TP_printk prints them::

    irq_handler_entry: irq=5 name=eth0
    irq_handler_exit: irq=5 ret=handled
    softirq_raise: vec=9 [action=RCU]

Left out: tasklet_entry/exit, irq_matrix events.
"""

from __future__ import annotations

from typing import Final

from ktui.sim.trace import Event, define_event, register_format

SOFTIRQ_NAMES: Final = (
    "HI",
    "TIMER",
    "NET_TX",
    "NET_RX",
    "BLOCK",
    "IRQ_POLL",
    "TASKLET",
    "SCHED",
    "HRTIMER",
    "RCU",
)
"""softirq_to_name[] (kernel/softirq.c, include/linux/interrupt.h's enum
order): vector number -> name."""
NR_SOFTIRQS: Final = len(SOFTIRQ_NAMES)

IRQ_NONE: Final = 0
IRQ_HANDLED: Final = 1
"""irqreturn_t (include/linux/irqreturn.h)."""

EV_IRQ_HANDLER_ENTRY = define_event("irq_handler_entry", "irq", ("irq", "int"), ("name", "sym"))
EV_IRQ_HANDLER_EXIT = define_event("irq_handler_exit", "irq", ("irq", "int"), ("ret", "int"))
EV_SOFTIRQ_RAISE = define_event("softirq_raise", "irq", ("vec", "int"))
EV_SOFTIRQ_ENTRY = define_event("softirq_entry", "irq", ("vec", "int"))
EV_SOFTIRQ_EXIT = define_event("softirq_exit", "irq", ("vec", "int"))


def softirq_vec_text(vec: object) -> str:
    """``vec=%u [action=%s]`` of the softirq events (show_softirq_name())."""
    name = SOFTIRQ_NAMES[vec] if isinstance(vec, int) and 0 <= vec < NR_SOFTIRQS else "UNKNOWN"
    return f"vec={vec} [action={name}]"


register_format(
    "irq_handler_entry", lambda ev: f"irq={ev.fields['irq']} name={ev.fields['name']}"
)
register_format(
    "irq_handler_exit",
    lambda ev: f"irq={ev.fields['irq']} ret={'handled' if ev.fields['ret'] else 'unhandled'}",
)


def _softirq(ev: Event) -> str:
    return softirq_vec_text(ev.fields["vec"])


for _name in ("softirq_raise", "softirq_entry", "softirq_exit"):
    register_format(_name, _softirq)
