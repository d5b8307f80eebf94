"""Text -> syntax tree: the Lark LALR parser of the .circ language, with syntax errors collected.

`parse_tree(text, diags)` returns the Lark tree of a whole file. It first tries the fast parser
(`circuitc.lang.fastparse`, which builds the same tree for valid files, 16x faster: see
docs/benchmarks.md); only when that gives up does Lark parse the text, with the error recovery
below. The tree (every node carries `meta.line`/`meta.column`, as `propagate_positions` gives),
or None when the text has syntax errors, which are appended to `diags` as `file:line:col:
error: syntax error: unexpected X, expected Y` in plain words. After an error the parser
recovers so that one run reports every broken statement, not just the first: a missing `;` is
inserted when that is enough; otherwise (panic mode) the half-parsed statement is dropped back to
the enclosing block and the input is skipped to the next `;`, `{` or `}`. Errors before that
point are not reported again, so one typo gives one message. The first error is always exact;
later ones are best effort.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr
from lark.parsers.lalr_analysis import Shift

from circuitc import limits
from circuitc.errors import Diagnostics
from circuitc.lang.fastparse import fast_tree

MAX_SYNTAX_ERRORS = 20

# Named (regex) terminals in plain words; string terminals are shown as their text in quotes.
_WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "FLOAT": "a decimal number",
    "$END": "the end of the file",
    "_PARAM_OPEN": "'<'",
    "DOTS": "'..'",
}
# Operators, summed up as "an operator" when several are expected (after any operand).
_OPERATORS = {f"'{op}'" for op in "+ - * / % ** & | ^ << >> < <= > >= == != && ||".split()}


def grammar_text() -> str:
    """The grammar, from the installed data package or, in a source checkout, from grammar/."""
    try:
        return resources.files("circuitc.grammar").joinpath("circuit.lark").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        path = Path(__file__).resolve().parents[2] / "grammar" / "circuit.lark"
        return path.read_text("utf-8")


@lru_cache(maxsize=1)
def parser() -> Lark:
    """The Lark parser, built once per process."""
    return Lark(grammar_text(), parser="lalr", propagate_positions=True,
                maybe_placeholders=True)


def parse_tree(text: str, diags: Diagnostics) -> Tree | None:
    """Parse a whole .circ file; None (and errors in `diags`) when it has syntax errors."""
    tree = fast_tree(text)
    if tree is not None:
        return tree
    if _too_deep(text, diags):
        return None
    lark = parser()
    recovery = _Recovery(lark, text, diags)
    try:
        tree = lark.parse(text, on_error=recovery)
    except UnexpectedInput as e:  # unrecoverable (end of file, or too many errors)
        recovery.report(e)
        return None
    finally:  # the last error's traceback holds Lark's frames, which hold `recovery`: a cycle
        recovery.last = None  # that would keep the half-built tree until a full collection
    return None if recovery.count else tree


_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_PREFIXES = re.compile(r"(?:[~!&|^-]\s*){2,}")  # operators in a row: a chain of unary ones
_BRACKETS = {ord(c): 1 for c in "([{"} | {ord(c): -1 for c in ")]}"}


def _too_deep(text: str, diags: Diagnostics) -> bool:
    """Whether brackets nest, or prefix operators follow each other, beyond limits.PARSE_DEPTH
    (then a located error). Checked on what the fast parser gave up on, before Lark parses
    it: Lark's stack, time and memory grow with the nesting (10 MB of `~` took 4 GB)."""
    limit = limits.PARSE_DEPTH.value
    code = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)  # offsets kept
    chars = np.frombuffer(code.encode("utf-32-le"), dtype=np.uint32)
    steps = np.zeros(len(chars), dtype=np.int32)  # a file of 1 GiB has < 2**31 characters
    for char, step in _BRACKETS.items():
        steps[chars == char] = step
    depth = np.cumsum(steps, dtype=np.int32)
    problem = None
    if len(depth) and depth.max() > limit:
        at = int(np.argmax(depth > limit))
        problem = (at, f"brackets nest {limit + 1:,} deep here")
    for m in _PREFIXES.finditer(code):
        count = len(m.group()) - sum(map(m.group().count, " \t\r\n\f"))
        if count > limit and (problem is None or m.start() < problem[0]):
            problem = (m.start(), f"{count:,} prefix operators follow each other here")
            break
    if problem is None:
        return False
    at, what = problem
    line = text.count("\n", 0, at) + 1
    diags.error(limits.PARSE_DEPTH.exceeded(what), line, at - text.rfind("\n", 0, at))
    return True


