"""The local derivative on each edge of a graph, d node / d input: a number and a formula.

Both come from the node's row of the table: the number through `REAL`, the formula through
`SYMBOLIC` written in the names of the node and its inputs, as the chain rule is taught
(d e / d d = 1 - e**2, not 1 - tanh(a/2 + b/2)**2). Drawings, explanations and the step-by-step
backward all read their factors here.
"""
from __future__ import annotations

from typing import Iterator, cast

from ..core.ops import REAL, Op
from ..core.scalar import Scalar
from ..errors import derivative_error
from .notation import latex_name


def operands(node: Scalar) -> list:
    """The values the table's rules take for `node`: its inputs' data, or constants as they are."""
    return [i.data if isinstance(i, Scalar) else i for i in node.inputs]


def local_derivative(node: Scalar, position: int, args: list | None = None) -> float:
    """d node / d (its input at `position`), from the table; `args` are `operands(node)` if known."""
    try:
        return float(_op(node).partials[position](REAL, *(args or operands(node)), node.data))
    except (ArithmeticError, ValueError) as error:
        raise derivative_error(node, error) from None


def local_derivatives(node: Scalar) -> Iterator[tuple[int, Scalar, float]]:
    """(position, input, d node / d input) for each Scalar input, in operand order.

    An input used twice (x * x) comes twice, once per position: each is its own edge.
    """
    if node.op is None:
        return
    args = operands(node)
    for position, inp in enumerate(node.inputs):
        if isinstance(inp, Scalar):
            yield position, inp, local_derivative(node, position, args)


def node_names(order: list[Scalar], out: Scalar | None) -> dict[Scalar, str]:
    """One readable name for every node, the same in every view: its label, a leaf's symbol,
    `out` for an unlabelled output (`out` is None when the nodes have none), and v1, v2, ... in
    topological order for the other results. A label that an earlier node already has gets a
    suffix (loss, loss_2), so that no two nodes share a name.

    Leaves are named as their closed forms name them, so formulas and closed forms agree. The
    names that are not labels are defined wherever they are used: see `definitions`.
    """
    from ..symbolic.leaves import leaf_symbols  # sympy: loaded on first use

    leaves = leaf_symbols(order)  # named together: automatic names are unique within a graph
    names = {node: str(leaves[node]) for node in order if node.op is None}
    taken = set(names.values())
    for node in order:
        if node.op is not None and node.label:
            name, copy = node.label, 1
            while name in taken:
                copy += 1
                name = f"{node.label}_{copy}"
            names[node] = name
            taken.add(name)
    if out is not None and out not in names and "out" not in taken:
        names[out] = "out"
        taken.add("out")
    count = 0
    for node in order:
        if node not in names:
            count += 1
            while f"v{count}" in taken:
                count += 1
            names[node] = f"v{count}"
    return names


def is_generated(node: Scalar, names: dict[Scalar, str]) -> bool:
    """Whether `names` gave this result a name of its own (v1, out, loss_2) rather than its label."""
    return node.op is not None and names[node] != node.label


def definition(node: Scalar, names: dict[Scalar, str]) -> str:
    """`v1 = tanh(h)`, `v2 = v1 + a`: a result's name and its operation on its inputs' names,
    the operands in the order the graph holds them (as its steps take them)."""
    op = _op(node)
    args = [_operand(i, names) for i in node.inputs]
    if op.arity == 2:
        return f"{names[node]} = {args[0]} {op.symbol} {args[1]}"
    return f"{names[node]} = -{args[0]}" if op.name == "neg" else f"{names[node]} = {op.name}({args[0]})"


def definition_latex(node: Scalar, names: dict[Scalar, str]) -> str:
    """`definition` in LaTeX: `v_{1} = \\operatorname{tanh}\\left(h\\right)`."""
    op = _op(node)
    args = [latex_name(names[i]) if isinstance(i, Scalar) else _operand(i, names)
            for i in node.inputs]
    if op.arity == 2:
        x, y = args
        right = {"*": rf"{x} \cdot {y}", "/": rf"\frac{{{x}}}{{{y}}}", "**": f"{{{x}}}^{{{y}}}"}.get(
            op.symbol, f"{x} {op.symbol} {y}")
    else:
        right = f"-{args[0]}" if op.name == "neg" else rf"\operatorname{{{op.name}}}\left({args[0]}\right)"
    return f"{latex_name(names[node])} = {right}"


def _operand(value, names: dict[Scalar, str]) -> str:
    """How an operand reads in a definition: a node by name, a constant as written (bracketed
    when negative, so `x * (-2)` reads one way)."""
    if isinstance(value, Scalar):
        return names[value]
    return f"({value!r})" if value < 0 else repr(value)


def derivative_label(top: str, bottom: str, d: str = "d ") -> str:
    """`d top/d bottom` (or with d="∂", `∂top/∂bottom`); names that are expressions (parsed
    text such as `w*x + b`) go in parentheses, so the fraction reads one way only."""
    return f"{d}{group(top, top)}/{d}{group(bottom, bottom)}"


def derivative_latex(top: str, bottom: str) -> str:
    """`derivative_label` in LaTeX, a fraction of partials, grouping expressions the same way."""
    def tex(name: str) -> str:
        return group(name, latex_name(name), r"\left(", r"\right)")

    return rf"\frac{{\partial {tex(top)}}}{{\partial {tex(bottom)}}}"


def group(name: str, shown: str, left: str = "(", right: str = ")") -> str:
    """`shown` (how `name` is written), bracketed when `name` is an expression, not one symbol."""
    return shown if name.replace(".", "_").isidentifier() else f"{left}{shown}{right}"


def local_formula(node: Scalar, position: int, names: dict[Scalar, str]):
    """d node / d (its input at `position`) as a sympy expression in the names of node and inputs."""
    import sympy  # sympy: loaded on first use

    from ..symbolic.algebra import SYMBOLIC  # sympy: loaded on first use

    args = [_symbol(i, names) for i in node.inputs]
    # sympify: a rule may give a plain number (add's partials are 1)
    return sympy.sympify(_op(node).partials[position](SYMBOLIC, *args, _symbol(node, names)))


def step_formula(node: Scalar, names: dict[Scalar, str]):
    """The node's own operation on its inputs' names (e = tanh(d)): its closed form one step deep."""
    from ..symbolic.algebra import SYMBOLIC  # sympy: loaded on first use

    return _op(node).forward(SYMBOLIC, *[_symbol(i, names) for i in node.inputs])


def _op(node: Scalar) -> Op:
    """The op of `node`, which the callers here know is not a leaf."""
    return cast(Op, node.op)


def _symbol(value, names: dict[Scalar, str]):
    import sympy  # sympy: loaded on first use

    from ..symbolic.algebra import constant  # sympy: loaded on first use

    if isinstance(value, Scalar):
        return sympy.Symbol(names[value], real=True)
    return constant(value)
