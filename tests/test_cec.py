"""The compiler passes keep the function, proven by ABC: a circuit after `run_passes`, written as
.bench, is equivalent to the original under ABC's combinational equivalence check `cec` (a SAT
proof over every input, not a sample).

The references: the shared benchmark files themselves for ISCAS-85 (.bench) and EPFL (.aig), which
ABC reads on its own, so circuitc's importers are checked too; Bristol files (which ABC cannot
read) through an independent translation to .bench written here; circuits that exist in no file
ABC reads (the .circ examples, random circuits with MUX, MAJ and constants) through `write_bench`
before the passes. ABC pairs inputs and outputs by name.

berkeley-abc (Debian: `apt-get install berkeley-abc`) is a test dependency only: these tests skip
without it, unless the environment sets CIRCUITC_REQUIRE_ABC=1 (CI does), which makes its absence
a failure. The shared circuits live in ../shared/circuits; their tests skip when it is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from circuitc.cli import main
from circuitc.formats import write_bench
from circuitc.frontend import parse_file
from circuitc.passes import PassOptions, run_passes
from conftest import EXAMPLES, random_circuit

DATA = Path(__file__).resolve().parent / "data" / "formats"
SAMPLES = 1000  # for polarity and sparsity: they choose the form, the function must not change

# (path under ../shared/circuits, lut): every ISCAS-85, the small and mid EPFL circuits, a few
# Bristol, some of each mapped into 4- and 6-input LUTs (exported as sums of minterms). The larger
# ones are left out to keep this file under a minute on 2 cores.
ISCAS = ["c17", "c432", "c499", "c880", "c1355", "c1908", "c2670", "c3540", "c5315", "c6288",
         "c7552"]
SHARED_CASES = (
    [(f"iscas85/{c}.bench", None) for c in ISCAS]
    + [(f"iscas85/{c}.bench", 4) for c in ("c432", "c499", "c1908", "c3540", "c5315", "c7552")]
    + [(f"iscas85/{c}.bench", 6) for c in ("c17", "c880", "c1355", "c2670")]
    + [(f"epfl/random_control/{c}.aig", None)
       for c in ("ctrl", "int2float", "router", "dec", "cavlc", "i2c", "priority")]
    + [("epfl/arithmetic/bar.aig", None)]
    + [(f"epfl/random_control/{c}.aig", 4) for c in ("cavlc", "router", "i2c")]
    + [("epfl/arithmetic/bar.aig", 4)]
    + [(f"epfl/random_control/{c}.aig", 6) for c in ("ctrl", "int2float", "dec", "priority")]
    + [("epfl/arithmetic/adder.aig", 6)]
    + [(f"bristol/{c}.txt", None) for c in ("zero_equal", "neg64", "FP-eq", "sub64")]
    + [(f"bristol/{c}.txt", 4) for c in ("adder64", "FP-lt")]
    + [(f"bristol/{c}.txt", 6) for c in ("neg64", "FP-eq")]
)

_VERDICT = re.compile(r"Networks are (equivalent|NOT EQUIVALENT)( after structural hashing)?\."
                      r"\s+Time =\s+[0-9.]+ sec")


@pytest.fixture
def abc() -> str:
    """The berkeley-abc executable; a skip without it, a failure when CI requires it."""
    found = shutil.which("berkeley-abc")
    if found is None:
        if os.environ.get("CIRCUITC_REQUIRE_ABC") == "1":
            pytest.fail("CIRCUITC_REQUIRE_ABC=1 but berkeley-abc is not on PATH "
                        "(Debian: apt-get install berkeley-abc)")
        pytest.skip("berkeley-abc not installed (Debian: apt-get install berkeley-abc)")
    return found


def verdict(output: str) -> str:
    """'equivalent' or 'not equivalent' from the output of ABC's `cec`, read strictly: an
    AssertionError (with the output) for anything else, e.g. a file ABC could not read, inputs it
    could not pair, a warning about undriven nets, or an undecided check. Only the echo of the
    command line may accompany an 'equivalent'; a 'not equivalent' is followed by ABC's
    counterexample."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    verdicts = [i for i, line in enumerate(lines) if line.startswith("Networks are")]
    assert len(verdicts) == 1, f"no single verdict from ABC:\n{output}"
    match = _VERDICT.fullmatch(lines[verdicts[0]])
    assert match, f"ABC's verdict is neither equivalent nor not:\n{output}"
    before = [line for line in lines[:verdicts[0]] if not line.startswith("ABC command line:")]
    assert not before, f"ABC said more than its verdict:\n{output}"
    if match.group(1) == "equivalent":
        assert verdicts[0] == len(lines) - 1, f"ABC said more than its verdict:\n{output}"
        return "equivalent"
    return "not equivalent"


