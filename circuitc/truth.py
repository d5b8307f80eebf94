"""Hook points and ground truth: which circuit wires a network represents where, and how to read them.

Hook names are stable and the same in the numpy runtime, the PyTorch module (`circuitc.torch`) and
the portable directory (`circuitc.portable`), in the style of TransformerLens. Every network has

    hook_input              x, the 0/1 inputs                                   [B, n_inputs]
    hook_embed              h_0 = x @ embed.W                                    [B, d_0]
    hook_readout            y = h_L @ readout.W + readout.b                      [B, n_outputs]

and in between, for a chain of ReLU layers ("mlp" architecture), per layer t:

    layers.{t}.hook_pre     h_t @ layers.{t}.W + layers.{t}.b, before the ReLU   [B, d_{t+1}]
    layers.{t}.hook_post    h_{t+1} = relu(pre)                                  [B, d_{t+1}]

or for a residual stream of width D ("residual"), per block t:

    blocks.{t}.hook_resid_pre    the stream h_t                                  [B, D]
    blocks.{t}.mlp.hook_pre      h_t @ mlp_in.W + mlp_in.b                       [B, d_t]
    blocks.{t}.mlp.hook_post     relu(mlp.hook_pre): the block's ReLUs            [B, d_t]
    blocks.{t}.hook_mlp_out      mlp.hook_post @ mlp_out.W + mlp_out.b           [B, D]
    blocks.{t}.hook_resid_post   h_{t+1} = resid_pre + mlp_out                   [B, D]

The ground truth of a hook is a linear map from its activations to the values of the circuit
wires represented there, as stored (a complemented wire is stored as 1 - value):

    wire_values ~= acts @ readoff_W + readoff_b

- hook_input: the inputs, read with the identity; hook_readout: the outputs, read with the
  identity (bit k is y_k > decode.threshold[k]);
- hook_embed and layers.{t}.hook_post: the wires of every circuit level whose read-off reads
  those activations (meta.levels[l].layer; level 0 reads h_0), read with `levels.{l}.readoff`;
- the residual stream (hook_embed, blocks.{t}.hook_resid_pre/post): every wire written so far
  (levels 0..t, resp. 0..t+1; the buffers of the levelized circuit, and gates reduced to a
  copy, are the same dimensions as the wires they copy and are not listed again), read with the levels' read-offs;
- blocks.{t}.mlp.hook_post: the gates block t writes, read through mlp_out (the columns of
  their stream dimensions); blocks.{t}.hook_mlp_out: the same gates, read at their dimensions;
- pre-activations, and the post-activations of a layer whose level is read only after a
  correction layer: no wire is read off there (an empty ground truth).

`hosts` is the gate -> neuron map: wire f is hosted by the neurons whose read-off weight for f is
nonzero (the monomial neurons of an exact gate, the random hosts of a U-AND pair, the units of a
clamped gate). The true direction of a wire, for scoring a dictionary, is its read-off column
normalized (`GroundTruth.directions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from circuitc.lowering.residual import alias_of
from circuitc.network import Block, Matrix, Network

INPUT, EMBED, READOUT = "hook_input", "hook_embed", "hook_readout"
MLP_SITES = ("hook_pre", "hook_post")
BLOCK_SITES = ("hook_resid_pre", "mlp.hook_pre", "mlp.hook_post", "hook_mlp_out",
               "hook_resid_post")


def hook_names(net: Network) -> list[str]:
    """Every hook of `net`, in forward order."""
    residual = net.architecture == "residual"
    prefix, sites = ("blocks", BLOCK_SITES) if residual else ("layers", MLP_SITES)
    return [INPUT, EMBED] + [f"{prefix}.{t}.{site}" for t in range(len(net.layers))
                             for site in sites] + [READOUT]


def parse_hook(net: Network, hook: str) -> tuple[int, str]:
    """(t, site) of a layer or block hook ("hook_pre", "mlp.hook_post", ...), (-1, "embed") for
    hook_embed, (-1, "input") and (-1, "readout") for the ports; ValueError naming the hooks
    there are for any other name."""
    ports = {INPUT: "input", EMBED: "embed", READOUT: "readout"}
    if hook in ports:
        return -1, ports[hook]
    prefix, sites = ("blocks", BLOCK_SITES) if net.architecture == "residual" else \
        ("layers", MLP_SITES)
    head, _, rest = hook.partition(".")
    t, _, site = rest.partition(".")
    if (head == prefix and t.isascii() and t.isdigit() and str(int(t)) == t
            and int(t) < len(net.layers) and site in sites):
        return int(t), site
    last = len(net.layers) - 1
    middle = f", {prefix}.{{0..{last}}}.{'|'.join(sites)}" if last >= 0 else ""
    raise ValueError(f"no hook named '{hook}'; this network has {INPUT}, {EMBED}{middle}, "
                     f"{READOUT}")


def hook_width(net: Network, hook: str) -> int:
    """The width of the activations at `hook`."""
    t, site = parse_hook(net, hook)
    if site in ("input", "readout"):
        return len(net.input_names if site == "input" else net.output_names)
    if site in ("embed", "hook_resid_pre", "hook_mlp_out", "hook_resid_post"):
        return net.embed.shape[1]  # h_0, or the residual stream
    return net.layers[t].shape[1]  # a layer's pre/post-activations, a block's ReLUs


def run_to_hook(net: Network, hook: str, x: np.ndarray) -> np.ndarray:
    """The activations at `hook` [B, d] for 0/1 inputs x [B, n_inputs]; runs only the layers
    up to that hook."""
    t, site = parse_hook(net, hook)
    x = np.asarray(x, dtype=np.float32)
    if site == "input":
        return x
    if site == "readout":
        return net.forward(x)
    states = net.iter_activations(x)
    h = next(states)
    for _ in range(max(t, 0)):
        h = next(states)
    if site in ("embed", "hook_resid_pre"):
        return h
    layer = net.layers[t]
    if isinstance(layer, Block):
        pre = layer.mlp_in(h)
        if site == "mlp.hook_pre":
            return pre
        out = layer.mlp_out(np.maximum(pre, 0.0))
        return {"mlp.hook_post": np.maximum(pre, 0.0), "hook_mlp_out": out,
                "hook_resid_post": h + out}[site]
    pre = layer(h)
    return pre if site == "hook_pre" else np.maximum(pre, 0.0)


@dataclass
class GroundTruth:
    """The circuit wires represented at one hook and the linear map that reads them."""

    hook: str
    wires: list[str]  # circuit node ids, in read-off column order
    readoff_W: Matrix  # [d, F]
    readoff_b: np.ndarray  # [F]
    complemented: list[bool]  # wire f is stored as 1 - value
    levels: list[int]  # the circuit level of each wire (-1 for outputs)
    d: int  # width of the hook's activations

    @property
    def hosts(self) -> sp.csr_array:
        """[F, d] 0/1: neuron j hosts wire f when the read-off of f weighs it."""
        pattern = sp.csr_array(sp.csc_array(self.readoff_W).T, dtype=np.float32)
        pattern.eliminate_zeros()
        pattern.data[:] = 1.0
        return pattern

    def directions(self) -> np.ndarray:
        """[F, d] float32: each wire's read-off column, normalized to unit length."""
        W = self.readoff_W.toarray() if sp.issparse(self.readoff_W) else np.asarray(self.readoff_W)
        D = np.ascontiguousarray(W.T, dtype=np.float32)
        norms = np.linalg.norm(D, axis=1, keepdims=True)
        return D / np.maximum(norms, 1e-12)

    def read(self, acts: np.ndarray) -> np.ndarray:
        """The wires' read-off values from activations [B, d]."""
        out = acts @ self.readoff_W
        return np.asarray(out.toarray() if sp.issparse(out) else out) + self.readoff_b

    def to_json(self) -> dict:
        """Names, levels, complemented flags and hosts (neuron lists per wire); the read-off
        matrix itself is a tensor of the model file, named in `readoff`."""
        hosts = self.hosts
        return {
            "wires": self.wires,
            "levels": self.levels,
            "complemented": self.complemented,
            "d": self.d,
            "hosts": [hosts.indices[hosts.indptr[f]:hosts.indptr[f + 1]].tolist()
                      for f in range(len(self.wires))],
        }


