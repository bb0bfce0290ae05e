"""Random expressions as people type them, each with an oracle built here from sympy's own
functions (never through nanograd): for the command-line fuzz test (tests/test_cli_fuzz.py).

An expression is drawn as a tree over every row of the table (nanograd/core/ops.py), with a
point to evaluate it at. While the tree is built its value at the point is known, so an input
that would leave its op's sampling range (the table's `safe` ranges: inside the domain, away
from kinks and poles) is shifted back with a short decimal, as in `log(sin(x) + 1.37)`. The
tree is then written out in one of three notations, each choice drawn at random:

- as a student types it: `2x`, `x y`, `(x+1)(x-1)`, `x^2`, `x²`, `e^x`, `sin x`, `sin^2 x`,
  `|x|`, `ln x`, `log_2(x)`, `log(x, b)`, `√x`, `arcsin`, `sin^-1(x)`, `×`, `÷`, `−`, `π`;
- as LaTeX: `\\frac{a}{b}`, `\\sqrt[3]{x}`, `x^{2}`, `\\sin\\left(x\\right)`, `\\operatorname{sech}`,
  `\\lvert x \\rvert`, `\\log_{2}`, `e^{x}`, `\\cdot`, `\\times`, `\\pi`;
- as a program prints it: sympy's str or LaTeX of the oracle (`written`, below).

`written` also gives the true derivative in nanograd's syntax, for claims that must be right.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence, TypeVar

import sympy
from hypothesis import strategies as st
from sympy.printing.str import StrPrinter

from nanograd.core.ops import NONZERO, OPS, POSITIVE, REALS

Ranges = tuple[tuple[float, float], ...]
T = TypeVar("T")


class Pick(Protocol):
    """The random choices the generators make: a seeded random.Random (`Randomly`) for the fuzz
    test, hypothesis's draws (`Drawn`) where shrinking helps."""

    def one(self, options: Sequence[T]) -> T: ...
    def integer(self, low: int, high: int) -> int: ...
    def shuffled(self, options: Sequence[T]) -> list[T]: ...


class Randomly(random.Random):
    def one(self, options: Sequence[T]) -> T:
        return self.choice(options)

    def integer(self, low: int, high: int) -> int:
        return self.randint(low, high)

    def shuffled(self, options: Sequence[T]) -> list[T]:
        return self.sample(list(options), len(options))


class Drawn:
    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def one(self, options: Sequence[T]) -> T:
        return self.data.draw(st.sampled_from(options))

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))

    def shuffled(self, options: Sequence[T]) -> list[T]:
        return self.data.draw(st.permutations(options))


def _cbrt(u: sympy.Expr) -> sympy.Expr:
    return sympy.sign(u) * sympy.Abs(u) ** sympy.Rational(1, 3)  # the real cube root


# Each row of the table as sympy writes it: the oracle. A row added to the table without one
# here fails test_every_row_of_the_table_has_an_oracle_and_a_spelling.
ORACLES: dict[str, Callable[..., sympy.Expr]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a ** b, "neg": lambda a: -a,
    "exp": sympy.exp, "log": sympy.log, "log10": lambda a: sympy.log(a, 10),
    "log2": lambda a: sympy.log(a, 2), "logb": lambda a, b: sympy.log(a) / sympy.log(b),
    "sqrt": sympy.sqrt, "cbrt": _cbrt, "tanh": sympy.tanh,
    "sigmoid": lambda a: 1 / (1 + sympy.exp(-a)), "relu": lambda a: sympy.Max(0, a),
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "cot": sympy.cot, "sec": sympy.sec,
    "csc": sympy.csc, "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "coth": sympy.coth, "sech": sympy.sech,
    "csch": sympy.csch, "asinh": sympy.asinh, "acosh": sympy.acosh, "atanh": sympy.atanh,
    "abs": sympy.Abs, "heaviside": sympy.Heaviside, "sign": sympy.sign,
}
# LaTeX has a command of its own for these; the others are written \operatorname{name}.
LATEX_COMMANDS = frozenset("sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth exp ln "
                           "log".split())
