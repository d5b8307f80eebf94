"""Benchmark: the memory of `compile`'s passes on a circuit file, stopped right before planning.

Parses FILE, then runs `circuitc.compile` (mode as given, compile defaults) with its planning
replaced by a stop, so the process's peak is the parse's or the passes'. Prints VmRSS after the
parse and right after the passes (before planning), and with --per-pass each pass's VmRSS
before and after and its own peak (VmHWM, reset before the pass through /proc/self/clear_refs:
that also resets ru_maxrss, so time -v's maximum then means nothing). --hand-over marks the
parsed circuit handed over (`circuitc.passes._rewrite.hand_over`), as a caller that keeps no
reference to it may: the first simplify then consumes it like the later passes' inputs.

    circuitc gen uand --m 1000 -o u1000.circ
    /usr/bin/time -v python bench/uand_passmem.py u1000.circ superposed
    python bench/uand_passmem.py u1000.circ superposed --per-pass

To measure another checkout's code, put it first on the path (PYTHONPATH=/path/to/checkout).
"""

from __future__ import annotations

import argparse
import resource
import time


def status(key: str) -> float:
    """A /proc/self/status field in GB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1]) / 1e6
    raise KeyError(key)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("mode", nargs="?", default="superposed")
    ap.add_argument("--per-pass", action="store_true")
    ap.add_argument("--hand-over", action="store_true")
    a = ap.parse_args()

    import circuitc
    import circuitc.passes as P
    from circuitc import compiling
    from circuitc.passes._rewrite import hand_over

    if a.per_pass:
        for name in ["simplify", "fanin", "lutmap", "choose_lut", "monomials", "polarity",
                     "levelize", "sparsity", "depth"]:
            setattr(P, name, _timed(name, getattr(P, name)))

    class Stop(Exception):
        pass

    def stop(circuit, options):
        print(f"after the passes: VmRSS {status('VmRSS'):.2f} GB, peak so far (ru_maxrss) "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6:.2f} GB", flush=True)
        raise Stop

    compiling.plan_and_lower = stop
    t = time.process_time()
    held = [circuitc.parse_file(a.file)]
    print(f"parsed: VmRSS {status('VmRSS'):.2f} GB, {time.process_time() - t:.1f} CPU s",
          flush=True)
    if a.hand_over:
        hand_over(held[0])
    t = time.process_time()
    try:
        compiling.compile(held.pop(), mode=a.mode)
    except Stop:
        pass
    print(f"passes: {time.process_time() - t:.1f} CPU s", flush=True)


def _timed(name, one_pass):
    def run(*args, **kwargs):
        before = status("VmRSS")
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM: the pass's own peak
        t = time.process_time()
        result = one_pass(*args, **kwargs)
        print(f"{name:10s} VmRSS before {before:5.2f} GB, peak {status('VmHWM'):5.2f}, after "
              f"{status('VmRSS'):5.2f}; {time.process_time() - t:6.1f} CPU s", flush=True)
        return result
    return run


if __name__ == "__main__":
    main()
