"""The exact bit-error rate of a U-AND layer of pairs on sparse inputs (at most 3 wires on).

Contract
--------
`pair_risk(W, b, A, a0, pairs, n_wires, on)` returns a `PairRisk` when the layer has the form
below (else None: the planner then judges it by sampling, `acceptance.py`), and
`PairRisk.errors(theta, eps)` is the expected number of AND outputs decoded wrong (read-off on
the wrong side of theta, or within eps of it) per input drawn from `on`: exactly s of the
n_wires wires on (on = s), or s drawn from a distribution {s: P(s)} (atmost(k): s uniform on
0..k), the on wires a uniformly random s-subset; s <= 3. The count is an upper bound, exact for
the outputs with one or two of their wires on. `n * errors(theta, eps)` bounds the probability
that n such inputs contain any bit error (union bound), with no sampling and no extrapolation:
a proof, where `acceptance.py` can only fit tails.

The form (the paper's U-AND on the raw inputs, universal placement, `uand.py`): W [n_wires, d]
0/1; every neuron has bias -1, so neuron n outputs relu(sum of the on wires it reads - 1); the
pair T = (i, j) is read from its hosts H_T = every neuron reading both i and j, with one weight
w_T each (A[n, T] = w_T = 1 / c_T, c_T = |H_T|), plus the offset a0_T.

The maths
---------
Let g_T(k) = |H_T n S_k| be the number of T's hosts that also read wire k (S_k: the neurons
reading k), for every wire k outside T. On an input with exactly s wires on, j of them T's
(j = 0, 1, 2) and the set K of the s - j others, host n has
relu(j + #(K n reads of n) - 1), so T's read-off y_T = w_T sum_{n in H_T} relu(...) + a0_T is

    j = 2 (T is true):   y_T = w_T (c_T + sum_{k in K} g_T(k)) + a0_T              exactly,
    j = 1 (false):       y_T = w_T sum_{k in K} g_T(k) + a0_T                       exactly,
    j = 0 (false):       y_T = w_T (sum_K g_T(k) - |H_T n U_K S_k|) + a0_T
                             <= w_T (sum_K g_T(k) - max_K g_T(k)) + a0_T,

(relu(c - 1) = c - [c >= 1] on the integers, and the union holds the largest g). So every
read-off is a function of T's histogram h_T[v] = #{k outside T : g_T(k) = v} and of which
(s - j)-subset of the other wires is on, and the number of subsets that decode wrong is a count
over h_T:

- sums above t, |K| = 1: G(t+1) with G(x) = #{k : g(k) >= x}; |K| = 2 (unordered, distinct):
  (sum_v h[v] G(t + 1 - v) - G(floor(t/2) + 1)) / 2;
- (sum - max) above t, |K| = 2: C(G(t + 1), 2) (the smaller one is above t); |K| = 3 (the two
  smallest sum above t): taking the smallest element x (by value, then index) of value a, the
  other two must come after it with values >= max(a, t + 1 - a): summed over the h[a] elements
  of value a, C(B + h[a], 3) - C(B, 3) when 2a > t (B = G(a + 1)) and h[a] C(B, 2) otherwise
  (B = G(t + 1 - a));
- sums below u (the true side): C(N, |K|) minus the sums above u - 1 (N = n_wires - 2).

(With no wire on at all, s = 0, every read-off is a0_T.) Each (j, K) with j of T's wires on
(C(2, j) ways) has probability 1 / C(n_wires, s) given s, so

    errors(theta, eps) = sum_s P(s) sum_T sum_j C(2, j) #{K wrong at theta, eps} / C(n_wires, s),

with "wrong" y_T > theta - eps for j < 2 and y_T < theta + eps for j = 2 (eps also covers float
rounding of the network's own arithmetic). Computing every g_T(k) = |S_i n S_j n S_k| costs, per
wire i, one dense product X X^T with X = the connections restricted to S_i (m^3 p d / 2
multiply-adds in all: ~5 s at m = d = 1000); h is kept as cumulative uint16 counts
[M, max g + 2], and an `errors` call costs O(M) plus O(max g) for each pair with a g above t / 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from circuitc.network import column_counts

_BLOCK = 1 << 22  # host entries checked at a time
_ROWS = 1 << 16  # pairs per block of an `errors` evaluation
_GRID = 17  # thresholds per round of `best_threshold`
_ROUNDS = 4


@dataclass(frozen=True)
class PairRisk:
    """Per pair T: G_T(x) = #{k outside T : g_T(k) >= x}, its host weight w_T and offset a0_T."""

    at_least: np.ndarray  # [M, V + 1] uint16: G_T(x) for x = 0..V (G_T(V) = 0)
    w: np.ndarray  # [M] float64: the read-off weight of each host
    c: np.ndarray  # [M] int64: hosts
    a0: np.ndarray  # [M] float64
    n_wires: int
    on: tuple[tuple[int, float], ...]  # (s, P(s)): how many wires are on

    def errors(self, theta: float, eps: float = 0.0, limit: float = math.inf) -> float:
        """Expected wrong outputs per input (module docstring): exact for one or two of a pair's
        wires on, an upper bound for none. The count stops early, returning inf, once it
        exceeds `limit`."""
        return float(sum(self.errors_by_class(theta, eps, limit)))

    def errors_by_class(self, theta: float, eps: float = 0.0,
                        limit: float = math.inf) -> tuple[float, float, float]:
        """`errors` split by the number of a pair's wires on: (none (a bound), one, both)."""
        counts = np.zeros(3)
        for s, weight in self.on:
            part = self._given(s, theta, eps, limit / weight if weight else math.inf)
            counts += weight * np.asarray(part)
        return tuple(float(x) for x in counts)

    def _given(self, s: int, theta: float, eps: float,
               limit: float) -> tuple[float, float, float]:
        """`errors_by_class` on inputs with exactly s wires on (inf once above `limit`)."""
        G, n = self.at_least, self.n_wires - 2
        total = math.comb(self.n_wires, s)
        # false sides: wrong when w S + a0 > theta - eps, i.e. S > t (S an integer sum of g's);
        # true side: wrong when w (c + S) + a0 < theta + eps, i.e. S < u
        t = np.floor((theta - eps - self.a0) / self.w).astype(np.int64)
        u = np.ceil((theta + eps - self.a0) / self.w - self.c).astype(np.int64)
        counts = np.zeros(3)
        if s >= 2:
            counts[2] = (math.comb(n, s - 2) - _sums_above(None, G, s - 2, u - 1)).sum()
        if s <= 2:
            counts[0] = _drop_max_above(None, G, s, t, n).sum()
            if s >= 1:
                counts[1] = 2 * _sums_above(None, G, s - 1, t).sum()
            return tuple(float(x) / total for x in counts)
        # a sum of two g's (or the two smallest of three) above t needs a g above t / 2: only
        # those pairs are counted value by value
        few = np.flatnonzero(2 * self.largest > t)
        for lo in range(0, len(few), _ROWS):
            if counts.sum() > limit * total:
                return (math.inf, math.inf, math.inf)
            rows = few[lo:lo + _ROWS]
            Gr = G[rows].astype(np.int64)
            h = Gr[:, :-1] - Gr[:, 1:]
            counts[0] += _drop_max_above(h, Gr, 3, t[rows], n).sum()
            counts[1] += 2 * _sums_above(h, Gr, 2, t[rows]).sum()
        return tuple(float(x) / total for x in counts)

    @cached_property
    def largest(self) -> np.ndarray:
        """Per pair: the largest g over the other wires."""
        return (self.at_least > 0).sum(axis=1) - 1

    def best_threshold(self, eps: float = 0.0) -> tuple[float, float]:
        """(theta, errors(theta, eps)) with the fewest expected errors (the middle of a tie):
        a grid from the highest true floor down to the lowest false mean, refined around its
        best point. The false count grows and the true one shrinks as theta falls, so each
        round stops once the count rises again (and a count above the best stops early). When
        even the best of the first grid expects more than one wrong output per input, the layer
        is hopeless at any threshold a refinement could find: that point is returned as it is
        (the count is still exact for it; only a search for a width reads it)."""
        lo, hi = float(self.a0.min()), float((self.w * self.c + self.a0).max())
        best, ties = math.inf, [0.5 * (lo + hi)]
        for _ in range(_ROUNDS):
            previous = math.inf
            for theta in np.linspace(hi, lo, _GRID):
                value = self.errors(float(theta), eps, limit=best)
                if value < best:
                    best, ties = value, [float(theta)]
                elif value == best:
                    ties.append(float(theta))
                elif value > previous:
                    break
                previous = value
            if best > 1:
                break
            step = (hi - lo) / (_GRID - 1)
            middle = ties[len(ties) // 2]
            lo, hi = middle - step, middle + step
        return ties[len(ties) // 2], best


def pair_risk(W, b: np.ndarray, A, a0: np.ndarray, pairs: np.ndarray, n_wires: int,
              on: int | dict[int, float]) -> PairRisk | None:
    """The exact risk of the layer y = relu(x W + b) A + a0 on inputs with `on` wires on
    (exactly s, or {s: P(s)}; module docstring), or None when it is not a U-AND layer of that
    form or more than 3 wires can be on."""
    on = {on: 1.0} if isinstance(on, int) else dict(on)
    pairs = np.sort(np.asarray(pairs), axis=1) if np.ndim(pairs) == 2 else None
    if pairs is None or pairs.shape[1] != 2 or not on or \
            not all(0 <= s <= min(3, n_wires - 2) for s in on) or \
            not math.isclose(sum(on.values()), 1.0):
        return None
    W, A = sparse.csr_array(W), sparse.csr_array(A)
    M, d = len(pairs), W.shape[1]
    if not (np.all(W.data == 1) and np.all(np.asarray(b) == -1) and A.shape == (d, M)) or \
            np.any(pairs[:, 0] == pairs[:, 1]) or \
            any(np.any(A.data[lo:lo + _BLOCK] <= 0) for lo in range(0, A.nnz, _BLOCK)):
        return None
    B = W.toarray().astype(bool)  # [n_wires, d]: the connections (1 MB at m = d = 1000)
    c = column_counts(A)
    w = np.zeros(M, dtype=np.float64)
    for lo in range(0, d, max(1, _BLOCK // max(1, A.nnz // d))):  # host rows, a block at a time
        hi = min(d, lo + max(1, _BLOCK // max(1, A.nnz // d)))
        span = slice(A.indptr[lo], A.indptr[hi])
        T, n = A.indices[span], np.repeat(np.arange(lo, hi), np.diff(A.indptr[lo:hi + 1]))
        w[T] = A.data[span]
        if not (B[pairs[T, 0], n].all() and B[pairs[T, 1], n].all()):
            return None  # a host does not read both wires of its pair
    if np.any(c == 0) or any(np.any(A.data[lo:lo + _BLOCK] != w[A.indices[lo:lo + _BLOCK]])
                             for lo in range(0, A.nnz, _BLOCK)):
        return None  # one weight per pair, on at least one host (checked a block at a time)
    # g_T(k) = |S_i n S_j n S_k| for T = (i, j): per first wire i, the rows j of
    # X X^T with X = B[:, S_i] (m^3 p d / 2 multiply-adds for all pairs)
    hist = np.zeros((M, 1), dtype=np.uint16)
    order = np.argsort(pairs[:, 0], kind="stable")
    firsts, starts = np.unique(pairs[order, 0], return_index=True)
    for i, lo, hi in zip(firsts, starts, [*starts[1:], M]):
        rows = order[lo:hi]
        X = B[:, B[i]].astype(np.float32)
        g = np.rint(X[pairs[rows, 1]] @ X.T).astype(np.int64)  # [pairs, n_wires]
        r = np.arange(len(rows))
        if np.any(g[r, i] != c[rows]):
            return None  # the hosts are not every neuron reading both wires
        g[r, i] = g[r, pairs[rows, 1]] = -1  # not "other" wires
        top = int(g.max()) + 1
        if top > hist.shape[1]:
            hist = np.pad(hist, ((0, 0), (0, top - hist.shape[1])))
        flat = (r[:, None] * (top + 1) + g + 1).ravel()  # bin 0 holds the two own wires
        hist[rows, :top] = np.bincount(flat, minlength=len(r) * (top + 1)).reshape(
            len(r), top + 1)[:, 1:]
    at_least = np.zeros((M, hist.shape[1] + 1), dtype=np.uint16)
    for lo in range(0, M, _ROWS):
        at_least[lo:lo + _ROWS, :-1] = np.cumsum(hist[lo:lo + _ROWS, ::-1], axis=1)[:, ::-1]
    return PairRisk(at_least, w, c, np.asarray(a0, dtype=np.float64), n_wires,
                    tuple(sorted((int(s), float(p)) for s, p in on.items() if p > 0)))


def _take(G: np.ndarray, x: np.ndarray) -> np.ndarray:
    """G[row, x] with x clipped to 0..V (below 0: everything; above V: nothing)."""
    return np.take_along_axis(G, np.clip(x, 0, G.shape[1] - 1), axis=1).astype(np.int64)


def _sums_above(h, G, k: int, t: np.ndarray) -> np.ndarray:
    """Per row: the number of k-subsets of the other wires whose g sum exceeds t."""
    if k == 0:
        return (t < 0).astype(np.int64)
    if k == 1:
        return _take(G, (t + 1)[:, None])[:, 0]
    if k == 2:
        v = np.arange(h.shape[1])
        ordered = (h * _take(G, t[:, None] + 1 - v[None, :])).sum(axis=1)
        return (ordered - _take(G, (t // 2 + 1)[:, None])[:, 0]) // 2
    raise ValueError(k)


def _drop_max_above(h, G, k: int, t: np.ndarray, n: int) -> np.ndarray:
    """Per row: the number of k-subsets whose g sum minus its largest g exceeds t."""
    if k == 0:  # the empty set: its sum is 0
        return (t < 0).astype(np.int64)
    if k == 1:
        return np.where(t < 0, n, 0)
    if k == 2:
        above = _take(G, (t + 1)[:, None])[:, 0]
        return above * (above - 1) // 2
    if k == 3:
        a = np.arange(h.shape[1])[None, :]
        same = 2 * a > t[:, None]
        B = np.where(same, _take(G, a + 1),
                     _take(G, t[:, None] + 1 - a))
        return np.where(same, _comb3(B + h) - _comb3(B), h * B * (B - 1) // 2).sum(axis=1)
    raise ValueError(k)


def _comb3(x: np.ndarray) -> np.ndarray:
    return x * (x - 1) * (x - 2) // 6


def hopeless(W, b: np.ndarray, A, a0: np.ndarray, pairs: np.ndarray, n_wires: int,
             on: int | dict[int, float], eps: float, floor: float, share: float = 1 / 16,
             grid: int = 129) -> bool:
    """Whether the layer of `pair_risk` expects more than `floor` wrong outputs per input at
    every threshold, shown by counting a part of its pairs (those of the first wires, about
    `share` of them) for about `share` of the full count's cost. Sound, not complete: False
    when not shown (the full count then decides).

    Why a part suffices: `PairRisk.errors(theta, eps)` is a sum over pairs of non-negative
    counts (same divisor C(n_wires, s)), so a part's count is below the whole's at every
    theta. Why a grid suffices: the false outputs decoded wrong (none or one wire on) only
    fall as theta rises and the true ones (both on) only rise, so for theta in [t_k, t_k+1] of
    a grid t_0 < ... < t_N the count is at least false(t_k+1) + true(t_k); below t_0 at least
    false(t_0), above t_N at least true(t_N). The smallest of these bounds the count at any
    threshold, in particular at the one `PairRisk.best_threshold` would pick."""
    pairs = np.sort(np.asarray(pairs), axis=1) if np.ndim(pairs) == 2 else None
    if pairs is None or pairs.shape[1] != 2 or not len(pairs):
        return False
    firsts = pairs[:, 0]
    last = np.sort(firsts)[min(len(firsts) - 1, int(share * len(firsts)))]
    part = np.flatnonzero(firsts <= last)
    certificate = pair_risk(W, b, sparse.csr_array(A)[:, part], np.asarray(a0)[part],
                            pairs[part], n_wires, on)
    if certificate is None:
        return False
    # every read-off lies in [a0_T, w_T (c_T + 2 max g_T) + a0_T] (at most 3 wires on)
    lo = float(certificate.a0.min()) - eps
    hi = float((certificate.w * (certificate.c + 2 * certificate.largest)
                + certificate.a0).max()) + eps
    counts = np.array([certificate.errors_by_class(float(t), eps)
                       for t in np.linspace(lo, hi, grid)])
    false, true = counts[:, 0] + counts[:, 1], counts[:, 2]
    bound = min(false[0], true[-1], float((false[1:] + true[:-1]).min()))
    return bound > floor
