"""The acceptance rule: will a network in superposition decode samples nobody checked?

A superposed network decodes every output with one threshold theta. On a sample of N inputs the
planner records, per sample i, the largest read-off of an output that must be 0 (f_i, -inf when
there is none) and the smallest read-off of an output that must be 1 (t_i, +inf when none);
sample i decodes right iff f_i < theta < t_i. A fresh input (`circuitc eval` draws n of them)
fails with probability

    q(theta) = P(f > theta) + P(t < theta)      (union bound over the two sides),

and n fresh inputs all decode with probability at least 1 - n q(theta). Zero errors on N samples
alone says little about n fresh ones (distribution-free, the largest f of N + n exchangeable
samples falls among the n fresh ones with probability n / (N + n): one half for N = n), so the
rule extrapolates the measured tails:

- Peaks over a threshold. Of the N values of f, take the k = max(K_MIN, TAIL_FRACTION N)
  largest; u = the (k+1)-th largest, and the excesses over u are fitted by an exponential of
  scale beta (its maximum-likelihood value: the mean excess), so P(f > x) ~ (k/N)
  exp(-(x - u) / beta) for x >= u (the empirical fraction below u). f is a maximum over many
  read-offs, whose tail is Gumbel-like, i.e. exponential (a lighter, Gaussian-like tail is
  overestimated, which errs on the safe side). The same for the lower tail of t.
- Confidence in the fit: beta is taken at its upper bound beta (1 + Z / sqrt(k)) (the relative
  standard error of an exponential scale estimated from k excesses is 1 / sqrt(k); Z = 2, about
  97.5 % one-sided).
- A side with no spread (exact read-offs: every excess 0) has beta = 0: no mass beyond its
  largest value.

The rule (`judge`): zero errors on the N samples at theta, and the predicted risk
n q(theta) <= `risk` (the probability that n fresh samples contain a bit error, under the fitted
tails). `best_threshold` chooses the theta in the measured gap (max f, min t) that minimizes
q. The planner sizes the sample that judges the finished network above what eval draws
(`plan.HOLDOUT_FACTOR`), so the extrapolation from N to n is short.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

K_MIN = 20  # fewest excesses a tail is fitted on
TAIL_FRACTION = 0.05  # the largest 5 % of the samples make the tail
Z = 2.0  # beta at its upper confidence bound: beta (1 + Z / sqrt(k))
RISK = 0.05  # accepted: predicted probability of any bit error on eval's draws
GRID = 257  # thresholds tried across the gap


@dataclass(frozen=True)
class Tail:
    """The upper tail of a per-sample extreme: P(v > x) ~ rate exp(-(x - u) / beta), x >= u."""

    u: float
    beta: float
    rate: float  # k / N: the fraction of samples above u
    k: int
    n: int
    largest: float  # the largest value seen (-inf when none)
    values: np.ndarray  # the finite values, sorted: the empirical fraction below u

    def above(self, x: np.ndarray | float) -> np.ndarray:
        """P(v > x) (the fit above u, the empirical fraction below it)."""
        x = np.asarray(x, dtype=np.float64)
        if self.n == 0 or not np.isfinite(self.largest):
            return np.zeros_like(x)
        # below u the fit is not used (np.where below): clip there so exp cannot overflow
        fit = self.rate * (np.exp(-np.maximum(x - self.u, 0) / self.beta) if self.beta > 0 else
                           (x < self.largest).astype(np.float64))
        below = (len(self.values) - np.searchsorted(self.values, x, side="right")) / self.n
        return np.where(x >= self.u, np.minimum(fit, self.rate), below)


def fit_upper(values: np.ndarray, z: float = Z) -> Tail:
    """The upper tail of `values` (per-sample extremes; -inf for a sample without any), see the
    module docstring."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    finite = np.sort(values[np.isfinite(values)])
    if len(finite) == 0:
        return Tail(-math.inf, 0.0, 0.0, 0, n, -math.inf, finite)
    k = min(len(finite) - 1, max(K_MIN, math.ceil(TAIL_FRACTION * n)))
    if k < 1:  # one finite value: nothing to fit, no spread seen
        return Tail(float(finite[-1]), 0.0, 1 / n, 1, n, float(finite[-1]), finite)
    u = float(finite[-k - 1])
    beta = float(np.mean(finite[-k:] - u)) * (1 + z / math.sqrt(k))
    return Tail(u, beta, k / n, k, n, float(finite[-1]), finite)


