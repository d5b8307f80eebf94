#!/bin/bash
# Byte identity of compiled networks across two versions of the code: compiles a fixed set of
# circuits and prints "circuit mode options sha256-prefix" per line (FAILED and the last line of
# the log when a compile fails). Run it for each version and diff the outputs:
#
#   bench/npz_hashes.sh /path/to/checkout-A > a.txt; bench/npz_hashes.sh /path/to/checkout-B > b.txt
#   diff a.txt b.txt
#
# CODE is put first on PYTHONPATH and every compile runs in a scratch directory (python -m
# imports from the working directory first). Needs $CIRCUITC_SHARED (default /work/shared).
set -u
CODE=$(cd "$1" && pwd); HERE=$(cd "$(dirname "$0")/.." && pwd)
S=${CIRCUITC_SHARED:-/work/shared}/circuits
PY=${PYTHON:-python}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT; cd "$T"
export OMP_NUM_THREADS=1 PYTHONPATH=$CODE
# The U-AND circuit comes from the reference checkout's generator, and is compiled by a path
# relative to the scratch directory: the network records the source's path and sha256, which
# must be the same in both runs.
PYTHONPATH=$HERE $PY -m circuitc gen uand --m 100 -o u100.circ > /dev/null
run() { f=$1; mode=$2; shift 2
  if $PY -m circuitc compile "$f" --mode "$mode" -o "$T/x.npz" "$@" > "$T/log" 2>&1; then
    echo "$(basename "$f") $mode $* $(sha256sum < "$T/x.npz" | cut -c1-16)"
  else echo "$(basename "$f") $mode $* FAILED $(tail -1 "$T/log")"; fi; }
for f in "$HERE"/examples/circuits/*.circ; do run "$f" exact; run "$f" auto; done
for f in iscas85/c17.bench iscas85/c432.bench iscas85/c499.bench iscas85/c880.bench \
         iscas85/c1908.bench iscas85/c6288.bench bristol/adder64.txt bristol/zero_equal.txt \
         bristol/sub64.txt epfl/arithmetic/adder.aig; do run "$S/$f" exact; done
for f in iscas85/c432.bench iscas85/c880.bench bristol/adder64.txt; do run "$S/$f" auto; done
run "$S/iscas85/c880.bench" exact --lut 4
run "$S/iscas85/c880.bench" exact --no-polarity
run "$S/epfl/arithmetic/div.aig" exact
run u100.circ exact
run u100.circ superposed --width auto
