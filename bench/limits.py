"""Hostile .circ inputs (issue 13's list): each must end in a located error or a circuit, quickly.

    python bench/limits.py [--cap-seconds 120] [--cap-gb 4] [NAME ...]

Each case runs `circuitc.parse_text` in a fresh subprocess under an address-space limit and a
time-out, and reports its outcome (`ok`: a circuit; `error`: a CircuitError, with its first
line; anything else: the exception's name, or `killed`/`timeout`), the wall-clock seconds and
the peak resident memory. The cases are the input-limit part of issue 13: sizes taken at face
value (a port of 10^8 bits, nested loops whose product is 10^9, huge literals, `2 ** huge`),
chains and nests of depth 300 to 30,000 (parentheses, `~`, `+`, `&`, `else if`, compile-time
operators, blocks, calls, module chains and cycles). docs/robustness.md keeps a run's table.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time


def _chain_modules(n: int, cycle: bool) -> str:
    mods = "".join(f"module m{k}(x) -> (z) {{ z = ~m{(k + 1) % n if cycle else k + 1}(x); }}\n"
                   for k in range(n))
    if not cycle:
        mods += f"module m{n}(x) -> (z) {{ z = x; }}\n"
    return mods + "circuit c(a) -> (y) { y = m0(a); }"


def _wrap(body: str) -> str:
    return f"circuit c(a, x[4]) -> (y) {{ {body} }}"


CASES = {
    "port x[10^8]": lambda: "circuit c(x[100000000]) -> (y) { y = x[0]; }",
    "loops 1000^3": lambda: _wrap("wire t; for i in 0..1000 { for j in 0..1000 { "
                                  "for k in 0..1000 { t = a; } } } y = a;"),
    "let loops 10^5^2": lambda: _wrap("for i in 0..100000 { for j in 0..100000 { let q = i; } } "
                                      "y = a;"),
    "literal 10^5 digits": lambda: _wrap("y = a & " + "9" * 100000 + ";"),
    "let literal 5000 digits": lambda: _wrap("let q = " + "9" * 5000 + "; y = a;"),
    "index 60 hex digits": lambda: _wrap("y = x[0x" + "f" * 60 + "];"),
    "2 ** 10^11": lambda: _wrap("let q = 2 ** 100000000000; y = a;"),
    "1 << 10^11": lambda: _wrap("let q = 1 << 100000000000; y = a;"),
    "zext<10^12>": lambda: _wrap("y = &zext<1000000000000>(a);"),
    "10 MB of ~": lambda: _wrap("y = " + "~" * 10_000_000 + "a;"),
    "10 MB of parens": lambda: _wrap("y = " + "(" * 5_000_000 + "a" + ")" * 5_000_000 + ";"),
}
for _n in (300, 3000, 30000):
    CASES.update({
        f"parens {_n}": lambda n=_n: _wrap("y = " + "(" * n + "a" + ")" * n + ";"),
        f"~ {_n}": lambda n=_n: _wrap("y = " + "~" * n + "a;"),
        f"+ {_n}": lambda n=_n: _wrap("y = a" + " + a" * n + ";"),
        f"& nested {_n}": lambda n=_n: _wrap("y = a" + " & (a" * n + ")" * n + ";"),
        f"else if {_n}": lambda n=_n: _wrap("if 0 { y = a; }" + " else if 0 { y = a; }" * n
                                            + " else { y = a; }"),
        f"c parens {_n}": lambda n=_n: _wrap("y = x[" + "(" * n + "0" + ")" * n + "];"),
        f"c + {_n}": lambda n=_n: _wrap("y = x[0" + " + 0" * n + "];"),
        f"nested if {_n}": lambda n=_n: _wrap("if 1 { " * n + "y = a;" + " }" * n),
        f"not() calls {_n}": lambda n=_n: _wrap("y = " + "not(" * n + "a" + ")" * n + ";"),
        f"module chain {_n}": lambda n=_n: _chain_modules(n, cycle=False),
        f"module cycle {_n}": lambda n=_n: _chain_modules(n, cycle=True),
    })

_CHILD = """
import json, resource, sys, time
cap = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
text = sys.stdin.read()
import circuitc
from circuitc.errors import CircuitError
start = time.perf_counter()
try:
    circuit = circuitc.parse_text(text, "case.circ")
    outcome, detail = "ok", f"{len(circuit.gates())} gates"
except CircuitError as error:
    outcome, detail = "error", error.errors[0].format().splitlines()[0]
except BaseException as error:
    outcome, detail = type(error).__name__, str(error)[:200]
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"outcome": outcome, "detail": detail, "seconds": seconds, "peak_mb": peak}))
"""


def run(name: str, cap_seconds: float, cap_bytes: int) -> dict:
    text = CASES[name]()
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(cap_bytes)], input=text,
                              capture_output=True, text=True, timeout=cap_seconds)
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "detail": "", "seconds": time.perf_counter() - start,
                "peak_mb": float("nan")}
    if done.returncode != 0 or not done.stdout.strip():
        return {"outcome": "killed", "detail": done.stderr.strip()[-200:],
                "seconds": time.perf_counter() - start, "peak_mb": float("nan")}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--cap-seconds", type=float, default=120)
    parser.add_argument("--cap-gb", type=float, default=4)
    args = parser.parse_args()
    names = args.names or list(CASES)
    print("| case | outcome | seconds | peak MB | first line |")
    print("|---|---|---|---|---|")
    bad = 0
    for name in names:
        r = run(name, args.cap_seconds, int(args.cap_gb * 2**30))
        bad += r["outcome"] not in ("ok", "error")
        detail = r["detail"].split(": error: ", 1)[-1]
        detail = detail if len(detail) <= 90 else detail[:87] + "..."
        print(f"| {name} | {r['outcome']} | {r['seconds']:.2f} | {r['peak_mb']:.0f} | "
              f"{detail.replace('|', '/')} |", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
