"""Simulator throughput and time-travel latency. Prints figures; asserts nothing.

    python benchmarks/bench_sim.py [--steps 300000] [--events 1000000] [--samples 300]

1. events/s for the built-in `bench-cpu` scenario (2 CPUs, 200 CPU-bound
   tasks) over STEPS events (at least 200,000: shorter runs are noise), with
   history on and off, and the ratio; bytes of history per event.
2. A history of EVENTS events, then the latency of `back(1)` (from random
   points, each right after a `goto` there, and repeatedly from the live end
   as when holding the key) and of `goto` to random points: median and p99;
   then the history's bytes per event with the dense-checkpoint cache as the
   latencies left it (bounded by `DENSE_MAX_BYTES`).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import time

import ktui.sim
from ktui.sim.replay.history import DENSE_MAX_BYTES
from ktui.sim.replay.timeline import Simulator


def pct(xs: list[float], q: float) -> float:
    """The q-quantile of xs (nearest rank)."""
    s = sorted(xs)
    return s[min(len(s) - 1, int(q * len(s)))]


def print_latency(label: str, ms: list[tuple[float, float]]) -> None:
    """One line: median, p99 and max of (wall, CPU) latencies in ms.

    The CPU time (this process's, `time.process_time`) leaves out the time
    other processes on a shared machine took the core away from us.
    """
    wall = [w for w, _ in ms]
    cpu = [c for _, c in ms]
    print(
        f"{label}: median {statistics.median(wall):.2f} ms, "
        f"p99 {pct(wall, 0.99):.2f} ms, max {max(wall):.2f} ms "
        f"(CPU: median {statistics.median(cpu):.2f}, p99 {pct(cpu, 0.99):.2f} ms)"
    )


class Timer:
    """Wall and CPU time of one call, in ms: ``with Timer(out): ...``."""

    def __init__(self, out: list[tuple[float, float]]) -> None:
        self.out = out

    def __enter__(self) -> None:
        self.w, self.c = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.out.append(
            ((time.perf_counter() - self.w) * 1000, (time.process_time() - self.c) * 1000)
        )


def throughput(steps: int, repeat: int = 3) -> None:
    """Best of `repeat` runs each way (the machine's other load only slows runs down)."""
    rates = {}
    for history in (True, False):
        best = float("inf")
        for _ in range(repeat):
            sim = ktui.sim.load("bench-cpu", history=history)
            gc.collect()
            t0 = time.perf_counter()
            sim.run(steps=steps)
            best = min(best, time.perf_counter() - t0)
        dt = best
        rates[history] = sim.event / dt
        extra = ""
        if history:
            extra = f", history {sim.history_bytes() / sim.event:.1f} bytes/event"
        print(
            f"bench-cpu {sim.time_ns / 1e9:.1f}s simulated, history {'on ' if history else 'off'}: "
            f"{sim.event:,} events in {dt:.2f}s = {rates[history]:,.0f} events/s{extra}"
        )
    print(f"history overhead: {rates[False] / rates[True]:.2f}x")


def seek_latencies(sim: Simulator, samples: int, rng: random.Random, label: str = "") -> None:
    """Print back(1) held at the live end, goto to random points, and back(1)
    right after each goto: `samples` of each."""
    held: list[tuple[float, float]] = []
    for _ in range(samples):
        with Timer(held):
            sim.back(1)
    print_latency(f"{label}back(1) held at the end, {samples}x", held)
    gotos: list[tuple[float, float]] = []
    backs: list[tuple[float, float]] = []
    for _ in range(samples):
        target = rng.randrange(1, sim.recorded)
        with Timer(gotos):
            sim.goto(target)
        with Timer(backs):
            sim.back(1)
    print_latency(f"{label}goto random point, {samples}x", gotos)
    print_latency(f"{label}back(1) right after each goto", backs)


def time_travel(n_events: int, samples: int) -> None:
    """Build a history of `n_events`, then time back(1) and goto on it."""
    sim = ktui.sim.load("bench-cpu")
    t0 = time.perf_counter()
    sim.run(steps=n_events)
    dt = time.perf_counter() - t0
    print(
        f"history of {sim.event:,} events built in {dt:.1f}s ({sim.event / dt:,.0f} events/s); "
        f"{sim.history_bytes() / sim.event:.1f} bytes/event "
        f"({len(sim.checkpoints)} checkpoints, trace {sim.log.nbytes() / sim.event:.1f} B/event)"
    )
    rng = random.Random(1)
    # The garbage collector as KtuiApp runs it (ktui/app.py): start-up objects
    # frozen, gen0 threshold 10,000. With the default thresholds a gen2 pass
    # (a few ms) lands in about one call in a hundred, i.e. on the p99.
    gc.collect()
    gc.freeze()
    old_threshold = gc.get_threshold()
    gc.set_threshold(10_000, 50, 100)
    print("GC as in KtuiApp: gc.freeze(), gc.set_threshold(10_000, 50, 100)")

    seek_latencies(sim, samples, rng)
    gc.set_threshold(*old_threshold)
    gc.unfreeze()
    print(
        f"after these: {sim.history_bytes() / sim.recorded:.1f} bytes/event; dense cache "
        f"{len(sim.dense)} checkpoints, {sim.dense.nbytes / 2**20:.1f} MiB "
        f"(bound {DENSE_MAX_BYTES / 2**20:.0f} MiB)"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=300_000, help="events for throughput (>= 200,000)")
    ap.add_argument("--events", type=int, default=1_000_000, help="history size for time travel")
    ap.add_argument("--samples", type=int, default=300)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    throughput(max(args.steps, 200_000))
    time_travel(args.events, args.samples)


if __name__ == "__main__":
    main()
