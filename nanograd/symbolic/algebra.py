"""The sympy vocabulary the table's rules are written in, and how a constant operand reads."""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import mpmath
import sympy

from ..core.ops import REAL
from ..core.scalar import Constant

# The symbolic twin of `nanograd.ops.REAL`: the same names, as sympy functions.
SYMBOLIC = SimpleNamespace(
    exp=sympy.exp, log=sympy.log, sqrt=sympy.sqrt, tanh=sympy.tanh, sin=sympy.sin,
    cos=sympy.cos, abs=sympy.Abs, sign=sympy.sign, pow=lambda x, y: x ** y,
    tan=sympy.tan, cot=sympy.cot, sec=sympy.sec,
    csc=sympy.csc, asin=sympy.asin, acos=sympy.acos, atan=sympy.atan, sinh=sympy.sinh,
    cosh=sympy.cosh, coth=sympy.coth, sech=sympy.sech, csch=sympy.csch, asinh=sympy.asinh,
    acosh=sympy.acosh, atanh=sympy.atanh,
    # the real cube root, whatever sympy knows of x (sympy.cbrt(-8) is complex, and real_root
    # is a Piecewise unless x is known to be real)
    cbrt=lambda x: sympy.sign(x) * sympy.Abs(x) ** sympy.Rational(1, 3),
    log10=lambda x: sympy.log(x, 10), log2=lambda x: sympy.log(x, 2),
    sigmoid=lambda x: 1 / (1 + sympy.exp(-x)),
    relu=lambda x: sympy.Max(0, x), reciprocal=lambda x, scale=1: 1 / (x * scale),
    heaviside=lambda x: sympy.Heaviside(x, 0),  # H(0) = 0, as relu'(0) = 0 numerically
    LN2=sympy.log(2), LN10=sympy.log(10),
)


def _heaviside(x, h0=0.5):
    """H(x) for lambdify's code: 0 or 1 off the step, h0 on it (sympy's 1/2 unless the
    expression says; the table's closed forms always say 0, as relu'(0) = 0)."""
    return 1 if x > 0 else 0 if x < 0 else h0


# lambdify's modules for the functions of the table's closed forms that math and mpmath lack,
# and for those sympy's printers would otherwise rewrite in exponentials of complex numbers.
_RECIPROCALS = ("cot", "sec", "csc", "coth", "sech", "csch")
MATH_MODULES = [{"Heaviside": lambda x, h0=0.5: float(_heaviside(x, h0)),
                 "sign": lambda x: float((x > 0) - (x < 0)), "Max": max, "Min": min, "Abs": abs,
                 **{name: getattr(REAL, name) for name in _RECIPROCALS}},
                "math"]
MPMATH_MODULES: list = [{"Heaviside": _heaviside, "Max": max, "Min": min,
                         **{name: getattr(mpmath, name) for name in _RECIPROCALS}}, "mpmath"]


def constant(value: int | float | Fraction) -> sympy.Expr:
    """A plain number from an operation, exact: 2 stays Integer(2), Fraction(1, 3) is Rational,
    a Constant its sym (pi)."""
    if isinstance(value, Constant):
        return value.sym
    if isinstance(value, Fraction):
        return sympy.Rational(value.numerator, value.denominator)
    return sympy.Integer(value) if isinstance(value, int) else sympy.Float(value)


def steps_flat(expr: sympy.Expr) -> sympy.Expr:
    """`expr` (from sympy.diff) with the derivatives of steps taken as 0, as the table takes
    sign' and heaviside' (and relu''): DiracDelta, and d/dx sign(u) that sympy leaves
    unevaluated when it cannot tell u is real. Exact away from the steps."""
    return expr.replace(
        lambda e: isinstance(e, sympy.DiracDelta) or (isinstance(e, sympy.Derivative) and e.expr.func in (
            sympy.sign, sympy.Heaviside)),
        lambda e: sympy.Integer(0))
