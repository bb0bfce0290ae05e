"""Reading an expression typed by a user, safely: our own tokenizer and parser, nothing evaluated.

`eval`, `exec`, `sympify` and `parse_expr` all run code, so none of them ever sees the text.
The grammar is Python's for numbers, names, `+ - * / **`, parentheses and calls of the table's
functions; anything else is refused with the column it starts at. One parse tree gives both the
Scalar graph (`Expression.graph`) and the sympy expression (`Expression.sympy`), so the two cannot
disagree. Parsing is iterative (shunting-yard) and bounded by `LIMITS`, so hostile text is
refused at once instead of exhausting the stack, the memory or the clock.
"""
from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Mapping

from ..core import OPS, Scalar, apply
from ..errors import NanogradError, ParseError, pointer

if TYPE_CHECKING:
    import sympy


@dataclass(frozen=True)
class Limits:
    """How much text the parser accepts; past any of these it refuses rather than works."""

    length: int = 10_000  # characters
    # operations on the longest path, and nesting of parentheses; at most symbolic.backprop's
    # DEEP_GRAPH, up to which closed forms are built evaluated, so that a parsed claim reads
    # exactly as the graph's own closed form and sympy's recursive printers stay shallow
    depth: int = 100
    nodes: int = 2_000  # numbers, names and operations
    digits: int = 100  # of a number's numerator or denominator, literal or worked out
    exponent: int = 1_000  # |n| of a constant exponent: 2 ** 10 ** 9 would take the exact ints forever


LIMITS = Limits()

# The callable names: every unary op of the table but neg (written `-`), under its name and its
# aliases (ln for log, arcsin for asin, ...).
FUNCTIONS: dict[str, str] = {
    alias: name for name, op in OPS.items() if op.arity == 1 and name != "neg"
    for alias in (name, *op.aliases)}
CONSTANTS: dict[str, tuple[float, str]] = {"pi": (math.pi, "pi"), "e": (math.e, "E")}  # sympy's names
# The table's rules over exact rationals, for constants worked out while parsing.
_RATIONAL = SimpleNamespace(pow=lambda x, y: x ** y)
_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pos": 3, "pow": 4}
_TOKEN = re.compile(r"(?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
                    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)|(?P<op>\*\*|[-+*/()])", re.ASCII)
_HINTS = {
    "^": "write ** for a power", "'": "strings are not allowed", '"': "strings are not allowed",
    "[": "lists and subscripts are not allowed", "{": "sets and dicts are not allowed",
    ".": "attribute access is not allowed", ",": "functions take one argument",
    ";": "one expression only", "=": "an expression only: no assignment or comparison",
    "_": "names start with a letter", ":": "lambdas and slices are not allowed",
}


