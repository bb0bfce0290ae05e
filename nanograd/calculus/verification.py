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
from dataclasses import dataclass
from typing import Callable, Iterator, Sequence, Union

import mpmath
import sympy

from ..core.budget import check, within
from ..core.scalar import Scalar, apply
from ..core.walks import topological_order
from ..errors import DomainError, NanogradError
from ..symbolic import evaluate, grad_expr
from ..symbolic.backprop import SMALL, tree_size
from ..symbolic.leaves import leaf_symbols
from ..symbolic.precise import check_finite_real, real_value
from .diagnosis import Diagnosis, diagnose
from .parse import Expression, parse
from .proof import proved_equal

POINTS = 30  # agreeing points that make a numeric verdict
ATTEMPTS = 400  # random points tried at most, inside the domain or not
# Two forms of one function, evaluated in floats, differ by rounding only; a wrong claim differs
# by far more at almost every point, and a point that agrees by accident is one of thirty.
RELATIVE, ABSOLUTE = 1e-6, 1e-9
# A second look at a point where the floats disagree, rounding or a real difference: DIGITS digits,
# doubled until the two agree, or until values that no longer move with the precision still differ.
DIGITS, MAX_DIGITS = 30, 960
SIMPLIFY_SECONDS = 10.0  # sympy.simplify's budget (see `proof`)

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
    # points where the claim as written is undefined but the derivative is not, and the claim agrees
    # there read as a textbook does (see `TEXTBOOK_READING`)
    read_as_textbook: int = 0

    def __str__(self) -> str:
        if self.method == "symbolic":
            return "right: proved symbolically (simplify(derivative - claim) == 0)" + self._reading()
        if self.ok:
            return (f"right: simplification could not decide, and the two agree at {self.points} "
                    "points inside the domain" + self._reading())
        return f"wrong: {self.counterexample}" + (f"\n{self.diagnosis}" if self.diagnosis else "")

    def _reading(self) -> str:
        if not self.read_as_textbook:
            return ""
        return (f"; at {self.read_as_textbook} more the claim is undefined as written but agrees "
                f"{TEXTBOOK_READING}")


def verify(out: Scalar, wrt: Scalar, claim: Claim, diagnose_mistake: bool = True,
           timeout: float | None = None) -> Verification:
    """Whether `claim` is d out / d wrt. A string claim is read by nanograd's own safe parser.

    The claim's variables are matched by name to the graph's; the graph's current leaf values
    are the first point tested, then points from `sample_points`. A wrong claim gets a
    `diagnosis` (unless `diagnose_mistake` is False): the common mistake that reproduces it.
    `timeout` (seconds) bounds the whole check: past it, TimeBudgetError. Without it, only
    simplification is bounded (SIMPLIFY_SECONDS); no signal or timer is used, so any thread may
    call it.
    """
    if not isinstance(wrt, Scalar):
        raise TypeError(f"wrt must be a Scalar, not {type(wrt).__name__}")
    with within(timeout):
        return _verify(out, wrt, claim, diagnose_mistake)


def _verify(out: Scalar, wrt: Scalar, claim: Claim, diagnose_mistake: bool) -> Verification:
    order = topological_order(out)
    symbols = leaf_symbols(order)
    variables = {s.name: s for s in symbols.values() if isinstance(s, sympy.Symbol)}
    claimed = _as_expression(claim, variables)
    derivative = grad_expr(out, wrt=wrt)
    here = {s.name: leaf.data for leaf, s in symbols.items() if isinstance(s, sympy.Symbol)}
    points = itertools.chain([here], itertools.islice(sample_points(sorted(variables)), ATTEMPTS))
    compare = _Comparison(order, symbols, wrt, derivative, claimed)
    checked = read = 0
    counterexample = None
    for point in points:
        check("verify")
        slope = _slope_at(order, symbols, wrt, point)
        if slope is None:  # outside the domain of the graph or of its derivative
            continue
        verdict = compare(point, slope)
        if verdict is None:
            value, reason = _value_at(claimed, point)
            counterexample = Counterexample(point, slope, value, reason)
            break
        checked += verdict == AS_WRITTEN
        read += verdict == AS_READ
        if checked + read == POINTS:
            break
    # A wrong claim has been shown wrong; simplify is only asked to prove a claim right, because
    # on a difference that is not zero it can run for many minutes.
    if counterexample is None and proved_equal(derivative, claimed, SIMPLIFY_SECONDS):
        return Verification(True, "symbolic", derivative, claimed, checked, read_as_textbook=read)
    if checked + read == 0 and counterexample is None:
        raise DomainError(f"verify: simplification could not decide, and the derivative is undefined "
                          f"at every one of {ATTEMPTS + 1} points tried, {here} first")
    found = diagnose(out, wrt, claimed) if counterexample is not None and diagnose_mistake else None
    return Verification(counterexample is None, "numeric", derivative, claimed, checked, counterexample,
                        found, read)


