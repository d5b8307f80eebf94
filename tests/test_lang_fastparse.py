"""The fast parser builds exactly Lark's tree (structure, tokens, positions) or gives up: on every
example, every .circ text in the language tests, and on mutated texts."""

import ast
import random
import re
from pathlib import Path

from lark import Token

from circuitc.errors import Diagnostics
from circuitc.lang.fastparse import fast_tree
from circuitc.lang.parse import parse_tree, parser

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("line", "column", "start_pos", "end_line", "end_column", "end_pos")


def texts():
    found = [p.read_text() for p in sorted((ROOT / "examples" / "circuits").glob("*.circ"))]
    tests = [p for p in sorted(ROOT.glob("tests/test_lang_*.py")) if p.name != Path(__file__).name]
    for path in tests + [ROOT / "tests/test_examples.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                    "circuit " in node.value or "module " in node.value):
                found.append(node.value)
    return found


def difference(a, b, path="start"):
    """Where two trees differ (None if they do not), positions included."""
    if a is None or b is None:
        return None if a is b else f"{path}: {a!r} vs {b!r}"
    if isinstance(a, Token) or isinstance(b, Token):
        if not (isinstance(a, Token) and isinstance(b, Token)) or a.type != b.type or a != b:
            return f"{path}: {a!r} vs {b!r}"
        bad = [f for f in FIELDS if getattr(a, f) != getattr(b, f)]
        return f"{path}: {a!r} {bad}" if bad else None
    if a.data != b.data or len(a.children) != len(b.children):
        return f"{path}: {a.data} vs {b.data}"
    if a.meta.empty != getattr(b.meta, "empty", True):
        return f"{path}: empty meta"
    if not a.meta.empty:
        bad = [f for f in FIELDS if getattr(a.meta, f) != getattr(b.meta, f)]
        if bad:
            return f"{path}: {bad}"
    for k, (x, y) in enumerate(zip(a.children, b.children)):
        found = difference(x, y, f"{path}/{a.data}[{k}]")
        if found:
            return found
    return None


def lark_tree(text):
    try:
        return parser().parse(text)
    except Exception:  # any syntax error
        return None


def test_same_tree_as_lark_on_every_known_text():
    valid = 0
    for text in texts():
        expected, got = lark_tree(text), fast_tree(text)
        if expected is None:  # the syntax-error tests, and fragments of f-strings
            assert got is None, text
            continue
        valid += 1
        assert got is not None, text  # written the ordinary way: no fallback needed
        assert difference(expected, got) is None, text
    assert valid > 80


PIECES = ["<", ">", "<<", ">>", "<=", "==", "&&", "&", "|", "||", "^", "~", "(", ")", "{", "}",
          "[", "]", ";", ",", "=", ":", "..", "..=", "step", "default", "table", "wire", "for",
          "if", "else", "x", "1", "0.5", "1e3", "@", "-", "+", "*", "**", "!", "module",
          "circuit", "in", "/*c*/", "//c\n", " ", "\n", "->", "a<2>(b)", "a < b", "{2{a}}",
          "@sparse(1)", "@bernoulli(0.5)", "m<(A > B)>(x)", "//", "/*", "*/", "`", "0x1f", "1_0"]
_PIECE = re.compile(r"\s+|\w+|\.\.=?|<<|>>|<=|>=|==|!=|&&|\|\||\*\*|->|.")


def test_mutated_texts_parse_like_lark_or_fall_back():
    """Random token edits: whatever the fast parser accepts, Lark accepts with the same tree.
    (It may give up where Lark accepts, e.g. Lark reads `circuitc` as `circuit c`; then
    parse_tree uses Lark.)"""
    rng = random.Random(0)
    pool = texts()
    same = 0
    for _ in range(1500):
        pieces = _PIECE.findall(rng.choice(pool))
        for _ in range(rng.randint(1, 2)):
            k = rng.randrange(len(pieces))
            edit = rng.randrange(4)
            if edit == 0:
                del pieces[k]
            elif edit == 1:
                pieces.insert(k, rng.choice(PIECES))
            elif edit == 2:
                pieces[k] = rng.choice(PIECES)
            elif k + 1 < len(pieces):
                pieces[k], pieces[k + 1] = pieces[k + 1], pieces[k]
        text = "".join(pieces)
        got = fast_tree(text)
        if got is None:
            continue
        expected = lark_tree(text)
        assert expected is not None, text
        assert difference(expected, got) is None, text
        same += 1
    assert same > 100  # the edits leave many texts valid


def test_parse_tree_falls_back_to_lark_for_errors_and_lark_only_spellings():
    diags = Diagnostics("f.circ", "circuit c(a) -> (y) { y = a $ a; }")
    assert parse_tree(diags.text, diags) is None and len(diags.errors) == 1
    text = "circuit c(a[2], b[2]) -> (y[2]) { y = a&&b; }"  # Lark: a & (&b)
    assert fast_tree(text) is None
    tree = parse_tree(text, Diagnostics("f.circ", text))
    assert tree is not None and tree == lark_tree(text)


def test_reading_a_file_leaves_the_garbage_collector_as_it_was():
    import gc

    from circuitc.lang import parse_text

    text = "circuit c(a, b) -> (y) { y = a & b; }"
    assert gc.isenabled()
    parse_text(text)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        parse_text(text)
        assert not gc.isenabled()
    finally:
        gc.enable()
    kept = [[]]  # a program's own frozen objects stay frozen
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        parse_text(text)
        assert gc.get_freeze_count() == frozen and kept
    finally:
        gc.unfreeze()
