"""Litmus mode: the store buffer / invalidate queue machine under the SMP
barriers, checked against tools/memory-model's verdicts for MP and SB."""

from __future__ import annotations

import pytest

from ktui.sim.errors import ScenarioError
from ktui.sim.hw.litmus.store_buffer import ACCESS_MAX_NS, INV_PROCESS_MAX_NS, SB_COMMIT_MAX_NS
from ktui.sim.hw.litmus.sweep import format_sweep, sweep
from ktui.sim.hw.litmus.view import LitmusView
from ktui.sim.replay.timeline import Simulator
from ktui.sim.scenario import load_scenario, parse_scenario_text

RUNS = 400


def litmus_text(p0: str, p1: str, exists: str, start1: str = "0ns", extra: str = "") -> str:
    return (
        '[scenario]\nname = "t"\nseed = 1\n[machine]\ncpus = 2\n'
        f'[litmus]\nvars = {{ x = 0, y = 0 }}\nexists = {exists}\n{extra}'
        f'[[task]]\nname = "P0"\ncpu = 0\nprogram = """\n{p0}\n"""\n'
        f'[[task]]\nname = "P1"\ncpu = 1\nstart = "{start1}"\nprogram = """\n{p1}\n"""\n'
    )


def observe(text: str, runs: int = RUNS) -> tuple[int, int]:
    res = sweep(parse_scenario_text(text, "t.toml"), runs)
    assert res.statuses == (("finished", runs),)
    return res.positive, res.negative


MP_EXISTS = '["P1:r0 = 1", "P1:r1 = 0"]'
SB_EXISTS = '["P0:r0 = 0", "P1:r1 = 0"]'


@pytest.mark.parametrize(
    ("wmb", "rmb", "allowed"),
    [("", "", True), ("smp_wmb", "", True), ("", "smp_rmb", True), ("smp_wmb", "smp_rmb", False)],
)
def test_message_passing_outcome_needs_both_barriers_to_be_forbidden(wmb: str, rmb: str, allowed: bool) -> None:
    """MP: herd7 on tools/memory-model says Sometimes for MP, MP+wmb+po and
    MP+po+rmb, Never for MP+wmb+rmb (litmus-tests/MP+pooncerelease... family)."""
    p0 = f"WRITE_ONCE x 1\n{wmb}\nWRITE_ONCE y 1"
    p1 = f"r0 = READ_ONCE y\n{rmb}\nr1 = READ_ONCE x"
    positive, negative = observe(litmus_text(p0, p1, MP_EXISTS, "50ns"))
    assert (positive > 0) is allowed and negative > 0


@pytest.mark.parametrize(("mb0", "mb1", "allowed"), [("", "", True), ("smp_mb", "", True), ("", "smp_mb", True), ("smp_mb", "smp_mb", False)])
def test_store_buffering_outcome_is_forbidden_only_with_smp_mb_on_both(mb0: str, mb1: str, allowed: bool) -> None:
    """SB: Sometimes without barriers or with one smp_mb (SB+mb+po), Never
    for SB+mbonceonces (both sides)."""
    p0 = f"WRITE_ONCE x 1\n{mb0}\nr0 = READ_ONCE y"
    p1 = f"WRITE_ONCE y 1\n{mb1}\nr1 = READ_ONCE x"
    positive, _negative = observe(litmus_text(p0, p1, SB_EXISTS))
    assert (positive > 0) is allowed


def test_smp_wmb_alone_does_not_order_the_stores_of_sb() -> None:
    """smp_wmb orders store against store only: SB+wmb+wmb stays Sometimes."""
    p0 = "WRITE_ONCE x 1\nsmp_wmb\nr0 = READ_ONCE y"
    p1 = "WRITE_ONCE y 1\nsmp_wmb\nr1 = READ_ONCE x"
    assert observe(litmus_text(p0, p1, SB_EXISTS))[0] > 0


@pytest.mark.parametrize(
    ("name", "observation"),
    [("litmus-mp", "Sometimes"), ("litmus-mp-wmb-rmb", "Never"), ("litmus-sb", "Sometimes"), ("litmus-sb-mb", "Never")],
)
def test_builtin_litmus_scenarios_give_the_memory_models_verdicts(name: str, observation: str) -> None:
    res = sweep(load_scenario(name), RUNS)
    assert res.observation == observation
    assert f"Observation {res.name} {observation} {res.positive} {res.negative}" in format_sweep(res)


def test_store_forwarding_a_cpu_reads_its_own_buffered_store() -> None:
    """A CPU sees its own store at once, before it commits (no other CPU does)."""
    text = litmus_text("WRITE_ONCE x 1\nr0 = READ_ONCE x", "r1 = READ_ONCE x", '["P0:r0 = 1"]')
    assert observe(text) == (RUNS, 0)


