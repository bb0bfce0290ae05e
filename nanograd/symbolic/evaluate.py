"""Numbers from closed forms and graphs: closed forms evaluated by nanograd's forward pass,
gradients by the compiled graph (`grad_function`).

`expr.subs(...)` is never used on big expressions: for the 41 gradients of a small MLP it takes
tens of seconds where a cse'd lambdify takes milliseconds.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any, Mapping, Sequence, Union

import sympy

from ..compiler import compile
from ..core.budget import within
from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import UnsupportedExpressionError
from .algebra import constant
from .backprop import grad_expr
from .convert import from_sympy
from .leaves import leaf_symbols, leaf_values
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
    """Many gradients of one graph as one fast function of the leaf values: the graph compiled
    (`nanograd.compile`) with the variable leaves as inputs, so the numbers are backprop's."""

    def __init__(self, out: Scalar, wrt: Sequence[Scalar]) -> None:
        self.out = out
        self.wrt = list(wrt)
        leaves = leaf_symbols(topological_order(out))
        variables = [(leaf, s) for leaf, s in leaves.items() if isinstance(s, sympy.Symbol)]
        self.symbols = [s for _, s in variables]
        self._compiled = compile(out, [leaf for leaf, _ in variables], wrt=self.wrt)
        self._exprs: list[sympy.Expr] | None = None

    @property
    def exprs(self) -> list[sympy.Expr]:
        """The gradients' closed forms (built on first use: large graphs make large ones)."""
        if self._exprs is None:
            self._exprs = grad_expr(self.out, wrt=self.wrt)
        return self._exprs

    def __call__(self, at: Values | None = None) -> list[float]:
        """The gradients at the graph's current leaf values, or at `at` (a graph or a mapping);
        outside a domain, nanograd's error naming the operation and the node."""
        if at is None:  # the inputs' current values, read straight from the leaves
            return self._compiled()[1]
        return self._compiled(_as_symbol_values(at, self.symbols))[1]


def grad_function(out: Scalar, wrt: Sequence[Scalar]) -> GradientFunction:
    """Compile d out / d w for every w in `wrt` into one fast function of the leaf values."""
    return GradientFunction(out, wrt)
