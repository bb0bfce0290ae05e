"""Every operation of the table `nanograd.OPS`: forward values and gradients.

The tests iterate over the table, so a new row is checked automatically: its gradient against
central finite differences, at several points where it is defined, with Scalars and constants.
Expected values come from `math`, from derivatives worked out by hand, or from finite differences;
never from nanograd's own output.
"""
from __future__ import annotations

import itertools
import math
import operator

import mpmath
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from torch_counterparts import torch_ops

import nanograd
from nanograd import OPS, NanogradError, Op, Scalar, topological_order

UNARY = sorted(name for name, op in OPS.items() if op.arity == 1)
BINARY = sorted(name for name, op in OPS.items() if op.arity == 2)

# How Python code reaches each binary row of the table.
BINARY_OPERATORS = {
    "add": operator.add, "sub": operator.sub, "mul": operator.mul,
    "div": operator.truediv, "pow": operator.pow,
}

# Independent forward references (plain math / Python floats).
REFERENCE = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x ** y,
    "neg": lambda x: -x,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "log2": math.log2,
    "sqrt": math.sqrt,
    "tanh": math.tanh,
    "sigmoid": lambda x: 1.0 / (1.0 + math.exp(-x)),
    "relu": lambda x: x if x > 0 else 0.0,
    "sin": math.sin,
    "cos": math.cos,
    "abs": abs,
    "heaviside": lambda x: 1.0 if x > 0 else 0.0,
    "sign": lambda x: 1.0 if x > 0 else (-1.0 if x < 0 else 0.0),
    # mpmath where math lacks the function (mpmath's cbrt is complex for x < 0, hence root)
    **{name: getattr(math, name) for name in ("tan", "asin", "acos", "atan", "sinh", "cosh",
                                              "asinh", "acosh", "atanh")},
    **{name: lambda x, name=name: float(getattr(mpmath, name)(x))
       for name in ("cot", "sec", "csc", "coth", "sech", "csch")},
    "cbrt": lambda x: float(mpmath.sign(x) * mpmath.root(abs(x), 3)),
    "logb": lambda x, y: float(mpmath.log(x, y)),
}

# Sample points: none at 0 (the kinks of relu and abs), none at an integer, both signs.
UNARY_POINTS = (-2.7, -1.3, -0.45, 0.35, 0.8, 1.6, 2.45, 3.9)
BINARY_POINTS = (-2.7, -0.45, 0.35, 1.6, 3.9)
CONSTANTS = (2, 3, -1, 0.5, -2.5, 1.7)


def apply(name: str, *args):
    """Apply the table's op `name` the way a user would: a method, an operator or builtin."""
    op = OPS[name]
    if op.arity == 1:
        (x,) = args
        return getattr(x, name)()
    if name in BINARY_OPERATORS:
        return BINARY_OPERATORS[name](*args)
    method = getattr(Scalar, name, None)
    if method is None:
        pytest.fail(f"binary op {name!r} of the table is reachable by no operator and no method")
    a, b = args
    if not isinstance(a, Scalar):  # no reflected method: the generic way in
        return nanograd.apply(op, a, b)
    return method(a, b)


def central_difference(f, x: float) -> float:
    h = 1e-6 * max(1.0, abs(x))
    return (f(x + h) - f(x - h)) / (2 * h)


def close(actual: float, expected: float, rel: float = 1e-5, abs_: float = 1e-8) -> bool:
    return math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_)


def gradient_case(name: str, values: tuple, is_scalar: tuple):
    """[(position, backprop gradient, finite difference)], or None outside the op's domain."""

    def build(vals):
        leaves = [Scalar(v) if s else v for v, s in zip(vals, is_scalar)]
        return apply(name, *leaves), leaves

    try:
        out, leaves = build(values)
        out.backward()
    except NanogradError:
        return None  # outside the domain: the error tests cover that
    results = []
    for position, (value, scalar) in enumerate(zip(values, is_scalar)):
        if not scalar:
            continue

        def f(t, position=position):
            vals = list(values)
            vals[position] = t
            return build(vals)[0].data

        try:
            fd = central_difference(f, value)
        except NanogradError:
            return None  # too close to the domain's edge for a finite difference
        results.append((position, leaves[position].grad, fd))
    return results


