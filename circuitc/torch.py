"""A compiled network as a PyTorch `nn.Module` with stable hook points (optional extra `torch`).

    import circuitc.torch
    model = circuitc.torch.load("net.npz")          # or a directory from `circuitc convert`
    y = model(x)                                     # x: [batch, n_inputs] floats of 0/1
    bits = model(x, return_bits=True)
    y, cache = model.run_with_cache(x)               # every hook's activations, by name

The module mirrors `circuitc.network.Network` exactly (same products in float32):

    CircuitNet
      hook_input        HookPoint                     x
      embed             Linear(n_inputs, d_0, bias=False)
      hook_embed        HookPoint                     h_0
      layers.{t}        Layer
        linear          Linear(d_t, d_{t+1}) or SparseLinear
        hook_pre        HookPoint                     pre-activation
        relu            nn.ReLU
        hook_post       HookPoint                     h_{t+1}
      readout           Linear(d_L, n_outputs)
      hook_readout      HookPoint                     y

and, for a residual network, `blocks.{t}` instead of `layers.{t}`:

      blocks.{t}        ResidualBlock
        hook_resid_pre  HookPoint                     the stream h_t
        mlp             MLP
          mlp_in        Linear(D, d_t) or SparseLinear
          hook_pre      HookPoint
          relu          nn.ReLU
          hook_post     HookPoint                     the block's ReLUs
          mlp_out       Linear(d_t, D) or SparseLinear
        hook_mlp_out    HookPoint                     what the block adds
        hook_resid_post HookPoint                     h_{t+1}

Hook names are the module names of the HookPoints (`circuitc.truth.hook_names`), so
`model.get_submodule("layers.0.hook_post").register_forward_hook(...)` works, nnsight sees
`model.layers[0].relu.output` (`model.blocks[0].mlp.relu.output`), and `model.ground_truth(name)` gives the circuit wires represented
at a hook with their read-off (`circuitc.truth`). A matrix that would be large dense and is
sparse stays sparse (`SparseLinear`, a torch sparse CSR weight) with the same results.

The core of circuitc never imports torch; this module does, and says which extra to install
when it is missing.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from circuitc.errors import MissingExtra

try:
    import torch
    from torch import nn
except ImportError as missing:  # pragma: no cover - exercised only without the extra
    raise MissingExtra("circuitc.torch", "torch", missing) from None

from circuitc.network import Matrix, Network
from circuitc.truth import GroundTruth, hook_names, parse_hook

# A weight stays sparse when its dense form would have more than this many entries and at most
# SPARSE_DENSITY of them are nonzero (below that, dense BLAS is as fast and simpler to hook).
SPARSE_MIN_SIZE = 1 << 22
SPARSE_DENSITY = 0.05


class HookPoint(nn.Identity):
    """An identity module at a named place in the network: forward hooks on it see the
    activations there (the TransformerLens convention)."""


class SparseLinear(nn.Module):
    """y = x @ W + b with W kept as a torch sparse CSR matrix (stored transposed, [out, in])."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor | None):
        super().__init__()
        self.register_buffer("weight", weight)  # sparse CSR [out_features, in_features]
        self.bias = nn.Parameter(bias) if bias is not None else None
        self.in_features, self.out_features = weight.shape[1], weight.shape[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.sparse.mm(self.weight, x.T).T
        return y + self.bias if self.bias is not None else y

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"nnz={self.weight.values().numel()}")


class Layer(nn.Module):
    """One ReLU layer: h -> relu(h @ W + b), with hook points before and after the ReLU."""

    def __init__(self, linear: nn.Module):
        super().__init__()
        self.linear = linear
        self.hook_pre = HookPoint()
        self.relu = nn.ReLU()
        self.hook_post = HookPoint()

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return self.hook_post(self.relu(self.hook_pre(self.linear(h))))


class MLP(nn.Module):
    """The MLP of a residual block: stream -> ReLUs -> what the block adds to the stream."""

    def __init__(self, mlp_in: nn.Module, mlp_out: nn.Module):
        super().__init__()
        self.mlp_in = mlp_in
        self.hook_pre = HookPoint()
        self.relu = nn.ReLU()
        self.hook_post = HookPoint()
        self.mlp_out = mlp_out

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        return self.mlp_out(self.hook_post(self.relu(self.hook_pre(self.mlp_in(r)))))


class ResidualBlock(nn.Module):
    """r -> r + mlp(r), with TransformerLens's hook points."""

    def __init__(self, mlp: MLP):
        super().__init__()
        self.hook_resid_pre = HookPoint()
        self.mlp = mlp
        self.hook_mlp_out = HookPoint()
        self.hook_resid_post = HookPoint()

    def forward(self, r: torch.Tensor) -> torch.Tensor:
        r = self.hook_resid_pre(r)
        return self.hook_resid_post(r + self.hook_mlp_out(self.mlp(r)))


