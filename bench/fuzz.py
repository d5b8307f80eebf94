"""The long fuzz campaign: mutated circuit files and corrupted network files, counted.

    python bench/fuzz.py [--cases N] [--seed S] [TARGET ...]

Targets: bench, aiger, blif, bristol (mutations of the test data files and, where ../shared is
beside the repository, of real benchmark circuits), circ (mutations of the example programs),
network (bit flips, truncations and member swaps of a compiled network file). Each case must
end in a CircuitError or a result within 10 s and 4 GB (an address-space limit); anything else
(another exception, a time-out, a MemoryError) is counted and the first few are shown. The
tests run a bounded, seeded version of the same (tests/test_fuzz.py); docs/robustness.md keeps
the counts of a long run with its command.
"""

from __future__ import annotations

import argparse
import collections
import io
import random
import re
import resource
import signal
import time
import traceback
from pathlib import Path

import numpy as np

import circuitc
from circuitc.errors import CircuitError
from circuitc.formats import READERS

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "circuits"
SEEDS = {
    "bench": ["tests/data/formats/full_adder.bench", "../shared/circuits/iscas85/c17.bench",
              "../shared/circuits/iscas85/c432.bench"],
    "aiger": ["tests/data/formats/tiny.aag", "tests/data/formats/tiny.aig",
              "../shared/circuits/epfl/random_control/ctrl.aig"],
    "blif": ["tests/data/formats/tiny.blif", "../shared/circuits/epfl/random_control/ctrl.blif"],
    "bristol": ["tests/data/formats/adder2.txt", "tests/data/formats/mand_eq.txt",
                "../shared/circuits/bristol/zero_equal.txt"],
    "circ": [str(p.relative_to(REPO)) for p in sorted((REPO / "examples/circuits").glob("*.circ"))],
}
SPICE = [b"4294967296", b"1000000000", "\u00b9".encode(), "\u0663".encode(), b"-1", b"0x_",
         b"\x00", b"\n", b" ", b"(", b")", b"=", b"AND", b"INV", b"XOR", b"MAND", b".names",
         b"1-", b"aag", b"\xff\xfe", b"9" * 60, b"NAND(", b".end", b"{", b"}", b"[", b"]",
         b"for i in 0..1000000 {", b"<", b">", b"**", b"~", b";", b"wire", b"module"]


class TimedOut(Exception):
    pass


def _time_out(*_: object) -> None:
    raise TimedOut


def mutate(data: bytes, rng: random.Random) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        at, op = rng.randrange(len(data) + 1), rng.random()
        if op < 0.25 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif op < 0.55:
            data[at:at] = rng.choice(SPICE)
        elif op < 0.75 and data:
            del data[at:at + rng.randint(1, 20)]
        else:
            numbers = list(re.finditer(rb"\d+", bytes(data)))
            if numbers:
                m = rng.choice(numbers)
                data[m.start():m.end()] = rng.choice(SPICE[:6] + [b"123456789012"])
    return bytes(data)


def circuit_case(fmt: str, seeds: list[bytes], rng: random.Random, tmp: Path) -> None:
    data = mutate(rng.choice(seeds), rng)
    if fmt == "circ":
        path = tmp / "case.circ"
        path.write_bytes(data)
        circuitc.parse_file(path)
    else:
        READERS[fmt](data, "fuzz")


def network_case(seed: bytes, rng: random.Random, tmp: Path) -> None:
    kind = rng.random()
    if kind < 0.5:
        data = bytearray(seed[:rng.randrange(1, len(seed) + 1)] if rng.random() < 0.3 else seed)
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] ^= rng.randrange(1, 256)
        data = bytes(data)
    else:
        with np.load(io.BytesIO(seed), allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        keys = sorted(arrays)
        values = [np.zeros(0, np.float32), np.full((3, 3), np.nan, np.float32),
                  np.arange(6).reshape(2, 3), np.array("x"), np.array([-1, 7]),
                  np.zeros((2, 2, 2), np.float32), np.array("{}")]
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(keys)
            if rng.random() < 0.5:
                arrays[key] = rng.choice(values)
            else:
                arrays.pop(key, None)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        data = buffer.getvalue()
    path = tmp / "case.npz"
    path.write_bytes(data)
    net = circuitc.load(path)
    net.forward(np.zeros((2, len(net.input_names))))


def network_seed() -> bytes:
    circuit = circuitc.parse_file(REPO / "examples/circuits/adder.circ", params={"N": 4})
    path = Path("/tmp") / "circuitc-fuzz-seed.npz"
    circuitc.compile(circuit).save(path)
    return path.read_bytes()


def campaign(target: str, cases: int, seed: int, tmp: Path) -> tuple[dict, dict]:
    rng = random.Random(seed)
    if target == "network":
        seeds = [network_seed()]
        run = lambda: network_case(seeds[0], rng, tmp)  # noqa: E731
    else:
        seeds = [(REPO / p).read_bytes() for p in SEEDS[target] if (REPO / p).exists()]
        run = lambda: circuit_case(target, seeds, rng, tmp)  # noqa: E731
    counts: collections.Counter = collections.Counter()
    shown: dict[str, str] = {}
    for _ in range(cases):
        signal.alarm(10)
        try:
            run()
            counts["ok"] += 1
        except CircuitError:
            counts["clear error"] += 1
        except TimedOut:
            counts["time-out"] += 1
        except BaseException as error:  # everything else is a finding
            where = traceback.extract_tb(error.__traceback__)[-1]
            key = f"{type(error).__name__} at {Path(where.filename).name}:{where.lineno}"
            counts[key] += 1
            shown.setdefault(key, repr(error)[:200])
        finally:
            signal.alarm(0)
    return dict(counts), shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*",
                        default=["bench", "aiger", "blif", "bristol", "circ", "network"])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
    signal.signal(signal.SIGALRM, _time_out)
    tmp = Path("/tmp/circuitc-fuzz")
    tmp.mkdir(exist_ok=True)
    print("| target | cases | ok | clear error | anything else | seconds |")
    print("|---|---|---|---|---|---|")
    for target in args.targets:
        start = time.perf_counter()
        counts, shown = campaign(target, args.cases, args.seed, tmp)
        other = sum(v for k, v in counts.items() if k not in ("ok", "clear error"))
        print(f"| {target} | {args.cases} | {counts.get('ok', 0)} | {counts.get('clear error', 0)}"
              f" | {other} | {time.perf_counter() - start:.0f} |", flush=True)
        for key, text in shown.items():
            print(f"  {key} ({counts[key]}): {text}", flush=True)


if __name__ == "__main__":
    main()
