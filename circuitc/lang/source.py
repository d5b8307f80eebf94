"""The .circ file being elaborated: positions in it, snippets of it, and problems reported on it.

`Source` holds the text, its path and the `Diagnostics` that collect every problem: `error` and
`warning` at a syntax-tree item or a (line, column), `loc` (the "path:line:col" each graph node
carries) and `snippet` (a construct's text, shortened, for messages). Also the small helpers on
syntax trees and message text that the other elaboration modules share.
"""

from __future__ import annotations

from collections.abc import Sequence

from lark import Token, Tree

from circuitc.errors import Diagnostics

Where = tuple[int, int]  # (line, column), 1-based


class Abort(Exception):
    """Elaboration cannot go on (the size guard tripped); the error is already recorded."""


def position(item: Tree | Token) -> Where:
    """Where a token or a syntax-tree node starts. (Ask `isinstance(x, (Tree, Token))`, not
    `isinstance(x, tuple)`, to tell these from a `Where`: the fast parser's trees are tuples.)"""
    if isinstance(item, Token):
        return (item.line or 0, item.column or 0)
    meta = item.meta
    return (getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0)


def present(children: Sequence) -> list:
    """The children of a node with optional parts (absent ones are None in the tree)."""
    return [c for c in children if c is not None]


def quoted(names: list[str], limit: int = 6) -> str:
    """`'a', 'b' and 3 more`: names for a message, at most `limit` of them spelled out."""
    shown = ", ".join(f"'{n}'" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


class Source:
    """A source text, its path, and the diagnostics reported against it."""

    def __init__(self, text: str, path: str, diags: Diagnostics):
        self.text = text
        self.path = path
        self.diags = diags
        self._locs: dict[Where, str] = {}  # one string per position: a loop's gates share it

    def error(self, message: str, at: Tree | Token | Where) -> None:
        line, col = position(at) if isinstance(at, (Tree, Token)) else at
        self.diags.error(message, line, col)

    def warning(self, message: str, at: Where) -> None:
        self.diags.warning(message, *at)

    def loc(self, at: Tree | Token | Where) -> str:
        """"path:line:col"; the same string object for every node from one position (a loop
        body's 500k gates would otherwise hold 500k copies: 58 bytes a node)."""
        where = position(at) if isinstance(at, (Tree, Token)) else tuple(at)
        loc = self._locs.get(where)
        if loc is None:
            loc = self._locs[where] = f"{self.path}:{where[0]}:{where[1]}"
        return loc

    def snippet(self, tree: Tree | Token) -> str:
        """The source text of a construct, for messages."""
        if isinstance(tree, Token):
            return str(tree)
        meta = tree.meta
        text = " ".join(self.text[meta.start_pos:meta.end_pos].split())
        return text if len(text) <= 40 else text[:37] + "..."


def dedupe(diags: Diagnostics) -> None:
    """Drop repeated problems: a module instantiated many times reports each of its own once."""
    seen, kept = set(), []
    for d in diags.items:
        key = (d.severity, d.line, d.col, d.message)
        if key not in seen:
            seen.add(key)
            kept.append(d)
    diags.items[:] = kept
