"""Clamped targeted threshold units: a superposed gate layer that removes its own small errors.

Contract
--------
`build_clamped(spec, d, ...)` returns a `GateLayer` (W [n_wires, d], b [d], R [d, n_gates],
r [n_gates], all float32, W and R csr) with

    gates(w) ~= relu(w @ W + b) @ R + r

for 0/1 (or slightly noisy) wire vectors w that are sparse on the declared distribution. When
`d` is large enough that no neuron hosts two units (d >= 2 c * units in every pool) the layer is
exact on every 0/1 input, and stays exact under any wire noise e with sum |e| over a neuron's
inputs below 1/2 - h. Deterministic in `seed`.

1. Units (the unit decomposition)
---------------------------------
A *unit* is a positive-weight threshold function of a few wires: OR-type U_or(S) = [sum_S w >= 1]
(a single-wire buffer U_buf(a) is the OR-type unit of one operand) and AND-type
U_and(S) = [sum_S w >= |S|]. Every gate polynomial over two wires,
g = c0 + ca a + cb b + cab ab, is an affine combination of at most three units, since on 0/1
inputs U_buf(a) = a, U_and(a, b) = ab and U_or(a, b) = a + b - ab:

    AND = U_and           OR = U_or            XOR = U_or - U_and
    a & ~b = U_buf(a) - U_and  (or U_or - U_buf(b))         general: ca U_buf(a) + cb U_buf(b) + cab U_and

For each gate every decomposition with the fewest units is listed (one unit: and, or, buf;
two units: {or, and} when ca = cb, {buf a, and} when cb = 0, {buf a, or} when cab = -cb, ...;
three units otherwise) and one is chosen greedily, in gate order: most units already chosen by
earlier gates (units are shared: a pair a & ~b, b & ~a needs three units, not four), then fewest
OR-type operand reads (OR hosts are the ones that fire by collision, see 3), then a fixed order.
A gate over more than two wires, or of degree > 2, falls back to one unit per monomial
(degree 1: a buffer, degree k: an AND unit of k wires). Constants go to r.

2. Targeted clamped placement
-----------------------------
Units are grouped into pools by threshold (OR-type: t = 1/2; AND-type of size k: t = k - 1/2),
and the d/2 neuron *pairs* are split between pools in proportion to their units (largest
remainder). Each unit is placed on c pairs of its pool (c rounds of a shuffled unit order laid
round-robin over a shuffled pair order: loads differ by at most one per round, and a pool with
>= c units' worth of pairs hosts every unit on its own pairs). A pair's pre-activation is the sum
of the operand wires of every unit it hosts (a wire read by two of its units counts twice):
positive weights only and one threshold per pair, so contributions never cancel. The pair is a
clamped step, two ReLUs of the layer:

    step(u) = (relu(u - t + h) - relu(u - t - h)) / (2h)   = 0 for u <= t - h, 1 for u >= t + h.

With 0/1 wires the pre-activation is an integer and t is half-way between integers, so every host
is exactly 0 or 1 for any h < 1/2, and remains so under input noise below 1/2 - h: each layer
removes the small errors of the layer before instead of passing them on. A small h (default 0.1)
leaves the widest noise margin; the ramp between t - h and t + h only passes partial values.

3. Collisions, spurious rate and the read-off
---------------------------------------------
A host of unit T always fires when T is on (positive weights). When T is off it fires
*spuriously* when the other wires it reads reach t: for an OR host, any other read wire on; for
an AND(2) host, two other read wires on, or one of T's own wires and one other. With independent
wire activities alpha_i and Q_j = the multiset of wires host j reads,

    F_j = P(sum_{i in Q_j} mult_i w_i >= t_j)        (Poisson-binomial, evaluated exactly)
    q_{T,j} = P(j fires | T off) = (F_j - P(T on)) / (1 - P(T on))      (T on implies j fires)

is the predicted spurious rate (`predicted_spurious`); on samples of the real wires the same
identity with measured frequencies gives the measured one (F_j - T_count) / (n - T_count).
A unit's read-off is the mean of its hosts, debiased so it is unbiased both on and off:

    U_T = (mean_{j in H_T} step_j - gamma_T) / (1 - gamma_T),   gamma_T = mean_j q_{T,j}

(R gets 1 / (|H_T| (1 - gamma_T)) per host step; r gets -gamma_T / (1 - gamma_T)). gamma comes
from `wire_samples` (stored values of the level below on seeded samples of the declared
distribution: measures correlations too), else from `activity`, else 0. The gates' read-offs
are the unit combinations of 1. Per-pair bias calibration is not needed on top: the read-offs of
the level below are unbiased over the distribution, so the mean shift of a pre-activation from
off-wire read-offs is zero; what remains is fluctuation.

Rough scale (targeted, U units in a pool of D pairs, s_u units on per sample): a pair hosts
u = c U / D units, so q ~ (u - 1) s_u / U ~ c s_u / D for OR hosts (AND hosts: ~ q^2 / 2).

4. Pre-activation noise and capacity
------------------------------------
A pair of the next layer reads ~2u wires; an off wire's read-off is Binomial(c, q)/c minus its
mean, so the pair's pre-activation carries N ~ Poisson(2 u c q) spurious hosts of weight ~1/c:
mean 2 u c q ~ 2 c^3 U s_u / D^2 hosts. It misfires when N / c exceeds the margin 1/2 - h, i.e.
N >= c (1/2 - h). Zero errors over n samples of a layer of D pairs needs
D n P(Poisson(2 c^3 U s_u / D^2) >= c (1/2 - h)) << 1, so D grows like sqrt(U) (times a factor
set by c and the sample count): the layer needs ~ c^1.5 sqrt(U s_u) pairs at least, and gates
per ReLU M / 2D grow like sqrt(M) (the note's d^2 capacity). The constant is large; the benchmark
(bench/deep.py, docs/deep.md) measures where it breaks.

5. Predicted error per input class
----------------------------------
On clean 0/1 inputs every step is exactly 0 or 1, so a unit's read-off error depends only on
which of its hosts fire. Fix the state of the unit's own wires (a host reads them own_j =
sum_{i in T} mult_ij w_i times) and let the pair's other reads O_j be independent Bernoulli
(alpha): the host fires with probability P(sum_{O_j} mult w >= ceil(t_j) - own_j), which needs
only P(O_j sums to 0) = prod (1 - alpha_i) and P(sum = 1) = P(0) sum_{mult_i = 1} alpha_i /
(1 - alpha_i) for the thresholds of two-wire units (three or more: Poisson tail). The state fixed
is that of the whole gate's operands, not only the unit's: the hosts of XOR's OR unit may also
read its AND unit's wires. The unit's
expected read-off in that state is (mean over hosts - gamma_T) / (1 - gamma_T): exactly 1 when it
is on, and the collision rate of its class minus the average gamma when it is off; a gate's
expected error is the C-combination of its units' errors (`predicted_errors`). AND units are
the ones whose error depends on the class: one operand on leaves them one collision from firing,
none on two.

6. Signed units (signed=True)
-----------------------------
An ANDNOT unit [w_a - w_b >= 1/2] is a & ~b on 0/1 wires: one unit where section 1 needs two
(U_buf(a) - U_and), so a pair block a & ~b, b & ~a costs two units instead of three, and XOR is
the sum of the two ANDNOT units of its operands (exactly one of them is on when XOR is). Its
hosts are pairs of the threshold-1/2 pool (with the OR-type units): a host reads a with weight +1
and b with weight -1. Off, it fires by one coincidence like an OR host (a = b = 0, or a = b = 1);
with a = 0, b = 1 it needs two. The price is cancellation: a host of an on unit T no longer
always fires, since a co-hosted ANDNOT unit whose negative wire is on takes 1 from the pair's
pre-activation (one coincidence, the same order as the spurious rate q); a pair hosting both
[a - b] and [b - a] reads 0 and is dead. So the read-off has false negatives as well as false
positives; the measured spurious rate (`measured_spurious`) conditions each host on its unit
being off directly ((F_j - both_{T,j}) / (n - T_count), both = samples where T is on and j
fires), which is exact for signed and positive units alike. The predictions of sections 3 and 5
assume positive weights and are not made for signed units (calibrate on wire_samples).
Measured (docs/deep.md section 4): 1.4x fewer units on the generator's circuits, fewer bit
errors at a given width, but the zero-error width at 2000 wires per level did not move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc.lowering.construction import GateLayer, LevelSpec

DEFAULT_C = 12  # hosts per unit (bench/deep.py: c = 12 reached zero errors at the smallest width)
DEFAULT_H = 0.1  # half-width of the clamped step's ramp
OR, AND, ANDNOT = "or", "and", "andnot"


@dataclass(frozen=True)
class Unit:
    kind: str  # OR, AND or ANDNOT (signed: [w_a - w_b >= 1/2], wires = (a, b), a read +1, b -1)
    wires: tuple[int, ...]  # operand wires: sorted, but (a, b) in that order for ANDNOT

    @property
    def threshold(self) -> float:
        return len(self.wires) - 0.5 if self.kind == AND else 0.5

    @property
    def signs(self) -> tuple[int, ...]:
        return (1, -1) if self.kind == ANDNOT else (1,) * len(self.wires)


def decompose(spec: LevelSpec, signed: bool = False) -> tuple[list[Unit], sp.csr_array, np.ndarray]:
    """Units the level needs, their coefficients C [n_units, n_gates] and constants [n_gates]
    (gates = unit values @ C + const on 0/1 wires); see section 1 of the module docstring
    (signed: section 6)."""
    P = sp.csc_array(spec.P)
    units: dict[Unit, int] = {}
    rows, cols, vals = [], [], []
    for g in range(spec.n_gates):
        terms: dict[tuple[int, ...], float] = {}
        for m, v in zip(P.indices[P.indptr[g]:P.indptr[g + 1]], P.data[P.indptr[g]:P.indptr[g + 1]]):
            key = tuple(sorted(spec.monomials[m]))
            terms[key] = terms.get(key, 0.0) + float(v)
        terms = {m: v for m, v in terms.items() if v != 0}
        choice = _best(_options(terms, signed), units)
        for unit, coef in choice:
            if coef == 0:
                continue
            t = units.setdefault(unit, len(units))
            rows.append(t)
            cols.append(g)
            vals.append(coef)
    C = sp.csr_array((np.array(vals, np.float32), (np.array(rows, np.int64), np.array(cols, np.int64))),
                     shape=(len(units), spec.n_gates), dtype=np.float32)
    C.sum_duplicates()
    return list(units), C, np.asarray(spec.p0, dtype=np.float32).copy()


def _options(terms: dict[tuple[int, ...], float],
             signed: bool = False) -> list[list[tuple[Unit, float]]]:
    """Every fewest-unit decomposition of one gate's non-constant part (signed: a & ~b and XOR
    through ANDNOT units, section 6)."""
    wires = sorted({i for m in terms for i in m})
    if not terms:
        return [[]]
    if len(wires) > 2 or any(len(m) > 2 for m in terms):
        return [[(Unit(OR if len(m) == 1 else AND, m), v) for m, v in sorted(terms.items())]]
    if len(wires) == 1:
        return [[(Unit(OR, (wires[0],)), terms[(wires[0],)])]]
    a, b = wires
    ca, cb, cab = terms.get((a,), 0.0), terms.get((b,), 0.0), terms.get((a, b), 0.0)
    ua, ub, uand, uor = Unit(OR, (a,)), Unit(OR, (b,)), Unit(AND, (a, b)), Unit(OR, (a, b))
    one, two = [], []
    if signed:
        if cb == 0 and cab == -ca:  # ca (a & ~b)
            one.append([(Unit(ANDNOT, (a, b)), ca)])
        if ca == 0 and cab == -cb:  # cb (b & ~a)
            one.append([(Unit(ANDNOT, (b, a)), cb)])
        if ca == cb and cab == -2 * ca:  # ca XOR: exactly one of a & ~b, b & ~a is on
            two.append([(Unit(ANDNOT, (a, b)), ca), (Unit(ANDNOT, (b, a)), ca)])
    if ca == 0 and cb == 0:
        one.append([(uand, cab)])
    if ca == cb == -cab:
        one.append([(uor, ca)])
    if cb == 0 and cab == 0:
        one.append([(ua, ca)])
    if ca == 0 and cab == 0:
        one.append([(ub, cb)])
    if one:
        return one
    if ca == cb:
        two.append([(uor, ca), (uand, cab + ca)])
    if cb == 0:
        two.append([(ua, ca), (uand, cab)])
    if ca == 0:
        two.append([(ub, cb), (uand, cab)])
    if cab == -cb:
        two.append([(uor, cb), (ua, ca - cb)])
    if cab == -ca:
        two.append([(uor, ca), (ub, cb - ca)])
    if cab == 0:
        two.append([(ua, ca), (ub, cb)])
    if two:
        return two
    return [[(ua, ca), (ub, cb), (uand, cab)]]


def _best(options, chosen: dict[Unit, int]) -> list[tuple[Unit, float]]:
    def cost(opt):
        shared = sum(1 for u, _ in opt if u in chosen)
        or_reads = sum(len(u.wires) for u, _ in opt if u.kind == OR)
        return (-shared, or_reads)

    return min(options, key=cost)  # min is stable: ties keep the listed order


def build_clamped(
    spec: LevelSpec,
    d: int,
    *,
    c: int = DEFAULT_C,
    h: float = DEFAULT_H,
    shift: float = 0.0,
    seed: int = 0,
    wire_samples: np.ndarray | sp.csr_array | None = None,
    activity: float | np.ndarray | None = None,
    signed: bool = False,
) -> GateLayer:
    """A clamped targeted layer of d ReLUs (d/2 step pairs) computing spec's gates; see the module
    docstring. wire_samples (bool [n, n_wires], dense or CSR of the ones: stored values of the
    level below) or activity (per-wire or global on-probability) calibrate the read-off; signed
    uses ANDNOT units (section 6; needs wire_samples to calibrate); ValueError on bad
    arguments."""
    _check(spec, d, c, h, wire_samples, activity)
    if not abs(shift) + h < 0.5:
        raise ValueError(f"build_clamped: |shift| + h must be below 1/2, got {shift!r} + {h!r}")
    pl = placement(spec, d, c, seed, signed)
    units, C, const, hu, hj, Wcount, thr = pl.units, pl.C, pl.const, pl.hu, pl.hj, pl.Wcount, pl.thr
    D = d // 2
    hosts = np.bincount(hu, minlength=len(units))
    pools = sorted({u.threshold for u in units})
    counts = [sum(1 for u in units if u.threshold == t) for t in pools]

    gamma, how = _background(units, hu, hj, Wcount, thr, spec.n_wires, wire_samples, activity)
    gamma = np.minimum(gamma, 0.5)  # a unit whose hosts fire half the time is hopeless anyway
    # Columns 2j and 2j+1 are pair j's two ReLUs.
    W = sp.csr_array(sp.kron(Wcount, np.ones((1, 2), np.float32)), dtype=np.float32)
    b = np.empty(d, np.float32)
    b[0:2 * D:2], b[1:2 * D:2] = -(thr + shift) + h, -(thr + shift) - h
    if d % 2:  # an odd d leaves one unused neuron
        W = sp.csr_array(sp.hstack([W, sp.csr_array((spec.n_wires, 1), dtype=np.float32)]))
        b[-1] = 0.0
    A = sp.csr_array(((1.0 / (hosts[hu] * (1.0 - gamma[hu]))).astype(np.float32), (hj, hu)),
                     shape=(D, len(units)))
    S = sp.csr_array(sp.kron(sp.eye_array(D, format="csr"),
                             np.array([[1.0], [-1.0]], np.float32) / (2 * h)), dtype=np.float32)
    if d % 2:
        S = sp.csr_array(sp.vstack([S, sp.csr_array((1, D), dtype=np.float32)]))
    R = sp.csr_array(S @ A @ C, dtype=np.float32)
    R.eliminate_zeros()
    r = (const - (gamma / (1.0 - gamma)).astype(np.float32) @ C).astype(np.float32)
    reads = np.asarray(Wcount.sum(axis=0)).ravel()
    info = {
        "construction": "clamped", "width": int(d), "pairs": int(D), "c": int(c), "h": float(h),
        "shift": float(shift), "signed": bool(signed),
        "units": len(units), "units_by_threshold": {str(t): int(n) for t, n in zip(pools, counts)},
        "hosts_min": int(hosts.min()) if len(hosts) else 0,
        "reads_per_pair": float(reads.mean()) if D else 0.0,
        "background": how, "gamma_mean": float(gamma.mean()) if len(gamma) else 0.0,
        "gamma_max": float(gamma.max()) if len(gamma) else 0.0,
        "gates_per_relu": spec.n_gates / d,
    }
    return GateLayer(W, b, R, r, info)


def predicted_spurious(units: Sequence[Unit], hu: np.ndarray, hj: np.ndarray,
                       Wcount: sp.csr_array, thr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """q per (unit, host) entry with independent wire activities alpha (section 3)."""
    F = _fire_probability(Wcount, thr, alpha)
    on = np.array([np.prod(alpha[list(u.wires)]) if u.kind == AND
                   else 1.0 - np.prod(1.0 - alpha[list(u.wires)]) for u in units])
    return np.clip((F[hj] - on[hu]) / np.maximum(1.0 - on[hu], 1e-12), 0.0, 1.0)


def predicted_errors(spec: LevelSpec, d: int, alpha: np.ndarray, *, c: int = DEFAULT_C,
                     seed: int = 0, wire_samples: np.ndarray | None = None,
                     activity: float | np.ndarray | None = None) -> np.ndarray:
    """Expected read-off error [n_gates, 4] of each gate of build_clamped(spec, d, c=c,
    seed=seed, wire_samples=..., activity=...) on clean 0/1 inputs whose wires are independent
    Bernoulli(alpha), per state of the gate's operands (a, b), a < b: column 2 w_a + w_b (one
    operand: column w_a, the others NaN; three or more operands: NaN). Section 5."""
    alpha = np.broadcast_to(np.asarray(alpha, float), (spec.n_wires,))
    pl = placement(spec, d, c, seed)
    gamma, _ = _background(pl.units, pl.hu, pl.hj, pl.Wcount, pl.thr, spec.n_wires, wire_samples,
                           activity)
    gamma = np.minimum(gamma, 0.5)  # as build_clamped
    coo = sp.coo_array(pl.Wcount)
    mult = {(int(i), int(j)): int(m) for i, j, m in zip(coo.row, coo.col, coo.data)}
    log0 = np.log1p(-np.minimum(alpha, 1 - 1e-12))
    odds = alpha / np.maximum(1.0 - alpha, 1e-12)
    n_pairs = len(pl.thr)
    pair_log0 = np.bincount(coo.col, weights=log0[coo.row], minlength=n_pairs)
    pair_odds1 = np.bincount(coo.col, weights=np.where(coo.data == 1, odds[coo.row], 0.0),
                             minlength=n_pairs)
    pair_mean = np.bincount(coo.col, weights=coo.data * alpha[coo.row], minlength=n_pairs)
    order = np.argsort(pl.hu, kind="stable")
    hosts = np.split(pl.hj[order], np.cumsum(np.bincount(pl.hu, minlength=len(pl.units)))[:-1])
    C = sp.csc_array(pl.C)
    out = np.full((spec.n_gates, 4), np.nan)
    for g in range(spec.n_gates):
        ts, coefs = C.indices[C.indptr[g]:C.indptr[g + 1]], C.data[C.indptr[g]:C.indptr[g + 1]]
        ops = sorted({i for t in ts for i in pl.units[t].wires})
        if len(ops) > 2:
            continue
        states = [{i: s >> k & 1 for k, i in enumerate(reversed(ops))} for s in range(2 ** len(ops))]
        out[g, :len(states)] = 0.0
        for t, coef in zip(ts, coefs):
            unit, fire = pl.units[t], np.zeros(len(states))
            for j in hosts[t]:  # the gate's operands are fixed, every other read is Bernoulli
                m = {i: mult.get((i, int(j)), 0) for i in ops}
                read = [i for i in ops if m[i]]
                p0 = np.exp(pair_log0[j] - log0[read].sum())
                p1 = p0 * (pair_odds1[j] - sum(odds[i] for i in read if m[i] == 1))
                lam = pair_mean[j] - sum(m[i] * alpha[i] for i in read)
                for k, state in enumerate(states):
                    need = int(np.ceil(pl.thr[j])) - sum(m[i] * state[i] for i in ops)
                    fire[k] += (1.0 if need <= 0 else 1 - p0 if need == 1 else
                                1 - p0 - p1 if need == 2 else _poisson_tail(lam, need))
            fire /= max(len(hosts[t]), 1)
            for k, state in enumerate(states):
                on = [state[i] for i in unit.wires]
                if not (all(on) if unit.kind == AND else any(on)):  # an on unit reads exactly 1
                    out[g, k] += coef * (fire[k] - gamma[t]) / (1.0 - gamma[t])
    return out


def _poisson_tail(lam: float, k: int) -> float:
    """P(Poisson(lam) >= k)."""
    term, below = np.exp(-lam), 0.0
    for n in range(k):
        below += term
        term *= lam / (n + 1)
    return max(0.0, 1.0 - below)


def measured_spurious(units: Sequence[Unit], hu: np.ndarray, hj: np.ndarray,
                      Wcount: sp.csr_array, thr: np.ndarray, x: np.ndarray) -> np.ndarray:
    """q per (unit, host) entry measured on bool samples x [n, n_wires], dense or CSR (section
    3)."""
    xs = _rows(x)
    pre = (xs @ Wcount).tocoo()
    hit = pre.data >= thr[pre.col]
    fired = sp.csr_array((np.ones(int(hit.sum()), np.float32), (pre.row[hit], pre.col[hit])),
                         shape=pre.shape)  # [n, pairs]
    fires = np.asarray(fired.sum(axis=0)).ravel()
    on = _unit_on(units, x)  # [n, units]
    n_on = np.asarray(on.sum(axis=0)).ravel()
    # samples where the unit is on and its host fires: all of them for positive units, fewer
    # for a host silenced by a co-hosted ANDNOT unit's negative wire (section 6)
    both = sp.csr_array(on.T @ fired)[hu, hj]
    n = x.shape[0]
    return np.clip((fires[hj] - both) / np.maximum(n - n_on[hu], 1), 0.0, 1.0)


@dataclass
class Placement:
    """Where build_clamped puts every unit (see section 2): host entries (hu[e], hj[e]) = (unit,
    pair), Wcount [n_wires, d/2] how often pair j reads wire i, thr [d/2] each pair's threshold."""

    units: list[Unit]
    C: sp.csr_array
    const: np.ndarray
    hu: np.ndarray
    hj: np.ndarray
    Wcount: sp.csr_array
    thr: np.ndarray


