"""Writing the command line's output: equations pretty-printed or in LaTeX, tables of values,
colour on a terminal only."""
from __future__ import annotations

import math
import os
import sys
from functools import partial
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import sympy

    from ..calculus.parse import Expression


def function_of(expression: Expression) -> sympy.Expr:
    """f(x, y): the name the output gives EXPR (F when one of its variables is called f)."""
    import sympy  # sympy: loaded on first use

    name = "F" if "f" in expression.variables else "f"
    return sympy.Function(name)(*(sympy.Symbol(v, real=True) for v in expression.variables))


def derivative_of(f: sympy.Expr, name: str) -> sympy.Expr:
    import sympy  # sympy: loaded on first use

    return sympy.Derivative(f, sympy.Symbol(name, real=True))


def equation(left: sympy.Expr | str, right: sympy.Expr) -> sympy.Expr:
    import sympy  # sympy: loaded on first use

    left = sympy.Symbol(left) if isinstance(left, str) else left
    return sympy.Eq(left, right, evaluate=False)


def pretty(expr: sympy.Expr) -> str:
    """`expr` drawn in two dimensions; one that large (a derivative of 20,000 parts drew 5 MB in
    11 s) on one line, which takes time linear in its size."""
    import sympy  # sympy: loaded on first use

    from ..symbolic.backprop import tree_size  # sympy: loaded on first use

    if tree_size(expr, PRETTY_LARGEST) > PRETTY_LARGEST:
        return printed(one_line, expr)
    return printed(partial(sympy.pretty, use_unicode=can_write("∂⋅─")), expr)


def one_line(expr: sympy.Expr) -> str:
    """`expr` as text on one line, its terms in the order they are held (sorting them, sympy's
    default, took minutes on an expression of 80,000 parts); an equation as `left = right`."""
    import sympy  # sympy: loaded on first use

    if isinstance(expr, sympy.Eq):
        return f"{one_line(expr.lhs)} = {one_line(expr.rhs)}"
    return sympy.sstr(expr, order="none")


def latex(expr: sympy.Expr) -> str:
    import sympy  # sympy: loaded on first use

    return printed(sympy.latex, expr)


PRINT_HERE = 200  # nodes: an expression this small prints in milliseconds, its depth far from the limit
PRETTY_LARGEST = 2000  # nodes: an expression larger is printed on one line


def printed(printer: Callable[[sympy.Expr], str], expr: sympy.Expr) -> str:
    """`printer(expr)` within the command's time budget: sympy's printers take time superlinear
    in a large expression's size, and recurse once per level of it, so a large one is printed in
    a worker; a small one here, without the cost of a process."""
    from ..symbolic.backprop import tree_size  # sympy: loaded on first use
    from ..symbolic.workers import in_worker_as_built  # sympy: loaded on first use

    if tree_size(expr, PRINT_HERE) <= PRINT_HERE:
        return printer(expr)
    return in_worker_as_built(printer, expr, doing="printing the result", deep=True)


def value_table(at: dict[str, float], labels: list[str], values: list[float], numerics: list[float]) -> str:
    point = ", ".join(f"{name} = {value!r}" for name, value in at.items()) or "(no variables)"
    lines = [f"{'at ' + point:<28} {'closed form':>24} {'backprop':>24}"]
    for label, value, numeric in zip(labels, values, numerics):
        mark = paint("agree", True) if close(value, numeric) else paint("DISAGREE", False)
        lines.append(f"{label:<28} {value!r:>24} {numeric!r:>24}  {mark}")
    return "\n".join(lines)


def close(a: float, b: float) -> bool:
    from ..calculus.verification import ABSOLUTE, RELATIVE  # sympy: loaded on first use

    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def can_write(text: str) -> bool:
    try:
        text.encode(getattr(sys.stdout, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def paint(text: str, good: bool) -> str:
    """Green or red on a terminal; plain in a pipe or a file, or when NO_COLOR is set."""
    if sys.stdout is None or not sys.stdout.isatty() or "NO_COLOR" in os.environ:
        return text
    return f"\033[{32 if good else 31}m{text}\033[0m"
