"""How names and formulas are written for a reader: as text, as LaTeX, inside Markdown.

One notation for every teaching view, so a derivative reads the same in a terminal, a drawing
and a notebook: relu' is the step `[x > 0]` (1 where x > 0, else 0: relu'(0) = 0, as backprop
takes it) in text and in LaTeX; a name of one letter (with digits: x1, x_1) is set in italics
as a variable, a longer one upright (`loss`, `L0.N0.w0`), with LaTeX's special characters
escaped; and Euler's number is an upright e, so that a node named `e` is not mistaken for it.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sympy

_VARIABLE = re.compile(r"([A-Za-z])_?(\d*)")  # x, x1, x_1: set as variables, in italics
# A label that is a short expression of names, numbers, + - * / and parentheses (no powers).
_EXPRESSION = re.compile(r"[\w.+\-*/() ]+")
_OPERATOR = re.compile(r"[+\-*/]")
_TOKEN = re.compile(r"[A-Za-z_][\w.]*|\d[\d.]*|.")
_GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega".split())
# LaTeX's special characters in text mode, and how to write each literally; < > and ` too, which
# a notebook's Markdown would otherwise read as HTML or code around the math.
_TEX_SPECIAL = {"\\": r"\backslash{}", "{": r"\{", "}": r"\}", "%": r"\%", "&": r"\&", "$": r"\$",
                "#": r"\#", "_": r"\_", "^": r"\hat{}", "~": r"\sim{}", " ": r"\ ", "|": r"\vert{}",
                "<": r"\lt{}", ">": r"\gt{}", "`": r"\grave{}"}


def latex_name(name: str) -> str:
    """A node's name in LaTeX math: `x_{1}` for x1, `\\alpha` for alpha, `\\mathrm{loss}` for a
    longer name, special characters (% & $ _ # { } and spaces) escaped; a name that is an
    expression (the command line labels nodes with their text, `w*x + b`) as that expression."""
    if _EXPRESSION.fullmatch(name) and _OPERATOR.search(name) and "**" not in name:
        return "".join(_token_latex(token) for token in _TOKEN.findall(name))
    match = _VARIABLE.fullmatch(name)
    if match:
        letter, digits = match.groups()
        return f"{letter}_{{{digits}}}" if digits else letter
    if name in _GREEK:
        return "\\" + name
    return r"\mathrm{" + "".join(_TEX_SPECIAL.get(ch, ch) for ch in name) + "}"


def _token_latex(token: str) -> str:
    if token[0].isalpha() or token[0] == "_":
        return latex_name(token)
    return {"*": r" \cdot ", " ": ""}.get(token, token)


def formula_text(expr: sympy.Expr) -> str:
    """A formula as plain text, sympy's `str` but with relu' written `[x > 0]`."""
    return _printers()[0].doprint(expr)


def formula_latex(expr: sympy.Expr) -> str:
    """A formula in LaTeX: names as `latex_name` writes them, relu' as `\\left[x > 0\\right]`,
    Euler's number upright."""
    return _printers()[1].doprint(expr)


_PRINTERS: list[Any] = []


def _printers() -> list[Any]:
    """The text and LaTeX printers, made once (their classes need sympy)."""
    if not _PRINTERS:
        from sympy.printing.latex import LatexPrinter  # sympy: loaded on first use
        from sympy.printing.str import StrPrinter  # sympy: loaded on first use

        class TextPrinter(StrPrinter):
            def _print_Heaviside(self, expr: Any) -> str:
                return f"[{self._print(expr.args[0])} > 0]"

            def _print_Max(self, expr: Any) -> str:
                x = _relu_argument(expr)
                return super()._print_Max(expr) if x is None else f"relu({self._print(x)})"

        class TeachingLatexPrinter(LatexPrinter):
            printmethod = "_nanograd_latex"  # not sympy's `_latex`, by which E writes itself `e`

            def _print_Symbol(self, expr: Any, style: str = "plain") -> str:
                return latex_name(expr.name)

            def _print_Heaviside(self, expr: Any, exp: Any = None) -> str:
                tex = rf"\left[{self._print(expr.args[0])} > 0\right]"
                return f"{tex}^{{{exp}}}" if exp else tex

            def _print_Max(self, expr: Any, exp: Any = None) -> str:
                x = _relu_argument(expr)
                if x is None:
                    return super()._print_Max(expr, exp)
                return self._do_exponent(rf"\operatorname{{relu}}\left({self._print(x)}\right)", exp)

            def _print_Abs(self, expr: Any, exp: Any = None) -> str:
                # not sympy's |x|: a bar would end a cell of a Markdown table
                tex = rf"\left\vert {self._print(expr.args[0])} \right\vert"
                return f"{tex}^{{{exp}}}" if exp else tex

            def _print_Exp1(self, expr: Any, exp: Any = None) -> str:
                return r"\mathrm{e}"

            def _print_ExpBase(self, expr: Any, exp: Any = None) -> str:
                tex = rf"\mathrm{{e}}^{{{self._print(expr.args[0])}}}"
                return self._do_exponent(tex, exp)

        _PRINTERS.extend([TextPrinter(), TeachingLatexPrinter()])
    return _PRINTERS


def _relu_argument(expr: Any) -> Any:
    """x when `expr` is Max(0, x), relu's closed form; else None."""
    args = expr.args
    if len(args) == 2 and 0 in args:
        return args[1] if args[0] == 0 else args[0]
    return None