def placement(spec: LevelSpec, d: int, c: int, seed: int, signed: bool = False) -> Placement:
    """The unit decomposition and placement build_clamped uses (deterministic in seed)."""
    units, C, const = decompose(spec, signed)
    if not units:  # only constant gates: nothing to host, r carries them
        empty = np.zeros(0, np.int64)
        return Placement(units, C, const, empty, empty,
                         sp.csr_array((spec.n_wires, d // 2), dtype=np.float32), np.full(d // 2, 0.5))
    rng = np.random.default_rng(seed)
    pools = sorted({u.threshold for u in units})
    unit_t = np.array([u.threshold for u in units])
    widths = _split(np.array([np.sum(unit_t == t) for t in pools]), d // 2)
    if np.any(widths == 0):
        raise ValueError(f"build_clamped: d = {d} is too small: each of the {len(pools)} unit "
                         f"pools (thresholds {pools}) needs at least one pair of neurons")
    host_u, host_j, thr, offset = [], [], np.zeros(d // 2), 0
    for t, width in zip(pools, widths):
        idx = np.flatnonzero(unit_t == t)
        mu, mj = _place(len(idx), int(width), min(c, int(width)), rng)
        host_u.append(idx[mu])
        host_j.append(mj + offset)
        thr[offset:offset + width] = t
        offset += width
    hu, hj = np.concatenate(host_u), np.concatenate(host_j)
    sizes = np.array([len(u.wires) for u in units])
    wi = np.concatenate([np.array(units[t].wires) for t in hu])
    sign = np.concatenate([np.array(units[t].signs, np.float32) for t in hu])
    W = sp.csr_array((sign, (wi, np.repeat(hj, sizes[hu]))), shape=(spec.n_wires, d // 2))
    W.sum_duplicates()
    W.eliminate_zeros()  # a [a - b] and a [b - a] unit on one pair cancel: that pair is dead
    return Placement(units, C, const, hu, hj, W, thr)


# ---- helpers ---------------------------------------------------------------------------------
def _place(n_units: int, width: int, c: int, rng: np.random.Generator):
    """c rounds of a shuffled unit order laid round-robin over a shuffled pair order; a unit
    landing twice on one pair counts once. Returns (unit, pair) host entries, sorted."""
    order = rng.permutation(width)
    slot = np.arange(c * n_units)
    mu = np.concatenate([rng.permutation(n_units) for _ in range(c)])
    mj = order[slot % width]
    pairs = np.unique(mu.astype(np.int64) * width + mj)
    return np.divmod(pairs, width)


def _background(units, hu, hj, Wcount, thr, n_wires, wire_samples, activity):
    if wire_samples is not None:
        return _per_unit(measured_spurious(units, hu, hj, Wcount, thr, wire_samples), hu,
                         len(units)), "samples"
    if activity is not None:
        if any(u.kind == ANDNOT for u in units):
            raise ValueError("build_clamped: signed units are calibrated on wire_samples only")
        alpha = np.broadcast_to(np.asarray(activity, float), (n_wires,)).copy()
        return _per_unit(predicted_spurious(units, hu, hj, Wcount, thr, alpha), hu,
                         len(units)), "activity"
    return np.zeros(len(units)), "none"


def _per_unit(q: np.ndarray, hu: np.ndarray, n_units: int) -> np.ndarray:
    return np.bincount(hu, weights=q, minlength=n_units) / np.maximum(
        np.bincount(hu, minlength=n_units), 1)


def _unit_on(units: Sequence[Unit], x: np.ndarray) -> sp.csr_array:
    """Which units are on in which samples, float32 0/1 csr [n, units], from bool samples
    x [n, n_wires] (dense or CSR): each unit's threshold on its signed operand sum, through the
    sparse wires."""
    xs = _rows(x)
    sizes = np.array([len(u.wires) for u in units], dtype=np.int64)
    wi = np.fromiter((i for u in units for i in u.wires), np.int64, int(sizes.sum()))
    sign = np.fromiter((v for u in units for v in u.signs), np.float32, int(sizes.sum()))
    M = sp.csr_array((sign, (wi, np.repeat(np.arange(len(units)), sizes))),
                     shape=(xs.shape[1], len(units)))
    pre = (xs @ M).tocoo()
    thr = np.array([u.threshold for u in units])
    hit = pre.data >= thr[pre.col]
    return sp.csr_array((np.ones(int(hit.sum()), np.float32), (pre.row[hit], pre.col[hit])),
                        shape=pre.shape)


def _rows(x: np.ndarray | sp.csr_array) -> sp.csr_array:
    """Samples of 0/1 wires as float32 CSR (a level's stored values come as CSR of the ones:
    no dense [samples x wires] copy is made)."""
    return sp.csr_array(x if sp.issparse(x) else np.asarray(x), dtype=np.float32)


def _fire_probability(Wcount: sp.csr_array, thr: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """P(sum_i mult_ij w_i >= thr_j) per pair j for independent w_i ~ Bernoulli(alpha_i): a DP
    over each pair's read wires on the count capped at ceil(thr)."""
    Wc = sp.csc_array(Wcount)
    D = Wc.shape[1]
    cap = int(np.ceil(thr.max())) if D else 1
    dist = np.zeros((D, cap + 1))
    dist[:, 0] = 1.0
    lengths = np.diff(Wc.indptr)
    for pos in range(int(lengths.max()) if D else 0):
        has = np.flatnonzero(lengths > pos)
        e = Wc.indptr[has] + pos
        a, m = alpha[Wc.indices[e]][:, None], Wc.data[e].astype(int)
        new = dist[has] * (1 - a)
        for v in range(cap + 1):
            target = np.minimum(v + m, cap)
            np.add.at(new, (np.arange(len(has)), target), dist[has, v] * a[:, 0])
        dist[has] = new
    above = np.arange(cap + 1)[None, :] >= np.ceil(thr)[:, None]
    return (dist * above).sum(axis=1)


def _split(counts: np.ndarray, total: int) -> np.ndarray:
    """total pairs in proportion to counts (largest remainder, ties by pool order)."""
    share = counts / counts.sum() * total
    widths = np.floor(share).astype(np.int64)
    order = np.argsort(-(share - widths), kind="stable")
    widths[order[: total - widths.sum()]] += 1
    return widths


def _check(spec, d, c, h, wire_samples, activity) -> None:
    problems = []
    if not isinstance(d, (int, np.integer)) or d < 2:
        problems.append(f"d must be an integer >= 2 (two ReLUs per step), got {d!r}")
    if not isinstance(c, (int, np.integer)) or c < 1:
        problems.append(f"c must be a positive integer, got {c!r}")
    if not 0.0 < h < 0.5:
        problems.append(f"h must be in (0, 0.5), got {h!r}")
    shape = wire_samples.shape if sp.issparse(wire_samples) else np.shape(wire_samples)
    if wire_samples is not None and (len(shape) != 2 or shape[1] != spec.n_wires):
        problems.append(f"wire_samples must be [n, {spec.n_wires}], got {shape}")
    if activity is not None:
        a = np.asarray(activity, dtype=float)
        if a.ndim > 1 or (a.ndim == 1 and len(a) != spec.n_wires) or np.any((a < 0) | (a > 1)):
            problems.append("activity must be a probability or one per wire, each in [0, 1]")
    if spec.n_gates == 0:
        problems.append("the level has no gates")
    if problems:
        raise ValueError("build_clamped: " + "; ".join(problems))
