"""From a sympy expression to a Scalar graph that computes it, op by op from the table."""
from __future__ import annotations

import operator
from fractions import Fraction
from functools import reduce
from typing import Any, Callable, Mapping

import sympy

from ..core.budget import check
from ..core.ops import OPS
from ..core.scalar import Scalar, apply
from ..errors import UnsupportedExpressionError
from .algebra import SYMBOLIC


def _functions() -> dict[tuple, str]:
    """Which unary row of the table a sympy function application comes from, read off the rows
    themselves: each row's symbolic forward applied to a probe. Rows whose closed form is plain
    arithmetic (sqrt, log10, sigmoid, neg: powers, quotients, products) are read structurally."""
    probe = sympy.Dummy(real=True)
    found = {}
    for op in OPS.values():
        if op.arity == 1:
            form = op.forward(SYMBOLIC, probe)
            if not (form.is_Add or form.is_Mul or form.is_Pow) and probe in form.args:
                found[(form.func, tuple(a for a in form.args if a != probe))] = op.name
    return found


_FUNCTIONS = _functions()  # {(sympy function, its constant arguments): op name}


def from_sympy(expr: sympy.Expr, values: Mapping[Any, float]) -> tuple[Scalar, dict[sympy.Symbol, Scalar]]:
    """A graph computing `expr`, and its leaves: one Scalar per free symbol, set to `values`.

    `values` maps each free symbol (or its name) to a number. Exact numbers stay exact
    (`sqrt(y)` is a sqrt node, `x/3` divides by the integer 3); constants such as pi or log(10)
    become constant leaves whose `sym` is that constant.
    """
    if not isinstance(expr, sympy.Basic):
        raise TypeError(f"from_sympy takes a sympy expression, not {type(expr).__name__}")
    constant = _constant_parts(expr)
    symbols = sorted((e for e in constant if e.is_Symbol), key=lambda s: s.name)
    leaves = {s: Scalar(_value_of(s, values), label=s.name, sym=s) for s in symbols}
    built: dict[sympy.Basic, Any] = {}
    stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
    while stack:  # post-order over the expression, sharing repeated subexpressions
        e, parts_done = stack.pop()
        check("turning a closed form into a graph")
        if e in built:
            continue
        if e not in constant:  # a part made here, such as the denominator y of x * y**-1
            constant.update(_constant_parts(e))
        parts, combine = _plan(e, leaves, constant)
        if parts_done or not parts:
            built[e] = combine([built[p] for p in parts])
            continue
        stack.append((e, True))
        stack.extend((p, False) for p in reversed(parts) if p not in built)
    out = built[expr]
    if not isinstance(out, Scalar):  # the whole expression was a plain number
        out = Scalar(float(out), label=str(expr), sym=expr)
    return out, leaves


def _constant_parts(expr: sympy.Basic) -> dict[sympy.Basic, bool]:
    """For every subexpression, whether it is free of symbols; iterative, unlike `free_symbols`."""
    constant: dict[sympy.Basic, bool] = {}
    stack = [(expr, False)]
    while stack:
        e, args_done = stack.pop()
        if e in constant:
            continue
        if args_done or not e.args:
            constant[e] = not e.is_Symbol and all(constant[a] for a in e.args)
            continue
        stack.append((e, True))
        stack.extend((a, False) for a in e.args if a not in constant)
    return constant


def _value_of(symbol: sympy.Symbol, values: Mapping[Any, float]) -> float:
    for key in (symbol, symbol.name):
        if key in values:
            return values[key]
    raise KeyError(f"from_sympy needs a value for {symbol.name!r}")


Plan = tuple[list, Callable[[list], Any]]


def _plan(e: sympy.Basic, leaves: dict, constant: dict[sympy.Basic, bool]) -> Plan:
    """The subexpressions `e` is built from, and how to build `e` from their graphs."""
    if e.is_Symbol:
        return [], lambda _: leaves[e]
    if constant[e]:
        return [], lambda _: _constant(e)
    if e.is_Add:
        return list(e.args), lambda xs: reduce(operator.add, xs)
    if e.is_Mul:
        return _plan_mul(e)
    if e.is_Pow:
        return _plan_pow(e)
    variable = [a for a in e.args if not constant[a]]
    name = _FUNCTIONS.get((e.func, tuple(a for a in e.args if constant[a])))
    if name is not None and len(variable) == 1:
        return variable, lambda xs: apply(OPS[name], xs[0])
    raise UnsupportedExpressionError(
        f"from_sympy: {e.func} is not an operation of nanograd's table (in {e}); the table has "
        f"{', '.join(OPS)} (log in any base; relu is Max(0, x), heaviside is Heaviside(x, 0))")


def _constant(e: sympy.Basic) -> Any:
    """A constant operand: exact numbers as Python numbers, others (pi, log(10)) as constant leaves."""
    if e.is_Integer:
        return int(e)
    if e.is_Rational:
        return Fraction(int(e.p), int(e.q))
    if e.is_Float:
        return float(e)
    return Scalar(float(e.evalf()), label=str(e), sym=e)


def _plan_mul(e: sympy.Mul) -> Plan:
    """x*y/z as multiplications over one division, so quotients read as quotients; sympy's
    log(x)/log(b) as a logarithm to base b, and its Abs(x)**(1/3)*sign(x) as cbrt(x)."""
    coeff, factors = e.as_coeff_mul()
    top, bottom = (int(coeff.p), int(coeff.q)) if coeff.is_Rational else (float(coeff), 1)
    num = [f for f in factors if not _is_reciprocal(f)]
    den = [1 / f for f in factors if _is_reciprocal(f)]
    if (top, bottom) == (1, 1) and len(num) == 1 and len(den) == 1 \
            and num[0].func is sympy.log and den[0].func is sympy.log:
        return _plan_log(num[0].args[0], den[0].args[0])
    roots = [f.base.args[0] for f in num if f.is_Pow and f.exp == sympy.Rational(1, 3)
             and f.base.func is sympy.Abs and sympy.sign(f.base.args[0]) in num]
    num = [f for f in num if not any(f in (sympy.Abs(r) ** sympy.Rational(1, 3), sympy.sign(r))
                                     for r in roots)]
    count = len(roots) + len(num)

    def combine(xs: list) -> Any:
        factors = [x.cbrt() for x in xs[:len(roots)]] + xs[len(roots):count]
        result = reduce(operator.mul, factors) if factors else top
        if factors and top == -1:
            result = -result
        elif factors and top != 1:
            result = top * result
        if bottom != 1 or den:
            result = result / reduce(operator.mul, xs[count:], bottom) if den else result / bottom
        return result

    return roots + num + den, combine


def _plan_log(x: sympy.Basic, base: sympy.Basic) -> Plan:
    """log(x)/log(base): the rows log10 and log2 for their bases, else logb."""
    for number, method in ((10, "log10"), (2, "log2")):
        if base == number:
            return [x], lambda xs, method=method: getattr(xs[0], method)()
    return [x, base], lambda xs: apply(OPS["logb"], *xs)


def _is_reciprocal(f: sympy.Basic) -> bool:
    return f.is_Pow and f.exp.is_Number and f.exp.is_negative


def _plan_pow(e: sympy.Pow) -> Plan:
    base, exponent = e.args
    if exponent == sympy.Rational(1, 2):
        return [base], lambda xs: xs[0].sqrt()
    if exponent.is_Number and exponent.is_negative:
        return [1 / e], lambda xs: 1 / xs[0]
    return [base, exponent], lambda xs: xs[0] ** xs[1]