def check_cases(name: str, cases) -> None:
    checked = 0
    for values, is_scalar in cases:
        results = gradient_case(name, values, is_scalar)
        if results is None:
            continue
        checked += 1
        for position, grad, fd in results:
            assert close(grad, fd), (
                f"{name}{values} (scalars {is_scalar}): d/d input {position} is {grad}, "
                f"finite differences give {fd}")
    assert checked >= 3, f"{name}: only {checked} sample points were inside the domain"


# -- the table itself ---------------------------------------------------------------------------

def test_table_is_not_empty_and_has_the_documented_ops():
    assert set(REFERENCE) <= set(OPS), set(REFERENCE) - set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
def test_table_row_is_well_formed(name):
    op = OPS[name]
    assert isinstance(op, Op)
    assert op.name == name
    assert op.arity in (1, 2)
    assert op.arity == len(op.partials)
    assert isinstance(op.symbol, str) and op.symbol
    assert isinstance(op.domain, str) and op.domain


@pytest.mark.parametrize("name", UNARY)
def test_unary_op_is_a_scalar_method_building_a_node(name):
    x = Scalar(2.0 if name == "acosh" else 0.8, label="x")  # acosh needs x >= 1
    out = getattr(x, name)()
    assert isinstance(out, Scalar)
    assert out.op is OPS[name]
    assert out.inputs == (x,) and out.inputs[0] is x
    assert out.grad == 0.0
    assert not out.is_leaf and x.is_leaf


@pytest.mark.parametrize("name", BINARY)
def test_binary_op_builds_a_node_with_operands_in_written_order(name):
    x, y = Scalar(1.6, label="x"), Scalar(0.35, label="y")
    out = apply(name, x, y)
    assert out.op is OPS[name]
    assert out.inputs[0] is x and out.inputs[1] is y
    left = apply(name, 3, y)
    assert left.inputs[0] == 3 and type(left.inputs[0]) is int and left.inputs[1] is y
    right = apply(name, x, 3)
    assert right.inputs[0] is x and right.inputs[1] == 3 and type(right.inputs[1]) is int


# -- forward values against math ----------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_matches_math(name):
    if name not in REFERENCE:
        pytest.skip(f"no independent reference for the new op {name!r}")
    ref = REFERENCE[name]
    op = OPS[name]
    points = ([(x,) for x in UNARY_POINTS] if op.arity == 1
              else list(itertools.product(BINARY_POINTS, repeat=2)) + [(-1.5, 2), (-1.5, 3)])
    checked = 0
    for args in points:
        try:
            out = apply(name, *map(Scalar, args))
        except NanogradError:
            continue
        expected = ref(*args)
        assert isinstance(out.data, float)
        assert math.isclose(out.data, expected, rel_tol=1e-12, abs_tol=1e-300), (name, args)
        checked += 1
    assert checked >= 3


# -- gradients against central finite differences -----------------------------------------------

@pytest.mark.parametrize("name", UNARY)
def test_unary_gradient_matches_finite_differences(name):
    check_cases(name, [((x,), (True,)) for x in UNARY_POINTS])


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradient_scalar_with_scalar(name):
    pairs = list(itertools.product(BINARY_POINTS, repeat=2)) + [(-1.5, 2.0), (-1.5, 3.0)]
    check_cases(name, [(pair, (True, True)) for pair in pairs])


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradient_constant_on_the_left(name):
    check_cases(name, [((c, x), (False, True)) for c in CONSTANTS for x in BINARY_POINTS])


@pytest.mark.parametrize("name", BINARY)
def test_binary_gradient_constant_on_the_right(name):
    check_cases(name, [((x, c), (True, False)) for x in BINARY_POINTS for c in CONSTANTS])


# -- derivatives known by hand ------------------------------------------------------------------

LN2, LN10 = math.log(2.0), math.log(10.0)

