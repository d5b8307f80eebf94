"""The memory estimates of circuitc.memory against the peak resident memory measured.

    nice python bench/memory.py [--quick] [--json bench/results/memory.jsonl]

For each circuit (shared circuits compiled exactly; generated U-AND and random sparse circuits
compiled in superposition), three commands, each in a fresh process: `circuitc check` (the
passes), `circuitc compile ... -o NET.npz` (passes, planning, lowering, save) and `circuitc eval
NET.npz`, all with `--json` and the default 10^4 samples. The estimate is made the way the CLI
makes it before refusing (in another fresh process, from the file alone); the peak is that
process's `resource.getrusage(RUSAGE_SELF).ru_maxrss`. This script imports nothing heavy, so the
peak a child inherits over fork and exec (Linux keeps the larger) is this small process's.
Prints a Markdown table, ratio = estimate / peak (the issue asks for 0.5..2); docs/robustness.md
keeps it with the command.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared beside the repository (CIRCUITC_SHARED points elsewhere, as for the tests)
SHARED = Path(os.environ.get("CIRCUITC_SHARED") or REPO.parent / "shared") / "circuits"

# (name, how to get the file, compile arguments)
CASES = [
    ("c880", f"{SHARED}/iscas85/c880.bench", ["--mode", "exact"]),
    ("c6288", f"{SHARED}/iscas85/c6288.bench", ["--mode", "exact"]),
    ("c7552", f"{SHARED}/iscas85/c7552.bench", ["--mode", "exact"]),
    ("EPFL i2c", f"{SHARED}/epfl/random_control/i2c.aig", ["--mode", "exact"]),
    ("EPFL priority", f"{SHARED}/epfl/random_control/priority.aig", ["--mode", "exact"]),
    ("Bristol adder64", f"{SHARED}/bristol/adder64.txt", ["--mode", "exact"]),
    ("U-AND m=40", "gen uand --m 40", ["--mode", "superposed"]),
    ("U-AND m=100", "gen uand --m 100", ["--mode", "superposed"]),
    ("U-AND m=200", "gen uand --m 200", ["--mode", "superposed"]),
    ("sparse 500x4", "gen sparse --wires 500 --levels 4 --active 4 --seed 4",
     ["--mode", "superposed", "--construction", "clamped"]),
    ("sparse 1000x2", "gen sparse --wires 1000 --levels 2 --active 4 --seed 4",
     ["--mode", "superposed", "--construction", "clamped"]),
]
QUICK = {"c880", "EPFL i2c", "U-AND m=40", "U-AND m=100", "sparse 500x4"}

PEAK = """
import resource, sys
from circuitc.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    if exit.code:
        sys.exit(exit.code)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, file=sys.stderr)
"""

ESTIMATE = """
import json, sys
from circuitc import memory
from circuitc.frontend import parse_file
what, path, mode, construction = sys.argv[1:5]
if what == "eval":
    estimate = memory.estimate_eval(path)
elif what == "check":
    estimate = memory.estimate_passes(parse_file(path))
else:
    estimate = memory.estimate_compile(parse_file(path), mode, construction)
print(json.dumps({"total": estimate.total, "parts": estimate.parts}))
"""


def peak(args: list[str], cwd: Path) -> tuple[int, float]:
    """(peak resident bytes, seconds) of `circuitc ARGS` in a fresh process."""
    start = time.perf_counter()
    run = subprocess.run([sys.executable, "-c", PEAK, *args], cwd=cwd, capture_output=True,
                         text=True)
    if run.returncode:
        raise SystemExit(f"circuitc {' '.join(args)} failed:\n{run.stderr}")
    return int(run.stderr.strip().splitlines()[-1]), time.perf_counter() - start


def estimate(what: str, path: Path, mode: str = "exact", construction: str = "uand") -> dict:
    run = subprocess.run([sys.executable, "-c", ESTIMATE, what, str(path), mode, construction],
                         capture_output=True, text=True, check=True)
    return json.loads(run.stdout)


def source(spec: str, folder: Path) -> Path:
    """The circuit file: a path, or a `gen ...` command written into `folder`."""
    if not spec.startswith("gen "):
        return Path(spec)
    path = folder / "circuit.circ"
    subprocess.run([sys.executable, "-m", "circuitc", *spec.split(), "-o", str(path)],
                   check=True, capture_output=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the small cases")
    parser.add_argument("--only", nargs="*", help="only the cases whose names start so")
    parser.add_argument("--json", type=Path, help="append one JSON line per measurement here")
    args = parser.parse_args()
    print("| circuit | command | estimate MB | peak MB | estimate / peak | seconds |")
    print("|---|---|---:|---:|---:|---:|")
    for name, spec, options in CASES:
        if (args.quick and name not in QUICK) or (args.only and not any(
                name.startswith(prefix) for prefix in args.only)):
            continue
        if not spec.startswith("gen ") and not Path(spec).exists():
            print(f"| {name} | skipped: {spec} not found | | | | |")
            continue
        mode = options[options.index("--mode") + 1]
        construction = options[options.index("--construction") + 1] \
            if "--construction" in options else "uand"
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            path = source(spec, folder)
            steps = [("check", ["check", str(path), "--json"], path),
                     (f"compile {mode}", ["compile", str(path), *options, "-o", "net.npz",
                                          "--json"], path),
                     ("eval", ["eval", "net.npz", "--json"], folder / "net.npz")]
            for what, command, target in steps:
                measured, seconds = peak(command, folder)
                guess = estimate(what.split()[0], target, mode, construction)
                ratio = guess["total"] / measured
                print(f"| {name} | {what} | {guess['total'] / 1e6:.0f} | {measured / 1e6:.0f} "
                      f"| {ratio:.2f} | {seconds:.1f} |", flush=True)
                if args.json:
                    with args.json.open("a") as out:
                        out.write(json.dumps({"circuit": name, "command": what,
                                              "estimate": guess, "peak": measured,
                                              "ratio": ratio, "seconds": seconds}) + "\n")


if __name__ == "__main__":
    main()
