"""Beside the table of operations: what textbooks call each op's rule, and the wrong rules students
use instead.

Keyed by op name, like `OPS`. A wrong rule is written as the true ones are, over a number system
`m`, but in forward mode: from the op's inputs `x` (and `y`), its output `z` and the inputs'
derivatives `dx` (and `dy`) to the mistaken derivative of the op's output. Forward mode because
many mistakes are not a wrong partial: (uv)' taken as u'v' is not linear in u' and v'. The
diagnosis replaces one node's rule by a wrong one and asks whether the result is the claim.

Entries for ops the table does not have yet are allowed (they wait for their row); every op of
the table must have an entry (a test says so).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping, Union

from .ops import Op

# The fixed vocabulary of kinds of mistake (also the JSON's).
KINDS = (
    "chain-rule", "product-rule", "quotient-rule", "power-rule", "exponential-log",
    "elementary-derivative", "sign", "constant-factor", "constant-term", "partial-derivative",
    "absolute-value", "log-base",
)

# Which of a binary op's inputs change with the variable: "both", "first" only, "second" only.
# A unary op's one input always does (a rule is only tried where the node depends on it).
ANY = "any"

# When several mistakes reproduce a claim, the lowest rank is reported: 0 for mixing up one
# function's derivative with another's, or the two terms of the quotient rule, 1 for the whole
# answer's sign (the plainest reading of an answer off by -1), 2 for a wrong rule at one node, 3
# for slips of bookkeeping (a sign or a constant factor lost at one node, a variable held constant
# or not), which many other mistakes also look like, 4 for the whole answer off by a constant factor.
CONFUSION, WHOLE_SIGN, RULE, LOOSE, WHOLE_FACTOR = range(5)


@dataclass(frozen=True)
class WrongRule:
    """One common mistake with an op: the derivative a student computes instead of the true one."""

    kind: str  # one of KINDS
    description: str  # what the answer did, e.g. "(uv)' taken as u'v'"
    tangent: Callable  # (m, *inputs, z, *input derivatives) -> the mistaken derivative of z
    varies: str = ANY  # which inputs must change with the variable for the mistake to be possible
    rank: int = RULE


RuleName = Union[str, Mapping[str, str]]  # one name, or one per `varies` pattern


@dataclass(frozen=True)
class OpRules:
    """What the textbook calls an op's rule, the names its constant inputs go by in that rule,
    and the common wrong rules."""

    name: RuleName
    wrong: tuple[WrongRule, ...] = ()
    constants: tuple[str, str] = ("c", "c")  # a constant first or second input, in messages
    # where the op is a function of one varying input, so its inner derivative can be left out:
    # ANY for a function of one variable; "first"/"second" for u^n, a^u, c/v, log_b u
    chain: tuple[str, ...] = (ANY,)

    def name_for(self, varies: str) -> str:
        return self.name if isinstance(self.name, str) else self.name.get(varies, self.name[ANY])


W = WrongRule
ED, SIGN, LOGB = "elementary-derivative", "sign", "log-base"


def _log_base(base: Callable) -> tuple[WrongRule, ...]:
    """The three ways a base-b logarithm goes wrong; `base(m, x, y)` is b."""
    return (
        W(LOGB, "the factor 1/ln b left out: (log_b u)' taken as u'/u", lambda m, *a: a[-1] / a[0]),
        W(LOGB, "multiplied by ln b instead of divided: (log_b u)' taken as u' ln b / u",
          lambda m, *a: a[-1] * m.log(base(m, *a)) / a[0]),
        W(LOGB, "divided by b instead of ln b: (log_b u)' taken as u'/(b u)",
          lambda m, *a: a[-1] / (base(m, *a) * a[0])),
    )


RULES: dict[str, OpRules] = {
    "add": OpRules({ANY: "sum rule", "first": "sum rule (a constant's derivative is 0)",
                    "second": "sum rule (a constant's derivative is 0)"}, (
        W(SIGN, "the sign of one term flipped: (u + v)' taken as u' - v'",
          lambda m, x, y, z, dx, dy: dx - dy, "both", LOOSE),
        W("constant-term", "the constant term's derivative kept: (u + c)' taken as u' + c",
          lambda m, x, y, z, dx, dy: dx + y, "first"),
        W("constant-term", "the constant term's derivative kept: (c + u)' taken as c + u'",
          lambda m, x, y, z, dx, dy: x + dy, "second"),
    ), chain=()),
    "sub": OpRules({ANY: "difference rule", "first": "difference rule (a constant's derivative is 0)",
                    "second": "difference rule (a constant's derivative is 0)"}, (
        W(SIGN, "the minus sign lost: (u - v)' taken as u' + v'",
          lambda m, x, y, z, dx, dy: dx + dy, "both", LOOSE),
        W(SIGN, "the minus sign lost: (c - v)' taken as v'", lambda m, x, y, z, dx, dy: dy, "second", LOOSE),
        W("constant-term", "the constant term's derivative kept: (u - c)' taken as u' - c",
          lambda m, x, y, z, dx, dy: dx - y, "first"),
        W("constant-term", "the constant term's derivative kept: (c - v)' taken as c - v'",
          lambda m, x, y, z, dx, dy: x - dy, "second"),
    ), chain=()),
    "mul": OpRules({ANY: "product rule", "first": "constant multiple rule",
                    "second": "constant multiple rule"}, (
        W("product-rule", "(uv)' taken as u'v'", lambda m, x, y, z, dx, dy: dx * dy, "both"),
        W("product-rule", "a term of the product rule left out: (uv)' taken as u'v",
          lambda m, x, y, z, dx, dy: dx * y, "both"),
        W("product-rule", "a term of the product rule left out: (uv)' taken as uv'",
          lambda m, x, y, z, dx, dy: x * dy, "both"),
        W("product-rule", "a factor missing from a term: (uv)' taken as u'v + v'",
          lambda m, x, y, z, dx, dy: dx * y + dy, "both"),
        W("product-rule", "a factor missing from a term: (uv)' taken as u' + uv'",
          lambda m, x, y, z, dx, dy: dx + x * dy, "both"),
        W(SIGN, "(uv)' taken as u'v - uv'", lambda m, x, y, z, dx, dy: dx * y - x * dy, "both", LOOSE),
        W(SIGN, "(uv)' taken as uv' - u'v", lambda m, x, y, z, dx, dy: x * dy - dx * y, "both", LOOSE),
        W("constant-factor", "the constant factor dropped: (u c)' taken as u'",
          lambda m, x, y, z, dx, dy: dx, "first", LOOSE),
        W("constant-factor", "the constant factor dropped: (c u)' taken as u'",
          lambda m, x, y, z, dx, dy: dy, "second", LOOSE),
        W("constant-factor", "divided by the constant instead of multiplied: (u c)' taken as u'/c",
          lambda m, x, y, z, dx, dy: dx / y, "first", LOOSE),
        W("constant-factor", "divided by the constant instead of multiplied: (c u)' taken as u'/c",
          lambda m, x, y, z, dx, dy: dy / x, "second", LOOSE),
    ), chain=()),
    "div": OpRules({ANY: "quotient rule", "first": "constant multiple rule"}, (
        W("quotient-rule", "the numerator in the wrong order: (u/v)' taken as (uv' - u'v)/v^2",
          lambda m, x, y, z, dx, dy: (x * dy - dx * y) / (y * y), "both", CONFUSION),
        W("quotient-rule", "(u/v)' taken as u'/v'", lambda m, x, y, z, dx, dy: dx / dy, "both"),
        W("quotient-rule", "the denominator not squared: (u/v)' taken as (u'v - uv')/v",
          lambda m, x, y, z, dx, dy: (dx * y - x * dy) / y, "both"),
        W("quotient-rule", "the denominator treated as a constant: (u/v)' taken as u'/v",
          lambda m, x, y, z, dx, dy: dx / y, "both"),
        W("quotient-rule", "(c/v)' taken as c/v'", lambda m, x, y, z, dx, dy: x / dy, "second"),
        W(SIGN, "the minus sign of the quotient rule lost: (u/v)' taken as (u'v + uv')/v^2",
          lambda m, x, y, z, dx, dy: (dx * y + x * dy) / (y * y), "both", LOOSE),
        W(SIGN, "the minus sign lost: (c/v)' taken as c v'/v^2",
          lambda m, x, y, z, dx, dy: x * dy / (y * y), "second", LOOSE),
        W("constant-factor", "the constant divisor dropped: (u/c)' taken as u'",
          lambda m, x, y, z, dx, dy: dx, "first", LOOSE),
        W("constant-factor", "multiplied by the constant instead of divided: (u/c)' taken as c u'",
          lambda m, x, y, z, dx, dy: dx * y, "first", LOOSE),
    ), chain=("second",)),
    "pow": OpRules({ANY: "power and exponential rules (u^v = e^(v ln u))", "first": "power rule",
                    "second": "exponential rule"}, (
        W("power-rule", "the exponent not lowered: (u^n)' taken as n u^n u'",
          lambda m, x, y, z, dx, dy: y * z * dx, "first"),
        W("power-rule", "the exponent raised instead of lowered: (u^n)' taken as n u^(n+1) u'",
          lambda m, x, y, z, dx, dy: y * m.pow(x, y + 1) * dx, "first"),
        W("power-rule", "integrated instead of differentiated: (u^n)' taken as u^(n+1)/(n+1) u'",
          lambda m, x, y, z, dx, dy: m.pow(x, y + 1) / (y + 1) * dx, "first"),
        W("constant-factor", "the old exponent not brought down: (u^n)' taken as u^(n-1) u'",
          lambda m, x, y, z, dx, dy: m.pow(x, y - 1) * dx, "first", LOOSE),
        W("chain-rule", "the power rule applied to the inner derivative: (u^n)' taken as n u'^(n-1)",
          lambda m, x, y, z, dx, dy: y * m.pow(dx, y - 1), "first"),
        W("power-rule", "the power rule applied to a variable exponent: (a^u)' taken as u a^(u-1) u'",
          lambda m, x, y, z, dx, dy: y * m.pow(x, y - 1) * dy, "second"),
        W("exponential-log", "the factor ln a left out: (a^u)' taken as a^u u'",
          lambda m, x, y, z, dx, dy: z * dy, "second"),
        W("power-rule", "u^v differentiated as if the exponent were constant: v u^(v-1) u'",
          lambda m, x, y, z, dx, dy: y * m.pow(x, y - 1) * dx, "both"),
        W("exponential-log", "u^v differentiated as if the base were constant: u^v ln(u) v'",
          lambda m, x, y, z, dx, dy: z * m.log(x) * dy, "both"),
    ), ("a", "n"), ("first", "second")),
    "neg": OpRules("constant multiple rule", (
        W(SIGN, "the minus sign lost: (-u)' taken as u'", lambda m, x, z, dx: dx, rank=LOOSE),),
        chain=()),
    "exp": OpRules("exponential rule", (
        W("power-rule", "e^u differentiated like a power: (e^u)' taken as u e^(u-1) u'",
          lambda m, x, z, dx: x * m.exp(x - 1) * dx),
        W("power-rule", "e^u differentiated like a power: (e^u)' taken as u e^(u-1)",
          lambda m, x, z, dx: x * m.exp(x - 1)),
    )),
    "log": OpRules("logarithm rule", (
        W("exponential-log", "(ln u)' taken as 1/u'", lambda m, x, z, dx: 1 / dx),
        W(ED, "ln u differentiated as if it were 1/u: (ln u)' taken as -u'/u^2",
          lambda m, x, z, dx: -dx / (x * x)),
        W(LOGB, "ln read as the base-10 logarithm: (ln u)' taken as u'/(u ln 10)",
          lambda m, x, z, dx: dx / (x * m.LN10)),
    )),
    "log10": OpRules("logarithm rule", _log_base(lambda m, *a: 10)),
    "log2": OpRules("logarithm rule", _log_base(lambda m, *a: 2)),
    "logb": OpRules("logarithm rule", tuple(
        W(w.kind, w.description, (lambda t: lambda m, x, y, z, dx, dy: t(m, x, y, z, dx))(w.tangent),
          "first") for w in _log_base(lambda m, x, y, *a: y)), ("u", "b"), ("first",)),
    "sqrt": OpRules("power rule (square root)", (
        W("constant-factor", "the factor 1/2 left out: (sqrt u)' taken as u'/sqrt(u)",
          lambda m, x, z, dx: dx / z),
        W("power-rule", "the exponent not lowered: (sqrt u)' taken as sqrt(u) u'/2",
          lambda m, x, z, dx: z * dx / 2),
    )),
    "cbrt": OpRules("power rule (cube root)", (
        W("constant-factor", "the factor 1/3 left out: (cbrt u)' taken as u'/cbrt(u)^2",
          lambda m, x, z, dx: dx * z / x),
    )),
    "tanh": OpRules("hyperbolic derivative", (
        W(ED, "tanh' taken as tan' (sec^2)", lambda m, x, z, dx: dx / m.cos(x) ** 2, rank=CONFUSION),
        W(ED, "tanh' taken as 1 + tanh^2", lambda m, x, z, dx: (1 + z * z) * dx),
    )),
    "sigmoid": OpRules("exponential rule (the logistic function)", (
        W(ED, "sigmoid' taken as sigmoid", lambda m, x, z, dx: z * dx),
    )),
    "relu": OpRules("piecewise rule (relu)", chain=()),
    "sin": OpRules("trig derivative", (
        W(ED, "sin' taken as -cos", lambda m, x, z, dx: -m.cos(x) * dx),
    )),
    "cos": OpRules("trig derivative", (
        W(ED, "cos' taken as sin (the minus sign lost)", lambda m, x, z, dx: m.sin(x) * dx),
    )),
    "tan": OpRules("trig derivative", (
        W(ED, "tan' taken as sec tan", lambda m, x, z, dx: m.sec(x) * z * dx, rank=CONFUSION),
        W(ED, "tan' taken as sec (not squared)", lambda m, x, z, dx: m.sec(x) * dx, rank=CONFUSION),
    )),
    "cot": OpRules("trig derivative", (
        W(ED, "cot' taken as +csc^2 (the minus sign lost)", lambda m, x, z, dx: m.csc(x) ** 2 * dx,
          rank=CONFUSION),
    )),
    "sec": OpRules("trig derivative", (
        W(ED, "sec' taken as tan^2", lambda m, x, z, dx: m.tan(x) ** 2 * dx, rank=CONFUSION),
        W(ED, "sec' taken as sec^2", lambda m, x, z, dx: z * z * dx, rank=CONFUSION),
        W(ED, "sec' taken as -sec tan (a minus sign added)", lambda m, x, z, dx: -z * m.tan(x) * dx),
    )),
    "csc": OpRules("trig derivative", (
        W(ED, "csc' taken as +csc cot (the minus sign lost)", lambda m, x, z, dx: z * m.cot(x) * dx),
    )),
    "asin": OpRules("inverse trig derivative", (
        W(ED, "asin' taken as 1/sqrt(1 + u^2)", lambda m, x, z, dx: dx / m.sqrt(1 + x * x),
          rank=CONFUSION),
        W(ED, "asin' taken as acos' (-1/sqrt(1 - u^2))", lambda m, x, z, dx: -dx / m.sqrt(1 - x * x),
          rank=CONFUSION),
    )),
    "acos": OpRules("inverse trig derivative", (
        W(ED, "acos' taken as +1/sqrt(1 - u^2) (the minus sign lost)",
          lambda m, x, z, dx: dx / m.sqrt(1 - x * x)),
    )),
    "atan": OpRules("inverse trig derivative", (
        W(ED, "atan' taken as tan' (sec^2)", lambda m, x, z, dx: dx * m.sec(x) ** 2, rank=CONFUSION),
        W(ED, "atan' taken as 1/sqrt(1 - u^2)", lambda m, x, z, dx: dx / m.sqrt(1 - x * x),
          rank=CONFUSION),
    )),
    "sinh": OpRules("hyperbolic derivative", (
        W(ED, "sinh' taken as sinh", lambda m, x, z, dx: z * dx, rank=CONFUSION),
        W(ED, "sinh' taken as -cosh", lambda m, x, z, dx: -m.cosh(x) * dx),
    )),
    "cosh": OpRules("hyperbolic derivative", (
        W(SIGN, "cosh' taken as -sinh, as for cos", lambda m, x, z, dx: -m.sinh(x) * dx),
        W(ED, "cosh' taken as cosh", lambda m, x, z, dx: z * dx, rank=CONFUSION),
    )),
    "coth": OpRules("hyperbolic derivative", (
        W(ED, "coth' taken as +csch^2 (the minus sign lost)", lambda m, x, z, dx: m.csch(x) ** 2 * dx),
    )),
    "sech": OpRules("hyperbolic derivative", (
        W(ED, "sech' taken as +sech tanh (the minus sign lost)", lambda m, x, z, dx: z * m.tanh(x) * dx),
    )),
    "csch": OpRules("hyperbolic derivative", (
        W(ED, "csch' taken as +csch coth (the minus sign lost)", lambda m, x, z, dx: z * m.coth(x) * dx),
    )),
    "asinh": OpRules("inverse hyperbolic derivative", (
        W(ED, "asinh' taken as asin' (1/sqrt(1 - u^2))", lambda m, x, z, dx: dx / m.sqrt(1 - x * x),
          rank=CONFUSION),
        W(ED, "asinh' taken as acosh' (1/sqrt(u^2 - 1))", lambda m, x, z, dx: dx / m.sqrt(x * x - 1),
          rank=CONFUSION),
    )),
    "acosh": OpRules("inverse hyperbolic derivative", (
        W(ED, "acosh' taken as asinh' (1/sqrt(u^2 + 1))", lambda m, x, z, dx: dx / m.sqrt(x * x + 1),
          rank=CONFUSION),
    )),
    "atanh": OpRules("inverse hyperbolic derivative", (
        W(ED, "atanh' taken as atan' (1/(1 + u^2))", lambda m, x, z, dx: dx / (1 + x * x), rank=CONFUSION),
    )),
    "abs": OpRules("absolute value rule", (
        W("absolute-value", "|u| treated as u: (|u|)' taken as u'", lambda m, x, z, dx: dx,
          rank=CONFUSION),
        W("absolute-value", "(|u|)' taken as |u'|", lambda m, x, z, dx: m.abs(dx), rank=CONFUSION),
    )),
    "heaviside": OpRules("step rule (constant on each side)", chain=()),
    "sign": OpRules("step rule (constant on each side)", chain=()),
}


def wrong_rules(op: Op) -> tuple[WrongRule, ...]:
    """The op's own wrong rules, then the chain-rule mistakes any function invites, built from its
    row of the table: the inner derivative left out; for a function of one variable also the
    outer function not differentiated, and the derivative taken at the inner derivative."""
    entry = RULES.get(op.name, OpRules(op.name))
    if op.arity == 2:
        return entry.wrong + tuple(
            W("chain-rule", "the inner derivative left out", _partial_only(op, 0 if p == "first" else 1), p)
            for p in entry.chain)
    if not entry.chain:
        return entry.wrong
    forward, partial = op.forward, op.partials[0]
    return entry.wrong + (
        W("chain-rule", "the inner derivative left out", _partial_only(op, 0)),
        W("chain-rule", "only the inner function differentiated", lambda m, x, z, dx: dx),
        W("chain-rule", "the derivative taken at the inner derivative: f'(u') written for f'(u) u'",
          lambda m, x, z, dx: partial(m, dx, forward(m, dx))),
        W("chain-rule", "f(u') written for the derivative f'(u) u'", lambda m, x, z, dx: forward(m, dx)),
    )


def _partial_only(op: Op, position: int) -> Callable:
    """The op's derivative by the input at `position`, not multiplied by that input's derivative."""
    partial, arity = op.partials[position], op.arity
    return lambda m, *a: partial(m, *a[:arity + 1])
