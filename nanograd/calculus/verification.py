"""Checking a derivative worked out by hand: proved with sympy where it can, else tested at many points.

A claim right only up to a constant factor or a sign is wrong, and is reported with a point
where the two differ. The numbers come from the graph itself, rebuilt at each point and
backpropagated, so the points tested are inside the domain of the graph as written (the closed
form of `sqrt(x)**2` is `x`, but the graph is undefined for x < 0).
"""
from __future__ import annotations

import itertools
import math
import numbers
import random
import signal
import threading
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence, Union

import mpmath
import sympy

from ..core.scalar import Scalar, apply
from ..core.walks import topological_order
from ..errors import DomainError, NanogradError
from ..symbolic import evaluate, grad_expr
from ..symbolic.algebra import MPMATH_MODULES
from ..symbolic.leaves import leaf_symbols
from .diagnosis import Diagnosis, diagnose
from .parse import parse

POINTS = 30  # agreeing points that make a numeric verdict
ATTEMPTS = 400  # random points tried at most, inside the domain or not
# Two forms of one function, evaluated in floats, differ by rounding only; a wrong claim differs
# by far more at almost every point, and a point that agrees by accident is one of thirty.
RELATIVE, ABSOLUTE = 1e-6, 1e-9
DIGITS = 30  # for a second look at a point where the floats disagree: rounding or a real difference?
SIMPLIFY_SECONDS = 10.0  # sympy.simplify's budget where it can be interrupted (the main thread)

Claim = Union[sympy.Expr, str, int, float]


@dataclass(frozen=True)
class Counterexample:
    """A point where the claim is not the derivative: both values there (None: claim undefined)."""

    point: dict[str, float]
    derivative: float
    claim: float | None
    reason: str = ""  # why the claim is undefined there

    def __str__(self) -> str:
        at = ", ".join(f"{name} = {value!r}" for name, value in self.point.items()) or "every point"
        claim = f"is {self.claim!r}" if self.claim is not None else f"is undefined ({self.reason})"
        return f"at {at} the derivative is {self.derivative!r} but the claim {claim}"


@dataclass(frozen=True)
class Verification:
    """The verdict on a claimed derivative, and how it was reached."""

    ok: bool
    method: str  # "symbolic": simplify(derivative - claim) is 0; "numeric": tested at `points`
    derivative: sympy.Expr  # nanograd's closed form
    claim: sympy.Expr
    points: int  # points inside the domain where the two were compared
    counterexample: Counterexample | None = None
    diagnosis: Diagnosis | None = None  # the common mistake that gives the claim, when one does

    def __str__(self) -> str:
        if self.method == "symbolic":
            return "right: proved symbolically (simplify(derivative - claim) == 0)"
        if self.ok:
            return (f"right: simplification could not decide, and the two agree at {self.points} "
                    "points inside the domain")
        return f"wrong: {self.counterexample}" + (f"\n{self.diagnosis}" if self.diagnosis else "")


def verify(out: Scalar, wrt: Scalar, claim: Claim, diagnose_mistake: bool = True) -> Verification:
    """Whether `claim` is d out / d wrt. A string claim is read by nanograd's own safe parser.

    The claim's variables are matched by name to the graph's; the graph's current leaf values
    are the first point tested, then points from `sample_points`. A wrong claim gets a
    `diagnosis` (unless `diagnose_mistake` is False): the common mistake that reproduces it.
    """
    if not isinstance(wrt, Scalar):
        raise TypeError(f"wrt must be a Scalar, not {type(wrt).__name__}")
    order = topological_order(out)
    symbols = leaf_symbols(order)
    variables = {s.name: s for s in symbols.values() if isinstance(s, sympy.Symbol)}
    claimed = _as_expression(claim, variables)
    derivative = grad_expr(out, wrt=wrt)
    here = {s.name: leaf.data for leaf, s in symbols.items() if isinstance(s, sympy.Symbol)}
    points = itertools.chain([here], itertools.islice(sample_points(sorted(variables)), ATTEMPTS))
    checked, counterexample, precisely = 0, None, None
    for point in points:
        slope = _slope_at(order, symbols, wrt, point)
        if slope is None:  # outside the domain of the graph or of its derivative
            continue
        value, reason = _value_at(claimed, point)
        if value is None or not math.isclose(slope, value, rel_tol=RELATIVE, abs_tol=ABSOLUTE):
            precisely = precisely or _precise_check(derivative, claimed, variables)
            if not precisely(point):
                counterexample = Counterexample(point, slope, value, reason)
                break
        checked += 1
        if checked == POINTS:
            break
    # A wrong claim has been shown wrong; simplify is only asked to prove a claim right, because
    # on a difference that is not zero it can run for many minutes.
    if counterexample is None and _is_zero(derivative - claimed, SIMPLIFY_SECONDS):
        return Verification(True, "symbolic", derivative, claimed, checked)
    if checked == 0 and counterexample is None:
        raise DomainError(f"verify: simplification could not decide, and the derivative is undefined "
                          f"at every one of {ATTEMPTS + 1} points tried, {here} first")
    found = diagnose(out, wrt, claimed) if counterexample is not None and diagnose_mistake else None
    return Verification(counterexample is None, "numeric", derivative, claimed, checked, counterexample,
                        found)


