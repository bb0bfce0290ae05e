"""from_sympy: from a sympy expression to a Scalar graph, and back again with node.expr.

Oracles: sympy's own value and sympy.diff of the input expression, and plain `math`.
"""
from __future__ import annotations

import math

import pytest
import sympy

import nanograd
from nanograd import Scalar
from nanograd.core import topological_order
from nanograd.teaching import worked_example

X, Y, Z = sympy.symbols("x y z", real=True)
VALUES = {X: 1.3, Y: 0.7, Z: -0.4}


def at(expr, values: dict) -> float:
    subs = {s: sympy.Float(v, 30) for s, v in values.items()}
    return float(sympy.sympify(expr).subs(subs).evalf(30))


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def op_names(out: Scalar) -> set[str]:
    return {n.op.name for n in topological_order(out) if n.op is not None}


# expression, the op the output node must be (None: any), a point inside the domain
CASES = [
    (X * Y + sympy.sin(X), "add"),
    (X - 2 * Y, None),
    (X / 3, "div"),
    (-X / (2 * Y), None),
    (0.5 * X * Y, None),
    (sympy.sqrt(Y), "sqrt"),
    (X ** sympy.Rational(1, 3), "pow"),
    (X ** sympy.Rational(3, 2), "pow"),
    (X ** 2, "pow"),
    (X ** 2.5, "pow"),
    (X ** -2, None),
    (X ** -sympy.Rational(1, 2), None),
    (X ** -1.5, None),
    (1 / (X * Y), None),
    (X ** Y, "pow"),
    (X ** -Y, "pow"),
    (2 ** X, "pow"),
    (sympy.pi ** (X * Y), "pow"),
    (sympy.exp(X * Z), "exp"),
    (sympy.log(X + Y), "log"),
    (sympy.log(X, 10), "log10"),
    (sympy.log(X * Y, 2), "log2"),
    (sympy.log(X, Y), None),
    (sympy.tanh(Z) * sympy.cos(X), "mul"),
    (sympy.Abs(Z), "abs"),
    (sympy.Abs(X - Y), "abs"),
    (sympy.Max(0, X - 2 * Y), "relu"),
    (sympy.Max(0, Z), "relu"),
    (sympy.Heaviside(X - 1, 0), "heaviside"),
    (sympy.sign(Z), "sign"),
    (sympy.pi * X + sympy.E + sympy.log(10) * Y, "add"),
    (1 / (1 + sympy.exp(-Z)), None),
    (sympy.cos(X) ** 2 / (1 + Y ** 2), "div"),
    (sympy.sin(X * Y) + sympy.cos(X * Y) * sympy.sin(X * Y), "add"),
    (sympy.sqrt(X ** 2 + Y ** 2) * sympy.exp(-Z ** 2 / 2) / sympy.sqrt(2 * sympy.pi), None),
]


@pytest.mark.parametrize("expr, op", CASES, ids=[str(c[0]) for c in CASES])
def test_from_sympy_computes_the_expression_and_its_gradients(expr, op):
    values = {s: VALUES[s] for s in expr.free_symbols}
    out, leaves = nanograd.from_sympy(expr, values)
    assert isinstance(out, Scalar)
    assert set(leaves) == expr.free_symbols
    for s, leaf in leaves.items():
        assert isinstance(leaf, Scalar) and leaf.is_leaf
        assert leaf.data == values[s]
    if op is not None:
        assert out.op.name == op
    assert close(out.data, at(expr, values))
    assert out.expr == expr  # structurally the same expression back
    out.backward()
    for s, leaf in leaves.items():
        assert close(leaf.grad, at(sympy.diff(expr, s), values), rel=1e-9), s


def test_exact_exponents_stay_exact():
    out, _ = nanograd.from_sympy(sympy.sqrt(Y), {Y: 2.0})
    assert out.op.name == "sqrt"
    assert out.expr == sympy.sqrt(Y)
    assert out.expr != Y ** 0.5
    out, _ = nanograd.from_sympy(X ** sympy.Rational(1, 3), {X: 8.0})
    assert out.expr.exp == sympy.Rational(1, 3) and out.expr.exp.is_Rational
    assert close(out.data, 2.0, rel=1e-15)
    out, _ = nanograd.from_sympy(X / 3, {X: 1.0})
    assert out.expr == sympy.Rational(1, 3) * X
    assert out.expr.free_symbols == {X} and not out.expr.atoms(sympy.Float)
    out, _ = nanograd.from_sympy(X ** -sympy.Rational(1, 2), {X: 4.0})
    assert out.expr == 1 / sympy.sqrt(X) and not out.expr.atoms(sympy.Float)
    assert out.data == 0.5
    # and floats stay floats
    out, _ = nanograd.from_sympy(Y ** 0.5, {Y: 2.0})
    assert out.expr == Y ** 0.5 and out.expr != sympy.sqrt(Y)


