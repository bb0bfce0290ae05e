"""grad_expr over symengine gives the sympy walk's closed forms: equal expressions, sympy objects,
the leaves' own symbols; what symengine lacks maps back to sympy's or falls back to sympy."""
from __future__ import annotations

import random
import sys

import pytest

se = pytest.importorskip("symengine")
import sympy  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import nanograd.symbolic  # noqa: E402
from nanograd import InputError, Scalar, grad_expr, leaf_values  # noqa: E402
from nanograd.core.ops import OPS, REAL  # noqa: E402
from nanograd.core.scalar import apply  # noqa: E402
from nanograd.nn import MLP  # noqa: E402
from nanograd.symbolic.algebra import SYMBOLIC  # noqa: E402
from nanograd.symbolic.symengine_algebra import SYMENGINE  # noqa: E402
from nanograd.testing import graphs  # noqa: E402
from nanograd.testing.oracles import value_of  # noqa: E402


def test_symengine_speaks_every_name_of_the_table():
    assert set(vars(SYMENGINE)) == set(vars(SYMBOLIC)) == set(vars(REAL))


def _sympy_only(expr: sympy.Expr) -> bool:
    """Every node of the tree is sympy's: nothing of symengine leaks out."""
    return all(isinstance(e, sympy.Basic) for e in sympy.preorder_traversal(expr))


def assert_same(ours: sympy.Expr, reference: sympy.Expr, at: dict) -> None:
    """Equal as trees, or their difference simplifies to 0; if not (floats in them, rounded in
    another order by each, or an identity simplify misses), equal to 1e-9 at the graph's point
    and at points nearby."""
    assert _sympy_only(ours)
    assert ours.free_symbols <= reference.free_symbols | set(at)
    if ours == reference:
        return
    exact = not ours.atoms(sympy.Float) and not reference.atoms(sympy.Float)
    if exact and sympy.simplify(ours - reference) == 0:
        return
    # simplify proves not every identity: cosh(asinh(u)) is sqrt(u**2 + 1), but not to it when
    # u**2 is 16*Abs(x)**(2/3)*sign(x)**2 (the derivative of asinh(-4*cbrt(x)))
    for offset in (0.0, -0.05, 0.1):
        near = {s: v + offset for s, v in at.items()}
        a, b = value_of(ours, near), value_of(reference, near)
        assert abs(a - b) <= 1e-9 * max(1.0, abs(b)), (near, ours, reference)


@given(graphs(max_steps=8))
def test_random_graphs_give_the_sympy_walks_closed_forms(graph):
    out = graph.out
    at = leaf_values(out)
    wrt = graph.leaves + graph.nodes[len(graph.leaves):-1][:2]  # leaves and some intermediates
    for ours, reference in zip(grad_expr(out, wrt=wrt, backend="symengine"),
                               grad_expr(out, wrt=wrt, backend="sympy")):
        assert_same(ours, reference, at)


@given(st.sampled_from([name for name in OPS if OPS[name].arity == 1]))
def test_every_function_maps_back_to_sympys_own(name):
    """One op on a sum of two leaves (so that neither side can fold it away): the derivative's
    functions are sympy's own (Heaviside(x, 0), sign, the real cube root) and equal the sympy walk's."""
    low, high = OPS[name].safe[0][0]
    x, y = Scalar(0.3 * (low + high), sym="x"), Scalar(0.2 * (low + high), sym="y")  # x + y inside
    out = apply(OPS[name], x + y) * x
    ours = grad_expr(out, wrt=x, backend="symengine")
    reference = grad_expr(out, wrt=x, backend="sympy")
    # sympy rewrites a little more as it builds (cosh(asinh(u)) is sqrt(u**2 + 1)), never less
    assert {type(f) for f in reference.atoms(sympy.Function)} <= {type(f) for f in ours.atoms(sympy.Function)}
    assert_same(ours, reference, leaf_values(out))


