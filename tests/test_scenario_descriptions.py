"""Each built-in scenario's description names only tasks and locks the scenario defines."""

from __future__ import annotations

import re

import pytest

from ktui.sim.scenario import builtin_description, builtin_names, load_scenario

NAME_LIKE = re.compile(r"\b(?:[a-z]+\d+|[A-Z])\b")
"""Words that read as a task or lock name: ``t2``, ``cpu000``, ``A``."""


@pytest.mark.parametrize("name", builtin_names())
def test_description_names_only_defined_tasks_and_locks(name: str) -> None:
    """`ktui list` said "t2 just computes" for aa, whose second task is `bystander`."""
    sc = load_scenario(name)
    defined = {t.name for t in sc.tasks} | {lk.name for lk in sc.locks}
    words = set(NAME_LIKE.findall(builtin_description(name)))
    assert words <= defined, f"{name}: description names {sorted(words - defined)}, not in the scenario"


def test_the_check_catches_an_undefined_task() -> None:
    """The pattern sees `t2` (and lock letters) as names, so the test above can fail."""
    assert NAME_LIKE.findall("t1 takes mutex A; t2 just computes on 2 CPUs") == ["t1", "A", "t2"]