def test_log_in_base_10_and_2_are_their_own_nodes():
    out, leaves = nanograd.from_sympy(sympy.log(X, 10), {X: 1000.0})
    assert out.op.name == "log10" and out.inputs == (leaves[X],)
    assert close(out.data, 3.0, rel=1e-15)
    out, leaves = nanograd.from_sympy(sympy.log(X, 2), {X: 8.0})
    assert out.op.name == "log2" and out.inputs == (leaves[X],)
    assert out.data == 3.0
    # inside a bigger expression too
    out, _ = nanograd.from_sympy(sympy.sin(sympy.log(X, 10)) + Y, {X: 50.0, Y: 1.0})
    assert "log10" in op_names(out)
    assert close(out.data, math.sin(math.log10(50.0)) + 1.0)


def test_each_function_maps_to_its_op():
    expected = {
        sympy.exp(X): "exp", sympy.log(X): "log", sympy.sqrt(X): "sqrt", sympy.tanh(X): "tanh",
        sympy.sin(X): "sin", sympy.cos(X): "cos", sympy.Abs(X): "abs", sympy.Max(0, X): "relu",
        sympy.Max(X, 0): "relu", sympy.Heaviside(X, 0): "heaviside", sympy.sign(X): "sign",
    }
    for expr, name in expected.items():
        out, leaves = nanograd.from_sympy(expr, {X: 0.8})
        assert out.op.name == name and out.inputs == (leaves[X],), expr


def test_constants_are_constant_leaves_not_variables():
    expr = sympy.pi * X + sympy.E + sympy.log(10) * Y
    out, leaves = nanograd.from_sympy(expr, {X: 2.0, Y: 3.0})
    assert close(out.data, math.pi * 2 + math.e + math.log(10) * 3)
    assert set(leaves) == {X, Y}
    grads = nanograd.grad_expr(out)
    assert set(grads) == {leaves[X], leaves[Y]}
    assert grads[leaves[X]] == sympy.pi and grads[leaves[Y]] == sympy.log(10)
    assert set(nanograd.leaf_values(out)) == {X, Y}


@pytest.mark.parametrize("expr, value", [(sympy.Integer(3), 3.0), (sympy.pi, math.pi),
                                         (sympy.Rational(2, 3), 2 / 3), (sympy.log(10), math.log(10))])
def test_an_expression_without_symbols_is_a_constant_graph(expr, value):
    out, leaves = nanograd.from_sympy(expr, {})
    assert leaves == {}
    assert close(out.data, value, rel=1e-15)
    assert out.expr == expr
    assert nanograd.grad_expr(out) == {}


def test_values_by_symbol_or_by_name():
    expr = X * sympy.exp(Y) - Z
    for values in ({X: 1.0, Y: 2.0, Z: 3.0}, {"x": 1.0, "y": 2.0, "z": 3.0}, {X: 1.0, "y": 2.0, "z": 3.0}):
        out, leaves = nanograd.from_sympy(expr, values)
        assert [leaves[s].data for s in (X, Y, Z)] == [1.0, 2.0, 3.0]
        assert close(out.data, math.exp(2.0) - 3.0)


def test_leaves_keep_the_given_symbols_exactly():
    t = sympy.Symbol("t", positive=True)
    u = sympy.Symbol("u")  # no assumptions at all
    expr = t * sympy.sin(u) + X
    out, leaves = nanograd.from_sympy(expr, {"t": 2.0, "u": 0.5, "x": 1.0})
    assert set(leaves) == {t, u, X}
    assert leaves[t].expr == t and leaves[u].expr == u
    assert out.expr == expr
    assert set(nanograd.grad_expr(out)) == set(leaves.values())


def test_a_repeated_symbol_is_one_leaf():
    out, leaves = nanograd.from_sympy(X * sympy.sin(X) + X ** 2, {X: 0.9})
    assert sum(1 for n in topological_order(out) if n.is_leaf and n.expr == X) == 1
    out.backward()
    assert close(leaves[X].grad, math.sin(0.9) + 0.9 * math.cos(0.9) + 1.8)


@pytest.mark.parametrize("expr, name", [
    (sympy.besselj(0, X), "besselj"),
    (sympy.gamma(X), "gamma"),
    (sympy.floor(X), "floor"),
    (sympy.sin(sympy.gamma(X)) + X, "gamma"),
    (sympy.erf(X), "erf"),
    (sympy.Min(0, X), "Min"),
    (sympy.Max(1, X), "Max"),
])
def test_functions_outside_the_table_are_refused_by_name(expr, name):
    with pytest.raises(nanograd.UnsupportedExpressionError, match=name):
        nanograd.from_sympy(expr, {X: 0.5})


