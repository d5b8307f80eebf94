"""Export a circuit as a Graphviz DOT digraph, gates coloured by level.

Contract: `write_dot(circuit)` gives DOT text with one node per graph node (inputs as grey
boxes, constants as plain text, outputs as houses labelled with their port bit name, gates as
ellipses labelled `op` and their id) and one edge per operand, in operand order (a gate reading a
node twice gets two edges). A gate's fill colour runs from blue (level 1) to red (the deepest
level) by `Circuit.node_levels()`; nodes are listed in topological order, so the text is
deterministic. Render with `dot -Tsvg`.
"""

from __future__ import annotations

from circuitc import keys as K
from circuitc.graph import Circuit


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def write_dot(circuit: Circuit) -> str:
    """The circuit as DOT text; see the module docstring."""
    level = circuit.node_levels()
    depth = max(level.values(), default=0) or 1
    lines = [f"digraph {_quote(circuit.name)} {{", "  rankdir=LR;",
             '  node [style=filled, fontname="Helvetica", fontsize=10];']
    order = circuit.topological_order()
    for node in order:
        op = circuit.op(node)
        if op == K.OP_INPUT:
            attrs = f"shape=box, fillcolor=lightgrey, label={_quote(node)}"
        elif op in K.CONST_OPS:
            attrs = f"shape=plaintext, style=\"\", label={_quote(node[-1])}"
        elif op == K.OP_OUTPUT:
            label = _quote(circuit.graph.nodes[node][K.NAME])
            attrs = f"shape=house, fillcolor=white, label={label}"
        else:
            hue = 0.66 * (1 - (level[node] - 1) / max(depth - 1, 1))  # blue (0.66) -> red (0)
            attrs = (f'fillcolor="{hue:.3f} 0.45 1.000", '
                     f"label={_quote(f'{op}' + chr(10) + node)}, tooltip=\"level {level[node]}\"")
        lines.append(f"  {_quote(node)} [{attrs}];")
    for node in order:
        for operand in circuit.operands(node):
            lines.append(f"  {_quote(operand)} -> {_quote(node)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