def sample_points(names: Sequence[str], seed: int = 0) -> Iterator[dict[str, float]]:
    """Random points, the same on every run, spread over scales from 1/4 to 100.

    Rounded to four significant digits so that a counterexample reads and retypes easily.
    """
    rng = random.Random(seed)
    scales = (1.0, 4.0, 0.25, 16.0, 100.0)
    for k in itertools.count():
        scale = scales[k % len(scales)]
        yield {name: float(f"{rng.uniform(-scale, scale):.4g}") for name in names}


def _as_expression(claim: Claim, variables: dict[str, sympy.Symbol]) -> sympy.Expr:
    """The claim as sympy, in the graph's own symbols (a user's Symbol('x') is the graph's x)."""
    if isinstance(claim, str):
        expr = parse(claim, variables=variables).sympy()  # xy is x*y when the graph has x and y
    elif isinstance(claim, sympy.Basic):
        expr = claim
    elif isinstance(claim, numbers.Real) and not isinstance(claim, Scalar):
        expr = sympy.sympify(claim)  # a number: sympify runs no code on it
    else:
        raise TypeError(f"the claim must be a sympy expression, a string or a number, "
                        f"not {type(claim).__name__}")
    unknown = sorted({s.name for s in expr.free_symbols} - set(variables))
    if unknown:
        raise ValueError(f"the claim uses {', '.join(unknown)}, which the graph has no variable of "
                         f"(its variables: {', '.join(sorted(variables)) or 'none'})")
    return expr.xreplace({s: variables[s.name] for s in expr.free_symbols})


def _slope_at(order: list[Scalar], symbols: dict, wrt: Scalar, point: dict[str, float]) -> float | None:
    """d out / d wrt by backprop over the graph rebuilt at `point`; None where it is undefined."""
    new: dict[Scalar, Scalar] = {}
    try:
        for node in order:
            if node.op is None:
                symbol = symbols[node]
                value = point[symbol.name] if isinstance(symbol, sympy.Symbol) else node.data
                new[node] = Scalar(value, label=node.label, sym=node.sym)
            else:
                new[node] = apply(node.op, *(new[i] if isinstance(i, Scalar) else i for i in node.inputs))
        new[order[-1]].backward()
    except NanogradError:
        return None
    return new[wrt].grad if wrt in new else 0.0


def _value_at(expr: sympy.Expr, point: dict[str, float]) -> tuple[float | None, str]:
    """The claim's value at `point`, or None and the reason it is undefined there."""
    try:
        return evaluate(expr, point), ""
    except (ArithmeticError, ValueError, TypeError) as error:  # nanograd's errors, or lambdify's
        return None, str(error)


def _precise_check(derivative: sympy.Expr, claim: sympy.Expr,
                   variables: dict[str, sympy.Symbol]) -> Callable[[dict[str, float]], bool]:
    """A second look at a point where the floats disagree: both closed forms with DIGITS digits.

    Floats can cancel (1 - tanh(20)**2 is 0.0) or overflow where the function is fine, so a
    disagreement in floats is a counterexample only when it survives this. (Fixed precision:
    sympy's evalf raises its precision where terms cancel and can take minutes.)
    """
    names = sorted(variables)
    both = sympy.lambdify([variables[n] for n in names], [derivative, claim], modules=MPMATH_MODULES)

    def agree(point: dict[str, float]) -> bool:
        with mpmath.workdps(DIGITS):
            try:
                a, b = (mpmath.mpmathify(v) for v in both(*(mpmath.mpf(point[n]) for n in names)))
            except (ArithmeticError, ValueError, TypeError):
                return False
            return (isinstance(a, mpmath.mpf) and isinstance(b, mpmath.mpf) and mpmath.isfinite(a)
                    and abs(a - b) <= mpmath.mpf(10) ** (10 - DIGITS) * max(1, abs(a), abs(b)))

    return agree


class _OutOfTime(Exception):
    pass


def _is_zero(expr: sympy.Expr, seconds: float) -> bool:
    """simplify(expr) == 0, or False when it has not finished within `seconds`.

    Only the main thread can be interrupted (by a timer signal); elsewhere simplify has no budget.
    """
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return sympy.simplify(expr) == 0

    def out_of_time(signum, frame):
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time)
    try:  # the timer is set and stopped inside, so that an alarm at any moment is caught here
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return sympy.simplify(expr) == 0
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _OutOfTime:
        return False
    finally:
        signal.signal(signal.SIGALRM, previous)
