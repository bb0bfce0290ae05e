"""explain(out, wrt=a): the chain rule for d out / d a written out, path by path.

d out / d a is the sum, over every path from `out` back to `a`, of the product of the local
derivatives along the path. A few paths are listed with every factor, as a formula in the nodes'
names and as a number; when there are too many (a chain of diamonds doubles them at every
diamond) they are counted and summed node by node instead, by dynamic programming.
"""
from __future__ import annotations

import math
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Sequence, TypeVar

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import NonFiniteError, TooManyPathsError, node_name
from .local import (
    definition,
    definition_latex,
    derivative_label,
    derivative_latex,
    is_generated,
    local_derivative,
    local_derivatives,
    local_formula,
    node_names,
)
from .notation import formula_latex, formula_text, latex_name
from .paths import paths_down, walk_paths

if TYPE_CHECKING:  # sympy is imported only when a formula is asked for
    import sympy

T = TypeVar("T")
MAX_PATHS = 100  # listed one by one up to this many; past it, summarised node by node
MAX_FACTORS = 10_000  # nor are paths listed whose factors add up to more (a million-node chain)
MAX_LINES = 40  # factors of one path, or summary rows, shown in text; the middle is elided


class Factor:
    """One step of a path: d node / d input, the local derivative on that edge."""

    __slots__ = ("node", "position", "input", "value", "_explanation")

    def __init__(self, node: Scalar, position: int, input: Scalar, value: float,
                 explanation: Explanation) -> None:
        self.node, self.position, self.input, self.value = node, position, input, value
        self._explanation = explanation

    @property
    def local(self) -> sympy.Expr:
        """The local derivative as a formula in the names of the node and its inputs."""
        return local_formula(self.node, self.position, self._explanation.names)

    @property
    def expr(self) -> sympy.Expr:
        """The local derivative in closed form, in the graph's leaf symbols."""
        import sympy  # sympy: loaded on first use

        from ..symbolic.algebra import SYMBOLIC, constant  # sympy: loaded on first use

        exprs = self._explanation.node_exprs
        args = [exprs[i] if isinstance(i, Scalar) else constant(i) for i in self.node.inputs]
        rule = self.node.op.partials[self.position]  # type: ignore[union-attr]  # not a leaf
        return sympy.sympify(rule(SYMBOLIC, *args, exprs[self.node]))

    def text(self) -> str:
        """`d e/d d = 1 - e**2 = 0.0265922`."""
        names = self._explanation.names
        head = f"{derivative_label(names[self.node], names[self.input])} = "
        local = self.local
        return head + (f"{self.value:.6g}" if local.is_Number
                       else f"{formula_text(local)} = {self.value:.6g}")

    def __repr__(self) -> str:
        return f"Factor({self.text()})"


class ChainPath:
    """A path from the output back to the variable: its nodes, its factors and their product."""

    def __init__(self, start: Scalar, factors: list[Factor]) -> None:
        self.factors = tuple(factors)
        self.nodes = (start, *(f.input for f in factors))
        self.value = math.prod(f.value for f in self.factors)  # 1 for the empty path, out to out

    @property
    def expr(self) -> sympy.Expr:
        """The product of the factors' closed forms."""
        import sympy  # sympy: loaded on first use

        return sympy.Mul(*[f.expr for f in self.factors])

    def __repr__(self) -> str:
        return f"ChainPath({len(self.factors)} factors, value={self.value!r})"


class Group:
    """One node of the summary: how many paths lead from it to the variable, and its derivative
    with respect to the variable as the sum, over its inputs, of local derivative times theirs."""

    __slots__ = ("node", "paths", "value", "_edges", "_explanation")

    def __init__(self, node: Scalar, paths: int, value: float,
                 edges: list[tuple[int, Scalar, float, float]], explanation: Explanation) -> None:
        self.node, self.paths, self.value = node, paths, value
        self._edges, self._explanation = edges, explanation  # Factors made on demand: a summary
        # may cover a million nodes, of which a few dozen are read

    @property
    def terms(self) -> tuple[tuple[Factor, float], ...]:
        """(d node / d input, d input / d wrt) for each input on a path."""
        return tuple((Factor(self.node, position, inp, local, self._explanation), tangent)
                     for position, inp, local, tangent in self._edges)

    def __repr__(self) -> str:
        return f"Group({self.paths} paths, value={self.value!r})"


