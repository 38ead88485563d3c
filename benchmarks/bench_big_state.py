"""What big array-backed subsystem state costs the history. Prints figures; asserts nothing.

    python benchmarks/bench_big_state.py [--entries 262144] [--events 200000] [--samples 200]

Memory will hold a ``struct page`` per frame: a 1 GiB machine has 262,144
pages. This puts an ``array('Q')`` of ENTRIES words in ``Machine.ext`` (as
a memory subsystem's state would be), with a toy pending-work kind that
writes 16 of them every 4 simulated ms (one ``bench_page_touch``
event), on top of the `bench-cpu` scenario. Then, with and without the
array:

1. the cost of one checkpoint (save and restore, ms) and its size;
2. a history of EVENTS events: bytes/event;
3. back(1) held from the end, goto to random points and back(1) after each:
   median and p99 (wall and CPU time).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import ktui.sim  # noqa: E402
from bench_sim import Timer, print_latency  # noqa: E402
from ktui.sim.machine import PRIO_IRQ, Machine, register_kind  # noqa: E402
from ktui.sim.replay import checkpoint  # noqa: E402
from ktui.sim.replay.timeline import Simulator  # noqa: E402
from ktui.sim.trace import define_event  # noqa: E402

EV_TOUCH = define_event("bench_page_touch", "ktui", ("first", "int"))
TOUCH_NS = 4_000_000
TOUCHES = 16


def _touch(m: Machine, a: int, _b: int) -> bool:
    pages = m.ext["bench_pages"]
    assert isinstance(pages, array)
    n = len(pages)
    first = (a * 7919) % n
    for k in range(TOUCHES):
        pages[(first + k * 4099) % n] += 1
    m.emit(EV_TOUCH, 0, 0, first)
    m.push(m.now + TOUCH_NS, PRIO_IRQ, K_TOUCH, a + 1, 0)
    return True


K_TOUCH = register_kind("bench_page_touch", _touch)


def load(entries: int) -> Simulator:
    """bench-cpu, plus `entries` words of page state and their toucher if entries > 0."""
    sim = ktui.sim.load("bench-cpu")
    if entries:
        m = sim.machine
        m.ext["bench_pages"] = array("Q", bytes(8 * entries))
        m.push(TOUCH_NS, PRIO_IRQ, K_TOUCH, 0, 0)
        sim.checkpoints[0] = checkpoint.save(m)  # boot state, with the pages
    return sim


def measure(entries: int, n_events: int, samples: int) -> None:
    """Print the checkpoint cost, history size and latencies for one size."""
    label = f"{entries:,} page words" if entries else "no page array"
    sim = load(entries)
    sim.run(steps=20_000)
    m = sim.machine
    saves: list[tuple[float, float]] = []
    restores: list[tuple[float, float]] = []
    blob = checkpoint.save(m)
    for _ in range(20):
        with Timer(saves):
            blob = checkpoint.save(m)
        with Timer(restores):
            checkpoint.restore_into(m, blob)
    print(f"[{label}] checkpoint {len(blob) / 1024:.0f} KiB")
    print_latency(f"[{label}] checkpoint save", saves)
    print_latency(f"[{label}] checkpoint restore", restores)

    t0 = time.perf_counter()
    sim.run(steps=n_events - sim.event)
    dt = time.perf_counter() - t0
    print(
        f"[{label}] history of {sim.event:,} events: {sim.history_bytes() / sim.event:.1f} "
        f"bytes/event, built at {(n_events - 20_000) / dt:,.0f} events/s"
    )
    gc.collect()
    held: list[tuple[float, float]] = []
    for _ in range(samples):
        with Timer(held):
            sim.back(1)
    print_latency(f"[{label}] back(1) held at the end, {samples}x", held)
    rng = random.Random(1)
    gotos: list[tuple[float, float]] = []
    backs: list[tuple[float, float]] = []
    for _ in range(samples):
        target = rng.randrange(1, sim.recorded)
        with Timer(gotos):
            sim.goto(target)
        with Timer(backs):
            sim.back(1)
    print_latency(f"[{label}] goto random point, {samples}x", gotos)
    print_latency(f"[{label}] back(1) right after each goto", backs)
    print(
        f"[{label}] after these: {sim.history_bytes() / sim.recorded:.1f} bytes/event, "
        f"dense cache {len(sim.dense)} checkpoints"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--entries", type=int, default=262_144, help="page words (262,144 = 1 GiB)")
    ap.add_argument("--events", type=int, default=200_000, help="history size")
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    measure(0, args.events, args.samples)
    measure(args.entries, args.events, args.samples)


if __name__ == "__main__":
    main()
