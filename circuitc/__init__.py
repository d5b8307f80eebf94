"""circuitc: compile boolean circuits to ReLU networks that compute them in superposition."""

__version__ = "0.1.0"

from circuitc.errors import CircuitError, Diagnostic
from circuitc.graph import Circuit

__all__ = ["Circuit", "CircuitError", "Diagnostic", "__version__"]
