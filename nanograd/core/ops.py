"""The table of primitive operations: the one place that knows an op's calculus.

Each row gives the forward and the local derivative with respect to each input, written once,
generic over a number system `m`: `REAL` below (floats, through `math`) for the numeric pass, and
`nanograd.symbolic` (sympy) for closed forms. Both backprops read these rows and nothing else,
so the numbers and the formulas cannot drift apart.

In a rule, `x` and `y` are the inputs and `z` is the op's own output; a rule may use any of them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Callable

Ranges = tuple[tuple[float, float], ...]  # a union of closed intervals

# Where values are safe to sample (property tests, `check_gradients`): inside the domain, a
# margin away from kinks and poles, and small enough that a few dozen ops cannot overflow.
REALS: Ranges = ((-3.0, 3.0),)
POSITIVE: Ranges = ((0.25, 4.0),)
NONZERO: Ranges = ((-3.0, -0.25), (0.25, 3.0))
# The poles and edges of the functions below too, where slopes grow without bound: each range
# keeps an op's slope within about 4, as log's at 0.25, so chains of them stay well conditioned.
OPEN_UNIT: Ranges = ((-0.8, 0.8),)  # inside (-1, 1): asin, acos, atanh
QUARTER_TURN: Ranges = ((-1.0, 1.0),)  # between the poles of tan and sec at -pi/2 and pi/2
HALF_TURN: Ranges = ((-2.6, -0.5), (0.5, 2.6))  # between the poles of cot and csc at -pi, 0, pi
AWAY_FROM_ZERO: Ranges = ((-3.0, -0.5), (0.5, 3.0))  # the pole of coth and csch at 0
BASES: Ranges = ((0.25, 0.5), (2.0, 4.0))  # a logarithm's base, away from 1


@dataclass(frozen=True, eq=False)
class Op:
    """A primitive operation: how to compute it and how it changes with each input (one or two)."""

    name: str
    symbol: str  # how drawings and trees show it
    forward: Callable  # (m, *inputs) -> output
    partials: tuple[Callable, ...]  # one per input: (m, *inputs, output) -> d output / d input
    domain: str = "all reals"  # where the op and its derivatives are defined, for messages
    safe: tuple[Ranges, ...] = ()  # per input, where to sample values (REALS for each if empty)
    aliases: tuple[str, ...] = ()  # other names users type for it (arcsin for asin)
    arity: int = field(init=False)  # a field, not a property: the backward loop reads it per node

    def __post_init__(self) -> None:
        object.__setattr__(self, "arity", len(self.partials))
        if not self.safe:
            object.__setattr__(self, "safe", (REALS,) * self.arity)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def __reduce__(self) -> tuple:
        """A row pickles as its name (its rules are code): it loads as the table's own row."""
        if OPS.get(self.name) is not self:
            raise TypeError(f"only the rows of nanograd's table can be pickled, not {self!r}")
        return _row, (self.name,)


def _row(name: str) -> Op:
    return OPS[name]


def _relu(x: float) -> float:
    return x if x > 0.0 else 0.0


def _pow(x: float, y: float) -> float:
    if x == 0.0 and y < 0:  # math.pow calls this a domain error; it is a division by zero
        raise ZeroDivisionError("0 to a negative power")
    return math.pow(x, y)


class _Reciprocal(float):
    """1 / (scale * x) where that overflows (x subnormal): inf to anything that reads it, but
    g * it is g / scale / x, so that a finite product, as in d/dx x * log(x), is not lost to an
    infinite factor."""

    __slots__ = ("x", "scale")
    x: float
    scale: float

    def __new__(cls, x: float, scale: float) -> _Reciprocal:
        self = super().__new__(cls, math.copysign(math.inf, x))
        self.x, self.scale = x, scale
        return self

    def __mul__(self, g):  # g * self: Python asks the float subclass first
        quotient = g / self.x  # first, while g (often as small as x) keeps its digits
        return quotient / self.scale if -math.inf < quotient < math.inf else g / self.scale / self.x

    __rmul__ = __mul__


def _reciprocal(x: float, scale: float = 1.0) -> float:
    """1 / (scale * x); 1 / x first, as a product scale * x would drop a subnormal x's digits."""
    inverse = 1.0 / x / scale
    return inverse if -math.inf < inverse < math.inf else _Reciprocal(x, scale)


def _sigmoid(x: float) -> float:
    # Two branches so that neither exp can overflow: sigmoid(-1000) is 0.0, not an OverflowError.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sech(x: float) -> float:
    e = math.exp(-abs(x))  # 1 / cosh(x) would overflow at |x| > 710, where sech is nearly 0
    return 2.0 * e / (1.0 + e * e)


