"""Import AIGER and-inverter graphs: ASCII `.aag` and binary `.aig` (format 1.9 header subset).

Contract: `read_aiger(data, path)` turns a combinational AIGER file (header `aag|aig M I L O A`,
optional B C J F fields all zero) into a Circuit. Literal 0/1 are the constants, an even literal
2v is variable v, an odd literal its negation: each negated variable gets exactly one shared NOT
node ("not:<name>"). Inputs and outputs take their names from the symbol table (`i<k> name`,
`o<k> name`), else i0, i1, ... / o0, o1, ...; bus names `x[0]..x[k]` declared consecutively LSB
first become vector ports. AND gates are nodes "n<v>" (v = the AIGER variable). Latches,
bad-state, constraint, justice and fairness sections are rejected. Errors give `file:line` in the
text parts and the byte offset and AND index in the binary AND section; all are collected.
Pass binary files as bytes.
"""

from __future__ import annotations

from circuitc import keys as K
from circuitc import limits
from circuitc.errors import Diagnostics
from circuitc.formats.netlist import Netlist, circuit_name
from circuitc.graph import Circuit
from circuitc.limits import natural

_SECTIONS = ("bad-state properties (B)", "invariant constraints (C)", "justice properties (J)",
             "fairness constraints (F)")


class _Lines:
    """A cursor over the newline-terminated text parts of the file."""

    def __init__(self, raw: bytes):
        self.raw = raw
        self.pos = 0
        self.start = 0  # byte offset of the line last returned
        self.line = 0

    def next(self) -> str | None:
        if self.pos >= len(self.raw):
            return None
        self.start = self.pos
        end = self.raw.find(b"\n", self.pos)
        end = len(self.raw) if end < 0 else end
        text = self.raw[self.pos:end].decode("utf-8", "replace").rstrip("\r")
        self.pos = end + 1
        self.line += 1
        return text


def read_aiger(data: bytes | str, path: str = "<input>") -> Circuit:
    """Parse an .aag/.aig file's bytes into a Circuit; raises CircuitError with every problem."""
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return _Reader(raw, path).read()


