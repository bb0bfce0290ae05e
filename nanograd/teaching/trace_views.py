"""How an evaluation trace (`trace.Trace`) is shown: plain text, Markdown, LaTeX and HTML.

Each view lays out the survey's two tables: the forward primal trace with, along a direction,
the forward tangent trace beside it (and each row's adjoint), then the reverse adjoint trace.
Long traces are elided in the middle, so the first and last assignments stay in view; only the
rows shown have their derivative formulas built (those need sympy).
"""
from __future__ import annotations

import html as html_escaping
import re
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..core.node import Node

if TYPE_CHECKING:
    from .trace import Trace

MAX_ROWS = 40  # rows of each table shown before the middle is elided
DOT, BAR = "\u0307", "\u0304"  # combining marks: v̇ (tangent), v̄ (adjoint)
DOT_TEX, BAR_TEX = r"\dot", r"\bar"
NUMBERS = {"value", "tangent", "adjoint"}  # the columns of numbers, set right; formulas go left
_MARKDOWN_SPECIAL = re.compile(r"[\\`*_\[\]<>&|~!#]")
TEX_FUNCTIONS = {"log": r"\ln", "sin": r"\sin", "cos": r"\cos", "exp": r"\exp", "tanh": r"\tanh"}


def number(value: float | None, decimals: int) -> str:
    """Fixed-point to `decimals` places, as the survey prints; scientific when that would hide it."""
    if value is None:
        return ""
    if value == 0 or 10.0 ** -decimals <= abs(value) < 1e9:
        return f"{value:.{decimals}f}"
    return f"{value:.{decimals}e}"


