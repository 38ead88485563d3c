"""What big array-backed subsystem state costs the history. Prints figures; asserts nothing.

    python benchmarks/bench_big_state.py [--entries 262144] [--events 200000] [--samples 200]

Memory will hold a ``struct page`` per frame: a 1 GiB machine has 262,144
pages. This puts ENTRIES words in ``Machine.ext`` (as a memory subsystem's
state would be), with a toy pending-work kind that writes 16 neighbouring
ones (a random place each time) every 4 simulated ms (one ``bench_page_touch`` event), on top of
the `bench-cpu` scenario. For no array, a plain ``array('Q')`` (checkpointed
whole) and a `ChunkedArray` (checkpointed by changed chunk):

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
import statistics
import sys
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_sim import Timer, print_latency, seek_latencies  # noqa: E402

import ktui.sim  # noqa: E402
from ktui.sim import subsystems  # noqa: E402
from ktui.sim.core.subsystem import Subsystem  # noqa: E402
from ktui.sim.machine import PRIO_IRQ, Machine, register_kind  # noqa: E402
from ktui.sim.replay import checkpoint  # noqa: E402
from ktui.sim.replay.chunked import ChunkedArray  # noqa: E402
from ktui.sim.trace import define_event  # noqa: E402

EV_TOUCH = define_event("bench_page_touch", "ktui", ("first", "int"))
TOUCH_NS = 4_000_000
TOUCHES = 16


def _touch(m: Machine, a: int, _b: int) -> bool:
    pages = m.ext["bench_pages"]
    assert isinstance(pages, (array, ChunkedArray))
    n = len(pages)
    first = (a * 7919) % n
    for k in range(TOUCHES):
        pages[(first + k) % n] += 1
    m.emit(EV_TOUCH, 0, 0, first)
    m.push(m.now + TOUCH_NS, PRIO_IRQ, K_TOUCH, a + 1, 0)
    return True


K_TOUCH = register_kind("bench_page_touch", _touch)

KIND = {"entries": 0, "chunked": 0}
"""What the boot hook adds: `entries` words, chunked or not."""


def _boot_pages(m: Machine) -> None:
    n = KIND["entries"]
    if not n:
        return
    m.ext["bench_pages"] = (
        ChunkedArray("bench.pages", "Q", n) if KIND["chunked"] else array("Q", bytes(8 * n))
    )
    m.push(TOUCH_NS, PRIO_IRQ, K_TOUCH, 0, 0)


subsystems.register(Subsystem(name="bench-pages", boot=_boot_pages))


def measure(entries: int, chunked: bool, n_events: int, samples: int) -> None:
    """Print the checkpoint cost, history size and latencies for one kind of state."""
    KIND["entries"], KIND["chunked"] = entries, int(chunked)
    label = "no page array"
    if entries:
        label = f"{entries:,} words, {'ChunkedArray' if chunked else 'plain array'}"
    sim = ktui.sim.load("bench-cpu")
    sim.run(steps=20_000)
    m = sim.machine
    store = sim.hist.chunks
    saves: list[tuple[float, float]] = []
    restores: list[tuple[float, float]] = []
    sizes: list[int] = []
    held_refs: list[int] = []
    checkpoint.save(m, store, held_refs)  # the changes since the last sparse checkpoint
    for _ in range(20):
        sim.step(64)  # a dense interval of change between checkpoints
        store.new_bytes = 0
        with Timer(saves):
            blob = checkpoint.save(m, store, held_refs)
        sizes.append(len(blob) + store.new_bytes)
        sim.step(64)
        with Timer(restores):
            checkpoint.restore_into(m, blob, store)
    store.release(held_refs)
    print(f"[{label}] checkpoint 64 events after the last: median {statistics.median(sizes) / 1024:.0f} KiB stored")
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
    seek_latencies(sim, samples, random.Random(1), f"[{label}] ")
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
    measure(0, False, args.events, args.samples)
    measure(args.entries, False, args.events, args.samples)
    measure(args.entries, True, args.events, args.samples)


if __name__ == "__main__":
    main()
