"""The portable directory: a network as safetensors + JSON, loadable without circuitc or pickle.

    DIR/model.safetensors   every matrix and vector of the network file, under the same names
                            (`embed.W`, `layers.{t}.W`/`.b`, `readout.W`/`.b`, `decode.threshold`,
                            `levels.{l}.readoff.W`/`.b`; a CSR matrix NAME as NAME.data,
                            NAME.indices, NAME.indptr, NAME.shape, a CSC one with NAME.colptr
                            for NAME.indptr, a sparse vector as NAME.nonzero, .values, .size)
    DIR/config.json         architecture (widths, layer kinds, hook names, tensor layouts),
                            compile options, circuitc version, and the network's full meta
    DIR/circuit.json        the compiled circuit graph (networkx node-link JSON)
    DIR/ground_truth.json   per hook: the wires represented there, their levels and polarity,
                            the read-off tensors that read them and the neurons that host them;
                            and the circuit DAG (nodes with op and level, edges between wires)

docs/network-format.md documents the layout for writing a loader from scratch. The directory
holds exactly the keys of the .npz (`circuitc.netfile.to_arrays`), so .npz -> directory -> .npz
gives the same bytes, and loading goes through the same validation (`netfile.from_arrays`).
Writing is atomic (a temporary directory renamed into place) and deterministic.

Needs the optional extra `safetensors` (pip install 'circuitc[safetensors]').
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

import circuitc
from circuitc import keys as K
from circuitc.atomic import umask
from circuitc.errors import MissingExtra
from circuitc.netfile import Problems, to_arrays
from circuitc.network import Network, dumps_meta
from circuitc.truth import ground_truth, hook_names

MODEL, CONFIG, CIRCUIT, TRUTH = "model.safetensors", "config.json", "circuit.json", \
    "ground_truth.json"
FORMAT = "circuitc-mlp"  # the format of the .npz whose keys the directory holds
TEXT_KEYS = ("meta", "circuit", "readout.W.same_as")  # .npz keys that live in JSON files here
_SPARSE_LAYOUTS = {  # layout: the key that marks it, and the parts of NAME it stores
    "csr": ("indptr", ("data", "indices", "indptr", "shape")),
    "csc": ("colptr", ("data", "indices", "colptr", "shape")),
    "sparse": ("nonzero", ("nonzero", "values", "size")),
}


def _safetensors_numpy():
    try:
        import safetensors.numpy
    except ImportError as missing:
        raise MissingExtra("reading and writing safetensors", "safetensors", missing) from None
    return safetensors.numpy


# ---- writing ------------------------------------------------------------------------------------
def save(net: Network, path: str | os.PathLike, overwrite: bool = False) -> None:
    """Write `net` as a portable directory at `path` (see the module docstring). An existing
    directory is replaced only with `overwrite` and only when it is empty or one of ours."""
    st = _safetensors_numpy()
    path = Path(path)
    if path.exists():
        ours = path.is_dir() and (not any(path.iterdir()) or (path / CONFIG).is_file())
        if not (overwrite and ours):
            raise FileExistsError(
                f"{path} exists; choose a new directory"
                + (" or pass --force to replace it" if ours else
                   " (it is not a circuitc network directory: not replacing it)"))
    arrays = to_arrays(net)
    tensors = {k: np.ascontiguousarray(v) for k, v in arrays.items() if k not in TEXT_KEYS}
    same_as = str(arrays["readout.W.same_as"]) if "readout.W.same_as" in arrays else None
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        st.save_file(tensors, str(tmp / MODEL), metadata={"format": "pt"})
        meta = json.loads(str(arrays["meta"]))  # as the .npz has it (this format's version)
        _write_json(tmp / CONFIG, config(net, tensors, meta) | ({"readout_W_same_as": same_as}
                                                               if same_as else {}))
        (tmp / CIRCUIT).write_text(net.circuit_json, encoding="utf-8")
        _write_json(tmp / TRUTH, ground_truth_json(net), indent=None)
        _plain_permissions(tmp)
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / "x")
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def config(net: Network, tensors: dict[str, np.ndarray], meta: dict[str, Any]) -> dict[str, Any]:
    """config.json: the architecture at a glance, then the full meta (as the file stores it)."""
    widths = [net.embed.shape[1]] + [layer.shape[1] for layer in net.layers]
    layouts: dict[str, dict[str, Any]] = {}
    for name in sorted(tensors):
        base, _, part = name.rpartition(".")
        for layout, (pointer, parts) in _SPARSE_LAYOUTS.items():
            if part in parts and f"{base}.{pointer}" in tensors:
                size = tensors[f"{base}.{'size' if layout == 'sparse' else 'shape'}"]
                layouts[base] = {"layout": layout, "shape": [int(v) for v in size]}
                break
        else:
            layouts[name] = {"layout": "dense", "shape": list(tensors[name].shape)}
    return {
        "format": FORMAT,
        "format_version": meta["format_version"],
        "architecture": net.architecture,
        "circuitc_version": circuitc.__version__,
        "n_inputs": len(net.input_names),
        "n_outputs": len(net.output_names),
        "widths": widths,
        "layers": [{"kind": e["kind"], "d_in": e["d_in"], "d_out": e["d_out"],
                    "level": e["level"]} for e in net.meta["layers"]],
        "activation": "relu",
        "hook_names": hook_names(net),
        "tensors": layouts,
        "compile_options": net.meta["options"],
        "meta": meta,
    }


def ground_truth_json(net: Network) -> dict[str, Any]:
    """ground_truth.json: per hook the wires and how to read them, and the circuit DAG."""
    hooks = {}
    for hook in hook_names(net):
        truth = ground_truth(net, hook)
        entry = truth.to_json()
        if hook in ("hook_input", "hook_readout"):
            entry["readoff"] = "identity"
        elif not truth.wires:
            entry["readoff"] = None
        else:
            entry["readoff"] = _readoff_tensors(net, hook, truth.wires, truth.levels)
        hooks[hook] = entry
    circuit = net.circuit
    graph = circuit.graph
    return {
        "hooks": hooks,
        "dag": {
            "nodes": [{"id": n, "op": graph.nodes[n][K.OP], "level": graph.nodes[n].get(K.LEVEL),
                       "complemented": bool(graph.nodes[n].get(K.COMPLEMENTED))}
                      for n in circuit.topological_order()],
            "edges": [[u, v] for u, v in graph.edges()],
        },
    }


def _readoff_tensors(net: Network, hook: str, wires: list[str],
                     levels: list[int]) -> list[dict[str, Any]]:
    """Where a hook's read-off lives in model.safetensors: per circuit level, the level's read-off
    tensors and the columns of them the hook's wires are (buffers left out); for a residual
    block's ReLUs, the columns of mlp_out at the gates' stream dimensions."""
    out = []
    for level in sorted(set(levels)):
        index = {w: i for i, w in enumerate(net.meta["levels"][level]["wires"])}
        columns = [index[w] for w, lv in zip(wires, levels) if lv == level]
        if hook.endswith(".mlp.hook_post"):
            t = int(hook.split(".")[1])
            dims = sp.csc_array(net.readoffs[level].W)[:, columns].indices.tolist()
            out.append({"level": level, "W": f"layers.{t}.mlp_out.W",
                        "b": f"layers.{t}.mlp_out.b", "columns": dims})
        else:
            out.append({"level": level, "W": f"levels.{level}.readoff.W",
                        "b": f"levels.{level}.readoff.b", "columns": columns})
    return out


def _plain_permissions(directory: Path) -> None:
    """mkdtemp makes the directory private (and safetensors may make its file so): give them
    the permissions of an ordinary new directory and files under the user's umask."""
    mask = umask()
    os.chmod(directory, 0o777 & ~mask)
    for child in directory.iterdir():
        os.chmod(child, 0o666 & ~mask)


