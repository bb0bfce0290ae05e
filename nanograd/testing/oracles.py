"""The independent oracles a graph's two answers (backprop numbers, symbolic closed forms) are held
against: sympy.diff, central finite differences, and an mpmath evaluation of each closed form; and
the properties that compare them on a random graph (`check_*`), each raising GradientCheckError
with a one-line reproduction when they disagree."""
from __future__ import annotations

import functools
from typing import Callable

import sympy

from ..core.walks import topological_order
from ..errors import GradientCheckError, NanogradError
from ..symbolic import from_sympy, grad_expr, hessian_expr, leaf_values
from ..symbolic.algebra import MPMATH_MODULES, steps_flat
from .strategies import RandomGraph

EXACT = (1e-7, 1e-9)  # (relative, absolute)
# Central differences with steps h and h/2, combined (Richardson) so that their h**2 * f'''
# truncation cancels: what is left, h**4 * f''''' plus about 3 * eps * f / h of rounding, stays
# near 1e-9 with h = 1e-5 * max(1, |x|) even where chains of tan, atanh, ... steepen f (the
# graphs' values are kept in [-64, 64]), so 1e-4 relative leaves a wide margin for curvature.
FINITE_DIFFERENCE = (1e-4, 1e-6)
STEP = 1e-5


def close(a: float, b: float, tolerance: tuple[float, float] = EXACT) -> bool:
    rel, abs_ = tolerance
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


# -- independent oracles -----------------------------------------------------------------------
# sympy.diff's DiracDelta only ever appears here at points kept off the step, where it is 0.
_MPMATH: list = [{**MPMATH_MODULES[0], "DiracDelta": lambda x, *order: 0}, "mpmath"]


def value_of(expr: sympy.Expr, values: dict) -> float:
    """A closed form evaluated by mpmath through lambdify: no nanograd code involved."""
    symbols = list(values)
    return float(sympy.lambdify(symbols, expr, modules=_MPMATH)(*values.values()))


def central_difference(f: Callable[[list[float]], float], values: list[float], i: int,
                       step: float = STEP) -> float:
    """d f / d values[i] by central differences at steps h and h/2, combined (Richardson) so
    that the h**2 error term cancels."""
    def slope(h: float) -> float:
        up, down = list(values), list(values)
        up[i] += h
        down[i] -= h
        return (f(up) - f(down)) / (2 * h)

    h = step * max(1.0, abs(values[i]))
    return (4 * slope(h / 2) - slope(h)) / 3


def difference_slack(f: Callable[[list[float]], float], values: list[float], i: int,
                     numeric: float) -> float:
    """A bound on central differences' own error at `values`, from how much doubling the step
    changes them. Where f is only once differentiable (x * |x| at 0) that error is of order h,
    not h**2, and a tolerance made for smooth functions would call a right derivative wrong."""
    return 2 * abs(numeric - central_difference(f, values, i, 2 * STEP))


def at_kink(f: Callable[[list[float]], float], values: list[float], i: int) -> bool:
    """Whether f's one-sided slopes in input i differ at `values` by more than curvature can."""
    h = STEP * max(1.0, abs(values[i]))
    up, down = list(values), list(values)
    up[i] += h
    down[i] -= h
    here = f(values)
    return not close((f(up) - here) / h, (here - f(down)) / h, (1e-3, 1e-4))


def _report(graph: RandomGraph, what: str, got: float, expected: float) -> str:
    out = graph.out
    return (f"{what}: {got!r} != {expected!r}\n  graph: {graph.code()}\n"
            f"  values: {dict(zip((f'x{i}' for i in range(len(graph.values))), graph.values))}\n"
            f"  out = {out.expr}")


def _backprop(graph: RandomGraph) -> RandomGraph:
    for node in graph.nodes:
        node.grad = 0.0
    graph.out.backward()
    return graph


def _assert_close(graph: RandomGraph, what: str, got: float, expected: float,
                  tolerance: tuple[float, float] = EXACT) -> None:
    """Raises rather than asserts, so a check still checks under `python -O`."""
    if not close(got, expected, tolerance):
        raise GradientCheckError(_report(graph, what, got, expected))


# -- the properties ----------------------------------------------------------------------------
def check_forward(graph: RandomGraph) -> None:
    """1. out.data equals out.expr evaluated at the leaf values."""
    out = graph.out
    _assert_close(graph, "forward value vs closed form", out.data, value_of(out.expr, leaf_values(out)))


def check_leaf_gradients(graph: RandomGraph) -> None:
    """2. Every leaf's backprop gradient equals its grad_expr evaluated."""
    _backprop(graph)
    at = leaf_values(graph.out)
    for leaf, expr in zip(graph.leaves, grad_expr(graph.out, wrt=graph.leaves)):
        _assert_close(graph, f"d out/d {leaf.label}: backprop vs grad_expr", leaf.grad, value_of(expr, at))


