"""The ``ktui`` command.

``ktui [SCENARIO]`` opens the terminal debugger (default scenario: ``abba``);
``ktui run`` runs headless and prints a summary, the trace or JSON;
``ktui check`` validates; ``ktui list`` lists the built-in scenarios;
``ktui render`` prints a screen or pane at a position without a terminal.
Every input error is one message on stderr and exit status 2; ``ktui run``'s
exit status says how the run ended (`EXIT_CODES`), so a script can tell a
deadlock or a kernel WARNING from a clean finish.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from ktui import __version__
from ktui.sim.errors import CommandError, KtuiError

if TYPE_CHECKING:
    from ktui.sim.replay.timeline import Simulator

DEFAULT_SCENARIO = "abba"
DEFAULT_MAX_EVENTS = 1_000_000
SUBCOMMANDS = ("run", "check", "list", "render", "litmus")
MAX_LITMUS_RUNS: Final = 1_000_000

EXIT_FINISHED: Final = 0
"""The run finished: no more work, no kernel BUG/WARNING."""
EXIT_FAILED: Final = 1
"""A deadlock, or the kernel log has a BUG or WARNING (wins over 3 and 4)."""
EXIT_USAGE: Final = 2
"""Bad input: command line, scenario file, breakpoint expression, position."""
EXIT_BREAKPOINT: Final = 3
"""The run stopped at a breakpoint."""
EXIT_LIMIT: Final = 4
"""The run stopped at the event limit (--steps, the default 1,000,000) or --until."""

EXIT_CODES_HELP: Final = f"""\
exit status of 'ktui run':
  {EXIT_FINISHED}  finished (no more work, no kernel BUG/WARNING)
  {EXIT_FAILED}  deadlock, simulator livelock, or a kernel BUG/WARNING was logged (wins over 3 and 4)
  {EXIT_USAGE}  bad input (command line, scenario, breakpoint, --back/--goto range)
  {EXIT_BREAKPOINT}  stopped at a breakpoint
  {EXIT_LIMIT}  stopped at the event limit (--steps, default {DEFAULT_MAX_EVENTS}) or --until
