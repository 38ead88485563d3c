"""Benchmark: one step plus a full frame with 1,000 tasks at 160x50.

Generates a temporary scenario (2 CPUs, 1000 tasks ``loop { run 5ms }``),
runs the app headless (``run_test(size=(160, 50))``), and times, per step:
`SimController.step`, the snapshot (model side), the push into every
pane, the message processing, and the compositor's paint of what changed. Prints median and
p95 in ms. Target: <= 16 ms.

Run:  .venv/bin/python benchmarks/bench_ui.py [--steps N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import ktui.sim
from ktui.app import KtuiApp

NTASKS = 1000


def scenario_toml(ntasks: int = NTASKS) -> str:
    """The benchmark scenario as TOML text."""
    head = (
        '[scenario]\nname = "bench-ui"\ndescription = "UI benchmark: 1000 CPU hogs"\nseed = 1\n\n'
        "[machine]\ncpus = 2\n"
    )
    tasks = "".join(
        f'\n[[task]]\nname = "hog{i:04d}"\nprogram = ["loop {{", "run 5ms", "}}"]\n'
        for i in range(ntasks)
    )
    return head + tasks


async def measure(path: str, steps: int, size: tuple[int, int]) -> tuple[list[float], list[float]]:
    sim = ktui.sim.load(path)
    sim.run(until_ns=20_000_000)  # every task forked and queued
    app = KtuiApp(sim)
    frame: list[float] = []
    model: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for _ in range(5):  # warm up caches
            app.ctl.step(1)
            app.refresh_screens()
            await pilot.pause()
        for _ in range(steps):
            t0 = time.perf_counter()
            app.ctl.step(1)
            app.ctl.snapshot()
            t1 = time.perf_counter()
            app.refresh_screens()
            # let every pane handle its new view, then paint the dirty
            # regions exactly as the screen's update timer does
            await pilot._wait_for_screen()
            app.screen._on_timer_update()
            t2 = time.perf_counter()
            await pilot.pause()  # idle between steps (not timed)
            model.append((t1 - t0) * 1000)
            frame.append((t2 - t0) * 1000)
    return frame, model


def p95(values: list[float]) -> float:
    """95th percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-ui.toml"
        path.write_text(scenario_toml())
        frame, model = asyncio.run(measure(str(path), args.steps, (160, 50)))
    print(f"{NTASKS} tasks, 160x50, {len(frame)} steps")
    print(f"  step+refresh+render: median {statistics.median(frame):.2f} ms  p95 {p95(frame):.2f} ms")
    print(f"  of which sim.step + sim.snapshot(): median {statistics.median(model):.2f} ms  p95 {p95(model):.2f} ms")
    print(f"  target <= 16 ms: {'OK' if statistics.median(frame) <= 16 else 'MISSED'}")


if __name__ == "__main__":
    main()
