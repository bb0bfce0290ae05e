"""Closed forms by walking the graph with sympy: each node's expression, and symbolic backprop.

The walk is the numeric one with another number system: the same topological order, the same
rows of the table, evaluated in `SYMBOLIC` instead of `REAL`.
"""
from __future__ import annotations

import operator
from functools import partial
from typing import Any, Callable, Sequence, Union

import sympy
from sympy.core.parameters import evaluate as sympy_evaluation

from ..core.budget import check, in_worker, within
from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import NanogradError
from .algebra import SYMBOLIC, constant, steps_flat
from .convert import from_sympy
from .leaves import is_variable, leaf_symbol, leaf_symbols, leaf_values

Wrt = Union[Scalar, Sequence[Scalar], None]


def _operand(value, exprs: dict) -> sympy.Expr:
    return exprs[value] if isinstance(value, Scalar) else constant(value)


# sympy simplifies every expression as it is built (flattening, collecting, assumption queries
# over the operands): cheap on small operands, superlinear and recursive on large ones. So a node
# is built evaluated while what it is built from is small, unevaluated once it is not. Deciding by
# the size of what is built, not by the graph's depth, keeps the building linear in the graph
# while a long chain that folds (y = 0.999*y + 0.001, 2,500 times) stays small and evaluated.
SMALL = 60  # nodes of an expression tree


def tree_size(expr: sympy.Basic, cap: int = SMALL) -> int:
    """The number of nodes of `expr`'s tree, counted up to `cap` + 1 (iteratively: any depth)."""
    count, stack = 0, [expr]
    while stack and count <= cap:
        count += 1
        stack.extend(getattr(stack.pop(), "args", ()))
    return count


class _Builder:
    """Builds sympy expressions evaluated while their operands are small; remembers sizes."""

    def __init__(self) -> None:
        # by id, the expression kept alive beside its size so that its id is never reused
        self.size: dict[int, tuple[sympy.Basic, int]] = {}

    def of(self, expr: sympy.Basic) -> int:
        """Its size if built here, else 1: a leaf's symbol or a constant."""
        return self.size.get(id(expr), (expr, 1))[1]

    def build(self, function: Callable[..., Any], *operands: sympy.Basic) -> sympy.Expr:
        """`function(*operands)`: evaluated if the operands are small together."""
        small = sum(self.of(e) for e in operands) <= SMALL
        with sympy_evaluation(small):
            expr = function(*operands)
        self.size[id(expr)] = (expr, tree_size(expr) if small else SMALL + 1)
        return expr


def node_exprs(order: list[Scalar], builder: _Builder | None = None) -> dict[Scalar, sympy.Expr]:
    """The closed form of every node in `order` (a topological order), in leaf symbols."""
    builder = builder or _Builder()
    exprs: dict[Scalar, sympy.Expr] = dict(leaf_symbols(order))
    for node in order:
        if node.op is not None:
            check("building the closed form")
            args = [_operand(inp, exprs) for inp in node.inputs]
            exprs[node] = builder.build(partial(node.op.forward, SYMBOLIC), *args)
    return exprs


def expr_of(node: Scalar, timeout: float | None = None) -> sympy.Expr:
    """`node.expr`: the node's closed form in terms of its graph's leaf symbols.

    `timeout` (seconds) bounds the time: past it, TimeBudgetError."""
    with within(timeout):
        return node_exprs(topological_order(node))[node]


def adjoints(out: Scalar) -> tuple[list[Scalar], dict[Scalar, sympy.Expr]]:
    """d out / d node as an expression for every node of the graph: one reverse pass."""
    order = topological_order(out)
    builder = _Builder()
    exprs = node_exprs(order, builder)
    return order, _reverse(order, exprs, out, builder)


def _reverse(order: list[Scalar], exprs: dict, out: Scalar, builder: _Builder) -> dict[Scalar, sympy.Expr]:
    terms: dict[Scalar, list[sympy.Expr]] = {out: [sympy.Integer(1)]}
    adjoint: dict[Scalar, sympy.Expr] = {}
    for node in reversed(order):  # every consumer of a node comes before it, so its terms are all in
        if node not in terms:
            continue
        check("building the derivative's closed form")
        parts = terms.pop(node)  # one Add, not a re-flattened sum per term
        g = adjoint[node] = parts[0] if len(parts) == 1 else builder.build(sympy.Add, *parts)
        if node.op is None or g == 0:
            continue
        inputs = node.inputs
        args = [_operand(inp, exprs) for inp in inputs]
        z = exprs[node]
        for inp, rule in zip(inputs, node.op.partials):
            if isinstance(inp, Scalar):
                local = builder.build(partial(rule, SYMBOLIC), *args, z)
                # a plain 1 or -1 (add, sub, neg) would cost sympy a whole Mul for nothing
                term = (g if local == 1 else builder.build(operator.neg, g) if local == -1
                        else builder.build(operator.mul, g, local))
                terms.setdefault(inp, []).append(term)
    return adjoint


def grad_expr(out: Scalar, wrt: Wrt = None, simplify: bool = False, cse: bool = False,
              timeout: float | None = None):
    """d out / d wrt in closed form, by symbolic reverse mode over the graph (one pass for all).

    `wrt` is a Scalar (leaf: the partial derivative; intermediate: its adjoint), a list or tuple
    of Scalars (a list back, same order), or None (a dict {leaf: expression} over every variable
    leaf). A Scalar outside the graph gives 0. With `cse=True` the answer comes as sympy.cse
    gives it, `(replacements, result)`, where result has the shape described above. `timeout`
    (seconds) bounds the whole work, simplification included: past it, TimeBudgetError.
    """
    if not isinstance(out, Scalar):
        raise TypeError(f"grad_expr differentiates a Scalar, not {type(out).__name__}")
    targets = _targets(wrt)
    with within(timeout):
        order, adjoint = adjoints(out)
        if wrt is None:
            targets = [node for node in order if is_variable(node)]
        exprs = [adjoint.get(t, sympy.Integer(0)) for t in targets]
        if simplify:
            exprs = in_worker(_simplified, exprs, doing="simplifying the derivatives")
        replacements: list = []
        if cse:
            replacements, exprs = in_worker(sympy.cse, exprs, doing="sympy.cse of the derivatives")
    result: Any
    if wrt is None:
        result = dict(zip(targets, exprs))
    elif isinstance(wrt, Scalar):
        result = exprs[0]
    else:
        result = list(exprs)
    return (replacements, result) if cse else result


def _simplified(exprs: list[sympy.Expr]) -> list[sympy.Expr]:
    return [sympy.simplify(e) for e in exprs]


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
    row is differentiated by sympy.diff instead, steps taken as flat as backprop takes them.
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
            rows.append([steps_flat(sympy.diff(derivative, s)) for s in symbols])
            continue
        rows.append([grad_expr(graph, wrt=leaves[s]) if s in leaves else sympy.Integer(0)
                     for s in symbols])
    return sympy.Matrix(rows)
