"""Closed forms by walking the graph with sympy: each node's expression, and symbolic backprop.

The walk is the numeric one with another number system: the same topological order, the same
rows of the table, evaluated in `SYMBOLIC` instead of `REAL`.
"""
from __future__ import annotations

import operator
from functools import partial
from typing import Any, Callable, Literal, Sequence, Union

import sympy
from sympy.core.parameters import evaluate as sympy_evaluation

from ..core.budget import check, within
from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import InputError, NanogradError
from .algebra import SYMBOLIC, constant, steps_flat
from .convert import from_sympy
from .leaves import is_variable, leaf_symbol, leaf_symbols, leaf_values
from .workers import in_worker_as_built

Wrt = Union[Scalar, Sequence[Scalar], None]


Backend = Literal["auto", "sympy", "symengine"]


def _operand(value, exprs: dict, builder) -> Any:
    return exprs[value] if isinstance(value, Scalar) else builder.constant(value)


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


class SympyBuilder:
    """The symbolic walk's number system, sympy: builds expressions evaluated while their
    operands are small; remembers sizes. (symengine_algebra.Builder is its symengine twin.)"""

    m = SYMBOLIC
    constant = staticmethod(constant)
    one = sympy.Integer(1)

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

    def add(self, parts: list[sympy.Expr]) -> sympy.Expr:
        return self.build(sympy.Add, *parts)


def _forward(order: list[Scalar], leaves: dict[Scalar, Any], builder) -> dict[Scalar, Any]:
    """Every node's closed form in the builder's number system, from its leaves' in it."""
    exprs = dict(leaves)
    m = builder.m
    for node in order:
        if node.op is not None:
            check("building the closed form")
            args = [_operand(inp, exprs, builder) for inp in node.inputs]
            exprs[node] = builder.build(partial(node.op.forward, m), *args)
    return exprs


def node_exprs(order: list[Scalar], builder: SympyBuilder | None = None) -> dict[Scalar, sympy.Expr]:
    """The closed form of every node in `order` (a topological order), in leaf symbols; built by
    `builder` (pass your own to build more from them at the same sizes)."""
    return _forward(order, leaf_symbols(order), builder or SympyBuilder())


def expr_of(node: Scalar, timeout: float | None = None) -> sympy.Expr:
    """`node.expr`: the node's closed form in terms of its graph's leaf symbols.

    `timeout` (seconds) bounds the time: past it, TimeBudgetError."""
    with within(timeout):
        return node_exprs(topological_order(node))[node]


def adjoints(out: Scalar, order: list[Scalar], leaves: dict[Scalar, Any],
             builder: Any = None) -> dict[Scalar, Any]:
    """d out / d node as an expression for every node of `order` (out's graph in topological
    order): one reverse pass, in sympy or in the number system of `builder`, given the leaves'
    expressions in it."""
    builder = builder or SympyBuilder()
    return _reverse(order, _forward(order, leaves, builder), out, builder)


def _reverse(order: list[Scalar], exprs: dict, out: Scalar, builder) -> dict[Scalar, Any]:
    terms: dict[Scalar, list] = {out: [builder.one]}
    adjoint: dict[Scalar, Any] = {}
    m = builder.m
    for node in reversed(order):  # every consumer of a node comes before it, so its terms are all in
        if node not in terms:
            continue
        check("building the derivative's closed form")
        parts = terms.pop(node)  # one Add, not a re-flattened sum per term
        g = adjoint[node] = parts[0] if len(parts) == 1 else builder.add(parts)
        if node.op is None or g == 0:
            continue
        inputs = node.inputs
        args = [_operand(inp, exprs, builder) for inp in inputs]
        z = exprs[node]
        for inp, rule in zip(inputs, node.op.partials):
            if isinstance(inp, Scalar):
                local = builder.build(partial(rule, m), *args, z)
                # a plain 1 or -1 (add, sub, neg) would cost a whole Mul for nothing
                term = (g if local == 1 else builder.build(operator.neg, g) if local == -1
                        else builder.build(operator.mul, g, local))
                terms.setdefault(inp, []).append(term)
    return adjoint