HAND_KNOWN = [
    # (id, f, x, f(x), f'(x))
    ("tanh'(0)=1", lambda x: x.tanh(), 0.0, 0.0, 1.0),
    ("tanh'(1)=1-tanh^2", lambda x: x.tanh(), 1.0, math.tanh(1.0), 1 - math.tanh(1.0) ** 2),
    ("x**3 at 2", lambda x: x ** 3, 2.0, 8.0, 12.0),
    ("x**3 at -2", lambda x: x ** 3, -2.0, -8.0, 12.0),
    ("x**2 at 0", lambda x: x ** 2, 0.0, 0.0, 0.0),
    ("x**1 at 0", lambda x: x ** 1, 0.0, 0.0, 1.0),
    ("x**0.5 at 4", lambda x: x ** 0.5, 4.0, 2.0, 0.25),
    ("x**-1 at 2", lambda x: x ** -1, 2.0, 0.5, -0.25),
    ("sigmoid'(0)=0.25", lambda x: x.sigmoid(), 0.0, 0.5, 0.25),
    ("sigmoid(-1000) no overflow", lambda x: x.sigmoid(), -1000.0, 0.0, 0.0),
    ("sigmoid(1000) no overflow", lambda x: x.sigmoid(), 1000.0, 1.0, 0.0),
    ("relu'(0)=0", lambda x: x.relu(), 0.0, 0.0, 0.0),
    ("relu'(-1.5)=0", lambda x: x.relu(), -1.5, 0.0, 0.0),
    ("relu'(2)=1", lambda x: x.relu(), 2.0, 2.0, 1.0),
    ("abs'(0)=0", lambda x: x.abs(), 0.0, 0.0, 0.0),
    ("abs'(-3)=-1", lambda x: x.abs(), -3.0, 3.0, -1.0),
    ("abs'(2.5)=1", lambda x: x.abs(), 2.5, 2.5, 1.0),
    ("builtin abs(x)", lambda x: abs(x), -3.0, 3.0, -1.0),
    ("builtin abs at 0", lambda x: abs(x), 0.0, 0.0, 0.0),
    ("log'(4)=1/4", lambda x: x.log(), 4.0, math.log(4.0), 0.25),
    ("ln'(e)=1/e", lambda x: x.ln(), math.e, 1.0, 1 / math.e),
    ("log10'(5)=1/(5 ln10)", lambda x: x.log10(), 5.0, math.log10(5.0), 1 / (5 * LN10)),
    ("log10'(100)", lambda x: x.log10(), 100.0, 2.0, 1 / (100 * LN10)),
    ("log2'(8)=1/(8 ln2)", lambda x: x.log2(), 8.0, 3.0, 1 / (8 * LN2)),
    ("sqrt'(4)=1/4", lambda x: x.sqrt(), 4.0, 2.0, 0.25),
    ("sqrt'(9)=1/6", lambda x: x.sqrt(), 9.0, 3.0, 1 / 6),
    ("exp'(0)=1", lambda x: x.exp(), 0.0, 1.0, 1.0),
    ("exp'(1)=e", lambda x: x.exp(), 1.0, math.e, math.e),
    ("sin'(0)=1", lambda x: x.sin(), 0.0, 0.0, 1.0),
    ("sin'(pi)=-1", lambda x: x.sin(), math.pi, 0.0, -1.0),
    ("cos'(0)=0", lambda x: x.cos(), 0.0, 1.0, 0.0),
    ("cos'(pi/2)=-1", lambda x: x.cos(), math.pi / 2, 0.0, -1.0),
    ("sign'(-2)=0", lambda x: x.sign(), -2.0, -1.0, 0.0),
    ("sign(0)=0", lambda x: x.sign(), 0.0, 0.0, 0.0),
    ("sign'(3)=0", lambda x: x.sign(), 3.0, 1.0, 0.0),
    ("heaviside(0)=0", lambda x: x.heaviside(), 0.0, 0.0, 0.0),
    ("heaviside'(2)=0", lambda x: x.heaviside(), 2.0, 1.0, 0.0),
    ("heaviside'(-2)=0", lambda x: x.heaviside(), -2.0, 0.0, 0.0),
    ("-x", lambda x: -x, 3.0, -3.0, -1.0),
    ("+x", lambda x: +x, 3.0, 3.0, 1.0),
    ("2 * x", lambda x: 2 * x, 3.0, 6.0, 2.0),
    ("x * 2", lambda x: x * 2, 3.0, 6.0, 2.0),
    ("2 ** x", lambda x: 2 ** x, 3.0, 8.0, 8 * LN2),
    ("x ** 2", lambda x: x ** 2, 3.0, 9.0, 6.0),
    ("3 - x", lambda x: 3 - x, 1.0, 2.0, -1.0),
    ("x - 3", lambda x: x - 3, 1.0, -2.0, 1.0),
    ("x + 3", lambda x: x + 3, 1.0, 4.0, 1.0),
    ("3 + x", lambda x: 3 + x, 1.0, 4.0, 1.0),
    ("x / 3", lambda x: x / 3, 6.0, 2.0, 1 / 3),
    ("3 / x", lambda x: 3 / x, 2.0, 1.5, -0.75),
    ("x * x", lambda x: x * x, 3.0, 9.0, 6.0),
    ("x + x", lambda x: x + x, 3.0, 6.0, 2.0),
    ("x / x", lambda x: x / x, 3.0, 1.0, 0.0),
    ("x - x", lambda x: x - x, 3.0, 0.0, 0.0),
    ("x ** x at 2", lambda x: x ** x, 2.0, 4.0, 4 * (1 + LN2)),
]


