"""ktui/sim/commands.py: SetNice is set_user_nice() with the kernel's weights;
commands are journaled, cut off the recorded future, and kinds register
without editing the core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

import ktui.sim
from ktui.sim.commands import COMMANDS, Command, SetNice, register_command, unregister_command
from ktui.sim.errors import CommandError
from ktui.sim.machine import Machine
from ktui.sim.replay.history import CHECKPOINT_INTERVAL
from ktui.sim.trace import RegistrationError, define_event, undefine_event


def test_set_nice_reweights_a_queued_task_with_the_kernel_weights() -> None:
    """nice0 -> nice 10: se.load = scale_load(sched_prio_to_weight[30]) = 110 << 10.

    cfs-nice has nice 0, 5 and 10 on one CPU; all three stay queued (curr
    included), so cfs_rq->load.weight becomes (110 + 335 + 110) << 10 and
    se.inv_weight sched_prio_to_wmult[30] = 39045157.
    """
    sim = ktui.sim.load("cfs-nice")
    sim.step(200)
    before = sim.event
    sim.apply(SetNice(1, 10))
    task = sim.machine.tasks[1]
    assert task.nice == 10 and task.static_prio == 130 and task.prio == task.normal_prio == 130
    assert task.se.load_weight == 110 << 10 and task.se.inv_weight == 39045157
    assert sim.machine.rqs[0].cfs.load_weight == (110 + 335 + 110) << 10
    assert sim.event == before + 1
    ev = sim.last_event()
    assert ev is not None and ev.name == "sched_set_user_nice"
    assert (ev.fields["pid"], ev.fields["old_nice"], ev.fields["nice"]) == (1, 0, 10)
    assert sim.journal() == ((before, SetNice(1, 10)),)


def test_set_nice_changes_the_cpu_shares() -> None:
    """Renicing nice10 to -5 (weight 3121 vs 1024 and 335) makes it the biggest runner."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(50)
    sim.apply(SetNice(3, -5))
    sim.run(until_ns=sim.time_ns + 1_000_000_000)
    rt = {pid: sim.machine.tasks[pid].se.sum_exec_runtime for pid in (1, 2, 3)}
    assert rt[3] > rt[1] > rt[2]


def test_bad_commands_change_nothing() -> None:
    """Out-of-range nice or an unknown pid: CommandError, no event, no journal entry."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(100)
    h = sim.state_hash()
    with pytest.raises(CommandError, match="out of range"):
        sim.apply(SetNice(1, 20))
    with pytest.raises(CommandError, match="no task"):
        sim.apply(SetNice(99, 0))
    assert sim.state_hash() == h and sim.event == 100 and sim.journal() == ()


def test_a_command_after_stepping_back_cuts_off_the_recorded_future() -> None:
    """Trace, checkpoints, end and later commands after the position are forgotten."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(100)
    sim.apply(SetNice(2, 0))  # journaled at 100
    sim.step(3 * CHECKPOINT_INTERVAL)
    sim.goto(50)
    sim.apply(SetNice(1, 19))  # at 50: the command at 100 is gone too
    assert sim.recorded == sim.event == 51
    assert sorted(sim.checkpoints) == [0]
    assert sim.end is None
    assert sim.journal() == ((50, SetNice(1, 19)),)
    # the journal is part of the snapshot and the report, so what-if input shows
    assert sim.snapshot().journal == ((50, "set_nice pid=1 nice=19"),)
    assert sim.report()["journal"] == [{"at": 50, "command": "set_nice pid=1 nice=19"}]
    assert sim.trace_reader().event(51).name == "sched_set_user_nice"
    fresh = ktui.sim.load("cfs-nice")
    fresh.step(50)
    fresh.apply(SetNice(1, 19))
    sim.step(2000)
    fresh.step(2000)
    assert sim.state_hash() == fresh.state_hash()


def test_a_subsystem_registers_its_own_command_kind() -> None:
    """A command class registered from outside ktui/ runs through apply and replay."""
    eid = define_event("toy_poke", "ktui", ("value", "int"))

    @register_command
    @dataclass(frozen=True, slots=True)
    class Poke(Command):
        name: ClassVar[str] = "toy_poke"
        value: int

        def execute(self, m: Machine) -> None:
            m.emit(eid, 0, 0, self.value)

    try:
        assert COMMANDS["toy_poke"] is Poke
        with pytest.raises(RegistrationError):
            register_command(Poke)
        sim = ktui.sim.load("cfs-nice")
        sim.step(10)
        sim.apply(Poke(7))
        sim.step(1500)
        h = sim.state_hash()
        sim.goto(5)
        sim.goto(1511)
        assert sim.state_hash() == h
        assert sim.event_at(11).name == "toy_poke" and sim.event_at(11).fields["value"] == 7
    finally:
        unregister_command("toy_poke")
        undefine_event("toy_poke")
