"""Every attribute key of the circuit graph, in one place.

Passes talk to each other only through these attributes, so this module is the contract between
them. Node keys are grouped by who sets them; a pass that adds a key adds it here with one line
saying what it holds. Values must stay JSON-serialisable (the .npz network file embeds the graph
in node-link form).
"""

# --- node keys set when the graph is built (front ends, importers) -------------------------------
OP = "op"  # one of the OP_* names below
OPERANDS = "operands"  # tuple of node ids, in operand order (a gate may use a node twice)
NAME = "name"  # the user-facing name (output ports: the port name; others: the node id)
LOC = "loc"  # optional "file:line:col" of the source construct, for diagnostics

# --- node keys set by passes ---------------------------------------------------------------------
LEVEL = "level"  # levelize: int, inputs and constants 0, a gate 1 + max level of its operands
POLY = "poly"  # monomials: list of [coefficient, [operand ids]] ([] is the constant term)
COMPLEMENTED = "complemented"  # polarity: bool, the wire is stored as 1 - its logical value
ACTIVITY = "activity"  # polarity/sparsity: float, fraction of samples where the stored wire is 1
TRUTH = "truth"  # lutmap: OP_LUT truth table, hex; bit r = value when operand i = bit i of r

# --- graph keys (circuit.graph.graph[...]) -------------------------------------------------------
G_NAME = "name"  # circuit name (top module, file stem for imports)
G_INPUT_PORTS = "input_ports"  # list of {"name", "bits": [node ids], "vector": bool}
G_OUTPUT_PORTS = "output_ports"  # list of {"name", "bits": [output node ids], "vector": bool}
G_DISTRIBUTION = "distribution"  # list of input groups, see circuitc.distribution
G_SOURCE = "source"  # {"path": str, "sha256": str} of the text the graph was built from
G_SOURCE_GATES = "source_gates"  # importers: {"total", "by_kind": {kind: n}} counted in the file

# --- ops -----------------------------------------------------------------------------------------
OP_INPUT = "input"
OP_OUTPUT = "output"  # one operand: the node that drives the output port
OP_CONST0 = "const0"
OP_CONST1 = "const1"
OP_AND = "and"
OP_OR = "or"
OP_XOR = "xor"
OP_NAND = "nand"
OP_NOR = "nor"
OP_XNOR = "xnor"
OP_NOT = "not"
OP_BUF = "buf"
OP_MAJ = "maj"  # 1 when more than half of the operands are 1
OP_MUX = "mux"  # mux(s, a, b) = a if s else b  (= b + s*a - s*b)
OP_LUT = "lut"  # any function of its 1..LUT_MAX_INPUTS operands, given by its TRUTH table

LUT_MAX_INPUTS = 8
# the ops front ends and importers build; passes may add OP_LUT gates (lutmap)
BASIC_GATE_OPS = (OP_AND, OP_OR, OP_XOR, OP_NAND, OP_NOR, OP_XNOR, OP_NOT, OP_BUF, OP_MAJ, OP_MUX)
GATE_OPS = BASIC_GATE_OPS + (OP_LUT,)
CONST_OPS = (OP_CONST0, OP_CONST1)
ALL_OPS = (OP_INPUT, OP_OUTPUT) + CONST_OPS + GATE_OPS

# Node ids of synthetic nodes carry a prefix with a ':' (never legal in a .circ identifier and not
# used by the standard formats' names), so they cannot collide with user wire names such as "1".
CONST0_ID = "const:0"
CONST1_ID = "const:1"
OUTPUT_PREFIX = "out:"