def check_against_sympy_diff(graph: RandomGraph, symbolic: bool = True) -> None:
    """3. grad_expr agrees with sympy.diff: numerically, and symbolically where that is cheap
    (small graphs without kinks, where sympy.simplify settles it quickly)."""
    out = graph.out
    at = leaf_values(out)
    full = out.expr
    cheap = symbolic and len(graph.steps) <= 6 and not any(
        s.op.name in ("relu", "abs", "heaviside", "sign") for s in graph.steps)
    for leaf, ours in zip(graph.leaves, grad_expr(out, wrt=graph.leaves)):
        theirs = steps_flat(sympy.diff(full, leaf.expr))  # the strategies keep steps' inputs 0.25 away
        _assert_close(graph, f"d out/d {leaf.label}: grad_expr vs sympy.diff",
                      value_of(ours, at), value_of(theirs, at))
        if cheap and sympy.simplify(ours - theirs) != 0:
            # simplify cannot always prove an identity (powers with a symbolic exponent, say);
            # then the two formulas must at least agree at nearby points: those where the graph
            # has a value (a node moving faster than its leaves can leave its domain there)
            compared = 0
            for offset in (-0.1, 0.05, 0.1, -1e-3, 1e-3):
                if compared == 3 or not _defined(graph, offset):
                    continue
                compared += 1
                near = {symbol: value + offset for symbol, value in at.items()}
                _assert_close(graph, f"d out/d {leaf.label} at {near}: grad_expr vs sympy.diff",
                              value_of(ours, near), value_of(theirs, near))


def _defined(graph: RandomGraph, offset: float) -> bool:
    """Whether the graph has a value with `offset` added to every leaf."""
    try:
        graph.build([value + offset for value in graph.values])
    except NanogradError:
        return False
    return True


def check_against_finite_differences(graph: RandomGraph) -> None:
    """4. Backprop and the closed form agree with central finite differences."""
    _backprop(graph)
    at = leaf_values(graph.out)
    exprs = grad_expr(graph.out, wrt=graph.leaves)
    f = lambda values: graph.build(values)[1][-1].data  # noqa: E731
    for i, (leaf, expr) in enumerate(zip(graph.leaves, exprs)):
        numeric = central_difference(f, graph.values, i)
        _assert_close(graph, f"d out/d {leaf.label}: backprop vs finite differences", leaf.grad,
                      numeric, FINITE_DIFFERENCE)
        _assert_close(graph, f"d out/d {leaf.label}: grad_expr vs finite differences",
                      value_of(expr, at), numeric, FINITE_DIFFERENCE)


def check_intermediate_adjoints(graph: RandomGraph) -> None:
    """5. Every node's backprop gradient equals grad_expr(out, wrt=node) evaluated."""
    _backprop(graph)
    nodes = topological_order(graph.out)
    at = leaf_values(graph.out)
    for node, expr in zip(nodes, grad_expr(graph.out, wrt=nodes)):
        _assert_close(graph, f"d out/d {node.label}: backprop vs grad_expr", node.grad, value_of(expr, at))


def check_hessian(graph: RandomGraph) -> None:
    """6. hessian_expr agrees with finite differences of the backprop gradients."""
    hessian = hessian_expr(graph.out, wrt=graph.leaves)
    at = leaf_values(graph.out)

    def gradient(values: list[float], i: int) -> float:
        leaves, nodes = graph.build(values)
        for node in nodes:
            node.grad = 0.0
        nodes[-1].backward()
        return leaves[i].grad

    for i in range(len(graph.leaves)):
        for j in range(len(graph.leaves)):
            numeric = central_difference(functools.partial(gradient, i=i), graph.values, j)
            _assert_close(graph, f"d2 out/d x{i} d x{j}: hessian_expr vs finite differences",
                          value_of(hessian[i, j], at), numeric, FINITE_DIFFERENCE)


def check_round_trip(graph: RandomGraph) -> None:
    """7. from_sympy(out.expr) rebuilds a graph with the same value and gradients."""
    _backprop(graph)
    rebuilt, leaves = from_sympy(graph.out.expr, leaf_values(graph.out))
    _assert_close(graph, "value after from_sympy", rebuilt.data, graph.out.data)
    rebuilt.backward()
    for leaf in graph.leaves:
        twin = leaves.get(leaf.expr)
        _assert_close(graph, f"d out/d {leaf.label} after from_sympy",
                      twin.grad if twin is not None else 0.0, leaf.grad)
