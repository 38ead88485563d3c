"""The one "did you mean" of the breakpoint messages.

No kernel counterpart. The match is `ktui.sim.units.closest`, the one used by
scenario errors; only the phrasing differs (breakpoint messages put the hint
in parentheses after a caret line).
"""

from __future__ import annotations

from collections.abc import Iterable

from ktui.sim.units import closest


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of `choices` to `word`, else ``""``.

    Args:
        word: What was written.
        choices: What could have been meant.

    Returns:
        The hint with its leading space, ready to append to a message.
    """
    close = closest(word, choices)
    return f" (did you mean {close!r}?)" if close is not None else ""


def ranges(numbers: Iterable[int]) -> str:
    """Numbers as sorted ranges: ``[0, 1, 2, 5]`` → ``0-2, 5``."""
    out: list[str] = []
    run: list[int] = []
    for n in sorted(numbers):
        if run and n == run[-1] + 1:
            run.append(n)
            continue
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
        run = [n]
    if run:
        out.append(str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}")
    return ", ".join(out)
