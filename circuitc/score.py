"""Scoring a learned dictionary (an SAE, a transcoder's decoder, ...) against a network's wires.

`score(net, hook, dictionary)` streams the network's activations at `hook` with their wire labels
(`circuitc.activations`), encodes them with the dictionary (or takes the caller's latent
activations on the same inputs) and reports against the F true wires of the hook:

- from the decoder alone, on the [L, F] absolute cosines between the L decoder rows and the
  wires' true directions (their read-off columns, normalized: `GroundTruth.directions`):
  `mcc`    Hungarian matching of latents to wires, mean matched |cos| over min(L, F) pairs
           (as SAELens's `mean_correlation_coefficient`);
  `mmcs`   mean over wires of the best |cos| of any latent;
  `uniqueness`  distinct wires that are some latent's best match, / L (SAELens);
- from the latents on n samples, with the metric names of SAELens's `SyntheticDataEvalResult`:
  `true_l0` (wires on per sample), `sae_l0` (latents != 0 per sample), `dead_latents` (never
  != 0), `shrinkage` (mean |x_hat| / |x|), `explained_variance` (1 - E|x - x_hat|^2 / total
  variance) and `classification` (per latent: does "latent != 0" detect the wire its decoder
  row is closest to; mean precision, recall, f1_score, accuracy over latents);
- per wire, the single latent that detects it best: "latent != 0" as the detector of "wire on",
  the best latent the one of highest F1 (ties: the lowest index), with that F1, its precision
  and recall, and the AUROC of the latent's value as a score for the wire (threshold-free).
  `wires_recovered` counts wires with F1 >= 0.9.

Memory is independent of n: one batch at a time, plus [F, L] co-firing counts (and the [L, F]
cosines), which are what the matching needs anyway; `score` refuses up front when they would
not fit. The AUROC takes a second pass over the same (seeded, regenerated) stream: pass 1 picks
each wire's best latent and each latent's range, pass 2 histograms the best latent's value on
and off the wire into 3 * BINS ordered bins (BINS uniform bins over the latent's range, each
split into <0, == 0 and >0, so "exactly zero" is its own bin). Ties inside a bin count one half,
which is exact when on and off values never share a bin and otherwise off by at most the
reported `auroc_max_binning_error`.

Dictionaries: `Dictionary` (decoder [L, d], optional encoder and activation: relu, topk k,
jumprelu threshold; SAELens's conventions for b_dec applied to the input and for TopK's
decoder-norm rescaling), `load_dictionary` (a SAELens SAE directory, a .npz or a .safetensors
file), `true_dictionary` (the read-off itself: the ceiling) and `random_dictionary` (the floor).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linear_sum_assignment

from circuitc.activations import activations, default_batch
from circuitc.errors import CircuitError, Diagnostic
from circuitc.network import Network
from circuitc.truth import INPUT, GroundTruth, ground_truth

ACTIVATIONS = ("relu", "topk", "jumprelu")
RECOVERED_F1 = 0.9  # a wire is recovered when one latent detects it with at least this F1
BINS = 256  # AUROC histogram bins per latent range
MEMORY_LIMIT = 8 << 30  # refuse when the [F, L] tables would need more than this

Batches = Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]


@dataclass
class Dictionary:
    """A learned dictionary: latents z = act(x' @ W_enc + b_enc), x' = x - b_dec if
    apply_b_dec_to_input, else x; reconstruction x_hat = z @ W_dec + b_dec. With
    rescale_acts_by_decoder_norm (SAELens TopK) the pre-activations are multiplied by the decoder
    row norms before the activation and the latents divided by them before decoding."""

    W_dec: np.ndarray  # [L, d]
    b_dec: np.ndarray  # [d]
    W_enc: np.ndarray | None = None  # [d, L]
    b_enc: np.ndarray | None = None  # [L]
    activation: str = "relu"  # relu | topk | jumprelu
    k: int | None = None  # topk
    threshold: np.ndarray | None = None  # jumprelu, [L]
    apply_b_dec_to_input: bool = False
    rescale_acts_by_decoder_norm: bool = False
    source: str = "<dictionary>"  # where it was read from, for error messages

    @property
    def width(self) -> int:
        return self.W_dec.shape[0]

    @property
    def d(self) -> int:
        return self.W_dec.shape[1]

    def problems(self) -> list[str]:
        """Every inconsistency of shapes and options (empty when the dictionary is usable)."""
        out = []
        if self.W_dec.ndim != 2:
            return [f"W_dec must be a matrix [latents, d], got shape {self.W_dec.shape}"]
        L, d = self.W_dec.shape
        if self.b_dec.shape != (d,):
            out.append(f"b_dec has shape {self.b_dec.shape}, expected ({d},)")
        if self.activation not in ACTIVATIONS:
            out.append(f"unknown activation {self.activation!r}; expected one of "
                       + ", ".join(ACTIVATIONS))
        if self.W_enc is not None:
            if self.W_enc.shape != (d, L):
                out.append(f"W_enc has shape {self.W_enc.shape}, expected ({d}, {L}) "
                           "(the transpose of W_dec)")
            if self.b_enc is None or self.b_enc.shape != (L,):
                shape = None if self.b_enc is None else self.b_enc.shape
                out.append(f"b_enc has shape {shape}, expected ({L},)")
            if self.activation == "topk" and not (isinstance(self.k, int) and 0 < self.k <= L):
                out.append(f"topk needs k in 1..{L}, got {self.k!r}")
            if self.activation == "jumprelu" and (self.threshold is None
                                                 or self.threshold.shape != (L,)):
                shape = None if self.threshold is None else self.threshold.shape
                out.append(f"jumprelu needs threshold of shape ({L},), got {shape}")
        return out

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Latent activations [B, L] of activations x [B, d]."""
        if self.W_enc is None:
            raise _fail(self.source, "the dictionary has no encoder (W_enc); give its latents")
        if self.apply_b_dec_to_input:
            x = x - self.b_dec
        pre = x @ self.W_enc + self.b_enc
        if self.rescale_acts_by_decoder_norm:
            pre = pre * self._dec_norms
        if self.activation == "relu":
            return np.maximum(pre, 0.0)
        if self.activation == "jumprelu":
            return np.where(pre > self.threshold, np.maximum(pre, 0.0), 0.0).astype(pre.dtype)
        top = np.argpartition(-pre, self.k - 1, axis=1)[:, :self.k]
        z = np.zeros_like(pre)
        np.put_along_axis(z, top, np.maximum(np.take_along_axis(pre, top, axis=1), 0.0), axis=1)
        return z

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Reconstruction [B, d] of latents z [B, L]."""
        if self.rescale_acts_by_decoder_norm:
            z = z / self._dec_norms
        return z @ self.W_dec + self.b_dec

    @property
    def _dec_norms(self) -> np.ndarray:
        return np.maximum(np.linalg.norm(self.W_dec, axis=1), 1e-12).astype(self.W_dec.dtype)


def _fail(where: str | Path, message: str) -> CircuitError:
    """A one-line error `where: error: message`."""
    return CircuitError([Diagnostic(message, str(where))])


# ---- dictionaries ------------------------------------------------------------------------------
def true_dictionary(truth: GroundTruth, threshold: float = 0.5) -> Dictionary:
    """The ceiling: one latent per wire, decoder = the wire's true direction, encoder = its
    read-off, JumpReLU at `threshold` (a wire's read-off is near 0 off and near 1 on)."""
    W = truth.readoff_W.toarray() if sp.issparse(truth.readoff_W) else truth.readoff_W
    F = len(truth.wires)
    return Dictionary(truth.directions(), np.zeros(truth.d, np.float32),
                      np.asarray(W, np.float32), np.asarray(truth.readoff_b, np.float32),
                      "jumprelu", threshold=np.full(F, threshold, np.float32))


def random_dictionary(d: int, width: int, k: int, seed: int = 0) -> Dictionary:
    """The floor: `width` random unit directions, tied encoder, TopK k."""
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((width, d)).astype(np.float32)
    W /= np.linalg.norm(W, axis=1, keepdims=True)
    return Dictionary(W, np.zeros(d, np.float32), np.ascontiguousarray(W.T),
                      np.zeros(width, np.float32), "topk", k=k)


def load_dictionary(path: str | Path) -> Dictionary:
    """A dictionary from disk: a SAELens SAE directory (cfg.json + sae_weights.safetensors, as
    `save_inference_model` writes; architectures standard, topk, jumprelu), or a .npz or
    .safetensors file of arrays W_dec (required), b_dec, W_enc, b_enc, threshold, with the
    activation taken from the keys (threshold -> jumprelu, k -> topk, else relu)."""
    path = Path(path)
    if path.is_dir():
        return _load_saelens_dir(path)
    if not path.exists():
        raise _fail(path, "no such file or directory")
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {key: f[key] for key in f.files}
        except (ValueError, OSError) as e:
            raise _fail(path, f"not a readable .npz file ({e})") from None
    elif path.suffix == ".safetensors":
        arrays = _read_safetensors(path)
    else:
        raise _fail(path, "expected a SAELens SAE directory, a .npz or a .safetensors file")
    k = arrays.pop("k", None)
    activation = "jumprelu" if "threshold" in arrays else "topk" if k is not None else "relu"
    return _from_arrays(path, arrays, activation, None if k is None else int(k), {})


def _load_saelens_dir(path: Path) -> Dictionary:
    cfg_path, weights_path = path / "cfg.json", path / "sae_weights.safetensors"
    missing = [p.name for p in (cfg_path, weights_path) if not p.exists()]
    if missing:
        raise _fail(path, f"not a SAELens SAE directory (missing {' and '.join(missing)})")
    try:
        cfg = json.loads(cfg_path.read_text())
    except (ValueError, UnicodeDecodeError) as e:
        raise _fail(cfg_path, f"not valid JSON ({e})") from None
    if not isinstance(cfg, dict):
        raise _fail(cfg_path, "expected a JSON object")
    arch = cfg.get("architecture", "standard")
    activation = {"standard": "relu", "topk": "topk", "jumprelu": "jumprelu"}.get(arch)
    if activation is None:
        raise _fail(cfg_path, f"SAE architecture {arch!r} is not supported; "
                              "expected standard, topk or jumprelu")
    if cfg.get("normalize_activations", "none") not in ("none", None):
        raise _fail(cfg_path, f"normalize_activations={cfg['normalize_activations']!r} is not "
                              "supported (only 'none': fold the normalization into the weights)")
    return _from_arrays(path, _read_safetensors(weights_path), activation, cfg.get("k"), cfg)


def _from_arrays(path: Path, arrays: dict[str, np.ndarray], activation: str, k: int | None,
                 cfg: dict) -> Dictionary:
    if "W_dec" not in arrays:
        raise _fail(path, f"no W_dec (the decoder) among the arrays {sorted(arrays)}")
    needed = ["W_enc", "b_enc"] if "W_enc" in arrays or cfg else []
    needed += ["threshold"] if activation == "jumprelu" else []
    missing = [key for key in needed if key not in arrays]
    if missing:
        raise _fail(path, f"missing {', '.join(missing)}")
    f32 = {key: np.asarray(value, dtype=np.float32) for key, value in arrays.items()}
    W_dec = f32["W_dec"]
    d = W_dec.shape[-1] if W_dec.ndim else 0
    dictionary = Dictionary(
        W_dec, f32.get("b_dec", np.zeros(d, np.float32)), f32.get("W_enc"), f32.get("b_enc"),
        activation, k, f32.get("threshold"),
        apply_b_dec_to_input=bool(cfg.get("apply_b_dec_to_input", False)),
        rescale_acts_by_decoder_norm=bool(cfg.get("rescale_acts_by_decoder_norm", False)),
        source=str(path))
    problems = dictionary.problems()
    if problems:
        raise _fail(path, "; ".join(problems))
    return dictionary


def _read_safetensors(path: Path) -> dict[str, np.ndarray]:
    try:
        from safetensors import SafetensorError
        from safetensors.numpy import load_file
    except ImportError:
        raise _fail(path, "reading .safetensors needs the safetensors package: "
                          "pip install 'circuitc[safetensors]'") from None
    try:
        return load_file(str(path))
    except (SafetensorError, OSError, ValueError) as e:
        raise _fail(path, f"not a readable safetensors file ({e})") from None


# ---- decoder-only metrics ----------------------------------------------------------------------
def abs_cosines(decoder: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """[L, F] |cos| between decoder rows [L, d] and true directions [F, d]."""
    a = decoder / np.maximum(np.linalg.norm(decoder, axis=1, keepdims=True), 1e-12)
    b = directions / np.maximum(np.linalg.norm(directions, axis=1, keepdims=True), 1e-12)
    return np.abs(a.astype(np.float32) @ b.astype(np.float32).T)


def mcc(cos: np.ndarray) -> float:
    """Mean |cos| of the Hungarian matching of latents to wires (SAELens's MCC)."""
    if cos.size == 0:
        return 0.0
    rows, cols = linear_sum_assignment(cos, maximize=True)
    return float(cos[rows, cols].mean())


def mmcs(cos: np.ndarray) -> float:
    """Mean over wires of the best |cos| of any latent."""
    return float(cos.max(axis=0).mean()) if cos.size else 0.0


def uniqueness(cos: np.ndarray) -> float:
    """Distinct wires that are some latent's best match, over the number of latents (SAELens)."""
    return float(len(np.unique(cos.argmax(axis=1))) / cos.shape[0]) if cos.size else 0.0


# ---- detection metrics -------------------------------------------------------------------------
def auroc_from_histograms(on: np.ndarray, off: np.ndarray, exact: np.ndarray | None = None
                          ) -> tuple[np.ndarray, np.ndarray]:
    """AUROC of a score from histograms [F, K] over K ordered bins of its values on (positives)
    and off (negatives): P(on > off) + P(on == off) / 2, ties within a bin counted one half.
    Returns (auroc [F], bound [F]): the bound on the binning error, half the mass of on/off
    pairs sharing a bin that is not `exact` (a bin of one value; a tie there is a true tie).
    NaN where a wire was never on or never off."""
    on, off = np.asarray(on, np.float64), np.asarray(off, np.float64)
    P, N = on.sum(axis=1), off.sum(axis=1)
    below = np.cumsum(off, axis=1) - off  # off mass strictly below each bin
    pairs = on * off
    with np.errstate(invalid="ignore", divide="ignore"):
        auroc = ((on * below).sum(axis=1) + 0.5 * pairs.sum(axis=1)) / (P * N)
        shared = pairs if exact is None else pairs * ~exact
        bound = 0.5 * shared.sum(axis=1) / (P * N)
    return auroc, bound


def f1_table(tp: np.ndarray, on: np.ndarray, fires: np.ndarray) -> np.ndarray:
    """F1 [F, L] of "latent l fires" detecting "wire f on": 2 tp / (on_f + fires_l)."""
    denom = on[:, None] + fires[None, :]
    return np.divide(2.0 * tp, denom, out=np.zeros(tp.shape), where=denom > 0)


def _keys(z: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Ordered histogram keys of latent values z [B, l] (columns with ranges lo, hi [l]):
    3 * bin + (0 below zero, 1 zero, 2 above zero)."""
    span = np.where(hi > lo, hi - lo, 1.0)
    b = np.clip(((z - lo) / span * BINS).astype(np.int64), 0, BINS - 1)
    return 3 * b + 1 + np.sign(z).astype(np.int64)


# ---- scoring -----------------------------------------------------------------------------------
def score_batches(dictionary: Dictionary, truth: GroundTruth, batches: Batches,
                  latents: Callable[[], Iterable[np.ndarray]] | None = None,
                  auroc: bool = True) -> dict:
    """Score `dictionary` against `truth`'s wires on the stream `batches()` of (acts [B, d],
    wire labels [B, F] bool); `latents()` (optional) yields the dictionary's latents [B, L] for
    the same batches instead of encoding. Both are called once per pass (twice with auroc)."""
    F, L = len(truth.wires), dictionary.width
    if F == 0:
        raise _fail(truth.hook, "the hook represents no circuit wires; nothing to score")
    problems = dictionary.problems()
    if dictionary.d != truth.d:
        problems.insert(0, f"the dictionary's width {dictionary.d} does not match the "
                           f"{truth.d} activations of {truth.hook}")
    if problems:
        raise _fail(dictionary.source, "; ".join(problems))
    needed = 12 * F * L  # float32 cosines + float64 co-firing counts
    if needed > MEMORY_LIMIT:
        raise _fail(truth.hook, f"scoring {L} latents against {F} wires needs about "
                                f"{needed / 2**30:.1f} GiB of [wires x latents] tables "
                                f"(limit {MEMORY_LIMIT / 2**30:.0f} GiB)")
    cos = abs_cosines(dictionary.W_dec, truth.directions())

    def stream() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        zs = iter(latents()) if latents is not None else None
        for acts, labels in batches():
            z = next(zs) if zs is not None else dictionary.encode(acts)
            if z.shape != (len(acts), L):
                raise _fail(dictionary.source, f"latents batch has shape {z.shape}, "
                                               f"expected ({len(acts)}, {L})")
            yield acts, labels, np.asarray(z, np.float32)

    # pass 1: counts, ranges and the reconstruction metrics
    n = 0
    tp = np.zeros((F, L))
    on, fires = np.zeros(F), np.zeros(L)
    lo, hi = np.full(L, np.inf, np.float32), np.full(L, -np.inf, np.float32)
    sum_x, sq_x, sq_res, shrink, shrink_n = np.zeros(truth.d), 0.0, 0.0, 0.0, 0
    for acts, labels, z in stream():
        n += len(acts)
        fired = z != 0
        lab = sp.csr_array(np.asarray(labels, bool).T.astype(np.float32))
        tp += lab @ fired.astype(np.float32)
        on += lab.sum(axis=1)
        fires += fired.sum(axis=0)
        lo, hi = np.minimum(lo, z.min(axis=0)), np.maximum(hi, z.max(axis=0))
        x = np.asarray(acts, np.float64)
        recon = dictionary.decode(z).astype(np.float64)
        sum_x += x.sum(axis=0)
        sq_x += float((x * x).sum())
        sq_res += float(((x - recon) ** 2).sum())
        norms = np.linalg.norm(x, axis=1)
        ok = norms > 1e-6
        shrink += float((np.linalg.norm(recon, axis=1)[ok] / norms[ok]).sum())
        shrink_n += int(ok.sum())
    if n == 0:
        raise _fail(truth.hook, "no samples to score (n = 0)")

    # each wire's best latent by F1 of "fires" (rows in chunks: no second [F, L] table)
    best, best_f1 = np.zeros(F, np.int64), np.zeros(F)
    for start in range(0, F, 512):
        table = f1_table(tp[start:start + 512], on[start:start + 512], fires)
        best[start:start + 512] = table.argmax(axis=1)
        best_f1[start:start + 512] = table.max(axis=1)
    wires = np.arange(F)
    best_tp = tp[wires, best]
    precision = np.divide(best_tp, fires[best], out=np.zeros(F), where=fires[best] > 0)
    recall = np.divide(best_tp, on, out=np.zeros(F), where=on > 0)

    # SAELens's classification: each latent against the wire its decoder row is closest to
    match = cos.argmax(axis=1)
    ltp = tp[match, np.arange(L)]
    lfp, lfn = fires - ltp, on[match] - ltp
    ltn = n - ltp - lfp - lfn
    lp = np.divide(ltp, ltp + lfp, out=np.zeros(L), where=ltp + lfp > 0)
    lr = np.divide(ltp, ltp + lfn, out=np.zeros(L), where=ltp + lfn > 0)
    lf = np.divide(2 * lp * lr, lp + lr, out=np.zeros(L), where=lp + lr > 0)

    mean_x = sum_x / n
    variance = sq_x / n - float(mean_x @ mean_x)
    mse = sq_res / n
    explained = (1.0 if mse < 1e-10 else 0.0) if variance < 1e-10 else 1.0 - mse / variance

    result = {
        "hook": truth.hook, "samples": n, "wires": F, "latents": L,
        "true_l0": float(on.sum() / n), "sae_l0": float(fires.sum() / n),
        "dead_latents": int((fires == 0).sum()),
        "shrinkage": shrink / shrink_n if shrink_n else 0.0,
        "explained_variance": explained,
        "mcc": mcc(cos), "mmcs": mmcs(cos), "uniqueness": uniqueness(cos),
        "classification": {"precision": float(lp.mean()), "recall": float(lr.mean()),
                           "f1_score": float(lf.mean()),
                           "accuracy": float(((ltp + ltn) / n).mean())},
        "wires_recovered": int((best_f1 >= RECOVERED_F1).sum()),
        "recovered_f1": RECOVERED_F1,
        "wires_never_on": int((on == 0).sum()),
        "mean_best_f1": float(best_f1.mean()),
    }
    per_wire = {"wire": list(truth.wires), "best_latent": best.tolist(),
                "f1": best_f1.tolist(), "precision": precision.tolist(),
                "recall": recall.tolist(), "max_cos": cos.max(axis=0).tolist()}

    if auroc:  # pass 2: histograms of each wire's best latent, on and off the wire
        lo, hi = np.where(np.isfinite(lo), lo, 0.0), np.where(np.isfinite(hi), hi, 0.0)
        K = 3 * BINS
        used = np.unique(best)
        all_hist, on_hist = np.zeros((len(used), K)), np.zeros((F, K))
        slot = np.searchsorted(used, best)
        for _, labels, z in stream():
            zk = _keys(z[:, used], lo[used], hi[used])
            all_hist += np.bincount((np.arange(len(used)) * K + zk).ravel(),
                                    minlength=len(used) * K).reshape(len(used), K)
            s, f = np.nonzero(labels)
            k = _keys(z[s, best[f]], lo[best[f]], hi[best[f]])
            on_hist += np.bincount(f * K + k, minlength=F * K).reshape(F, K)
        off_hist = all_hist[slot] - on_hist
        exact = np.zeros(K, bool)
        exact[1::3] = True  # the "exactly zero" bins
        exact = exact[None, :] | (hi[best] == lo[best])[:, None]  # a constant latent
        aurocs, bound = auroc_from_histograms(on_hist, off_hist, exact)
        defined = np.isfinite(aurocs)
        result["mean_best_auroc"] = float(aurocs[defined].mean()) if defined.any() else None
        result["auroc_max_binning_error"] = float(bound[defined].max()) if defined.any() else 0.0
        per_wire["auroc"] = [None if not np.isfinite(a) else float(a) for a in aurocs]
    result["per_wire"] = per_wire
    return result


def input_truth(net: Network, hook: str, n: int = 100_000, seed: int = 1,
                batch: int | None = None, ridge: float = 1e-3) -> GroundTruth:
    """The circuit's inputs as wires of `hook`: a least-squares read-off (ridge-regularized) of
    the 0/1 inputs from the hook's activations, fitted on n streamed samples. Where a hook holds
    the inputs only through other wires (the hidden layer of U-AND computes ANDs, and one input
    on alone writes nothing there) this is the best linear view of them, not an exact one."""
    d = ground_truth(net, hook).d
    batch = batch or default_batch(net, hook, len(net.input_names))  # both streams alike
    gram, cross, count = np.zeros((d + 1, d + 1)), np.zeros((d + 1, len(net.input_names))), 0
    for acts, x in labelled_batches(net, hook, n, seed, batch, "inputs")():
        a = np.hstack([acts, np.ones((len(acts), 1), np.float32)]).astype(np.float64)
        gram += a.T @ a
        cross += a.T @ x.astype(np.float64)
        count += len(acts)
    reg = ridge * count * np.eye(d + 1)
    reg[d, d] = 0.0  # the bias is not shrunk
    solution = np.linalg.solve(gram + reg, cross)
    names = list(net.input_names)
    return GroundTruth(hook, names, solution[:d].astype(np.float32),
                       solution[d].astype(np.float32), [False] * len(names), [0] * len(names), d)


def labelled_batches(net: Network, hook: str, n: int, seed: int, batch: int,
                     wires: str = "hook") -> Batches:
    """The stream `score_batches` takes: (activations at `hook`, labels) for n samples, the
    labels the hook's wires (wires="hook") or the circuit's inputs (wires="inputs")."""
    if wires == "hook":
        return lambda: activations(net, hook, n, seed=seed, batch=batch)

    def batches() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        xs = activations(net, INPUT, n, seed=seed, batch=batch)
        for (acts, _), (x, _) in zip(activations(net, hook, n, seed=seed, batch=batch), xs):
            yield acts, x.astype(bool)

    return batches


def score(net: Network, hook: str, dictionary: Dictionary, n: int = 100_000, seed: int = 0,
          batch: int | None = None, latents: Callable[[], Iterable[np.ndarray]] | None = None,
          wires: str = "hook", auroc: bool = True, progress: bool = False) -> dict:
    """Score `dictionary` against the true wires of `hook` (wires="hook": its ground truth) or
    against the circuit's inputs read linearly from it (wires="inputs": `input_truth`, fitted on
    other samples), on n samples of the network's distribution; see the module docstring.
    `progress` shows a bar on a terminal (both passes)."""
    batch = batch or default_batch(net, hook, len(ground_truth(net, hook).wires))
    if wires not in ("hook", "inputs"):
        raise _fail(hook, f"wires must be 'hook' or 'inputs', got {wires!r}")
    truth = (ground_truth(net, hook) if wires == "hook"
             else input_truth(net, hook, n=n, seed=seed + 1, batch=batch))
    batches = labelled_batches(net, hook, n, seed, batch, wires)
    if not progress:
        return score_batches(dictionary, truth, batches, latents, auroc=auroc)
    from circuitc.progress import progress as bar

    with bar(n * (2 if auroc else 1), f"scoring {hook}", unit="sample") as shown:
        def counted() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for acts, labels in batches():
                shown.update(len(acts))
                yield acts, labels

        return score_batches(dictionary, truth, counted, latents, auroc=auroc)
