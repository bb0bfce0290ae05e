"""Why a claimed derivative is wrong: the common mistake whose derivative is the claim.

Forward mode over the expression's own graph, with one node's rule (or two) replaced by a wrong
rule from `core.mistakes`, gives the derivative a student who made that mistake would write. A
mistake is reported only when that derivative equals the claim at every one of several points
inside the domain, again at fresh points, and, where sympy can decide within its budget,
symbolically; and only when it is not the true derivative there too. So a diagnosis always
reproduces the claim, and a right answer never gets one.
"""
from __future__ import annotations

import math
import operator
import random
import time
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator

import sympy

from ..core.budget import check, remaining, within
from ..core.mistakes import ANY, LOOSE, RULES, WHOLE_FACTOR, WHOLE_SIGN, WrongRule, wrong_rules
from ..core.ops import REAL
from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import TimeBudgetError
from ..symbolic.algebra import MATH_MODULES, SYMBOLIC, constant
from ..symbolic.backprop import SympyBuilder, node_exprs, tree_size
from ..symbolic.leaves import leaf_symbols
from .proof import proved_equal

POINTS = 8  # points where a mistake must give the claim before it is considered
CONFIRM = 8  # fresh points it must give the claim at too before it is reported
ATTEMPTS = 400  # random points tried to find those inside the domain
RELATIVE, ABSOLUTE = 1e-6, 1e-9  # two floats that differ by rounding only
SECONDS = 2.0  # the search's budget: single mistakes first, then pairs while time is left
PROVE_SECONDS = 2.0  # sympy's budget to prove the mistaken derivative equals the claim
SHOWN = 60  # parts of an expression a message shows whole
REPORT_SECONDS = 4.0  # the budget of the closed forms that explain a mistake found
# nodes of a claim's tree: a larger claim was not worked by hand, and sympy's printers (lambdify)
# take minutes over a deep one before they run out of stack
LARGEST = 2000


@dataclass(frozen=True)
class Mistake:
    """One mistake: its kind, what it was, where (None: the whole answer) and the rule it broke."""

    kind: str
    description: str
    node: Scalar | None
    expression: str  # the sub-expression as the user wrote it ("" for the whole answer)
    explanation: str  # the rule that applies there and what the answer did instead


@dataclass(frozen=True)
class Diagnosis:
    """The mistake (or two) that turns the true derivative into the claim."""

    kind: str  # the first mistake's kind, one of core.mistakes.KINDS
    node: Scalar | None  # where the first mistake was made; None when it is in the whole answer
    expression: str
    message: str
    mistakes: tuple[Mistake, ...]
    derivative: Any  # the derivative with the mistakes made, a sympy expression: equal to the claim
    checked: str  # "symbolic" (proved) or "numeric" (at `points` points inside the domain)
    points: int

    def __str__(self) -> str:
        return self.message

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "expression": self.expression, "message": self.message,
                "checked": self.checked, "points": self.points,
                "mistakes": [{"kind": m.kind, "expression": m.expression, "description": m.description}
                             for m in self.mistakes]}


@dataclass(frozen=True)
class _Graph:
    """The graph as arrays: per node its op (None: a leaf), its inputs' indices (None: a constant
    operand, kept in `constants`) and the variables it depends on."""

    order: list[Scalar]
    ops: list[Any]
    inputs: list[tuple[int | None, ...]]
    constants: list[tuple[Any, ...]]
    names: list[str | None]  # a variable leaf's name
    depends: list[frozenset[str]]

    @classmethod
    def of(cls, out: Scalar) -> _Graph:
        order = topological_order(out)
        index = {node: i for i, node in enumerate(order)}
        symbols = leaf_symbols(order)
        ops: list[Any] = []
        inputs: list[tuple[int | None, ...]] = []
        constants: list[tuple[Any, ...]] = []
        names: list[str | None] = []
        depends: list[frozenset[str]] = []
        for node in order:
            ops.append(node.op)
            inputs.append(tuple(index[i] if isinstance(i, Scalar) else None for i in node.inputs))
            constants.append(tuple(None if isinstance(i, Scalar) else i for i in node.inputs))
            symbol = symbols.get(node)
            names.append(symbol.name if node.op is None and isinstance(symbol, sympy.Symbol) else None)
            own = frozenset([names[-1]]) if names[-1] else frozenset()
            depends.append(own.union(*(depends[j] for j in inputs[-1] if j is not None)))
        return cls(order, ops, inputs, constants, names, depends)

    def varies(self, i: int, seeds: frozenset[str]) -> str | None:
        """How node i's inputs change with `seeds`: ANY (one input), "both", "first", "second";
        None when the node does not change at all."""
        if not self.depends[i] & seeds:
            return None
        moving = [j is not None and bool(self.depends[j] & seeds) for j in self.inputs[i]]
        if len(moving) == 1:
            return ANY
        return "both" if all(moving) else "first" if moving[0] else "second"


