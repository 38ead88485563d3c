"""Trace events: the registry of event types and the compact event log.

Models the shape of the kernel's tracepoints (include/trace/events/sched.h,
include/trace/events/lock.h, include/trace/events/timer.h): every state change
the simulator makes is one record with a tracepoint name, the CPU, the current
task (``common_pid``) and the event's own fields, printed the way
``/sys/kernel/tracing/trace`` prints it. What it leaves out: the irq-flags /
preempt-depth column of the ftrace line, and raw pointer fields (locks and
timers are printed by name).

A record is a flat tuple of ints ``(type_id, time_ns, cpu, common_pid, *fields)``.
The log keeps records in three flat `array`s so that a million of them cost
about 40 bytes each and never reach the garbage collector.
"""

from __future__ import annotations

import unicodedata
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final, Literal

FieldKind = Literal[
    "int", "u64", "pid", "prio", "state", "lock", "cpu", "sym", "pids", "locks", "event"
]
"""How a raw int field is decoded and printed.

``u64``: an unsigned 64-bit value (an address, PFN or IOVA), printed in hex;
``pid``: also yields ``<name>_comm``/``comm``; ``state``: a task state letter;
``lock``: a lock name; ``sym``: a kernel symbol from `SYMBOLS`; ``pids`` and
``locks``: a count-prefixed list; ``event``: an event index.
"""


@dataclass(frozen=True, slots=True)
class EventType:
    """One tracepoint: its id in the log, its name and its fields.

    Attributes:
        id: `stable_id` of ``system:name``; what the log stores.
        name: Tracepoint name (``sched_switch``).
        system: Trace system (``sched``, ``lock``, ``timer``, ``ktui``).
        fields: ``(field_name, kind)`` pairs, in record order.
    """

    id: int
    name: str
    system: str
    fields: tuple[tuple[str, FieldKind], ...]


EVENT_TYPES: dict[int, EventType] = {}
"""Every registered event type, by id."""
EVENTS_BY_NAME: dict[str, EventType] = {}
"""Event types by tracepoint name."""

SYMBOLS: dict[int, str] = {}
"""Kernel symbol names referred to by ``sym`` fields (timer callbacks ...), by id."""


class RegistrationError(Exception):
    """A name registered twice, or two names whose stable ids collide."""


def stable_id(key: str) -> int:
    """A 31-bit id that depends on `key` alone.

    Ids stored in the machine state or the trace (event types, pending-work
    kinds, symbols) come from their names, never from the order of first use,
    so a state hash is the same whatever ran or was imported before.
    """
    return zlib.crc32(key.encode()) & 0x7FFF_FFFF


def define_event(name: str, system: str, *fields: tuple[str, FieldKind]) -> int:
    """Register a tracepoint and return its id, `stable_id` of ``system:name``.

    Raises:
        RegistrationError: `name` is registered already, or its id collides.
    """
    if name in EVENTS_BY_NAME:
        raise RegistrationError(f"event {name!r} is registered twice")
    eid = stable_id(f"{system}:{name}")
    if eid in EVENT_TYPES:
        raise RegistrationError(f"event {name!r}: id collides with {EVENT_TYPES[eid].name!r}")
    et = EventType(eid, name, system, tuple(fields))
    EVENT_TYPES[eid] = et
    EVENTS_BY_NAME[name] = et
    return eid


def undefine_event(name: str) -> None:
    """Forget event `name` (for tests that register a subsystem for a while)."""
    et = EVENTS_BY_NAME.pop(name)
    del EVENT_TYPES[et.id]
    FORMATTERS.pop(name, None)


def symbol(name: str) -> int:
    """The id of a kernel symbol name for ``sym`` fields (`stable_id` of it)."""
    sid = stable_id(name)
    known = SYMBOLS.setdefault(sid, name)
    if known != name:
        raise RegistrationError(f"symbol {name!r}: id collides with {known!r}")
    return sid


# Task state as the kernel reports it in sched_switch's prev_state
# (TASK_REPORT bits, include/linux/sched.h); 256 stands for TASK_REPORT_MAX,
# which __trace_sched_switch_state() returns for a preempted task: "R+".
PREEMPTED_STATE: Final = 256
_STATE_LETTERS: Final = {0: "R", 1: "S", 2: "D", 4: "T", 8: "t", 16: "X", 32: "Z", 0x402: "I"}


def state_letter(state: int) -> str:
    """ps-style letter for a task state value (``R``, ``S``, ``D`` ... ``R+``)."""
    if state == PREEMPTED_STATE:
        return "R+"
    return _STATE_LETTERS.get(state, "?")


