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


def node_names(order: list[Scalar]) -> dict[Scalar, str]:
    """A readable name for every node: its label, a leaf's symbol, or v1, v2, ... for the rest.

    Leaves are named as their closed forms name them, so formulas and closed forms agree.
    """
    from ..symbolic.leaves import leaf_symbols  # sympy: loaded on first use

    leaves = leaf_symbols(order)  # named together: automatic names are unique within a graph
    names = {node: str(leaves[node]) if node.op is None else node.label for node in order}
    taken = set(names.values())
    count = 0
    for node in order:
        if not names[node]:
            count += 1
            while f"v{count}" in taken:
                count += 1
            names[node] = f"v{count}"
    return names


def derivative_label(top: str, bottom: str, d: str = "d ") -> str:
    """`d top/d bottom` (or with d="∂", `∂top/∂bottom`); names that are expressions (parsed
    text such as `w*x + b`) go in parentheses, so the fraction reads one way only."""
    return f"{d}{group(top, top)}/{d}{group(bottom, bottom)}"


def derivative_latex(top: str, bottom: str) -> str:
    """`derivative_label` in LaTeX, a fraction of partials, grouping expressions the same way."""
    from sympy import Symbol, latex  # sympy: loaded on first use

    def tex(name: str) -> str:
        return group(name, latex(Symbol(name)), r"\left(", r"\right)")

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
