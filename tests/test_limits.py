"""Limits on what input files declare, checked before the work they bound (circuitc.limits)."""

import time

import pytest

from circuitc import limits
from circuitc.errors import CircuitError
from circuitc.formats import READERS, load_circuit


@pytest.mark.parametrize("fmt, data, message", [
    ("aiger", b"aig 1000000000 1000000000 0 1 0\n2\n", "declares 1,000,000,000 input bits"),
    ("aiger", b"aig 1000000000 1 0 1 999999999\n2\n", "999999999 ANDs cannot fit"),
    ("aiger", "aig 3 \u00b9 0 1 0\n2\n".encode(), "bad header"),  # a superscript one
    ("aiger", "aag 3 1 0 1 1\n\u0662\n2\n".encode(), "bad input 0"),  # an Arabic-Indic two
    ("bristol", b"1 1000000000\n1 100000000\n1 1\n\n2 1 0 0 1 AND\n", "CIRCUITC_MAX_NODES"),
    ("bristol", b"1 100000001\n2 50000000 50000000\n1 1\n\n2 1 0 1 100000000 AND\n",
     "declares 100,000,000 input bits"),
    ("bristol", b"1 5000\n1 2\n1 1\n\n2 1 0 1 2 AND\n", "can write at most"),
    ("bristol", "1 \u00b3\n1 2\n1 1\n\n2 1 0 1 2 AND\n".encode(), "bad header"),
])
def test_declared_sizes_are_refused_before_any_work(fmt, data, message):
    start = time.perf_counter()
    with pytest.raises(CircuitError, match=message):
        READERS[fmt](data, "bad")
    assert time.perf_counter() - start < 2  # refused, not attempted


def test_limits_are_raised_by_their_environment_variable(monkeypatch):
    data = b"aig 70 70 0 1 0\n2\n"
    monkeypatch.setenv("CIRCUITC_MAX_INPUTS", "50")
    with pytest.raises(CircuitError, match="more than the limit of 50 .*CIRCUITC_MAX_INPUTS"):
        READERS["aiger"](data, "x")
    monkeypatch.setenv("CIRCUITC_MAX_INPUTS", "100")
    assert len(READERS["aiger"](data, "x").inputs) == 70


def test_file_size_limit(monkeypatch, tmp_path):
    path = tmp_path / "c.bench"
    path.write_text("INPUT(a)\nOUTPUT(y)\ny = NOT(a)\n")
    monkeypatch.setenv("CIRCUITC_MAX_FILE_BYTES", "10")
    with pytest.raises(CircuitError, match="the file has 30 bytes, more than the limit of 10"):
        load_circuit(path)


def test_natural_takes_ascii_digits_only():
    assert limits.natural("042") == 42
    assert limits.natural("\u00b9") is None and limits.natural("\u0663") is None
    assert limits.natural("-1") is None and limits.natural("") is None


@pytest.mark.parametrize("body, message", [
    ("y = a & 0x_;", "syntax error"),  # no digits after the prefix: not a literal
    ("wire t; for i in 0..10**30 { t = a; } y = a;", "would unroll 1000000000000000000000000000000"),
    ("y = zext<1000000000000>(a);", "would have 1000000000000 bits"),
])
def test_language_sizes_are_refused_with_a_located_error(body, message):
    import circuitc

    start = time.perf_counter()
    with pytest.raises(CircuitError, match=message) as error:
        circuitc.parse_text(f"circuit c(a) -> (y) {{ {body} }}")
    assert error.value.errors[0].line == 1 and time.perf_counter() - start < 2
