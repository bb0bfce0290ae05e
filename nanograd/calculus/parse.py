"""Reading an expression typed by a user, safely: our own tokenizer and parser, nothing evaluated.

`eval`, `exec`, `sympify` and `parse_expr` all run code, so none of them ever sees the text.
The notation is what people type into a calculator, paste from a document or write in LaTeX:
`**` or `^`, products side by side (2x, 3sin(x), (x+1)(x-1)), functions without parentheses
(sin x, ln x), powers and inverses of functions as textbooks print them (sin^2 x, sin^-1 x is
asin x), bars for abs, log_b(x), Unicode (× · ÷ − ² √ π) and LaTeX (\\frac, \\sqrt, x^{2},
\\left( ... \\right)). tokens.py turns every spelling into one token stream; this module reads it.
Anything else is refused with the column it starts at. One parse tree gives both the Scalar graph
(`Expression.graph`) and the sympy expression (`Expression.sympy`), so the two cannot disagree.
Parsing is iterative (shunting-yard) and bounded by `LIMITS`, so hostile text is refused at once
instead of exhausting the stack, the memory or the clock.
"""
from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from ..core import OPS, Constant, Scalar, apply
from ..errors import NanogradError, ParseError, pointer
from .tokens import FUNCTION_WORDS, GREEK, Token, mentioned, split_names, tokenize

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
    splits: tuple[tuple[str, str], ...] = ()  # names run together and how they were read: ("xy", "x*y")

    def graph(self, values: Mapping[str, float]) -> tuple[Scalar, dict[str, Scalar]]:
        """A Scalar graph computing the expression at `values`, and its variable leaves by name.

        Each variable is one leaf (label and sym its name); pi, e and every part without a
        variable are Constants (exact in closed forms, and no gradient); an operation's node is
        labelled with its source text, when short, so errors point at it.
        """
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ValueError(f"{self.text!r} needs a value for {', '.join(missing)}")
        leaves = {name: Scalar(values[name], label=name, sym=name) for name in self.variables}

        def leaf(tree: Tree) -> Any:
            if tree.kind == "number":
                return tree.value  # a plain operand: Scalar keeps ints and Fractions exact
            if tree.kind == "variable":
                return leaves[tree.value]
            import sympy  # sympy: loaded on first use

            number, exact = CONSTANTS[tree.value]
            return Constant(number, getattr(sympy, exact))

        def node(tree: Tree, args: list) -> Any:
            constant = not any(isinstance(a, Scalar) for a in args)
            try:  # 2 ** (1/2), e - e: worked out on a leaf, kept as an exact Constant
                result = apply(OPS[tree.kind], *([_exact_leaf(args[0]), *args[1:]] if constant else args))
            except NanogradError as error:
                raise type(error)(f"{error}\n{pointer(self.text, tree.start, tree.end)}") from None
            if constant:
                from ..symbolic import algebra  # sympy: loaded on first use

                exact = OPS[tree.kind].forward(algebra.SYMBOLIC, *map(algebra.constant, args))
                return Constant(result.data, exact)
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


def _exact_leaf(number: int | Fraction | Constant) -> Scalar:
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


