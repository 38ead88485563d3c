"""Text columns measured in terminal cells, not characters.

A task may be called ``日本語`` (issue #13): each of those characters takes
two cells, so ``str.ljust``/``rjust``, ``f"{s:>9}"`` and ``s[:15]`` misalign
every column after it and may cut a character in half. Every column that
holds a user string (comm, lock name, scenario name) goes through these
helpers instead; numbers and ktui's own words are ASCII and may keep the
``str`` methods.
"""

from __future__ import annotations

from rich.cells import cell_len, get_character_cell_size, set_cell_size

__all__ = ["cell_len", "fit", "ljust", "rjust", "truncate"]


def fit(text: str, width: int) -> str:
    """`text` as exactly `width` cells: cut at a cell boundary, then padded
    with spaces. A wide character that would stick out becomes a space."""
    return set_cell_size(text, max(0, width))


def truncate(text: str, width: int) -> str:
    """`text` cut to at most `width` cells at a character boundary (no
    padding: a wide character that would stick out is dropped)."""
    if cell_len(text) <= width:
        return text
    used = 0
    for i, char in enumerate(text):
        used += get_character_cell_size(char)
        if used > width:
            return text[:i]
    return text


def ljust(text: str, width: int) -> str:
    """`text` padded on the right to at least `width` cells (`str.ljust` in cells)."""
    return text + " " * max(0, width - cell_len(text))


def rjust(text: str, width: int) -> str:
    """`text` padded on the left to at least `width` cells (`str.rjust` in cells)."""
    return " " * max(0, width - cell_len(text)) + text


def wrap(text: str, width: int, indent: str = "") -> list[str]:
    """`textwrap.wrap` in cells: `text` broken at spaces into lines of at
    most `width` cells; lines after the first start with `indent`. A word
    longer than a line starts a new one and is chopped at cell boundaries
    (textwrap would fill the current line first and break at hyphens)."""
    width = max(2, width)
    lines: list[str] = []
    line = ""
    for word in text.split():
        lead = indent if lines else ""
        candidate = f"{line} {word}" if line else lead + word
        if cell_len(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = (indent if lines else "") + word
        while cell_len(line) > width:
            head = truncate(line, width)
            lines.append(head)
            line = indent + line[len(head) :]
    if line or not lines:
        lines.append(line)
    return lines
