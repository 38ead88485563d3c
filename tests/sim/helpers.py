"""Small helpers for simulator tests: build a scenario from a few lines."""

from __future__ import annotations

from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import parse_scenario_text


def make_sim(
    tasks: dict[str, str],
    *,
    cpus: int = 1,
    locks: str = 'A = "mutex"\nB = "mutex"\nS = "spinlock"',
    kernel: str = "6.18",
    hz: int = 250,
    extra: str = "",
) -> Simulator:
    """A simulator for tasks given as name -> 'key = value' lines + program."""
    parts = [
        '[scenario]\nname = "test"\nseed = 1',
        f'[machine]\ncpus = {cpus}\nhz = {hz}\nkernel = "{kernel}"',
        f"[locks]\n{locks}",
    ]
    for name, body in tasks.items():
        keys, _, program = body.partition("---")
        parts.append(f'[[task]]\nname = "{name}"\n{keys.strip()}\nprogram = """\n{program.strip()}\n"""')
    if extra:
        parts.append(extra)
    return Simulator(parse_scenario_text("\n\n".join(parts), "<test>"))


def names_of(sim: Simulator) -> list[str]:
    """Every recorded event as 'name' strings, in order."""
    return [sim.event_at(i).name for i in range(1, sim.recorded + 1)]


def switches_of(sim: Simulator) -> list[tuple[int, str, str]]:
    """(time_ns, prev_comm, next_comm) of every recorded sched_switch."""
    out = []
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        if ev.name == "sched_switch":
            out.append((ev.time_ns, str(ev.fields["prev_comm"]), str(ev.fields["next_comm"])))
    return out


def lines_of(sim: Simulator) -> list[str]:
    """Every recorded event as 'comm:name:fields' (no time), for compact asserts."""
    from ktui.sim.trace import format_fields

    out = []
    for i in range(1, sim.recorded + 1):
        ev = sim.event_at(i)
        out.append(f"{ev.common_comm}:{ev.name}:{format_fields(ev)}")
    return out
