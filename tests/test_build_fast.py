"""The optional compiled core (`ktui.build_fast`): pure Python stays the
fallback, and a compiled build changes no byte of a run.

The comparisons of a compiled run with a pure one run only after
``python -m ktui.build_fast`` (they are skipped otherwise); the pure run is a
subprocess that loads the ``.py`` sources with `ktui.build_fast.force_pure`.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from ktui import build_fast
from ktui.sim.state import PlainState

COMPILED = bool(build_fast.compiled_in_use())
needs_build = pytest.mark.skipif(
    not COMPILED, reason="no compiled core (run python -m ktui.build_fast)"
)

_PURE = "import ktui.build_fast as b; b.force_pure()\n"


def _python(code: str, *args: str, pure: bool) -> str:
    out = subprocess.run(
        [sys.executable, "-c", (_PURE if pure else "") + code, *args],
        capture_output=True,
        text=True,
    )
    assert out.returncode in (0, 1) and not out.stderr, out.stderr  # 1: abba's deadlock
    return out.stdout


def test_fast_modules_exist() -> None:
    """Every module the build compiles is a source file of the tree (a rename
    or split must update FAST_MODULES)."""
    for rel in build_fast.FAST_MODULES:
        assert (build_fast.ROOT / rel).is_file(), rel
    assert build_fast.module_names()[0] == "ktui.sim.state"


def test_list_prints_the_modules(capsys: pytest.CaptureFixture[str]) -> None:
    assert build_fast.main(["--list"]) == 0
    assert capsys.readouterr().out.split() == list(build_fast.FAST_MODULES)


def test_running_never_imports_mypyc() -> None:
    """A run (and ``--version``) imports neither mypy nor mypyc, compiled or not."""
    code = (
        "import sys, ktui.sim, ktui.sim.subsystems\n"
        "from ktui.cli import _build_parser\n"
        "_build_parser()\n"
        "sim = ktui.sim.load('abba'); sim.run(); sim.back(2); sim.report()\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('mypy', 'mypyc'))))\n"
    )
    assert _python(code, pure=False).strip() == ""


def test_force_pure_loads_every_source() -> None:
    """force_pure(): every compiled module comes from its .py (the fallback)."""
    code = (
        "import sys, ktui.sim.subsystems, ktui.sim.replay.timeline\n"
        "print(b.core_description())\n"
        "for n in b.module_names():\n"
        "    __import__(n); print(sys.modules[n].__file__)\n"
    )
    lines = _python(code, pure=True).splitlines()
    assert lines[0] == "pure-Python core"
    assert len(lines) == 1 + len(build_fast.FAST_MODULES)
    assert all(line.endswith(".py") for line in lines[1:])


def test_version_names_the_core() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ktui", "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("ktui ")
    assert ("compiled core: mypyc" in out) == COMPILED
    assert ("pure-Python core" in out) == (not COMPILED)


class _ToyState(PlainState):
    """A subsystem's state class defined outside ktui/ (as the toy subsystem
    test does): an interpreted subclass of PlainState, compiled or not."""

    __slots__ = ("count", "names")

    def __init__(self) -> None:
        self.count = 3
        self.names = ["a", "b"]


def test_interpreted_state_subclass_pickles() -> None:
    toy = _ToyState()
    assert _ToyState._state_slots == ("count", "names")
    back = pickle.loads(pickle.dumps(toy, protocol=pickle.HIGHEST_PROTOCOL))
    assert (back.count, back.names) == (3, ["a", "b"])


@needs_build
@pytest.mark.parametrize(
    "args",
    [["abba", "--trace", "--json"], ["cfs-nice", "--steps", "3000", "--trace", "--json"]],
)
def test_compiled_run_prints_what_pure_prints(args: list[str]) -> None:
    """`ktui run --trace --json` is byte-identical compiled and pure (the
    JSON holds the state_hash)."""
    code = "import sys\nfrom ktui.cli import main\nmain(['run', *sys.argv[1:]])\n"
    pure = _python(code, *args, pure=True)
    fast = _python(code, *args, pure=False)
    assert '"state_hash"' in pure and "sched_switch" in pure
    assert fast == pure


# Prints every checkpoint's digest and the state hash there; writes the
# checkpoints to argv[3]; with argv[4], restores the checkpoints pickled there
# (by the other kind of build) and prints their state hashes.
_CHECKPOINTS = """
import hashlib, pickle, sys
import ktui.sim
from ktui.sim.replay import checkpoint
sim = ktui.sim.load(sys.argv[1])
sim.run(steps=int(sys.argv[2]))
blobs = dict(sim.checkpoints)
blobs.setdefault(sim.event, checkpoint.save(sim.machine))  # the end, too
for i, blob in sorted(blobs.items()):
    sim.goto(i)
    print("ckpt", i, hashlib.sha256(blob).hexdigest()[:16], sim.state_hash())
