"""terms: every form cheapest_terms returns computes its truth table exactly as a sum of cubes
(exhaustively up to 3 variables, on random tables up to 7), and the counts the module docstring
promises: XOR 2, parity 2^(k-1), an AND of literals 1, NOR and OR 1, MUX 2."""

from __future__ import annotations

import random

import pytest

from circuitc.lowering.terms import cheapest_terms, neurons


def value(terms, constant, n, r):
    """The sum of cubes at row r, by the cube's definition (not by the ReLU)."""
    total = constant
    for pos, neg, c in terms:
        if all(r >> i & 1 for i in range(n) if pos >> i & 1) and \
                not any(r >> i & 1 for i in range(n) if neg >> i & 1):
            total += c
    return total


def relu_value(terms, constant, n, r):
    """The same through the ReLUs the layers build: relu(sum_pos - sum_neg - (|pos| - 1))."""
    x = [r >> i & 1 for i in range(n)]
    total = constant
    for pos, neg, c in terms:
        p = [i for i in range(n) if pos >> i & 1]
        s = sum(x[i] for i in p) - sum(x[i] for i in range(n) if neg >> i & 1) - (len(p) - 1)
        total += c * max(s, 0)
    return total


def table_of(f, n):
    return sum(1 << r for r in range(1 << n) if f([r >> i & 1 for i in range(n)]))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_every_table_exactly(n):
    for table in range(1 << (1 << n)):
        terms, constant = cheapest_terms(table, n)
        for r in range(1 << n):
            assert value(terms, constant, n, r) == table >> r & 1
            assert relu_value(terms, constant, n, r) == table >> r & 1
        assert all(pos | neg and not pos & neg for pos, neg, _ in terms)  # degree >= 1, literals


@pytest.mark.parametrize("n", [4, 5, 6, 7])
def test_random_tables_exactly(n):
    rng = random.Random(n)
    for _ in range(40):
        table = rng.getrandbits(1 << n)
        terms, constant = cheapest_terms(table, n)
        assert all(relu_value(terms, constant, n, r) == table >> r & 1 for r in range(1 << n))


@pytest.mark.parametrize("name,f,n,count", [
    ("xor", lambda x: x[0] ^ x[1], 2, 2),
    ("xnor", lambda x: 1 - (x[0] ^ x[1]), 2, 2),
    ("parity5", lambda x: sum(x) % 2, 5, 16),
    ("parity6", lambda x: sum(x) % 2, 6, 32),
    ("and of literals", lambda x: x[0] and not x[1] and not x[2] and x[3], 4, 1),
    ("nor4", lambda x: not any(x), 4, 1),
    ("or4", lambda x: any(x), 4, 1),
    ("mux", lambda x: x[1] if x[0] else x[2], 3, 2),
    ("a and not b", lambda x: x[0] and not x[1], 2, 1),
])
def test_counts(name, f, n, count):
    assert neurons(table_of(f, n), n) == count, name


def test_constants_cost_nothing():
    for n in (1, 3):
        assert cheapest_terms(0, n) == ((), 0)
        assert cheapest_terms((1 << (1 << n)) - 1, n) == ((), 1)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 8])
def test_neurons_counts_the_terms_cheapest_terms_builds(n):
    """`neurons` counts the decision diagrams' paths without listing them: it must agree with
    the terms the lowering builds, on dense random tables and on sparse ones (ANDs of random
    tables, the shapes of a mapper's cuts)."""
    rng = random.Random(100 + n)
    for _ in range(60 if n < 7 else 12):
        dense = rng.getrandbits(1 << n)
        sparse = dense & rng.getrandbits(1 << n) & rng.getrandbits(1 << n)
        for table in (dense, sparse, ~sparse & ((1 << (1 << n)) - 1)):
            assert neurons(table, n) == len(cheapest_terms(table, n)[0])
