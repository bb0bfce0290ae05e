"""The derivative as a textbook works it out: the outermost rule first, then inwards, each step
naming its rule and showing the whole derivative so far.

Each step replaces one pending derivative d/dx(u) by what the rule of u's op makes of it: the
op's partials from the table times the pending derivatives of its inputs. The rule names come
from `core.mistakes.RULES` (a name per op), the algebra from the table, so every op of the table
has its steps; and the last line is checked against `grad_expr`.
"""
from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

import sympy

from ..core.budget import check
from ..core.mistakes import ANY, RULES
from ..core.ops import Op
from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import NanogradError
from ..symbolic import grad_expr
from ..symbolic.algebra import MATH_MODULES, SYMBOLIC, constant
from ..symbolic.backprop import node_exprs, tree_size
from ..symbolic.leaves import leaf_symbol

if TYPE_CHECKING:
    from .diagnosis import Diagnosis


@dataclass(frozen=True)
class DerivationStep:
    """One rule applied: d/dx of one sub-expression rewritten, and the whole derivative after it."""

    number: int
    rule: str  # e.g. "product rule", "trig derivative with the chain rule"
    node: Scalar
    derivative: Any  # d/dx(u), unevaluated (a sympy Derivative)
    expansion: Any  # what the rule makes of it
    result: Any  # the whole derivative after this step
    mark: str = ""  # where a wrong answer went wrong: what it did here

    def as_dict(self) -> dict[str, Any]:
        return {"number": self.number, "rule": self.rule, "derivative": _text(self.derivative),
                "equals": _text(self.expansion), "result": _text(self.result),
                "latex": f"{sympy.latex(self.derivative)} = {sympy.latex(self.expansion)}",
                "mark": self.mark}


@dataclass(frozen=True)
class Derivation:
    """d/dx f worked out step by step; `result` equals `grad_expr(f, wrt=x)` (checked)."""

    function: Any  # f, a sympy expression
    wrt: Any  # the sympy Symbol x
    steps: tuple[DerivationStep, ...]
    result: Any
    note: str = ""  # a mistake in the whole answer rather than at a step

    def __str__(self) -> str:
        lines = [f"d/d{self.wrt}({_text(self.function)})"]
        for s in self.steps:
            lines.append(f"{s.number}. {s.rule}: {_text(s.derivative)} = {_text(s.expansion)}")
            lines.append(f"   = {_text(s.result)}")
            if s.mark:
                lines.append(f"   ^ your answer went wrong here: {s.mark}")
        if not self.steps:
            lines.append(f"   = {_text(self.result)}")
        if self.note:
            lines.append(f"your answer went wrong in the whole answer: {self.note}")
        return "\n".join(lines)

    def markdown(self) -> str:
        lines = [f"$${self._start()}$$", ""]
        for s in self.steps:
            lines.append(f"{s.number}. **{s.rule}**: "
                         f"${sympy.latex(s.derivative)} = {sympy.latex(s.expansion)}$"
                         f"  \n   $= {sympy.latex(s.result)}$")
            if s.mark:
                lines.append(f"   \n   **your answer went wrong here**: {s.mark}")
        if not self.steps:
            lines.append(f"$= {sympy.latex(self.result)}$")
        if self.note:
            lines += ["", f"**your answer went wrong in the whole answer**: {self.note}"]
        return "\n".join(lines)

    def latex(self) -> str:
        """An align* environment, one line per step, each rule named at the right."""
        rows = [self._start()]
        for s in self.steps:
            mark = r"\quad\text{(your answer went wrong here)}" if s.mark else ""
            rows.append(f"&= {sympy.latex(s.result)} && \\text{{{s.number}. {s.rule}}}{mark}")
        if not self.steps:
            rows.append(f"&= {sympy.latex(self.result)}")
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"

    def _start(self) -> str:
        return f"\\frac{{d}}{{d{sympy.latex(self.wrt)}}}\\left({sympy.latex(self.function)}\\right)"

    def _repr_latex_(self) -> str:  # Jupyter
        return self.latex()

    def as_dict(self) -> dict[str, Any]:
        return {"function": _text(self.function), "wrt": str(self.wrt),
                "steps": [s.as_dict() for s in self.steps], "result": _text(self.result),
                "note": self.note}

    def json(self) -> str:
        return json.dumps(self.as_dict(), indent=2)

    def marked(self, diagnosis: Diagnosis | None) -> Derivation:
        """These steps with the ones where `diagnosis`'s mistakes were made marked."""
        if diagnosis is None:
            return self
        where = {id(m.node): m.explanation for m in diagnosis.mistakes if m.node is not None}
        steps = tuple(replace(s, mark=where.get(id(s.node), "")) for s in self.steps)
        whole = [m.explanation for m in diagnosis.mistakes if m.node is None]
        return replace(self, steps=steps, note="; ".join(whole))