with open(sys.argv[3], "wb") as f:
    pickle.dump(blobs, f)
if len(sys.argv) > 4:
    with open(sys.argv[4], "rb") as f:
        theirs = pickle.load(f)
    for i, blob in sorted(theirs.items()):
        print("restored", i, checkpoint.state_hash(checkpoint.restore(blob, sim.cfg)))
"""


@needs_build
@pytest.mark.parametrize("name,steps", [("abba", 100), ("cfs-nice", 5000)])
def test_checkpoints_identical_compiled_and_pure(tmp_path: Path, name: str, steps: int) -> None:
    """state_hash agrees at every checkpoint compiled and pure, and each build
    restores the other's checkpoints to the same state. (The pickles' bytes
    may differ: where compiled code boxes a native tuple twice, pickle's memo
    sees two equal objects where Python had one; the state is the same.)"""
    pure_file, fast_file = str(tmp_path / "pure.ckpt"), str(tmp_path / "fast.ckpt")
    pure = _python(_CHECKPOINTS, name, str(steps), pure_file, pure=True)
    fast = _python(_CHECKPOINTS, name, str(steps), fast_file, pure_file, pure=False)
    ckpts = [line.split() for line in pure.splitlines()]
    assert len(ckpts) >= 2
    fast_ckpts = [line.split() for line in fast.splitlines() if line.startswith("ckpt")]
    assert [(c[1], c[3]) for c in fast_ckpts] == [(c[1], c[3]) for c in ckpts]
    own = {c[1]: c[3] for c in ckpts}
    restored_in_fast = {r[1]: r[2] for r in map(str.split, fast.splitlines()) if r[0] == "restored"}
    assert restored_in_fast == own
    back = _python(_CHECKPOINTS, name, str(steps), pure_file, fast_file, pure=True)
    restored_in_pure = {r[1]: r[2] for r in map(str.split, back.splitlines()) if r[0] == "restored"}
    assert restored_in_pure == own


def test_pure_without_mypy_extensions() -> None:
    """Without the [fast] extra (no mypy_extensions to import), the pure core
    runs: state.py's mypyc_attr falls back to a no-op decorator."""
    code = (
        "import sys\n"
        "sys.modules['mypy_extensions'] = None  # import raises ImportError\n"
        "import ktui.build_fast as b; b.force_pure()\n"
        "import ktui.sim\n"
        "sim = ktui.sim.load('abba'); sim.run(); print(sim.status)\n"
    )
    assert _python(code, pure=False).strip() == "deadlock"


def test_a_compiled_package_has_every_module_compiled() -> None:
    """mypyc (2.4) gives a compiled package's __init__ a __path__ under the
    group library's directory, where no submodule is found: a package in
    FAST_MODULES must have all its modules in the list too."""
    from pathlib import Path

    listed = set(build_fast.FAST_MODULES)
    for init in (m for m in listed if m.endswith("/__init__.py")):
        pkg = Path(build_fast.ROOT) / init.removesuffix("__init__.py")
        for py in sorted(pkg.glob("*.py")):
            rel = str(py.relative_to(build_fast.ROOT))
            assert rel in listed, f"{rel} is in compiled package {init} but not in FAST_MODULES"