def test_coherence_two_reads_of_one_variable_never_go_backwards() -> None:
    """CoRR: after reading the second store to x, a later read never sees the first."""
    p0 = "WRITE_ONCE x 1\nWRITE_ONCE x 2"
    p1 = "r0 = READ_ONCE x\nr1 = READ_ONCE x"
    assert observe(litmus_text(p0, p1, '["P1:r0 = 2", "P1:r1 = 1"]', "30ns"))[0] == 0
    assert observe(litmus_text(p0, p1, '["P1:r0 = 1", "P1:r1 = 0"]', "30ns"))[0] == 0


def test_smp_mb_drains_the_store_buffer_and_queue_in_one_event() -> None:
    """smp_mb: every buffered store commits (in program order) and the
    invalidations already queued are applied; the event counts both."""
    text = litmus_text("WRITE_ONCE x 1\nWRITE_ONCE y 2\nsmp_mb\nr0 = READ_ONCE x", "run 1us", '["P0:r0 = 1"]')
    sim = Simulator(parse_scenario_text(text, "t.toml"))
    assert sim.run() == "finished"
    evs = [sim.event_at(i) for i in range(1, sim.recorded + 1)]
    mb = next(e for e in evs if e.name == "smp_mb")
    # the two stores wait up to SB_COMMIT_MAX_NS; the mb comes within two accesses
    assert 2 * ACCESS_MAX_NS < SB_COMMIT_MAX_NS
    committed_before = sum(1 for e in evs[: evs.index(mb)] if e.name == "store_commit")
    assert mb.fields["committed"] == 2 - committed_before
    view = sim.snapshot().sections["litmus"]
    assert isinstance(view, LitmusView)
    assert view.memory == (1, 2) and view.satisfied
    # P1's cache got both values through its invalidate queue, by the end
    assert view.cpus[1].cache == (1, 2) and view.cpus[1].invalidate_queue == ()
    assert INV_PROCESS_MAX_NS > 0


def test_report_section_and_state_hash_are_reproducible() -> None:
    text = litmus_text("WRITE_ONCE x 1\nr0 = READ_ONCE y", "WRITE_ONCE y 1\nr1 = READ_ONCE x", SB_EXISTS)
    a, b = (Simulator(parse_scenario_text(text, "t.toml")) for _ in range(2))
    a.run()
    b.run()
    ra, rb = a.report(), b.report()
    assert ra["litmus"] == rb["litmus"] and a.state_hash() == b.state_hash()
    lit = ra["litmus"]
    assert isinstance(lit, dict)
    assert [r["reg"] for r in lit["registers"]] in (["r0", "r1"], ["r1", "r0"])


def test_step_back_and_forward_is_exact() -> None:
    text = litmus_text("WRITE_ONCE x 1\nsmp_wmb\nWRITE_ONCE y 1", "r0 = READ_ONCE y\nsmp_rmb\nr1 = READ_ONCE x", MP_EXISTS, "40ns")
    sim = Simulator(parse_scenario_text(text, "t.toml"))
    sim.run()
    end, total = sim.state_hash(), sim.event
    for n in range(1, total):
        sim.goto(total - n)
        mid = sim.state_hash()
        sim.goto(total)
        assert sim.state_hash() == end
        sim.goto(total - n)
        assert sim.state_hash() == mid


@pytest.mark.parametrize(
    ("litmus", "expect"),
    [
        ('vars = { x = 0 }\nexists = ["P1:r9 = 1"]', "task P1 has no register r9 (its READ_ONCE labels: r1)"),
        ('vars = { x = 0 }\nexists = ["Q:r1 = 1"]', "no task 'Q'"),
        ('vars = { x = 0 }\nexists = ["z = 1"]', "no variable z in vars"),
        ('vars = { x = 0 }\nexists = ["r1 == 1"]', "is not 'TASK:REG = N' or 'VAR = N'"),
        ('vars = { x = "0" }', "variable x: expected an int initial value"),
        ('vars = { x = 0 }\nexist = []', "unknown key 'exist'"),
    ],
)
def test_bad_litmus_tables_are_one_clear_error(litmus: str, expect: str) -> None:
    text = (
        '[scenario]\nname = "t"\n[machine]\ncpus = 2\n'
        f"[litmus]\n{litmus}\n"
        '[[task]]\nname = "P1"\nprogram = "r1 = READ_ONCE x"\n'
    )
    with pytest.raises(ScenarioError) as exc:
        parse_scenario_text(text, "t.toml")
    assert expect in str(exc.value) and "t.toml:" in str(exc.value) and "[litmus]" in str(exc.value)


def test_an_undeclared_variable_in_a_program_names_the_table() -> None:
    text = '[scenario]\nname = "t"\n[litmus]\nvars = { x = 0 }\n[[task]]\nname = "P1"\nprogram = "WRITE_ONCE q 1"\n'
    with pytest.raises(ScenarioError, match=r"undefined var 'q'.*\[litmus\]"):
        parse_scenario_text(text, "t.toml")