def sample_points(names: Sequence[str], seed: int = 0) -> Iterator[dict[str, float]]:
    """Random points, the same on every run, spread over scales from 1/4 to 100.

    Rounded to four significant digits so that a counterexample reads and retypes easily.
    """
    rng = random.Random(seed)
    scales = (1.0, 4.0, 0.25, 16.0, 100.0)
    for k in itertools.count():
        scale = scales[k % len(scales)]
        yield {name: float(f"{rng.uniform(-scale, scale):.4g}") for name in names}


def claim_form(expression: Expression) -> sympy.Expr:
    """A parsed claim's closed form, built as the graph's are: with sympy's automatic
    simplification while it is small, without it (in linear time) when it is not."""
    from sympy.core.parameters import evaluate as sympy_evaluation  # sympy: loaded with this module

    with sympy_evaluation(tree_size(expression.tree, SMALL) <= SMALL):
        try:
            return expression.sympy()
        except (ArithmeticError, ValueError, TypeError) as error:  # sympy's, on relu(log(0))
            raise DomainError(f"the claim {expression.text} has no finite real closed form: "
                              f"{error}") from None


def _symbols_in(expr: sympy.Basic) -> set[sympy.Symbol]:
    """`expr.free_symbols` without recursion, so a deep claim is fine."""
    found, seen, stack = set(), set(), [expr]
    while stack:
        e = stack.pop()
        if id(e) not in seen:
            seen.add(id(e))
            if e.is_Symbol:
                found.add(e)
            stack.extend(e.args)
    return found


def _as_expression(claim: Claim, variables: dict[str, sympy.Symbol]) -> sympy.Expr:
    """The claim as sympy, in the graph's own symbols (a user's Symbol('x') is the graph's x)."""
    if isinstance(claim, str):
        expr = claim_form(parse(claim, variables=variables))  # xy is x*y when the graph has x and y
    elif isinstance(claim, sympy.Basic):
        expr = claim
    elif isinstance(claim, numbers.Real) and not isinstance(claim, Scalar):
        expr = sympy.sympify(claim)  # a number: sympify runs no code on it
    else:
        raise TypeError(f"the claim must be a sympy expression, a string or a number, "
                        f"not {type(claim).__name__}")
    check_finite_real(expr, "the claim")
    free = _symbols_in(expr)
    unknown = sorted({s.name for s in free} - set(variables))
    if unknown:
        raise ValueError(f"the claim uses {', '.join(unknown)}, which the graph has no variable of "
                         f"(its variables: {', '.join(sorted(variables)) or 'none'})")
    renamed = {s: variables[s.name] for s in free if s != variables[s.name]}
    return expr.xreplace(renamed) if renamed else expr


# How a point compares: the claim agrees there as written, or only as a textbook reads it.
AS_WRITTEN, AS_READ = "as written", "as read"
TEXTBOOK_READING = ("read as a textbook does (roots of negative factors merged, odd roots of "
                    "negatives real, or a gap at a single point, with the claim right on both sides)")
GAP = 1e-7  # relative distance to the sides of a point where the claim alone is undefined