def error_rate(false_tail: Tail, true_tail: Tail, theta: np.ndarray | float) -> np.ndarray:
    """q(theta): the predicted fraction of fresh samples decoded wrong at `theta` (true_tail is
    the fit of -t, the lower tail of the true read-offs)."""
    return false_tail.above(theta) + true_tail.above(-np.asarray(theta, dtype=np.float64))


def best_threshold(worst_false: np.ndarray, worst_true: np.ndarray) -> float:
    """The threshold in the measured gap (max f, min t) with the smallest predicted error rate;
    the midpoint of the extremes when they overlap (the rule then rejects it anyway)."""
    ff, tt = fit_upper(worst_false), fit_upper(-np.asarray(worst_true, dtype=np.float64))
    lo, hi = ff.largest, -tt.largest
    if not np.isfinite(lo) and not np.isfinite(hi):
        return 0.5
    if not np.isfinite(lo) or not np.isfinite(hi):  # one side only: 0.5 away from it
        return float(hi - 0.5) if np.isfinite(hi) else float(lo + 0.5)
    if lo >= hi:
        return float((lo + hi) / 2)
    grid = np.linspace(lo, hi, GRID)[1:-1]
    q = error_rate(ff, tt, grid)
    best = np.flatnonzero(q <= q.min() * (1 + 1e-9) + 1e-300)
    return float(grid[best[len(best) // 2]])  # ties (no spread): the middle of the best


def middle_threshold(worst_false: np.ndarray, worst_true: np.ndarray) -> float:
    """The middle of the measured gap (max f, min t), for read-offs that move in discrete steps
    (clamped hosts: a spurious host more), where the tail a fit extrapolates says nothing of
    the next step: the threshold keeps half the gap from what was seen on either side (as
    `best_threshold` when a side or both are missing, or they overlap)."""
    lo = fit_upper(worst_false).largest
    hi = -fit_upper(-np.asarray(worst_true, dtype=np.float64)).largest
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return best_threshold(worst_false, worst_true)
    return float((lo + hi) / 2)


def judge(worst_false: np.ndarray, worst_true: np.ndarray, draws: int,
          threshold: float | None = None, risk: float = RISK) -> dict:
    """Apply the rule at `threshold` (None: `best_threshold`) for `draws` fresh samples: a
    JSON-able report with "ok", the errors on these samples, the predicted risk and the fits."""
    worst_false = np.asarray(worst_false, dtype=np.float64)
    worst_true = np.asarray(worst_true, dtype=np.float64)
    theta = best_threshold(worst_false, worst_true) if threshold is None else float(threshold)
    ff, tt = fit_upper(worst_false), fit_upper(-worst_true)
    errors = int(np.sum((worst_false > theta) | (worst_true < theta)))
    predicted = min(1.0, draws * float(error_rate(ff, tt, theta)))
    return {"ok": errors == 0 and predicted <= risk, "threshold": theta,
            "samples": len(worst_false), "wrong_samples": errors, "draws": draws,
            "risk": predicted, "risk_limit": risk,
            "gap": [_finite(ff.largest), _finite(-tt.largest)],
            "false_tail": {"u": _finite(ff.u), "beta": ff.beta, "k": ff.k},
            "true_tail": {"u": _finite(-tt.u), "beta": tt.beta, "k": tt.k}}


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None
