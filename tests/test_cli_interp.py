"""The interpretability commands: hooks, convert (both ways), activations; and their errors."""

import json

import numpy as np
from click.testing import CliRunner

from circuitc.cli import main
from conftest import EXAMPLES


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_convert_eval_hooks_activations(tmp_path):
    net, directory = tmp_path / "adder.npz", tmp_path / "adder"
    run("compile", EXAMPLES / "adder.circ", "-o", net, "--architecture", "mlp")
    assert "wrote" in run("convert", net, "--to", "safetensors", "-o", directory).output
    assert "OK: every output bit is right" in run("eval", directory).output
    assert "circuit adder" in run("info", directory).output
    run("convert", directory, "--to", "npz", "-o", tmp_path / "back.npz")
    assert (tmp_path / "back.npz").read_bytes() == net.read_bytes()

    rows = json.loads(run("hooks", directory, "--json").output)
    assert rows[0]["hook"] == "hook_input" and rows[3]["hook"] == "layers.0.hook_post"
    assert rows[3]["wires"] > 0 and rows[2]["wires"] == 0
    assert "layers.0.hook_post" in run("hooks", net).output

    out = tmp_path / "acts.npz"
    run("activations", directory, "--hook", "layers.0.hook_post", "-n", 1000, "-o", out,
        "--batch", 300)
    with np.load(out, allow_pickle=False) as z:
        assert z["activations"].shape == (1000, rows[3]["d"])
        assert z["wire_values"].shape == (1000, rows[3]["wires"])
        assert json.loads(str(z["meta"]))["hook"] == "layers.0.hook_post"


def test_errors_are_one_line_and_exit_1(tmp_path):
    net = tmp_path / "adder.npz"
    run("compile", EXAMPLES / "adder.circ", "-o", net)
    result = run("activations", net, "--hook", "layers.99.hook_post", "-n", 5, "-o",
                 tmp_path / "a.npz", ok=False)
    assert result.exit_code == 1 and "error: no hook named 'layers.99.hook_post'" in result.output
    assert not (tmp_path / "a.npz").exists()
    run("convert", net, "--to", "safetensors", "-o", tmp_path / "d")
    result = run("convert", net, "--to", "safetensors", "-o", tmp_path / "d", ok=False)
    assert result.exit_code == 1 and "pass --force" in result.output
    run("convert", net, "--to", "safetensors", "-o", tmp_path / "d", "--force")
    (tmp_path / "junk").mkdir()
    result = run("eval", tmp_path / "junk", ok=False)
    assert result.exit_code == 1 and "missing model.safetensors" in result.output
    assert "Traceback" not in result.output


def test_hooks_lists_levels_as_runs():
    from circuitc.cli_interp import _runs

    assert _runs([0, 1, 2, 5, 7, 8]) == "0-2,5,7-8" and _runs([-1]) == "-1" and _runs([]) == ""
