"""Cost of breakpoints on a forward run. Prints figures; asserts nothing.

    python benchmarks/bench_breakpoints.py [--events 200000] [--repeat 3]

Runs the built-in `bench-cpu` scenario (2 CPUs, 200 CPU-bound tasks) for
EVENTS events with history on: with no breakpoint, with a state breakpoint on
the last task's comm (the worst case for a scan by comm), on a pid, on a CPU
and on a lock-free condition mix, and with an event breakpoint. None of them
ever hits, so every run does the same work plus the check after each event;
the run without one comes again last, as a control for drift.
Best of REPEAT runs each, in CPU time of this process (`time.process_time`:
the machine is shared, and waiting for a CPU is not the cost measured).
"""

from __future__ import annotations

import argparse
import time

import ktui.sim

CASES: tuple[tuple[str, str], ...] = (
    ("no breakpoint", ""),
    ("state: task <last comm>", "task {last} state == D"),
    ("state: task <last pid>", "task {npid} nr_switches > 100000000"),
    ("state: two task conditions", "task {last} state == D and task {first} prio < 0"),
    ("state: cpu", "cpu 1 nr_running > 100000"),
    ("event: sched_switch filter", "sched_switch next_comm={last} prev_state=D"),
    ("no breakpoint (again)", ""),
)


def run_case(expr: str, events: int, repeat: int) -> tuple[float, int]:
    """Best wall time of `repeat` runs of `events` events with breakpoint `expr`."""
    best = float("inf")
    n = 0
    for _ in range(repeat):
        sim = ktui.sim.load("bench-cpu")
        if expr:
            comms = sim.cfg.names.comms
            sim.add_breakpoint(expr.format(last=comms[-1], first=comms[1], npid=len(comms) - 1))
        t0 = time.process_time()
        status = sim.run(steps=events)
        best = min(best, time.process_time() - t0)
        assert status == "limit", status  # no breakpoint may hit
        n = sim.event
    return best, n


def check_cost(calls: int) -> None:
    """Time of one check (context + `holds`, as `Simulator._hit` does it; or
    `matches_event` on a sched_switch record) after 50,000 events, in µs."""
    from ktui.sim import breakpoints as bpmod
    from ktui.sim.replay.context import MachineContext

    sim = ktui.sim.load("bench-cpu")
    sim.run(steps=50_000)
    comms = sim.cfg.names.comms
    m = sim.machine
    for label, expr in CASES[1:-2]:
        text = expr.format(last=comms[-1], first=comms[1], npid=len(comms) - 1)
        bp = bpmod.parse(text)
        bound = bpmod.validate(bp, MachineContext(m)) or bp  # older API returned None
        best = float("inf")
        for _ in range(5):
            t0 = time.process_time()
            for _ in range(calls // 5):
                bpmod.holds(bound, MachineContext(m), m.now)
            best = min(best, time.process_time() - t0)
        print(f"check {label:30s} {best / (calls // 5) * 1e6:6.2f} us per event (best of 5)")
    # an event breakpoint, on a sched_switch record (half of bench-cpu's events)
    label, expr = CASES[-2]
    bp = bpmod.parse(expr.format(last=comms[-1]))
    bound = bpmod.validate(bp, MachineContext(m)) or bp
    ss = bp.event_type_id()
    rec = next(r for r in map(sim.log.record, range(len(sim.log))) if r[0] == ss)
    names = sim.cfg.names
    best = float("inf")
    for _ in range(5):
        t0 = time.process_time()
        for _ in range(calls // 5):
            bpmod.matches_event(bound, rec, names)
        best = min(best, time.process_time() - t0)
    print(f"check {label:30s} {best / (calls // 5) * 1e6:6.2f} us per sched_switch (best of 5)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--calls", type=int, default=200_000, help="checks timed per case")
    args = ap.parse_args()
    check_cost(args.calls)
    base = 0.0
    for label, expr in CASES:
        dt, n = run_case(expr, args.events, args.repeat)
        base = base or dt
        print(f"{label:30s} {n} events in {dt:.2f}s = {n / dt:9,.0f} events/s  ({dt / base:.2f}x)")


if __name__ == "__main__":
    main()
