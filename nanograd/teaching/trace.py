"""The evaluation trace, as automatic differentiation is taught (Griewank and Walther; Baydin et
al., JMLR 2018, Tables 2 and 3): the function as a list of elementary assignments
v_1 = log(v_{-1}), v_2 = v_{-1} * v_0, ..., each with its value, and along a direction its forward
tangent and its reverse adjoint, plus the reverse trace: the adjoint contributions in the order
reverse mode makes them.

This module holds the data; `trace_views` prints it (text, Markdown, LaTeX, HTML). The numbers
come from the table (tangents by core's forward sweep, adjoint contributions edge by edge by the
table's partials); the formulas of the derivative columns are the table's rules over sympy, built
only for the rows that are shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..core.forward import seeds_of
from ..core.node import Node
from ..core.scalar import Scalar
from ..core.sweeps import forward_sweep
from ..core.walks import topological_order
from ..errors import InputError
from . import trace_views
from .local import local_derivatives, local_formula
from .trace_views import BAR, DOT, accent

INFIX = {"add", "sub", "mul", "div", "pow"}  # written `a + b`; other binary ops as f(a, b)


def v_name(index: int) -> str:
    """v_1, v_0, v_{-1}: the survey's names (braces where a subscript has two characters)."""
    return f"v_{index}" if 0 <= index <= 9 else f"v_{{{index}}}"


def times(factor: str, local: str) -> str:
    """`factor` times a local derivative, as written by hand: v̇, -v̇, v̇ * v_0, v̇/v_{-1}."""
    if local == "1":
        return factor
    if local == "-1":
        return f"-{factor}"
    if local.startswith("1/"):
        return f"{factor}/{local[2:]}"
    atomic = " " not in local and not local.startswith("-")  # sympy spaces out + and -
    return f"{factor} * {local if atomic else f'({local})'}"


class Formulas:
    """The derivative columns as formulas in the trace's names, from the table's rules over
    sympy; built on first use (a printed row), cached."""

    def __init__(self, names: dict[Node, str], stands_for: dict[Node, str]) -> None:
        self.names = names
        self.stands_for = stands_for  # what each input is: x1 in `v_{-1} = x1`
        self._local: dict[tuple[Node, int], Any] = {}

    def local(self, node: Node, position: int) -> Any:
        """d node / d (its input at `position`), a sympy expression in the trace's names."""
        key = (node, position)
        if key not in self._local:
            self._local[key] = local_formula(node, position, self.names)  # type: ignore[arg-type]
        return self._local[key]

    def tangent(self, node: Node) -> str:
        """v̇_2 = v̇_{-1} * v_0 + v̇_0 * v_{-1}: the forward tangent trace's line for `node`."""
        name = self.names[node]
        if node.op is None:
            return f"{accent(name, DOT)} = {accent(self.stands_for[node], DOT)}"
        terms = [times(accent(self.names[i], DOT), str(self.local(node, p)))
                 for p, i in enumerate(node.inputs) if isinstance(i, Node)]
        return f"{accent(name, DOT)} = " + " + ".join(terms).replace("+ -", "- ")


@dataclass
class TraceRow:
    """One assignment of the trace: `definition` in the trace's names, `value`, and along a
    direction the forward `tangent` and the reverse `adjoint` (d output / d this)."""

    name: str
    op: str  # the table's op name; "input" for an input
    definition: str
    value: float
    tangent: float | None
    adjoint: float | None
    node: Scalar = field(repr=False)
    output: bool = False  # the trace's output, y
    formulas: Formulas | None = field(default=None, repr=False, compare=False)

    @property
    def tangent_definition(self) -> str:
        """The forward tangent trace's line, e.g. `v̇_4 = v̇_1 + v̇_2` (needs sympy)."""
        if self.formulas is None or self.tangent is None:
            raise ValueError("a trace has tangents only when made with wrt")
        return self.formulas.tangent(self.node)


