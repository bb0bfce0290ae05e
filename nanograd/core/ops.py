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


@dataclass(frozen=True, eq=False)
class Op:
    """A primitive operation: how to compute it and how it changes with each input (one or two)."""

    name: str
    symbol: str  # how drawings and trees show it
    forward: Callable  # (m, *inputs) -> output
    partials: tuple[Callable, ...]  # one per input: (m, *inputs, output) -> d output / d input
    domain: str = "all reals"  # where the op and its derivatives are defined, for messages
    safe: tuple[Ranges, ...] = ()  # per input, where to sample values (REALS for each if empty)
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


# The real numbers as the rules see them. math raises ValueError or OverflowError on bad input
# (never returns nan), which the engine turns into errors that name the operation and the node.
REAL = SimpleNamespace(
    exp=math.exp, log=math.log, log10=math.log10, log2=math.log2, sqrt=math.sqrt,
    tanh=math.tanh, sin=math.sin, cos=math.cos, abs=abs, pow=_pow,
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
    Op("log", "log", lambda m, x: m.log(x), (lambda m, x, z: m.reciprocal(x),), "x > 0", (POSITIVE,)),
    Op("log10", "log10", lambda m, x: m.log10(x), (lambda m, x, z: m.reciprocal(x, m.LN10),), "x > 0",
       (POSITIVE,)),
    Op("log2", "log2", lambda m, x: m.log2(x), (lambda m, x, z: m.reciprocal(x, m.LN2),), "x > 0",
       (POSITIVE,)),
    Op("sqrt", "sqrt", lambda m, x: m.sqrt(x), (lambda m, x, z: 1 / (2 * z),),
       "x >= 0 (x > 0 for the derivative)", (POSITIVE,)),
    Op("tanh", "tanh", lambda m, x: m.tanh(x), (lambda m, x, z: 1 - z * z,)),
    Op("sigmoid", "sigmoid", lambda m, x: m.sigmoid(x), (lambda m, x, z: z * (1 - z),)),
    Op("relu", "relu", lambda m, x: m.relu(x), (lambda m, x, z: m.heaviside(x),), "kink at x = 0",
       (NONZERO,)),
    Op("sin", "sin", lambda m, x: m.sin(x), (lambda m, x, z: m.cos(x),)),
    Op("cos", "cos", lambda m, x: m.cos(x), (lambda m, x, z: -m.sin(x),)),
    Op("abs", "abs", lambda m, x: m.abs(x), (lambda m, x, z: m.sign(x),), "kink at x = 0",
       (NONZERO,)),
    # relu' and abs' as ops of their own, so that a first derivative is itself a graph
    Op("heaviside", "H", lambda m, x: m.heaviside(x), (lambda m, x, z: 0,), "step at x = 0",
       (NONZERO,)),
    Op("sign", "sign", lambda m, x: m.sign(x), (lambda m, x, z: 0,), "step at x = 0", (NONZERO,)),
)}