def steps(out: Scalar, wrt: Scalar) -> Derivation:
    """d out / d wrt worked out rule by rule, from the outermost op of `out` inwards."""
    if not isinstance(wrt, Scalar) or wrt.op is not None:
        raise TypeError("steps differentiates by a variable: wrt must be a leaf Scalar")
    order = topological_order(out)
    exprs = node_exprs(order)
    x = leaf_symbol(wrt)
    moving = _depends_on(order, wrt)

    def pending(node: Any) -> Any:
        if not isinstance(node, Scalar) or not moving.get(node):
            return sympy.Integer(0)
        if node is wrt:
            return sympy.Integer(1)
        return sympy.Derivative(exprs[node], x, evaluate=False)

    current = pending(out)
    found: list[DerivationStep] = []
    stack = [out] if out.op is not None and moving.get(out) else []
    while stack:
        node = stack.pop()
        op = cast(Op, node.op)  # only nodes with an op are pushed
        derivative = pending(node)
        if not current.has(derivative):  # an equal sub-expression already worked out
            continue
        args = [exprs[i] if isinstance(i, Scalar) else constant(i) for i in node.inputs]
        expansion = sympy.Add(*(sympy.sympify(p(SYMBOLIC, *args, exprs[node])) * pending(i)
                                for p, i in zip(op.partials, node.inputs) if pending(i) != 0))
        current = current.xreplace({derivative: expansion})
        found.append(DerivationStep(len(found) + 1, _rule(node, wrt, moving), node, derivative,
                                    expansion, current))
        stack += [i for i in reversed(node.inputs)
                  if isinstance(i, Scalar) and i.op is not None and moving.get(i)]
    _check(current, grad_expr(out, wrt=wrt))
    return Derivation(exprs[out], x, tuple(found), current)


def _depends_on(order: list[Scalar], wrt: Scalar) -> dict[Scalar, bool]:
    moving: dict[Scalar, bool] = {}
    for node in order:
        moving[node] = node is wrt or any(isinstance(i, Scalar) and moving[i] for i in node.inputs)
    return moving


def _rule(node: Scalar, wrt: Scalar, moving: dict[Scalar, bool]) -> str:
    """The rule's name from the table beside the ops, and "with the chain rule" where its
    varying input is itself an expression."""
    op = cast(Op, node.op)
    flags = [isinstance(i, Scalar) and moving[i] for i in node.inputs]
    pattern = ANY if len(flags) == 1 else "both" if all(flags) else "first" if flags[0] else "second"
    entry = RULES.get(op.name)
    name = entry.name_for(pattern) if entry else f"the derivative of {op.name}"
    inner = [i for i, f in zip(node.inputs, flags) if f]
    chained = entry is not None and pattern in entry.chain and inner[0] is not wrt
    return f"{name} with the chain rule" if chained else name


EXPAND_AT_MOST = 200  # nodes: sympy.expand of a larger difference can run for minutes


def _check(result: Any, truth: Any) -> None:
    """The last line is grad_expr's result: equal as expressions (expanded, when small), else
    at sample points."""
    difference = result - truth
    if difference == 0 or tree_size(difference, EXPAND_AT_MOST) <= EXPAND_AT_MOST \
            and sympy.expand(difference) == 0:
        return
    symbols = sorted(difference.free_symbols, key=lambda s: s.name)
    f = sympy.lambdify(symbols, [result, truth], modules=MATH_MODULES)
    rng = random.Random(0)
    compared = 0
    for _ in range(200):
        check("steps: checking the last step")
        try:
            a, b = f(*(rng.uniform(-3, 3) for _ in symbols))
        except (ArithmeticError, ValueError, TypeError):
            continue
        if isinstance(a, complex) or isinstance(b, complex):  # a negative base to a power: no value
            continue
        if not math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9):
            raise NanogradError(f"steps: the last step {result} is not grad_expr's {truth}; "
                                "this is a bug in nanograd, please report it")
        compared += 1
        if compared == 10:
            return


def _text(expr: Any) -> str:
    """An expression with each pending derivative written d/dx(u)."""
    names = {d: sympy.Symbol(f"d/d{d.variables[0]}({sympy.sstr(d.expr)})")
             for d in expr.atoms(sympy.Derivative)}
    return sympy.sstr(expr.xreplace(names) if names else expr)
