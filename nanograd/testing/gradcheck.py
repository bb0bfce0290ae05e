"""`check_gradients(fn)`: property-test a user's own function of Scalars against every oracle."""
from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Callable, Union

import sympy
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ..core.ops import REALS, Ranges
from ..core.scalar import Scalar
from ..errors import GradientCheckError
from ..symbolic import grad_expr
from .oracles import EXACT, FINITE_DIFFERENCE, at_kink, central_difference, close, difference_slack, value_of
from .strategies import values_in

Domain = Union[tuple[float, float], Ranges]


@dataclass
class GradientReport:
    """What `check_gradients` checked."""

    examples: int  # points where every check ran (points at a kink are skipped)


def check_gradients(fn: Callable[..., Scalar], domain: Domain | list[Domain] = REALS,
                    max_examples: int = 100) -> GradientReport:
    """Property-test `fn`, a function of Scalars: at points drawn from `domain`, backprop, the
    closed form, sympy.diff and central finite differences must agree. Returns a report, or
    raises GradientCheckError with the smallest failing point hypothesis finds. Points at a kink
    of fn (relu or abs at 0, where the one-sided slopes differ) are skipped.

    A domain is an interval `(lo, hi)` or a tuple of intervals; a list gives one per input.
    """
    names = list(inspect.signature(fn).parameters)
    domains = _domains(domain, len(names))
    symbols = [sympy.Symbol(n, real=True) for n in names]
    examples = 0

    def f(values: list[float]) -> float:
        return fn(*(Scalar(v) for v in values)).data

    @settings(max_examples=max_examples, deadline=None, database=None)
    @given(st.tuples(*(values_in(d) for d in domains)))
    def run(point: tuple[float, ...]) -> None:
        nonlocal examples
        values = list(point)
        leaves = [Scalar(v, sym=n) for v, n in zip(values, names)]
        out = fn(*leaves)
        out.backward()
        at = dict(zip(symbols, values))
        closed = out.expr
        for i, (leaf, ours) in enumerate(zip(leaves, grad_expr(out, wrt=leaves))):
            # At a kink (relu or abs at 0) the slopes from the left and the right differ, and
            # the answers legitimately disagree (backprop takes PyTorch's 0, sympy.diff and
            # central differences the mean): such a point checks nothing.
            assume(not at_kink(f, values, i))
            numeric = central_difference(f, values, i)
            answers = {"backprop": leaf.grad, "grad_expr": value_of(ours, at),
                       "sympy.diff": value_of(sympy.diff(closed, symbols[i]), at),
                       "finite differences": numeric}
            agree = all(close(leaf.grad, v, EXACT) for k, v in answers.items()
                        if k != "finite differences") and (
                close(leaf.grad, numeric, FINITE_DIFFERENCE)
                or abs(leaf.grad - numeric) <= difference_slack(f, values, i, numeric))
            if not agree:
                raise GradientCheckError(
                    f"d {fn.__name__}/d {names[i]} at {dict(zip(names, values))} disagrees: "
                    + ", ".join(f"{k} {v!r}" for k, v in answers.items())
                    + f"\n  {fn.__name__} = {closed}\n  d/d{names[i]} = {ours}")
        examples += 1  # a point counts once every input was checked there

    run()
    return GradientReport(examples)


def _ranges(domain: Domain) -> Ranges:
    """(lo, hi) or a union of such intervals, as a union."""
    if len(domain) == 2 and all(isinstance(v, (int, float)) for v in domain):
        lo, hi = domain
        return ((float(lo), float(hi)),)  # type: ignore[arg-type]
    return tuple((float(lo), float(hi)) for lo, hi in domain)  # type: ignore[misc]


def _domains(domain: Domain | list[Domain], n: int) -> list[Ranges]:
    if not isinstance(domain, list):  # one domain for every input
        return [_ranges(domain)] * n
    if len(domain) != n:
        raise ValueError(f"domain gives {len(domain)} ranges for a function of {n} inputs")
    return [_ranges(d) for d in domain]
