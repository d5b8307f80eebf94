"""One table of end-to-end cases: circuit, parameters, distribution, mode -> the network is right.

Like Tracr's compiler/test_cases.py: every case goes parse -> compile -> save -> load -> eval,
and `circuitc eval` must find zero bit errors and (exact mode) zero read-off error, checking every
input where there are at most 16 and 10^4 samples otherwise (fewer here, to keep the suite fast).
"""

from pathlib import Path

import numpy as np
import pytest

import circuitc
from conftest import EXAMPLES

CASES = [
    # (file, params, distribution override, mode)
    ("adder.circ", {"N": 8}, None, "exact"),
    ("adder.circ", {"N": 16}, None, "exact"),
    ("multiplier.circ", {"N": 4}, None, "exact"),
    ("comparator.circ", None, None, "exact"),
    ("decoder.circ", None, None, "exact"),
    ("mux.circ", None, None, "exact"),
    ("parity.circ", None, None, "exact"),
    ("majority.circ", None, None, "exact"),
    ("u_and.circ", None, None, "exact"),
    ("adder.circ", {"N": 8}, "sparse(2)", "exact"),
    ("u_and.circ", {"M": 100}, None, "superposed"),  # M = 40 does not pass the acceptance rule
] + [(p.name, None, None, "auto") for p in sorted(EXAMPLES.glob("*.circ"))
     if p.name != "u_and.circ"] + [("u_and.circ", {"M": 40}, None, "auto")]


@pytest.mark.parametrize("name, params, dist, mode", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in CASES])
def test_case(tmp_path: Path, name, params, dist, mode):
    circuit = circuitc.parse_file(EXAMPLES / name, params=params)
    net = circuitc.compile(circuit, mode=mode, distribution=dist, samples=2000)
    net.save(tmp_path / "net.npz")
    back = circuitc.load(tmp_path / "net.npz")
    report = circuitc.evaluate(back, samples=2000)
    assert report["ok"], report["bit_errors_per_output"]
    if mode == "exact":
        assert all(level["max_abs_error"] == 0.0 for level in report["levels"])
        if len(circuit.inputs) <= 16 and dist is None:
            assert report["inputs"] == "exhaustive"


def test_every_example_is_in_the_table():
    names = {c[0] for c in CASES}
    assert {p.name for p in EXAMPLES.glob("*.circ")} <= names


def test_compile_is_deterministic(tmp_path):
    circuit = circuitc.parse_file(EXAMPLES / "u_and.circ", params={"M": 30})
    for i in range(2):
        circuitc.compile(circuit, seed=3, samples=500).save(tmp_path / f"{i}.npz")
    assert (tmp_path / "0.npz").read_bytes() == (tmp_path / "1.npz").read_bytes()


def test_network_computes_the_adder(tmp_path):
    net = circuitc.compile(circuitc.parse_file(EXAMPLES / "adder.circ", params={"N": 8}))
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 256, 100), rng.integers(0, 256, 100)
    bits = lambda v: ((v[:, None] >> np.arange(8)) & 1)
    y = net(np.concatenate([bits(a), bits(b)], axis=1))
    s = (y[:, :8] * (1 << np.arange(8))).sum(1) + y[:, 8] * 256
    assert np.array_equal(s, a + b)