@pytest.mark.parametrize("f, x, value, grad", [case[1:] for case in HAND_KNOWN],
                         ids=[case[0] for case in HAND_KNOWN])
def test_hand_known_derivative(f, x, value, grad):
    leaf = Scalar(x, label="x")
    out = f(leaf)
    out.backward()
    assert math.isclose(out.data, value, rel_tol=1e-12, abs_tol=1e-12)
    assert math.isclose(leaf.grad, grad, rel_tol=1e-12, abs_tol=1e-12)


TWO_VARIABLE = [
    # (id, f, x, y, f, df/dx, df/dy)
    ("x ** y", operator.pow, 2.0, 3.0, 8.0, 12.0, 8 * LN2),
    ("x ** y, y < 0", operator.pow, 2.0, -1.0, 0.5, -0.25, 0.5 * LN2),
    ("x / y", operator.truediv, 3.0, 4.0, 0.75, 0.25, -3 / 16),
    ("x * y", operator.mul, 3.0, -2.0, -6.0, -2.0, 3.0),
    ("x - y", operator.sub, 3.0, -2.0, 5.0, 1.0, -1.0),
    ("x + y", operator.add, 3.0, -2.0, 1.0, 1.0, 1.0),
]


@pytest.mark.parametrize("f, x, y, value, dx, dy", [case[1:] for case in TWO_VARIABLE],
                         ids=[case[0] for case in TWO_VARIABLE])
def test_hand_known_partials(f, x, y, value, dx, dy):
    a, b = Scalar(x, label="x"), Scalar(y, label="y")
    out = f(a, b)
    out.backward()
    assert math.isclose(out.data, value, rel_tol=1e-12)
    assert math.isclose(a.grad, dx, rel_tol=1e-12)
    assert math.isclose(b.grad, dy, rel_tol=1e-12)


def test_derivative_of_x_to_the_zero_at_zero_is_zero():
    x = Scalar(0.0, label="x")
    out = x ** 0
    assert out.data == 1.0
    out.backward()
    assert x.grad == 0.0


def test_kinks_follow_pytorch_conventions_inside_a_graph():
    x = Scalar(0.0, label="x")
    out = x.relu() + x.abs() + 3 * x  # only the linear part contributes at 0
    out.backward()
    assert x.grad == 3.0


# -- extremes: an error or a finite number, never a silent inf / nan ----------------------------

EXTREMES = (-1e308, -1e5, -710.0, -2.0, -1.0, -0.5, -5e-324, 0.0, 5e-324, 1e-300, 0.5, 1.0, 2.0,
            710.0, 1e5, 1e308)


def _finite_or_nanograd_error(build) -> None:
    try:
        out = build()
    except NanogradError as error:
        assert "math domain error" not in str(error)
        return
    assert math.isfinite(out.data)
    try:
        out.backward()
    except NanogradError as error:
        assert "math domain error" not in str(error)
        return
    for node in topological_order(out):
        assert math.isfinite(node.grad)


@pytest.mark.parametrize("name", sorted(OPS))
def test_extreme_inputs_give_finite_results_or_nanograd_errors(name):
    if OPS[name].arity == 1:
        for x in EXTREMES:
            _finite_or_nanograd_error(lambda: apply(name, Scalar(x)))
        return
    for x, y in itertools.product(EXTREMES, repeat=2):
        _finite_or_nanograd_error(lambda: apply(name, Scalar(x), Scalar(y)))
        _finite_or_nanograd_error(lambda: apply(name, x, Scalar(y)))
        _finite_or_nanograd_error(lambda: apply(name, Scalar(x), y))