class Explanation:
    """The chain rule for d out / d wrt on one graph; `str()` reads it out, Jupyter shows it as
    math. `paths` are listed when there are at most `max_paths` (and MAX_FACTORS factors)."""

    def __init__(self, out: Scalar, wrt: Scalar, max_paths: int = MAX_PATHS) -> None:
        self.out, self.wrt = out, wrt
        self.order = topological_order(out)
        self._down = paths_down(self.order, wrt) if wrt in set(self.order) else {}
        self.path_count: int = self._down.get(out, 0)
        self.factor_count: int = _factor_count(self.order, self._down)  # the paths' lengths, summed
        self.summarised = self.path_count > max_paths or self.factor_count > MAX_FACTORS
        self._paths: tuple[ChainPath, ...] = ()
        if not self.summarised:
            self._paths = tuple(
                ChainPath(out, [Factor(node, position, inp, local_derivative(node, position), self)
                           for node, position, inp in edges])
                for edges in walk_paths(out, wrt, self._down))
        self.total: float = (math.fsum(p.value for p in self._paths) if not self.summarised
                             else self.groups[-1].value)
        if not -math.inf < self.total < math.inf:
            raise NonFiniteError(f"explain: d {node_name(out)} / d {node_name(wrt)} "
                                 f"overflowed to {self.total}")

    @property
    def paths(self) -> tuple[ChainPath, ...]:
        """Every path from out back to wrt (with its factors), when there are few enough to list."""
        if self.summarised:
            raise TooManyPathsError(
                f"{self.path_count} paths lead from {node_name(self.out)} back to "
                f"{node_name(self.wrt)}: too many to list, so they were summarised (see .groups); "
                "pass max_paths to explain() to list more")
        return self._paths

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        """Every node on a path, from wrt up to out: its path count and its derivative w.r.t. wrt.

        This is forward-mode differentiation restricted to the paths; the last group is out's.
        """
        tangent: dict[Scalar, float] = {}
        groups = []
        for node in self.order:
            count = self._down.get(node, 0)
            if count == 0:
                continue
            if node is self.wrt:
                tangent[node] = 1.0
                groups.append(Group(node, 1, 1.0, [], self))
                continue
            edges = [(position, inp, local, tangent[inp])
                     for position, inp, local in local_derivatives(node) if self._down[inp]]
            tangent[node] = math.fsum(local * t for _, _, local, t in edges)
            groups.append(Group(node, count, tangent[node], edges, self))
        return tuple(groups)

    @cached_property
    def names(self) -> dict[Scalar, str]:
        return node_names(self.order, self.out)

    @cached_property
    def node_exprs(self) -> dict:
        from ..symbolic.backprop import node_exprs  # sympy: loaded on first use

        return node_exprs(self.order)

    @cached_property
    def expr(self) -> sympy.Expr:
        """d out / d wrt in closed form (by symbolic backprop: `grad_expr(out, wrt=wrt)`)."""
        from ..symbolic.backprop import grad_expr  # sympy: loaded on first use

        return grad_expr(self.out, wrt=self.wrt)

    # -- reading it out ----------------------------------------------------------------------
    def _heading(self) -> tuple[str, str]:
        """The names of out and wrt (wrt may lie outside the graph)."""
        return self.names[self.out], self.names.get(self.wrt) or node_names([self.wrt], None)[self.wrt]

    def shown_nodes(self) -> list[Scalar]:
        """The nodes the walkthrough mentions: those on a path from out to wrt (out at least)."""
        return [n for n in self.order if self._down.get(n, 0) or n is self.out]

    def definitions(self) -> list[Scalar]:
        """The nodes whose generated names (v1, out) the walkthrough uses: it defines each one."""
        return [n for n in self.shown_nodes() if is_generated(n, self.names)]

    def __str__(self) -> str:
        o, a = self._heading()
        lines = [f"{derivative_label(o, a)} = sum over paths from {o} back to {a} of the product "
                 "of local derivatives (the chain rule)."]
        where = self.definitions()
        if where:
            lines.append("where " + "; ".join(
                _elide(where, lambda n: definition(n, self.names), "definitions", inline=True)))
        if self.path_count == 0:
            lines.append(f"No path leads from {o} back to {a}: {o} does not depend on it.")
        elif not self.summarised:
            lines.append(f"{_plural(self.path_count, 'path')}:")
            for number, path in enumerate(self._paths, 1):
                lines.append(f"  path {number}: " + " <- ".join(self.names[n] for n in path.nodes))
                lines.extend(_elide(path.factors, lambda f: f"      {f.text()}", "factors"))
                lines.append(f"      product = {path.value:.6g}")
        else:
            lines.append(
                f"{_plural(self.path_count, 'path')} from {o} back to {a}, "
                f"{_plural(self.factor_count, 'factor')} in all: too many to list. "
                f"Counted and summed node by node instead, from {a} up to {o}: a node's derivative "
                f"with respect to {a} is the sum over its inputs of (local derivative) x (the input's "
                f"derivative with respect to {a}), and its path count the sum of theirs.")
            lines.extend(_elide(self.groups, self._group_text, "nodes"))
        lines.append(f"{derivative_label(o, a)} = {self.total:.6g}" +
                     (f" (the sum over {_plural(self.path_count, 'path')})" if self.path_count else ""))
        return "\n".join(lines)

    def _group_text(self, group: Group) -> str:
        name, a = self.names[group.node], self.names[self.wrt]
        head = f"  {name} ({_plural(group.paths, 'path')}): {derivative_label(name, a)} = "
        if not group.terms:
            return head + "1"
        terms = " + ".join(f"[{f.text()}] x {t:.6g}" for f, t in group.terms)
        return f"{head}{terms} = {group.value:.6g}"

    def markdown(self) -> str:
        """The walkthrough as Markdown with inline LaTeX, for notebooks and reports: the chain rule
        as one equation, the generated names defined, then a table of the paths (or nodes)."""
        o, a = self._heading()
        to, ta = latex_name(o), latex_name(a)
        lines = [f"$${self.latex_body()}$$", "",
                 f"The sum over the paths from ${to}$ back to ${ta}$ of the product of the local "
                 f"derivatives along each path: **{self.total:.6g}**.", ""]
        where = self.definitions()
        if where:
            lines += ["where " + ", ".join(_elide(
                where, lambda n: f"${definition_latex(n, self.names)}$", "definitions",
                inline=True)), ""]
        if self.path_count == 0:
            lines.append(f"No path leads from ${to}$ back to ${ta}$.")
        elif not self.summarised:
            lines += ["| path | local derivatives | product |", "|---|---|---|"]
            for path in self._paths:
                factors = " · ".join(
                    f"${derivative_latex(self.names[f.node], self.names[f.input])} = "
                    f"{formula_latex(f.local)}$ ({f.value:.4g})" for f in path.factors)
                route = " ← ".join(f"${latex_name(self.names[n])}$" for n in path.nodes)
                lines.append(markdown_row(route, factors, f"{path.value:.6g}"))
        else:
            lines += [f"{self.path_count} paths: summed node by node (forward from ${ta}$).", "",
                      f"| node | paths to ${ta}$ | ${derivative_latex('node', a)}$ |", "|---|---|---|"]
            lines += _elide(self.groups, lambda g: markdown_row(
                f"${latex_name(self.names[g.node])}$", str(g.paths), f"{g.value:.6g}"),
                "nodes", row=True)
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        """What Jupyter shows: the Markdown view, chosen deliberately as the only rich one (with
        both Markdown and LaTeX on offer, JupyterLab and nbconvert would pick the Markdown anyway,
        and the classic notebook the LaTeX); it opens with the equation that `latex()` gives."""
        return self.markdown()

    def latex(self) -> str:
        """The chain rule as one equation, `$...$`: the sum of products of local derivatives, and
        its value."""
        return "$" + self.latex_body() + "$"

    def latex_body(self) -> str:
        """`latex()` without the dollars, for display math."""
        o, a = self._heading()
        parts = [derivative_latex(o, a)]
        if self.summarised or self.path_count == 0 or sum(len(p.factors) for p in self._paths) > 60:
            parts.append(r"\sum_{\mathrm{paths}\ p} \prod_{(v, u) \in p} \frac{\partial v}{\partial u}")
        else:
            names = self.names
            parts.append(" + ".join(r" \, ".join(derivative_latex(names[f.node], names[f.input])
                                                 for f in p.factors) or "1" for p in self._paths))
            parts.append(" + ".join(r" \cdot ".join(rf"\left({formula_latex(f.local)}\right)"
                                                    for f in p.factors) or "1" for p in self._paths))
        mantissa, _, exponent = f"{self.total:.6g}".partition("e")
        parts.append(rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa)
        return " = ".join(parts)

    def __repr__(self) -> str:
        o, a = self._heading()
        return (f"<Explanation {derivative_label(o, a)} = {self.total:.6g} "
                f"over {_plural(self.path_count, 'path')}>")


