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


READINGS = ("real", "complex", "magnitude")


def real_value(expr: sympy.Basic, values: Mapping[Any, float], digits: int = 15,
               reading: str = "real") -> mpmath.mpf:
    """`expr` at `values` (by symbol or name) with `digits` significant digits, in the reals.

    Raises DomainError where a part of it has no real value, DivisionByZeroError and
    NonFiniteError as the graph's operations do, UnsupportedExpressionError for a function
    mpmath does not have.

    `reading` says how a power of a negative base to a fraction is read. "real", the graph's
    arithmetic: it has no value. The two readings of a textbook, where p/q with q odd is the real
    q-th root to the power p ((-8)**(2/3) is 4), and other fractions are read either as
    "complex" principal values (parts may be complex; the whole must come out real) or as
    "magnitude", |base| to the power (what merging the roots of a product of negatives gives:
    sqrt(x-1)*sqrt(x+1) read as sqrt((x-1)*(x+1)))."""
    if reading not in READINGS:
        raise ValueError(f"reading is one of {', '.join(READINGS)}, not {reading!r}")
    done: dict[int, Any] = {}  # by id: hashing a deep expression would recurse
    with mpmath.workdps(digits):
        stack: list[tuple[sympy.Basic, bool]] = [(expr, False)]
        while stack:
            e, ready = stack.pop()
            if id(e) in done:
                continue
            if isinstance(e, sympy.Piecewise):  # what simplify makes: only the piece that applies
                _piece(e, done, stack)
                continue
            if not ready and e.args and not (e.is_Number or e.is_NumberSymbol):
                stack.append((e, True))
                stack.extend((a, False) for a in e.args if id(a) not in done)
                continue
            check("evaluating a closed form")
            done[id(e)] = _value(e, [done[id(a)] for a in e.args] if ready else [], values, digits,
                                 reading)
        result = done[id(expr)]
        if isinstance(result, mpmath.mpc):  # the complex reading: real only up to rounding
            if abs(result.imag) > mpmath.mpf(10) ** (5 - digits) * max(1, abs(result.real)):
                raise DomainError(f"{_short(expr)} has no real value here")
            result = result.real
        return result


def _piece(e: sympy.Piecewise, done: dict[int, Any], stack: list) -> None:
    """The value of the first piece whose condition holds, once its conditions and then that
    piece have values; until then, they are put on the stack. Other pieces are not evaluated
    (1/x where x = 0 is its own piece)."""
    conditions = [c for _, c in e.args if id(c) not in done]
    if conditions:
        stack.append((e, True))
        stack.extend((c, False) for c in conditions)
        return
    for expr, condition in e.args:
        if done[id(condition)]:
            if id(expr) in done:
                done[id(e)] = done[id(expr)]
            else:
                stack.extend([(e, True), (expr, False)])
            return
    raise DomainError(f"{_short(e)}: no piece applies here")


# A condition of a Piecewise, from the values of its arguments.
_RELATIONS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
              "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}
_LOGIC = {"And": all, "Or": any, "Not": lambda args: not args[0],
          "BooleanTrue": lambda args: True, "BooleanFalse": lambda args: False}


_CONDITIONS = (sympy.core.relational.Relational, sympy.logic.boolalg.BooleanAtom, sympy.And, sympy.Or,
               sympy.Not)


def _truth(e: sympy.Basic, args: list) -> bool:
    if isinstance(e, sympy.core.relational.Relational) and e.rel_op in _RELATIONS:
        return bool(_RELATIONS[e.rel_op](*args))
    if type(e).__name__ in _LOGIC:
        return bool(_LOGIC[type(e).__name__](args))
    raise UnsupportedExpressionError(f"the condition {_short(e)} cannot be evaluated")


def _value(e: sympy.Basic, args: list, values: Mapping[Any, float], digits: int,
           reading: str = "real") -> Any:
    if isinstance(e, _CONDITIONS):  # a condition of a Piecewise
        return _truth(e, args)
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
            result = _power(*args) if reading == "real" else _textbook_power(e.exp, args[0], args[1], reading)
        else:
            result = _function(e)(*args)
    except NanogradError:
        raise
    except ZeroDivisionError:
        raise DivisionByZeroError(f"{_short(e)}: division by zero") from None
    except (ValueError, TypeError):
        raise DomainError(f"{_short(e)}: outside the domain of a function in it") from None
    if isinstance(result, mpmath.mpc) and reading == "complex":
        return result
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


def _textbook_power(exact: sympy.Basic, base: Any, exponent: Any, reading: str) -> Any:
    """base ** exponent as a textbook reads it (see `real_value`); `exact`: the exponent as
    written, whose denominator says whether the root is odd."""
    if isinstance(base, mpmath.mpc):  # a complex part, in the complex reading
        return base ** exponent
    if not base < 0 or exponent == mpmath.floor(exponent):
        return _power(base, exponent)
    if exact.is_Rational and exact.q % 2:
        root = mpmath.root(-base, exact.q)
        return (-root if exact.p % 2 else root) ** exact.p
    if reading == "complex":
        return mpmath.power(mpmath.mpc(base), exponent)
    return (-base) ** exponent
