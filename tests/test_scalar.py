"""The Scalar: what it stores, its operators and aliases, and the errors bad input raises."""
from __future__ import annotations

import math
from fractions import Fraction

import pytest

from nanograd import OPS, DivisionByZeroError, DomainError, NanogradError, NonFiniteError, Scalar

# -- what a Scalar stores -----------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [(3, 3.0), (-7, -7.0), (2.5, 2.5), (0, 0.0)])
def test_data_is_kept_as_float(value, expected):
    s = Scalar(value)
    assert type(s.data) is float
    assert s.data == expected


def test_grad_starts_at_zero_on_leaves_and_new_nodes():
    a = Scalar(3)
    assert a.grad == 0.0 and type(a.grad) is float
    for node in (a + 1, a * a, a.exp(), -a):
        assert node.grad == 0.0 and type(node.grad) is float


def test_label_defaults_to_empty_and_is_settable_any_time():
    a = Scalar(3)
    assert a.label == ""
    assert Scalar(3, label="a").label == "a"
    b = a * 2
    b.label = "b"
    a.label = "a"  # after it has been used
    assert (a.label, b.label) == ("a", "b")
    b.backward()
    b.label = "renamed"  # after backward
    assert b.label == "renamed"
    assert "renamed" in repr(b)


def test_sym_is_stored():
    sympy = pytest.importorskip("sympy")
    x = sympy.Symbol("x")
    assert Scalar(1.0, sym=x).sym is x
    marker = object()
    assert Scalar(2.0, label="s", sym=marker).sym is marker
    assert Scalar(1.0).sym is None


def test_leaf_has_no_op_and_no_inputs():
    a = Scalar(1.5)
    assert a.op is None
    assert a.inputs == ()
    assert a.is_leaf


def test_binary_node_records_op_and_inputs_in_written_order():
    a, b = Scalar(3, label="a"), Scalar(2, label="b")
    c = a - b
    assert c.op is OPS["sub"]
    assert c.inputs[0] is a and c.inputs[1] is b
    assert (b - a).inputs[0] is b
    e = a.exp()
    assert e.op is OPS["exp"] and e.inputs == (a,) and e.inputs[0] is a


def test_constants_stay_exact_in_inputs():
    c = Scalar(5, label="c")
    half = c / 2
    assert half.inputs[0] is c
    assert half.inputs[1] == 2 and type(half.inputs[1]) is int
    left = 20 * c
    assert left.inputs[0] == 20 and type(left.inputs[0]) is int and left.inputs[1] is c
    assert type((c ** 2).inputs[1]) is int
    assert type((2 ** c).inputs[0]) is int
    assert (c * 0.5).inputs[1] == 0.5 and type((c * 0.5).inputs[1]) is float
    third = c * Fraction(1, 3)
    assert third.inputs[1] == Fraction(1, 3) and type(third.inputs[1]) is Fraction
    assert math.isclose(third.data, 5 / 3)
    third.backward()
    assert math.isclose(c.grad, 1 / 3) and type(c.grad) is float


def test_repr():
    s = Scalar(2, label="x")
    assert repr(s) == "Scalar(data=2.0, grad=0.0, label='x')"
    assert repr(Scalar(-1.5)) == "Scalar(data=-1.5, grad=0.0, label='')"
    y = s * 3
    y.backward()
    assert repr(s) == "Scalar(data=2.0, grad=3.0, label='x')"


# -- operators and aliases ----------------------------------------------------------------------

def test_inplace_add_of_an_expression_of_itself():
    a = Scalar(3.0, label="a")
    c = a
    c += c + 1  # c = a + (a + 1)
    assert c is not a and a.data == 3.0
    assert c.data == 7.0
    c.backward()
    assert a.grad == 2.0


def test_inplace_operators_build_new_nodes():
    a = Scalar(3.0, label="a")
    c = a * 2  # 6
    c += c * c  # c + c^2: d/da = (1 + 2c) * 2 = 26 at c = 6
    assert c.data == 42.0
    c.backward()
    assert a.grad == 26.0
    b = Scalar(4.0)
    d = b
    d -= 1
    d *= 2
    d /= 3
    d **= 2  # ((b - 1) * 2 / 3) ** 2 = 4; derivative 2 * 2 * 2 / 3 = 8/3
    assert math.isclose(d.data, 4.0)
    d.backward()
    assert math.isclose(b.grad, 8 / 3)
    assert b.data == 4.0


def test_unary_minus_and_plus():
    a = Scalar(3.0, label="a")
    n = -a
    assert n.data == -3.0 and n.op is OPS["neg"]
    n.backward()
    assert a.grad == -1.0
    b = Scalar(2.0, label="b")
    p = +b
    assert p.data == 2.0
    out = p * 5
    out.backward()
    assert b.grad == 5.0


def test_builtin_abs():
    a = Scalar(-3.0, label="a")
    out = abs(a)
    assert isinstance(out, Scalar)
    assert out.op is OPS["abs"]
    assert out.data == 3.0
    out.backward()
    assert a.grad == -1.0