def test_a_missing_value_is_refused():
    with pytest.raises(KeyError, match="y"):
        nanograd.from_sympy(X * Y, {X: 1.0})


# -- round trips ------------------------------------------------------------------------------

def _graph_all_ops():
    x = Scalar(0.8, label="x")
    y = Scalar(-0.35, label="y")
    z = Scalar(1.7, label="z")
    p = Scalar(math.pi, sym=sympy.pi)
    out = x
    for name, op in nanograd.OPS.items():
        if op.arity == 1:
            arg = {"log": z, "log10": z, "log2": x, "sqrt": z, "acosh": z}.get(name, y)
            out = out + getattr(arg, name)()
    out = (out * x - y / 2 + z ** x + 2 ** y + p * y + z.log(7) + z.log(x)) / (z - x * 0.5) + x ** 3
    return out, [x, y, z]


def _graph_worked_example():
    m = worked_example()
    return m, [n for n in topological_order(m) if n.is_leaf]


def _graph_unlabelled():
    a, b, c = Scalar(0.3), Scalar(-1.2), Scalar(2.5)
    out = ((a * b + c).tanh() * a.exp() + abs(b) ** 1.5).sigmoid() / c.log2()
    return out, [a, b, c]


def _graph_mixed():
    t = sympy.Symbol("t", positive=True)
    a = Scalar(0.6, sym=t)
    b = Scalar(1.4, sym="b")
    c = Scalar(-0.9, label="c")
    out = (a ** b + c.relu() * b.sqrt() - (a * c).sin() ** 2) * Scalar(1 / 3, sym=sympy.Rational(1, 3))
    return out, [a, b, c]


GRAPHS = {"all_ops": _graph_all_ops, "worked_example": _graph_worked_example,
          "unlabelled": _graph_unlabelled, "mixed": _graph_mixed}


@pytest.mark.parametrize("name", GRAPHS)
def test_round_trip_gives_the_same_value_and_gradients(name):
    out, leaves = GRAPHS[name]()
    out.backward()
    values = nanograd.leaf_values(out)
    again, new_leaves = nanograd.from_sympy(out.expr, values)
    assert close(again.data, out.data, rel=1e-12)
    again.backward()
    symbol_of = {leaf: leaf.expr for leaf in leaves}  # a variable leaf's expr is its symbol
    assert set(new_leaves) == set(symbol_of.values()) == set(values)
    for leaf in leaves:
        assert close(new_leaves[symbol_of[leaf]].grad, leaf.grad, rel=1e-9), leaf


@pytest.mark.parametrize("name", ["all_ops", "worked_example", "mixed"])
def test_round_trip_gives_the_same_expression(name):
    out, _ = GRAPHS[name]()
    again, _ = nanograd.from_sympy(out.expr, nanograd.leaf_values(out))
    assert again.expr == out.expr


def test_round_trip_of_unlabelled_leaves_gives_the_same_expression():
    out, _ = _graph_unlabelled()
    again, leaves = nanograd.from_sympy(out.expr, nanograd.leaf_values(out))
    assert again.expr == out.expr
    for s, leaf in leaves.items():
        assert leaf.expr == s


# -- deep expressions -------------------------------------------------------------------------

def _nested_sin(n: int):
    e = X
    for _ in range(n):
        e = sympy.sin(e, evaluate=False)  # sympy's own evaluation recurses on deep arguments
    return e


def _nested_sin_reference(n: int, x0: float) -> tuple[float, float]:
    v, d = x0, 1.0
    for _ in range(n):
        d *= math.cos(v)
        v = math.sin(v)
    return v, d


def _same_tree(a, b) -> bool:
    """Structural equality without recursion."""
    stack = [(a, b)]
    while stack:
        p, q = stack.pop()
        if p is q:
            continue
        if p.func != q.func or len(p.args) != len(q.args):
            return False
        if not p.args and p != q:
            return False
        stack.extend(zip(p.args, q.args))
    return True


@pytest.mark.parametrize("n, rel", [(200, 1e-12), (2500, 1e-9)])
def test_from_sympy_on_deeply_nested_sin(n, rel):
    out, leaves = nanograd.from_sympy(_nested_sin(n), {X: 0.5})
    value, slope = _nested_sin_reference(n, 0.5)
    assert close(out.data, value, rel=rel)
    out.backward()
    assert close(leaves[X].grad, slope, rel=rel)
    assert _same_tree(out.expr, _nested_sin(n))