# -- a composite expression using every op ------------------------------------------------------

# The ops `composite` is written to use (all those with a torch counterpart of the same shape).
COMPOSITE_OPS = {"add", "sub", "mul", "div", "pow", "neg", "exp", "log", "log10", "log2", "sqrt",
                 "tanh", "sigmoid", "relu", "sin", "cos", "abs"}


def composite(x, y):
    """Works the same on nanograd Scalars and torch tensors; uses every op of COMPOSITE_OPS."""
    u = x * y + x / y - (-y)
    v = (u ** y).log() + x.exp().log10() + y.sqrt().log2()
    w = v.tanh() + x.sigmoid() + (y - x).relu() + abs(x - y) + x.sin() * y.cos()
    return w * 2 - 3 / (1 + y) + 2 ** x + x ** 2


def test_composite_uses_every_op_it_claims():
    out = composite(Scalar(0.7), Scalar(1.3))
    used = {node.op.name for node in topological_order(out) if node.op is not None}
    assert COMPOSITE_OPS <= set(OPS)
    assert used == COMPOSITE_OPS, used ^ COMPOSITE_OPS


def _composite_fd(x: float, y: float):
    fx = central_difference(lambda t: composite(Scalar(t), Scalar(y)).data, x)
    fy = central_difference(lambda t: composite(Scalar(x), Scalar(t)).data, y)
    return fx, fy


@pytest.mark.parametrize("x, y", [(0.7, 1.3), (2.2, 0.4), (1.1, 3.0)])
def test_composite_gradient_matches_finite_differences(x, y):
    a, b = Scalar(x, label="x"), Scalar(y, label="y")
    composite(a, b).backward()
    fx, fy = _composite_fd(x, y)
    assert close(a.grad, fx) and close(b.grad, fy), ((a.grad, fx), (b.grad, fy))


@settings(max_examples=60, deadline=None)
@given(x=st.floats(0.2, 3.0), y=st.floats(0.2, 3.0))
def test_composite_gradient_property(x, y):
    assume(abs(x - y) > 1e-3)  # away from the kinks of relu and abs
    a, b = Scalar(x), Scalar(y)
    composite(a, b).backward()
    fx, fy = _composite_fd(x, y)
    assert close(a.grad, fx, rel=1e-4, abs_=1e-6)
    assert close(b.grad, fy, rel=1e-4, abs_=1e-6)


# -- PyTorch as an independent oracle (optional) ------------------------------------------------

@pytest.mark.parametrize("x, y", [(0.7, 1.3), (2.2, 0.4)])
def test_composite_against_torch(x, y):
    torch = pytest.importorskip("torch")
    a, b = Scalar(x), Scalar(y)
    out = composite(a, b)
    out.backward()
    ta = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(y, dtype=torch.float64, requires_grad=True)
    tout = composite(ta, tb)
    tout.backward()
    assert math.isclose(out.data, tout.item(), rel_tol=1e-12)
    assert math.isclose(a.grad, ta.grad.item(), rel_tol=1e-10, abs_tol=1e-12)
    assert math.isclose(b.grad, tb.grad.item(), rel_tol=1e-10, abs_tol=1e-12)


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_op_against_torch_including_kinks(name):
    torch = pytest.importorskip("torch")
    fn = torch_ops(torch).get(name)
    if fn is None:
        pytest.skip(f"no torch counterpart with a gradient for {name!r}")
    points = ([(x,) for x in UNARY_POINTS + (0.0,)] if OPS[name].arity == 1
              else list(itertools.product(BINARY_POINTS, repeat=2)))
    for args in points:
        leaves = [Scalar(v) for v in args]
        try:
            out = apply(name, *leaves)
            out.backward()
        except NanogradError:
            continue
        tleaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in args]
        fn(*tleaves).backward()
        for leaf, tleaf in zip(leaves, tleaves):
            assert math.isclose(leaf.grad, tleaf.grad.item(), rel_tol=1e-10, abs_tol=1e-12), (
                name, args)