class _Comparison:
    """The claim against the derivative at a point where the derivative is defined: AS_WRITTEN,
    AS_READ, or None (a counterexample).

    A claim undefined as written where the derivative is defined is still right when a textbook
    would call it right there: a root of a negative factor that merges with another
    (3/(2*sqrt(x-1)*(x+2)**(3/2)) for x < -2, read as sqrt((x-1)*(x+2)**3)), an odd root written as
    a power ((x**2-4)**(4/3) of a negative is a real number), or a single point where the form
    written cancels to 0/0 (|x| + x**2/|x| at 0) while the claim is right on both sides of it. A
    wrong answer stays wrong: the merged roots must pair up (the principal complex value is real)
    and the value read must agree with the derivative; a gap must have the claim right next to it.
    """

    def __init__(self, order: list[Scalar], symbols: dict, wrt: Scalar, derivative: sympy.Expr,
                 claim: sympy.Expr) -> None:
        self.order, self.symbols, self.wrt = order, symbols, wrt
        self.derivative, self.claim = derivative, claim
        self.precisely: Callable[[dict[str, float]], bool | None] | None = None

    def __call__(self, point: dict[str, float], slope: float) -> str | None:
        agrees = self.as_written(point, slope)
        if agrees is None:  # the claim has no real value here as written
            return AS_READ if self.read(point, slope) or self.gap(point) else None
        return AS_WRITTEN if agrees else None

    def as_written(self, point: dict[str, float], slope: float) -> bool | None:
        value, _ = _value_at(self.claim, point)
        if value is not None and math.isclose(slope, value, rel_tol=RELATIVE, abs_tol=ABSOLUTE):
            return True
        self.precisely = self.precisely or _precise_check(self.derivative, self.claim)
        return self.precisely(point)

    def read(self, point: dict[str, float], slope: float) -> bool:
        """Whether the claim, read as a textbook does, agrees at `point`."""
        try:
            reference, tolerance = real_value(self.derivative, point, DIGITS), mpmath.mpf(10) ** -12
        except (ArithmeticError, ValueError, TypeError):  # only the graph's float is known
            reference, tolerance = mpmath.mpf(slope), mpmath.mpf(RELATIVE)
        try:
            real_value(self.claim, point, DIGITS, reading="complex")  # the roots pair up
            value = real_value(self.claim, point, DIGITS, reading="magnitude")
        except (ArithmeticError, ValueError, TypeError):
            return False
        with mpmath.workdps(DIGITS):
            return bool(abs(value - reference) <= tolerance * max(1, abs(reference)))

    def gap(self, point: dict[str, float]) -> bool:
        """Whether the claim is right on both sides of `point` (on one, where the graph ends)."""
        sides = 0
        for sign in (1, -1):
            near = {name: v + sign * GAP * max(1.0, abs(v)) for name, v in point.items()}
            slope = _slope_at(self.order, self.symbols, self.wrt, near)
            if slope is None:
                continue
            if not self.as_written(near, slope):
                return False
            sides += 1
        return sides > 0


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


def _precise_check(derivative: sympy.Expr, claim: sympy.Expr) -> Callable[[dict[str, float]], bool | None]:
    """A second look at a point where the floats disagree: both closed forms in the reals with
    DIGITS digits and more (the same real arithmetic as the graph's: no complex roots).

    Floats can cancel (1 - tanh(20)**2 is 0.0) or overflow where the function is fine, so a
    disagreement in floats is a counterexample only when it survives this. Where the two still
    differ, the precision is doubled: they agree at last, or their values stop moving while
    they differ by more than that (a real difference), or MAX_DIGITS is reached (a difference).
    None: the claim has no real value at the point.
    """
    def agree(point: dict[str, float]) -> bool | None:
        previous = None
        digits = DIGITS
        while digits <= MAX_DIGITS:
            check("verify: a second look at a point, in more digits")
            try:
                a = real_value(derivative, point, digits)
            except (ArithmeticError, ValueError, TypeError):  # undefined there, in the reals
                return False
            try:
                b = real_value(claim, point, digits)
            except (ArithmeticError, ValueError, TypeError):
                return None
            with mpmath.workdps(digits):
                scale, tolerance = max(1, abs(a), abs(b)), mpmath.mpf(10) ** (10 - digits)
                if previous is None:
                    tolerance *= scale
                else:
                    # how far the values moved since half the precision: about their error there;
                    # the error here is smaller by about the digits added (cancellation loses the
                    # same number of digits at any precision), kept 5 digits on the safe side
                    moved = abs(a - previous[0]) + abs(b - previous[1])
                    tolerance = tolerance * scale + moved * mpmath.mpf(10) ** (5 - digits // 2)
                    if moved <= mpmath.mpf(10) ** (10 - digits // 2) * scale < abs(a - b):
                        return False  # values that stopped moving, and still differ
                if abs(a - b) <= tolerance:
                    return True
            previous = a, b
            digits *= 2
        return False

    return agree