class CircuitNet(nn.Module):
    """A compiled circuitc network; see the module docstring."""

    def __init__(self, net: Network, sparse: bool | None = None):
        super().__init__()
        self.network = net  # the numpy network: meta, circuit, ground truth (not a submodule)
        self.hook_input = HookPoint()
        self.embed = _linear(net.embed, None, sparse, bias=False)
        self.hook_embed = HookPoint()
        if net.architecture == "residual":
            self.blocks = nn.ModuleList(ResidualBlock(MLP(
                _linear(block.mlp_in.W, block.mlp_in.b, sparse),
                _linear(block.mlp_out.W, block.mlp_out.b, sparse))) for block in net.layers)
        else:
            self.layers = nn.ModuleList(Layer(_linear(layer.W, layer.b, sparse))
                                        for layer in net.layers)
        self.readout = _linear(net.readout.W, net.readout.b, sparse)
        self.hook_readout = HookPoint()
        self.register_buffer("threshold", torch.from_numpy(
            np.array(net.threshold, dtype=np.float32)))

    @property
    def meta(self) -> dict[str, Any]:
        return self.network.meta

    @property
    def input_names(self) -> list[str]:
        return self.network.input_names

    @property
    def output_names(self) -> list[str]:
        return self.network.output_names

    def hook_names(self) -> list[str]:
        return hook_names(self.network)

    def ground_truth(self, hook: str) -> GroundTruth:
        return self.network.ground_truth(hook)

    def forward(self, x: torch.Tensor, return_bits: bool = False) -> torch.Tensor:
        """y [batch, n_outputs] for inputs x [batch, n_inputs] of 0/1 (any dtype); the decoded
        output bits (bool) with return_bits=True."""
        h = self.hook_embed(self.embed(self.hook_input(torch.as_tensor(x).to(torch.float32))))
        for layer in self.blocks if self.network.architecture == "residual" else self.layers:
            h = layer(h)
        y = self.hook_readout(self.readout(h))
        return self.decode(y) if return_bits else y

    def decode(self, y: torch.Tensor) -> torch.Tensor:
        """Output bits from forward's y."""
        return y > self.threshold

    @torch.no_grad()
    def run_with_cache(self, x: torch.Tensor, names: list[str] | None = None,
                       ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """(y, {hook name: activations}) for the hooks in `names` (default: every hook)."""
        wanted = self.hook_names() if names is None else list(names)
        known = set(self.hook_names())
        unknown = [n for n in wanted if n not in known]
        if unknown:
            parse_hook(self.network, unknown[0])  # raises, naming the hooks there are
        cache: dict[str, torch.Tensor] = {}
        handles = [self.get_submodule(name).register_forward_hook(
            lambda _module, _args, out, name=name: cache.__setitem__(name, out.detach()))
            for name in wanted]
        try:
            y = self.forward(x)
        finally:
            for handle in handles:
                handle.remove()
        return y, {name: cache[name] for name in wanted}


def to_module(net: Network, sparse: bool | None = None) -> CircuitNet:
    """`net` as an nn.Module. `sparse`: True keeps every sparse weight sparse, False makes every
    weight dense, None (default) keeps sparse the ones that would be large dense."""
    return CircuitNet(net, sparse)


def load(path: str | os.PathLike, sparse: bool | None = None) -> CircuitNet:
    """Load a network file (.npz) or a portable directory as an nn.Module."""
    from circuitc import load as load_network

    return to_module(load_network(path), sparse)


def _linear(W: Matrix, b: np.ndarray | None, sparse: bool | None, bias: bool = True) -> nn.Module:
    """An nn.Linear (weight = W.T) or a SparseLinear computing x @ W (+ b)."""
    n_in, n_out = W.shape
    bias_tensor = torch.from_numpy(np.array(b if b is not None else np.zeros(n_out),
                                            dtype=np.float32)) if bias else None
    nnz = W.nnz if sp.issparse(W) else int(np.count_nonzero(W))
    keep_sparse = sparse if sparse is not None else (
        n_in * n_out > SPARSE_MIN_SIZE and nnz <= SPARSE_DENSITY * n_in * n_out)
    if keep_sparse:
        csr = sp.csr_array(sp.csr_array(W, dtype=np.float32).T)
        csr.sort_indices()
        with warnings.catch_warnings():  # "sparse CSR support is in beta": we test what we use
            warnings.simplefilter("ignore", UserWarning)
            weight = torch.sparse_csr_tensor(
                torch.from_numpy(csr.indptr.astype(np.int64)),
                torch.from_numpy(csr.indices.astype(np.int64)),
                torch.from_numpy(csr.data.astype(np.float32)), size=(n_out, n_in),
                check_invariants=True)
        return SparseLinear(weight, bias_tensor)
    dense = W.toarray() if sp.issparse(W) else np.asarray(W)
    linear = nn.utils.skip_init(nn.Linear, n_in, n_out, bias=bias)  # no random init to overwrite
    linear.weight = nn.Parameter(torch.from_numpy(np.ascontiguousarray(dense.T, dtype=np.float32)))
    if bias:
        linear.bias = nn.Parameter(bias_tensor)
    return linear