def _csch(x: float) -> float:
    # 1 / sinh(x) overflows as _sech would; expm1 keeps the small |x| accurate
    e = math.exp(-abs(x))
    return math.copysign(2.0 * e / -math.expm1(-2.0 * abs(x)), x)  # ZeroDivisionError at 0


def _cbrt(x: float) -> float:
    """The real cube root (math.cbrt is Python 3.11+): x ** (1/3), then one Newton step, written
    so that no cube underflows for tiny x, to land on 2.0 for 8 and -2.0 for -8."""
    a = abs(x)
    if a == 0.0:
        return x
    y = a ** (1.0 / 3.0)
    y -= (y - a / (y * y)) / 3.0
    return math.copysign(y, x)


# The real numbers as the rules see them. math raises ValueError or OverflowError on bad input
# (never returns nan), which the engine turns into errors that name the operation and the node.
REAL = SimpleNamespace(
    exp=math.exp, log=math.log, log10=math.log10, log2=math.log2, sqrt=math.sqrt,
    tanh=math.tanh, sin=math.sin, cos=math.cos, abs=abs, pow=_pow,
    tan=math.tan, cot=lambda x: math.cos(x) / math.sin(x), sec=lambda x: 1.0 / math.cos(x),
    csc=lambda x: 1.0 / math.sin(x), asin=math.asin, acos=math.acos, atan=math.atan,
    sinh=math.sinh, cosh=math.cosh, coth=lambda x: 1.0 / math.tanh(x), sech=_sech, csch=_csch,
    asinh=math.asinh, acosh=math.acosh, atanh=math.atanh, cbrt=_cbrt,
    sigmoid=_sigmoid, relu=_relu, reciprocal=_reciprocal,
    heaviside=lambda x: 1.0 if x > 0.0 else 0.0,  # relu'(x): 0 at the kink, as in PyTorch
    sign=lambda x: float((x > 0.0) - (x < 0.0)),  # abs'(x): 0 at the kink, as in PyTorch
    LN2=math.log(2.0), LN10=math.log(10.0),
)

