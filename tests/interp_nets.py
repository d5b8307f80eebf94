"""Networks shared by the interpretability tests: every example (exact) and superposed ones."""

from __future__ import annotations

import functools

import circuitc
from circuitc.gen import sparse_circuit
from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.circ"))


@functools.lru_cache(maxsize=None)
def example_net(name: str) -> circuitc.Network:
    return circuitc.compile(circuitc.parse_file(EXAMPLES / name), mode="exact")


@functools.lru_cache(maxsize=None)
def superposed_uand() -> circuitc.Network:
    """The AND of all pairs of 40 3-sparse features in superposition (U-AND)."""
    circuit = circuitc.parse_file(EXAMPLES / "u_and.circ", params={"M": 40})
    return circuitc.compile(circuit, mode="superposed", samples=2000)


@functools.lru_cache(maxsize=None)
def superposed_deep() -> circuitc.Network:
    """A 3-level random sparse circuit in clamped superposition, inputs in superposition."""
    circuit, _ = sparse_circuit(60, 3, 2, seed=0)
    return circuitc.compile(circuit, mode="superposed", construction="clamped", samples=2000)
