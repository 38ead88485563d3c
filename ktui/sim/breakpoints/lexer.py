"""Breakpoint expressions: the tokenizer.

No kernel counterpart. Words, operators (``= == != < <= > >= ~``) and quoted
strings (no escapes); a word may hold an fnmatch set (``t[!1]``).
"""

from __future__ import annotations

from typing import Literal, NamedTuple

from ktui.sim.breakpoints.values import OP_CHARS, QUOTES
from ktui.sim.errors import BreakpointError


class Token(NamedTuple):
    """One token of an expression."""

    kind: Literal["word", "op", "str"]
    """``word``, ``op`` or ``str`` (a quoted string, quotes removed)."""
    text: str
    """Its text."""
    pos: int
    """Column where it starts."""


def tokenize(expr: str) -> list[Token]:
    """Split `expr` into tokens.

    Raises:
        BreakpointError: a quoted string is not closed.
    """
    toks: list[Token] = []
    i, n = 0, len(expr)
    no_close = False  # no "]" after some "[": later finds would rescan to the end
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
        elif c in QUOTES:
            end = expr.find(c, i + 1)
            if end < 0:
                raise BreakpointError(f"unterminated string (no closing {c})", expr, i)
            toks.append(Token("str", expr[i + 1 : end], i))
            i = end + 1
        elif expr[i : i + 2] in ("==", "!=", "<=", ">="):
            toks.append(Token("op", expr[i : i + 2], i))
            i += 2
        elif c in OP_CHARS:
            toks.append(Token("op", c, i))
            i += 1
        else:
            j = i
            while j < n:
                d = expr[j]
                if d.isspace() or d in OP_CHARS or d in QUOTES or expr[j : j + 2] == "!=":
                    break
                if d == "[" and not no_close:  # an fnmatch set: keep "[!a]" together
                    close = expr.find("]", j + 2)
                    if close > 0:
                        j = close
                    else:
                        no_close = True  # keeps the scan linear in len(expr)
                j += 1
            toks.append(Token("word", expr[i:j], i))
            i = j
    return toks