# Functions a textbook raises to a power before the argument (sin^2 x) and inverts (sin^-1 x).
POWERED = frozenset("sin cos tan cot sec csc sinh cosh tanh coth sech csch".split())
INVERTED = {"asin": "sin", "acos": "cos", "atan": "tan"}
# Variable names: in LaTeX every letter is a name of its own, so x1 is not written there.
NAMES = ("x", "y", "z", "t", "w", "theta", "x1", "w_0")
LATEX_SAFE = frozenset(NAMES) - {"x1"}
LATEX_NAMES = {"theta": r"\theta", "w_0": "w_{0}"}
# Values of a point as typed after --at, exactly: short decimals and constant expressions.
CONSTANT_VALUES = {"pi/4": sympy.pi / 4, "1/3": sympy.Rational(1, 3), "e/2": sympy.E / 2,
                   "sqrt(2)": sympy.sqrt(2), "-pi/6": -sympy.pi / 6, "2/3": sympy.Rational(2, 3)}

# How tightly a piece of text holds together, so that it is put in parentheses where needed.
BARE, SUM, PRODUCT, POWER, ATOM = -1, 0, 1, 3, 4  # BARE: `sin x`, only where nothing can follow


@dataclass(frozen=True)
class Node:
    """A node of a random expression: a row of the table over `args`, or a leaf."""

    op: str  # a row of OPS, or "variable", "number", "constant"
    args: tuple[Node, ...]
    exact: Any  # the oracle: a sympy expression over real symbols
    value: float  # at the point
    text: str = ""  # a leaf's name or number, as typed

    def walk(self) -> list[Node]:
        found, stack = [], [self]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(node.args)
        return found


@dataclass(frozen=True)
class Typed:
    """A random expression and the point it was drawn for."""

    root: Node
    point: dict[str, str]  # name -> the value as typed after --at
    exact_point: dict[Any, Any] = field(repr=False)  # sympy Symbol -> exact value
    values: dict[str, float] = field(repr=False)

    @property
    def variables(self) -> list[str]:
        """The variables of the tree (the oracle may have lost some: log(x)/log(x) is 1)."""
        return sorted({n.text for n in self.root.walk() if n.op == "variable"})

    def derivative(self, name: str) -> sympy.Expr:
        """The oracle: the chain rule over the tree, each op's partials by sympy.diff of its
        oracle over real symbols (sympy.diff of the whole would take acosh(2 - x) for complex
        and answer in re, im and unevaluated Derivatives); the DiracDelta terms of kinks are
        dropped (0 away from them)."""
        slopes: dict[int, Any] = {}
        for node in reversed(self.root.walk()):  # each node after its inputs
            if not node.args:
                named = node.op == "variable" and node.text == name
                slopes[id(node)] = sympy.S.One if named else sympy.S.Zero
                continue
            inputs = [sympy.Dummy(real=True) for _ in node.args]
            f = ORACLES[node.op](*inputs)
            at = dict(zip(inputs, (a.exact for a in node.args)))
            slopes[id(node)] = sympy.Add(*(
                _no_delta(sympy.diff(f, y)).xreplace(at) * slopes[id(a)]
                for y, a in zip(inputs, node.args) if slopes[id(a)] != 0))
        return slopes[id(self.root)]

    def at_point(self, expr: sympy.Expr) -> float:
        return float(sympy.N(expr.subs(self.exact_point), 30))


def _no_delta(expr: sympy.Expr) -> sympy.Expr:
    return expr.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)


def symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def number(text: str) -> Node:
    exact = sympy.Rational(text)
    return Node("number", (), exact, float(exact), text)


def _numeric(op: str, args: tuple[Node, ...]) -> float:
    return float(sympy.N(ORACLES[op](*(sympy.Float(a.value, 30) for a in args)), 30))


def make(op: str, *args: Node) -> Node:
    return Node(op, args, ORACLES[op](*(a.exact for a in args)), _numeric(op, args))


