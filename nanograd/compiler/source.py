"""The table's third number system: values that are Python source text.

The table's rules are written once over a number system `m` (`REAL`: floats; sympy: closed
forms). Run over `SOURCE`, a rule returns the code that computes it: `x * y` gives the text
`{0} * {1}`, `m.tanh(x)` gives `tanh({0})`, a call to REAL's own `tanh` by name. So compiled
code performs the very operations the numeric backprop performs, in the same order, and a row
added to the table (with its functions added to `REAL`) compiles with no edit here.

A rule that branches on a value (`0 if y == 0 else ...`) cannot be written out as text: its
text is a call of the rule itself over REAL (`R3(REAL, {0}, {1}, {2})`), still the table's rule.
"""
from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from fractions import Fraction
from numbers import Real
from typing import Any, Callable

from ..core.ops import REAL, Op

# Python's precedence, loosest to tightest, as far as the rules need it.
SUM, PRODUCT, UNARY, POWER, ATOM = 1, 2, 3, 4, 5
# Placeholders: the inputs x and y, the output z and the gradient g arriving at the node.
X, Y, Z, G = "{0}", "{1}", "{2}", "{3}"


class _ValueDependent(Exception):
    """A rule asked for the truth of a value that is only known when the code runs.

    Internal to this module: caught where templates are made (so not a NanogradError)."""


class Source:
    """A Python expression, with the precedence of its outermost operator."""

    __slots__ = ("text", "precedence")

    def __init__(self, text: str, precedence: int = ATOM) -> None:
        self.text = text
        self.precedence = precedence

    def _binary(self, symbol: str, precedence: int, other: Any, reflected: bool) -> Source:
        left, right = (lift(other), self) if reflected else (self, lift(other))
        # Left-associative: a left operand as loose as the operator keeps its meaning unwrapped,
        # a right one does not (`a - (b - c)`). `**` binds to the right, and its base must not
        # be a unary minus (`-x ** 2` is `-(x ** 2)`).
        if symbol == "**":
            return Source(f"{left.wrapped(ATOM)} ** {right.wrapped(UNARY)}", POWER)
        return Source(f"{left.wrapped(precedence)} {symbol} {right.wrapped(precedence + 1)}",
                      precedence)

    def wrapped(self, at_least: int) -> str:
        """The text, in parentheses unless it binds at least as tightly as `at_least`."""
        return self.text if self.precedence >= at_least else f"({self.text})"

    def __add__(self, other): return self._binary("+", SUM, other, False)
    def __radd__(self, other): return self._binary("+", SUM, other, True)
    def __sub__(self, other): return self._binary("-", SUM, other, False)
    def __rsub__(self, other): return self._binary("-", SUM, other, True)
    def __mul__(self, other): return self._binary("*", PRODUCT, other, False)
    def __rmul__(self, other): return self._binary("*", PRODUCT, other, True)
    def __truediv__(self, other): return self._binary("/", PRODUCT, other, False)
    def __rtruediv__(self, other): return self._binary("/", PRODUCT, other, True)
    def __pow__(self, other): return self._binary("**", POWER, other, False)
    def __rpow__(self, other): return self._binary("**", POWER, other, True)

    def __neg__(self) -> Source:
        return Source(f"-{self.wrapped(UNARY)}", UNARY)

    def __pos__(self) -> Source:
        return self

    def _branch(self, *_: Any) -> bool:
        raise _ValueDependent(self.text)

    __bool__ = __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _branch
    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"Source({self.text!r})"


def literal(value: Any) -> Source:
    """A number as exact source: floats by repr (which round-trips), Fractions as a call, ints
    as the float they equal where that is exact (below 2**53): `1 - z * z` and `1.0 - z * z`
    give the same float, but CPython's fast paths for float arithmetic and comparison take two
    floats, so an int operand costs about 12 ns an operation."""
    if type(value) is Fraction:
        return Source(repr(value), ATOM)
    if type(value) is bool or not isinstance(value, Real) or type(value) not in (int, float):
        raise TypeError(f"a constant of type {type(value).__name__} has no exact source: {value!r}")
    text = repr(float(value) if type(value) is int and abs(value) < 2 ** 53 else value)
    return Source(text, UNARY if text.startswith("-") else ATOM)