def elided(items: Sequence, max_rows: int) -> list:
    """The items, or the first and last halves of them around an int: how many were left out."""
    if len(items) <= max_rows:
        return list(items)
    head = max(max_rows // 2, 1)
    tail = max(max_rows - head, 1)
    return [*items[:head], len(items) - head - tail, *items[-tail:]]


def accent(name: str, mark: str) -> str:
    """`name` with a combining mark on its first letter: v̇_1 (tangent), v̄_1 (adjoint)."""
    return name[:1] + mark + name[1:]


def _cells(trace: Trace, max_rows: int, decimals: int) -> tuple[list[str], list, list[str], list]:
    """(header, rows of cells or an elided count, reverse header, reverse rows): text cells."""
    tangents = trace.direction is not None
    header = ["primal trace", "value"] + (["tangent trace", "tangent", "adjoint"] if tangents else [])
    rows: list = []
    for row in elided(trace.rows, max_rows):
        if isinstance(row, int):
            rows.append(row)
            continue
        cells = [row.definition, number(row.value, decimals)]
        if tangents:
            cells += [row.tangent_definition, number(row.tangent, decimals), number(row.adjoint, decimals)]
        rows.append(cells)
    out = next(r for r in trace.rows if r.output)
    final = [f"y = {out.name}", number(out.value, decimals)]
    if tangents:
        final += [f"{accent('y', DOT)} = {accent(out.name, DOT)}", number(out.tangent, decimals),
                  number(1.0, decimals)]
    rows.append(final)
    reverse: list = []
    for step in elided(trace.reverse, max_rows):
        reverse.append(step if isinstance(step, int) else [step.definition, number(step.value, decimals)])
    if tangents:
        stands_for = trace.formulas.stands_for
        for row in trace.rows[:len(trace.inputs)]:
            reverse.append([f"{accent(stands_for[row.node], BAR)} = {accent(row.name, BAR)}",
                            number(row.adjoint, decimals)])
    return header, rows, ["reverse adjoint trace", "value"], reverse


def _heading(trace: Trace, decimals: int) -> str:
    stands_for = trace.formulas.stands_for
    at = ", ".join(f"{stands_for[leaf]} = {leaf.data:g}" for leaf in trace.inputs)
    text = f"evaluation trace of y at {at}" if at else "evaluation trace of y"
    if trace.direction is not None:
        along = ", ".join(f"{accent(stands_for[leaf], DOT)} = {trace.direction.get(leaf, 0.0):g}"
                          for leaf in trace.inputs)
        text += f", along {along}"
    return text


def _gap(count: int) -> str:
    return f"... ({count} rows elided; raise max_rows to see them)"


def text(trace: Trace, max_rows: int = MAX_ROWS, decimals: int = 3) -> str:
    """The trace as aligned plain text (what `str(trace)` and `nanograd trace` print)."""
    header, rows, reverse_header, reverse = _cells(trace, max_rows, decimals)
    lines = [_heading(trace, decimals), ""] + _aligned(header, rows)
    if trace.direction is not None:
        lines += [""] + _aligned(reverse_header, reverse)
    return "\n".join(lines)


def _aligned(header: list[str], rows: list) -> list[str]:
    table = [header] + [r for r in rows if not isinstance(r, int)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if h in NUMBERS else c.ljust(w)
                         for h, c, w in zip(header, cells, widths)).rstrip()

    return [line(header)] + [_gap(r) if isinstance(r, int) else line(r) for r in rows]


def markdown(trace: Trace, max_rows: int = MAX_ROWS, decimals: int = 3) -> str:
    """The trace as Markdown tables, formulas in code spans."""
    header, rows, reverse_header, reverse = _cells(trace, max_rows, decimals)

    def table(head: list[str], body: list) -> list[str]:
        lines = ["| " + " | ".join(head) + " |",
                 "|" + "|".join("---:" if h in NUMBERS else ":---" for h in head) + "|"]
        for cells in body:
            if isinstance(cells, int):
                lines.append(f"| {_gap(cells)} |" + " |" * (len(head) - 1))
            else:
                lines.append("| " + " | ".join(c if h in NUMBERS else markdown_code(c)
                                               for h, c in zip(head, cells)) + " |")
        return lines

    lines = [f"**{markdown_text(_heading(trace, decimals))}**", ""] + table(header, rows)
    if trace.direction is not None:
        lines += [""] + table(reverse_header, reverse)
    return "\n".join(lines)


def markdown_text(text: str) -> str:
    """`text` read literally in Markdown: no markup, HTML, entity, link or table bar of a label's."""
    return _MARKDOWN_SPECIAL.sub(r"\\\g<0>", " ".join(text.splitlines()))


def markdown_code(text: str) -> str:
    """`text` as a code span in a Markdown table cell: fenced by more backticks than it holds,
    its bars escaped (a table reads them before the span)."""
    text = " ".join(text.splitlines()).replace("|", "\\|")
    fence = "`" * (1 + max((len(run) for run in re.findall("`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html(trace: Trace, max_rows: int = MAX_ROWS, decimals: int = 3) -> str:
    """The trace as HTML tables (Jupyter shows them)."""
    header, rows, reverse_header, reverse = _cells(trace, max_rows, decimals)
    escape = html_escaping.escape

    def table(head: list[str], body: list) -> str:
        parts = ["<table>", "<tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
        for cells in body:
            if isinstance(cells, int):
                parts.append(f'<tr><td colspan="{len(head)}">{escape(_gap(cells))}</td></tr>')
            else:
                parts.append("<tr>" + "".join(
                    f'<td style="text-align:right">{escape(c)}</td>' if h in NUMBERS
                    else f"<td><code>{escape(c)}</code></td>" for h, c in zip(head, cells)) + "</tr>")
        return "\n".join(parts + ["</table>"])

    body = [f"<p><b>{escape(_heading(trace, decimals))}</b></p>", table(header, rows)]
    if trace.direction is not None:
        body.append(table(reverse_header, reverse))
    return "<div>\n" + "\n".join(body) + "\n</div>"


# -- LaTeX: the same tables, each formula typeset ------------------------------------------------
def latex(trace: Trace, max_rows: int = MAX_ROWS, decimals: int = 3) -> str:
    """The trace as LaTeX arrays (amsmath), formulas typeset by sympy."""
    import sympy  # sympy: loaded on first use

    from ..symbolic.algebra import constant  # sympy: loaded on first use

    formulas = trace.formulas
    names = formulas.names

    def tex(name: str) -> str:
        return sympy.latex(sympy.Symbol(name))

    def marked(name: str, command: str) -> str:
        head, underscore, tail = tex(name).partition("_")
        return rf"{command}{{{head}}}{underscore}{tail}"

    def product(factor: str, local: Any) -> str:
        if local == 1:
            return factor
        if local == -1:
            return f"-{factor}"
        shown = sympy.latex(local)
        return rf"{factor} \left({shown}\right)" if local.is_Add else rf"{factor} \, {shown}"

    def operand(value: Any) -> str:
        return tex(names[value]) if isinstance(value, Node) else sympy.latex(constant(value))

    def definition(node: Any) -> str:
        op = node.op
        if op is None:
            return tex(formulas.stands_for[node])
        args = [operand(i) for i in node.inputs]
        infix = {"add": "+", "sub": "-", "mul": r"\times", "div": "/"}
        if op.name in infix:
            return f"{args[0]} {infix[op.name]} {args[1]}"
        if op.name == "pow":
            return f"{args[0]}^{{{args[1]}}}"
        if op.name == "neg":
            return f"-{args[0]}"
        command = TEX_FUNCTIONS.get(op.name, rf"\operatorname{{{op.name}}}")
        return rf"{command}\left({', '.join(args)}\right)"

    def tangent(node: Any) -> str:
        if node.op is None:
            return marked(formulas.stands_for[node], DOT_TEX)
        terms = [product(marked(names[i], DOT_TEX), formulas.local(node, p))
                 for p, i in enumerate(node.inputs) if isinstance(i, Node)]
        return " + ".join(terms).replace("+ -", "- ")

    def reverse_line(step: Any) -> str:
        target = marked(names[step.target], BAR_TEX)
        if step.source is None:
            return r"\bar{y} = 1"
        term = product(marked(names[step.source], BAR_TEX), formulas.local(step.source, step.position))
        return f"{target} + {term}".replace("+ -", "- ") if step.accumulated else term

    def rows_of(items: Sequence, cells: Callable[[Any], str], columns: int) -> list[str]:
        return [rf"\multicolumn{{{columns}}}{{l}}{{\text{{{_gap(item)}}}}} \\" if isinstance(item, int)
                else cells(item) + r" \\" for item in elided(items, max_rows)]

    tangents = trace.direction is not None
    columns = 5 if tangents else 2

    def primal(row: Any) -> str:
        cells = [f"{tex(row.name)} = {definition(row.node)}", number(row.value, decimals)]
        if tangents:
            cells += [f"{marked(row.name, DOT_TEX)} = {tangent(row.node)}",
                      number(row.tangent, decimals), number(row.adjoint, decimals)]
        return " & ".join(cells)

    out = next(r for r in trace if r.output)
    last = [f"y = {tex(out.name)}", number(out.value, decimals)]
    if tangents:
        last += [rf"\dot{{y}} = {marked(out.name, DOT_TEX)}", number(out.tangent, decimals),
                 number(1.0, decimals)]
    lines = [r"\begin{array}{" + "lr" * (columns // 2) + "r" * (columns % 2) + "}",
             *rows_of(trace.rows, primal, columns), " & ".join(last) + r" \\", r"\end{array}"]
    if tangents:
        steps = rows_of(trace.reverse, lambda s: f"{marked(names[s.target], BAR_TEX)} = {reverse_line(s)}"
                        f" & {number(s.value, decimals)}", 2)
        inputs = [f"{marked(formulas.stands_for[r.node], BAR_TEX)} = {marked(r.name, BAR_TEX)} & "
                  f"{number(r.adjoint, decimals)} \\\\" for r in trace.rows[:len(trace.inputs)]]
        lines += [r"\qquad", r"\begin{array}{lr}", *steps, *inputs, r"\end{array}"]
    return "\n".join(lines)