def _inside(value: float, ranges: Ranges) -> bool:
    return any(lo <= value <= hi for lo, hi in ranges)


def shifted(pick: Pick, node: Node, ranges: Ranges) -> Node:
    """`node`, or `node` plus a short decimal that brings its value inside `ranges`."""
    if _inside(node.value, ranges):
        return node
    lo, hi = pick.one(ranges)
    target = lo + (hi - lo) * (pick.integer(0, 9) + 0.5) / 10
    shift = round(target - node.value, 2)
    text = f"{abs(shift):.2f}".rstrip("0").rstrip(".")
    return make("add" if shift > 0 else "sub", node, number(text))


def leaf(pick: Pick, names: list[str], values: dict[str, float]) -> Node:
    kind = pick.one(["variable"] * 6 + ["number"] * 2 + ["constant"])
    if kind == "variable":
        name = pick.one(names)
        return Node("variable", (), symbol(name), values[name], name)
    if kind == "number":
        return number(pick.one(["1", "2", "3", "0.5", "1.5", "10", "2.5", "4"]))
    name = pick.one(["pi", "e"])
    exact = sympy.pi if name == "pi" else sympy.E
    return Node("constant", (), exact, float(exact), name)


ROWS = tuple(OPS)


def tree(pick: Pick, names: list[str], values: dict[str, float], depth: int) -> Node:
    """A random tree over the table's rows (and powers by a number, and long sums)."""
    if depth == 0 or pick.integer(0, 9) < 2:
        return leaf(pick, names, values)
    shape = pick.one(["row"] * 8 + ["power by a number", "long sum"])
    if shape == "power by a number":
        exponent = pick.one(["2", "3", "4", "-1", "-2", "0.5"])
        ranges = POSITIVE if "." in exponent else NONZERO if exponent.startswith("-") else REALS
        base = shifted(pick, tree(pick, names, values, depth - 1), ranges)
        power = make("neg", number(exponent[1:])) if exponent.startswith("-") else number(exponent)
        return make("pow", base, power)
    if shape == "long sum":
        total = tree(pick, names, values, depth - 1)
        for _ in range(pick.integer(2, 8)):
            term = shifted(pick, tree(pick, names, values, min(depth - 1, 2)), REALS)
            total = make(pick.one(["add", "sub"]), shifted(pick, total, REALS), term)
        return total
    op = OPS[pick.one(ROWS)]
    args = [shifted(pick, tree(pick, names, values, depth - 1), op.safe[i]) for i in range(op.arity)]
    return make(op.name, *args)


def typed_expression(pick: Pick, max_depth: int = 4) -> Typed:
    """A random expression over one to three variables, and a point."""
    names = pick.shuffled(NAMES)[:pick.integer(1, 3)]
    point, exact_point, values = {}, {}, {}
    for name in names:
        if pick.integer(0, 5) == 0:
            text = pick.one(sorted(CONSTANT_VALUES))
            exact = CONSTANT_VALUES[text]
        else:
            tenths = pick.integer(3, 29) * pick.one([1, -1])
            text = f"{tenths / 10:g}"
            exact = sympy.Rational(tenths, 10)
        point[name], exact_point[symbol(name)], values[name] = text, exact, float(exact)
    root = tree(pick, names, values, pick.integer(1, max_depth))
    if not root.exact.free_symbols:  # a constant: make it depend on a variable
        name = pick.one(names)
        root = make("add", root, Node("variable", (), symbol(name), values[name], name))
    return Typed(root, point, exact_point, values)


def row_example(name: str) -> Typed:
    """The row `name` of the table on variables x (and y), at a point where it is safe."""
    op = OPS[name]
    names = ["x", "y"][:op.arity]
    values = {n: (ranges[0][0] + ranges[0][1]) / 2 for n, ranges in zip(names, op.safe)}
    exact = {symbol(n): sympy.Rational(v) for n, v in values.items()}
    root = make(name, *(Node("variable", (), symbol(n), values[n], n) for n in names))
    return Typed(root, {n: f"{v:g}" for n, v in values.items()}, exact, values)


