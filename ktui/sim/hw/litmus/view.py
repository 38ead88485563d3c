"""The litmus frozen view: memory, each CPU's store buffer and invalidate
queue, the registers read, and whether the ``exists`` clause holds; the
``litmus`` report section derives from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ktui.sim.hw.litmus.store_buffer import litmus_state, var_names

if TYPE_CHECKING:
    from ktui.sim.hw.litmus.table import LitmusSpec
    from ktui.sim.machine import Machine


@dataclass(frozen=True, slots=True, eq=False)
class CpuBuffersView:
    """One CPU's store buffer ``(var, value, epoch)`` oldest first, and its
    invalidate queue ``(var, value)``."""

    cpu: int
    store_buffer: tuple[tuple[str, int, int], ...]
    invalidate_queue: tuple[tuple[str, int], ...]
    cache: tuple[int, ...]


@dataclass(frozen=True, slots=True, eq=False)
class LitmusView:
    """The litmus section of a snapshot (empty `names` without ``[litmus]``)."""

    name: str
    names: tuple[str, ...]
    memory: tuple[int, ...]
    cpus: tuple[CpuBuffersView, ...]
    registers: tuple[tuple[str, str, int], ...]
    """(task comm, register, value), in the order first read."""
    exists: tuple[str, ...]
    satisfied: bool


EMPTY_LITMUS = LitmusView("", (), (), (), (), (), False)


def _spec(m: Machine) -> LitmusSpec | None:
    spec = m.cfg.scenario.sections.get("litmus")
    return spec  # type: ignore[return-value]


def outcome_holds(spec: LitmusSpec, regs: dict[tuple[str, str], int], memory: tuple[int, ...]) -> bool:
    """Every condition of ``exists`` holds (a register never read holds none)."""
    for cond in spec.exists:
        if cond.task:
            if regs.get((cond.task, cond.name)) != cond.value:
                return False
        elif memory[spec.names.index(cond.name)] != cond.value:
            return False
    return bool(spec.exists)


def litmus_view(m: Machine) -> LitmusView:
    """The litmus view of `m` now."""
    spec = _spec(m)
    if spec is None:
        return EMPTY_LITMUS
    st = litmus_state(m)
    names = var_names(m)
    mem = st["mem"]
    sbs, invs, views, regs = st["sb"], st["inv"], st["view"], st["regs"]
    assert isinstance(mem, list) and isinstance(sbs, list) and isinstance(invs, list)
    assert isinstance(views, list) and isinstance(regs, list)
    cpus = tuple(
        CpuBuffersView(
            cpu,
            tuple((names[v], val, ep) for v, val, ep in sbs[cpu]),
            tuple((names[v], val) for v, val in invs[cpu]),
            tuple(views[cpu]),
        )
        for cpu in range(len(sbs))
    )
    registers = tuple((m.comm(pid), reg, val) for pid, reg, val in regs)
    memory = tuple(mem)
    by_name = {(comm, reg): val for comm, reg, val in registers}
    return LitmusView(
        spec.name or m.cfg.scenario.name,
        names,
        memory,
        cpus,
        registers,
        tuple(c.text for c in spec.exists),
        outcome_holds(spec, by_name, memory),
    )


def litmus_report(view: object) -> dict[str, object]:
    """The ``litmus`` report section (none without ``[litmus]``)."""
    assert isinstance(view, LitmusView)
    if not view.names:
        return {}
    return {
        "litmus": {
            "name": view.name,
            "memory": dict(zip(view.names, view.memory, strict=True)),
            "registers": [{"task": t, "reg": r, "value": v} for t, r, v in view.registers],
            "exists": list(view.exists),
            "satisfied": view.satisfied,
            "cpus": [
                {
                    "cpu": c.cpu,
                    "store_buffer": [{"var": n, "value": v, "epoch": e} for n, v, e in c.store_buffer],
                    "invalidate_queue": [{"var": n, "value": v} for n, v in c.invalidate_queue],
                    "cache": dict(zip(view.names, c.cache, strict=True)),
                }
                for c in view.cpus
            ],
        }
    }