"""


class _Parser(argparse.ArgumentParser):
    """argparse that reports errors as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="ktui",
        description="Terminal visual debugger for the Linux kernel, over a "
        "deterministic, reversible simulator.",
        epilog="Run 'ktui SCENARIO' (a .toml path or a built-in name) in a terminal to open\n"
        "the debugger; 'ktui list' shows the built-ins; 'ktui run SCENARIO' needs no terminal.\n\n"
        + EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    from ktui.build_fast import core_description

    p.add_argument(
        "--version", action="version", version=f"ktui {__version__} ({core_description()})"
    )
    sub = p.add_subparsers(dest="command", metavar="{run,check,list,render,litmus}")

    run = sub.add_parser(
        "run",
        help="run a scenario headless and print the result",
        description="Run a scenario headless to its end, a deadlock, a breakpoint or a limit; "
        "then print a summary (or --json, --trace).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    run.add_argument("scenario", help="a .toml path or a built-in scenario name")
    run.add_argument(
        "--steps", type=int, metavar="N", help="run at most N events (default 1000000 without --until)"
    )
    run.add_argument("--until", metavar="TIME", help="stop at this simulated time (e.g. 5ms)")
    run.add_argument(
        "--break",
        dest="breaks",
        action="append",
        default=[],
        metavar="EXPR",
        help="add a breakpoint (repeatable), e.g. 'lock_acquire lock=B comm=t2'",
    )
    run.add_argument("--back", type=int, metavar="M", help="after the run, step back M events")
    run.add_argument("--goto", type=int, metavar="N", help="after the run, go to event N")
    run.add_argument("--json", action="store_true", help="print one JSON object")
    run.add_argument("--trace", action="store_true", help="print every event, ftrace style")
    run.add_argument(
        "--proc",
        action="append",
        default=[],
        metavar="FILE",
        help="after the run, print a /proc file instead of the summary: PID/sched or sched_debug (repeatable)",
    )
    run.add_argument(
        "--no-history", action="store_true", help="run without time travel (faster, no --back/--goto)"
    )

    check = sub.add_parser("check", help="validate a scenario")
    check.add_argument("scenario")

    sub.add_parser("list", help="list the built-in scenarios")

    litmus = sub.add_parser(
        "litmus",
        help="run a litmus test ([litmus] table) under many seeds and count its outcomes",
        description="Run a scenario with a [litmus] table once per seed (seed, seed+1, ...) "
        "and print the outcomes as litmus7 does: the histogram of final register values, "
        "the witnesses of the exists clause and the observation (Never/Sometimes/Always).",
    )
    litmus.add_argument("scenario")
    litmus.add_argument("--runs", type=int, default=1000, metavar="N", help="runs (default 1000)")
    render = sub.add_parser("render", help="print the screen (or one pane) at a position")
    render.add_argument("scenario")
    render.add_argument("--at", metavar="EVENT|TIME", help="event index or time (e.g. 1234 or 5ms)")
    render.add_argument("--pane", metavar="NAME", help="only this pane")
    render.add_argument("--size", default="120x40", metavar="WxH", help="terminal size")
    render.add_argument("--svg", metavar="FILE", help="also write an SVG screenshot")
    return p


def _nonneg(name: str, value: int | None) -> None:
    if value is not None and value < 0:
        raise CommandError(f"{name} must be >= 0, not {value}")


def exit_status(status: str, levels: Sequence[str]) -> int:
    """The exit status of ``ktui run`` (see `EXIT_CODES_HELP`).

    Args:
        status: How the run stopped (`Simulator.status`).
        levels: The level of each kernel log message up to the run's stop
            (``BUG``, ``WARNING`` or ``INFO``).

    Returns:
        1 for a deadlock, a livelock or a BUG/WARNING, else 3 for a breakpoint, 4 for a
        limit, 0 for a finished run.
    """
    if status in ("deadlock", "livelock") or any(lv in ("BUG", "WARNING") for lv in levels):
        return EXIT_FAILED
    if status == "breakpoint":
        return EXIT_BREAKPOINT
    if status in ("limit", "paused"):
        return EXIT_LIMIT
    return EXIT_FINISHED


def _check_position(args: argparse.Namespace, sim: Simulator) -> None:
    """--back M and --goto N must land inside the recorded run."""
    if args.back is not None and args.back > sim.event:
        raise CommandError(
            f"--back {args.back}: the run stopped at event {sim.event}, so --back takes 0..{sim.event}"
        )
    if args.goto is not None and args.goto > sim.recorded:
        raise CommandError(
            f"--goto {args.goto}: past the end of the run; it recorded events 0..{sim.recorded}"
        )


def cmd_run(args: argparse.Namespace) -> int:
    """``ktui run``: run headless, then apply --back/--goto, then report.

    Returns:
        The exit status from `exit_status` for the run's stop.
    """
    import ktui.sim
    from ktui.progress import RunProgress
    from ktui.sim.snapshot import log_views
    from ktui.sim.trace import decode, format_line
    from ktui.sim.units import parse_duration

    _nonneg("--steps", args.steps)
    _nonneg("--back", args.back)
    _nonneg("--goto", args.goto)
    if args.no_history and (args.back is not None or args.goto is not None):
        raise CommandError("--back and --goto need history: drop --no-history")
    until_ns = None
    if args.until is not None:
        try:
            until_ns = parse_duration(args.until)
        except ValueError as exc:
            raise CommandError(f"--until: {exc}") from None
    sim = ktui.sim.load(args.scenario, history=not args.no_history)
    for expr in args.breaks:
        sim.add_breakpoint(expr)
    out = sys.stdout
    names = sim.cfg.names
    if args.trace and not sim.history:
        counter = [sim.event]

        def sink(rec: tuple[int, ...]) -> None:
            counter[0] += 1
            out.write(format_line(decode(counter[0], rec, names)) + "\n")

        sim.cfg.sink = sink
    steps = args.steps
    if steps is None and until_ns is None:
        steps = DEFAULT_MAX_EVENTS  # scenarios with `loop { }` never end by themselves
    progress = RunProgress.for_stderr(sim, steps, until_ns)
    try:
        sim.run(steps=steps, until_ns=until_ns, should_stop=progress.poll if progress else None)
    finally:
        if progress is not None:
            progress.close()
    if sim.status == "limit" and args.steps is None and until_ns is None:
        sim.stop.reason = f"default limit of {DEFAULT_MAX_EVENTS} events (set --steps or --until)"
    sim.cfg.sink = None
    code = exit_status(sim.status, [e.level for e in log_views(sim.machine)])
    _check_position(args, sim)
    if args.trace and sim.history:
        reader = sim.trace_reader()
        for i in range(1, sim.event + 1):
            out.write(reader.line(i) + "\n")
    stop = sim.stop
    if args.back is not None:
        sim.back(args.back)
    if args.goto is not None:
        sim.goto(args.goto)
    if args.back is not None or args.goto is not None:
        sim.stop = stop.__class__(stop.status, stop.reason)
    if args.proc:
        out.write(proc_files(sim.snapshot(), args.proc))
        return code
    report = sim.report()
    if args.json:
        out.write(json.dumps(report, indent=2) + "\n")
    else:
        from ktui.summary import print_summary

        print_summary(report, file=out)
    return code


def proc_files(snap: object, names: Sequence[str]) -> str:
    """The text of each ``--proc`` file at the snapshot's position.

    Raises:
        CommandError: an unknown file or pid (nothing is printed then).
    """
    from ktui.sim.kernel.sched.debug import proc_sched_show_task, sched_debug_show
    from ktui.sim.snapshot import MachineSnapshot

    assert isinstance(snap, MachineSnapshot)
    tasks = {t.pid: t for t in snap.tasks}
    parts = []
    for name in names:
        if name.strip("/").removeprefix("proc/") == "sched_debug":
            jiffies = snap.time_ns * snap.hz // 1_000_000_000
            parts.append(sched_debug_show(snap.sched, snap.kernel, snap.time_ns, jiffies))
            continue
        pid_s, _, leaf = name.strip("/").removeprefix("proc/").partition("/")
        if leaf != "sched" or not pid_s.isdigit() or len(pid_s) > 6:
            raise CommandError(f"--proc {name!r}: expected PID/sched or sched_debug, e.g. --proc 1/sched")
        pid = int(pid_s)
        if pid not in tasks:
            known = ", ".join(str(p) for p in sorted(tasks)) or "none yet"
            raise CommandError(f"--proc {name!r}: no task with pid {pid} (pids: {known})")
        parts.append(proc_sched_show_task(tasks[pid]))
    return "".join(parts)


def cmd_check(args: argparse.Namespace) -> int:
    """``ktui check``: load and validate only."""
    import ktui.sim

    sim = ktui.sim.load(args.scenario)
    sc = sim.scenario
    print(
        f"{sc.path}: ok: scenario {sc.name!r}, {sc.machine.cpus} CPUs, "
        f"{len(sc.tasks)} tasks, {len(sc.locks)} locks, kernel {sc.machine.kernel}"
    )
    return 0


def cmd_list(_args: argparse.Namespace) -> int:
    """``ktui list``: the built-in scenarios with their descriptions."""
    from ktui.sim.scenario import builtin_description, builtin_names

    names = builtin_names()
    width = max(len(n) for n in names)
    for name in names:
        mark = "*" if name == DEFAULT_SCENARIO else " "
        print(f"{mark} {name:<{width}}  {builtin_description(name)}")
    return 0


def cmd_litmus(args: argparse.Namespace) -> int:
    """``ktui litmus``: the outcomes of a litmus test over many seeds."""
    from ktui.sim.hw.litmus.sweep import format_sweep, sweep
    from ktui.sim.scenario import load_scenario

    if not 1 <= args.runs <= MAX_LITMUS_RUNS:
        raise CommandError(f"--runs must be 1..{MAX_LITMUS_RUNS}, not {args.runs}")
    scenario = load_scenario(args.scenario)
    if "litmus" not in scenario.sections:
        raise CommandError(
            f"{scenario.path}: no [litmus] table; a litmus test declares its variables and "
            "its exists clause there (see docs/scenarios.md, Litmus tests)"
        )
    print(format_sweep(sweep(scenario, args.runs)))
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """``ktui render``: one screen or pane as text (and optionally SVG)."""
    import ktui.sim
    from ktui.render import parse_size, render_main

    size = parse_size(args.size)
    ktui.sim.load(args.scenario)  # validate before starting the app
    text = render_main(args.scenario, args.at, args.pane, size, args.svg)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def _open_app(scenario: str) -> int:
    import ktui.sim

    ktui.sim.load(scenario)  # report a bad scenario before the screen is taken
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        which = "stdin" if not sys.stdin.isatty() else "stdout"
        raise CommandError(
            f"the interactive debugger needs a terminal, and {which} is not one; "
            f"without a terminal use 'ktui run {scenario}' (summary, --json or --trace) "
            f"or 'ktui render {scenario}'"
        )
    from ktui.app import run_app

    return run_app(scenario)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ktui`` console script."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        if not args_list or (args_list[0] not in SUBCOMMANDS and not args_list[0].startswith("-")):
            if len(args_list) > 1:
                _build_parser().error(f"unexpected arguments after the scenario: {args_list[1:]}")
            return _open_app(args_list[0] if args_list else DEFAULT_SCENARIO)
        args = _build_parser().parse_args(args_list)
        if args.command is None:
            return _open_app(DEFAULT_SCENARIO)
        handler = {
            "run": cmd_run,
            "check": cmd_check,
            "list": cmd_list,
            "render": cmd_render,
            "litmus": cmd_litmus,
        }
        return handler[args.command](args)
    except KtuiError as exc:
        sys.stderr.write(f"ktui: error: {exc}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
