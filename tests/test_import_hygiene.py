"""The model/UI wall: ktui.sim never imports textual or rich."""

from __future__ import annotations

import subprocess
import sys


def test_sim_imports_no_ui_library() -> None:
    """Loading and running a scenario through ktui.sim pulls in neither textual nor rich."""
    code = (
        "import sys, ktui.sim, ktui.sim.subsystems\n"
        "sim = ktui.sim.load('abba'); sim.run(); sim.back(2); sim.snapshot(); sim.report()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