class Names:
    """Resolves pids and lock ids to names for printing and filtering.

    Args:
        comms: comm of each pid (index 0 is the idle task, ``swapper``).
        locks: name of each lock id.
    """

    __slots__ = ("comms", "locks")

    def __init__(self, comms: list[str], locks: list[str]) -> None:
        self.comms = comms
        self.locks = locks

    def comm(self, pid: int, cpu: int = 0) -> str:
        """comm of `pid`; pid 0 is the per-CPU idle task ``swapper/N``."""
        if pid == 0:
            return f"swapper/{cpu}"
        if 0 <= pid < len(self.comms):
            return self.comms[pid]
        return f"<{pid}>"

    def lock(self, lock_id: int) -> str:
        """Name of lock `lock_id`."""
        if 0 <= lock_id < len(self.locks):
            return self.locks[lock_id]
        return f"<lock {lock_id}>"


@dataclass(frozen=True, slots=True)
class Event:
    """A decoded trace record.

    Attributes:
        index: 1-based event number (the position after it happened).
        name: Tracepoint name.
        time_ns: Simulated time.
        cpu: CPU the event happened on.
        common_pid: The task current on that CPU.
        common_comm: Its comm.
        fields: Decoded fields by name; pids and locks as printed strings/ints.
        raw: The raw record.
    """

    index: int
    name: str
    time_ns: int
    cpu: int
    common_pid: int
    common_comm: str
    fields: Mapping[str, int | str | tuple[int | str, ...]]
    raw: tuple[int, ...]


def decode(index: int, rec: tuple[int, ...], names: Names) -> Event:
    """Decode raw record `rec` (the `index`-th event) into an `Event`."""
    et = EVENT_TYPES[rec[0]]
    cpu = rec[2]
    fields: dict[str, int | str | tuple[int | str, ...]] = {}
    pos = 4
    for fname, kind in et.fields:
        if kind in ("pids", "locks"):
            n = rec[pos]
            items = rec[pos + 1 : pos + 1 + n]
            pos += 1 + n
            if kind == "pids":
                fields[fname] = tuple(items)
                fields[fname + "_comm"] = tuple(names.comm(p, cpu) for p in items)
            else:
                fields[fname] = tuple(names.lock(x) for x in items)
            continue
        v = rec[pos]
        pos += 1
        if kind == "pid":
            fields[fname] = v
            prefix = fname[: -len("pid")] if fname.endswith("pid") else fname + "_"
            fields[prefix + "comm"] = names.comm(v, cpu)
        elif kind == "state":
            fields[fname] = state_letter(v)
        elif kind == "lock":
            fields[fname] = names.lock(v)
        elif kind == "sym":
            fields[fname] = SYMBOLS[v]
        elif kind == "u64":
            fields[fname] = v & 0xFFFF_FFFF_FFFF_FFFF
        else:
            fields[fname] = v
    return Event(index, et.name, rec[1], cpu, rec[3], names.comm(rec[3], cpu), fields, rec)


EventFormatter = Callable[[Event], str]
FORMATTERS: dict[str, EventFormatter] = {}
"""Per-event field printers (each tracepoint's TP_printk), by event name."""


def register_format(name: str, fmt: EventFormatter) -> None:
    """Print event `name`'s fields with `fmt` instead of ``key=value`` pairs."""
    FORMATTERS[name] = fmt


def format_fields(ev: Event) -> str:
    """The field part of an ftrace line, as the tracepoint's TP_printk has it.

    By default ``key=value`` in declaration order, with a pid field printed
    as its comm first (``comm=t1 pid=1``, ``next_comm=t2 next_pid=2``) and
    CPU fields as ``%03d``.
    """
    fmt = FORMATTERS.get(ev.name)
    if fmt is not None:
        return fmt(ev)
    f = ev.fields
    parts = []
    for fname, kind in EVENTS_BY_NAME[ev.name].fields:
        val = f[fname]
        if kind == "pid":
            prefix = fname[: -len("pid")] if fname.endswith("pid") else fname + "_"
            parts.append(f"{prefix}comm={f[prefix + 'comm']}")
        elif kind == "cpu":
            parts.append(f"{fname}={int(val):03d}")  # type: ignore[arg-type]
            continue
        elif kind == "u64":
            parts.append(f"{fname}={int(val):#x}")  # type: ignore[arg-type]
            continue
        elif kind == "pids":
            parts.append(f"{fname}={','.join(str(c) for c in f[fname + '_comm'])}")  # type: ignore[union-attr]
            continue
        if isinstance(val, tuple):
            val = ",".join(str(x) for x in val)
        parts.append(f"{fname}={val}")
    return " ".join(parts)