def _symengine_gradients(out: Scalar, order: list[Scalar], named: dict[Scalar, sympy.Expr],
                         targets: list[Scalar], backend: Backend) -> list[sympy.Expr] | None:
    """The sympy walk's results by the symengine walk, converted back to sympy; None where
    symengine cannot stand in (not installed under "auto", or something it cannot hold)."""
    try:
        from . import symengine_algebra  # symengine (optional, C++): loaded on first use
    except ImportError:
        if backend == "symengine":
            raise ImportError("grad_expr(backend='symengine') needs symengine: "
                              "pip install 'nanograd[symengine]'") from None
        return None
    leaves = {node: symengine_algebra.leaf(symbol) for node, symbol in named.items()}
    if any(expr is None for expr in leaves.values()):
        return None
    adjoint = adjoints(out, order, leaves, symengine_algebra.Builder())
    zero = symengine_algebra.constant(0)
    symbols = {s.name: s for s in named.values() if isinstance(s, sympy.Symbol)}
    return symengine_algebra.to_sympy([adjoint.get(t, zero) for t in targets], symbols, SMALL)


# Under backend="auto", small graphs stay with sympy: it is as quick on them, and they do not
# pay for loading symengine (and NumPy, which symengine loads). So do deep ones: symengine
# flattens every sum and product it builds, in time that grows with the depth (a chain of
# 30,000 products takes it 40 s), and its forms of deep derivatives nest deeper than the sympy
# walk's, past what sympy's recursive printers and lambdify can take.
AUTO_NODES = 100
AUTO_DEPTH = 100


def _suits_symengine(order: list[Scalar]) -> bool:
    if len(order) < AUTO_NODES:
        return False
    depth: dict[Scalar, int] = {}
    for node in order:
        # operations from a leaf (a leaf: none), as the docstring of grad_expr counts them
        d = depth[node] = 0 if node.op is None else \
            1 + max((depth[i] for i in node.inputs if isinstance(i, Scalar)), default=0)
        if d > AUTO_DEPTH:
            return False
    return True


def grad_expr(out: Scalar, wrt: Wrt = None, simplify: bool = False, cse: bool = False,
              timeout: float | None = None, backend: Backend = "auto"):
    """d out / d wrt in closed form, by symbolic reverse mode over the graph (one pass for all).

    `wrt` is a Scalar (leaf: the partial derivative; intermediate: its adjoint), a list or tuple
    of Scalars (a list back, same order), or None (a dict {leaf: expression} over every variable
    leaf). A Scalar outside the graph gives 0. With `cse=True` the answer comes as sympy.cse
    gives it, `(replacements, result)`, where result has the shape described above. `timeout`
    (seconds) bounds the whole work, simplification included: past it, TimeBudgetError.

    `backend` says which algebra walks the graph; the answer is sympy either way. "symengine"
    (the optional extra, C++) is many times faster on large graphs; "sympy" is the reference;
    "auto" (the default) takes symengine when it is installed and the graph is large (100 nodes
    or more) but not deep (100 operations at most from a leaf to the output), unless
    symengine cannot hold it (a leaf's constant it cannot hold exactly): then sympy.
    """
    if not isinstance(out, Scalar):
        raise TypeError(f"grad_expr differentiates a Scalar, not {type(out).__name__}")
    if backend not in ("auto", "sympy", "symengine"):
        raise InputError(f"grad_expr's backend is 'auto', 'sympy' or 'symengine', not {backend!r}")
    targets = _targets(wrt)
    with within(timeout):
        order = topological_order(out)
        named = leaf_symbols(order)
        if wrt is None:
            targets = [node for node in order if is_variable(node)]
        exprs = None
        if backend == "symengine" or (backend == "auto" and _suits_symengine(order)):
            exprs = _symengine_gradients(out, order, named, targets, backend)
        if exprs is None:
            adjoint = adjoints(out, order, named)
            exprs = [adjoint.get(t, sympy.Integer(0)) for t in targets]
        if simplify:
            exprs = in_worker_as_built(_simplified, exprs, doing="simplifying the derivatives")
        replacements: list = []
        if cse:
            replacements, exprs = in_worker_as_built(sympy.cse, exprs,
                                                     doing="sympy.cse of the derivatives")
    result: Any
    if wrt is None:
        result = dict(zip(targets, exprs))
    elif isinstance(wrt, Scalar):
        result = exprs[0]
    else:
        result = list(exprs)
    return (replacements, result) if cse else result


def _simplified(exprs: list[sympy.Expr]) -> list[sympy.Expr]:
    """Each derivative simplified; one that sympy.simplify fails on (Python's limit on the digits
    of an int it prints, its own recursion) is kept as it is: it is still the derivative."""
    return [_simplified_or_kept(e) for e in exprs]


def _simplified_or_kept(expr: sympy.Expr) -> sympy.Expr:
    try:
        return sympy.simplify(expr)
    except (ValueError, RecursionError):
        return expr


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
