"""A toy subsystem that lives in the tests folder: the proof that the seam is real.

Registering it (`ktui.sim.subsystems.register`) adds a scenario table, an op
that names the table's objects, a trace event, a snapshot view with its report
section, a breakpoint subject and a pane, with no edit under ``ktui/``.
"""
