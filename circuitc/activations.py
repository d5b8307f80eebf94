"""Activations with labels, streamed: a data provider for SAE trainers and probes.

`activations(net, hook, n)` yields batches `(acts float32 [B, d], wire_values bool [B, F])`: the
network's activations at `hook` (see `circuitc.truth` for the names) and the exact values of the
F circuit wires represented there, as stored (the `GroundTruth` of the hook: a complemented wire
is stored as 1 - value, so wire_values are what the read-off reproduces and a 1 means "this
wire's direction is active"). Inputs are drawn from the network's declared distribution, batch
by batch, or taken from the caller. Nothing but one batch is ever held, so n = 10^7 runs in
the memory of one batch.

Same network, hook, n, seed and batch give the same stream: batch i is drawn with the seed
SeedSequence([seed, i]).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator

import numpy as np

from circuitc import distribution as D
from circuitc.atomic import atomic_file
from circuitc.network import Network
from circuitc.progress import progress
from circuitc.simulate import pack, unpack
from circuitc.truth import INPUT, READOUT, ground_truth, hook_width, run_to_hook

BATCH_BYTES = 256 << 20  # default batches hold about this much (activations, labels, simulation)
MAX_BATCH = 4096


class WireLabels:
    """The exact stored values of a hook's wires for batches of inputs (one simulator schedule)."""

    def __init__(self, net: Network, hook: str):
        self.truth = ground_truth(net, hook)
        self.schedule = net.nodes.schedule  # no graph needed (circuitc.nodes)
        if hook in (INPUT, READOUT):  # ports: named by port bit, found by position
            self.rows = self.schedule.inputs if hook == INPUT else self.schedule.outputs
        else:
            self.rows = np.array([self.schedule.rows[w] for w in self.truth.wires],
                                 dtype=np.int64)
        self.flip = np.array(self.truth.complemented, dtype=bool).reshape(-1)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        values = self.schedule.run(pack(np.asarray(x, dtype=bool)))
        return unpack(values[self.rows], len(x)) ^ self.flip


def default_batch(net: Network, hook: str, n_wires: int) -> int:
    """The batch size that keeps one batch near BATCH_BYTES: activations (4 bytes a unit, twice
    for the widest layer on the way), labels (1 byte a wire) and the simulation (1 bit a node)."""
    width = max([hook_width(net, hook), net.embed.shape[1]] + [l.shape[1] for l in net.layers])
    per_sample = 8 * width + n_wires + len(net.nodes.data) / 8
    return int(max(1, min(MAX_BATCH, BATCH_BYTES // per_sample)))


def activations(net: Network, hook: str, n: int | None = None, seed: int = 0,
                batch: int | None = None,
                inputs: np.ndarray | Iterable[np.ndarray] | None = None,
                ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (acts [B, d] float32, wire_values [B, F] bool) for `n` inputs drawn from the declared
    distribution (seeded per batch), or for `inputs` (one array [N, n_inputs], split into
    batches, or an iterable of such batches; `n` then limits how many are used)."""
    return _stream(net, hook, WireLabels(net, hook), n, seed, batch, inputs)


def _stream(net: Network, hook: str, labels: WireLabels, n: int | None, seed: int,
            batch: int | None, inputs: np.ndarray | Iterable[np.ndarray] | None = None,
            ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    batch = batch or default_batch(net, hook, len(labels.rows))
    for x in _input_batches(net, n, seed, batch, inputs):
        yield run_to_hook(net, hook, x), labels(x)


def _input_batches(net: Network, n: int | None, seed: int, batch: int,
                   inputs: np.ndarray | Iterable[np.ndarray] | None) -> Iterator[np.ndarray]:
    if inputs is None:
        if n is None:
            raise ValueError("activations: give n (how many samples) or inputs")
        for i, start in enumerate(range(0, n, batch)):
            size = min(batch, n - start)
            yield D.sample(net.nodes.ports, size, seed=int(np.random.SeedSequence([seed, i])
                                                       .generate_state(1)[0]))
        return
    batches = ((inputs[i:i + batch] for i in range(0, len(inputs), batch))
               if isinstance(inputs, np.ndarray) else inputs)
    left = n
    for x in batches:
        if left is not None:
            if left <= 0:
                return
            x, left = x[:left], left - len(x)
        yield np.asarray(x, dtype=bool)


def save_activations(net: Network, hook: str, path: str | os.PathLike, n: int, seed: int = 0,
                     batch: int | None = None, show_progress: bool = True) -> dict:
    """Write `activations(net, hook, n, seed, batch)` to an uncompressed .npz, batch by batch:
    `activations` float32 [n, d], `wire_values` bool [n, F] and `meta` (0-d JSON: hook, wires,
    complemented, n, seed, batch, network source). Memory stays one batch; the labels go to a
    temporary file first, since a zip member is written whole before the next. Atomic
    (`atomic_file`): the file is complete or absent. Returns the meta."""
    labels = WireLabels(net, hook)
    batch = batch or default_batch(net, hook, len(labels.rows))
    meta = {"hook": hook, "wires": labels.truth.wires, "complemented": labels.truth.complemented,
            "n": n, "seed": seed, "batch": batch, "d": hook_width(net, hook),
            "network": net.meta.get("source", {}), "circuit_name": net.meta.get("circuit_name")}
    with atomic_file(path) as handle, tempfile.TemporaryFile() as spool, \
            zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as zf, \
            progress(n, f"activations {hook}", unit="sample", enabled=show_progress) as bar:
        with _member(zf, "activations", np.float32, (n, meta["d"])) as out:
            for acts, values in _stream(net, hook, labels, n, seed, batch):
                out.write(np.ascontiguousarray(acts, dtype=np.float32).tobytes())
                spool.write(np.ascontiguousarray(values, dtype=bool).tobytes())
                bar.update(len(acts))
        spool.seek(0)
        with _member(zf, "wire_values", np.bool_, (n, len(labels.rows))) as out:
            shutil.copyfileobj(spool, out, 1 << 24)
        text = np.array(json.dumps(meta, sort_keys=True))
        with _member(zf, "meta", text.dtype, ()) as out:
            out.write(text.tobytes())
    return meta


def _member(zf: zipfile.ZipFile, key: str, dtype: np.dtype, shape: tuple[int, ...]):
    """An open zip member KEY.npy with its .npy header written: the caller writes the data."""
    info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
    info.external_attr = 0o644 << 16
    handle = zf.open(info, "w", force_zip64=True)
    np.lib.format.write_array_header_2_0(
        handle, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                 "shape": shape})
    return handle
