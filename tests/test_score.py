"""circuitc.score: a dictionary scored against a hook's true wires."""

from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest
from click.testing import CliRunner
from safetensors.numpy import save_file
from scipy.stats import mannwhitneyu

import circuitc
from circuitc.cli import main
from circuitc.score import (
    Dictionary, auroc_from_histograms, load_dictionary, random_dictionary, score, score_batches,
    true_dictionary,
)
from circuitc.truth import GroundTruth
from conftest import EXAMPLES

HOOK = "layers.0.hook_post"


@pytest.fixture(scope="module")
def exact_uand() -> circuitc.Network:
    """AND of all pairs of 8 3-sparse features, exact: the read-off of every AND is exact."""
    circuit = circuitc.parse_file(EXAMPLES / "u_and.circ", params={"M": 8})
    return circuitc.compile(circuit, mode="exact")


def test_true_directions_score_one(exact_uand):
    truth = circuitc.ground_truth(exact_uand, HOOK)
    report = score(exact_uand, HOOK, true_dictionary(truth), n=3000, batch=512)
    F = len(truth.wires)
    assert F == 28 and report["wires"] == F and report["wires_never_on"] == 0
    assert report["mcc"] == pytest.approx(1.0, abs=1e-6)
    assert report["mmcs"] == pytest.approx(1.0, abs=1e-6)
    assert report["uniqueness"] == 1.0
    assert report["wires_recovered"] == F
    assert report["mean_best_f1"] == 1.0 and report["mean_best_auroc"] == 1.0
    assert report["classification"]["f1_score"] == 1.0
    assert report["true_l0"] == pytest.approx(3.0) and report["sae_l0"] == pytest.approx(3.0)
    assert report["per_wire"]["best_latent"] == list(range(F))


def test_random_directions_score_near_chance(exact_uand):
    truth = circuitc.ground_truth(exact_uand, HOOK)
    floor = random_dictionary(truth.d, len(truth.wires), k=3, seed=1)
    report = score(exact_uand, HOOK, floor, n=3000, batch=512)
    # 28 random directions in 28 dims: the best |cos| of 28 tries is ~0.43 (seeds 0-3: 0.42-0.43)
    assert report["mmcs"] < 0.5 and report["mcc"] < 0.5
    assert report["wires_recovered"] == 0
    assert report["classification"]["f1_score"] < 0.35
    assert report["mean_best_f1"] < 0.6


def test_identity_dictionary_reconstructs_exactly(exact_uand):
    d = circuitc.ground_truth(exact_uand, HOOK).d
    eye = np.eye(d, dtype=np.float32)
    report = score(exact_uand, HOOK, Dictionary(eye, np.zeros(d, np.float32), eye,
                                                np.zeros(d, np.float32)), n=1000, auroc=False)
    assert report["explained_variance"] == pytest.approx(1.0)
    assert report["shrinkage"] == pytest.approx(1.0)
    assert "mean_best_auroc" not in report


def _hand_truth() -> GroundTruth:
    return GroundTruth("h", ["a", "b"], np.eye(2, dtype=np.float32), np.zeros(2, np.float32),
                       [False, False], [1, 1], 2)


def test_f1_and_auroc_by_hand():
    # wire a on in samples 0, 1; latent 0 = [.9, .2, .5, 0]: on {.9, .2}, off {.5, 0}
    # -> AUROC 3/4; fires in 0, 1, 2 -> P 2/3, R 1, F1 0.8. wire b = latent 1 exactly.
    labels = np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=bool)
    z = np.array([[.9, 0], [.2, 0], [.5, .3], [0, .3]], dtype=np.float32)
    acts = np.zeros((4, 2), np.float32)
    dictionary = Dictionary(np.eye(2, dtype=np.float32), np.zeros(2, np.float32))
    report = score_batches(dictionary, _hand_truth(), lambda: iter([(acts, labels)]),
                           latents=lambda: iter([z]))
    wires = report["per_wire"]
    assert wires["best_latent"] == [0, 1]
    assert wires["f1"] == pytest.approx([0.8, 1.0])
    assert wires["precision"] == pytest.approx([2 / 3, 1.0])
    assert wires["recall"] == pytest.approx([1.0, 1.0])
    assert wires["auroc"] == pytest.approx([0.75, 1.0])
    assert report["auroc_max_binning_error"] == 0.0
    assert report["wires_recovered"] == 1
    assert report["sae_l0"] == pytest.approx(5 / 4) and report["dead_latents"] == 0
    # SAELens's per-latent classification: latent 0 vs wire a (its decoder row), 1 vs b
    assert report["classification"]["f1_score"] == pytest.approx(0.9)
    assert report["classification"]["accuracy"] == pytest.approx((3 / 4 + 1) / 2)


