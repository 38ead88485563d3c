"""``python -m ktui.build_fast``: compile the simulator's hot path with mypyc.

Optional. ktui is pure Python and runs unchanged without this; the compiled
modules (``.so`` files next to their ``.py`` sources, plus one shared
library ``ktui/sim/_fast__mypyc*.so``) only make the simulator faster. It
needs the ``fast`` extra (``pip install -e '.[fast]'``: mypy, which ships
mypyc), a C compiler and the Python headers, and an editable install (the
``.so`` files are written into the source tree).

    python -m ktui.build_fast            # compile FAST_MODULES in place
    python -m ktui.build_fast --clean    # remove the compiled files again
    python -m ktui.build_fast --list     # print the modules it compiles

Python prefers an extension module to a ``.py`` of the same name, so after a
build ``import ktui.sim.machine`` loads the compiled one; after ``--clean``
it loads the source again. Nothing imports mypyc at run time. Rebuild (or
clean) after editing any of these modules: a stale ``.so`` hides the edit.

Which modules: the ones a cProfile of ``benchmarks/bench_sim.py``'s
bench-cpu run spends its time in (the step loop, the scheduler core and
fair class, the CPU, the tick, the trace log, the timeline and checkpoints).
Modules whose classes are the machine state (`ktui.sim.state.PlainState`
and its subclasses, `ktui.sim.machine.Machine`) stay interpreted: their
pickling builds on slot descriptors and ``__init_subclass__``, which native
(compiled) classes do not have, and keeping them interpreted keeps the
checkpoints byte-for-byte the same compiled or not.
"""

from __future__ import annotations

import argparse
import importlib.abc
import importlib.machinery
import importlib.util
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
GROUP = "ktui.sim._fast"
"""mypyc's shared library: ``ktui/sim/_fast__mypyc<suffix>``, inside the
package so that the editable install's import hook finds it."""

FAST_MODULES: tuple[str, ...] = (
    "ktui/sim/state.py",
    "ktui/sim/machine.py",
    "ktui/sim/include/linux/sched.py",
    "ktui/sim/include/linux/percpu.py",
    "ktui/sim/include/linux/preempt.py",
    "ktui/sim/kernel/sched/sched.py",
    "ktui/sim/kernel/sched/fair.py",
    "ktui/sim/kernel/sched/core.py",
    "ktui/sim/hw/cpu.py",
    "ktui/sim/kernel/time/tick.py",
    "ktui/sim/replay/timeline.py",
)
"""Source files compiled, relative to the repository root."""


def module_names() -> list[str]:
    """The dotted names of `FAST_MODULES`."""
    return [m.removesuffix(".py").replace("/", ".") for m in FAST_MODULES]


def compiled_in_use() -> list[str]:
    """Which of `FAST_MODULES` are (or, when imported, will be) the compiled ones.

    Cheap: a module not imported yet is only looked up, not imported.
    """
    found = []
    for name in module_names():
        mod = sys.modules.get(name)
        origin = getattr(mod, "__file__", None) if mod is not None else None
        if mod is None:
            try:
                spec = importlib.util.find_spec(name)
            except ImportError:
                continue
            origin = spec.origin if spec is not None else None
        if origin and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            found.append(name)
    return found


def core_description() -> str:
    """One phrase for ``ktui --version``: which simulator core is in use."""
    compiled = compiled_in_use()
    if not compiled:
        return "pure-Python core"
    n, total = len(compiled), len(FAST_MODULES)
    return f"compiled core: mypyc, {n} of {total} modules"


class _PureFinder(importlib.abc.MetaPathFinder):
    """Loads `FAST_MODULES` from their ``.py`` sources even when compiled."""

    def __init__(self) -> None:
        self.names = set(module_names())

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.names:
            return None
        return importlib.util.spec_from_file_location(
            fullname, ROOT / (fullname.replace(".", "/") + ".py")
        )


def force_pure() -> None:
    """Make the rest of this process import the pure-Python modules (for tests
    that compare a compiled run with a pure one). Call before importing ktui.sim."""
    loaded = [n for n in module_names() if n in sys.modules]
    if loaded:
        raise RuntimeError(f"force_pure: already imported: {', '.join(loaded)}")
    sys.meta_path.insert(0, _PureFinder())


def compiled_files() -> list[Path]:
    """Every compiled file a build leaves in the source tree."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    return sorted(p for p in PACKAGE_DIR.rglob("*") if p.name.endswith(suffixes))


def clean() -> list[Path]:
    """Remove the compiled files and the build directory; returns what was removed."""
    removed = compiled_files()
    for path in removed:
        path.unlink()
    build = ROOT / "build" / "mypyc"
    if build.exists():
        shutil.rmtree(build)
        removed.append(build)
    return removed


def build(modules: Sequence[str] = FAST_MODULES, *, verbose: bool = False) -> list[Path]:
    """Compile `modules` (paths relative to the root) in place; returns the new files.

    Raises:
        SystemExit: mypyc is not installed, or the build failed.
    """
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution
    except ImportError:
        raise SystemExit(
            "ktui.build_fast: mypyc is not installed: pip install -e '.[fast]'"
        ) from None
    clean()
    paths = [str(ROOT / m) for m in modules]
    target = ROOT / "build" / "mypyc"
    old_cwd = os.getcwd()
    # mypy reads its configuration from the root's pyproject.toml; setuptools
    # must not: it would take the [project] table as this build's metadata.
    # So the build runs in an empty directory, with the config named.
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            exts = mypycify(
                ["--config-file", str(ROOT / "pyproject.toml"), *paths],
                opt_level="3",
                target_dir=str(target),
                group_name=GROUP,
                verbose=verbose,
            )
            dist = Distribution({"name": "ktui-fast", "ext_modules": exts})
            cmd = dist.get_command_obj("build_ext")
            cmd.build_lib = str(ROOT)
            cmd.build_temp = str(target / "temp")
            cmd.inplace = False
            dist.verbose = verbose
            dist.run_command("build_ext")
        finally:
            os.chdir(old_cwd)
    return compiled_files()


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(
        prog="python -m ktui.build_fast",
        description="Compile the simulator's hot path with mypyc (optional; ktui runs without it).",
    )
    ap.add_argument("--clean", action="store_true", help="remove the compiled files")
    ap.add_argument("--list", action="store_true", help="print the modules compiled")
    ap.add_argument("--status", action="store_true", help="say which core ktui would use")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(FAST_MODULES))
        return 0
    if args.status:
        print(core_description())
        return 0
    if args.clean:
        for path in clean():
            print(f"removed {path.relative_to(ROOT)}")
        return 0
    files = build(verbose=args.verbose)
    for path in files:
        print(f"built {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