class _Reader:
    def __init__(self, raw: bytes, path: str):
        self.raw, self.path = raw, path
        self.diags = Diagnostics(path)
        self.lines = _Lines(raw)
        self.names: dict[int, str] = {}  # variable -> node id
        self.defined_by: dict[int, int] = {}  # variable -> line (0 in binary) that defines it
        self.uses: list[tuple[int, int, str]] = []  # (literal, line, where) to check afterwards

    def error(self, message: str, line: int = 0) -> None:
        self.diags.error(message, line)

    def _ints(self, text: str | None, count: int, what: str) -> list[int] | None:
        line = self.lines.line
        if text is None:
            self.error(f"file ends before the {what}", line)
            return None
        fields = text.split()
        if len(fields) != count or any(natural(f) is None for f in fields):
            want = "a literal" if count == 1 else f"{count} literals"
            self.error(f"bad {what}: expected {want}, got {text.strip()!r}", line)
            return None
        return [int(f) for f in fields]

    def read(self) -> Circuit:
        header = self.lines.next()
        fields = (header or "").split()
        if not fields or fields[0] not in ("aag", "aig"):
            self.error("not an AIGER file: the first line must be 'aag M I L O A' or "
                       "'aig M I L O A'", 1)
            self.diags.raise_if_errors()
        binary = fields[0] == "aig"
        if binary:
            self.diags.text = None
        else:
            self.diags.text = self.raw.decode("utf-8", "replace")
        counts = fields[1:]
        if not 5 <= len(counts) <= 9 or any(natural(c) is None for c in counts):
            self.error(f"bad header {header!r}: expected '{fields[0]} M I L O A' with whole "
                       "numbers (and optionally B C J F)", 1)
            self.diags.raise_if_errors()
        m, n_in, n_latch, n_out, n_and = (int(c) for c in counts[:5])
        extra = [int(c) for c in counts[5:]]
        if n_latch:
            self.error(f"{n_latch} latch(es): sequential AIGER files are not supported "
                       "(circuitc compiles combinational circuits only)", 1)
        for section, count in zip(_SECTIONS, extra):
            if count:
                self.error(f"{count} {section}: not supported (only inputs, outputs and ANDs)", 1)
        if n_in + n_latch + n_and > m:
            self.error(f"bad header counts: I + L + A = {n_in + n_latch + n_and} exceeds the "
                       f"maximum variable index M = {m}", 1)
        if binary and m != n_in + n_latch + n_and:
            self.error(f"bad header counts: a binary AIGER file needs M = I + L + A "
                       f"({n_in + n_latch + n_and}), got M = {m}", 1)
        for problem in (limits.INPUTS.problem(n_in, "the header"),
                        limits.NODES.problem(m, "the header")):
            if problem:
                self.error(problem, 1)
        if binary and n_and > len(self.raw):  # each binary AND takes at least 2 bytes
            self.error(f"bad header counts: {n_and} ANDs cannot fit in a file of "
                       f"{len(self.raw)} bytes", 1)
        self.diags.raise_if_errors()

        self.m = m
        input_vars: list[tuple[int, int]] = []  # (variable, line)
        if binary:
            input_vars = [(v, 0) for v in range(1, n_in + 1)]
            self.defined_by.update((v, 0) for v in range(1, n_in + 1))
        else:
            for k in range(n_in):
                got = self._ints(self.lines.next(), 1, f"input {k}")
                if got is None:
                    break
                lit = got[0]
                if self._define(lit, f"input {k}"):
                    input_vars.append((lit // 2, self.lines.line))
        for k in range(n_latch):  # rejected above; read past them to find more problems
            self.lines.next()
        output_lits: list[tuple[int, int]] = []  # (literal, line)
        for k in range(n_out):
            got = self._ints(self.lines.next(), 1, f"output {k}")
            if got is None:
                break
            output_lits.append((got[0], self.lines.line))
            self.uses.append((got[0], self.lines.line, f"output {k}"))
        ands = self._binary_ands(n_in + n_latch, n_and) if binary else self._ascii_ands(n_and)
        symbols = self._symbols(n_in, n_out)
        for lit, line, where in self.uses:
            var = lit // 2
            if lit > 1 and var not in self.defined_by:
                self.error(f"{where} uses literal {lit}, but variable {var} is neither an input "
                           "nor an AND gate", line)
        self.diags.raise_if_errors()
        return self._build(input_vars, output_lits, ands, symbols, n_and)

    def _define(self, lit: int, what: str, offset: str = "") -> bool:
        line = self.lines.line if not offset else 0
        if lit % 2 or lit < 2:
            if 1 < lit and lit // 2 <= self.m:
                self.defined_by.setdefault(lit // 2, line)  # no follow-on "undefined" errors
            self.error(f"{what}{offset}: literal {lit} cannot be defined (it must be even and "
                       "at least 2)", line)
            return False
        if lit // 2 > self.m:
            self.error(f"{what}{offset}: literal {lit} exceeds the maximum variable index "
                       f"M = {self.m}", line)
            return False
        if lit // 2 in self.defined_by:
            first = self.defined_by[lit // 2]
            where = f" (first on line {first})" if first else ""
            self.error(f"{what}{offset}: variable {lit // 2} defined twice{where}", line)
            return False
        self.defined_by[lit // 2] = line
        return True

    def _check_use(self, lit: int, what: str, line: int) -> bool:
        if lit // 2 > self.m:
            self.error(f"{what}: literal {lit} exceeds the maximum variable index M = {self.m}",
                       line)
            return False
        self.uses.append((lit, line, what))
        return True

    def _ascii_ands(self, n_and: int) -> list[tuple[int, int, int, int]]:
        ands = []
        for k in range(n_and):
            got = self._ints(self.lines.next(), 3, f"AND gate {k}")
            if got is None:
                if self.lines.pos >= len(self.raw):
                    break
                continue
            lhs, r0, r1 = got
            line = self.lines.line
            ok = self._define(lhs, f"AND gate {k}")
            ok = self._check_use(r0, f"AND gate {k}", line) and ok
            ok = self._check_use(r1, f"AND gate {k}", line) and ok
            if ok:
                ands.append((lhs, r0, r1, line))
        return ands

    def _binary_ands(self, first_var: int, n_and: int) -> list[tuple[int, int, int, int]]:
        raw, pos, ands = self.raw, self.lines.pos, []
        for k in range(n_and):
            lhs = 2 * (first_var + k + 1)
            deltas = []
            for _ in range(2):
                start, value, shift = pos, 0, 0
                while True:
                    if pos >= len(raw):
                        self.error(f"binary AND section truncated at byte offset {start} "
                                   f"(AND {k} of {n_and})")
                        return ands
                    byte = raw[pos]
                    pos += 1
                    value |= (byte & 0x7F) << shift
                    shift += 7
                    if not byte & 0x80:
                        break
                deltas.append((value, start))
            (d0, off0), (d1, off1) = deltas
            r0 = lhs - d0
            r1 = r0 - d1
            if d0 == 0 or r0 < 0:
                self.error(f"AND {k} (literal {lhs}) at byte offset {off0}: bad first delta "
                           f"{d0} (must be 1..{lhs})")
            elif r1 < 0:
                self.error(f"AND {k} (literal {lhs}) at byte offset {off1}: bad second delta "
                           f"{d1} (must be 0..{r0})")
            else:
                self.defined_by[lhs // 2] = 0
                ands.append((lhs, r0, r1, 0))
        self.lines.pos = pos
        return ands

    def _symbols(self, n_in: int, n_out: int) -> dict[tuple[str, int], tuple[str, int]]:
        symbols: dict[tuple[str, int], tuple[str, int]] = {}
        sizes = {"i": n_in, "o": n_out}
        while True:
            text = self.lines.next()
            if text is None or text == "c" or text.startswith("c "):
                break  # the comment section runs to the end of the file and is ignored
            if not text.strip():
                continue
            line = self.lines.line if self.diags.text is not None else 0
            where = f" at byte offset {self.lines.start}" if self.diags.text is None else ""
            kind, _, rest = text.partition(" ")
            if kind[:1] in "lbcjf" and natural(kind[1:]) is not None:
                continue  # names of sections rejected or absent: nothing to name
            if kind[:1] not in sizes or natural(kind[1:]) is None or not rest:
                self.error(f"bad symbol table entry {text!r}{where}: expected 'i<k> name' or "
                           "'o<k> name'", line)
                continue
            index = int(kind[1:])
            if index >= sizes[kind[0]]:
                what = "input" if kind[0] == "i" else "output"
                self.error(f"symbol {kind}{where}: there are only {sizes[kind[0]]} {what}s", line)
                continue
            if (kind[0], index) in symbols:
                self.error(f"symbol {kind}{where} named twice", line)
                continue
            symbols[(kind[0], index)] = (rest, line)
        return symbols

    def _build(self, input_vars, output_lits, ands, symbols, n_and) -> Circuit:
        net = Netlist(self.path, self.diags)
        net.source_gates["AND"] = n_and
        given = {(kind, name) for (kind, _), (name, _) in symbols.items()}

        def default(prefix: str, k: int) -> str:
            name = f"{prefix}{k}"
            while (prefix, name) in given:  # never take a name given to another input/output
                name += "_"
            return name

        taken: set[str] = set()
        for k, (var, line) in enumerate(input_vars):
            name, named_on = symbols.get(("i", k), (default("i", k), line))
            self.names[var] = name
            taken.add(name)
            net.add_input(name, named_on or line)  # the symbol's line, where the name is written
        for lhs, _, _, _ in ands:
            name, suffix = f"n{lhs // 2}", 1
            while name in taken:  # an input may be called "n7"
                suffix += 1
                name = f"n{lhs // 2}#{suffix}"
            self.names[lhs // 2] = name
            taken.add(name)
        negated: dict[int, str] = {}

        def node(lit: int, line: int) -> str:
            if lit < 2:
                return K.CONST1_ID if lit else K.CONST0_ID
            name = self.names[lit // 2]
            if lit % 2 == 0:
                return name
            if lit // 2 not in negated:
                negated[lit // 2] = net.add_gate(net.helper_name(f"not:{name}", taken), K.OP_NOT,
                                                 [name], line, hidden=True)
            return negated[lit // 2]

        for lhs, r0, r1, line in ands:
            net.add_gate(self.names[lhs // 2], K.OP_AND, [node(r0, line), node(r1, line)], line)
        for k, (lit, line) in enumerate(output_lits):
            name, _ = symbols.get(("o", k), (default("o", k), line))
            net.add_output(name, node(lit, line), line)
        return net.build(circuit_name(self.path), self.raw)


# ---- export ---------------------------------------------------------------------------------
class _Aig:
    """Two-input ANDs over literals, structurally hashed, with the trivial simplifications."""

    def __init__(self, n_inputs: int):
        self.next_var = n_inputs + 1
        self.ands: list[tuple[int, int, int]] = []
        self.table: dict[tuple[int, int], int] = {}

    def and2(self, a: int, b: int) -> int:
        if a == 0 or b == 0 or a == b ^ 1:
            return 0
        if a == 1 or a == b:
            return b
        if b == 1:
            return a
        key = (max(a, b), min(a, b))
        if key not in self.table:
            self.table[key] = 2 * self.next_var
            self.ands.append((2 * self.next_var, *key))
            self.next_var += 1
        return self.table[key]

    def reduce(self, lits: list[int], combine) -> int:
        # A balanced tree keeps the depth at log2(fan-in) instead of the fan-in.
        while len(lits) > 1:
            pairs = [combine(lits[i], lits[i + 1]) for i in range(0, len(lits) - 1, 2)]
            lits = pairs + ([lits[-1]] if len(lits) % 2 else [])
        return lits[0]

    def or2(self, a: int, b: int) -> int:
        return self.and2(a ^ 1, b ^ 1) ^ 1

    def xor2(self, a: int, b: int) -> int:
        return self.or2(self.and2(a, b ^ 1), self.and2(a ^ 1, b))

    def gate(self, op: str, lits: list[int]) -> int:
        if op in (K.OP_AND, K.OP_NAND):
            out = self.reduce(lits, self.and2)
        elif op in (K.OP_OR, K.OP_NOR):
            out = self.reduce(lits, self.or2)
        elif op in (K.OP_XOR, K.OP_XNOR):
            out = self.reduce(lits, self.xor2)
        else:  # not, buf
            out = lits[0]
        return out ^ 1 if op in (K.OP_NAND, K.OP_NOR, K.OP_XNOR, K.OP_NOT) else out


def write_aag(circuit: Circuit) -> str:
    """The circuit as an ASCII AIGER (.aag) and-inverter graph with a symbol table.

    Inputs are variables 1..I in `circuit.inputs` order, outputs in `circuit.outputs` order; every
    gate is decomposed into two-input ANDs and inverted literals (n-ary gates as balanced trees,
    XOR as three ANDs, MUX/MAJ via `circuitc.formats.basis`), structurally hashed, with constant
    and duplicate operands folded. Symbols name every input bit and output bit as in the graph
    (whitespace replaced by '_'), so `read_aiger` regroups the vector ports.
    """
    from circuitc.formats.basis import basic_gates

    aig = _Aig(len(circuit.inputs))
    lit: dict[str, int] = {K.CONST0_ID: 0, K.CONST1_ID: 1}
    lit.update((node, 2 * (k + 1)) for k, node in enumerate(circuit.inputs))
    for node, op, operands in basic_gates(circuit, set(circuit.graph.nodes)):
        lit[node] = aig.gate(op, [lit[o] for o in operands])
    outputs = [lit[circuit.driver(o)] for o in circuit.outputs]
    n_in, n_and = len(circuit.inputs), len(aig.ands)
    lines = [f"aag {n_in + n_and} {n_in} 0 {len(outputs)} {n_and}"]
    lines += [str(2 * (k + 1)) for k in range(n_in)]
    lines += [str(o) for o in outputs]
    lines += [f"{lhs} {r0} {r1}" for lhs, r0, r1 in aig.ands]
    lines += [f"i{k} {'_'.join(node.split())}" for k, node in enumerate(circuit.inputs)]
    lines += [f"o{k} {'_'.join(name.split())}" for k, name in enumerate(circuit.output_names)]
    lines += ["c", f"written by circuitc from {circuit.name}"]
    return "\n".join(lines) + "\n"