def test_binned_auroc_is_within_its_bound_of_the_exact_one():
    rng = np.random.default_rng(0)
    on_values, off_values = rng.gamma(2.0, size=300), rng.gamma(1.5, size=3000)
    edges = np.linspace(0, max(on_values.max(), off_values.max()), 41)
    on = np.histogram(on_values, edges)[0][None, :]
    off = np.histogram(off_values, edges)[0][None, :]
    auroc, bound = auroc_from_histograms(on, off)
    exact = mannwhitneyu(on_values, off_values).statistic / (300 * 3000)
    assert 0 < bound[0] < 0.05
    assert abs(auroc[0] - exact) <= bound[0]


def test_encoders_follow_saelens_conventions():
    rng = np.random.default_rng(0)
    W_dec = rng.standard_normal((5, 3)).astype(np.float32)
    W_enc = rng.standard_normal((3, 5)).astype(np.float32)
    b_enc, b_dec = rng.standard_normal(5).astype(np.float32), rng.standard_normal(3).astype(
        np.float32)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    pre = (x - b_dec) @ W_enc + b_enc
    top = Dictionary(W_dec, b_dec, W_enc, b_enc, "topk", k=2, apply_b_dec_to_input=True)
    z = top.encode(x)
    assert ((z != 0).sum(axis=1) <= 2).all()
    kept = np.sort(pre, axis=1)[:, -2:]
    assert np.allclose(np.sort(z, axis=1)[:, -2:], np.maximum(kept, 0))
    jump = Dictionary(W_dec, b_dec, W_enc, b_enc, "jumprelu", threshold=np.full(5, 0.5,
                                                                                  np.float32),
                      apply_b_dec_to_input=True)
    assert np.allclose(jump.encode(x), np.where(pre > 0.5, pre, 0))
    norms = np.linalg.norm(W_dec, axis=1)
    scaled = Dictionary(W_dec, b_dec, W_enc, b_enc, "relu", rescale_acts_by_decoder_norm=True)
    z = scaled.encode(x)
    assert np.allclose(z, np.maximum(((x @ W_enc) + b_enc) * norms, 0), atol=1e-5)
    assert np.allclose(scaled.decode(z), (z / norms) @ W_dec + b_dec, atol=1e-5)


def _write_saelens_dir(path, d, L, architecture="topk", **cfg):
    rng = np.random.default_rng(3)
    weights = {"W_enc": rng.standard_normal((d, L)).astype(np.float32),
               "b_enc": rng.standard_normal(L).astype(np.float32),
               "W_dec": rng.standard_normal((L, d)).astype(np.float32),
               "b_dec": rng.standard_normal(d).astype(np.float32)}
    if architecture == "jumprelu":
        weights["threshold"] = np.full(L, 0.1, np.float32)
    path.mkdir()
    save_file(weights, str(path / "sae_weights.safetensors"))
    (path / "cfg.json").write_text(json.dumps({
        "architecture": architecture, "d_in": d, "d_sae": L, "dtype": "float32",
        "apply_b_dec_to_input": True, "normalize_activations": "none", **cfg}))
    return weights


def test_load_saelens_directory(tmp_path):
    weights = _write_saelens_dir(tmp_path / "sae", 6, 10, k=3, rescale_acts_by_decoder_norm=True)
    sae = load_dictionary(tmp_path / "sae")
    assert sae.activation == "topk" and sae.k == 3 and sae.width == 10 and sae.d == 6
    assert sae.apply_b_dec_to_input and sae.rescale_acts_by_decoder_norm
    assert np.array_equal(sae.W_dec, weights["W_dec"])
    _write_saelens_dir(tmp_path / "jump", 6, 10, "jumprelu")
    assert load_dictionary(tmp_path / "jump").activation == "jumprelu"


def test_load_plain_arrays(tmp_path, exact_uand):
    truth = circuitc.ground_truth(exact_uand, HOOK)
    ceiling = true_dictionary(truth)
    np.savez(tmp_path / "d.npz", W_dec=ceiling.W_dec, W_enc=ceiling.W_enc, b_enc=ceiling.b_enc,
             threshold=ceiling.threshold)
    loaded = load_dictionary(tmp_path / "d.npz")
    assert loaded.activation == "jumprelu" and np.array_equal(loaded.W_enc, ceiling.W_enc)
    save_file({"W_dec": ceiling.W_dec}, str(tmp_path / "dec.safetensors"))
    decoder_only = load_dictionary(tmp_path / "dec.safetensors")
    assert decoder_only.W_enc is None and decoder_only.b_dec.shape == (truth.d,)


