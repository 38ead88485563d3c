"""The toy subsystem's model: ``[toy] widgets = [...]`` and ``toy_poke WIDGET``.

Each poke adds one to the widget's count and emits ``toy_poke``; the count is
plain data in ``Machine.ext["toy"]``, so checkpoints and state hashes carry it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.breakpoints import Attr, Key, Subject, Value
from ktui.sim.core.subsystem import Subsystem
from ktui.sim.hw.cpu import continue_task
from ktui.sim.ops import ObjectKind, Op, register_op
from ktui.sim.scenario import SectionContext
from ktui.sim.trace import define_event

if TYPE_CHECKING:
    from ktui.sim.include.linux.sched import TaskStruct
    from ktui.sim.kernel.sched.sched import Rq
    from ktui.sim.machine import Machine

EV_TOY_POKE = define_event("toy_poke", "toy", ("widget", "int"), ("count", "int"))


def _names(raw: object) -> Sequence[str]:
    if isinstance(raw, dict) and isinstance(raw.get("widgets"), list):
        return [w for w in raw["widgets"] if isinstance(w, str)]
    return []


def parse_toy(value: object, ctx: SectionContext) -> tuple[str, ...]:
    """``[toy] widgets = ["w1", ...]``: a list of unique names."""
    if not isinstance(value, dict) or set(value) - {"widgets"}:
        raise ctx.error("expected a table with one key, widgets")
    widgets = value.get("widgets")
    if not isinstance(widgets, list) or not all(isinstance(w, str) for w in widgets):
        raise ctx.error('expected a list of names, e.g. ["w1", "w2"]', key="widgets")
    return tuple(widgets)


def _widgets(m: Machine) -> tuple[str, ...]:
    value = m.cfg.scenario.sections.get("toy", ())
    assert isinstance(value, tuple)
    return value


def toy_boot(m: Machine) -> None:
    """Every widget starts at zero pokes."""
    m.ext["toy"] = [0] * len(_widgets(m))


@register_op("toy_poke", ("widget", "widget"), doc="poke a widget of [toy]")
def op_toy_poke(m: Machine, rq: Rq, task: TaskStruct, op: Op) -> bool:
    """One poke: count += 1, one event."""
    counts = m.ext["toy"]
    assert isinstance(counts, list)
    widget = op.args[0]
    counts[widget] += 1
    task.pc += 1
    m.emit(EV_TOY_POKE, rq.cpu, task.pid, widget, counts[widget])
    continue_task(m, rq)
    return True


@dataclass(frozen=True, slots=True, eq=False)
class ToyView:
    """Each widget's name and count."""

    widgets: tuple[tuple[str, int], ...]


def toy_view(m: Machine) -> ToyView:
    counts = m.ext.get("toy", [])
    assert isinstance(counts, list)
    return ToyView(tuple(zip(_widgets(m), counts, strict=True)))


def toy_report(view: object) -> dict[str, object]:
    assert isinstance(view, ToyView)
    return {"toy": [{"widget": name, "pokes": n} for name, n in view.widgets]}


def _lookup(m: Machine, item: str) -> Key | None:
    widgets = _widgets(m)
    return widgets.index(item) if item in widgets else None


def _get(m: Machine, key: Key, attr: str) -> Value | None:
    counts = m.ext["toy"]
    assert isinstance(counts, list)
    return counts[int(key)] if attr == "pokes" else None


WIDGET = Subject(
    keyword="widget",
    items="name",
    what="a widget name from [toy]",
    attrs={"pokes": Attr("num", doc="times poked")},
    lookup=_lookup,
    get=_get,
    choices=lambda m: list(_widgets(m)),
)

TOY = Subsystem(
    name="toy",
    title="Toy",
    modules=("tests.toy.toy",),
    boot=toy_boot,
    tables={"toy": parse_toy},
    objects={"widget": ObjectKind("widget", "toy", _names, "a widget name from [toy]")},
    view=toy_view,
    report=toy_report,
    subjects={"widget": WIDGET},
    panes=("tests.toy.pane:ToyPane",),
)
