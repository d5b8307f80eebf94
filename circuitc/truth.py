"""Hook points and ground truth: which circuit wires a network represents where, and how to read them.

Hook names are stable and the same in the numpy runtime, the PyTorch module (`circuitc.torch`) and
the portable directory (`circuitc.portable`), in the style of TransformerLens:

    hook_input              x, the 0/1 inputs                                  [B, n_inputs]
    hook_embed              h_0 = x @ embed.W                                   [B, d_0]
    layers.{t}.hook_pre     h_t @ layers.{t}.W + layers.{t}.b (before ReLU)     [B, d_{t+1}]
    layers.{t}.hook_post    h_{t+1} = relu(pre)                                  [B, d_{t+1}]
    hook_readout            y = h_L @ readout.W + readout.b                     [B, n_outputs]

The ground truth of a hook is a linear map from its activations to the values of the circuit
wires represented there, as stored (a complemented wire is stored as 1 - value):

    wire_values ~= acts @ readoff_W + readoff_b

- hook_input: the inputs, read with the identity;
- hook_embed and layers.{t}.hook_post: the wires of every circuit level whose read-off reads
  those activations (meta.levels[l].layer; level 0 reads h_0), read with `levels.{l}.readoff`;
- hook_readout: the outputs, read with the identity (bit k is y_k > decode.threshold[k]);
- layers.{t}.hook_pre, and the post-activations of a layer whose level is read only after a
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

from circuitc.network import Matrix, Network

INPUT, EMBED, READOUT = "hook_input", "hook_embed", "hook_readout"


def hook_names(net: Network) -> list[str]:
    """Every hook of `net`, in forward order."""
    names = [INPUT, EMBED]
    for t in range(len(net.layers)):
        names += [f"layers.{t}.hook_pre", f"layers.{t}.hook_post"]
    return names + [READOUT]


def hook_width(net: Network, hook: str) -> int:
    """The width of the activations at `hook`."""
    if hook == INPUT:
        return len(net.input_names)
    if hook == READOUT:
        return len(net.output_names)
    return net.embed.shape[1] if hook == EMBED else net.layers[hook_layer(net, hook)[0]].shape[1]


def hook_layer(net: Network, hook: str) -> tuple[int, str]:
    """(t, "pre"|"post") of the hook layers.{t}.hook_pre|post, (-1, "embed") of hook_embed;
    ValueError for a name that is not a hook (naming the hooks there are)."""
    check_hook(net, hook)
    if hook in (INPUT, READOUT):
        raise ValueError(f"{hook} is not a layer hook")
    if hook == EMBED:
        return -1, "embed"
    _, t, name = hook.split(".")
    return int(t), name.removeprefix("hook_")


def check_hook(net: Network, hook: str) -> None:
    """ValueError (naming the hooks there are) unless `hook` is one of hook_names(net)."""
    parts = hook.split(".")
    layer_hook = (len(parts) == 3 and parts[0] == "layers" and parts[1].isascii()
                  and parts[1].isdigit() and str(int(parts[1])) == parts[1]
                  and int(parts[1]) < len(net.layers) and parts[2] in ("hook_pre", "hook_post"))
    if hook not in (INPUT, EMBED, READOUT) and not layer_hook:
        last = len(net.layers) - 1
        layers = f", layers.{{0..{last}}}.hook_pre|hook_post" if last >= 0 else ""
        raise ValueError(f"no hook named '{hook}'; this network has {INPUT}, {EMBED}{layers}, "
                         f"{READOUT}")


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
    check_hook(net, hook)
    d = hook_width(net, hook)
    if hook in (INPUT, READOUT):
        wires = list(net.input_names if hook == INPUT else net.output_names)
        eye = sp.identity(len(wires), dtype=np.float32, format="csr")
        return GroundTruth(hook, wires, sp.csr_array(eye), np.zeros(len(wires), np.float32),
                           [False] * len(wires), [0 if hook == INPUT else -1] * len(wires), d)
    t, where = hook_layer(net, hook)
    levels = [l for l, entry in enumerate(net.meta["levels"])
              if where != "pre" and entry["layer"] == t + 1]
    if not levels:
        return GroundTruth(hook, [], sp.csr_array((d, 0), dtype=np.float32),
                           np.zeros(0, np.float32), [], [], d)
    entries = [net.meta["levels"][l] for l in levels]
    Ws = [net.readoffs[l].W for l in levels]
    W = Ws[0] if len(Ws) == 1 else sp.hstack([sp.csr_array(w) for w in Ws], format="csr")
    return GroundTruth(
        hook, [w for e in entries for w in e["wires"]], W,
        np.concatenate([net.readoffs[l].b for l in levels]).astype(np.float32),
        [bool(c) for e in entries for c in e["complemented"]],
        [l for l, e in zip(levels, entries) for _ in e["wires"]], d)