def test_bad_dictionaries_are_one_line_errors(tmp_path, exact_uand):
    np.savez(tmp_path / "nodec.npz", W_enc=np.zeros((3, 2)))
    with pytest.raises(circuitc.CircuitError, match="no W_dec"):
        load_dictionary(tmp_path / "nodec.npz")
    _write_saelens_dir(tmp_path / "sae", 6, 10, "jumprelu")
    (tmp_path / "sae" / "cfg.json").write_text("{not json")
    with pytest.raises(circuitc.CircuitError, match="not valid JSON"):
        load_dictionary(tmp_path / "sae")
    (tmp_path / "empty").mkdir()
    with pytest.raises(circuitc.CircuitError, match="missing cfg.json and sae_weights"):
        load_dictionary(tmp_path / "empty")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 10)
    with pytest.raises(circuitc.CircuitError, match="not a readable safetensors"):
        load_dictionary(tmp_path / "junk.safetensors")
    wrong = random_dictionary(7, 4, k=1)
    with pytest.raises(circuitc.CircuitError, match="width 7 does not match"):
        score(exact_uand, HOOK, wrong, n=10)
    with pytest.raises(ValueError, match="no hook named 'layers.9.hook_post'"):
        score(exact_uand, "layers.9.hook_post", wrong, n=10)
    with pytest.raises(circuitc.CircuitError, match="no circuit wires"):
        score(exact_uand, "layers.0.hook_pre", random_dictionary(28, 4, k=1), n=10)


def test_missing_safetensors_extra_is_named(tmp_path, monkeypatch):
    save_file({"W_dec": np.zeros((2, 2), np.float32)}, str(tmp_path / "d.safetensors"))
    monkeypatch.setitem(sys.modules, "safetensors", None)
    monkeypatch.setitem(sys.modules, "safetensors.numpy", None)
    with pytest.raises(circuitc.CircuitError, match=r"circuitc\[safetensors\]"):
        load_dictionary(tmp_path / "d.safetensors")


def test_input_features_read_from_the_hidden_layer(exact_uand):
    """The inputs as wires of the hidden layer: the true read-off directions of the ANDs do not
    detect single inputs (an AND fires for two), but the least-squares input read-off does."""
    from circuitc.score import input_truth

    truth = input_truth(exact_uand, HOOK, n=3000)
    assert truth.wires == exact_uand.input_names and truth.d == 28
    report = score(exact_uand, HOOK, true_dictionary(truth), n=3000, wires="inputs")
    assert report["wires"] == 8 and report["true_l0"] == pytest.approx(3.0)
    assert report["mcc"] == pytest.approx(1.0, abs=1e-5)
    ands = score(exact_uand, HOOK, true_dictionary(circuitc.ground_truth(exact_uand, HOOK)),
                 n=3000, wires="inputs")
    assert ands["wires_recovered"] == 0 < report["wires_recovered"]


def test_cli_score(tmp_path, exact_uand):
    exact_uand.save(str(tmp_path / "net.npz"))
    truth = circuitc.ground_truth(exact_uand, HOOK)
    ceiling = true_dictionary(truth)
    np.savez(tmp_path / "d.npz", W_dec=ceiling.W_dec, W_enc=ceiling.W_enc, b_enc=ceiling.b_enc,
             threshold=ceiling.threshold)
    runner = CliRunner()
    args = ["score", str(tmp_path / "net.npz"), "--sae", str(tmp_path / "d.npz"), "--hook", HOOK,
            "-n", "2000"]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    assert re.search(r"wires recovered \(F1 >= 0.9\) +28 / 28\n", result.output)
    result = runner.invoke(main, args + ["--json", "--per-wire"])
    report = json.loads(result.output)
    assert report["mcc"] == pytest.approx(1.0, abs=1e-6) and len(report["per_wire"]["f1"]) == 28
    bad = runner.invoke(main, args[:4] + ["--hook", "nope"])
    assert bad.exit_code == 1 and "no hook named 'nope'" in bad.output
    assert "Traceback" not in bad.output and len(bad.output.strip().splitlines()) == 1
    np.savez(tmp_path / "narrow.npz", W_dec=np.ones((4, 7), np.float32))
    bad = runner.invoke(main, args[:3] + [str(tmp_path / "narrow.npz"), "--hook", HOOK])
    assert bad.exit_code == 1 and bad.output.strip() == (
        f"{tmp_path / 'narrow.npz'}: error: the dictionary's width 7 does not match the 28 "
        f"activations of {HOOK}")