def ground_truth(net: Network, hook: str) -> GroundTruth:
    """The wires represented at `hook` and their read-off; see the module docstring."""
    t, site = parse_hook(net, hook)
    d = hook_width(net, hook)
    if site in ("input", "readout"):
        wires = list(net.input_names if site == "input" else net.output_names)
        eye = sp.csr_array(sp.identity(len(wires), dtype=np.float32, format="csr"))
        return GroundTruth(hook, wires, eye, np.zeros(len(wires), np.float32),
                           [False] * len(wires), [0 if site == "input" else -1] * len(wires), d)
    entries = net.meta["levels"]
    if net.architecture == "residual":
        written = {"embed": 0, "hook_resid_pre": t, "hook_resid_post": t + 1,
                   "hook_mlp_out": t + 1, "mlp.hook_post": t + 1}.get(site)
        if written is None:
            return _empty(hook, d)
        levels = [written] if site in ("hook_mlp_out", "mlp.hook_post") else \
            list(range(written + 1))
        truth = _levels(net, hook, levels, d, skip_buffers=True)
        if site == "mlp.hook_post":  # read the block's writes through mlp_out
            block = net.layers[t]
            cols = sp.csc_array(truth.readoff_W)
            truth.readoff_W = sp.csr_array(sp.csr_array(block.mlp_out.W) @ cols)
            truth.readoff_b = (block.mlp_out.b @ cols).astype(np.float32) + truth.readoff_b
            truth.d = d
        return truth
    at = 0 if site == "embed" else t + 1
    levels = [l for l, e in enumerate(entries) if site != "hook_pre" and e["layer"] == at]
    return _levels(net, hook, levels, d) if levels else _empty(hook, d)


def _empty(hook: str, d: int) -> GroundTruth:
    return GroundTruth(hook, [], sp.csr_array((d, 0), dtype=np.float32), np.zeros(0, np.float32),
                       [], [], d)


def _levels(net: Network, hook: str, levels: list[int], d: int,
            skip_buffers: bool = False) -> GroundTruth:
    """The wires of circuit `levels` read with their read-offs (without the levelize buffers:
    in a residual stream they are the same dimensions as the wires they carry)."""
    circuit = net.circuit
    wires, complemented, level_of, columns, biases = [], [], [], [], []
    for level in levels:
        entry, readoff = net.meta["levels"][level], net.readoffs[level]
        keep = [i for i, w in enumerate(entry["wires"])
                if not (skip_buffers and level and alias_of(circuit, w) is not None)]
        wires += [entry["wires"][i] for i in keep]
        complemented += [bool(entry["complemented"][i]) for i in keep]
        level_of += [level] * len(keep)
        columns.append(sp.csc_array(readoff.W)[:, keep] if sp.issparse(readoff.W)
                       else sp.csc_array(np.asarray(readoff.W)[:, keep]))
        biases.append(np.asarray(readoff.b)[keep])
    W = sp.csr_array(sp.hstack(columns, format="csr"), dtype=np.float32) if len(columns) > 1 \
        else sp.csr_array(columns[0], dtype=np.float32)
    return GroundTruth(hook, wires, W, np.concatenate(biases).astype(np.float32), complemented,
                       level_of, d)