def test_float_conversion():
    s = Scalar(7)
    assert float(s) == 7.0 and type(float(s)) is float
    assert float(Scalar(2) * 1.25) == 2.5
    assert math.sqrt(Scalar(16)) == 4.0  # anything that takes a float takes a Scalar


def test_ln_is_log():
    x = Scalar(math.e, label="x")
    y = x.ln()
    assert y.op is OPS["log"]
    assert math.isclose(y.data, 1.0)
    y.backward()
    assert math.isclose(x.grad, 1 / math.e)
    assert Scalar.ln is Scalar.log


def test_backprop_is_backward():
    a = Scalar(2.0)
    out = a * a * a
    out.backprop()
    assert a.grad == 12.0
    assert out.grad == 1.0
    assert Scalar.backprop is Scalar.backward


def test_numbers_on_either_side():
    a = Scalar(4.0)
    assert (a + 1).data == 5.0 and (1 + a).data == 5.0
    assert (a - 1).data == 3.0 and (1 - a).data == -3.0
    assert (a * 3).data == 12.0 and (3 * a).data == 12.0
    assert (a / 8).data == 0.5 and (8 / a).data == 2.0
    assert (a ** 0.5).data == 2.0 and (2 ** a).data == 16.0


# -- bad input ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, type_name", [
    ("abc", "str"), (None, "NoneType"), ([1], "list"), ({}, "dict"), (object(), "object"),
    (1 + 2j, "complex"), (Scalar(1.0), "Scalar"),
])
def test_non_number_data_raises_type_error_naming_the_type(value, type_name):
    with pytest.raises(TypeError) as info:
        Scalar(value)
    assert type_name in str(info.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 10 ** 400])
def test_non_finite_data_raises_value_error(value):
    with pytest.raises(ValueError):
        Scalar(value)


@pytest.mark.parametrize("expression", [
    lambda: Scalar(1.0) + "2",
    lambda: "2" + Scalar(1.0),
    lambda: Scalar(1.0) * None,
    lambda: Scalar(1.0) ** [2],
    lambda: Scalar(1.0) / {},
    lambda: Scalar(1.0) - 1j,
])
def test_non_number_operand_raises_type_error(expression):
    with pytest.raises(TypeError):
        expression()


def test_error_classes():
    assert issubclass(DomainError, ValueError) and issubclass(DomainError, NanogradError)
    assert issubclass(DivisionByZeroError, ZeroDivisionError)
    assert issubclass(DivisionByZeroError, NanogradError)
    assert issubclass(NonFiniteError, OverflowError) and issubclass(NonFiniteError, NanogradError)


def _value_in(message: str, value) -> bool:
    return any(text in message for text in {repr(value), str(value), repr(float(value))})


def assert_message(error: BaseException, op: str, value, label: str | None) -> None:
    message = str(error)
    assert op in message, message
    assert _value_in(message, value), message
    if label is not None:
        assert label in message, message
    assert "math domain error" not in message.lower()


# The Python class and the nanograd class each error must be an instance of.
DOMAIN = (ValueError, DomainError)
BY_ZERO = (ZeroDivisionError, DivisionByZeroError)
TOO_BIG = (OverflowError, NonFiniteError)


def case(case_id, expression, classes, op, value, label):
    """An expression that must fail, with the op name, bad operand's value and a label it shows."""
    return pytest.param(expression, classes, op, value, label, id=case_id)


FORWARD_ERRORS = [
    case("log(0)", lambda: Scalar(0, label="alpha").log(), DOMAIN, "log", 0.0, "alpha"),
    case("log(-2.5)", lambda: Scalar(-2.5, label="alpha").log(), DOMAIN, "log", -2.5, "alpha"),
    case("ln(-1)", lambda: Scalar(-1, label="alpha").ln(), DOMAIN, "log", -1.0, "alpha"),
    case("log10(0)", lambda: Scalar(0, label="alpha").log10(), DOMAIN, "log10", 0.0, "alpha"),
    case("log10(-3)", lambda: Scalar(-3, label="alpha").log10(), DOMAIN, "log10", -3.0, "alpha"),
    case("log2(0)", lambda: Scalar(0, label="alpha").log2(), DOMAIN, "log2", 0.0, "alpha"),
    case("log2(-0.5)", lambda: Scalar(-0.5, label="alpha").log2(), DOMAIN, "log2", -0.5, "alpha"),
    case("sqrt(-4)", lambda: Scalar(-4, label="alpha").sqrt(), DOMAIN, "sqrt", -4.0, "alpha"),
    case("x / 0", lambda: Scalar(2, label="alpha") / 0, BY_ZERO, "div", 0, "alpha"),
    case("x / y, y = 0", lambda: Scalar(2, label="alpha") / Scalar(0, label="beta"), BY_ZERO,
         "div", 0.0, "beta"),
    case("3 / y, y = 0", lambda: 3 / Scalar(0, label="beta"), BY_ZERO, "div", 0.0, "beta"),
    case("0 ** -1", lambda: Scalar(0, label="alpha") ** -1, BY_ZERO, "pow", 0.0, "alpha"),
    case("(-8) ** 0.5", lambda: Scalar(-8, label="alpha") ** 0.5, DOMAIN, "pow", -8.0, "alpha"),
    case("-8 ** y, y = 0.5", lambda: (-8) ** Scalar(0.5, label="beta"), DOMAIN, "pow", -8, "beta"),
    case("exp(1000)", lambda: Scalar(1000, label="alpha").exp(), TOO_BIG, "exp", 1000.0, "alpha"),
    case("1e308 * 10", lambda: Scalar(1e308, label="alpha") * 10, TOO_BIG, "mul", 1e308, "alpha"),
    case("1e308 + 1e308", lambda: Scalar(1e308, label="alpha") + Scalar(1e308, label="beta"),
         TOO_BIG, "add", 1e308, "beta"),
    case("-1e308 - 1e308", lambda: Scalar(-1e308, label="alpha") - 1e308, TOO_BIG, "sub", -1e308,
         "alpha"),
    case("1e300 / 1e-300", lambda: Scalar(1e300, label="alpha") / 1e-300, TOO_BIG, "div", 1e300,
         "alpha"),
    case("2 ** 5000", lambda: 2 ** Scalar(5000, label="alpha"), TOO_BIG, "pow", 5000.0, "alpha"),
]


