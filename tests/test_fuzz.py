"""Fuzzing the readers: mutated circuit files of every import format, .circ texts built to stress
the language's limits (deep chains and nests, huge literals and loops) and corrupted network
files give a clear error (CircuitError) or a result, never another exception, and quickly.

Seeded and bounded (hypothesis, derandomized): the same cases every run. The long campaign
(10^5 cases per target) is bench/fuzz.py; its counts are in docs/robustness.md.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import circuitc
from circuitc.errors import CircuitError
from circuitc.formats import READERS
from conftest import random_circuit

DATA = Path(__file__).parent / "data" / "formats"
SEEDS = {
    "bench": ["full_adder.bench"],
    "aiger": ["tiny.aag", "tiny.aig"],
    "blif": ["tiny.blif"],
    "bristol": ["adder2.txt", "mand_eq.txt"],
}
SPICE = [b"4294967296", b"1000000000", "\u00b9".encode(), "\u0663".encode(), b"-1", b"0x_",
         b"\x00", b"\n", b" ", b"(", b")", b"=", b"AND", b"INV", b"XOR", b"MAND", b".names",
         b"1-", b"aag", b"\xff\xfe", b"9" * 60, b"NAND(", b".end"]
FUZZ = settings(max_examples=150, derandomize=True, deadline=3000, database=None,
                suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw, seeds: list[bytes]) -> bytes:
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.integers(0, 3))
        if op == 0 and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == 1:
            data[at:at] = draw(st.sampled_from(SPICE))
        elif op == 2:
            del data[at:at + draw(st.integers(1, 16))]
        else:
            data[at:at] = draw(st.binary(max_size=8))
    return bytes(data)


@pytest.mark.parametrize("fmt", sorted(SEEDS))
def test_mutated_files_never_raise_anything_but_circuit_error(fmt):
    seeds = [(DATA / name).read_bytes() for name in SEEDS[fmt]]

    @FUZZ
    @given(mutated(seeds))
    def check(data):
        try:
            READERS[fmt](data, "fuzz")
        except CircuitError:
            pass

    check()


# .circ texts built to stress the front end's limits: chains and nests of random depth, huge
# literals, loops whose product is huge, wide ports and long module chains.
def _literal(draw) -> str:
    digits = draw(st.sampled_from([1, 2, 20, 80, 300, 5000]))
    base = draw(st.sampled_from(["", "0x", "0b"]))
    alphabet = {"": "0123456789", "0x": "0123456789abcdef", "0b": "01"}[base]
    return base + draw(st.text(alphabet, min_size=digits, max_size=digits))


def _cexpr(draw, depth: int) -> str:
    text = draw(st.sampled_from(["0", "1", "i", "N"]))
    for _ in range(depth):
        step = draw(st.integers(0, 5))
        if step == 0:
            text = f"({text})"
        elif step == 1:
            text = draw(st.sampled_from(["-", "~", "!"])) + " " + text
        elif step == 2:
            text = f"{text} {draw(st.sampled_from(['+', '-', '*', '&&', '||', '<<', '**']))} " \
                   f"{_literal(draw) if draw(st.booleans()) else '1'}"
        else:
            text = f"{text} {draw(st.sampled_from(['+', '%', '|', '>>']))} 1"
    return text


def _expr(draw, depth: int) -> str:
    text = "a"
    for _ in range(depth):
        step = draw(st.integers(0, 6))
        if step == 0:
            text = f"({text})"
        elif step == 1:
            text = "~" + text
        elif step == 2:
            text = "{" + text + "}"
        elif step == 3:
            text = f"not({text})"
        elif step == 4:
            text = f"{text} & {_literal(draw) if draw(st.booleans()) else 'a'}"
        else:
            text = f"{text} {draw(st.sampled_from(['+', '-', '|', '^']))} a"
    return text


@st.composite
def hostile_circ(draw) -> str:
    depth = draw(st.sampled_from([0, 1, 10, 70, 300, 1500]))
    kind = draw(st.sampled_from(["expr", "index", "loops", "width", "else if", "nest", "modules"]))
    body = "y = a;"
    modules = ""
    if kind == "expr":
        body = f"y = {_expr(draw, depth)};"
    elif kind == "index":
        body = f"for i in 0..1 {{ y = x[{_cexpr(draw, depth)}]; }}"
    elif kind == "loops":
        bounds = draw(st.lists(st.sampled_from(["2", "1000", "10**6", "10**12", _literal(draw)]),
                               min_size=1, max_size=4))
        body = "".join(f"for i{k} in 0..{b} {{ let q{k} = i{k}; " for k, b in enumerate(bounds)) \
            + "}" * len(bounds) + " y = a;"
    elif kind == "width":
        width = draw(st.sampled_from(["8", "10**9", "0x" + "f" * 20, "9" * 5000]))
        body = f"wire w[{width}]; w = 0; y = a;"
    elif kind == "else if":
        chain = "".join(f" else if N == {k} {{ y = ~a; }}" for k in range(1, depth + 1))
        body = f"if N == 0 {{ y = a; }}{chain} else {{ y = a; }}"
    elif kind == "nest":
        body = "if 1 { " * depth + "y = a;" + " }" * depth
    else:
        modules = "".join(f"module m{k}(x) -> (z) {{ z = ~m{k + 1}(x); }}\n" for k in range(depth))
        modules += f"module m{depth}(x) -> (z) {{ z = m{draw(st.integers(0, depth))}(x); }}\n" \
            if draw(st.booleans()) else f"module m{depth}(x) -> (z) {{ z = x; }}\n"
        body = "y = m0(a);"
    return modules + f"circuit c<N = {draw(st.integers(0, 3))}>(a, x[4]) -> (y) {{ {body} }}\n"


@settings(FUZZ, max_examples=40)
@given(hostile_circ())
def test_hostile_circ_gets_a_located_error_or_a_circuit(text):
    try:
        circuitc.parse_text(text, "fuzz.circ")
    except CircuitError as error:
        assert all(e.line >= 1 for e in error.errors), str(error)


def _network_bytes() -> bytes:
    net = circuitc.compile(random_circuit(3, n_inputs=5, n_gates=25, n_outputs=3))
    buffer = io.BytesIO()
    from circuitc.netfile import to_arrays

    np.savez(buffer, **to_arrays(net))
    return buffer.getvalue()


NETWORK = _network_bytes()


def _load_bytes(data: bytes, tmp: Path) -> None:
    path = tmp / "net.npz"
    path.write_bytes(data)
    try:
        net = circuitc.load(path)
    except CircuitError:
        return
    net.forward(np.zeros((2, len(net.input_names))))  # what loaded must run


@FUZZ
@given(st.integers(0, len(NETWORK)), st.lists(st.tuples(st.integers(0, len(NETWORK) - 1),
                                                         st.integers(1, 255)), max_size=6))
def test_truncated_and_bit_flipped_network_files(tmp_path_factory, cut, flips):
    data = bytearray(NETWORK[:max(cut, 1)] if cut < len(NETWORK) else NETWORK)
    for at, mask in flips:
        if at < len(data):
            data[at] ^= mask
    _load_bytes(bytes(data), tmp_path_factory.mktemp("flip"))


MEMBER_VALUES = st.sampled_from([
    np.zeros((0,), np.float32), np.full((3, 3), np.nan, np.float32),
    np.full(5, np.inf, np.float32), np.arange(6, dtype=np.int64).reshape(2, 3),
    np.array("not json"), np.array(["a", "b"]), np.zeros((2, 2, 2), np.float32),
    np.array(2**40, dtype=np.int64), np.array([-1, 5], dtype=np.int64), np.bool_(True),
    np.array("{}"), np.zeros((10**3,), np.float64),
])


@FUZZ
@given(st.data())
def test_network_files_with_wrong_members(tmp_path_factory, data):
    with np.load(io.BytesIO(NETWORK), allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    keys = sorted(arrays)
    for _ in range(data.draw(st.integers(1, 3))):
        action = data.draw(st.sampled_from(["replace", "drop", "add"]))
        key = data.draw(st.sampled_from(keys))
        if action == "replace":
            arrays[key] = data.draw(MEMBER_VALUES)
        elif action == "drop":
            arrays.pop(key, None)
        else:
            arrays[data.draw(st.sampled_from(["layers.99.W", "extra", key + ".data"]))] = \
                data.draw(MEMBER_VALUES)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    _load_bytes(buffer.getvalue(), tmp_path_factory.mktemp("member"))


def test_object_arrays_and_zip_bombs_are_refused(tmp_path, monkeypatch):
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array([{"a": 1}], dtype=object), allow_pickle=True)
    path = tmp_path / "pickled.npz"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(CircuitError, match="not a readable circuitc network file"):
        circuitc.load(path)
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.npy", b"\x93NUMPY\x01\x00" + b"\x00" * (64 << 20))
    with pytest.raises(CircuitError):
        circuitc.load(tmp_path / "bomb.npz")
    monkeypatch.setenv("CIRCUITC_MAX_NETWORK_BYTES", str(1 << 20))
    with pytest.raises(CircuitError, match="the archive unpacks to [0-9,]+ bytes, more than the limit of 1,048,576"):
        circuitc.load(tmp_path / "bomb.npz")