# -- writing it out -------------------------------------------------------------------------------
class Writer:
    """Writes a tree in the typed notations, each choice drawn; `juxtapose`: every variable is
    named elsewhere on the command line, so `xy` and `sinx` are read as x*y and sin(x)."""

    def __init__(self, pick: Pick, latex: bool, juxtapose: bool) -> None:
        self.pick, self.latex, self.juxtapose = pick, latex, juxtapose

    def choose(self, *options: str) -> str:
        return self.pick.one(options)

    def text(self, node: Node) -> str:
        return self.write(node)[0]

    def wrapped(self, node: Node, level: int) -> str:
        """`node` as an operand that needs at least `level` (BARE is wrapped in any operand)."""
        text, has = self.write(node)
        if has >= level and has != BARE:
            return text
        if self.latex and self.choose("left", "plain") == "left":
            return rf"\left({text}\right)"
        return f"({text})"

    def inner(self, node: Node) -> str:
        """Inside parentheses or braces: anything goes."""
        return self.write(node)[0]

    def write(self, node: Node) -> tuple[str, int]:
        if node.op == "variable":
            return (LATEX_NAMES.get(node.text, node.text) if self.latex else node.text), ATOM
        if node.op == "number":
            return node.text, ATOM
        if node.op == "constant":
            if node.text == "pi":
                return (r"\pi" if self.latex else self.choose("pi", "π")), ATOM
            return "e", ATOM
        return getattr(self, "_" + node.op, self._function)(node)

    # operators
    def _add(self, node: Node) -> tuple[str, int]:
        return f"{self.wrapped(node.args[0], SUM)} + {self.wrapped(node.args[1], PRODUCT)}", SUM

    def _sub(self, node: Node) -> tuple[str, int]:
        minus = "-" if self.latex else self.choose("-", "-", "−")
        return f"{self.wrapped(node.args[0], SUM)} {minus} {self.wrapped(node.args[1], PRODUCT)}", SUM

    def _neg(self, node: Node) -> tuple[str, int]:
        return "-" + self.wrapped(node.args[0], POWER), SUM

    def _mul(self, node: Node) -> tuple[str, int]:
        a, b = node.args
        left, right = self.wrapped(a, PRODUCT), self.wrapped(b, POWER)
        form = self.choose("*", "side by side", "side by side", "other")
        if form == "side by side" and self._side_by_side(left, right, a, b):
            if self._glued(left, right, a, b):
                return left + right, PRODUCT
            return f"{left} {right}", PRODUCT
        if form == "other":
            times = self.choose(r"\cdot", r"\times") if self.latex else self.choose("·", "×")
            return f"{left} {times} {right}", PRODUCT
        return f"{left}{self.choose('*', ' * ')}{right}", PRODUCT

    def _side_by_side(self, left: str, right: str, a: Node, b: Node) -> bool:
        """Whether `left right` reads as the product: no two numbers in a row, no bars that could
        close, nothing that a function written without parentheses would take in."""
        return not (right[0].isdigit() or right[0] in "-.|" or left[-1] in "|}" and not self.latex
                    or left.endswith(r"\rvert") or right.startswith(r"\lvert"))

    def _glued(self, left: str, right: str, a: Node, b: Node) -> bool:
        """2x, 2sin(x), (x+1)(x-1), and xy where both are variables named on the command line."""
        number = a.op == "number" and (right[0].isalpha() or right[0] in "(\\")
        brackets = left.endswith(")") and right.startswith("(")
        letters = a.op == b.op == "variable" and len(left) == len(right) == 1 and (self.juxtapose or
                                                                                     self.latex)
        return (number and not right.startswith("e")) or brackets or letters

    def _div(self, node: Node) -> tuple[str, int]:
        a, b = node.args
        if self.latex and self.choose("frac", "slash") == "frac":
            return rf"\{self.choose('frac', 'dfrac')}{{{self.inner(a)}}}{{{self.inner(b)}}}", ATOM
        slash = "/" if self.latex else self.choose("/", " / ", "÷")
        return f"{self.wrapped(a, PRODUCT)}{slash}{self.wrapped(b, POWER)}", PRODUCT

    def _pow(self, node: Node) -> tuple[str, int]:
        base, exponent = node.args
        if base.op in POWERED and exponent.op == "number" and exponent.text in "234" \
                and self.choose("textbook", "plain") == "textbook":  # sin^2 x
            return self._function(base, power=exponent.text)
        if self.latex:
            return f"{self.wrapped(base, ATOM)}^{{{self.inner(exponent)}}}", POWER
        if exponent.op == "number" and exponent.text in "23" and self.choose("superscript", "plain") \
                == "superscript":
            return self.wrapped(base, ATOM) + "²³"["23".index(exponent.text)], POWER
        if exponent.op == "neg" and exponent.args[0].text == "1" and self.choose("⁻¹", "plain") == "⁻¹":
            return self.wrapped(base, ATOM) + "⁻¹", POWER
        return f"{self.wrapped(base, ATOM)}{self.choose('^', '**')}{self.wrapped(exponent, ATOM)}", POWER

    # functions
    def _exp(self, node: Node) -> tuple[str, int]:
        u = node.args[0]
        form = self.choose("e^", "e^", "exp")
        if form == "e^":
            if self.latex:
                return f"e^{{{self.inner(u)}}}", POWER
            return f"e{self.choose('^', '**')}{self.wrapped(u, ATOM)}", POWER
        return self._function(node)

    def _log10(self, node: Node) -> tuple[str, int]:
        return self._logarithm(node.args[0], number("10"), "log10")

    def _log2(self, node: Node) -> tuple[str, int]:
        return self._logarithm(node.args[0], number("2"), "log2")

    def _logb(self, node: Node) -> tuple[str, int]:
        return self._logarithm(node.args[0], node.args[1], None)

    def _logarithm(self, u: Node, base: Node, name: str | None) -> tuple[str, int]:
        form = self.choose("subscript", "two arguments", "name" if name else "subscript")
        if form == "name" and name:
            return self._function(Node(name, (u,), None, 0.0))
        if form == "two arguments" and not self.latex:
            return f"log({self.inner(u)}, {self.inner(base)})", ATOM
        log = r"\log" if self.latex else "log"
        if base.op in ("number", "variable") and not self.latex and self.choose("braces", "plain") == "plain":
            return f"{log}_{self.text(base)}({self.inner(u)})", ATOM
        return f"{log}_{{{self.inner(base)}}}{self._argument(u)}", ATOM

    def _sqrt(self, node: Node) -> tuple[str, int]:
        u = node.args[0]
        if self.latex:
            return rf"\sqrt{{{self.inner(u)}}}", ATOM
        form = self.choose("√", "name")
        if form == "√":
            text, level = self.write(u)
            if level == ATOM and u.op in ("variable", "number"):
                return "√" + text, BARE
            return f"√({self.inner(u)})", ATOM
        return self._function(node)

    def _cbrt(self, node: Node) -> tuple[str, int]:
        if self.latex:
            return rf"\sqrt[3]{{{self.inner(node.args[0])}}}", ATOM
        return self._function(node)

    def _abs(self, node: Node) -> tuple[str, int]:
        u = node.args[0]
        form = self.choose("bars", "name")
        if form == "bars":
            if self.latex:
                left, right = self.pick.one([(r"\lvert ", r" \rvert"), (r"\left| ", r" \right|")])
                return f"{left}{self.inner(u)}{right}", ATOM
            return f"|{self.inner(u)}|", ATOM
        return self._function(node)

    def _argument(self, u: Node) -> str:
        if self.latex:
            form = self.choose("left", "plain", "sympy")
            inner = self.inner(u)
            return {"left": rf"\left({inner}\right)", "plain": f"({inner})",
                    "sympy": rf"{{\left({inner} \right)}}"}[form]
        return f"({self.inner(u)})"

    def _function(self, node: Node, power: str | None = None) -> tuple[str, int]:
        """name(u), name u, sin^2 x, sin^-1(x), \\sin\\left(u\\right), \\operatorname{sech}(u)."""
        u = node.args[0]
        spellings = [node.op, *OPS[node.op].aliases]
        if node.op == "log":
            spellings.append("log")
        if node.op in INVERTED and power is None:
            spellings.append(INVERTED[node.op] + "^-1")
        name = self.choose(*spellings)
        if name.endswith("^-1"):
            name, power = name[:-3], "-1"
        if self.latex:
            head = f"\\{name}" if name in LATEX_COMMANDS else \
                f"\\{self.choose('operatorname', 'mathrm')}{{{name}}}"
            if power:
                head += f"^{{{power}}}"
        else:
            head = name + (f"^{power}" if power else "")
        simple = u.op in ("variable", "number") and not (self.latex and u.text in LATEX_NAMES)
        if simple and self.choose("bare", "call") == "bare":
            arg = self.text(u)
            if not self.latex and u.op == "variable" and len(arg) == 1 and self.juxtapose and not power \
                    and self.choose("glued", "spaced") == "glued":
                return head + arg, BARE  # sinx
            return f"{head} {arg}", BARE
        return head + self._argument(u), POWER if power else ATOM


