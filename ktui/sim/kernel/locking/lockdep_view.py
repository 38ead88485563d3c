"""The lockdep frozen view and its ``lockdep`` report section: the reports
in order and the dependency graph (classes with usage strings, edges with the
event that first added each), for a graph pane to draw."""

from __future__ import annotations

from dataclasses import dataclass

from ktui.sim.kernel.locking.lockdep import (
    DEP_EN_MASK,
    DEP_ER_MASK,
    DEP_SN_MASK,
    DEP_SR_MASK,
    E_DEP,
    E_EVENT,
    E_NEXT,
    E_PREV,
    LOCK_USAGE_STRINGS,
    lockdep_state,
    usage_chars,
)
from ktui.sim.machine import Machine


@dataclass(frozen=True, slots=True)
class LockdepReportView:
    """One report."""

    kind: str
    headline: str
    body: str
    classes: tuple[str, ...]
    chain: tuple[str, ...]
    event: int


@dataclass(frozen=True, slots=True)
class LockClassView:
    """One lock class: name, usage characters (``+.+.``), usage bit names."""

    name: str
    usage: str
    usage_bits: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LockEdgeView:
    """One dependency prev -> next, its types (``EN``...) and first event."""

    prev: str
    next: str
    dep: tuple[str, ...]
    event: int


@dataclass(frozen=True, slots=True)
class LockdepView:
    """Lockdep at this position."""

    enabled: bool
    debug_locks: bool
    reports: tuple[LockdepReportView, ...]
    classes: tuple[LockClassView, ...]
    edges: tuple[LockEdgeView, ...]


_DEPS = (("SR", DEP_SR_MASK), ("ER", DEP_ER_MASK), ("SN", DEP_SN_MASK), ("EN", DEP_EN_MASK))


def lockdep_view(m: Machine) -> LockdepView:
    """Freeze lockdep's reports and graph."""
    st = lockdep_state(m)
    reports = tuple(
        LockdepReportView(
            str(r["kind"]),
            str(r["headline"]),
            str(r["body"]),
            tuple(r["classes"]),  # type: ignore[arg-type]
            tuple(r["chain"]),  # type: ignore[arg-type]
            int(r["event"]),  # type: ignore[call-overload]
        )
        for r in st.reports
        if int(r["event"]) >= 0  # type: ignore[call-overload]  # queued, not yet printed
    )
    classes = tuple(
        LockClassView(
            name,
            usage_chars(st.usage[i]),
            tuple(s for bit, s in enumerate(LOCK_USAGE_STRINGS) if st.usage[i] & (1 << bit)),
        )
        for i, name in enumerate(st.classes)
    )
    edges = tuple(
        LockEdgeView(
            st.classes[e[E_PREV]],
            st.classes[e[E_NEXT]],
            tuple(n for n, mask in _DEPS if e[E_DEP] & mask),
            e[E_EVENT],
        )
        for e in st.edges
    )
    return LockdepView(st.enabled, st.debug_locks, reports, classes, edges)


def lockdep_report(view: object) -> dict[str, object]:
    """The ``lockdep`` report section."""
    assert isinstance(view, LockdepView)
    return {
        "lockdep": {
            "enabled": view.enabled,
            "debug_locks": view.debug_locks,
            "reports": [
                {
                    "kind": r.kind,
                    "headline": r.headline,
                    "body": r.body,
                    "classes": list(r.classes),
                    "chain": list(r.chain),
                    "event": r.event,
                }
                for r in view.reports
            ],
            "graph": {
                "classes": [{"name": c.name, "usage": c.usage, "usage_bits": list(c.usage_bits)} for c in view.classes],
                "edges": [
                    {"prev": e.prev, "next": e.next, "dep": list(e.dep), "event": e.event} for e in view.edges
                ],
            },
        }
    }
