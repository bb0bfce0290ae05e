"""Values of closed forms in real arithmetic at any precision, without recursion.

Used where a value must not depend on how sympy would print or rewrite an expression: a claim is
worth what it computes in the reals, as the graph does (no complex principal roots, no rewriting
of x**2 as exp(2*log(x))), and a deep expression is walked with an explicit stack.
"""
from __future__ import annotations

from typing import Any, Mapping

import mpmath
import sympy

from ..core.budget import check
from ..errors import (
    DivisionByZeroError,
    DomainError,
    NanogradError,
    NonFiniteError,
    UnsupportedExpressionError,
)
from .backprop import tree_size

# sympy functions whose mpmath counterpart has another name or signature; others are found by name
_SPECIAL: dict[str, Any] = {
    "Abs": mpmath.fabs, "sign": mpmath.sign, "Max": max, "Min": min,
    "Heaviside": lambda x, h0=0.5: mpmath.mpf(1 if x > 0 else 0 if x < 0 else h0),
    "log": lambda x, base=None: mpmath.log(x) if base is None else mpmath.log(x, base),
}


def check_finite_real(expr: sympy.Basic, what: str) -> None:
    """Raise DomainError if `expr` holds an infinity, nan or the imaginary unit: exact arithmetic
    can reach them (log(0) is zoo, sqrt(-1) is I) where no real number is meant."""
    seen, stack = set(), [expr]
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if e.is_Atom and (e in _NOT_FINITE_REAL or e.is_Number and not e.is_finite):
            raise DomainError(f"{what} is {_short(expr)}: it contains {e}, not a finite real number "
                              "(exact arithmetic reached log(0), a division by zero or a square root "
                              "of a negative)")
        stack.extend(e.args)


def _function(expr: sympy.Basic) -> Any:
    name = type(expr).__name__
    f = _SPECIAL.get(name) or getattr(mpmath, name.lower(), None)
    if f is None or not callable(f):
        raise UnsupportedExpressionError(f"no numeric form for {name} (in {_short(expr)})")
    return f


_NOT_FINITE_REAL = {sympy.zoo, sympy.oo, -sympy.oo, sympy.nan, sympy.I}


def _short(expr: sympy.Basic) -> str:
    """The expression as a message quotes it: whole when small, else by its kind."""
    text = sympy.sstr(expr) if tree_size(expr, 40) <= 40 else f"a {type(expr).__name__} too long to show"
    return text if len(text) < 80 else text[:77] + "..."


def real_value(expr: sympy.Basic, values: Mapping[Any, float], digits: int = 15) -> mpmath.mpf:
    """`expr` at `values` (by symbol or name) with `digits` significant digits, in the reals.

    Raises DomainError where a part of it has no real value, DivisionByZeroError and
    NonFiniteError as the graph's operations do, UnsupportedExpressionError for a function
    mpmath does not have."""
    done: dict[int, Any] = {}  # by id: hashing a deep expression would recurse
    with mpmath.workdps(digits):
        stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
        while stack:
            e, ready = stack.pop()
            if id(e) in done:
                continue
            if not ready and e.args and not (e.is_Number or e.is_NumberSymbol):
                stack.append((e, True))
                stack.extend((a, False) for a in e.args if id(a) not in done)
                continue
            check("evaluating a closed form")
            done[id(e)] = _value(e, [done[id(a)] for a in e.args] if ready else [], values, digits)
        return done[id(expr)]


def _value(e: sympy.Basic, args: list, values: Mapping[Any, float], digits: int) -> Any:
    try:
        if e.is_Symbol:
            for key in (e, e.name):
                if key in values:
                    return mpmath.mpf(values[key])
            raise KeyError(f"no value for {e.name!r}")
        if not e.args or e.is_Number or e.is_NumberSymbol:
            result = mpmath.mpmathify(e.evalf(digits + 5))
        elif e.is_Add:
            result = mpmath.fsum(args)
        elif e.is_Mul:
            result = mpmath.fprod(args)
        elif e.is_Pow:
            result = _power(*args)
        else:
            result = _function(e)(*args)
    except NanogradError:
        raise
    except ZeroDivisionError:
        raise DivisionByZeroError(f"{_short(e)}: division by zero") from None
    except (ValueError, TypeError):
        raise DomainError(f"{_short(e)}: outside the domain of a function in it") from None
    if not isinstance(result, mpmath.mpf):  # a complex number: no real value here
        raise DomainError(f"{_short(e)} has no real value here")
    if not mpmath.isfinite(result):
        raise NonFiniteError(f"{_short(e)} is not finite here")
    return result


def _power(base: Any, exponent: Any) -> Any:
    """base ** exponent in the reals: a negative base only to an integer power."""
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    if base < 0 and exponent != mpmath.floor(exponent):
        raise ValueError
    return base ** exponent