def display_width(text: str) -> int:
    """Terminal cells of `text`: 2 for East Asian wide/fullwidth characters, 0
    for combining marks, 1 otherwise (unicodedata; the sim imports no rich)."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def format_line(ev: Event) -> str:
    """One line in ftrace's text format: ``comm-pid [cpu] seconds: event: fields``."""
    secs, ns = divmod(ev.time_ns, 1_000_000_000)
    # trace_output.c: "%16s-%-7d" then " [%03d] " and "%5lu.%06lu: ". The
    # kernel's %16s pads by bytes, which misaligns a wide or non-ASCII comm;
    # this pads by terminal cells, so the columns stay aligned.
    comm = ev.common_comm
    pad = " " * max(0, 16 - display_width(comm))
    return (
        f"{pad}{comm}-{ev.common_pid:<7} [{ev.cpu:03d}] "
        f"{secs:5d}.{ns // 1000:06d}: {ev.name}: {format_fields(ev)}"
    )


class TraceLog:
    """The recorded events, in order, stored flat.

    ``times[i]`` is event i+1's time; ``offs[i]`` indexes its
    ``(type, cpu, common_pid, *fields)`` run in ``data``.

    Fields are u64 in the kernel (addresses, PFNs, IOVAs), but most are small:
    ``data`` holds 32-bit words, and a record with any field outside them is
    stored whole in ``wide`` (64-bit), its run in ``data`` being the escape
    ``(~type, offset in wide, length)``. Type ids are 31-bit, so a negative
    first word always means "wide".
    """

    __slots__ = ("times", "offs", "data", "wide", "cuts")

    def __init__(self) -> None:
        self.cuts = 0
        """Times the record was cut (readers caching a prefix rescan then)."""
        self.times = array("q")
        self.offs = array("I")  # 4 bytes: up to 4 Gi words of data
        self.data = array("i")
        self.wide = array("q")

    def __len__(self) -> int:
        return len(self.times)

    def append(self, rec: tuple[int, ...]) -> None:
        """Record `rec` as the next event."""
        self.times.append(rec[1])
        data = self.data
        start = len(data)
        self.offs.append(start)
        data.append(rec[0])
        try:
            data.extend(rec[2:])
        except OverflowError:
            self.append_wide(start, rec)

    def append_wide(self, start: int, rec: tuple[int, ...]) -> None:
        """Store `rec`, already begun at `start` in ``data``, in ``wide``."""
        del self.data[start:]
        # u64 values past 2**63 keep their bits as s64 (``u64`` fields mask them back)
        body = [v - (1 << 64) if v >= 1 << 63 else v for v in rec[2:]]
        self.data.extend((~rec[0], len(self.wide), len(body)))
        self.wide.extend(body)

    def record(self, i: int) -> tuple[int, ...]:
        """Raw record of the event at 0-based slot `i` (event number i+1)."""
        start = self.offs[i]
        d = self.data
        tid = d[start]
        if tid < 0:
            woff, n = d[start + 1], d[start + 2]
            return (~tid, self.times[i], *self.wide[woff : woff + n])
        end = self.offs[i + 1] if i + 1 < len(self.offs) else len(d)
        return (tid, self.times[i], *d[start + 1 : end])

    def type_id(self, i: int) -> int:
        """Type id of the event at slot `i`, without decoding it."""
        tid = self.data[self.offs[i]]
        return ~tid if tid < 0 else tid

    def truncate(self, n: int) -> None:
        """Forget every event after the first `n` (the future changed)."""
        if n >= len(self.times):
            return
        self.cuts += 1
        cut = self.offs[n]
        for i in range(n, len(self.times)):
            o = self.offs[i]
            if self.data[o] < 0:  # the first wide record cut off
                del self.wide[self.data[o + 1] :]
                break
        del self.times[n:]
        del self.offs[n:]
        del self.data[cut:]

    def nbytes(self) -> int:
        """Bytes held by the four arrays."""
        return sum(a.itemsize * len(a) for a in (self.times, self.offs, self.data, self.wide))

    def decoded(self, start: int, stop: int, names: Names) -> Iterator[Event]:
        """Decode events numbered ``start+1 .. stop`` (slots start..stop-1)."""
        for i in range(max(0, start), min(stop, len(self))):
            yield decode(i + 1, self.record(i), names)


def field_index(et: EventType, fname: str) -> int | None:
    """Offset of a fixed-position field within a raw record, or None."""
    pos = 4
    for name, kind in et.fields:
        if kind in ("pids", "locks"):
            return None if name != fname else pos
        if name == fname:
            return pos
        pos += 1
    return None


EventSink = Callable[[tuple[int, ...]], None]
"""Receives every record as it is emitted (the `--trace` printer, the log)."""