@pytest.mark.parametrize("expression, classes, op, value, label", FORWARD_ERRORS)
def test_forward_error_raises_at_once_and_names_op_value_label(expression, classes, op, value,
                                                                label):
    python_class, nanograd_class = classes
    with pytest.raises(python_class) as info:
        expression()
    assert isinstance(info.value, nanograd_class)
    assert isinstance(info.value, NanogradError)
    assert_message(info.value, op, value, label)


@pytest.mark.parametrize("expression", [
    lambda: Scalar(0, label="alpha") ** -1,
    lambda: 0 ** Scalar(-1, label="alpha"),
    lambda: Scalar(0, label="alpha") ** Scalar(-2, label="beta"),
], ids=["Scalar ** -1", "0 ** Scalar", "Scalar ** Scalar"])
def test_zero_to_a_negative_power_is_a_division_by_zero(expression):
    with pytest.raises(ZeroDivisionError) as info:
        expression()
    assert isinstance(info.value, DivisionByZeroError)


@pytest.mark.parametrize("expression, value", [
    (lambda: Scalar(1, label="alpha") + float("nan"), "nan"),
    (lambda: float("inf") * Scalar(1, label="alpha"), "inf"),
    (lambda: Scalar(2, label="alpha") ** float("-inf"), "inf"),
    (lambda: Scalar(2, label="alpha") / float("nan"), "nan"),
], ids=["x + nan", "inf * x", "x ** -inf", "x / nan"])
def test_non_finite_constant_operand_raises_value_error(expression, value):
    with pytest.raises(ValueError) as info:
        expression()
    assert value in str(info.value)
    assert "math domain error" not in str(info.value)


@pytest.mark.parametrize("expression, op", [
    (lambda: Scalar(1, label="alpha") + float("nan"), "add"),
    (lambda: float("inf") * Scalar(1, label="alpha"), "mul"),
    (lambda: Scalar(2, label="alpha") ** float("-inf"), "pow"),
], ids=["x + nan", "inf * x", "x ** -inf"])
def test_non_finite_constant_operand_error_names_op_and_node(expression, op):
    with pytest.raises(DomainError) as info:
        expression()
    assert op in str(info.value) and "alpha" in str(info.value)


# -- errors found during backward ---------------------------------------------------------------

def test_sqrt_derivative_at_zero_raises_division_by_zero_naming_the_node():
    x = Scalar(0, label="alpha")
    root = x.sqrt()
    root.label = "root"
    assert root.data == 0.0  # the forward is fine: sqrt(0) = 0
    out = root * 2
    with pytest.raises(ZeroDivisionError) as info:
        out.backward()
    assert isinstance(info.value, DivisionByZeroError)
    assert_message(info.value, "sqrt", 0.0, "root")
    assert "alpha" in str(info.value)


def test_pow_with_negative_base_and_scalar_exponent_raises_at_backward():
    base, exponent = Scalar(-2, label="alpha"), Scalar(2, label="beta")
    power = base ** exponent
    power.label = "power"
    assert power.data == 4.0  # (-2) ** 2 is fine forward
    with pytest.raises(ValueError) as info:
        power.backward()
    assert isinstance(info.value, DomainError)
    assert_message(info.value, "pow", -2.0, "alpha")
    assert "power" in str(info.value) and "beta" in str(info.value)


def test_gradient_overflow_raises_instead_of_giving_inf():
    tiny = Scalar(1e-300, label="tiny")
    out = tiny * 1e300 * 1e300  # 1e300: finite, but d out / d tiny = 1e600
    with pytest.raises(OverflowError) as info:
        out.backward()
    assert isinstance(info.value, NonFiniteError)
    assert "tiny" in str(info.value)


def test_infinite_derivative_of_pow_at_zero_is_division_by_zero():
    x = Scalar(0, label="alpha")
    out = x ** 0.5
    with pytest.raises(ZeroDivisionError) as info:
        out.backward()
    assert isinstance(info.value, DivisionByZeroError)