class _Recovery:
    """The `on_error` callback: report an error, then resynchronise at the next `;` or `}`."""

    def __init__(self, lark: Lark, text: str, diags: Diagnostics):
        self.text = text
        self.diags = diags
        self.count = 0
        self.quiet_until = -1  # errors before this offset belong to an already reported statement
        self.last: UnexpectedInput | None = None
        self.terminals = {t.name: t for t in lark.terminals}
        self.by_text = {t.pattern.value: t.name for t in lark.terminals
                        if isinstance(t.pattern, PatternStr)}

    # -- reporting ------------------------------------------------------------------------------
    def describe(self, name: str) -> str:
        if name in _WORDS:
            return _WORDS[name]
        term = self.terminals.get(name)
        if term is not None and isinstance(term.pattern, PatternStr):
            return f"'{term.pattern.value}'"
        return name.lower()

    def report(self, e: UnexpectedInput) -> None:
        if e is self.last:
            return
        self.last = e
        pos = getattr(e, "pos_in_stream", None)
        if pos is not None and pos < self.quiet_until and self.count:
            return
        self.count += 1
        if isinstance(e, UnexpectedCharacters):
            char = self.text[e.pos_in_stream] if e.pos_in_stream < len(self.text) else ""
            self.diags.error(f"syntax error: unexpected character {char!r}", e.line, e.column)
            return
        token = e.token
        if token.type == "$END":
            what, line, col = "end of file", *self._end()
        else:
            what, line, col = f"'{token.value}'", token.line or 0, token.column or 0
        expected = e.expected
        if getattr(e, "interactive_parser", None) is not None:
            expected = _acceptable(e.interactive_parser)
        expected = {self.describe(t) for t in expected}
        if len(expected & _OPERATORS) > 2:
            expected = (expected - _OPERATORS) | {"an operator"}
        expected = sorted(expected, key=_order)
        self.diags.error(f"syntax error: unexpected {what}, expected {_words(expected)}",
                         line, col)

    def _end(self) -> tuple[int, int]:
        lines = self.text.splitlines() or [""]
        return len(lines), len(lines[-1]) + 1

    # -- recovering -----------------------------------------------------------------------------
    def __call__(self, e: UnexpectedInput) -> bool:
        self.report(e)
        if self.count >= MAX_SYNTAX_ERRORS:
            return False
        if isinstance(e, UnexpectedCharacters):
            self.quiet_until = max(self.quiet_until, _next_sync(self.text, e.pos_in_stream) + 1)
            return True  # Lark skips the bad character
        if not isinstance(e, UnexpectedToken) or e.token.type == "$END":
            return False
        start = e.token.start_pos or 0
        sync = _next_sync(self.text, start)
        self.quiet_until = max(self.quiet_until, sync + 1)
        ip = e.interactive_parser
        semicolon, rbrace = self.by_text[";"], self.by_text["}"]
        # A missing ';' is the most common slip: insert one if that lets the parser go on.
        trial = ip.copy()
        if _try_feed(trial, [Token(semicolon, ";"), e.token]):
            ip.feed_token(Token(semicolon, ";"))
            ip.feed_token(e.token)
            return True
        if sync >= len(self.text):
            return False
        sync_type = self.by_text[self.text[sync]]
        states = ip.parser_state.parse_conf.states
        stack, values = ip.parser_state.state_stack, ip.parser_state.value_stack
        # Panic mode: drop the half-parsed statement, back to where a block accepts '}' (and so
        # any new statement); the input is then skipped to just after the ';' (or up to '}').
        keep = next((n for n in range(len(stack), 0, -1)
                     if _feed(states, tuple(stack[:n]), rbrace) is not None), None)
        if keep is None:
            # Outside any block (a broken header): complete it with the fewest made-up tokens
            # that let the sync token in.
            return self._complete(e, ip, sync, sync_type)
        del stack[keep:]
        del values[keep - 1:]
        if sync_type == self.by_text["{"]:
            # A broken `for`/`if` header: stand in a header (`if 0`) so its block still parses.
            for token_type in _path_to(ip, sync_type) or []:
                ip.feed_token(Token(token_type, "0"))
        state = ip.lexer_thread.state
        here = state.line_ctr.char_pos  # just after the offending token, which Lark has read
        if sync < here:  # the offending token is itself the ';' (dropped) or '{' / '}' (kept)
            return sync_type == semicolon or _try_feed(ip, [e.token])
        state.line_ctr.feed(self.text[here:sync + (sync_type == semicolon)])
        return True

    def _complete(self, e: UnexpectedToken, ip, sync: int, sync_type: str) -> bool:
        path = _path_to(ip, sync_type)
        if path is None:
            return False
        for token_type in path:
            ip.feed_token(Token(token_type, ""))
        state = ip.lexer_thread.state
        here = state.line_ctr.char_pos
        if sync < here:
            return _try_feed(ip, [e.token])
        if sync_type == self.by_text[";"]:
            ip.feed_token(Token(sync_type, ";"))
            state.line_ctr.feed(self.text[here:sync + 1])
        else:
            state.line_ctr.feed(self.text[here:sync])
        return True


