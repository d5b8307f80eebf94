"""The SAE example end to end at a tiny size, with real SAELens: network -> streamed activations ->
SAE trained -> saved -> read by circuitc.score -> scored against the ceiling and the floor."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

import circuitc
from circuitc.score import load_dictionary
from conftest import REPO

sys.path.insert(0, str(REPO / "examples" / "sae"))
import experiment  # noqa: E402
import train  # noqa: E402


# U-AND of 12 features is not worth superposition (no width below the exact 66 decodes): a
# fixed width, as the old search (up to 16 x the exact width) chose
WIDTH = 264


@pytest.fixture(scope="module")
def result():
    return experiment.run(m=12, grid=[("standard", 96, 1.0)], steps=300, batch=128, lr=3e-3,
                          n_score=4000, log=lambda s: None, width=WIDTH)


def test_trained_sae_beats_the_floor(result):
    ceiling, floor, sae = result["rows"]
    assert result["network"]["ands"] == 66
    assert ceiling["ands_recovered"] == 66 and ceiling["ands_mcc"] == pytest.approx(1.0, 1e-5)
    # measured at this size: MCC 0.87, 29 of 66 ANDs recovered, floor MCC 0.16, none recovered
    assert sae["ands_mcc"] > floor["ands_mcc"] + 0.4
    assert sae["ands_recovered"] >= 10 and floor["ands_recovered"] == 0
    assert sae["ands_f1"] > floor["ands_f1"] + 0.2
    assert sae["explained_variance"] > 0.8 > floor["explained_variance"]
    assert "| standard 96, L1=1 | 96 |" in experiment.table(result)


def test_plot_is_written(result, tmp_path):
    experiment.plot(result, tmp_path / "recovery.png")
    assert (tmp_path / "recovery.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_saelens_directory_encodes_as_saelens_does(tmp_path):
    """circuitc.score's numpy encoder reads a SAELens TopK directory (decoder norms folded,
    b_dec applied to the input) and gives SAELens's own latents."""
    net = experiment.build_network(12, width=WIDTH)
    torch.set_num_threads(1)
    sae = train.train(net, experiment.HOOK, "topk", 64, k=3, steps=20, batch=64, seed=1)
    dictionary = train.to_dictionary(sae, tmp_path / "sae")
    assert dictionary.activation == "topk" and dictionary.k == 3
    assert load_dictionary(tmp_path / "sae").width == 64
    acts, _ = next(circuitc.activations(net, experiment.HOOK, 256, seed=5))
    with torch.no_grad():
        ours = dictionary.encode(acts)
        theirs = sae.encode(torch.from_numpy(acts)).numpy()
        recon = sae.decode(sae.encode(torch.from_numpy(acts))).numpy()
    assert np.allclose(ours, theirs, atol=1e-4)
    assert np.allclose(dictionary.decode(ours), recon, atol=1e-4)
    again = train.train(net, experiment.HOOK, "topk", 64, k=3, steps=20, batch=64, seed=1)
    assert torch.equal(again.W_dec, sae.W_dec)  # same options, same SAE