OPS: dict[str, Op] = {op.name: op for op in (
    Op("add", "+", lambda m, x, y: x + y, (lambda m, x, y, z: 1, lambda m, x, y, z: 1)),
    Op("sub", "-", lambda m, x, y: x - y, (lambda m, x, y, z: 1, lambda m, x, y, z: -1)),
    Op("mul", "*", lambda m, x, y: x * y, (lambda m, x, y, z: y, lambda m, x, y, z: x)),
    Op("div", "/", lambda m, x, y: x / y,
       (lambda m, x, y, z: 1 / y, lambda m, x, y, z: -z / y), "y != 0", (REALS, NONZERO)),
    Op("pow", "**", lambda m, x, y: m.pow(x, y),
       # x ** 0 is constant, so its slope is 0 even at x = 0, where x ** -1 is undefined
       # and 0 ** y is 0 for all y > 0 near y, so d/dy is 0 there though log(0) is not a number
       (lambda m, x, y, z: 0 if y == 0 else y * m.pow(x, y - 1),
        lambda m, x, y, z: 0 if z == 0 else z * m.log(x)),
       "x > 0; or y an integer (y > 0 when x = 0) if y is a constant", (POSITIVE, REALS)),
    Op("neg", "-", lambda m, x: -x, (lambda m, x, z: -1,)),
    Op("exp", "exp", lambda m, x: m.exp(x), (lambda m, x, z: z,)),
    Op("log", "log", lambda m, x: m.log(x), (lambda m, x, z: m.reciprocal(x),), "x > 0", (POSITIVE,),
       ("ln",)),
    Op("log10", "log10", lambda m, x: m.log10(x), (lambda m, x, z: m.reciprocal(x, m.LN10),), "x > 0",
       (POSITIVE,)),
    Op("log2", "log2", lambda m, x: m.log2(x), (lambda m, x, z: m.reciprocal(x, m.LN2),), "x > 0",
       (POSITIVE,)),
    # log to a base y: a binary row, so a constant base stays exact as in x ** 2
    Op("logb", "logb", lambda m, x, y: m.log(x) / m.log(y),
       (lambda m, x, y, z: 1 / (x * m.log(y)), lambda m, x, y, z: -z / (y * m.log(y))),
       "x > 0; base y > 0 and y != 1", (POSITIVE, BASES)),
    Op("sqrt", "sqrt", lambda m, x: m.sqrt(x), (lambda m, x, z: 1 / (2 * z),),
       "x >= 0 (x > 0 for the derivative)", (POSITIVE,)),
    # z / (3 x) is 1 / (3 z**2), and is a division by zero at 0, where the slope is infinite
    Op("cbrt", "cbrt", lambda m, x: m.cbrt(x), (lambda m, x, z: z / (3 * x),),
       "all reals (x != 0 for the derivative)", (NONZERO,)),
    Op("tanh", "tanh", lambda m, x: m.tanh(x), (lambda m, x, z: 1 - z * z,)),
    Op("sigmoid", "sigmoid", lambda m, x: m.sigmoid(x), (lambda m, x, z: z * (1 - z),)),
    Op("relu", "relu", lambda m, x: m.relu(x), (lambda m, x, z: m.heaviside(x),), "kink at x = 0",
       (NONZERO,)),
    Op("sin", "sin", lambda m, x: m.sin(x), (lambda m, x, z: m.cos(x),)),
    Op("cos", "cos", lambda m, x: m.cos(x), (lambda m, x, z: -m.sin(x),)),
    Op("tan", "tan", lambda m, x: m.tan(x), (lambda m, x, z: 1 + z * z,),
       "x not an odd multiple of pi/2", (QUARTER_TURN,)),
    Op("cot", "cot", lambda m, x: m.cot(x), (lambda m, x, z: -(1 + z * z),),
       "x not a multiple of pi", (HALF_TURN,)),
    Op("sec", "sec", lambda m, x: m.sec(x), (lambda m, x, z: z * m.tan(x),),
       "x not an odd multiple of pi/2", (QUARTER_TURN,)),
    Op("csc", "csc", lambda m, x: m.csc(x), (lambda m, x, z: -z * m.cot(x),),
       "x not a multiple of pi", (HALF_TURN,)),
    # (1 - x)(1 + x), not 1 - x**2: accurate near +-1, where 1 - x**2 cancels
    Op("asin", "asin", lambda m, x: m.asin(x), (lambda m, x, z: 1 / m.sqrt((1 - x) * (1 + x)),),
       "-1 <= x <= 1 (-1 < x < 1 for the derivative)", (OPEN_UNIT,), ("arcsin",)),
    Op("acos", "acos", lambda m, x: m.acos(x),
       (lambda m, x, z: -1 / m.sqrt((1 - x) * (1 + x)),),
       "-1 <= x <= 1 (-1 < x < 1 for the derivative)", (OPEN_UNIT,), ("arccos",)),
    Op("atan", "atan", lambda m, x: m.atan(x), (lambda m, x, z: 1 / (1 + x * x),),
       aliases=("arctan",)),
    Op("sinh", "sinh", lambda m, x: m.sinh(x), (lambda m, x, z: m.cosh(x),)),
    Op("cosh", "cosh", lambda m, x: m.cosh(x), (lambda m, x, z: m.sinh(x),)),
    # -csch**2, not 1 - coth**2, which cancels to 0.0 for x > 19
    Op("coth", "coth", lambda m, x: m.coth(x), (lambda m, x, z: -m.csch(x) ** 2,), "x != 0",
       (AWAY_FROM_ZERO,)),
    Op("sech", "sech", lambda m, x: m.sech(x), (lambda m, x, z: -z * m.tanh(x),)),
    Op("csch", "csch", lambda m, x: m.csch(x), (lambda m, x, z: -z * m.coth(x),), "x != 0",
       (AWAY_FROM_ZERO,)),
    # cosh(asinh(x)) is sqrt(1 + x**2), without squaring x (no overflow for large x)
    Op("asinh", "asinh", lambda m, x: m.asinh(x), (lambda m, x, z: 1 / m.cosh(z),),
       aliases=("arsinh", "arcsinh")),
    # sqrt(x - 1) sqrt(x + 1): sympy's own form, accurate near 1 and no overflow for large x
    Op("acosh", "acosh", lambda m, x: m.acosh(x),
       (lambda m, x, z: 1 / (m.sqrt(x - 1) * m.sqrt(x + 1)),),
       "x >= 1 (x > 1 for the derivative)", (((1.25, 4.0),),), ("arcosh", "arccosh")),
    Op("atanh", "atanh", lambda m, x: m.atanh(x), (lambda m, x, z: 1 / ((1 - x) * (1 + x)),),
       "-1 < x < 1", (OPEN_UNIT,), ("artanh", "arctanh")),
    Op("abs", "abs", lambda m, x: m.abs(x), (lambda m, x, z: m.sign(x),), "kink at x = 0",
       (NONZERO,)),
    # relu' and abs' as ops of their own, so that a first derivative is itself a graph
    Op("heaviside", "H", lambda m, x: m.heaviside(x), (lambda m, x, z: 0,), "step at x = 0",
       (NONZERO,)),
    Op("sign", "sign", lambda m, x: m.sign(x), (lambda m, x, z: 0,), "step at x = 0", (NONZERO,)),
)}