def parse(text: str, limits: Limits = LIMITS, *, variables: Iterable[str] = (),
          latex: bool | None = None) -> Expression:
    """Read `text` as an expression, or raise ParseError pointing at the first thing refused.

    `variables` names variables known from elsewhere (a claim, --wrt): `xy` is read as x*y when x
    and y are known. LaTeX is recognised by a backslash, or asked for with `latex=True`.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse reads a str, not {type(text).__name__}")
    if len(text) > limits.length:
        raise ParseError(f"the text is longer than the limit of {limits.length:,} characters",
                         text, limits.length, len(text))
    latex = "\\" in text if latex is None else latex
    known = set(variables)
    tokens, splits = split_names(tokenize(text, FUNCTIONS), FUNCTIONS, known, latex)
    # a name the text uses on its own is a variable, so it multiplies when '(' follows it
    alone = {t.text for t, after in zip(tokens, tokens[1:]) if after.text != "("}
    tree = _Parser(text, tokens, limits, latex, known | mentioned(tokens, FUNCTIONS) & alone).run()
    found: set[str] = set()
    stack = [tree]
    while stack:
        t = stack.pop()
        if t.kind == "variable":
            found.add(t.value)
        stack.extend(t.args)
    return Expression(text, tree, tuple(sorted(found)), tuple(splits))


def names_in(text: str) -> set[str]:
    """The names `text` uses as variables, as typed (none if it cannot be read): what a claim
    tells the reading of the expression it goes with, and the other way round."""
    try:
        return mentioned(tokenize(text[:LIMITS.length], FUNCTIONS), FUNCTIONS)
    except ParseError:
        return set()


@dataclass
class _Function:
    """A function read, waiting for its argument: sin, sin^2, log_b, \\sqrt[n]."""

    op: str  # the op of the table
    name: str  # as typed, for messages
    start: int
    power: int = 1  # sin^2(x) is sin(x)**2
    parameter: Tree | None = None  # log's base, sqrt's index


@dataclass
class _Pending:
    """An entry of the operator stack: an operator, a function applied without parentheses, or
    an open group (parentheses, braces, bars, a call, a base, a fraction's part)."""

    kind: str  # "unary", "binary", "bare" or "group"
    op: str  # unary and binary: the op; group: its role
    start: int
    precedence: float = 0
    closer: str = ""  # group: the token that closes it
    function: _Function | None = None
    before: list[Tree] = field(default_factory=list)  # log(x, b): x; \frac{a}{b}: a


_BINARY = {"+": "add", "-": "sub", "*": "mul", "/": "div", "^": "pow"}
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pos": 3, "pow": 4}
# A function without parentheses takes the implicit product after it (sin 2x is sin(2*x)) and no
# more (sin x + 1, sin x * y, sin x cos x end there): below a product written side by side,
# above any written operator.
_BARE, _SIDE_BY_SIDE = 2.5, 2.7
_OPENERS = {"(": ")", "{": "}", "[": "]", "|": "|", "|<": "|"}
_CLOSERS = {")", "}", "]", "|>"}
_HINTS = {"_": "names start with a letter", "[": "lists and subscripts are not allowed",
          ",": "functions take one argument (a base: log(x, b))"}
_VARIABLE_NAME = re.compile(r"[A-Za-z][0-9]*(?:_[A-Za-z0-9]+)?")  # x, x1, w_0: f(x) multiplies


class _Parser:
    """Shunting-yard: operands and pending operators on two explicit stacks, so no recursion."""

    def __init__(self, text: str, tokens: list[Token], limits: Limits, latex: bool, known: set[str]) -> None:
        self.text, self.tokens, self.limits, self.latex, self.known = text, tokens, limits, latex, known
        self.operands: list[Tree] = []
        self.pending: list[_Pending] = []
        self.nodes = self.i = 0

    def error(self, reason: str, start: int, end: int | None = None) -> ParseError:
        return ParseError(reason, self.text, start, end)

    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        """The next token; at the end, the end token again."""
        token = self.tokens[self.i]
        self.i += token.kind != "end"
        return token

    def run(self) -> Tree:
        want_operand = True
        while True:
            token = self.take()
            if want_operand:
                want_operand = self.operand(token)
            elif token.kind == "op" and token.text in _BINARY:
                self.binary(_BINARY[token.text], _PRECEDENCE[_BINARY[token.text]], token.start)
                want_operand = True
            elif token.text in _CLOSERS or token.text == "|" and self.innermost_group() == "|":
                want_operand = self.close(token)
            elif token.text == ",":
                self.comma(token)
                want_operand = True
            elif token.kind == "end":
                return self.finish()
            elif token.kind in ("number", "name") or token.text in _OPENERS or token.text == "frac":
                self.implicit_product(token)
                want_operand = self.operand(token)
            else:
                raise self.error("expected an operator (+ - * / ^) or ')' here", token.start, token.end)

    def implicit_product(self, token: Token) -> None:
        """2x, x y, 2(x+1), (x+1)(x-1), 3sin(x), |x|y: a product written side by side."""
        before = self.tokens[self.i - 2]
        if token.kind == "number" and before.kind == "number":
            raise self.error("two numbers in a row: write * between them", before.start, token.end)
        # a number or a variable goes on with the argument of sin x; a function, e^ (exp), '(' or
        # a bar ends it: sin 2x is sin(2x), sin x cos x and tan x e^x are products of two functions
        simple = token.kind == "number" or token.kind == "name" and not self.is_function(token) \
            and not (token.text == "e" and self.peek().text == "^")
        inside_bare = False
        for entry in reversed(self.pending):  # in the argument of sin, without parentheses?
            if entry.kind not in ("unary", "binary"):
                inside_bare = entry.kind == "bare"
                break
        self.binary("mul", _SIDE_BY_SIDE if simple and inside_bare else _PRECEDENCE["mul"], token.start)

    def is_function(self, token: Token) -> bool:
        """Whether the name just taken is a function; an unknown name called like one is refused as
        one, while x(x+1) and w_0(x+1) multiply."""
        return token.text in FUNCTIONS or token.text in FUNCTION_WORDS \
            or self.peek().text == "(" and not self.variable_like(token.text)

    def operand(self, token: Token) -> bool:
        """Read `token` where an operand is due; whether one is still due after it."""
        if token.kind == "name":
            if self.is_function(token):
                self.function(token)
                return True
            self.push(self.name(token))
            return False
        if token.kind == "number":
            self.push(self.number(token))
            return False
        if token.text in _OPENERS and (token.text != "[" or self.latex):
            self.open("group", "bar" if _OPENERS[token.text] == "|" else "paren", token.start,
                      _OPENERS[token.text])
            return True
        if token.text == "frac":  # \frac{a}{b}
            if self.peek().text != "{":
                raise self.error("write \\frac{a}{b}", token.start, self.peek().end)
            self.take()
            self.open("group", "numerator", token.start, "}")
            return True
        if token.text in ("-", "+"):
            self.pending.append(_Pending("unary", "neg" if token.text == "-" else "pos", token.start,
                                         _PRECEDENCE["neg"]))
            return True
        if token.kind == "end":
            raise self.error("the expression ends too early", token.start)
        raise self.error(_HINTS.get(token.text, "expected a number, a name or '(' here"),
                         token.start, token.end)

    def variable_like(self, name: str) -> bool:
        return name in self.known and name not in CONSTANTS or name in GREEK \
            or _VARIABLE_NAME.fullmatch(name) is not None

    # -- functions ---------------------------------------------------------------------------

    def function(self, token: Token) -> None:
        """A function's name, then its base (log_b), its power (sin^2), then its argument."""
        name = token.text
        if name not in FUNCTIONS:
            raise self.error(f"unknown function {name!r}; the functions are "
                             f"{', '.join(sorted(FUNCTIONS))}", token.start, token.end)
        function = _Function(FUNCTIONS[name], name, token.start)
        if self.peek().text != "_":
            self.after_base(function)
            return
        underscore = self.take()
        if function.op != "log":
            raise self.error("only log takes a base, as in log_2(x)", underscore.start)
        base = self.take()
        if base.text in ("(", "{"):
            self.pending.append(_Pending("group", "base", base.start, closer=_OPENERS[base.text],
                                         function=function))
            return
        if base.kind == "number" or base.kind == "name" and base.text not in FUNCTIONS:
            function.parameter = self.number(base) if base.kind == "number" else self.name(base)
            self.after_base(function)
            return
        raise self.error("a logarithm's base follows log_, as in log_2(x) or log_{b}(x)",
                         base.start, base.end)

    def after_base(self, function: _Function) -> None:
        if self.peek().text == "^":
            self.function_power(function)
        if self.latex and function.op == "sqrt" and self.peek().text == "[":  # \sqrt[3]{x}
            bracket = self.take()
            self.pending.append(_Pending("group", "index", bracket.start, closer="]", function=function))
            return
        self.argument(function)

    def function_power(self, function: _Function) -> None:
        """sin^2 x, sin^{2}(x), sin²x: a power of the value; sin^-1 x, sin⁻¹x: the inverse function."""
        caret = self.take()
        opener = self.take() if self.peek().text in ("(", "{") else None
        minus = self.take() if self.peek().text == "-" else None
        number = self.take()
        if opener is not None and self.take().text != _OPENERS[opener.text] or not number.text.isdigit():
            raise self.error(f"write a power of {function.name} as {function.name}^2(x) or "
                             f"{function.name}(x)^n", caret.start, self.tokens[self.i - 1].end)
        power = int(number.text) if len(number.text) <= 6 else self.limits.exponent + 1
        end = self.tokens[self.i - 1].end
        if minus is None and 0 < power <= self.limits.exponent:
            function.power = power
        elif minus is not None and power == 1:  # the textbook convention: sin^-1 is arcsin
            inverse = "a" + function.op
            if inverse not in OPS or OPS[inverse].arity != 1:
                raise self.error(f"{function.name}^-1 is the inverse function {inverse}, which "
                                 "nanograd does not have", function.start, end)
            function.op = inverse
        else:
            raise self.error(f"a power of {function.name} is 1 to {self.limits.exponent}, or -1 for "
                             f"the inverse; write 1/{function.name}(x)^n", caret.start, end)

    def argument(self, function: _Function) -> None:
        """sin(x) and \\sqrt{x}: a call; sin x, sin 2x, ln|x|: without parentheses."""
        token = self.peek()
        if token.text in ("(", "{"):
            self.take()
            self.open("group", "call", token.start, _OPENERS[token.text], function)
        elif token.kind in ("number", "name") or token.text in _OPENERS or token.text in ("-", "frac"):
            self.pending.append(_Pending("bare", "", function.start, _BARE, function=function))
        else:
            raise self.error(f"{function.name} needs an argument, as in {function.name}(x)",
                             function.start, self.tokens[self.i - 1].end)

    def apply(self, function: _Function, arg: Tree, end: int) -> Tree:
        start = function.start
        if function.parameter is not None and function.op == "log":
            tree = self.logarithm(arg, function.parameter, start, end)
        elif function.parameter is not None:
            tree = self.root(arg, function.parameter, start, end)
        else:
            tree = self.combine(function.op, (arg,), start, end)
        if function.power != 1:
            tree = self.combine("pow", (tree, Tree("number", value=function.power, start=end, end=end)),
                                start, end)
        return tree

    def logarithm(self, arg: Tree, base: Tree, start: int, end: int) -> Tree:
        """log_b(x): the table's log2, log10 and log for bases 2, 10 and e; logb for any other."""
        if base.kind == "number" and (base.value <= 0 or base.value == 1):
            raise self.error(f"a logarithm's base is positive and not 1, not {base.value}",
                             base.start, base.end)
        if base.kind == "number" and base.value in (2, 10):
            return self.combine(f"log{base.value}", (arg,), start, end)
        if base.kind == "constant" and base.value == "e":
            return self.combine("log", (arg,), start, end)
        return self.combine("logb", (arg, base), start, end)

    def root(self, arg: Tree, index: Tree, start: int, end: int) -> Tree:
        """\\sqrt[n]{x}: sqrt for n = 2, the table's real cube root for n = 3 where it has one,
        else x**(1/n) (for x >= 0)."""
        if index.kind == "number" and (index.value == 2 or index.value == 3 and "cbrt" in OPS):
            return self.combine("sqrt" if index.value == 2 else "cbrt", (arg,), start, end)
        one = Tree("number", value=1, start=index.start, end=index.end)
        return self.combine("pow", (arg, self.combine("div", (one, index), index.start, index.end)),
                            start, end)

    # -- the stacks -----------------------------------------------------------------------------

    def binary(self, op: str, precedence: float, start: int) -> None:
        # pending operators that bind at least as tightly go first; ^ is right-associative and
        # binds tighter than anything, so nothing goes before it
        while op != "pow" and self.pending and self.pending[-1].kind != "group" \
                and self.pending[-1].precedence >= precedence:
            self.reduce()
        self.pending.append(_Pending("binary", op, start, precedence))

    def innermost_group(self) -> str:
        """The closer of the innermost open group: a bar after an operand closes it."""
        for entry in reversed(self.pending):
            if entry.kind == "group":
                return entry.closer
        return ""

    def push(self, tree: Tree) -> None:
        self.nodes += 1
        if self.nodes > self.limits.nodes:
            raise self.error(f"more than {self.limits.nodes} numbers, names and operations",
                             tree.start, tree.end)
        if tree.depth > self.limits.depth:
            raise self.error(f"nested too deeply: more than {self.limits.depth} operations on one "
                             "path", tree.start, tree.end)
        self.operands.append(tree)

    def open(self, kind: str, role: str, start: int, closer: str, function: _Function | None = None) -> None:
        if sum(p.kind == "group" for p in self.pending) >= self.limits.depth:
            raise self.error(f"parentheses nested more than {self.limits.depth} deep", start)
        self.pending.append(_Pending(kind, role, start, closer=closer, function=function))

    def close(self, token: Token) -> bool:
        """Close the innermost group; whether an operand is due after it (\\frac{a}{ and log_{b})."""
        while self.pending and self.pending[-1].kind != "group":
            self.reduce()
        if not self.pending:
            raise self.error(f"this '{token.text[0]}' closes nothing", token.start)
        group = self.pending.pop()
        if group.closer != token.text[0]:
            raise self.error(f"this '{token.text[0]}' does not close the "
                             f"'{self.text[group.start]}' of column {group.start + 1}", token.start)
        arg = self.operands.pop()
        function = group.function
        if group.op == "paren":  # the same node; only its span grows
            self.operands.append(replace(arg, start=group.start, end=token.end))
        elif group.op == "bar":
            self.push(self.combine("abs", (arg,), group.start, token.end))
        elif group.op == "numerator":
            brace = self.take()
            if brace.text != "{":
                raise self.error("write \\frac{a}{b}", group.start, brace.end)
            self.open("group", "denominator", group.start, "}")
            self.pending[-1].before.append(arg)
            return True
        elif group.op == "denominator":
            self.push(self.combine("div", (group.before[0], arg), group.start, token.end))
        elif function is not None and group.op in ("base", "index"):
            function.parameter = arg
            if group.op == "base":
                self.after_base(function)
            else:
                self.argument(function)
            return True
        elif function is not None:  # a call
            if group.before:
                function.parameter, arg = arg, group.before[0]
            self.push(self.apply(function, arg, token.end))
        return False

    def comma(self, token: Token) -> None:
        """log(x, b): the logarithm of x to the base b."""
        while self.pending and self.pending[-1].kind != "group":
            self.reduce()
        group = self.pending[-1] if self.pending else None
        if group is None or group.op != "call" or group.before or group.function is None \
                or group.function.op != "log" or group.function.parameter is not None:
            raise self.error(_HINTS[","], token.start)
        group.before.append(self.operands.pop())

    def finish(self) -> Tree:
        while self.pending:
            entry = self.pending[-1]
            if entry.kind == "group":
                bars = " (where bars are ambiguous, write abs(...))" if entry.closer == "|" else ""
                raise self.error(f"this '{self.text[entry.start]}' is never closed{bars}", entry.start)
            self.reduce()
        return self.operands[0]

    def reduce(self) -> None:
        entry = self.pending.pop()
        if entry.kind == "bare" and entry.function is not None:
            arg = self.operands.pop()
            self.push(self.apply(entry.function, arg, arg.end))
        elif entry.kind == "unary":
            arg = self.operands.pop()
            if entry.op == "pos":  # +x is x
                self.operands.append(replace(arg, start=entry.start))
                return
            self.push(self.combine(entry.op, (arg,), entry.start, arg.end))
        else:
            right = self.operands.pop()
            left = self.operands.pop()
            self.push(self.combine(entry.op, (left, right), left.start, right.end, entry.start))

    # -- leaves and nodes -------------------------------------------------------------------------

    def name(self, token: Token) -> Tree:
        text = token.text
        if keyword.iskeyword(text):
            raise self.error(f"the Python keyword {text!r} is not allowed", token.start, token.end)
        kind = "constant" if text in CONSTANTS else "variable"
        return Tree(kind, value=text, start=token.start, end=token.end)

    def number(self, token: Token) -> Tree:
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

    def combine(self, op: str, args: tuple[Tree, ...], start: int, end: int, at: int | None = None) -> Tree:
        """The tree for `op` over `args`, worked out now (exactly) when it is a rational number."""
        at = start if at is None else at
        right = args[1].value if len(args) == 2 and args[1].kind == "number" else None
        if op == "div" and right == 0:
            raise self.error("division by zero", at, end)
        if op == "pow" and right is not None and abs(right) > self.limits.exponent:
            raise self.error(f"the exponent {right} is too large (at most {self.limits.exponent})",
                             args[1].start, end)
        if op == "pow" and args[0].kind == "constant" and args[0].value == "e":
            op, args = "exp", args[1:]  # e^x is exp(x)
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
