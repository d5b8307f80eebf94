"""U-AND in superposition: one ReLU layer whose neurons are shared by many monomials.

Contract
--------
`build_uand(monomials, n_wires, d, ...)` returns a `UAndLayer` (W [n_wires, d] csr float32,
b [d] float32, A [d, M] csr float32, a0 [M] float32) such that for a 0/1 wire vector w that is
sparse on the declared distribution

    monomial_values ~= relu(w @ W + b) @ A + a0,

each monomial being the AND (product) of its wires. The error is small, not zero: it is the
interference of the other active wires on the neurons that host a monomial. Everything is sparse
(nnz(W) ~ n_wires * p * d or sum of host sets, nnz(A) = sum_T c_T); nothing of size C(m, 2) x d
is ever built densely.

Neurons (group by degree)
-------------------------
Monomials are grouped by degree k; each group gets its own block of d_k neurons (d split in
proportion to the number of monomials, largest remainder), with bias -(k - 1) - theta
(theta = `bias_shift`, default 0): a neuron outputs relu(#active wires it reads - (k-1) - theta).
A degree-1 monomial (a pass-through wire) has bias 0 (theta is ignored for k = 1).
Monomial T is *hosted* by a set H_T of c_T neurons of its group, all of which read every wire of T,
and its read-off is the mean of its hosts: A[n, T] = 1 / (c_T (1 - theta)) for n in H_T.

Two placements (`mode`):
- "universal" (the paper, section 2 of the note): neuron n of group k reads S_n, a random set of
  the group's wires with density p (p = (c/d_k)^(1/k) if only c is given). The hosts of T are all
  neurons reading all of T; every neuron reads ~p m_k wires. The paper draws each connection
  Bernoulli(p), so c_T ~ Binomial(d_k, p^k); by default (fixed_degree) every wire instead reads
  exactly round(p d_k) neurons, which makes c_T hypergeometric (variance ~ c (1-p)^2 instead of
  c (1 - p^2) for k = 2), and a repair step gives every monomial at least min_hosts hosts (half
  the expected c by default) by connecting its wires to the least-read neurons. Both cut the
  tail of badly hosted pairs that sets the decoding margin (docs/uand.md, all pairs of m = 1000,
  c = 64, 2000 samples: d_min 508 with Bernoulli connections, 430 with fixed degree).
- "targeted" (note section 7): each monomial is placed on c neurons of its group (c rounds, each a
  random permutation of the monomials laid over a random permutation of the neurons, so loads
  differ by at most c and d_k = c M_k places every monomial on its own c neurons: the exact
  construction, zero error). Neuron n reads only R_n = union of the monomials it hosts, about
  m_k (1 - exp(-k M_k c / (d_k m_k))) wires: far fewer than universal when M << C(m, k).
- "auto": the placement whose neurons read fewer wires (the estimates above), i.e. universal for
  (nearly) all pairs and targeted for the sparse monomial lists of real circuits.

Interference and the affine read-off (the maths)
------------------------------------------------
Fix monomial T (degree k) and a host n; let r = |R_n \\ T| be the other wires n reads (R_n = S_n
in universal mode) and suppose j of T's wires are on. The host's output is
relu(j + Q - (k-1) - theta) where Q = number of active wires among those r. With
q* = the largest q with j + q - (k-1) - theta < 0,

    E relu(j + Q - (k-1) - theta)
        = (j - (k-1) - theta) + E Q + sum_{q=0}^{q*} (k-1+theta-j-q) P(Q=q).

Distribution of Q: with exactly s wires on, uniformly placed (integer `s` given, `activity` not;
a fractional s means independent wires of activity s / n_wires),
Q ~ Hypergeometric(n_wires - k, r, s - j), so E Q = (s - j) r / (n_wires - k); with independent
wire activities alpha_l (`activity`), Q is Poisson-binomial over R_n \\ T:
P(Q=0) = prod(1 - alpha_l), P(Q=q) = P(Q=0) e_q(alpha/(1-alpha)) (elementary symmetric
polynomials, by Newton's identities from power sums). The predicted signed error of T's read-off
in class j (before a0) is

    err_j(T) = mean_{n in H_T} E relu(...) / (1 - theta) - [j == k].

Universal, k = 2, theta = 0, exactly s on, r ~ p (n_wires - 2) (the note's table):
both on (j=2): (s-2)p; one on (j=1): (s-1)p; none on (j=0): s p - 1 + (1-p)^s ~ C(s,2) p^2.
Targeted: the same formulas with p replaced by each host's own density r_n / (n_wires - k), where
r_n = |R_n| - k, the number of *other* wires the host reads (~ k M c / d when that is << m).
Nothing here is an approximation of the construction: the formulas are evaluated on the actual
host sets, so they are the exact expected errors for the exactly-s model.

The error is biased upward. The class of a monomial is unknown to the read-off, so a single
offset is subtracted: a0_T = -sum_j P_T(j) err_j(T), the interference averaged over the declared
distribution (P_T(j) hypergeometric for exactly s, Poisson-binomial over T's activities
otherwise). This makes the read-off unbiased over the distribution; since almost every monomial
is in class j = 0 on a sparse input, a0_T ~ -err_0(T), and the predicted mean error per class
after the offset is err_j(T) + a0_T (stored in `UAndLayer.predicted`, checked by tests). What
remains beyond these class means is fluctuation, with standard deviation ~ sqrt(err/c_T). One
threshold separates true from false ANDs when the fluctuation of the worst one-on pair stays below
the gap 1 - (s-1)p + (s-2)p = 1 - p.
Without `s` or `activity` there is no distribution to calibrate against: a0 = 0, predictions NaN.

With inputs in superposition (circuitc.lowering.embedding) each pre-activation also carries
Gaussian-like noise of std sigma ~ sqrt(s r / d0); it is rectified on one-on hosts (a further
bias ~ 0.4 sigma at theta = 0) that these formulas do not include; `bias_shift` theta > 0 cuts it
(a one-on host then fires only when its noise exceeds theta), at the price of scaling a
both-on host's signal to 1 - theta (undone by A).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from scipy import sparse, stats

from circuitc.network import column_counts

MODES = ("universal", "targeted", "auto")
DEFAULT_C = 32  # hosts per monomial; p = (c/d_k)^(1/k) in universal mode
_CHUNK = 20_000  # monomials per sparse product when finding universal hosts (bounds memory)
_ENTRIES = 1 << 21  # host entries at a time: calibration, A's data gather, A^T f (bounds memory)
_DENSE_HOSTS = 1 << 26  # wires x neurons of a group up to which hosts are found densely


@dataclass(frozen=True)
class UAndLayer:
    """One U-AND layer: monomial_values ~= relu(w @ W + b) @ A + a0 for sparse 0/1 wires w."""

    W: sparse.csr_array  # [n_wires, d] float32, 0/1 connections
    b: np.ndarray  # [d] float32
    A: sparse.csr_array  # [d, M] float32, mean over each monomial's hosts
    a0: np.ndarray  # [M] float32, minus the expected interference
    monomials: tuple[tuple[int, ...], ...]
    mode: str  # "universal" or "targeted" (after resolving "auto")
    hosts: np.ndarray  # [M] int: c_T, the number of neurons hosting each monomial
    # predicted[t, j]: expected signed error (after a0) of monomial t with j of its wires on;
    # NaN where j > degree or without a distribution
    predicted: np.ndarray
    stats: dict = field(default_factory=dict)

    def forward(self, w: np.ndarray) -> np.ndarray:
        """Monomial read-offs for a batch of wire vectors w [n, n_wires] (0/1 or real)."""
        h = np.maximum(sparse.csr_array(np.asarray(w, dtype=np.float32)) @ self.W + self.b, 0)
        return np.asarray(h @ self.A, dtype=np.float32) + self.a0


def build_uand(
    monomials: Sequence[tuple[int, ...]],
    n_wires: int,
    d: int,
    *,
    c: int | None = None,
    p: float | None = None,
    seed: int = 0,
    activity: float | np.ndarray | None = None,
    s: float | None = None,
    mode: str = "auto",
    bias_shift: float = 0.0,
    min_hosts: int | None = None,
    fixed_degree: bool = True,
) -> UAndLayer:
    """Build a U-AND layer computing every monomial (tuple of distinct wire indices) of 0/1 wires.

    d: total number of neurons (split over degree groups). c: hosts per monomial (targeted) or
    expected shared neurons (universal, p = (c/d_k)^(1/k)); p overrides c in universal mode.
    mode: "universal", "targeted" or "auto" (module doc). min_hosts (universal; default half the
    expected p^k d_k): the fewest hosts any monomial keeps, repaired by extra connections.
    fixed_degree (universal; default True): every wire reads exactly round(p d_k) neurons; False
    draws each connection Bernoulli(p). bias_shift: theta, see the module doc. activity (per-wire
    or global on-probability) or s (exactly s wires on) calibrate a0. Deterministic in seed.
    Raises ValueError with a clear message on bad arguments or when a monomial ends up with no
    host neuron (d or p too small, min_hosts=0).
    """
    mons, padded = _check(monomials, n_wires, d, c, p, mode, bias_shift, activity, s)
    if activity is None and s is not None and float(s) != round(float(s)):
        activity, s = float(s) / n_wires, None  # a fractional count: independent wires, mean s
    rng = np.random.default_rng(seed)
    degrees = np.sum(padded >= 0, axis=1)
    groups = sorted(set(degrees.tolist()))
    widths = _split(np.array([np.sum(degrees == k) for k in groups]), d)
    if np.any(widths == 0):
        raise ValueError(f"d = {d} is too small: every degree group {groups} needs a neuron")
    c_eff = DEFAULT_C if c is None else c

    M = len(mons)
    rows_w, cols_w, patterns = [], [], []
    bias = np.zeros(d, dtype=np.float32)
    k_n = np.zeros(d, dtype=np.int64)  # the degree of the group each neuron belongs to
    modes, offset = set(), 0
    for k, dk in zip(groups, widths):
        idx = np.flatnonzero(degrees == k)
        group = padded[idx, :k]  # [M_k, k] wire indices
        gwires = np.unique(group)
        kind = mode if mode != "auto" else _auto(len(group), len(gwires), k, dk, c_eff, p)
        modes.add(kind)
        if kind == "universal":
            pk = p if p is not None else min(1.0, (c_eff / dk) ** (1.0 / k))
            floor = int(np.ceil(pk**k * dk / 2)) if min_hosts is None else min_hosts
            wire_n, neur_n, pattern = _universal(
                group, gwires, dk, pk, min(floor, dk), fixed_degree, rng
            )
        else:
            wire_n, neur_n, pattern = _targeted(group, dk, min(c_eff, dk), rng)
        rows_w.append(wire_n)
        cols_w.append(neur_n + offset)
        patterns.append((pattern, None if len(idx) == M else idx))
        k_n[offset : offset + dk] = k
        bias[offset : offset + dk] = -(k - 1) - (bias_shift if k > 1 else 0.0)
        offset += dk

    W = _binary(np.concatenate(rows_w), np.concatenate(cols_w), (n_wires, d))
    indptr, indices = _stacked(patterns)  # A's pattern: the hosts of each neuron, in order
    A = sparse.csr_array((np.empty(len(indices), np.float32), indices, indptr), shape=(d, M))
    del indptr, indices
    hosts = column_counts(A)
    if np.any(hosts == 0):
        bad = np.flatnonzero(hosts == 0)
        raise ValueError(
            f"{len(bad)} monomial(s) share no neuron, e.g. {mons[bad[0]]}: increase d, c or p"
        )
    scale = np.where(degrees > 1, 1.0 / (1.0 - bias_shift), 1.0)
    weight = (scale / np.maximum(hosts, 1)).astype(np.float32)  # per monomial, gathered per host
    for lo in range(0, A.nnz, _ENTRIES):  # in chunks: a gather converts indices to int64
        A.data[lo : lo + _ENTRIES] = weight[A.indices[lo : lo + _ENTRIES]]
    A.sum_duplicates()
    A.sort_indices()
    err, a0 = _predict(W, A, hosts, degrees, k_n, padded, n_wires, bias_shift, activity, s)
    predicted = err + a0[:, None]
    layer_stats = {
        "mode": "+".join(sorted(modes)),
        "widths": dict(zip(map(int, groups), map(int, widths))),
        "hosts_min": int(hosts.min()),
        "hosts_mean": float(hosts.mean()),
        "nnz_W": int(W.nnz),
        "nnz_A": int(A.nnz),
        "reads_per_neuron": float(W.nnz / d),
        "monomials_per_relu": M / d,
    }
    for k in groups:
        sel = degrees == k
        layer_stats[f"predicted_error_deg{k}"] = [
            float(np.mean(predicted[sel, j])) for j in range(k + 1)
        ]
    return UAndLayer(
        W=W,
        b=bias,
        A=A,
        a0=a0.astype(np.float32),
        monomials=tuple(mons),
        mode=layer_stats["mode"],
        hosts=hosts,
        predicted=predicted,
        stats=layer_stats,
    )


# --- placement -----------------------------------------------------------------------------------


def _universal(group, gwires, dk, pk, min_hosts, fixed_degree, rng):
    """Random connections B[n, i] ~ Bernoulli(pk); hosts of T = neurons reading all of T.

    Repair: a monomial left with fewer than min_hosts hosts (the Poisson tail of c_T) is the
    weakest read-off of the layer (one interfering wire on one of its few hosts moves it by 1/c_T),
    so its wires are also connected to the least-read neurons until it has min_hosts.
    Returns the connections (wire, neuron) and the host pattern (`_hosts`)."""
    col, neur_n = _connections(len(gwires), dk, pk, fixed_degree, rng)
    k = group.shape[1]
    local = np.searchsorted(gwires, group)
    per_monomial, per_neuron = _host_counts(local, col, neur_n, len(gwires), dk)
    need = np.clip(min_hosts - per_monomial, 0, dk)
    if need.any():
        reads = np.bincount(neur_n, minlength=dk).astype(np.float64)
        needy = np.flatnonzero(need)
        indptr, indices = _hosts(local[needy], col, neur_n, len(gwires), dk)
        held = set(zip(needy[indices].tolist(), np.repeat(np.arange(dk), np.diff(indptr)).tolist()))
        add_col, add_n = [], []
        for t in needy:  # few monomials: a plain loop is clear and cheap
            order = np.lexsort((rng.random(dk), reads))
            fresh = [n for n in order[: int(need[t]) + min_hosts] if (t, n) not in held]
            for n in fresh[: int(need[t])]:
                add_col.extend(local[t].tolist())
                add_n.extend([n] * k)
                reads[n] += k
        col = np.concatenate([col, np.array(add_col, dtype=col.dtype)])
        neur_n = np.concatenate([neur_n, np.array(add_n, dtype=neur_n.dtype)])
        uniq = np.unique(neur_n * len(gwires) + col)
        neur_n, col = np.divmod(uniq, len(gwires))
        per_neuron = None  # the repair added hosts: counted again
    return gwires[col], neur_n, _hosts(local, col, neur_n, len(gwires), dk, per_neuron)


def _connections(n_local, dk, pk, fixed_degree, rng):
    """(wire, neuron) connections: Bernoulli(pk) each, or exactly round(pk dk) neurons per wire."""
    if fixed_degree:  # c_T then varies less: hypergeometric instead of binomial
        w = max(1, int(round(pk * dk)))
        chosen = rng.random((n_local, dk)).argsort(axis=1)[:, :w]
        return np.repeat(np.arange(n_local), w), chosen.ravel()
    if dk * n_local <= 5e7:
        neur_n, col = np.nonzero(rng.random((dk, n_local)) < pk)
        return col, neur_n
    nnz = rng.binomial(dk * n_local, pk)  # large groups: draw the connections sparsely
    neur_n, col = np.divmod(np.unique(rng.choice(dk * n_local, size=nnz, replace=False)), n_local)
    return col, neur_n


def _host_chunks(local, col, neur_n, n_local, dk):
    """(start, t, n) per chunk of monomials: the pairs (monomial start + t, neuron n) where the
    neuron reads every wire of the monomial, ordered by n then t. The AND of the wires' rows of
    the dense 0/1 connection matrix when that is small (all pairs of m = 1000: 1 MB, a few
    seconds), else sparse products."""
    k = local.shape[1]
    if n_local * dk <= _DENSE_HOSTS:
        B = np.zeros((n_local, dk), dtype=bool)
        B[col, neur_n] = True
        step = max(1, _CHUNK * 64 // max(dk, 1))
        for start in range(0, len(local), step):
            part = local[start : start + step]
            both = B[part[:, 0]].copy()
            for j in range(1, k):
                both &= B[part[:, j]]
            n, t = np.nonzero(both.T.copy())  # transposed: by neuron, monomials in order
            yield start, t, n
        return
    B = _binary(col, neur_n, (n_local, dk)).tocsr()  # [group wires, dk]
    for start in range(0, len(local), _CHUNK):
        part = local[start : start + _CHUNK]
        rows = np.repeat(np.arange(len(part)), k)
        ind = sparse.csr_array(
            (np.ones(part.size, np.int32), (rows, part.ravel())), (len(part), n_local)
        )
        hits = (ind @ B).tocoo()  # [part, dk]: how many of T's wires neuron n reads
        full = hits.data == k
        t, n = hits.row[full], hits.col[full]
        order = np.lexsort((t, n))
        yield start, t[order], n[order]


def _host_counts(local, col, neur_n, n_local, dk) -> tuple[np.ndarray, np.ndarray]:
    """The number of hosts of each monomial and of monomials each neuron hosts (`_host_chunks`)."""
    per_monomial = np.zeros(len(local), dtype=np.int64)
    per_neuron = np.zeros(dk, dtype=np.int64)
    for start, t, n in _host_chunks(local, col, neur_n, n_local, dk):
        per_monomial[start : start + (t.max() + 1 if len(t) else 0)] += np.bincount(t)
        per_neuron += np.bincount(n, minlength=dk)
    return per_monomial, per_neuron


def _hosts(local, col, neur_n, n_local, dk, per_neuron=None):
    """The host pattern (indptr, indices): row n lists, in increasing order, the monomials neuron
    n hosts (`_host_chunks`), i.e. the pattern of A's CSR form, written in place (no list of host
    pairs, no sort of all of them: memory is that of the pattern). per_neuron: the neurons' host
    counts when already known (`_host_counts`)."""
    if per_neuron is None:
        per_neuron = _host_counts(local, col, neur_n, n_local, dk)[1]
    return _by_neuron(_host_chunks(local, col, neur_n, n_local, dk), per_neuron, len(local))


def _by_neuron(chunks, per_neuron, M):
    """(indptr, indices) of the pairs (t, n) of `chunks` ((start, t, n), each ordered by n then t,
    chunks in increasing t) grouped by neuron: a counting sort, chunk by chunk."""
    indptr = np.concatenate([[0], np.cumsum(per_neuron)])
    index = np.int32 if max(M, indptr[-1]) < 2**31 else np.int64
    indptr = indptr.astype(index)
    indices = np.empty(int(indptr[-1]), dtype=index)
    free = indptr[:-1].astype(np.int64)  # the next free slot of each neuron's row
    for start, t, n in chunks:
        count = np.bincount(n, minlength=len(per_neuron))
        first = np.cumsum(count) - count  # where each neuron's run starts in this chunk
        indices[free[n] + np.arange(len(n)) - first[n]] = t + start
        free += count
    return indptr, indices


def _stacked(patterns) -> tuple[np.ndarray, np.ndarray]:
    """One pattern of the degree groups' (`pattern`, `idx`: the group's monomials among all, None
    when it has them all), stacked in neuron order (the groups' neurons are consecutive)."""
    if len(patterns) == 1 and patterns[0][1] is None:
        return patterns[0][0]
    ptrs, inds, total = [np.zeros(1, dtype=np.int64)], [], 0
    for (indptr, indices), idx in patterns:
        ptrs.append(indptr[1:].astype(np.int64) + total)
        inds.append(idx[indices] if idx is not None else indices)
        total += len(indices)
    patterns.clear()
    indptr, indices = np.concatenate(ptrs), np.concatenate(inds)
    index = np.int32 if max(indptr[-1], indices.max(initial=0)) < 2**31 else np.int64
    return indptr.astype(index), indices.astype(index)


def _targeted(group, dk, c, rng):
    """Place every monomial on c neurons: c rounds of a shuffled monomial order laid round-robin
    over a shuffled neuron order, so loads are balanced and d_k = c M_k gives disjoint hosts."""
    Mk = len(group)
    neuron_order = rng.permutation(dk)
    slot = np.arange(c * Mk)
    mon_t = np.concatenate([rng.permutation(Mk) for _ in range(c)])
    host_n = neuron_order[slot % dk]
    pairs = np.unique(host_n * Mk + mon_t)  # a monomial landing twice on a neuron counts once
    host_n, mon_t = np.divmod(pairs, Mk)
    k = group.shape[1]
    wire_n = group[mon_t].ravel()
    neur_n = np.repeat(host_n, k)
    pattern = _by_neuron([(0, mon_t, host_n)], np.bincount(host_n, minlength=dk), Mk)
    return wire_n, neur_n, pattern


def _auto(Mk, mk, k, dk, c, p):
    """The placement whose neurons read fewer wires (less interference per neuron)."""
    pk = p if p is not None else min(1.0, (c / dk) ** (1.0 / k))
    universal_reads = pk * mk
    targeted_reads = mk * (1.0 - np.exp(-k * Mk * min(c, dk) / (dk * mk)))
    return "targeted" if targeted_reads < universal_reads else "universal"


# --- predictions and calibration -----------------------------------------------------------------


def _predict(W, A, hosts, degrees, k_n, padded, n_wires, theta, activity, s):
    """err[t, j] (signed error of monomial t with j wires on, before a0) and a0 (module doc)."""
    M = len(hosts)
    kmax = int(degrees.max())
    err = np.full((M, kmax + 1), np.nan)
    if activity is None and s is None:
        return err, np.zeros(M)
    reads = np.asarray(W.sum(axis=0)).ravel().astype(np.int64)  # |R_n| per neuron
    # A[n, t] = scale_t / c_t on the hosts of t, so A^T f / scale_t is the host mean of f
    scale = np.where(degrees > 1, 1.0 / (1.0 - theta), 1.0)
    exact = activity is None
    if exact:  # the host error depends only on the neuron (its degree k, its r): per neuron
        kk, rr = np.meshgrid(np.arange(kmax + 1), np.arange(n_wires + 1), indexing="ij")
        for j in range(kmax + 1):
            tbl = _host_error(j, kk.ravel(), rr.ravel(), theta, n_wires, s, None, None)
            f = tbl.reshape(kk.shape)[k_n, np.clip(reads - k_n, 0, n_wires)]
            has = degrees >= j
            err[has, j] = _host_sums(A, f)[has] / scale[has]
    else:  # per host entry, a chunk of entries at a time (memory: a chunk, not nnz(A))
        alpha = np.clip(np.broadcast_to(np.asarray(activity, float), (n_wires,)), 0.0, 1 - 1e-12)
        Wc = W.tocsc()
        log1m_n = np.asarray(Wc.T @ np.log1p(-alpha)).ravel()
        lam_n = np.asarray(Wc.T @ alpha).ravel()
        odds = alpha / (1 - alpha)
        power_n = [np.asarray(Wc.T @ odds**t).ravel() for t in range(1, kmax + 1)]
        own = np.where(padded >= 0, alpha[np.maximum(padded, 0)], 0.0)  # [M, kmax], 0-padded
        sums = np.zeros((kmax + 1, M))
        for start in range(0, A.nnz, _ENTRIES):  # host entries in A's order, without a COO copy
            entries = np.arange(start, min(A.nnz, start + _ENTRIES))
            ra = np.searchsorted(A.indptr, entries, side="right") - 1
            ca = A.indices[entries].astype(np.int64)
            k_e = degrees[ca]
            r = reads[ra] - k_e  # other wires each host reads
            mon_alpha = own[ca]  # each host entry's own-wire activities
            lam = lam_n[ra] - mon_alpha.sum(1)
            p0 = np.exp(log1m_n[ra] - np.log1p(-mon_alpha).sum(1))
            own_odds = mon_alpha / (1 - mon_alpha)
            power = [pn[ra] - (own_odds**t).sum(1) for t, pn in enumerate(power_n, 1)]
            for j in range(kmax + 1):
                ok = k_e >= j
                val = _host_error(j, k_e, r, theta, n_wires, None, (lam, p0), power)
                sums[j] += np.bincount(ca[ok], weights=val[ok], minlength=M)
        for j in range(kmax + 1):
            has = degrees >= j
            err[has, j] = sums[j, has] / hosts[has]
    # P_T(j): probability that exactly j of T's wires are on
    prob = np.zeros((M, kmax + 1))
    if exact:
        for k in np.unique(degrees):
            sel = degrees == k
            pmf = stats.hypergeom.pmf(np.arange(k + 1), n_wires, int(round(s)), k)
            prob[np.ix_(sel, np.arange(k + 1))] = pmf
    else:
        prob[:, 0] = 1.0
        for col in range(kmax):  # Poisson-binomial DP over each monomial's own wires
            a = own[:, col : col + 1]
            prob = prob * (1 - a) + np.concatenate([np.zeros((M, 1)), prob[:, :-1]], 1) * a
    a0 = -np.nansum(prob * err, axis=1)
    return err, a0


def _host_sums(A: sparse.csr_array, f: np.ndarray) -> np.ndarray:
    """A^T f for float64 f, as scipy computes it (each float32 weight times f[n] in float64,
    added neuron by neuron) but a block of neurons at a time: scipy would copy all of A's data
    to float64 first (1.7 GB for the U-AND of m = 2000)."""
    y = np.zeros(A.shape[1])
    rows = max(1, _ENTRIES // max(1, A.nnz // max(A.shape[0], 1)))
    for lo in range(0, A.shape[0], rows):
        hi = min(A.shape[0], lo + rows)
        span = slice(A.indptr[lo], A.indptr[hi])
        weighted = A.data[span] * np.repeat(f[lo:hi], np.diff(A.indptr[lo : hi + 1]))
        np.add.at(y, A.indices[span], weighted)  # in order, unbuffered: scipy's sums exactly
    return y


def _host_error(j, k, r, theta, n_wires, s, indep, power):
    """E relu(j + Q - (k-1) - theta) / (1 - theta) - [j == k] for hosts of degree k reading r
    other wires (vectorised over k, r); Q from exactly s on, or from indep = (E Q, P(Q=0)) and
    the power sums of the odds (independent wires)."""
    th = np.where(k > 1, theta, 0.0)
    gap = k - 1 + th - j  # the host outputs relu(Q - gap)
    mean_q = (s - j) * r / np.maximum(n_wires - k, 1) if indep is None else indep[0].copy()
    val = mean_q - gap
    for q in range(int(np.max(k)) + 1):  # add back the negative part: q < gap
        neg = (k >= j) & (q < gap)
        if not neg.any():
            continue
        if indep is None:
            pq = _hyper_pmf(q, (n_wires - k)[neg], r[neg], s - j)
        else:
            pq = indep[1][neg] * _esym(power, q, neg)
        val[neg] += (gap[neg] - q) * pq
    return val / np.where(k > 1, 1.0 - theta, 1.0) - (j == k)


def _hyper_pmf(q, total, good, draws):
    """P(Q = q) for Q ~ Hypergeometric(total, good, draws), vectorised over total and good."""
    if draws < q:
        return np.zeros(len(total))
    good = np.minimum(good, total)  # table rows with r > total are never looked up
    return np.nan_to_num(stats.hypergeom.pmf(q, total, good, int(round(draws))))


def _esym(power, q, sel):
    """Elementary symmetric polynomial e_q from power sums (Newton's identities)."""
    e = [np.ones(int(sel.sum()))]
    for n in range(1, q + 1):
        e.append(sum((-1) ** (i - 1) * e[n - i] * power[i - 1][sel] for i in range(1, n + 1)) / n)
    return e[q]


# --- helpers -------------------------------------------------------------------------------------


def _split(counts: np.ndarray, d: int) -> np.ndarray:
    """d neurons in proportion to counts (largest remainder; ties broken by group order)."""
    share = counts / counts.sum() * d
    widths = np.floor(share).astype(np.int64)
    rest = d - widths.sum()
    order = np.argsort(-(share - widths), kind="stable")
    widths[order[:rest]] += 1
    return widths


def _binary(rows, cols, shape) -> sparse.csr_array:
    m = sparse.csr_array(
        (np.ones(len(rows), np.float32), (np.asarray(rows), np.asarray(cols))), shape=shape
    )
    m.sum_duplicates()
    m.data[:] = 1.0
    m.sort_indices()
    return m


def _check(monomials, n_wires, d, c, p, mode, theta, activity, s):
    """Every problem with the arguments at once (ValueError); the monomials as tuples and as a
    [M, max degree] int64 array padded with -1."""
    problems = []
    if mode not in MODES:
        problems.append(f"mode must be one of {MODES}, got {mode!r}")
    if not isinstance(n_wires, (int, np.integer)) or n_wires < 1:
        problems.append(f"n_wires must be a positive integer, got {n_wires!r}")
    if not isinstance(d, (int, np.integer)) or d < 1:
        problems.append(f"d must be a positive integer, got {d!r}")
    if c is not None and (not isinstance(c, (int, np.integer)) or c < 1):
        problems.append(f"c must be a positive integer, got {c!r}")
    if p is not None and not 0.0 < p <= 1.0:
        problems.append(f"p must be in (0, 1], got {p!r}")
    if not 0.0 <= theta < 1.0:
        problems.append(f"bias_shift must be in [0, 1), got {theta!r}")
    if s is not None and activity is None and not (0 <= s <= (n_wires or 0)):
        problems.append(f"s must be in [0, n_wires], got {s!r}")
    if activity is not None:
        a = np.asarray(activity, dtype=float)
        if a.ndim > 1 or (a.ndim == 1 and len(a) != n_wires) or np.any((a < 0) | (a > 1)):
            problems.append("activity must be a probability or one per wire, each in [0, 1]")
    if len(monomials) == 0:
        problems.append("no monomials to build")
    # one degree (all pairs): checked as one array, else monomial by monomial
    degree = np.fromiter(map(len, monomials), dtype=np.int64, count=len(monomials))
    width = max(1, int(degree.max(initial=1)))
    flat = None
    if len(monomials) and np.all(degree == width):
        try:
            flat = np.asarray(monomials, dtype=np.int64).reshape(len(monomials), width)
        except (ValueError, TypeError):
            flat = None
    if flat is None:
        flat = np.full((len(monomials), width), -1, dtype=np.int64)
        for t, mono in enumerate(monomials):
            flat[t, : len(mono)] = [int(i) for i in mono]
    present = np.arange(width) < degree[:, None]
    ordered = np.sort(np.where(present, flat, np.iinfo(np.int64).min + np.arange(width)), axis=1)
    repeated = np.any(ordered[:, 1:] == ordered[:, :-1], axis=1)
    limit = n_wires if isinstance(n_wires, (int, np.integer)) else np.iinfo(np.int64).max
    outside = np.any(present & ((flat < 0) | (flat >= limit)), axis=1)
    bad = (degree == 0) | repeated
    for t in np.flatnonzero(bad | outside)[: max(0, 20 - len(problems))]:
        mono = tuple(int(i) for i in monomials[t])
        problems.append(f"monomial {t} {mono} must be non-empty with distinct wires" if bad[t]
                        else f"monomial {t} {mono} has a wire outside [0, {n_wires})")
    if problems:
        raise ValueError("build_uand: " + "; ".join(problems))
    flat[~present] = -1
    mons = list(map(tuple, flat.tolist())) if present.all() else \
        [tuple(row[: k].tolist()) for row, k in zip(flat, degree)]
    return mons, flat