@dataclass
class AdjointStep:
    """One contribution of the reverse trace: `target`'s adjoint gains source's adjoint times
    d source / d target (`local`), leaving `value`. The first step seeds the output (no source)."""

    target: Scalar = field(repr=False)
    source: Scalar | None = field(repr=False)
    position: int  # which operand of `source` the target is
    local: float
    value: float
    accumulated: bool  # whether the target had an adjoint already: v̄ = v̄ + ...
    formulas: Formulas = field(repr=False, compare=False)

    @property
    def definition(self) -> str:
        """The line as written by hand, e.g. `v̄_0 = v̄_0 + v̄_2 * v_{-1}` (needs sympy)."""
        names = self.formulas.names
        target = accent(names[self.target], BAR)
        if self.source is None:
            return f"{target} = {accent('y', BAR)} = 1"
        term = times(accent(names[self.source], BAR), str(self.formulas.local(self.source, self.position)))
        return f"{target} = {target} + {term}".replace("+ -", "- ") if self.accumulated \
            else f"{target} = {term}"


@dataclass
class Trace:
    """An evaluation trace: `rows` in evaluation order (inputs first), and with a direction the
    `reverse` trace of adjoint contributions. `str()`, `to_markdown()`, `to_latex()`,
    `to_html()` show it (Jupyter shows the HTML table)."""

    rows: list[TraceRow]
    reverse: list[AdjointStep]
    inputs: list[Scalar]
    output: Scalar
    direction: dict[Scalar, float] | None
    formulas: Formulas = field(repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    def __getitem__(self, key: int | str) -> TraceRow:
        """A row by position or by name (`trace["v_2"]`)."""
        if isinstance(key, str):
            for row in self.rows:
                if row.name == key:
                    return row
            raise KeyError(key)
        return self.rows[key]

    def __str__(self) -> str:
        return trace_views.text(self)

    def to_text(self, max_rows: int = trace_views.MAX_ROWS, decimals: int = 3) -> str:
        return trace_views.text(self, max_rows, decimals)

    def to_markdown(self, max_rows: int = trace_views.MAX_ROWS, decimals: int = 3) -> str:
        return trace_views.markdown(self, max_rows, decimals)

    def to_latex(self, max_rows: int = trace_views.MAX_ROWS, decimals: int = 3) -> str:
        return trace_views.latex(self, max_rows, decimals)

    def to_html(self, max_rows: int = trace_views.MAX_ROWS, decimals: int = 3) -> str:
        return trace_views.html(self, max_rows, decimals)

    def _repr_html_(self) -> str:
        return self.to_html()


def evaluation_order(out: Scalar, inputs: Sequence[Scalar]) -> tuple[list[Scalar], list[Scalar]]:
    """(the leaves: `inputs` first, then the others as first met; the computed nodes, each level
    after the one below it: as soon as its inputs are ready, the order of the survey's traces)."""
    order = topological_order(out)
    level: dict[Node, int] = {}
    for node in order:
        below = [level[i] for i in node.inputs if isinstance(i, Node)]
        level[node] = 0 if node.op is None else 1 + max(below, default=0)
    given = set(inputs)
    leaves = list(inputs) + [n for n in order if n.op is None and n not in given]
    computed = sorted((n for n in order if n.op is not None), key=level.__getitem__)  # stable
    return leaves, computed


def input_names(leaves: list[Scalar]) -> dict[Node, str]:
    """What each input stands for: its label, or x1, x2, ... by position (as the survey)."""
    labels = {leaf.label for leaf in leaves}
    stands_for: dict[Node, str] = {}
    for k, leaf in enumerate(leaves, 1):
        name = leaf.label or f"x{k}"
        while name in labels and not leaf.label:
            name += "'"
        stands_for[leaf] = name
    return stands_for


def trace_names(leaves: list[Scalar], computed: list[Scalar]) -> dict[Node, str]:
    """v_{1-n} ... v_0 for the n inputs, v_1, v_2, ... for the rest; a label that is a name
    (an identifier) replaces a computed node's v name, if no other node has it."""
    names: dict[Node, str] = {leaf: v_name(k - len(leaves) + 1) for k, leaf in enumerate(leaves)}
    counts: dict[str, int] = {}
    for node in computed:
        counts[node.label] = counts.get(node.label, 0) + 1
    leaf_labels = {leaf.label for leaf in leaves}
    unique = {label for label, n in counts.items()
              if n == 1 and label.isidentifier() and label not in leaf_labels}
    taken = unique | leaf_labels  # no v name is given that a label already reads as
    count = 0
    for node in computed:
        if node.label in unique:
            names[node] = node.label
            continue
        count += 1
        while v_name(count) in taken:
            count += 1
        names[node] = v_name(count)
    return names


def definition(node: Node, names: dict[Node, str], stands_for: dict[Node, str]) -> str:
    """The assignment `v_2 = v_{-1} * v_0` in the trace's names."""
    args = [names[i] if isinstance(i, Node) else _number(i) for i in node.inputs]
    op = node.op
    if op is None:
        return f"{names[node]} = {stands_for[node]}"
    if op.name in INFIX:
        return f"{names[node]} = {args[0]} {op.symbol} {args[1]}"
    if op.name == "neg":
        return f"{names[node]} = -{args[0]}"
    return f"{names[node]} = {op.symbol}({', '.join(args)})"


def _number(value: Any) -> str:
    """A constant operand as people write it: 0.5, (-2), (9/10) for an exact Fraction."""
    text = repr(value) if isinstance(value, (int, float)) else str(value)
    return f"({text})" if value < 0 or "/" in text else text


def direction_of(wrt: Any) -> dict[Scalar, float] | None:
    """`wrt` as {leaf: tangent}: a leaf alone is the direction 1 along it."""
    if wrt is None:
        return None
    return seeds_of({wrt: 1.0} if isinstance(wrt, Node) else wrt, False)


def trace(out: Scalar, inputs: Sequence[Scalar] | None = None,
          wrt: Scalar | Mapping[Scalar, float] | None = None) -> Trace:
    """The evaluation trace of `out`: one row per node in evaluation order (inputs `v_{1-n} ...
    v_0` in the order of `inputs`, or as first met). With `wrt` (a leaf, or {leaf: tangent}) the
    rows also hold the forward tangent and the reverse adjoint, and `reverse` the adjoint trace."""
    if not isinstance(out, Node):
        raise TypeError(f"trace needs a Scalar, got {type(out).__name__}")
    inputs = list(inputs or [])
    for leaf in inputs:
        if not isinstance(leaf, Node) or leaf.op is not None:
            raise InputError(f"trace: inputs must be leaf Scalars, got {leaf!r}")
    direction = direction_of(wrt)
    leaves, computed = evaluation_order(out, inputs)
    if direction:
        extra = [leaf for leaf in direction if leaf not in set(leaves)]
        leaves = extra + leaves
    names = trace_names(leaves, computed)
    stands_for = input_names(leaves)
    formulas = Formulas(names, stands_for)
    nodes = leaves + computed
    tangents: dict = {}
    reverse: list[AdjointStep] = []
    adjoints: dict = {}
    if direction is not None:
        tangents, _ = forward_sweep(nodes, direction)
        reverse, adjoints = _reverse_trace(computed, out, formulas)
    rows = [TraceRow(names[node], "input" if node.op is None else node.op.name,
                     definition(node, names, stands_for), node.data,
                     None if direction is None else float(tangents.get(node, 0.0)),
                     None if direction is None else float(adjoints.get(node, 0.0)),
                     node, node is out, formulas) for node in nodes]
    return Trace(rows, reverse, leaves, out, direction, formulas)


def _reverse_trace(computed: list[Scalar], out: Scalar,
                   formulas: Formulas) -> tuple[list[AdjointStep], dict[Node, float]]:
    """Reverse mode edge by edge, in reverse evaluation order: each contribution as a step."""
    adjoint: dict[Any, float] = {out: 1.0}
    steps = [AdjointStep(out, None, 0, 1.0, 1.0, False, formulas)]
    for node in reversed(computed):
        g = adjoint.get(node)
        if g is None:
            continue
        for position, inp, local in local_derivatives(node):
            accumulated = inp in adjoint
            adjoint[inp] = adjoint.get(inp, 0.0) + g * local
            steps.append(AdjointStep(inp, node, position, local, adjoint[inp], accumulated, formulas))
    return steps, adjoint
