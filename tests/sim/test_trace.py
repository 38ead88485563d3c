"""ktui/sim/trace.py: the flat event log and ftrace formatting."""

from __future__ import annotations

import ktui.sim.subsystems  # noqa: F401  (registers the events)
from ktui.sim.kernel.locking.lock import EV_LOCK_ACQUIRE
from ktui.sim.kernel.sched.core import EV_SCHED_SWITCH
from ktui.sim.trace import PREEMPTED_STATE, Names, TraceLog, decode, format_line, state_letter

NAMES = Names(["swapper", "t1", "t2"], ["A"])


def test_log_round_trips_records_of_any_length() -> None:
    """append() then record() gives back every record exactly; truncate() forgets the tail."""
    log = TraceLog()
    recs = [
        (EV_LOCK_ACQUIRE, 5, 0, 1, 0),
        (EV_SCHED_SWITCH, 9, 1, 2, 2, 120, 2, 1, 120),
        (EV_LOCK_ACQUIRE, 12, 0, 1, 0),
    ]
    for r in recs:
        log.append(r)
    assert [log.record(i) for i in range(3)] == recs
    assert log.type_id(1) == EV_SCHED_SWITCH
    log.truncate(1)
    assert len(log) == 1 and log.record(0) == recs[0]
    log.append(recs[2])
    assert log.record(1) == recs[2]


def test_log_costs_a_few_bytes_per_event() -> None:
    """A sched_switch costs 8 (time) + 4 (offset) + 4 * 8 (type, cpu, pid, 5 fields) = 44 bytes."""
    log = TraceLog()
    for i in range(1000):
        log.append((EV_SCHED_SWITCH, i, 0, 1, 1, 120, 0, 2, 120))
    assert log.nbytes() == 1000 * (8 + 4 + 4 * 8)


def test_sched_switch_prints_like_ftrace() -> None:
    """The line has ftrace's widths and sched_switch's TP_printk, "R+" for a preempted prev."""
    ev = decode(7, (EV_SCHED_SWITCH, 1_234_567_000, 1, 1, 1, 120, PREEMPTED_STATE, 2, 120), NAMES)
    assert format_line(ev) == (
        "              t1-1       [001]     1.234567: sched_switch: prev_comm=t1 prev_pid=1 "
        "prev_prio=120 prev_state=R+ ==> next_comm=t2 next_pid=2 next_prio=120"
    )


def test_state_letters_follow_task_report() -> None:
    """TASK_REPORT bits: 0 R, 1 S, 2 D, 0x20 Z; TASK_REPORT_MAX is the preempted "R+"."""
    assert [state_letter(s) for s in (0, 1, 2, 0x20, PREEMPTED_STATE)] == ["R", "S", "D", "Z", "R+"]


def test_u64_fields_round_trip_through_wide_records() -> None:
    """Addresses, PFNs and IOVAs are u64: a field past 32 bits is stored whole (the
    record goes to the 64-bit side array), small records stay 32-bit, and truncating
    across a wide record forgets its words too."""
    log = TraceLog()
    kaddr = 0xFFFF_8880_0123_4000  # a direct-map kernel address: u64, negative as s64
    pfn = (1 << 40) + 7
    recs = [
        (EV_LOCK_ACQUIRE, 1, 0, 1, 0),
        (EV_LOCK_ACQUIRE, 2, 0, 1, pfn),
        (EV_LOCK_ACQUIRE, 3, 1, 2, 0),
        (EV_LOCK_ACQUIRE, 4, 0, 1, -(1 << 40)),
    ]
    for r in recs:
        log.append(r)
    assert [log.record(i) for i in range(4)] == recs
    assert [log.type_id(i) for i in range(4)] == [EV_LOCK_ACQUIRE] * 4
    assert len(log.wide) == 2 * 3  # two wide records, each (cpu, common_pid, field)
    assert log.data.itemsize == 4 and log.wide.itemsize == 8
    log.truncate(2)
    assert len(log) == 2 and log.record(1) == recs[1] and len(log.wide) == 3
    log.truncate(1)
    assert len(log.wide) == 0
    log.append((EV_LOCK_ACQUIRE, 5, 0, 1, kaddr))  # past 2**63: kept as its s64 bits
    assert log.record(1)[4] & ((1 << 64) - 1) == kaddr


def test_u64_fields_decode_and_print_in_hex() -> None:
    """A ``u64`` field decodes to the unsigned value and prints as ftrace's %#llx."""
    from ktui.sim.trace import EVENTS_BY_NAME, define_event, undefine_event

    eid = define_event("test_dma_map", "test", ("iova", "u64"), ("size", "int"))
    try:
        log = TraceLog()
        log.append((eid, 7, 0, 1, 0xFFFF_F000_0000_1000, 4096))
        ev = decode(1, log.record(0), NAMES)
        assert ev.fields["iova"] == 0xFFFF_F000_0000_1000
        assert format_line(ev).endswith("test_dma_map: iova=0xfffff00000001000 size=4096")
    finally:
        undefine_event("test_dma_map")
    assert "test_dma_map" not in EVENTS_BY_NAME


def test_the_same_event_twice_is_an_error() -> None:
    """define_event, register_kind and register_op refuse a name registered already."""
    import pytest

    from ktui.sim.machine import register_kind
    from ktui.sim.ops import register_op
    from ktui.sim.trace import RegistrationError, define_event

    with pytest.raises(RegistrationError, match="'sched_switch' is registered twice"):
        define_event("sched_switch", "sched")
    with pytest.raises(RegistrationError, match="'tick'"):
        register_kind("tick", lambda m, a, b: False)
    with pytest.raises(RegistrationError, match="'mutex_lock' is registered twice"):
        register_op("mutex_lock")