def _write_json(path: Path, data: Any, indent: int | None = 1) -> None:
    separators = (",", ":") if indent is None else None
    path.write_text(json.dumps(data, sort_keys=True, indent=indent, separators=separators) + "\n",
                    encoding="utf-8")


# ---- reading ------------------------------------------------------------------------------------
def read_arrays(path: str | os.PathLike, problem: Problems) -> dict[str, np.ndarray]:
    """The network-file keys held by a portable directory (for `netfile.from_arrays`); every
    problem reading it goes to `problem`."""
    path = Path(path)
    for name in (MODEL, CONFIG, CIRCUIT):
        if not (path / name).is_file():
            problem(f"missing {name}: not a circuitc network directory")
    if problem.items:
        return {}
    st = _safetensors_numpy()
    arrays: dict[str, np.ndarray] = {}
    try:
        arrays.update(st.load_file(str(path / MODEL)))
    except Exception as error:  # a truncated or corrupted file: reported, never a traceback
        problem(f"{MODEL} is not a readable safetensors file: {type(error).__name__}: {error}")
    try:
        config = json.loads((path / CONFIG).read_text(encoding="utf-8"))
        if not isinstance(config, dict) or not isinstance(config.get("meta"), dict):
            problem(f"{CONFIG} has no 'meta' object")
        else:
            arrays["meta"] = np.array(dumps_meta(config["meta"]))
            if isinstance(config.get("readout_W_same_as"), str):  # the read-out is a read-off
                arrays["readout.W.same_as"] = np.array(config["readout_W_same_as"])
        arrays["circuit"] = np.array((path / CIRCUIT).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        problem(f"{CONFIG} or {CIRCUIT} is not readable JSON: {error}")
    return arrays
