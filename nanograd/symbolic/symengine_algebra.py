"""The table's rules over symengine (sympy's C++ counterpart), and its results back as sympy.

`grad_expr` walks the graph over `SYMENGINE` when symengine is installed: the same rows of the
table in another number system, building each derivative in C++ instead of sympy's Python. What
symengine lacks (Heaviside) is a named function here and becomes sympy's on the way back; a
result that holds anything else unknown comes back as None, and the walk is redone in sympy.
"""
from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace
from typing import Any, Callable

import symengine as se
import sympy

from ..core.budget import check

# The twin of SYMBOLIC (nanograd/symbolic/algebra.py): the same names, as symengine functions.
SYMENGINE = SimpleNamespace(
    exp=se.exp, log=se.log, sqrt=se.sqrt, tanh=se.tanh, sin=se.sin, cos=se.cos, abs=se.Abs,
    sign=se.sign, pow=lambda x, y: x ** y, tan=se.tan, cot=se.cot, sec=se.sec, csc=se.csc,
    asin=se.asin, acos=se.acos, atan=se.atan, sinh=se.sinh, cosh=se.cosh, coth=se.coth,
    sech=se.sech, csch=se.csch, asinh=se.asinh, acosh=se.acosh, atanh=se.atanh,
    cbrt=lambda x: se.sign(x) * se.Abs(x) ** se.Rational(1, 3),  # the real cube root, as SYMBOLIC's
    log10=lambda x: se.log(x, 10), log2=lambda x: se.log(x, 2),
    sigmoid=lambda x: 1 / (1 + se.exp(-x)),
    relu=lambda x: se.Max(0, x), reciprocal=lambda x, scale=1: 1 / (x * scale),
    heaviside=lambda x: se.function_symbol("Heaviside", x),  # sympy's Heaviside(x, 0) on return
    LN2=se.log(2), LN10=se.log(10),
)


def constant(value: int | float | Fraction) -> se.Basic:
    """A plain number from an operation, exact as in sympy: 2 an Integer, Fraction(1, 3) a Rational."""
    if isinstance(value, Fraction):
        return se.Rational(value.numerator, value.denominator)
    return se.Integer(value) if isinstance(value, int) else se.RealDouble(value)


def leaf(symbol: sympy.Expr) -> se.Basic | None:
    """A leaf's sympy symbol (or exact constant) in symengine; None if it would not come back
    the same (a constant symengine cannot hold exactly)."""
    if isinstance(symbol, sympy.Symbol):
        return se.Symbol(symbol.name)
    try:
        converted = se.sympify(symbol)
    except (se.SympifyError, TypeError, ValueError, RuntimeError):
        return None
    return converted if converted._sympy_() == symbol else None


class Builder:
    """What the symbolic walk needs of a number system (see backprop's SympyBuilder): symengine
    simplifies every expression as it is built, cheaply, so nothing here is deferred."""

    m = SYMENGINE
    constant = staticmethod(constant)
    one = se.Integer(1)

    @staticmethod
    def build(function: Callable[..., Any], *operands: se.Basic) -> se.Basic:
        return function(*operands)

    @staticmethod
    def add(parts: list[se.Basic]) -> se.Basic:
        return se.Add(*parts)


# symengine's functions by the name of their class, as sympy's; constants as sympy's
_FUNCTIONS: dict[str, Callable[..., sympy.Expr]] = {
    **{name: getattr(sympy, name) for name in (
        "log", "tanh", "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "sinh",
        "cosh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "sign")},
    "Abs": sympy.Abs, "Max": sympy.Max, "Min": sympy.Min,
}
_NAMED: dict[str, Callable[..., sympy.Expr]] = {
    "Heaviside": lambda x, **evaluation: sympy.Heaviside(x, 0, **evaluation)}
_CONSTANTS = {se.pi: sympy.pi, se.E: sympy.E, se.I: sympy.I, se.oo: sympy.oo, -se.oo: -sympy.oo,
              se.zoo: sympy.zoo, se.nan: sympy.nan}


def to_sympy(exprs: list[se.Basic], symbols: dict[str, sympy.Symbol], small: int) -> list | None:
    """`exprs` as sympy expressions over the leaves' own `symbols` (by name), or None if they hold
    something sympy would not read the same. Iterative (any depth); a subexpression shared in
    symengine is converted once and shared in sympy. Like the sympy walk, a node is built
    evaluated while its operands are small together (`small` tree nodes), unevaluated once they
    are not: symengine has already simplified it, and sympy would spend superlinear time again."""
    done: dict[se.Basic, tuple[sympy.Expr, int]] = {}  # each converted node and its tree size
    stack: list[se.Basic] = list(exprs)
    while stack:
        e = stack[-1]
        if e in done:
            stack.pop()
            continue
        args = e.args if not isinstance(e, se.Number) and e not in _CONSTANTS else ()
        pending = [a for a in args if a not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        check("converting the derivatives to sympy")
        converted = _convert(e, [done[a] for a in args], symbols, small)
        if converted is None:
            return None
        done[e] = converted
    return [done[e][0] for e in exprs]


def _convert(e: se.Basic, args: list[tuple[sympy.Expr, int]], symbols: dict[str, sympy.Symbol],
             small: int) -> tuple[sympy.Expr, int] | None:
    """One node, its arguments already in sympy with their sizes."""
    if isinstance(e, se.Symbol):
        symbol = symbols.get(e.name)
        return None if symbol is None else (symbol, 1)
    if isinstance(e, se.Integer):
        return sympy.Integer(int(e)), 1
    if isinstance(e, se.Rational):
        return sympy.Rational(int(e.p), int(e.q)), 1
    if isinstance(e, se.RealDouble):
        return sympy.Float(float(e)), 1
    if e in _CONSTANTS:
        return _CONSTANTS[e], 1
    if isinstance(e, se.Number):  # complex or high-precision: symengine's own conversion
        return e._sympy_(), 1
    operands = [a for a, _ in args]
    size = 1 + sum(n for _, n in args)
    evaluate = size <= small + 1  # for sums, products and powers; functions, see below
    if isinstance(e, se.Add):
        function: Callable[..., sympy.Expr] = sympy.Add
    elif isinstance(e, se.Mul):
        function = sympy.Mul
    elif isinstance(e, se.Pow):
        function = sympy.Pow
        if operands[0] is sympy.E:  # exp(x) is E**x in symengine, but exp(x) in sympy
            function, operands = sympy.exp, operands[1:]
    else:
        # symengine has evaluated the function already (tanh(0) is 0); sympy's evaluation would
        # only add queries of assumptions over the argument, costly however small it is
        evaluate = False
        found = (_NAMED.get(e.get_name()) if isinstance(e, se.FunctionSymbol)
                 else _FUNCTIONS.get(type(e).__name__))
        if found is None:
            return None
        function = found
    built = function(*operands) if evaluate else function(*operands, evaluate=False)
    return built, size
