"""include/trace/events/rcu.h: the RCU tracepoints ktui emits, with their
TP_printk() layouts. ``rcuname`` is the flavour, ``rcu_preempt`` for the
CONFIG_PREEMPT_RCU build modelled (`ktui.sim.kernel.rcu.tree`)."""

from __future__ import annotations

from ktui.sim.trace import Event, define_event, register_format

EV_RCU_GRACE_PERIOD = define_event(
    "rcu_grace_period", "rcu", ("rcuname", "sym"), ("gp_seq", "int"), ("gpevent", "sym")
)
"""Grace-period events: start, end, cpustart, cpuend, cpuqs, fqsstart, fqsend..."""
EV_RCU_FUTURE_GRACE_PERIOD = define_event(
    "rcu_future_grace_period",
    "rcu",
    ("rcuname", "sym"),
    ("gp_seq", "int"),
    ("gp_seq_req", "int"),
    ("level", "int"),
    ("grplo", "int"),
    ("grphi", "int"),
    ("gpevent", "sym"),
)
"""rcu_start_this_gp(): a request for the grace period ending at gp_seq_req."""
EV_RCU_QS_REPORT = define_event(
    "rcu_quiescent_state_report",
    "rcu",
    ("rcuname", "sym"),
    ("gp_seq", "int"),
    ("mask", "int"),
    ("qsmask", "int"),
    ("level", "int"),
    ("grplo", "int"),
    ("grphi", "int"),
    ("gp_tasks", "int"),
)
"""rcu_report_qs_rnp(): CPUs in `mask` reported; `qsmask` still to report."""
EV_RCU_FQS = define_event("rcu_fqs", "rcu", ("rcuname", "sym"), ("gp_seq", "int"), ("target", "cpu"), ("qsevent", "sym"))
"""force_qs_rnp(): the GP kthread reports CPU `target` for it (dti: idle)."""
EV_RCU_PREEMPT_TASK = define_event("rcu_preempt_task", "rcu", ("rcuname", "sym"), ("gp_seq", "int"), ("pid", "pid"))
"""rcu_note_context_switch(): a reader left its CPU inside its section."""
EV_RCU_UNLOCK_PREEMPTED_TASK = define_event(
    "rcu_unlock_preempted_task", "rcu", ("rcuname", "sym"), ("gp_seq", "int"), ("pid", "pid")
)
"""rcu_read_unlock_special(): a blocked reader left its section."""
EV_RCU_CALLBACK = define_event("rcu_callback", "rcu", ("rcuname", "sym"), ("func", "sym"), ("qlen", "int"))
"""call_rcu(): a callback queued; qlen callbacks now on this CPU."""
EV_RCU_INVOKE_CALLBACK = define_event("rcu_invoke_callback", "rcu", ("rcuname", "sym"), ("func", "sym"))
"""rcu_do_batch(): a callback runs."""


def _gp(ev: Event) -> str:
    f = ev.fields
    return f"{f['rcuname']} {f['gp_seq']} {f['gpevent']}"


def _future(ev: Event) -> str:
    f = ev.fields
    return f"{f['rcuname']} {f['gp_seq']} {f['gp_seq_req']} {f['level']} {f['grplo']} {f['grphi']} {f['gpevent']}"


def _qs_report(ev: Event) -> str:
    f = ev.fields
    return (
        f"{f['rcuname']} {f['gp_seq']} {f['mask']:x}>{f['qsmask']:x} "
        f"{f['level']} {f['grplo']} {f['grphi']} {f['gp_tasks']}"
    )


register_format("rcu_grace_period", _gp)
register_format("rcu_future_grace_period", _future)
register_format("rcu_quiescent_state_report", _qs_report)
register_format("rcu_fqs", lambda ev: f"{ev.fields['rcuname']} {ev.fields['gp_seq']} {ev.fields['target']} {ev.fields['qsevent']}")
register_format("rcu_preempt_task", lambda ev: f"{ev.fields['rcuname']} {ev.fields['gp_seq']} {ev.fields['pid']}")
register_format("rcu_unlock_preempted_task", lambda ev: f"{ev.fields['rcuname']} {ev.fields['gp_seq']} {ev.fields['pid']}")
register_format("rcu_callback", lambda ev: f"{ev.fields['rcuname']} rhp={ev.fields['func']} func={ev.fields['func']} {ev.fields['qlen']}")
register_format("rcu_invoke_callback", lambda ev: f"{ev.fields['rcuname']} rhp={ev.fields['func']} func={ev.fields['func']}")
