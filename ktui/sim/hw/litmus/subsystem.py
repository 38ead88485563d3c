"""The litmus descriptor: store buffers, invalidate queues and the SMP
barrier ops (`ktui.sim.hw.litmus.store_buffer`)."""

from __future__ import annotations

from ktui.sim.core.subsystem import Subsystem
from ktui.sim.hw.litmus.store_buffer import litmus_boot
from ktui.sim.hw.litmus.table import parse_litmus, var_names_of
from ktui.sim.hw.litmus.view import litmus_report, litmus_view
from ktui.sim.ops import ObjectKind

SUBSYSTEM = Subsystem(
    name="litmus",
    title="Litmus",
    modules=("ktui.sim.hw.litmus.store_buffer", "ktui.sim.hw.litmus.barrier"),
    boot=litmus_boot,
    tables={"litmus": parse_litmus},
    objects={"var": ObjectKind("var", "litmus", var_names_of, "a variable from [litmus] vars")},
    view=litmus_view,
    report=litmus_report,
)
