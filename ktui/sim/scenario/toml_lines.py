"""Line numbers for a TOML file: where each table header, key and array
element is, found by a light scan of the text.

tomllib reports values, not positions, so the scenario loader asks this map
for the line to name in an error. Best effort: it tracks the four kinds of
strings, comments and bracket depth, so keys are only seen at the start of a
statement; dotted keys and inline tables fall back to their table's line.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class KeyLoc:
    """Where a key and its value are in the source."""

    line: int
    value_first_line: int
    """Line of the first character of a string value's content."""
    elem_lines: list[int] = field(default_factory=list)
    """For an array value: the line of each top-level element that is a string."""


@dataclass(slots=True)
class Block:
    """A ``[table]`` / ``[[array]]`` header and the keys under it."""

    name: str
    line: int
    keys: dict[str, KeyLoc] = field(default_factory=dict)


class SourceMap:
    """Line numbers of headers, keys and array elements, by a light TOML scan.

    Best effort: tracks strings (all four kinds), comments and bracket depth
    so keys are only seen at the start of a statement; dotted keys and inline
    tables fall back to their table's line.
    """

    def __init__(self, text: str) -> None:
        self.root = Block("", 0)
        self.tables: dict[str, Block] = {}
        self.arrays: dict[str, list[Block]] = {}
        self._scan(text)

    def _scan(self, text: str) -> None:
        block = self.root
        delim = ""  # open multi-line string delimiter
        depth = 0
        loc: KeyLoc | None = None
        for line_no, line in enumerate(text.split("\n"), start=1):
            line = line.rstrip("\r")
            col = 0
            if not delim and depth == 0:
                stripped = line.lstrip()
                if stripped.startswith("["):
                    block = self._header(stripped, line_no, block)
                    loc = None
                    continue
                eq = key_end(stripped)
                if eq > 0:
                    loc = KeyLoc(line_no, line_no)
                    block.keys.setdefault(norm_key(stripped[:eq]), loc)
                    col = len(line) - len(stripped) + eq + 1
                    rest = line[col:].lstrip()
                    for q in ('"""', "'''"):
                        if rest.startswith(q) and rest[3:] == "":
                            loc.value_first_line = line_no + 1
            delim, depth = scan_value(line, col, delim, depth, loc, line_no)

    def _header(self, stripped: str, line_no: int, block: Block) -> Block:
        is_array = stripped.startswith("[[")
        inner = stripped[2 if is_array else 1 :].split("]", 1)[0]
        name = norm_key(inner)
        new = Block(name, line_no)
        if is_array:
            self.arrays.setdefault(name, []).append(new)
        else:
            self.tables.setdefault(name, new)
        return new

    def block(self, table: str, index: int | None = None) -> Block | None:
        """The block of ``[table]`` (index None) or the index-th ``[[table]]``."""
        if not table:
            return self.root
        if index is None:
            found = self.tables.get(table)
            if found is None and table in self.arrays:
                found = self.arrays[table][0]
            return found
        items = self.arrays.get(table, [])
        return items[index] if index < len(items) else None

    def line(self, table: str, index: int | None = None, key: str = "") -> int:
        """Line of `key` in the table (or of the header if not found), 0 if unknown."""
        blk = self.block(table, index)
        if blk is None:
            root_loc = self.root.keys.get(table)
            return root_loc.line if root_loc else 0
        if key and key in blk.keys:
            return blk.keys[key].line
        return blk.line

    def key(self, table: str, index: int | None, key: str) -> KeyLoc | None:
        """The location of `key` in the table, if found."""
        blk = self.block(table, index)
        return blk.keys.get(key) if blk else None


def norm_key(raw: str) -> str:
    """``' "a" . b '`` -> ``'a.b'``."""
    return ".".join(p.strip().strip("\"'") for p in raw.strip().split("."))


def key_end(stripped: str) -> int:
    """Index of the ``=`` ending a key at the start of `stripped`, or -1."""
    quote = ""
    for i, ch in enumerate(stripped):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "=":
            return i
        elif ch in "#[{":
            return -1
    return -1


def scan_value(
    line: str, col: int, delim: str, depth: int, loc: KeyLoc | None, line_no: int
) -> tuple[str, int]:
    """Advance the string/bracket state over `line` from `col`."""
    i = col
    n = len(line)
    while i < n:
        if delim:
            end = line.find(delim, i)
            if end < 0:
                return delim, depth
            i, delim = end + 3, ""
            continue
        ch = line[i]
        if ch == "#":
            break
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth = max(0, depth - 1)
        elif ch in "\"'":
            if loc is not None and depth == 1:
                loc.elem_lines.append(line_no)
            if line.startswith(ch * 3, i):
                delim = ch * 3
                i += 3
                continue
            i += 1
            while i < n and line[i] != ch:
                i += 2 if ch == '"' and line[i] == "\\" else 1
        i += 1
    return delim, depth