@dataclass(frozen=True)
class _Point:
    values: dict[str, float]
    data: list[float]
    args: list[tuple]
    partials: list[tuple]
    claim: float
    truth: float


@dataclass(frozen=True)
class _Candidate:
    rank: int
    kind: str
    rules: tuple[tuple[int, WrongRule], ...] = ()
    seeds: frozenset[str] = frozenset()
    factor: float = 1.0
    whole: str = ""  # what a whole-answer mistake did, for its explanation
    order: tuple = ()


def diagnose(out: Scalar, wrt: Scalar, claim: Any, seconds: float = SECONDS) -> Diagnosis | None:
    """The common mistake (or pair of them) that makes d out / d wrt into `claim` (a sympy
    expression in the graph's symbols), or None when none does within `seconds` (or the
    caller's budget, if sooner)."""
    left = remaining()
    deadline = time.monotonic() + (seconds if left is None else min(seconds, left))
    if tree_size(claim, LARGEST) > LARGEST:  # not an answer worked by hand
        return None
    graph = _Graph.of(out)
    if wrt not in graph.order or wrt.op is not None:
        return None
    x = graph.names[graph.order.index(wrt)]
    if x is None:
        return None
    variables = sorted({n for n in graph.names if n})
    try:
        claimed = sympy.lambdify([sympy.Symbol(n, real=True) for n in variables], claim,
                                 modules=MATH_MODULES)
    except (TypeError, ValueError, SyntaxError, NameError, RecursionError):
        return None
    sampler = _points(graph, variables, frozenset([x]), claimed)
    points = [p for _, p in zip(range(POINTS), sampler)]
    if len(points) < 3:
        return None
    singles = _singles(graph, x, variables)
    for candidate in singles:
        if time.monotonic() > deadline:
            return None
        if _reproduces(graph, candidate, points) and _confirmed(graph, candidate, sampler):
            return _reported(graph, out, x, claim, [candidate], points)
    ratio = _constant_ratio(points)
    if ratio is not None:
        whole = _Candidate(WHOLE_FACTOR, "constant-factor", seeds=frozenset([x]), factor=ratio,
                           whole=f"the whole answer off by a constant factor: it is {_number(ratio)} "
                                 "times the derivative")
        if _confirmed(graph, whole, sampler):
            return _reported(graph, out, x, claim, [whole], points)
    for pair, parts in _pairs(singles):
        if time.monotonic() > deadline:
            return None
        if _reproduces(graph, pair, points) and _confirmed(graph, pair, sampler):
            return _reported(graph, out, x, claim, list(parts), points, pair)
    return None


def _points(graph: _Graph, variables: list[str], seeds: frozenset[str],
            claimed: Callable) -> Iterator[_Point]:
    """Random points (the same on every run) where the graph, its derivative and the claim are
    all defined and finite."""
    rng = random.Random(0)
    for attempt in range(ATTEMPTS):
        scale = (3.0, 1.0, 0.5)[attempt % 3]
        values = {n: float(f"{rng.uniform(-scale, scale):.4g}") for n in variables}
        point = _evaluate(graph, values, seeds, claimed)
        if point is not None:
            yield point


