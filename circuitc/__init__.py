"""circuitc: compile boolean circuits to ReLU networks that compute them in superposition.

    import circuitc
    circuit = circuitc.parse_file("examples/circuits/adder.circ")   # or .bench/.aag/.aig/.blif/...
    net = circuitc.compile(circuit, mode="exact")
    net.save("adder.npz")
    report = circuitc.evaluate(circuitc.load("adder.npz"))
"""

__version__ = "0.1.0"

from circuitc.activations import activations
from circuitc.compiling import CompileOptions, compile
from circuitc.errors import CircuitError, Diagnostic
from circuitc.evaluate import evaluate
from circuitc.frontend import parse_file, parse_text
from circuitc.graph import Circuit
from circuitc.netfile import load
from circuitc.network import Network
from circuitc.score import score
from circuitc.truth import GroundTruth, ground_truth, hook_names

__all__ = [
    "Circuit", "CircuitError", "CompileOptions", "Diagnostic", "GroundTruth", "Network",
    "__version__", "activations", "compile", "evaluate", "ground_truth", "hook_names", "load",
    "parse_file", "parse_text", "score",
]
