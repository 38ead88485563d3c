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
    python -m ktui.build_fast --status   # which core ktui uses (as ktui --version)

Python prefers an extension module to a ``.py`` of the same name, so after a
build ``import ktui.sim.machine`` loads the compiled one; after ``--clean``
it loads the source again. Nothing imports mypyc at run time. Rebuild (or
clean) after editing any of these modules: a stale ``.so`` hides the edit.

Which modules: the ones a cProfile of ``benchmarks/bench_sim.py``'s
bench-cpu run spends its time in (the step loop, the scheduler core and
fair class, the CPU, the tick, the timeline, checkpoints, the locks),
and the modules of the state classes they touch. Those must be compiled
too: compiled code reads an interpreted object's attributes by name, slower
than the interpreter's own slot access (compiling the scheduler alone makes
a run twice as slow). The state classes become mypyc native classes, which
needs three things of the source, all no-ops in Python:

- ``__slots__: Final = (...)``: mypyc drops a plain ``__slots__`` from a
  native class, and `ktui.sim.state.PlainState` (pickling) and
  `ktui.sim.replay.checkpoint.canonical` (state_hash) read the slot order
  from it. ``Final`` makes mypyc keep it as a class attribute.
- ``@mypyc_attr(serializable=True)`` on PlainState and Machine: unpickling
  makes an instance without calling ``__init__`` (as Python does), through
  the ``__getstate__``/``__setstate__`` defined in Python.
- ``@mypyc_attr(allow_interpreted_subclasses=True)`` on each state class:
  state classes defined outside the compiled modules (tests, new subsystems)
  subclass PlainState; and mypyc only runs ``__init__`` from a call in
  interpreted code (``TaskStruct(...)`` in a test) for a serializable class
  that allows interpreted subclasses.
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
package so that the editable install's import hook finds it. (mypyc then
gives a compiled package's ``__init__`` a ``__path__`` under this directory,
which finds no uncompiled submodule: compile a package whole, as
tests/test_build_fast.py checks.)"""

FAST_MODULES: tuple[str, ...] = (
    "ktui/sim/state.py",
    "ktui/sim/machine.py",
    "ktui/sim/include/linux/sched/__init__.py",
    "ktui/sim/include/linux/sched/prio.py",
    "ktui/sim/include/linux/percpu.py",
    "ktui/sim/include/linux/preempt.py",
    "ktui/sim/kernel/sched/sched.py",
    "ktui/sim/kernel/sched/timeline.py",
    "ktui/sim/kernel/sched/entity.py",
    "ktui/sim/kernel/sched/fair.py",
    "ktui/sim/kernel/sched/idle.py",
    # Every class instance in classes.py's compiled SCHED_CLASSES tuple must
    # come from a compiled module: mypyc refuses an interpreted subclass there.
    "ktui/sim/kernel/sched/stop_task.py",
    "ktui/sim/kernel/sched/rt.py",
    "ktui/sim/kernel/sched/deadline.py",
    "ktui/sim/kernel/sched/o1.py",
    "ktui/sim/kernel/sched/classes.py",
    "ktui/sim/kernel/sched/core.py",
    "ktui/sim/hw/cpu.py",
    "ktui/sim/kernel/time/tick.py",
    "ktui/sim/replay/timeline.py",
    "ktui/sim/replay/history.py",
    "ktui/sim/kernel/locking/lock.py",
    "ktui/sim/kernel/locking/mutex.py",
    "ktui/sim/kernel/locking/spinlock.py",
    "ktui/sim/kernel/locking/deadlock.py",
)
"""Source files compiled, relative to the repository root. Not trace.py: tests
subclass its `Names`, and compiling it gains nothing measurable."""


def module_names() -> list[str]:
    """The dotted names of `FAST_MODULES`."""
    return [_dotted(m) for m in FAST_MODULES]


def _dotted(path: str) -> str:
    """``a/b/c.py`` -> ``a.b.c``; a package's ``a/b/__init__.py`` -> ``a.b``."""
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


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
            if spec is None and name in sys.modules:  # imported by its parent just now
                origin = getattr(sys.modules[name], "__file__", None)
        if origin and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            found.append(name)
    return found


def stale_modules() -> list[str]:
    """Compiled modules whose ``.py`` changed after the build (the edit is hidden)."""
    stale = []
    for path in compiled_files():
        src = path.parent / (path.name.split(".")[0] + ".py")
        if src.exists() and src.stat().st_mtime > path.stat().st_mtime:
            stale.append(str(src.relative_to(ROOT)))
    return stale


def core_description() -> str:
    """One phrase for ``ktui --version``: which simulator core is in use."""
    compiled = compiled_in_use()
    if not compiled:
        return "pure-Python core"
    n, total = len(compiled), len(FAST_MODULES)
    text = f"compiled core: mypyc, {n} of {total} modules"
    stale = stale_modules()
    if stale:
        text += f"; STALE, edited since the build: {', '.join(stale)} (rerun python -m ktui.build_fast)"
    return text


class _PureFinder(importlib.abc.MetaPathFinder):
    """Loads `FAST_MODULES` from their ``.py`` sources even when compiled."""

    def __init__(self) -> None:
        self.names = set(module_names()) | set(_built_module_names())

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self.names:
            return None
        base = ROOT / fullname.replace(".", "/")
        if (base / "__init__.py").exists():  # a package: its __init__, and its path
            return importlib.util.spec_from_file_location(
                fullname, base / "__init__.py", submodule_search_locations=[str(base)]
            )
        return importlib.util.spec_from_file_location(fullname, base.with_suffix(".py"))


def _built_module_names() -> list[str]:
    """Modules with a compiled file in the tree (whatever list built them)."""
    names = []
    for path in compiled_files():
        rel = path.relative_to(ROOT)
        stem = rel.name.split(".")[0]
        if not stem.endswith("__mypyc"):  # the shared library, not a module
            parts = rel.parent.parts if stem == "__init__" else (*rel.parent.parts, stem)
            names.append(".".join(parts))
    return names


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