def _evaluate(graph: _Graph, values: dict[str, float], seeds: frozenset[str],
              claimed: Callable) -> _Point | None:
    data: list[float] = []
    args: list[tuple] = []
    partials: list[tuple] = []
    try:
        for i, op in enumerate(graph.ops):
            node = graph.order[i]
            if op is None:
                name = graph.names[i]
                data.append(values[name] if name else node.data)
                args.append(())
                partials.append(())
                continue
            a = tuple(data[j] if j is not None else c for j, c in zip(graph.inputs[i], graph.constants[i]))
            z = float(op.forward(REAL, *a))
            moving = [j is not None and bool(graph.depends[j]) for j in graph.inputs[i]]
            partials.append(tuple(float(p(REAL, *a, z)) if m else 0.0
                                  for p, m in zip(op.partials, moving)))
            data.append(z)
            args.append(a)
        claim = float(claimed(*(values[n] for n in sorted(values))))
    except (ArithmeticError, ValueError, TypeError):
        return None
    point = _Point(values, data, args, partials, claim, 0.0)
    truth = _tangent(graph, point, {}, seeds)
    if truth is None or not math.isfinite(claim) or not all(map(math.isfinite, data)):
        return None
    return _Point(values, data, args, partials, claim, truth)


def _tangent(graph: _Graph, point: _Point, rules: dict[int, WrongRule],
             seeds: frozenset[str]) -> float | None:
    """d out by forward mode at `point`, with the seeded variables' derivatives 1 and the rules of
    the nodes in `rules` replaced; None where a wrong rule is undefined."""
    t: list[float] = []
    try:
        for i, op in enumerate(graph.ops):
            if op is None:
                t.append(1.0 if graph.names[i] in seeds else 0.0)
                continue
            d = [t[j] if j is not None else 0.0 for j in graph.inputs[i]]
            rule = rules.get(i)
            if rule is None:
                t.append(sum(p * dj for p, dj in zip(point.partials[i], d)))
            else:
                t.append(rule.tangent(REAL, *point.args[i], point.data[i], *d))
        value = t[-1]
    except (ArithmeticError, ValueError, TypeError):
        return None
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def _value(graph: _Graph, candidate: _Candidate, point: _Point) -> float | None:
    value = _tangent(graph, point, dict(candidate.rules), candidate.seeds)
    return None if value is None else value * candidate.factor


def _reproduces(graph: _Graph, candidate: _Candidate, points: list[_Point]) -> bool:
    """The candidate gives the claim at every point, and is not the true derivative at all of them."""
    differs = False
    for point in points:
        value = _value(graph, candidate, point)
        if value is None or not _close(value, point.claim):
            return False
        differs = differs or not _close(value, point.truth)
    return differs


def _confirmed(graph: _Graph, candidate: _Candidate, sampler: Iterator[_Point]) -> bool:
    fresh = [p for _, p in zip(range(CONFIRM), sampler)]
    return all(v is not None and _close(v, p.claim) for p in fresh
               for v in [_value(graph, candidate, p)])


def _singles(graph: _Graph, x: str, variables: list[str]) -> list[_Candidate]:
    """Every single mistake, in the order they are tried: by rank, then outermost node first."""
    seeds = frozenset([x])
    found = [_Candidate(WHOLE_SIGN, "sign", seeds=seeds, factor=-1.0,
                        whole="the sign of the whole answer flipped", order=(0,))]
    for i in reversed(range(len(graph.ops))):
        op = graph.ops[i]
        pattern = graph.varies(i, seeds) if op is not None else None
        if pattern is None:
            continue
        for k, rule in enumerate(wrong_rules(op)):
            if rule.varies in (ANY, pattern):
                found.append(_Candidate(rule.rank, rule.kind, ((i, rule),), seeds,
                                        order=(len(graph.ops) - i, k)))
    everywhere: dict[int, list[tuple[int, WrongRule]]] = {}  # one mistake made at every node it fits
    for c in found:
        for i, rule in c.rules:
            everywhere.setdefault(id(rule), []).append((i, rule))
    found += [_Candidate(rules[0][1].rank, rules[0][1].kind, tuple(rules), seeds, order=(len(graph.ops) + 1,))
              for rules in everywhere.values() if len(rules) > 1]
    others = [v for v in variables if v != x]
    if others:
        found.append(_Candidate(LOOSE, "partial-derivative", seeds=frozenset(variables),
                                whole=f"{', '.join(others)} differentiated too, as if "
                                      f"{'it' if len(others) == 1 else 'they'} depended on {x}: "
                                      f"the partial derivative by {x} holds {', '.join(others)} "
                                      "constant", order=(1,)))
        found += [_Candidate(LOOSE, "partial-derivative", seeds=frozenset([v]),
                             whole=f"differentiated by {v} instead of {x}", order=(2, n))
                  for n, v in enumerate(others)]
    return sorted(found, key=lambda c: (c.rank, c.order))


