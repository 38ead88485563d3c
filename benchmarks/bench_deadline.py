"""SCHED_DEADLINE throughput. Prints figures; asserts nothing.

    python benchmarks/bench_deadline.py [--seconds 10] [--repeat 3]

Ten implicit-deadline periodic SCHED_DEADLINE tasks on 2 CPUs (HZ 1000,
kernel 6.18): periods 5, 10, ..., 50 ms, each reserving 16% of its period
(runtime = 0.16 * period), so the set's utilisation is 10 * 0.16 = 1.6, under
the admission limit 2 * 0.95 - 2 * 0.05 (fair servers) = 1.8. Each job runs
15% of its period (a little under its budget, as real jobs do, so that the
tick enforcing the budget does not race the job's end) and then
sched_yield()s until its next period, the SCHED_DEADLINE idiom. SECONDS of simulated time; prints events/s, simulated
time over real time, and how many jobs were throttled, replenished and
missed, with history on (the default of a ktui session) and off.
"""

from __future__ import annotations

import argparse
import gc
import time

from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import parse_scenario_text

NS_PER_MS = 1_000_000


def task_set_toml(seconds: int) -> str:
    """The scenario: ten periodic tasks, each running long enough for the run."""
    parts = [
        '[scenario]\nname = "bench-deadline"\nseed = 1',
        '[machine]\ncpus = 2\nhz = 1000\nkernel = "6.18"',
    ]
    for i in range(10):
        period_ms = 5 * (i + 1)
        runtime_us = period_ms * 160  # 16% of the period, in us
        job_us = period_ms * 150  # 15%
        jobs = seconds * 1000 // period_ms
        parts.append(
            f'[[task]]\nname = "p{period_ms}"\npolicy = "deadline"\n'
            f'runtime = "{runtime_us}us"\ndeadline = "{period_ms}ms"\nperiod = "{period_ms}ms"\n'
            f'program = """\nrepeat {jobs} {{\n    run {job_us}us\n    sched_yield\n}}\n"""'
        )
    return "\n\n".join(parts)


def main() -> None:
    """Run the task set and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    text = task_set_toml(args.seconds)
    until = args.seconds * 1000 * NS_PER_MS
    counts: dict[str, int] = {}
    for history in (True, False):
        best = float("inf")
        sim = None
        for _ in range(args.repeat):
            sim = Simulator(parse_scenario_text(text, "<bench-deadline>"), history=history)
            gc.collect()
            t0 = time.perf_counter()
            sim.run(until_ns=until)
            best = min(best, time.perf_counter() - t0)
        assert sim is not None
        events = sim.event
        sim_s = sim.time_ns / 1e9
        print(
            f"history {'on ' if history else 'off'}: {events} events in {best:.2f} s: "
            f"{events / best:,.0f} events/s, simulated/real {sim_s / best:.2f} "
            f"({sim_s:.2f} s simulated)"
        )
        if history:
            for i in range(1, sim.recorded + 1):
                name = sim.event_at(i).name
                counts[name] = counts.get(name, 0) + 1
    keys = ("dl_replenish", "dl_throttle", "dl_deadline_miss", "sched_migrate_task", "sched_switch")
    print("  " + ", ".join(f"{k} {counts.get(k, 0)}" for k in keys))


if __name__ == "__main__":
    main()