@dataclass(frozen=True, eq=False)
class Tree:
    """A node of the parse tree: an op of the table over `args`, a number, a variable or a constant."""

    kind: str  # "number", "variable", "constant", or the name of an op in OPS
    args: tuple[Tree, ...] = ()
    value: Any = None  # the exact number (int or Fraction), or the variable's or constant's name
    start: int = 0  # the columns of the source text it was read from
    end: int = 0
    depth: int = 0  # operations on the longest path down from here


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, its tree and its variables, in alphabetical order."""

    text: str
    tree: Tree
    variables: tuple[str, ...]

    def graph(self, values: Mapping[str, float]) -> tuple[Scalar, dict[str, Scalar]]:
        """A Scalar graph computing the expression at `values`, and its variable leaves by name.

        Each variable is one leaf (label and sym its name); pi and e are exact constant leaves; an
        operation's node is labelled with its source text, when short, so errors point at it.
        """
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ValueError(f"{self.text!r} needs a value for {', '.join(missing)}")
        leaves = {name: Scalar(values[name], label=name, sym=name) for name in self.variables}
        constants: dict[str, Scalar] = {}

        def leaf(tree: Tree) -> Any:
            if tree.kind == "number":
                return tree.value  # a plain operand: Scalar keeps ints and Fractions exact
            if tree.kind == "variable":
                return leaves[tree.value]
            if tree.value not in constants:  # one leaf for every use of pi in the graph
                import sympy  # sympy: loaded on first use

                number, exact = CONSTANTS[tree.value]
                constants[tree.value] = Scalar(number, label=tree.value, sym=getattr(sympy, exact))
            return constants[tree.value]

        def node(tree: Tree, args: list) -> Scalar:
            if not any(isinstance(a, Scalar) for a in args):  # 2 ** (1/2), exp(1): not rational
                args[0] = _exact_leaf(args[0])
            try:
                result = apply(OPS[tree.kind], *args)
            except NanogradError as error:
                raise type(error)(f"{error}\n{pointer(self.text, tree.start, tree.end)}") from None
            source = " ".join(self.text[tree.start:tree.end].split())
            result.label = source if len(source) <= 32 else ""
            return result

        out = _fold(self.tree, leaf, node)
        return (out if isinstance(out, Scalar) else _exact_leaf(out)), leaves

    def sympy(self) -> sympy.Expr:
        """The expression in closed form: what `graph(values)[0].expr` is, at any values."""
        import sympy  # sympy: loaded on first use

        from ..symbolic.algebra import SYMBOLIC, constant  # sympy: loaded on first use

        def leaf(tree: Tree) -> sympy.Expr:
            if tree.kind == "number":
                return constant(tree.value)
            if tree.kind == "variable":
                return sympy.Symbol(tree.value, real=True)  # as nanograd names a leaf's sym
            return getattr(sympy, CONSTANTS[tree.value][1])

        return _fold(self.tree, leaf, lambda tree, args: OPS[tree.kind].forward(SYMBOLIC, *args))


def _exact_leaf(number: int | Fraction) -> Scalar:
    from ..symbolic.algebra import constant  # sympy: loaded on first use

    return Scalar(float(number), sym=constant(number))


def _fold(tree: Tree, leaf: Callable[[Tree], Any], node: Callable[[Tree, list], Any]) -> Any:
    """Build from the leaves up, without recursion: `leaf(t)`, then `node(t, built args)`."""
    built: dict[int, Any] = {}
    stack = [(tree, False)]
    while stack:
        t, ready = stack.pop()
        if not t.args:
            built[id(t)] = leaf(t)
        elif ready:
            built[id(t)] = node(t, [built.pop(id(a)) for a in t.args])
        else:
            stack.append((t, True))
            stack.extend((a, False) for a in reversed(t.args))
    return built[id(tree)]


def parse(text: str, limits: Limits = LIMITS) -> Expression:
    """Read `text` as an expression, or raise ParseError pointing at the first thing refused."""
    if not isinstance(text, str):
        raise TypeError(f"parse reads a str, not {type(text).__name__}")
    if len(text) > limits.length:
        raise ParseError(f"the text is longer than the limit of {limits.length:,} characters",
                         text, limits.length, len(text))
    tree = _Parser(text, limits).run()
    variables: set[str] = set()
    stack = [tree]
    while stack:
        t = stack.pop()
        if t.kind == "variable":
            variables.add(t.value)
        stack.extend(t.args)
    return Expression(text, tree, tuple(sorted(variables)))


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    start: int
    end: int


def _space_after(text: str, position: int) -> int:
    """The position of the first character at or after `position` that is not white space."""
    while position < len(text) and text[position].isspace() and text[position].isascii():
        position += 1
    return position


def _tokens(text: str) -> list[_Token]:
    tokens = []
    position = _space_after(text, 0)
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            char = text[position]
            raise ParseError(_HINTS.get(char, f"unexpected character {char!r}"), text, position)
        tokens.append(_Token(str(match.lastgroup), match.group(), position, match.end()))
        position = _space_after(text, match.end())
    tokens.append(_Token("end", "", len(text), len(text)))
    return tokens


class _Parser:
    """Shunting-yard: operands and pending operators on two explicit stacks, so no recursion."""

    def __init__(self, text: str, limits: Limits) -> None:
        self.text, self.limits = text, limits
        self.operands: list[Tree] = []
        self.pending: list[tuple[str, str, int]] = []  # (kind, op or function, column)
        self.nodes = 0

    def error(self, reason: str, start: int, end: int | None = None) -> ParseError:
        return ParseError(reason, self.text, start, end)

    def run(self) -> Tree:
        tokens = _tokens(self.text)
        i, want_operand = 0, True
        while True:
            token = tokens[i]
            i += 1
            if want_operand:
                if token.kind == "name" and tokens[i].text == "(":
                    self.open("call", self.function(token), token.start)
                    i += 1
                elif token.kind in ("number", "name"):
                    self.push(self.number(token) if token.kind == "number" else self.name(token))
                    want_operand = False
                elif token.text == "(":
                    self.open("paren", "", token.start)
                elif token.text in ("-", "+"):
                    self.pending.append(("unary", "neg" if token.text == "-" else "pos", token.start))
                else:
                    raise self.error("expected a number, a name or '(' here" if token.kind != "end"
                                     else "the expression ends too early", token.start, token.end)
            elif token.kind == "op" and token.text in _BINARY:
                op = _BINARY[token.text]
                # pending operators that bind at least as tightly go first; ** is right-associative
                # and binds tighter than anything, so nothing goes before it
                while op != "pow" and self.pending and self.pending[-1][0] in ("unary", "binary") \
                        and _PRECEDENCE[self.pending[-1][1]] >= _PRECEDENCE[op]:
                    self.reduce()
                self.pending.append(("binary", op, token.start))
                want_operand = True
            elif token.text == ")":
                self.close(token)
            elif token.kind == "end":
                while self.pending:
                    if self.pending[-1][0] in ("paren", "call"):
                        raise self.error("this '(' is never closed", self.pending[-1][2])
                    self.reduce()
                return self.operands[0]
            else:
                hint = " (write 2*x, not 2x)" if tokens[i - 2].kind == "number" else ""
                raise self.error(f"expected an operator (+ - * / **) or ')' here{hint}",
                                 token.start, token.end)

    def function(self, token: _Token) -> str:
        if token.text not in FUNCTIONS:
            raise self.error(f"unknown function {token.text!r}; the functions are "
                             f"{', '.join(sorted(FUNCTIONS))}", token.start, token.end)
        return FUNCTIONS[token.text]

    def name(self, token: _Token) -> Tree:
        text = token.text
        if text in FUNCTIONS:
            raise self.error(f"{text} is a function: write {text}(...)", token.start, token.end)
        if keyword.iskeyword(text):
            raise self.error(f"the Python keyword {text!r} is not allowed", token.start, token.end)
        kind = "constant" if text in CONSTANTS else "variable"
        return Tree(kind, value=text, start=token.start, end=token.end)

    def number(self, token: _Token) -> Tree:
        """The literal, exact: 0.1 is 1/10. Sizes are checked before any big int is made."""
        mantissa, _, exponent = token.text.lower().partition("e")
        whole, _, fraction = mantissa.partition(".")
        digits = (whole + fraction).lstrip("0")
        shift = (int(exponent or "0") if len(exponent.lstrip("+-0")) <= 6 else math.inf) - len(fraction)
        if len(digits) + max(shift, 0) > self.limits.digits or max(-shift, 0) > self.limits.digits:
            raise self.error(f"the number is too large or too precise (at most {self.limits.digits} "
                             "digits)", token.start, token.end)
        value = Fraction(int(digits or "0")) * Fraction(10) ** int(shift)
        return Tree("number", value=_simplest(value), start=token.start, end=token.end)

    def push(self, tree: Tree) -> None:
        self.nodes += 1
        if self.nodes > self.limits.nodes:
            raise self.error(f"more than {self.limits.nodes} numbers, names and operations",
                             tree.start, tree.end)
        if tree.depth > self.limits.depth:
            raise self.error(f"nested too deeply: more than {self.limits.depth} operations on one "
                             "path", tree.start, tree.end)
        self.operands.append(tree)

    def open(self, kind: str, function: str, start: int) -> None:
        if sum(p[0] in ("paren", "call") for p in self.pending) >= self.limits.depth:
            raise self.error(f"parentheses nested more than {self.limits.depth} deep", start)
        self.pending.append((kind, function, start))

    def close(self, token: _Token) -> None:
        while self.pending and self.pending[-1][0] not in ("paren", "call"):
            self.reduce()
        if not self.pending:
            raise self.error("this ')' closes nothing", token.start)
        kind, function, start = self.pending.pop()
        arg = self.operands.pop()
        if kind == "paren":  # the same node; only its span grows
            self.operands.append(replace(arg, start=start, end=token.end))
        else:
            self.push(self.combine(function, (arg,), start, token.end))

    def reduce(self) -> None:
        kind, op, start = self.pending.pop()
        if kind == "unary":
            arg = self.operands.pop()
            if op == "pos":  # +x is x
                self.operands.append(replace(arg, start=start))
                return
            self.push(self.combine(op, (arg,), start, arg.end))
        else:
            right = self.operands.pop()
            left = self.operands.pop()
            self.push(self.combine(op, (left, right), left.start, right.end, start))

    def combine(self, op: str, args: tuple[Tree, ...], start: int, end: int, at: int | None = None) -> Tree:
        """The tree for `op` over `args`, worked out now (exactly) when it is a rational number."""
        at = start if at is None else at
        right = args[1].value if len(args) == 2 and args[1].kind == "number" else None
        if op == "div" and right == 0:
            raise self.error("division by zero", at, end)
        if op == "pow" and right is not None and abs(right) > self.limits.exponent:
            raise self.error(f"the exponent {right} is too large (at most {self.limits.exponent})",
                             args[1].start, end)
        if all(a.kind == "number" for a in args):
            folded = self.fold(op, [a.value for a in args], at, start, end)
            if folded is not None:
                return Tree("number", value=folded, start=start, end=end)
        return Tree(op, args, start=start, end=end, depth=1 + max(a.depth for a in args))

    def fold(self, op: str, values: list, at: int, start: int, end: int) -> int | Fraction | None:
        """Rational arithmetic on constants, or None where the result may be irrational."""
        if op == "pow" and values[0] == 0 and values[1] < 0:
            raise self.error("division by zero", at, end)
        if op == "pow" and Fraction(values[1]).denominator != 1:
            return None  # 2 ** (1/2): left to the Scalar (a float) and to sympy (sqrt(2))
        if op not in ("neg", "add", "sub", "mul", "div", "pow"):
            return None  # exp(1), sin(2), ...: irrational, kept as operations
        result = Fraction(OPS[op].forward(_RATIONAL, *(Fraction(v) for v in values)))
        if max(abs(result.numerator), result.denominator) >= 10 ** self.limits.digits:
            raise self.error(f"the number is too large or too precise (at most {self.limits.digits} "
                             "digits)", start, end)
        return _simplest(result)


def _simplest(value: Fraction) -> int | Fraction:
    return int(value) if value.denominator == 1 else value
