"""The memory estimates of circuitc.memory against the peak measured in a fresh process, and the
CLI refusing up front with the estimate."""

import json
import re
import subprocess
import sys

import pytest
from click.testing import CliRunner

from circuitc import memory
from circuitc.cli import main
from circuitc.frontend import parse_file
from circuitc.gen import uand_circ

PEAK = """
import resource, sys
from circuitc.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    assert not exit.code, exit.code
try:  # this process's own peak: ru_maxrss may carry the forking parent's over the exec
    status = open("/proc/self/status").read()
    print(int(status.split("VmHWM:")[1].split()[0]) * 1024)
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def measured_peak(*args: str, cwd) -> int:
    """Peak resident bytes of `circuitc ARGS` run in its own process."""
    out = subprocess.run([sys.executable, "-c", PEAK, *args], cwd=cwd, capture_output=True,
                         text=True, check=True).stdout
    return int(out.strip().splitlines()[-1])


@pytest.mark.parametrize("m, mode", [(100, "superposed"), (30, "exact")])
def test_compile_and_eval_estimates_are_within_a_factor_of_two_of_the_peak(tmp_path, m, mode):
    (tmp_path / "u.circ").write_text(uand_circ(m))
    estimate = memory.estimate_compile(parse_file(tmp_path / "u.circ"), mode, "uand", 2000)
    peak = measured_peak("compile", "u.circ", "--mode", mode, "--samples", "2000", "-o",
                         "u.npz", "--json", cwd=tmp_path)
    assert estimate.total / 2 <= peak <= 2 * estimate.total, (peak, estimate.describe())
    estimate = memory.estimate_eval(tmp_path / "u.npz", 2000)
    peak = measured_peak("eval", "u.npz", "--samples", "2000", "--json", cwd=tmp_path)
    assert estimate.total / 2 <= peak <= 2 * estimate.total, (peak, estimate.describe())


def test_a_compile_over_the_budget_is_refused_up_front_with_the_estimate(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "u.circ").write_text(uand_circ(20))
    runner = CliRunner()
    result = runner.invoke(main, ["compile", "u.circ", "--mode", "superposed", "--max-memory",
                                  "50M", "-o", "u.npz"])
    assert result.exit_code == 1
    assert "u.circ: error: compiling this circuit would need about" in result.output
    assert "more than --max-memory 52.4 MB" in result.output
    assert not (tmp_path / "u.npz").exists()
    assert runner.invoke(main, ["compile", "u.circ", "-o", "u.npz", "--json"]).exit_code == 0
    result = runner.invoke(main, ["eval", "u.npz", "--max-memory", "1M"])
    assert result.exit_code == 1 and "evaluating this network would need" in result.output


@pytest.mark.parametrize("command", [["check", "u.circ"], ["check", "u.circ", "--json"],
                                     ["export", "u.circ", "--to", "bench", "--after-passes"]])
def test_the_passes_over_the_budget_are_refused_up_front_with_the_estimate(tmp_path, monkeypatch,
                                                                           command):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "u.circ").write_text(uand_circ(20))
    result = CliRunner().invoke(main, [*command, "--max-memory", "1M"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(r"u\.circ: error: running the passes on this circuit would need about "
                     r"[0-9.]+ MB \(base [0-9.]+ MB.*\), more than --max-memory 1\.0 MB; raise "
                     r"--max-memory", result.output), result.output


@pytest.mark.parametrize("text, size", [("4G", 4 << 30), ("512M", 512 << 20), ("1.5GB", 3 << 29),
                                        ("1000", 1000), ("2GiB", 2 << 30)])
def test_sizes(text, size):
    assert memory.parse_size(text) == size


def test_bad_size_is_a_clear_error():
    with pytest.raises(ValueError, match="--max-memory takes a size"):
        memory.parse_size("lots")


def test_a_counted_uand_is_estimated_with_the_hosts_the_planner_gives_it(tmp_path):
    """The U-AND judged by its counted risk gets width / 9 hosts a pair (plan.uand_hosts), not
    64: the estimate takes them at the widest width its search builds; a U-AND judged by
    samples (here: more than 3 inputs on) keeps 64, and the read-offs of its tries (more bytes
    a nonzero)."""
    from circuitc.lowering.plan import UAND_HOSTS, counted, uand_hosts

    (tmp_path / "u.circ").write_text(uand_circ(100))
    circuit = parse_file(tmp_path / "u.circ")
    assert counted(circuit)
    estimate = memory.estimate_compile(circuit, "superposed", "uand")
    hosts = uand_hosts(memory.COUNTED_WIDTH, True)
    assert hosts > UAND_HOSTS
    assert estimate.parts["network"] == hosts * 4950 * memory.COUNTED_NONZERO_BYTES
    (tmp_path / "v.circ").write_text(uand_circ(100).replace("sparse(3)", "sparse(5)"))
    sampled = parse_file(tmp_path / "v.circ")
    assert not counted(sampled)
    assert memory.estimate_compile(sampled, "superposed", "uand").parts["network"] == \
        UAND_HOSTS * 4950 * memory.NONZERO_BYTES


def test_a_superposed_compile_peaks_at_the_passes_or_at_the_plan_not_at_both(tmp_path,
                                                                             monkeypatch):
    """The plan holds the circuit packed (`Circuit.pack`): its estimate has no graph in it, and
    the compile's is that of the larger stage, named; an exact compile keeps the graph."""
    (tmp_path / "u.circ").write_text(uand_circ(100))
    circuit = parse_file(tmp_path / "u.circ")
    superposed = memory.estimate_compile(circuit, "superposed", "uand")
    passes = memory.estimate_passes(circuit)
    assert superposed.stage == "the plan" and "graphs" not in superposed.parts
    assert superposed.parts["packed circuit"] == \
        memory.PLAN_NODE_BYTES * circuit.graph.number_of_nodes()
    assert superposed.total == sum(superposed.parts.values()) > passes.total
    assert "at the plan (" in superposed.describe()
    monkeypatch.setattr(memory, "GRAPH_COPIES", 100)  # passes holding many graphs: their peak
    heavy = memory.estimate_compile(circuit, "superposed", "uand")
    assert heavy.stage == "the passes" and heavy.parts == memory.estimate_passes(circuit).parts
    exact = memory.estimate_compile(circuit, "exact")
    assert exact.stage is None and "graphs" in exact.parts