def _pairs(singles: list[_Candidate]) -> Iterator[tuple[_Candidate, tuple[_Candidate, _Candidate]]]:
    """Two mistakes together, at different nodes (or one of them in the whole answer), the
    likeliest first: each pair as one candidate, and its two parts."""
    pairs = [(a, b) for n, a in enumerate(singles) for b in singles[n + 1:]
             if not (a.whole and b.whole) and not {i for i, _ in a.rules} & {i for i, _ in b.rules}]
    pairs.sort(key=lambda ab: ab[0].rank + ab[1].rank)
    for a, b in pairs:
        seeds = (a if a.whole else b).seeds
        yield _Candidate(a.rank, a.kind, a.rules + b.rules, seeds, a.factor * b.factor), (a, b)


def _constant_ratio(points: list[_Point]) -> float | None:
    """claim / derivative when it is the same number (not 1 or -1) at every point."""
    ratios = [p.claim / p.truth for p in points if p.truth != 0.0]
    if len(ratios) < 3 or not all(_close(r, ratios[0]) for r in ratios):
        return None
    return None if _close(abs(ratios[0]), 1.0) or _close(ratios[0], 0.0) else ratios[0]


def _number(value: float) -> str:
    """A ratio as the user would write it: 3, 1/2, pi, 1/ln(10), else the float."""
    known = sympy.nsimplify(value, [sympy.pi, sympy.E, sympy.log(2), sympy.log(10)], tolerance=1e-9)
    text = str(known)
    return text if len(text) <= 20 else repr(value)


def _reported(*args: Any) -> Diagnosis | None:
    """The report of a mistake found, in REPORT_SECONDS (or the caller's budget, if sooner); if
    its closed forms take longer, none (the verdict stands without its why)."""
    try:
        with within(REPORT_SECONDS):
            return _report(*args)
    except TimeBudgetError:
        return None


def _report(graph: _Graph, out: Scalar, x: str, claim: Any, parts: list[_Candidate],
            points: list[_Point], whole: _Candidate | None = None) -> Diagnosis:
    together = whole or parts[0]
    builder = SympyBuilder()
    exprs = node_exprs(graph.order, builder)
    derivative = _symbolic(graph, exprs, together, builder)
    if together.factor not in (1.0, -1.0):
        derivative = sympy.nsimplify(together.factor, [sympy.pi, sympy.E, sympy.log(2), sympy.log(10)],
                                     tolerance=1e-9) * derivative
    each = [replace(p, rules=(r,)) for p in parts for r in p.rules] + [p for p in parts if not p.rules]
    mistakes = tuple(_mistake(graph, exprs, x, part, builder) for part in each)
    checked = "symbolic" if proved_equal(derivative, claim, PROVE_SECONDS) else "numeric"
    if len(mistakes) == 1:
        message = f"your answer is the derivative with one mistake ({mistakes[0].kind}): " \
                  f"{mistakes[0].explanation}"
    else:
        count = "two" if len(mistakes) == 2 else str(len(mistakes))
        message = f"your answer is the derivative with {count} mistakes: " + " ".join(
            f"({n}) {m.kind}: {m.explanation}" for n, m in enumerate(mistakes, 1))
    first = mistakes[0]
    return Diagnosis(first.kind, first.node, first.expression, message, mistakes, derivative,
                     checked, len(points) + CONFIRM)