@dataclass(frozen=True)
class Written:
    text: str
    latex: bool
    variables: list[str]  # of the text: those of the tree, or of the oracle when it is printed


def written(pick: Pick, typed: Typed, juxtapose: bool) -> Written:
    """`typed` in a notation drawn at random."""
    exact = typed.root.exact
    latex_ok = all(name in LATEX_SAFE for name in typed.variables)
    printable = latex_ok and latex_printable(exact)
    notation = pick.one(["typed"] * 3 + ["latex"] * latex_ok * 2 + ["printed"]
                        + ["printed latex"] * printable)
    if notation.startswith("printed"):  # as a program prints it: sympy's str or LaTeX of the oracle
        names = sorted(s.name for s in exact.free_symbols)
        if notation == "printed":
            return Written(our_syntax(exact), False, names)
        return Written(sympy.latex(exact), True, names)
    latex = notation == "latex"
    return Written(Writer(pick, latex, juxtapose).text(typed.root), latex, typed.variables)


def latex_printable(expr: sympy.Expr) -> bool:
    """Whether nanograd reads sympy.latex(expr): sympy writes relu and Heaviside as \\max and
    \\theta, and sech(x)**y as \\sech^{y}(x), which nanograd refuses (it asks for sech(x)^y)."""
    return not expr.has(sympy.Max, sympy.Heaviside) and not any(
        isinstance(p.base, sympy.Function) and not p.exp.is_Integer for p in expr.atoms(sympy.Pow))


class _OurSyntax(StrPrinter):
    """sympy's str with the names nanograd reads: abs, heaviside, relu, e."""

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_Heaviside(self, expr):
        return f"heaviside({self._print(expr.args[0])})"

    def _print_Exp1(self, expr):
        return "e"

    def _print_Max(self, expr):
        zero, u = sorted(expr.args, key=lambda a: a != 0)
        if zero != 0 or len(expr.args) != 2:
            raise ValueError(f"no relu: {expr}")
        return f"relu({self._print(u)})"


def our_syntax(expr: sympy.Expr) -> str:
    return _OurSyntax().doprint(expr)


def text_depth(expr: sympy.Expr) -> int:
    """Operations on the longest path of `expr` as text (a sum of n terms is n - 1 of them)."""
    depth: dict[Any, int] = {}
    for e in sympy.postorder_traversal(expr):
        below = max((depth.get(a, 0) for a in e.args), default=-1)
        depth[e] = below + max(1, len(e.args) - 1) if e.args else 0
    return depth[expr]
