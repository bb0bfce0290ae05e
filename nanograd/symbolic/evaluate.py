"""Numbers from closed forms: at a graph's current leaf values, compiled with lambdify and cse.

`expr.subs(...)` is never used on big expressions: for the 41 gradients of a small MLP it takes
tens of seconds where a cse'd lambdify takes milliseconds.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Mapping, Sequence, Union

import sympy

from ..core.budget import within
from ..core.scalar import Scalar
from ..errors import DivisionByZeroError, DomainError, NonFiniteError, UnsupportedExpressionError
from .algebra import MATH_MODULES, constant
from .backprop import grad_expr
from .convert import from_sympy
from .leaves import leaf_values
from .precise import check_finite_real, real_value

Values = Union[Scalar, Mapping[Any, float]]


def _as_symbol_values(at: Values, symbols: Sequence[sympy.Symbol]) -> list[float]:
    """The values of `symbols` at a graph's leaves (`at` a Scalar) or in a mapping by symbol or name."""
    values = leaf_values(at) if isinstance(at, Scalar) else at
    result: list[float] = []
    for s in symbols:
        for key in (s, s.name):
            if key in values:
                result.append(values[key])
                break
        else:
            raise KeyError(f"no value for {s.name!r}")
    return result


def _finite(f, args: list[float], what: str) -> list[float]:
    """Run compiled code, turning math's bare errors into nanograd's, which say what and where."""
    where = f"{what} at {args}"
    try:
        result = f(*args)
    except NameError as error:  # lambdify's math code has no such function
        raise UnsupportedExpressionError(f"{where}: no numeric form for {error.name}") from None
    except ZeroDivisionError:
        raise DivisionByZeroError(f"{where}: division by zero") from None
    except OverflowError:
        raise NonFiniteError(f"{where}: too large for a float") from None
    except (ValueError, TypeError):
        raise DomainError(f"{where}: outside the domain of a function in it") from None
    numbers = [float(v) for v in (result if isinstance(result, (list, tuple)) else [result])]
    if not all(math.isfinite(v) for v in numbers):
        raise NonFiniteError(f"{where}: the result {numbers} is not finite")
    return numbers


def evaluate(expr: sympy.Expr | int | float | Fraction, at: Values, timeout: float | None = None) -> float:
    """The value of a closed form at the current leaf values of graph `at` (or at a mapping).

    Computed by nanograd's own forward pass over `from_sympy(expr)`: iterative, so any depth
    works, and a value outside a domain is reported as the operation that fails. Functions that
    are not in the table (gamma, say) are evaluated by mpmath, in the reals. Text is refused:
    read it with `nanograd.parse(text).sympy()`, which runs nothing it reads. `timeout`
    (seconds) bounds the time: past it, TimeBudgetError.
    """
    if isinstance(expr, (int, float, Fraction)) and not isinstance(expr, bool):
        expr = constant(expr)
    if not isinstance(expr, sympy.Basic):
        raise TypeError(f"evaluate takes a sympy expression or a number, not {type(expr).__name__}"
                        + ("; read text with nanograd.parse(text).sympy()" if isinstance(expr, str) else ""))
    values = leaf_values(at) if isinstance(at, Scalar) else at
    with within(timeout):
        check_finite_real(expr, "evaluate: the closed form")
        try:
            return from_sympy(expr, values)[0].data
        except UnsupportedExpressionError:
            return float(real_value(expr, values))


class GradientFunction:
    """Many gradients of one graph compiled into one function (lambdify with cse)."""

    def __init__(self, out: Scalar, wrt: Sequence[Scalar]) -> None:
        self.out = out
        self.wrt = list(wrt)
        self.exprs = grad_expr(out, wrt=self.wrt)
        self.symbols = list(leaf_values(out))
        self._f = sympy.lambdify(self.symbols, self.exprs, modules=MATH_MODULES, cse=True)

    def __call__(self, at: Values | None = None) -> list[float]:
        """The gradients at the graph's current leaf values, or at `at` (a graph or a mapping)."""
        args = _as_symbol_values(self.out if at is None else at, self.symbols)
        return _finite(self._f, args, "the compiled gradients")


def grad_function(out: Scalar, wrt: Sequence[Scalar]) -> GradientFunction:
    """Compile d out / d w for every w in `wrt` into one fast function of the leaf values."""
    return GradientFunction(out, wrt)
