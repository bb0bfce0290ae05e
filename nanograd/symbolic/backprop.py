"""Closed forms by walking the graph with sympy: each node's expression, and symbolic backprop.

The walk is the numeric one with another number system: the same topological order, the same
rows of the table, evaluated in `SYMBOLIC` instead of `REAL`.
"""
from __future__ import annotations

from typing import Any, Sequence, Union

import sympy
from sympy.core.parameters import evaluate as sympy_evaluation

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import NanogradError
from .algebra import SYMBOLIC, constant
from .convert import from_sympy
from .leaves import is_variable, leaf_symbol, leaf_symbols, leaf_values

Wrt = Union[Scalar, Sequence[Scalar], None]


def _operand(value, exprs: dict) -> sympy.Expr:
    return exprs[value] if isinstance(value, Scalar) else constant(value)


# Past this depth sympy's automatic simplification costs more than it gives: every new node
# compares and queries the whole expression below it, recursively, so time grows about with the
# cube of the depth and a few hundred levels raise RecursionError inside sympy. Deeper graphs get
# their closed forms built unevaluated (linear time); `.doit()` evaluates one where that is feasible.
DEEP_GRAPH = 100


def depth(order: list[Scalar]) -> int:
    """The number of operations on the longest path through the graph."""
    level: dict[Scalar, int] = {}
    for node in order:
        level[node] = 1 + max((level[i] for i in node.inputs if isinstance(i, Scalar)), default=-1)
    return max(level.values(), default=0)


def node_exprs(order: list[Scalar], deep: bool | None = None) -> dict[Scalar, sympy.Expr]:
    """The closed form of every node in `order` (a topological order), in leaf symbols."""
    exprs: dict[Scalar, sympy.Expr] = dict(leaf_symbols(order))
    with sympy_evaluation(not (depth(order) > DEEP_GRAPH if deep is None else deep)):
        for node in order:
            if node.op is not None:
                args = [_operand(inp, exprs) for inp in node.inputs]
                exprs[node] = node.op.forward(SYMBOLIC, *args)
    return exprs


def expr_of(node: Scalar) -> sympy.Expr:
    """`node.expr`: the node's closed form in terms of its graph's leaf symbols."""
    return node_exprs(topological_order(node))[node]


def adjoints(out: Scalar) -> tuple[list[Scalar], dict[Scalar, sympy.Expr]]:
    """d out / d node as an expression for every node of the graph: one reverse pass."""
    order = topological_order(out)
    deep = depth(order) > DEEP_GRAPH
    exprs = node_exprs(order, deep)
    with sympy_evaluation(not deep):
        return order, _reverse(order, exprs, out)


def _reverse(order: list[Scalar], exprs: dict, out: Scalar) -> dict[Scalar, sympy.Expr]:
    terms: dict[Scalar, list[sympy.Expr]] = {out: [sympy.Integer(1)]}
    adjoint: dict[Scalar, sympy.Expr] = {}
    for node in reversed(order):  # every consumer of a node comes before it, so its terms are all in
        if node not in terms:
            continue
        g = adjoint[node] = sympy.Add(*terms.pop(node))  # one Add, not a re-flattened sum per term
        if node.op is None or g == 0:
            continue
        inputs = node.inputs
        args = [_operand(inp, exprs) for inp in inputs]
        for inp, partial in zip(inputs, node.op.partials):
            if isinstance(inp, Scalar):
                local = partial(SYMBOLIC, *args, exprs[node])
                # a plain 1 or -1 (add, sub, neg) would cost sympy a whole Mul for nothing
                term = g if local == 1 else -g if local == -1 else g * local
                terms.setdefault(inp, []).append(term)
    return adjoint


def grad_expr(out: Scalar, wrt: Wrt = None, simplify: bool = False, cse: bool = False):
    """d out / d wrt in closed form, by symbolic reverse mode over the graph (one pass for all).

    `wrt` is a Scalar (leaf: the partial derivative; intermediate: its adjoint), a list or tuple
    of Scalars (a list back, same order), or None (a dict {leaf: expression} over every variable
    leaf). A Scalar outside the graph gives 0. With `cse=True` the answer comes as sympy.cse
    gives it, `(replacements, result)`, where result has the shape described above.
    """
    if not isinstance(out, Scalar):
        raise TypeError(f"grad_expr differentiates a Scalar, not {type(out).__name__}")
    targets = _targets(wrt)
    order, adjoint = adjoints(out)
    if wrt is None:
        targets = [node for node in order if is_variable(node)]
    exprs = [adjoint.get(t, sympy.Integer(0)) for t in targets]
    if simplify:
        exprs = [sympy.simplify(e) for e in exprs]
    replacements: list = []
    if cse:
        replacements, exprs = sympy.cse(exprs)
    result: Any
    if wrt is None:
        result = dict(zip(targets, exprs))
    elif isinstance(wrt, Scalar):
        result = exprs[0]
    else:
        result = list(exprs)
    return (replacements, result) if cse else result


def _targets(wrt: Wrt) -> list[Scalar]:
    if wrt is None:
        return []
    targets = [wrt] if isinstance(wrt, Scalar) else wrt
    if not isinstance(targets, (list, tuple)):
        raise TypeError(f"wrt must be a Scalar, a list or tuple of Scalars, or None; "
                        f"got {type(wrt).__name__}")
    for t in targets:
        if not isinstance(t, Scalar):
            raise TypeError(f"wrt must hold Scalars, got {type(t).__name__}: {t!r}")
    return list(targets)


def hessian_expr(out: Scalar, wrt: Sequence[Scalar]) -> sympy.Matrix:
    """The matrix of second derivatives d2 out / d wrt_i d wrt_j, for variable leaves wrt.

    Reverse over reverse: each first derivative is turned back into a graph (`from_sympy`) and
    differentiated again by the same symbolic backprop. That graph is built at the current leaf
    values; where a first derivative cannot be evaluated there (sqrt'(0) is infinite, say), its
    row is differentiated by sympy.diff instead.
    """
    targets = _targets(wrt)
    for t in targets:
        if not is_variable(t):
            raise TypeError(f"hessian_expr differentiates with respect to variable leaves; "
                            f"{t!r} is {'an intermediate node' if t.op else 'a constant'}")
    named = leaf_symbols(topological_order(out))
    symbols = [named[t] if t in named else leaf_symbol(t) for t in targets]
    values = leaf_values(out)
    rows = []
    for derivative in grad_expr(out, wrt=targets):
        try:
            graph, leaves = from_sympy(derivative, values)
        except NanogradError:
            rows.append([sympy.diff(derivative, s) for s in symbols])
            continue
        rows.append([grad_expr(graph, wrt=leaves[s]) if s in leaves else sympy.Integer(0)
                     for s in symbols])
    return sympy.Matrix(rows)