def test_kinks_and_logb_keep_their_sympy_forms():
    x, y = Scalar(0.5, sym="x"), Scalar(3.0, sym="y")
    out = (x * y).relu() + (x - y).abs() + (x * y).cbrt() + apply(OPS["logb"], x + 1, y)
    xs, ys = sympy.symbols("x y", real=True)
    got = grad_expr(out, wrt=[x, y], backend="symengine")
    assert sympy.Heaviside(xs * ys, 0) in got[0].atoms(sympy.Heaviside)
    assert got[0].has(sympy.sign(xs - ys))
    for ours, reference in zip(got, grad_expr(out, wrt=[x, y], backend="sympy")):
        assert sympy.simplify(ours - reference) == 0


def _mlp_loss() -> tuple[Scalar, list[Scalar]]:
    random.seed(0)
    net = MLP(3, [4, 4, 1])
    params = net.params()
    for i, p in enumerate(params):
        p.label = f"p{i}"
    loss = sum(((net(x) - y) ** 2 for x, y in zip([[1, 2, 3], [6, 3, 5]], [1, -1])), Scalar(0.0))
    loss.backward()
    return loss, params


def test_the_mlp_losss_41_gradients_equal_the_sympy_walks():
    loss, params = _mlp_loss()
    ours = grad_expr(loss, wrt=params)  # auto: symengine, the graph being large and shallow
    reference = grad_expr(loss, wrt=params, backend="sympy")
    symbols = [sympy.Symbol(p.label, real=True) for p in params]
    rng = random.Random(1)
    points = [[rng.uniform(-1, 1) for _ in params] for _ in range(3)]
    for a, b, p in zip(ours, reference, params):
        assert _sympy_only(a) and a.free_symbols <= set(symbols)
        assert a.atoms(sympy.Float) <= {sympy.Float(0.0)} | b.atoms(sympy.Float)
        f, g = (sympy.lambdify(symbols, e, "math") for e in (a, b))
        for point in points:
            assert abs(f(*point) - g(*point)) <= 1e-12 * max(1.0, abs(g(*point)))
        assert abs(f(*(q.data for q in params)) - p.grad) <= 1e-9 * max(1.0, abs(p.grad))


def test_leaves_keep_their_own_symbols_and_constants():
    named = sympy.Symbol("w", positive=True)
    w, c = Scalar(2.0, sym=named), Scalar(float(sympy.pi), sym=sympy.pi)
    out = (w * c).sin() * w
    got = grad_expr(out, wrt=w, backend="symengine")
    assert named in got.free_symbols and got.has(sympy.pi)
    assert got == grad_expr(out, wrt=w, backend="sympy")


T = sympy.Symbol("t")


@pytest.mark.parametrize("constant", [sympy.Catalan, sympy.Integral(T, (T, 0, 1))])
def test_a_constant_symengine_cannot_hand_back_falls_back_to_sympy(constant):
    x = Scalar(0.5, sym="x")
    k = Scalar(float(constant.evalf()), sym=constant)
    out = (x * k).sin()
    assert grad_expr(out, wrt=x, backend="symengine") == grad_expr(out, wrt=x, backend="sympy")


def test_small_graphs_under_auto_are_the_sympy_walks_exactly():
    x, y = Scalar(0.5, sym="x"), Scalar(2.0, sym="y")
    out = (x * y).sin() + x ** 2 / y
    assert grad_expr(out, wrt=[x, y]) == grad_expr(out, wrt=[x, y], backend="sympy")


def test_an_unknown_backend_is_refused_by_name():
    with pytest.raises(InputError, match="'sympy', or 'symengine'|not 'numpy'"):
        grad_expr(Scalar(1.0, sym="x") * 2, backend="numpy")


def test_without_symengine_auto_uses_sympy_and_symengine_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "symengine", None)  # import symengine now fails
    monkeypatch.delitem(sys.modules, "nanograd.symbolic.symengine_algebra")
    monkeypatch.delattr(nanograd.symbolic, "symengine_algebra")
    loss, params = _mlp_loss()
    assert grad_expr(loss, wrt=params[0]) == grad_expr(loss, wrt=params[0], backend="sympy")
    with pytest.raises(ImportError, match=r"nanograd\[symengine\]"):
        grad_expr(loss, wrt=params[0], backend="symengine")
