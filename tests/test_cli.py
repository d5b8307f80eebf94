"""The command line through click's test runner: every command, its JSON, and its errors."""

import json

import pytest
from click.testing import CliRunner

from circuitc.cli import main
from conftest import EXAMPLES

ADDER = str(EXAMPLES / "adder.circ")
U_AND = str(EXAMPLES / "u_and.circ")


def run(*args, ok=True):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_check_text_and_json():
    out = run("check", ADDER, "--param", "N=4").output
    assert "circuit adder: 8 inputs, 5 outputs" in out
    assert "level  wires" in out and "dense" in out
    data = json.loads(run("check", ADDER, "-P", "N=4", "--json").output)
    assert data["inputs"] == 8 and data["plan"]["levels"][0]["level"] == 0


def test_check_sparse_verdicts():
    out = run("check", U_AND, "--param", "M=30", "--sparsity", "3", "--samples", "500").output
    assert "every level is sparse enough for superposed lowering at s = 3" in out
    out = run("check", ADDER, "--sparsity", "3", "--samples", "500").output
    assert "NOT every level is sparse enough" in out


def test_simulate_set_random_truth_table():
    out = run("simulate", ADDER, "--set", "a=3", "--set", "b=0x05").output
    assert "s" in out and " 8 " in out
    data = json.loads(run("simulate", ADDER, "--set", "a=200", "--set", "b=100", "--json").output)
    assert data["outputs"] == {"s": 300 % 256, "cout": 1}
    data = json.loads(run("simulate", U_AND, "--random", "200", "--json").output)
    assert data["mean_inputs_on"] == 3.0 and data["samples"] == 200
    data = json.loads(run("simulate", ADDER, "-P", "N=2", "--truth-table", "--json").output)
    assert len(data["rows"]) == 16 and data["inputs"] == ["a", "b"]
    assert all(r[2] + 4 * r[3] == r[0] + r[1] for r in data["rows"])


def test_compile_run_eval_info(tmp_path):
    net = tmp_path / "adder.npz"
    out = run("compile", ADDER, "-P", "N=4", "-o", net).output
    assert out.startswith(f"wrote {net}")
    data = json.loads(run("run", net, "--set", "a=9", "--set", "b=8", "--json").output)
    assert data["outputs"] == {"s": 1, "cout": 1}
    out = run("eval", net).output
    assert "256 inputs (exhaustive" in out and "0 bit errors" in out and "OK" in out
    report = json.loads(run("eval", net, "--json").output)
    assert report["ok"] and report["bit_errors"] == 0
    info = json.loads(run("info", net, "--json").output)
    assert info["mode"] == "exact" and info["inputs"] == 8
    assert "ReLUs" in run("info", net).output


def test_import_export_gen(tmp_path):
    bench = tmp_path / "x.bench"
    bench.write_text("INPUT(1)\nINPUT(2)\nOUTPUT(3)\n3 = NAND(1, 2)\n")
    out_circ = tmp_path / "x.circ"
    run("import", bench, "-o", out_circ)
    assert "nand" in out_circ.read_text()
    assert "0" in run("simulate", out_circ, "--set", "n1=1", "--set", "n2=1").output
    assert run("export", ADDER, "-P", "N=2", "--to", "bench").output.startswith("#")
    assert "digraph" in run("export", ADDER, "--to", "dot", "--after-passes").output
    text = run("gen", "uand", "--m", "12").output
    assert "@sparse(3)" in text and "M = 12" in text
    gen = tmp_path / "g.circ"
    run("gen", "sparse", "--wires", "30", "--levels", "3", "--active", "2", "-o", gen)
    assert "circuit sparse_w30_l3_s2_seed0" in gen.read_text()


def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path):
    bad = tmp_path / "bad.circ"
    bad.write_text("circuit t(a) -> (y) {\n    y = a & c;\n    y = a;\n}\n")
    result = run("check", bad, ok=False)
    assert result.exit_code == 1
    assert f"{bad}:2:13: error: undefined wire 'c'" in result.output
    assert f"{bad}:3:5: error: 'y' is assigned twice" in result.output
    assert "Traceback" not in result.output
    result = run("simulate", ADDER, "--set", "a=999", ok=False)
    assert result.exit_code == 1 and "does not fit" in result.output
    result = run("simulate", ADDER, "--set", "nope", ok=False)
    assert result.exit_code == 1 and "NAME=VALUE" in result.output
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    result = run("eval", junk, ok=False)
    assert result.exit_code == 1 and "error: not a readable circuitc network file" in result.output


def test_debug_shows_the_traceback(tmp_path):
    bad = tmp_path / "bad.circ"
    bad.write_text("circuit t(a) -> (y) { y = q; }\n")
    with pytest.raises(Exception):
        CliRunner().invoke(main, ["--debug", "check", str(bad)], catch_exceptions=False)


def test_failing_network_makes_eval_fail(tmp_path):
    import numpy as np

    import circuitc

    net = circuitc.compile(circuitc.parse_file(ADDER, params={"N": 2}))
    net.readout.b = net.readout.b + np.float32(1.0)  # every output now reads 1
    path = tmp_path / "broken.npz"
    net.save(path)
    result = run("eval", path, ok=False)
    assert result.exit_code == 1 and "FAILED" in result.output


def test_a_memory_error_past_every_estimate_is_one_line_and_exit_1(monkeypatch):
    from unittest import mock

    from click.testing import CliRunner

    from circuitc.cli import main
    from conftest import EXAMPLES

    with mock.patch("circuitc.passes.run_passes", side_effect=MemoryError):
        result = CliRunner().invoke(main, ["check", str(EXAMPLES / "adder.circ")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("error: out of memory")