def _try_feed(ip, tokens: list[Token]) -> bool:
    try:
        for token in tokens:
            ip.feed_token(token)
    except UnexpectedInput:
        return False
    return True


def _feed(states: dict, stack: tuple, token_type: str) -> tuple | None:
    """The LALR state stack after `token_type`, or None when it is not accepted. This replays
    the parse table on the bare stack (no values), which is cheap enough to search with."""
    stack = list(stack)
    while True:
        entry = states[stack[-1]].get(token_type)
        if entry is None:
            return None
        action, arg = entry
        if action is Shift:
            stack.append(arg)
            return tuple(stack)
        size = len(arg.expansion)  # reduce by rule `arg`, then take the goto
        if size:
            del stack[-size:]
        goto = states[stack[-1]].get(arg.origin.name)
        if goto is None:
            return None
        stack.append(goto[1])


def _acceptable(ip) -> list[str]:
    """Token types the parser really accepts now (LALR tables list some lookaheads that fail
    only after reductions)."""
    states = ip.parser_state.parse_conf.states
    stack = tuple(ip.parser_state.state_stack)
    ok = [t for t in states[stack[-1]] if t.isupper() and t != "$END"
          and _feed(states, stack, t) is not None]
    return ok + ["$END"] * ("$END" in states[stack[-1]])  # the end: as the table says


def _path_to(ip, token_type: str, max_depth: int = 6, budget: int = 5000) -> list[str] | None:
    """The shortest list of token types to feed before `token_type` is accepted (breadth-first)."""
    states = ip.parser_state.parse_conf.states
    start = tuple(ip.parser_state.state_stack)
    frontier = [((), start)]
    seen = {start}
    for _ in range(max_depth + 1):
        next_frontier = []
        for path, stack in frontier:
            if _feed(states, stack, token_type) is not None:
                return list(path)
            for choice in sorted(states[stack[-1]]):
                if not choice.isupper() or choice == "$END":
                    continue
                budget -= 1
                if budget < 0:
                    return None
                after = _feed(states, stack, choice)
                if after is not None and after not in seen:
                    seen.add(after)
                    next_frontier.append((path + (choice,), after))
        frontier = next_frontier
    return None


_SYNC = re.compile(r"//[^\n]*|/\*.*?\*/|[;{}]", re.S)


def _next_sync(text: str, start: int) -> int:
    """Offset of the next `;`, `{` or `}` at or after `start` outside comments (len(text) if
    none)."""
    for m in _SYNC.finditer(text, start):
        if m.group() in (";", "{", "}"):
            return m.start()
    return len(text)


def _order(word: str) -> tuple[int, str]:
    # Punctuation first, then keywords, then "a name"-style words, for a stable readable list.
    if word.startswith("'"):
        return (1 if word[1:2].isalpha() else 0, word)
    return (2, word)


def _words(items: list[str]) -> str:
    if not items:
        return "nothing"
    if len(items) > 12:
        items = items[:11] + ["…"]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