def explain(out: Scalar, wrt: Scalar, max_paths: int = MAX_PATHS) -> Explanation:
    """How the chain rule gives d out / d wrt: every path from out back to wrt with its local
    derivatives, or, past `max_paths` paths, a summary node by node (paths counted, not listed).

    `.total` equals `wrt.grad` after `out.backward()` (up to rounding: the sums run in another
    order); `.expr` is the closed form, `grad_expr(out, wrt=wrt)`.
    """
    for name, value in (("out", out), ("wrt", wrt)):
        if not isinstance(value, Scalar):
            raise TypeError(f"explain: {name} must be a Scalar, not {type(value).__name__}: {value!r}")
    return Explanation(out, wrt, max_paths)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def markdown_row(*cells: str) -> str:
    return "| " + " | ".join(cells) + " |"


def _elide(items: Sequence[T], show: Callable[[T], str], what: str, row: bool = False,
           inline: bool = False) -> list[str]:
    """At most MAX_LINES lines: the first and last halves of `items`, with a note of how many
    are left out; only the lines shown are formatted (a path can have a million factors)."""
    if len(items) <= MAX_LINES:
        return [show(item) for item in items]
    half = MAX_LINES // 2
    skipped = len(items) - 2 * half
    note = (f"| ... {skipped} more {what} ... | | |" if row else f"... {skipped} more {what} ..."
            if inline else f"      ... {skipped} more {what} ...")
    return [show(i) for i in items[:half]] + [note] + [show(i) for i in items[-half:]]


def _factor_count(order: list[Scalar], down: dict[Scalar, int]) -> int:
    """The number of factors over all the paths (the sum of their lengths), by dynamic programming."""
    length: dict[Scalar, int] = {}  # for each node, the sum of the lengths of its paths down
    for node in order:
        if down.get(node, 0):
            length[node] = sum(length[i] + down[i] for i in node.inputs
                               if isinstance(i, Scalar) and down.get(i, 0))
    return length.get(order[-1], 0) if order else 0

