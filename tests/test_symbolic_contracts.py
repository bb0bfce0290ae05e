"""Contracts of the symbolic backprop that tools/mutate.py found untested: how the size of an
expression is counted, and where closed forms stop being built evaluated (sympy's automatic
simplification, superlinear on large operands)."""
from __future__ import annotations

import pytest
import sympy

import nanograd
from nanograd import Scalar
from nanograd.symbolic.backprop import SMALL, tree_size

X, Y = sympy.symbols("x y", real=True)


@pytest.mark.parametrize("expr", [X, sympy.Integer(3), X + Y, sympy.sin(X * Y) + X ** 2,
                                  sympy.exp(sympy.Add(*sympy.symbols("a:70")))])
@pytest.mark.parametrize("cap", [0, 1, 4, SMALL, 1000])
def test_tree_size_counts_the_nodes_up_to_one_past_the_cap(expr, cap):
    nodes = len(list(sympy.preorder_traversal(expr)))  # sympy's own walk over the same tree
    assert tree_size(expr, cap) == min(nodes, cap + 1)


def test_a_sum_is_built_evaluated_while_its_operands_are_small_and_unevaluated_after():
    # s_k = s_(k-1) + x_k. Built evaluated, s_(k-1) is a flat Add of k-1 leaves: k nodes,
    # so s_k's operands have k + 1 nodes together: flat while that is at most SMALL, after
    # that each sum nests the one before it, unevaluated.
    leaves = [Scalar(1.0, label=f"x{i}") for i in range(SMALL + 5)]
    total = leaves[0]
    for k, leaf in enumerate(leaves[1:], start=2):
        total = total + leaf
        expr = total.expr
        assert isinstance(expr, sympy.Add)
        if k + 1 <= SMALL:
            assert len(expr.args) == k  # flat: sympy's own Add of the k symbols
            assert expr == sympy.Add(*(leaf.expr for leaf in leaves[:k]))
        else:
            assert len(expr.args) == 2, k  # the sum before, and the new leaf


def test_building_a_closed_form_stops_at_its_time_budget_saying_so():
    from nanograd import TimeBudgetError
    from nanograd.symbolic import expr_of

    y = x = Scalar(0.5, label="x")
    for _ in range(50):
        y = (y * 0.999).sin()
    # a budget already spent when the building starts: the first node built must notice
    with pytest.raises(TimeBudgetError, match="building the closed form"):
        expr_of(y, timeout=1e-9)
    assert expr_of(y, timeout=60).free_symbols == {x.expr}


def test_building_a_derivative_stops_at_its_time_budget_saying_so(monkeypatch):
    import itertools
    from types import SimpleNamespace

    from nanograd import TimeBudgetError, grad_expr
    from nanograd.core import budget

    y = x = Scalar(0.5, label="x")
    for _ in range(20):
        y = y.sin()
    # a clock that moves one second each time it is read: the budget is read once when it is set
    # and once per node built, so 21 seconds see the closed form (20 nodes) built, and run out
    # while the derivative is being built, however fast the machine
    ticks = itertools.count()
    monkeypatch.setattr(budget, "time", SimpleNamespace(monotonic=lambda: float(next(ticks))))
    with pytest.raises(TimeBudgetError, match="derivative's closed form"):
        grad_expr(y, wrt=x, timeout=21)
    monkeypatch.undo()
    assert grad_expr(y, wrt=x, timeout=60).free_symbols == {x.expr}


def test_a_large_derivative_through_a_negation_reads_as_a_minus_sign():
    from nanograd import grad_expr

    ys = [Scalar(0.1 * i + 0.5, label=f"y{i}") for i in range(SMALL)]
    big = ys[0]
    for y in ys[1:]:
        big = big + y.sin()
    x = Scalar(2.0, label="x")
    # -big, built unevaluated by the sympy walk: big is too large to simplify
    d = grad_expr(big * (-x), wrt=x, backend="sympy")
    shown = str(d)
    assert shown.startswith("-(") and "(-1)" not in shown
    assert sympy.expand(d.doit() + big.expr.doit()) == 0


# -- which walk backend="auto" takes: documented as symengine for graphs of 100 nodes or more
# that are at most 100 operations deep (the sympy walk otherwise) --------------------------------
def _squared_sum(n: int, padding: int = 0, first: str = "leaf") -> tuple[Scalar, Scalar]:
    """(x0 + ... + x(n-1)) ** 2 as s * s, plus `padding` additions of 0: 2n + padding nodes,
    n + padding operations from x0 to the output; and x1. With first="constants", x0 is
    0.0 + 0.0 instead, a node of constants alone: one operation more."""
    xs = [Scalar(0.01 * i, label=f"x{i}") for i in range(n)]
    s = xs[0] if first == "leaf" else nanograd.apply(nanograd.OPS["add"], 0.0, 0.0)
    for x in xs[1:]:
        s = s + x
    out = s * s
    for _ in range(padding):
        out = out + 0.0
    return out, xs[1]


@pytest.mark.parametrize("n, padding, first, walk", [
    (49, 1, "leaf", "sympy"),  # 99 nodes
    (50, 0, "leaf", "symengine"),  # 100 nodes, 50 operations deep
    (60, 40, "leaf", "symengine"),  # 160 nodes, 100 operations deep
    (60, 41, "leaf", "sympy"),  # 101 operations deep
    (60, 39, "constants", "symengine"),  # 100 operations deep, the first of constants alone
    (60, 40, "constants", "sympy"),  # 101
])
def test_auto_takes_symengine_for_large_shallow_graphs_only(n, padding, first, walk):
    pytest.importorskip("symengine")
    from nanograd import grad_expr

    out, x1 = _squared_sum(n, padding, first)
    assert len(nanograd.topological_order(out)) == 2 * n + padding
    # the two walks write 2 (x0 + ... ) differently: the sympy walk's sum is built unevaluated
    by = {backend: grad_expr(out, wrt=x1, backend=backend) for backend in ("sympy", "symengine")}
    assert by["sympy"] != by["symengine"] and sympy.expand(by["sympy"] - by["symengine"]) == 0
    assert grad_expr(out, wrt=x1) == by[walk]


def test_grad_expr_refuses_what_is_not_a_scalar_naming_the_type():
    from nanograd import grad_expr

    x = Scalar(2.0, label="x")
    with pytest.raises(TypeError, match="grad_expr .*float"):
        grad_expr(2.0, wrt=x)
    # a set has no order to give the derivatives back in; a string is not a Scalar
    for wrt in ({x}, "x"):
        with pytest.raises(TypeError, match="list or tuple"):
            grad_expr(x * x, wrt=wrt)