def cec(abc: str, original: Path, exported: Path) -> str:
    """ABC's verdict on two circuit files (copied beside each other under plain names, so no
    path needs quoting on ABC's command line)."""
    folder = exported.parent
    reference = folder / f"original{original.suffix}"
    if original != reference:
        shutil.copyfile(original, reference)
    run = subprocess.run([abc, "-c", f"cec {reference.name} {exported.name}"], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"berkeley-abc exited {run.returncode}:\n{run.stdout}{run.stderr}"
    return verdict(run.stdout + run.stderr)


def passed_bench(circuit, folder: Path, lut: int | None) -> Path:
    """`circuit` after the passes (in `lut`-input LUTs when given), written as .bench."""
    compiled, _ = run_passes(circuit, PassOptions(samples=SAMPLES, lut=lut))
    path = folder / "exported.bench"
    path.write_text(write_bench(compiled))
    return path


def bristol_as_bench(path: Path) -> str:
    """A Bristol Fashion file as .bench, translated here independently of circuitc's importer:
    input value i's wire k is `in<i>[k]`, output value j's bit k is `out<j>[k]` (the last wires,
    in order), every other wire `w<n>`. Only the gates of the files used here (XOR, AND, INV,
    EQW)."""
    rows = [line.split() for line in path.read_text().splitlines() if line.split()]
    n_wires, in_widths, out_widths = int(rows[0][1]), rows[1][1:], rows[2][1:]
    names = [f"in{i}[{k}]" for i, width in enumerate(in_widths) for k in range(int(width))]
    inputs = len(names)

    def name(wire: str) -> str:
        return names[int(wire)] if int(wire) < inputs else f"w{wire}"

    ops = {"XOR": "XOR", "AND": "AND", "INV": "NOT", "EQW": "BUFF"}
    lines = [f"INPUT({n})" for n in names]
    body = []
    for row in rows[3:]:
        arity = int(row[0])
        body.append(f"{name(row[2 + arity])} = {ops[row[-1]]}"
                    f"({', '.join(name(w) for w in row[2:2 + arity])})")
    wire = n_wires - sum(map(int, out_widths))
    for j, width in enumerate(out_widths):
        for k in range(int(width)):
            lines.append(f"OUTPUT(out{j}[{k}])")
            body.append(f"out{j}[{k}] = BUFF({name(str(wire))})")
            wire += 1
    return "\n".join(lines + body) + "\n"


@pytest.mark.parametrize("name, lut", SHARED_CASES,
                         ids=[f"{n.rsplit('.', 1)[0]}-lut{k}" for n, k in SHARED_CASES])
def test_shared_circuit_after_the_passes_is_proven_equivalent(abc, shared_circuits, tmp_path,
                                                               name, lut):
    original = shared_circuits / name
    exported = passed_bench(parse_file(original), tmp_path, lut)
    if original.suffix == ".txt":
        original = tmp_path / "original.bench"
        original.write_text(bristol_as_bench(shared_circuits / name))
    assert cec(abc, original, exported) == "equivalent"


EXAMPLE_CASES = [(p.name, lut) for p in sorted(EXAMPLES.glob("*.circ")) for lut in (None, 4)
                 if not (lut and p.name == "u_and.circ")]  # 4950 ANDs of 2: nothing to map


@pytest.mark.parametrize("example, lut", EXAMPLE_CASES)
def test_example_after_the_passes_is_proven_equivalent(abc, tmp_path, example, lut):
    circuit = parse_file(EXAMPLES / example)
    (tmp_path / "original.bench").write_text(write_bench(circuit))
    exported = passed_bench(circuit, tmp_path, lut)
    assert cec(abc, tmp_path / "original.bench", exported) == "equivalent"


@pytest.mark.parametrize("lut", [None, 3])
@pytest.mark.parametrize("seed", range(6))
def test_random_circuit_after_the_passes_is_proven_equivalent(abc, tmp_path, seed, lut):
    circuit = random_circuit(seed, n_inputs=8, n_gates=60, n_outputs=6)
    (tmp_path / "original.bench").write_text(write_bench(circuit))
    exported = passed_bench(circuit, tmp_path, lut)
    assert cec(abc, tmp_path / "original.bench", exported) == "equivalent"


@pytest.mark.parametrize("original", ["full_adder.bench", "tiny.aig", "tiny.blif"])
def test_cli_export_after_the_passes_is_proven_equivalent(abc, tmp_path, original):
    out = tmp_path / "exported.bench"
    for lut in ([], ["--lut", "4"]):
        result = CliRunner().invoke(main, ["export", str(DATA / original), "--to", "bench",
                                           "--after-passes", *lut, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert cec(abc, DATA / original, out) == "equivalent"


def test_a_wrong_export_is_proven_not_equivalent(abc, tmp_path):
    """The check can fail: one gate of the exported circuit changed from AND to OR."""
    exported = passed_bench(parse_file(DATA / "full_adder.bench"), tmp_path, None)
    text = exported.read_text()
    mutated, n = re.subn(r"= AND\(", "= OR(", text, count=1)
    assert n == 1
    exported.write_text(mutated)
    assert cec(abc, DATA / "full_adder.bench", exported) == "not equivalent"


def test_an_export_abc_cannot_pair_fails_the_check(abc, tmp_path):
    """An input renamed: ABC cannot build the miter, and that is a failure, not a pass."""
    exported = passed_bench(parse_file(DATA / "full_adder.bench"), tmp_path, None)
    first = re.search(r"INPUT\((.*)\)", exported.read_text()).group(1)
    exported.write_text(re.sub(rf"\b{re.escape(first)}\b", "renamed", exported.read_text()))
    with pytest.raises(AssertionError, match="no single verdict"):
        cec(abc, DATA / "full_adder.bench", exported)


@pytest.mark.parametrize("output", [
    'ABC command line: "cec a.bench b.bench".\n\nCannot open input file "b.bench".\n',
    "Warning: Constant-0 drivers added to 3 non-driven nets in network \"b\":\n22, 23\n"
    "Networks are equivalent.  Time =     0.01 sec\n",
    "Networks are UNDECIDED.  Time =     0.01 sec\n",
    "Networks are equivalent.  Time =     0.01 sec\nNetworks are NOT EQUIVALENT.  Time = 0.0 sec\n",
])
def test_anything_but_a_clean_verdict_is_a_failure(output):
    with pytest.raises(AssertionError):
        verdict(output)


def test_verdicts_are_read():
    assert verdict('ABC command line: "cec a b".\n\nNetworks are equivalent after structural '
                   "hashing.  Time =     0.00 sec\n") == "equivalent"
    assert verdict("Networks are NOT EQUIVALENT.  Time =     0.01 sec\nVerification failed for "
                   "at least 1 outputs:  22\n") == "not equivalent"
