"""The functions a calculus course differentiates, as rows of the table: trig and its inverses,
hyperbolic functions and theirs, the real cube root and logarithms to any base.

Oracles: sympy's own functions differentiated by sympy.diff and evaluated by mpmath at 30
digits, central finite differences, and PyTorch (optional) where it has the function.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import pytest
import sympy

import nanograd
from nanograd import OPS, DivisionByZeroError, DomainError, NonFiniteError, Scalar
from nanograd.calculus.parse import FUNCTIONS, parse

X = sympy.Symbol("x", real=True)
B = sympy.Symbol("b", real=True)

# row name -> (sympy's own function, points inside the domain, both signs where defined)
UNARY = {
    "tan": (sympy.tan, (-1.4, -0.3, 0.7, 1.5)),
    "cot": (sympy.cot, (-3.0, -0.2, 0.9, 3.1)),
    "sec": (sympy.sec, (-1.4, -0.3, 0.7, 2.0)),
    "csc": (sympy.csc, (-3.0, -0.2, 0.9, 3.1)),
    "asin": (sympy.asin, (-0.99, -0.3, 0.5, 0.999)),
    "acos": (sympy.acos, (-0.999, -0.3, 0.5, 0.99)),
    "atan": (sympy.atan, (-40.0, -0.3, 0.5, 7.0)),
    "sinh": (sympy.sinh, (-5.0, -0.3, 0.5, 20.0)),
    "cosh": (sympy.cosh, (-5.0, -0.3, 0.5, 20.0)),
    "coth": (sympy.coth, (-5.0, -0.01, 0.5, 25.0)),
    "sech": (sympy.sech, (-5.0, -0.3, 0.5, 30.0)),
    "csch": (sympy.csch, (-5.0, -0.01, 0.5, 30.0)),
    "asinh": (sympy.asinh, (-50.0, -0.3, 0.5, 1e6)),
    "acosh": (sympy.acosh, (1.0 + 1e-9, 1.01, 2.5, 1e6)),
    "atanh": (sympy.atanh, (-0.999, -0.3, 0.5, 0.99)),
    "cbrt": (lambda x: sympy.real_root(x, 3), (-27.0, -0.3, 0.5, 8.0)),
}
TORCH_NAMES = ("tan", "asin", "acos", "atan", "sinh", "cosh", "asinh", "acosh", "atanh")


def close(a: float, b: float, rel: float = 1e-12, abs_: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def exact(expr, **values: float) -> float:
    """`expr` at `values` by sympy and mpmath at 30 digits: no nanograd code involved."""
    with mpmath.workdps(30):
        return float(expr.evalf(30, subs={sympy.Symbol(k, real=True): v for k, v in values.items()}))


def central_difference(f, x: float) -> float:
    h = 1e-6 * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def test_every_new_row_is_in_the_table():
    assert set(UNARY) | {"logb"} <= set(OPS)


# -- values and slopes against sympy/mpmath, finite differences and PyTorch ----------------------

@pytest.mark.parametrize("name", UNARY)
def test_value_and_slope_match_sympy_at_30_digits(name):
    function, points = UNARY[name]
    derivative = sympy.diff(function(X), X).replace(sympy.DiracDelta, lambda *args: 0)
    for x in points:
        leaf = Scalar(x, label="x")
        out = getattr(leaf, name)()
        out.backward()
        assert close(out.data, exact(function(X), x=x), rel=4e-16), (name, x)
        # 1e-12: near an edge (asin at 0.999) the slope amplifies the input's own rounding
        assert close(leaf.grad, exact(derivative, x=x), rel=1e-12), (name, x, leaf.grad)


@pytest.mark.parametrize("name", UNARY)
def test_slope_matches_central_differences(name):
    for x in UNARY[name][1][1:3]:  # the inner points: well inside the domain, curvature small
        leaf = Scalar(x)
        getattr(leaf, name)().backward()
        fd = central_difference(lambda t: getattr(Scalar(t), name)().data, x)
        assert close(leaf.grad, fd, rel=1e-6), (name, x, leaf.grad, fd)


@pytest.mark.parametrize("name", TORCH_NAMES)
def test_slope_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    for x in UNARY[name][1]:
        leaf = Scalar(x)
        out = getattr(leaf, name)()
        out.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        tout = getattr(torch, name)(t)
        tout.backward()
        assert close(out.data, tout.item(), rel=1e-14), (name, x)
        assert close(leaf.grad, t.grad.item(), rel=1e-9), (name, x)


@pytest.mark.parametrize("name", UNARY)
def test_symbolic_backprop_is_sympy_diff_in_closed_form(name):
    function, points = UNARY[name]
    leaf = Scalar(points[2], label="x")
    out = getattr((leaf * 2 + 1) / 3, name)()  # through the chain rule
    expected = sympy.diff(function((X * 2 + 1) / 3), X).replace(sympy.DiracDelta, lambda *a: 0)
    assert sympy.simplify(nanograd.grad_expr(out, wrt=leaf) - expected) == 0


# -- the cube root ----------------------------------------------------------------------------

def test_cbrt_is_the_real_cube_root_exact_on_cubes():
    for k in range(-30, 31):
        assert Scalar(float(k ** 3)).cbrt().data == float(k)
    assert Scalar(-0.0).cbrt().data == 0.0
    for x in (-1e300, -7.0, -1e-300, 5e-324, 3.0, 1e308):
        expected = float(mpmath.sign(x) * mpmath.root(abs(x), 3))
        assert close(Scalar(x).cbrt().data, expected, rel=3e-16), x


def test_cbrt_slope_at_negative_x_and_its_infinite_slope_at_zero():
    x = Scalar(-8.0, label="x")
    x.cbrt().backward()
    assert close(x.grad, 1 / 12, rel=1e-15)  # 1 / (3 cbrt(-8)**2)
    zero = Scalar(0.0, label="x")
    with pytest.raises(DivisionByZeroError, match=r"derivative of cbrt\(x = 0\.0\).*infinite"):
        zero.cbrt().backward()


# -- logarithms to a base ---------------------------------------------------------------------

def test_log_to_a_constant_base_keeps_the_base_exact():
    x = Scalar(49.0, label="x")
    out = x.log(7)
    assert close(out.data, 2.0, rel=1e-15)
    assert out.op is OPS["logb"] and out.inputs[1] == 7 and type(out.inputs[1]) is int
    out.backward()
    assert close(x.grad, 1 / (49 * math.log(7)), rel=1e-15)
    assert out.expr == sympy.log(sympy.Symbol("x", real=True)) / sympy.log(7)
    assert x.logb(7).data == out.data and x.ln(7).data == out.data
    assert Scalar(8.0).log(Fraction(1, 2)).data == pytest.approx(-3.0, rel=1e-15)


def test_log_to_a_variable_base_against_finite_differences_and_pytorch():
    for xv, bv in ((3.0, 0.5), (0.4, 2.5), (10.0, 1.3)):
        x, b = Scalar(xv), Scalar(bv)
        x.log(b).backward()
        assert close(x.grad, 1 / (xv * math.log(bv)), rel=1e-14)
        fd = central_difference(lambda t: Scalar(xv).log(t).data, bv)
        assert close(b.grad, fd, rel=1e-6), (xv, bv, b.grad, fd)
        torch = pytest.importorskip("torch")
        tx, tb = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (xv, bv))
        (torch.log(tx) / torch.log(tb)).backward()
        assert close(x.grad, tx.grad.item(), rel=1e-12) and close(b.grad, tb.grad.item(), rel=1e-12)


def test_from_sympy_reads_sympys_log_to_a_base():
    for base, row in ((7, "logb"), (sympy.Rational(3, 2), "logb"), (sympy.pi, "logb"),
                      (10, "log10"), (2, "log2")):
        out, leaves = nanograd.from_sympy(sympy.log(X, base), {X: 5.0})
        assert out.op is OPS[row], base
        assert close(out.data, math.log(5.0) / float(sympy.log(base).evalf()), rel=1e-15)
    out, _ = nanograd.from_sympy(sympy.log(X) / sympy.log(B), {X: 5.0, B: 3.0})
    assert out.op is OPS["logb"] and close(out.data, math.log(5.0, 3.0), rel=1e-15)


# -- from_sympy and the parser reach every new row -------------------------------------------

@pytest.mark.parametrize("name", UNARY)
def test_from_sympy_reads_sympys_function_as_the_row(name):
    function, points = UNARY[name]
    out, leaves = nanograd.from_sympy(function(X), {X: points[1]})
    assert out.op is OPS[name] and out.inputs == (leaves[X],)
    out.backward()
    derivative = sympy.diff(function(X), X).replace(sympy.DiracDelta, lambda *args: 0)
    assert close(leaves[X].grad, exact(derivative, x=points[1]), rel=1e-12)


@pytest.mark.parametrize("alias, name", [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                                         ("arsinh", "asinh"), ("arcsinh", "asinh"),
                                         ("arcosh", "acosh"), ("arccosh", "acosh"),
                                         ("artanh", "atanh"), ("arctanh", "atanh"), ("ln", "log")])
def test_aliases_are_the_same_row_for_the_parser_and_as_methods(alias, name):
    assert FUNCTIONS[alias] == name
    value = 1.5 if name == "acosh" else 0.5
    out, _ = parse(f"{alias}(x)").graph({"x": value})
    assert out.op is OPS[name]
    assert getattr(Scalar(value), alias)().op is OPS[name]


def test_no_alias_is_the_name_of_another_row():
    aliases = [a for op in OPS.values() for a in op.aliases]
    assert len(aliases) == len(set(aliases)) and not set(aliases) & set(OPS)


# -- errors at the domain's edges name the operation and the value ---------------------------

@pytest.mark.parametrize("build, error, text", [
    (lambda x: x.asin(), DomainError, r"asin\(x = 1\.5\): outside the domain of asin \(-1 <= x <= 1"),
    (lambda x: x.acos(), DomainError, r"acos\(x = 1\.5\): outside the domain of acos \(-1 <= x <= 1"),
    (lambda x: x.atanh(), DomainError, r"atanh\(x = 1\.5\): outside the domain of atanh \(-1 < x < 1"),
    (lambda x: (x - 1).acosh(), DomainError, r"acosh\(0\.5\): outside the domain of acosh \(x >= 1"),
    (lambda x: (x - 1.5).coth(), DivisionByZeroError, r"coth\(0\.0\): division by zero"),
    (lambda x: (x - 1.5).csch(), DivisionByZeroError, r"csch\(0\.0\): division by zero"),
    (lambda x: (x - 1.5).cot(), DivisionByZeroError, r"cot\(0\.0\): division by zero"),
    (lambda x: (x - 1.5).csc(), DivisionByZeroError, r"csc\(0\.0\): division by zero"),
    (lambda x: (x * 1000).cosh(), NonFiniteError, r"cosh\(1500\.0\): the result is too large"),
    (lambda x: (x * 1000).sinh(), NonFiniteError, r"sinh\(1500\.0\): the result is too large"),
    (lambda x: (-x).log(2), DomainError, r"logb\(-1\.5, 2\): outside the domain of logb \(x > 0"),
    (lambda x: x.log(1), DivisionByZeroError, r"logb\(x = 1\.5, 1\): division by zero"),
    (lambda x: x.log(-2), DomainError, r"logb\(x = 1\.5, -2\): outside the domain"),
])
def test_errors_at_the_domain_edges_name_the_op_and_the_value(build, error, text):
    x = Scalar(1.5, label="x")
    with pytest.raises(error, match=text):
        build(x)


@pytest.mark.parametrize("name, x", [("asin", 1.0), ("asin", -1.0), ("acos", 1.0), ("acosh", 1.0)])
def test_an_infinite_slope_at_the_edge_is_a_division_by_zero_named(name, x):
    leaf = Scalar(x, label="x")
    out = getattr(leaf, name)()  # the value is defined there
    assert math.isfinite(out.data)
    with pytest.raises(DivisionByZeroError, match=rf"derivative of {name}\(x = {x}\).*infinite"):
        out.backward()


# -- accuracy where a naive formula loses it --------------------------------------------------

@pytest.mark.parametrize("name, x", [
    ("acosh", 1 + 2 ** -40),  # x**2 - 1 would cancel; (x - 1)(x + 1) does not
    ("asin", 1 - 2 ** -40), ("acos", -1 + 2 ** -40), ("atanh", 1 - 2 ** -40),
    ("coth", 30.0),  # 1 - coth**2 is 0.0 in floats; -csch**2 is not
    ("sech", 700.0), ("csch", -700.0), ("asinh", 1e200),  # 1 + x**2 overflows
])
def test_slopes_stay_accurate_where_naive_formulas_cancel_or_overflow(name, x):
    function = UNARY[name][0]
    leaf = Scalar(x)
    out = getattr(leaf, name)()
    out.backward()
    with mpmath.workdps(50):
        expected = float(sympy.diff(function(X), X).evalf(50, subs={X: sympy.Float(x, 50)}))
        value = float(function(X).evalf(50, subs={X: sympy.Float(x, 50)}))
    assert expected != 0.0
    assert close(out.data, value, rel=1e-15)
    assert close(leaf.grad, expected, rel=1e-9), (name, x, leaf.grad, expected)
