"""Benchmark: the paper's U-AND through the command line, as a user runs it.

For each m: `circuitc gen uand --m M -o u.circ`, `circuitc compile u.circ --mode superposed
--width auto -o u.npz --json`, `circuitc eval u.npz --json`, each under `/usr/bin/time -v`;
records peak RSS and wall time of each step, the width chosen, ANDs per ReLU and eval's bit
errors, one JSON line per m (--json FILE appends). With two or more m, fits peak memory and time
of compile and eval against m on log-log axes (the growth exponents).

    python bench/uand_cli.py --m 250,500,1000 --json bench/results/uand_cli.jsonl

Extra compile options go after `--`, e.g. `-- --max-memory 8G`. Runs in a scratch directory
(--dir, default a temporary one) and removes the network files after each m unless --keep.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(cmd: list[str], cwd: Path) -> dict:
    """Run cmd under /usr/bin/time -v; its stdout, exit status, peak RSS (GB) and wall seconds."""
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
    wall = time.monotonic() - start
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    cpu = sum(float(v) for v in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)",
                                           proc.stderr))
    return {"status": proc.returncode, "stdout": proc.stdout, "peak_gb": int(peak.group(1)) / 1e6
            if peak else None, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1),
            "stderr": proc.stderr[-6000:] if proc.returncode else ""}


def run(m: int, work: Path, extra: list[str], keep: bool) -> dict:
    exe = [sys.executable, "-m", "circuitc"]
    row: dict = {"m": m, "ands": m * (m - 1) // 2, "extra": extra}
    gen = timed([*exe, "gen", "uand", "--m", str(m), "-o", "u.circ"], work)
    comp = timed([*exe, "compile", "u.circ", "--mode", "superposed", "--width", "auto",
                   "-o", "u.npz", "--json", *extra], work)
    row["gen"] = {k: gen[k] for k in ("peak_gb", "wall_s")}
    row["compile"] = {k: comp[k] for k in ("status", "peak_gb", "wall_s", "cpu_s")}
    if comp["status"] != 0:
        # circuitc's own message: /usr/bin/time -v's report follows it, its lines start with a tab
        lines = [line for line in comp["stderr"].splitlines()
                 if line.strip() and not line.startswith("\t")]
        row["compile"]["error"] = lines[-3:]
        return row
    summary = json.loads(comp["stdout"])
    row.update(neurons=summary["neurons"], ands_per_relu=round(summary["gates_per_relu"], 1),
               file_mb=round((work / "u.npz").stat().st_size / 1e6, 1))
    check = summary.get("validation") or {}  # the compiler's fresh check (acceptance rule)
    if check:
        row["fresh_check"] = {"samples": check.get("samples"), "bit_errors": check.get("bit_errors"),
                              "margin": check.get("margin"),
                              "risk": (check.get("risk") or {}).get("risk"),
                              "risk_method": (check.get("risk") or {}).get("method", "tails"),
                              "draws": (check.get("risk") or {}).get("draws")}
    ev = timed([*exe, "eval", "u.npz", "--json"], work)
    row["eval"] = {k: ev[k] for k in ("status", "peak_gb", "wall_s", "cpu_s")}
    if ev["stdout"].strip():
        report = json.loads(ev["stdout"])
        row["eval"].update(samples=report["samples"], bit_errors=report["bit_errors"],
                           margin=report["levels"][-1]["margin"])
    if not keep:
        for name in ("u.npz", "u.circ"):
            (work / name).unlink(missing_ok=True)
    return row


def fit(rows: list[dict], step: str, key: str) -> float | None:
    """Least-squares exponent of `key` of `step` against m (log-log)."""
    pts = [(math.log(r["m"]), math.log(r[step][key])) for r in rows
           if r.get(step, {}).get(key)]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", default="250,500,1000")
    parser.add_argument("--json", help="append one JSON line per m to this file")
    parser.add_argument("--dir", help="scratch directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep u.circ and u.npz")
    parser.add_argument("extra", nargs="*", help="extra compile options (after --)")
    args = parser.parse_args()
    work = Path(args.dir or tempfile.mkdtemp(prefix="uand_cli."))
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    print("m  ANDs  compile(GB, s)  eval(GB, s)  neurons  ANDs/ReLU  bit errors", flush=True)
    for m in (int(v) for v in args.m.split(",")):
        row = run(m, work, args.extra, args.keep)
        rows.append(row)
        c, e = row["compile"], row.get("eval", {})
        print(f"{m} {row['ands']} {c['peak_gb']:.2f} {c['wall_s']} "
              f"{e.get('peak_gb', float('nan')):.2f} {e.get('wall_s')} {row.get('neurons')} "
              f"{row.get('ands_per_relu')} {e.get('bit_errors')}"
              + (f"  compile failed: {c.get('error')}" if c["status"] else ""), flush=True)
        if args.json:
            with open(args.json, "a") as handle:
                handle.write(json.dumps(row, sort_keys=True) + "\n")
    for step in ("compile", "eval"):
        for key in ("peak_gb", "wall_s", "cpu_s"):
            slope = fit(rows, step, key)
            if slope is not None:
                print(f"{step} {key} ~ m^{slope:.2f}")
    if not args.dir:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