def lift(value: Any) -> Source:
    return value if isinstance(value, Source) else literal(value)


# REAL's primitives that branch on their argument, written out as the code that computes them,
# so compiled code makes no Python call for them: the same comparisons and constants as REAL's
# function, so the same float to the last bit (tests/test_compiler.py checks each one against
# REAL's on zeros of both signs, subnormals, infinities and nan). `{0}` is the argument, which
# must be a name or a number here (it appears more than once); other primitives are called.
INLINE: dict[str, str] = {
    "relu": "({0} if {0} > 0.0 else 0.0)",
    "heaviside": "(1.0 if {0} > 0.0 else 0.0)",
    "sign": "(1.0 if {0} > 0.0 else -1.0 if {0} < 0.0 else 0.0)",
    "sigmoid": "(1.0 / (1.0 + exp(-{0})) if {0} >= 0.0 else exp({0}) / (1.0 + exp({0})))",
}
_ATOM = re.compile(r"\{\d\}|[A-Za-z_]\w*|\d[\w.]*|\(-?[\d.][\w.+-]*\)")  # a name, number, placeholder


class SourceNumbers:
    """`m` for the rules: every name REAL has, as code that calls (or reads) REAL's by name, or,
    for the primitives of `inline`, as the code of the primitive itself."""

    def __init__(self, inline: dict[str, str]) -> None:
        self._inline = inline

    def __getattr__(self, name: str) -> Any:
        real = getattr(REAL, name)  # an AttributeError names what the table asked for
        if not callable(real):
            return Source(name, ATOM)
        inline = self._inline.get(name)

        def call(*args: Any) -> Source:
            sources = [lift(a) for a in args]
            texts = [a.text for a in sources]
            if inline is not None and all(_ATOM.fullmatch(a.text) and a.precedence == ATOM
                                          for a in sources):
                return Source(inline.format(*texts), ATOM)
            return Source(f"{name}({', '.join(texts)})", ATOM)

        return call


SOURCE = SourceNumbers(INLINE)
# Every primitive as a call by name: for code run over arrays (`compile_batch`), where the names
# are bound to array functions and a Python `if` cannot branch per element.
CALLS = SourceNumbers({})

# The rules compiled code calls by name when their text depends on values (see the module doc).
RULES: dict[str, Callable] = {}
_rule_names: dict[Callable, str] = {}
_counter = itertools.count()
_RULE_CALL = re.compile(r"\bR\d+\(REAL")


def _rule_call(rule: Callable, args: tuple) -> Source:
    name = _rule_names.get(rule)
    if name is None:
        name = _rule_names.setdefault(rule, f"R{next(_counter)}")
        RULES[name] = rule
    return Source(f"{name}(REAL, {', '.join(lift(a).text for a in args)})", ATOM)


def _run(rule: Callable, args: tuple, m: SourceNumbers) -> Source:
    try:
        return lift(rule(m, *args))
    except _ValueDependent:
        return _rule_call(rule, args)