def test_auto_mode_builds_the_exact_lowering_when_superposition_would_not_fit(tmp_path,
                                                                            monkeypatch):
    """A deep sparse circuit whose superposed compile is estimated above --max-memory and whose
    exact one below: auto mode does not try superposition, says why, and builds the exact
    lowering; superposed mode refuses up front."""
    from circuitc.gen import sparse_circ
    from circuitc.netfile import load

    monkeypatch.chdir(tmp_path)
    text = sparse_circ(300, 4, active=4, seed=1)
    (tmp_path / "s.circ").write_text(text[0] if isinstance(text, tuple) else text)
    circuit = parse_file(tmp_path / "s.circ")
    exact = memory.estimate_compile(circuit, "exact", "clamped").total
    superposed = memory.estimate_compile(circuit, "superposed", "clamped").total
    assert exact < superposed
    budget = f"{(exact + superposed) // 2 >> 20}M"
    runner = CliRunner()
    result = runner.invoke(main, ["compile", "s.circ", "--mode", "auto", "--max-memory", budget,
                                  "-o", "s.npz"])
    assert result.exit_code == 0, result.output
    assert "fell back to the exact lowering: superposition not tried: it would need" in \
        result.output
    net = load(tmp_path / "s.npz", graph=False)
    assert net.mode == "auto" and "superposition not tried" in net.meta["plan"]["fallback"]
    assert all(row["construction"] == "exact" for row in net.meta["plan"]["levels"])
    assert runner.invoke(main, ["eval", "s.npz", "--json"]).exit_code == 0
    result = runner.invoke(main, ["compile", "s.circ", "--mode", "auto", "--max-memory", budget,
                                  "-o", "s.npz", "--json"])
    assert "superposition not tried" in json.loads(result.output)["fallback"]
    result = runner.invoke(main, ["compile", "s.circ", "--mode", "superposed", "--max-memory",
                                  budget, "-o", "t.npz"])
    assert result.exit_code == 1 and "compiling this circuit would need" in result.output
