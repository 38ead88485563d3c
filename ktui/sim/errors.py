"""Errors the simulator raises on bad input or a broken invariant.

Every user-facing error is a `KtuiError`: one line (or a few) that names the
file, line, key or op at fault and what was expected. The CLI prints its
message and exits with status 2; nothing else about it is ever shown.
"""

from __future__ import annotations


class KtuiError(Exception):
    """A user-input error: bad scenario, breakpoint expression or command."""

    exit_status = 2


class ScenarioError(KtuiError):
    """A scenario file that cannot be loaded.

    Args:
        message: What is wrong and what was expected.
        path: The scenario file (or built-in name).
        line: 1-based line in the file, when known.
        where: Key path or task/op the error is about (``task 't1' op 3``).
    """

    def __init__(
        self, message: str, path: str = "", line: int | None = None, where: str = ""
    ) -> None:
        self.path = path
        self.line = line
        self.where = where
        self.detail = message
        loc = path
        if line is not None:
            loc = f"{loc}:{line}" if loc else f"line {line}"
        parts = [p for p in (loc, where) if p]
        super().__init__(": ".join([*parts, message]))


class BreakpointError(KtuiError):
    """A breakpoint expression that does not parse.

    Args:
        message: What was expected.
        expr: The whole expression.
        pos: 0-based column of the offending word.
    """

    def __init__(self, message: str, expr: str = "", pos: int = 0) -> None:
        self.expr = expr
        self.pos = pos
        self.detail = message
        shown = expr if len(expr) <= EXCERPT_LEN else f"{expr[:EXCERPT_LEN]}... ({len(expr)} chars)"
        text = f"breakpoint {shown!r}: {message}"
        if expr:
            line, col = excerpt(expr, pos)
            text += f"\n  {line}\n  {' ' * col}^"
        super().__init__(text)


EXCERPT_LEN = 80
"""Most characters of hostile input an error message echoes."""


def excerpt(text: str, pos: int, width: int = EXCERPT_LEN) -> tuple[str, int]:
    """`text` as one printable line around column `pos`, and the caret's column in it.

    Characters a terminal would act on (newlines, escapes, bidi controls) are
    shown escaped, as `repr` does; a long text is cut to `width` characters
    around `pos`, with ``...`` where it was cut.
    """
    pos = max(0, min(pos, len(text)))
    lo = max(0, min(pos - width // 2, len(text) - width))
    hi = min(len(text), lo + width)
    shown = [c if c.isprintable() else repr(c)[1:-1] for c in text[lo:hi]]
    head = "..." if lo else ""
    col = len(head) + sum(len(s) for s in shown[: pos - lo])
    return head + "".join(shown) + ("..." if hi < len(text) else ""), col


class CommandError(KtuiError):
    """A time-travel or run command that cannot be carried out (goto past the
    end, back without history, ...)."""


class SimInvariantError(AssertionError):
    """The model broke one of its own invariants (a bug in ktui, not in input)."""