@dataclass(frozen=True)
class Template:
    """One row of the table, as text for one arrangement of node operands and constants.

    `forward` holds X (and Y) where node operands go, A (and B) where constants go;
    `contributions[i]` is `g * partial_i`, what backprop adds to input i's gradient (None where
    input i is a constant), holding X, Y, A, B, Z and G. Filled in with `str.format`.
    """

    forward: str
    contributions: tuple[str | None, ...]
    # how tightly `forward` binds, and how tightly a value put at X (Y) must bind to stand there
    # without parentheses: `{0} + {1}` takes a product at Y bare (`a + b * c`), a sum not
    precedence: int = ATOM
    forward_needs: tuple[int, int] = (ATOM, ATOM)
    forward_uses: tuple[int, int] = (0, 0)  # how often X and Y appear in `forward`
    contribution_uses: tuple[tuple[int, int, int, int], ...] = ()  # X, Y, Z, G in each (0s if None)
    branches: bool = False  # a rule branched on a value, so its text calls the rule
    # (input, contribution, the same times a seed of 1.0, its uses) for each node input
    targets: tuple[tuple[int, str, str, tuple[int, int, int, int]], ...] = ()

    def __post_init__(self) -> None:
        texts = [self.forward, *(c for c in self.contributions if c)]
        object.__setattr__(self, "branches", any(_RULE_CALL.search(t) for t in texts))
        counts = tuple((0, 0, 0, 0) if c is None else tuple(c.count(p) for p in (X, Y, Z, G))
                       for c in self.contributions)
        object.__setattr__(self, "forward_uses", (self.forward.count(X), self.forward.count(Y)))
        object.__setattr__(self, "contribution_uses", counts)
        object.__setattr__(self, "targets", tuple(
            (k, c, c[len(f"{G} * "):] if c.startswith(f"{G} * ") else c, u)
            for k, (c, u) in enumerate(zip(self.contributions, counts)) if c is not None))


_templates: dict[tuple, Template] = {}
A, B = "{4}", "{5}"  # placeholders for constant operands, where the rules do not branch on them


def template(op: Op, a: Any, b: Any, a_is_node: bool, b_is_node: bool,
             m: SourceNumbers = SOURCE) -> Template:
    """The template of `op` on operands `a` (and `b`): node operands become placeholders X and
    Y, constants the placeholders A and B; but where a rule branches on a constant (pow's slope
    is 0 for y == 0), the constant's exact value is written in, so the cache keys on it. `m`:
    SOURCE, or CALLS for code run over arrays."""
    key: tuple = (op, a_is_node, b_is_node, m)
    found = _templates.get(key)
    if found is None:
        found = _templates[key] = _make(op, Source(X) if a_is_node else Source(A),
                                        Source(Y) if b_is_node else Source(B), op.arity, m)
    if not found.branches or (a_is_node and (b_is_node or op.arity == 1)):
        return found
    key = (op, a_is_node or (type(a), repr(a)), b_is_node or (type(b), repr(b)), m)  # -0.0 != 0.0
    found = _templates.get(key)
    if found is None:
        found = _templates[key] = _make(op, Source(X) if a_is_node else a,
                                        Source(Y) if b_is_node else b, op.arity, m)
    return found


def constant_text(value: Any) -> str:
    """A constant operand as the text that fills A or B."""
    text = literal(value).text
    return f"({text})" if text[0] == "-" else text


def _make(op: Op, x: Any, y: Any, arity: int, m: SourceNumbers) -> Template:
    args = (x,) if arity == 1 else (x, y)
    nodes = [isinstance(v, Source) and v.text in (X, Y) for v in args]
    forward = _run(op.forward, args, m)
    contributions = tuple(
        _contribution(_run(partial, (*args, Source(Z)), m)) if is_node else None
        for partial, is_node in zip(op.partials, nodes))
    needs = [_needs(op, args, k, m) if is_node else ATOM for k, is_node in enumerate(nodes)]
    needs.append(ATOM)  # a unary op's missing Y
    return Template(forward.text, contributions, forward.precedence, (needs[0], needs[1]))


def _needs(op: Op, args: tuple, k: int, m: SourceNumbers) -> int:
    """The loosest precedence a value at input k of `op`'s forward text may have unwrapped:
    the text made with a placeholder of that precedence is the text made with an atom (no
    parentheses were put around it)."""
    tight = _run(op.forward, args, m).text
    for precedence in (SUM, PRODUCT, UNARY, POWER):
        loose = tuple(Source(a.text, precedence) if j == k else a for j, a in enumerate(args))
        if _run(op.forward, loose, m).text == tight:
            return precedence
    return ATOM


def _contribution(partial: Source) -> str:
    """`g * partial`, as backprop multiplies; times 1 and times -1 written as what they are
    exactly in floating point (g and -g)."""
    if partial.text in ("1", "1.0"):
        return G
    if partial.text in ("-1", "-1.0"):
        return f"-{G}"
    return (Source(G) * partial).text
