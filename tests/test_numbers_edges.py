"""Numbers at the edges of the table's domains: powers of 0, logs of subnormals, and the errors
for operands that cannot be shown or used (numpy zeros, integers too long to print)."""
from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest

import nanograd
from nanograd import Scalar

SUBNORMAL = 1e-320


@pytest.mark.parametrize("base", [0, 0.0])
def test_d_dy_of_a_power_of_zero_is_zero(base):
    # 0 ** y is 0 for every y > 0 near y, so it does not change with y: the log(0) in the
    # general rule z * log(x) is multiplied by z = 0
    y = Scalar(2.0, label="y")
    out = base ** y
    out.backward()
    assert out.data == 0.0 and y.grad == 0.0


def test_both_partials_of_a_power_of_a_zero_node():
    x, y = Scalar(0.0, label="x"), Scalar(2.0, label="y")
    out = x ** y
    out.backward()
    assert (x.grad, y.grad) == (0.0, 0.0)  # d/dx = y * x ** (y - 1) = 2 * 0


def test_d_dy_of_a_power_of_zero_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    for y_value in (2.0, 0.5, 3.7):
        y = Scalar(y_value)
        (0.0 ** y).backward()
        tx = torch.tensor(0.0, dtype=torch.float64)
        ty = torch.tensor(y_value, dtype=torch.float64, requires_grad=True)
        (tx ** ty).backward()
        assert y.grad == ty.grad.item()


def test_a_zero_power_of_a_negative_base_still_refuses_d_dy():
    # (-1) ** y is defined only at whole y: no derivative in y there, and z = 1 is not 0
    y = Scalar(2.0, label="y")
    with pytest.raises(nanograd.DomainError, match="pow"):
        ((-1) ** y).backward()


def test_diff_of_x_to_the_pi_at_zero_exits_0_with_derivative_0():
    run = subprocess.run([sys.executable, "-m", "nanograd", "diff", "x**pi", "--at", "x=0",
                          "--format", "json"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    derivative, = result["derivatives"]
    assert derivative["numeric"] == 0.0 and derivative["value"] == 0.0


@pytest.mark.parametrize("method, ln_base", [("log", 1.0), ("log10", math.log(10)),
                                             ("log2", math.log(2))])
def test_log_backward_at_a_subnormal_keeps_the_finite_product(method, ln_base):
    # d/dx x * log_b(x) = log_b(x) + x * 1 / (x ln b): the second term is 1/ln b, although
    # 1 / x alone overflows at a subnormal x
    x = Scalar(SUBNORMAL)
    out = x * getattr(x, method)()
    out.backward()
    expected = math.log(SUBNORMAL) / ln_base + 1 / ln_base
    assert math.isclose(x.grad, expected, rel_tol=1e-12)


def test_log_backward_at_a_subnormal_agrees_with_pytorch():
    torch = pytest.importorskip("torch")
    x = Scalar(SUBNORMAL)
    (x * x.log()).backward()
    t = torch.tensor(SUBNORMAL, dtype=torch.float64, requires_grad=True)
    (t * torch.log(t)).backward()
    assert math.isclose(x.grad, t.grad.item(), rel_tol=1e-12)


def test_log_backward_at_a_subnormal_alone_still_overflows():
    x = Scalar(SUBNORMAL, label="x")
    with pytest.raises(nanograd.NonFiniteError, match="'x'"):
        x.log().backward()  # d/dx log(x) = 1e320 is not a float


def test_log_derivative_is_still_a_plain_reciprocal_elsewhere():
    x = Scalar(0.5)
    x.log().backward()
    assert x.grad == 2.0 and type(x.grad) is float


def test_a_numpy_zero_divisor_is_shown_as_a_number():
    np = pytest.importorskip("numpy")
    with pytest.raises(nanograd.DivisionByZeroError) as caught:
        Scalar(1.0, label="x") / np.float64(0.0)
    assert "memory" not in str(caught.value)
    assert "div(x = 1.0, " in str(caught.value) and "0.0)" in str(caught.value)


@pytest.mark.parametrize("build", [lambda: Scalar(2.0) * 10 ** 5000,
                                   lambda: 10 ** 5000 + Scalar(2.0),
                                   lambda: Scalar(10 ** 5000)])
def test_an_integer_too_long_to_print_gets_our_error(build):
    with pytest.raises((nanograd.NanogradError, ValueError)) as caught:
        build()
    message = str(caught.value)
    assert "4300" not in message and "int_max_str_digits" not in message
    assert "5001 digits" in message


def test_an_integer_too_long_to_print_is_a_nanograd_error_in_an_operation():
    with pytest.raises(nanograd.DomainError, match="mul"):
        Scalar(2.0) * 10 ** 5000


@pytest.mark.parametrize("sign", [1, -1])
def test_log10_backward_where_1_over_x_overflows_but_the_derivative_does_not(sign):
    # 1 / 3e-309 is past the largest float, 1 / (3e-309 * ln 10) is not
    x = Scalar(3e-309)
    (sign * x.log10()).backward()
    assert math.isclose(x.grad, sign / (3e-309 * math.log(10)), rel_tol=1e-12)


def test_the_reciprocal_of_a_normal_number_is_a_plain_float():
    from nanograd.core.ops import REAL

    for x in (0.5, 4.0, 1e-300):
        local = REAL.reciprocal(x)
        assert type(local) is float and local == 1 / x
    assert REAL.reciprocal(2.0, math.log(10)) == pytest.approx(1 / (2 * math.log(10)), rel=1e-15)


def test_zero_to_a_negative_power_is_a_division_by_zero_and_one_to_it_is_one():
    with pytest.raises(nanograd.DivisionByZeroError):
        0.0 ** Scalar(-1.0)
    with pytest.raises(nanograd.DivisionByZeroError):
        Scalar(0.0) ** -2
    assert (1.0 ** Scalar(-1.0)).data == 1.0 and (Scalar(0.0) ** 2).data == 0.0


def diff_json(*args: str) -> dict:
    run = subprocess.run([sys.executable, "-m", "nanograd", "diff", *args, "--format", "json"],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


@pytest.mark.parametrize("expr", ["x**(e-e)", "x**(pi-pi)", "x**(log(e)-1)"])
def test_constants_are_not_variables_and_get_no_gradient(expr):
    # x ** 0 with an exact constant 0 is 1: d/dx = 0 at x = -1 too, where a variable exponent
    # would need log(-1) for its own derivative
    result = diff_json(expr, "--at", "x=-1")
    derivative, = result["derivatives"]
    assert result["value"] == 1.0 and derivative["numeric"] == 0.0 and derivative["expr"] == "0"
    out, leaves = nanograd.parse(expr).graph({"x": -1.0})
    out.backward()
    assert [n for n in nanograd.topological_order(out) if n.op is None] == [leaves["x"]]
    assert leaves["x"].grad == 0.0


def test_closed_forms_keep_pi_and_e_exact():
    derivative, = diff_json("sin(pi*x)", "--wrt", "x")["derivatives"]
    assert derivative["expr"] == "pi*cos(pi*x)" and derivative["latex"] == r"\pi \cos{\left(\pi x \right)}"
    result = diff_json("e**(2*x) + x**(pi/2)", "--at", "x=1")
    derivative, = result["derivatives"]
    assert derivative["expr"] == "pi*x**(-1 + pi/2)/2 + 2*exp(2*x)"
    assert derivative["value"] == pytest.approx(math.pi / 2 + 2 * math.exp(2), rel=1e-14)
    assert derivative["numeric"] == pytest.approx(derivative["value"], rel=1e-14)
