"""Networks shared by the interpretability tests: every example (exact) and superposed ones."""

from __future__ import annotations

import functools

import circuitc
from circuitc.gen import sparse_circuit
from conftest import EXAMPLES

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.circ"))


@functools.lru_cache(maxsize=None)
def example_net(name: str, architecture: str = "auto") -> circuitc.Network:
    return circuitc.compile(circuitc.parse_file(EXAMPLES / name), mode="exact",
                            architecture=architecture)


def every_network(pytest) -> list:
    """pytest params: every example in both exact architectures, and two superposed networks."""
    return [pytest.param(lambda f=f, a=a: example_net(f.name, a), id=f"{f.stem}-{a}")
            for f in EXAMPLE_FILES for a in ("mlp", "residual")] + [
        pytest.param(superposed_uand, id="uand100-superposed"),
        pytest.param(superposed_deep, id="deep-clamped"),
    ]


@functools.lru_cache(maxsize=None)
def superposed_uand() -> circuitc.Network:
    """The AND of all pairs of 100 3-sparse features in superposition (U-AND; at 40 features
    no width below the exact one passes the acceptance rule)."""
    circuit = circuitc.parse_file(EXAMPLES / "u_and.circ", params={"M": 100})
    return circuitc.compile(circuit, mode="superposed", samples=2000)


@functools.lru_cache(maxsize=None)
def superposed_deep() -> circuitc.Network:
    """A 3-level random sparse circuit in clamped superposition, inputs in superposition."""
    circuit, _ = sparse_circuit(60, 3, 2, seed=0)
    return circuitc.compile(circuit, mode="superposed", construction="clamped", samples=2000)