def _symbolic(graph: _Graph, exprs: dict, candidate: _Candidate, builder: SympyBuilder) -> Any:
    """The candidate's derivative in closed form: the same forward mode over SYMBOLIC, built as
    the closed forms are (evaluated only while small, so the building stays linear)."""
    rules = dict(candidate.rules)
    t: list[Any] = []
    zero = sympy.Integer(0)
    for i, op in enumerate(graph.ops):
        node = graph.order[i]
        if op is None:
            t.append(sympy.Integer(1 if graph.names[i] in candidate.seeds else 0))
            continue
        check("describing the mistake")
        args = [exprs[node.inputs[k]] if j is not None else constant(node.inputs[k])
                for k, j in enumerate(graph.inputs[i])]
        d = [t[j] if j is not None else zero for j in graph.inputs[i]]
        z = exprs[node]
        if i in rules:
            t.append(builder.build(_sympified(rules[i].tangent), *args, z, *d))
            continue
        terms = [builder.build(operator.mul, builder.build(_sympified(p), *args, z), dj)
                 for p, dj in zip(op.partials, d) if dj != 0]
        t.append(zero if not terms else terms[0] if len(terms) == 1 else builder.add(terms))
    return t[-1] * (-1 if candidate.factor == -1.0 else 1)


def _sympified(rule: Callable) -> Callable:
    """A rule over SYMBOLIC whose result is a sympy number even where the rule gives 1 or 0."""
    return lambda *args: sympy.sympify(rule(SYMBOLIC, *args))


def _mistake(graph: _Graph, exprs: dict, x: str, part: _Candidate, builder: SympyBuilder) -> Mistake:
    if not part.rules:
        kind, where = part.kind, ""
        truth = _shown(_symbolic(graph, exprs, _Candidate(0, "", seeds=frozenset([x])), builder))
        return Mistake(kind, part.whole, None, where, f"{part.whole} (d/d{x} = {truth})")
    i, rule = part.rules[0]
    node = graph.order[i]
    expression = node.label or _shown(exprs[node])
    return Mistake(rule.kind, rule.description, node, expression,
                   f"{rule.description}, at {expression}. {_rule_text(graph, exprs, x, i, rule)}")


def _rule_text(graph: _Graph, exprs: dict, x: str, i: int, rule: WrongRule) -> str:
    """The rule that applies at node i, in u and v, what the answer used there, and what u is."""
    node = graph.order[i]
    op = graph.ops[i]
    entry = RULES.get(op.name)
    constants = entry.constants if entry else ("c", "c")
    seeds = frozenset([x])
    letters = iter(("u", "v"))
    names, derivatives, meanings = [], [], []
    for k, j in enumerate(graph.inputs[i]):
        value = exprs[node.inputs[k]] if j is not None else constant(node.inputs[k])
        if j is not None and graph.depends[j] & seeds:
            letter = next(letters)
            names.append(sympy.Symbol(letter, real=True))
            derivatives.append(sympy.Symbol(letter + "'", real=True))
            if tree_size(value, SHOWN) > SHOWN:  # its derivative would be longer still to read
                meanings.append(f"{letter} = {_shown(value)}")
                continue
            inner = sympy.diff(value, sympy.Symbol(x, real=True))
            meanings.append(f"{letter} = {_shown(value)}, {letter}' = {_shown(inner)}")
        else:
            names.append(sympy.Symbol(constants[k], real=True))
            derivatives.append(sympy.Integer(0))
            meanings.append(f"{constants[k]} = {_shown(value)}")
    z = op.forward(SYMBOLIC, *names)
    true = sympy.Add(*(sympy.sympify(p(SYMBOLIC, *names, z)) * d for p, d in zip(op.partials, derivatives)))
    wrong = sympy.sympify(rule.tangent(SYMBOLIC, *names, z, *derivatives))
    return (f"The rule there is d/d{x} {sympy.sstr(z)} = {sympy.sstr(true)} with {'; '.join(meanings)}; "
            f"your answer has {sympy.sstr(wrong)} instead.")


def _shown(expr: Any) -> str:
    """An expression as a message shows it: whole if short, else its outer levels, the rest
    written ... (printing it whole would be long to do and longer to read)."""
    if tree_size(expr, SHOWN) <= SHOWN:
        return sympy.sstr(expr)
    return sympy.sstr(_outer(expr, 3))


def _outer(expr: Any, levels: int) -> Any:
    if not getattr(expr, "args", ()):
        return expr
    if levels == 0:
        return sympy.Symbol("...")
    try:
        return expr.func(*(_outer(a, levels - 1) for a in expr.args), evaluate=False)
    except TypeError:  # a function that takes no `evaluate`
        return sympy.Symbol("...")
