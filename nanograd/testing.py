"""Property testing with hypothesis: random graphs over the whole table, and the checks that hold
nanograd's two answers (backprop numbers, symbolic closed forms) against independent oracles:
sympy.diff, central finite differences, and an mpmath evaluation of each closed form.

    from hypothesis import given
    from nanograd.testing import graphs, check_against_finite_differences

    @given(graphs())
    def test_backprop(graph):
        check_against_finite_differences(graph)

`check_gradients(fn)` runs every check on a user's own function of Scalars.
"""
from __future__ import annotations

import inspect
import math
import os
from dataclasses import dataclass, field
from typing import Callable, Sequence, Union

import sympy

try:
    from hypothesis import assume, given, settings
    from hypothesis import strategies as st
except ImportError as missing:  # hypothesis comes with the test extra
    raise ImportError("nanograd.testing needs hypothesis: pip install 'nanograd[test]'") from missing

from .graph import topological_order
from .ops import OPS, REALS, Op, Ranges
from .scalar import Scalar, apply
from .symbolic import from_sympy, grad_expr, hessian_expr, leaf_values
from .symbolic.algebra import MPMATH_MODULES

# -- tolerances, in one place ------------------------------------------------------------------
# Backprop and an evaluated closed form do the same arithmetic in another order, so they differ
# by rounding only: a few ulps per op, compounded over a few dozen ops.
EXACT = (1e-7, 1e-9)  # (relative, absolute)
# Central differences with step h err by about h**2 * f''' (truncation) plus eps * f / h
# (rounding); with h = 1e-5 * max(1, |x|) both stay near 1e-10 for values of order one, and
# the graphs' values are kept in [-64, 64], so 1e-4 relative leaves a wide margin for curvature.
FINITE_DIFFERENCE = (1e-4, 1e-6)
STEP = 1e-5


def close(a: float, b: float, tolerance: tuple[float, float] = EXACT) -> bool:
    rel, abs_ = tolerance
    return abs(a - b) <= abs_ + rel * max(abs(a), abs(b))


# -- profiles ----------------------------------------------------------------------------------
def register_profiles() -> None:
    """`ci` (bounded, derandomized), `dev` (the default) and `thorough` (10x dev, for releases),
    chosen by the environment variable NANOGRAD_PROFILE."""
    common = dict(deadline=None)  # sympy's first calls are slow; health checks stay as they are
    settings.register_profile("ci", max_examples=20, derandomize=True, print_blob=True, **common)
    settings.register_profile("dev", max_examples=40, **common)
    settings.register_profile("thorough", max_examples=400, **common)
    settings.load_profile(os.environ.get("NANOGRAD_PROFILE", "dev"))


# -- random graphs -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Operand:
    """An input of a step: an earlier node (by index) plus a shift, or a plain constant."""

    node: int | None = None
    shift: float = 0  # added first, so the value lands where the op is safe
    constant: float | None = None


@dataclass(frozen=True)
class Step:
    op: Op
    operands: tuple[Operand, ...]


@dataclass
class RandomGraph:
    """A graph made by replaying `steps` on leaves x0, x1, ...; `out` is the last node."""

    values: list[float]
    steps: list[Step]
    leaves: list[Scalar] = field(init=False)
    nodes: list[Scalar] = field(init=False)

    def __post_init__(self) -> None:
        self.leaves, self.nodes = self.build(self.values)

    @property
    def out(self) -> Scalar:
        return self.nodes[-1]

    def build(self, values: Sequence[float], leaves: Sequence[Scalar] | None = None):
        """The same graph at other leaf values (or on other leaf Scalars): (leaves, nodes)."""
        if leaves is None:
            leaves = [Scalar(v, label=f"x{i}", sym=f"x{i}") for i, v in enumerate(values)]
        nodes = list(leaves)
        for step in self.steps:
            args = [o.constant if o.node is None else nodes[o.node] + o.shift if o.shift
                    else nodes[o.node] for o in step.operands]
            node = apply(step.op, *args)
            node.label = f"n{len(nodes)}"
            nodes.append(node)
        return list(leaves), nodes

    def code(self) -> str:
        """One line of Python that rebuilds this graph."""
        names = [f"x{i}" for i in range(len(self.values))]
        lines = [f"{n} = Scalar({v!r}, label={n!r})" for n, v in zip(names, self.values)]
        for step in self.steps:
            args = [repr(o.constant) if o.node is None else
                    f"({names[o.node]} + {o.shift!r})" if o.shift else names[o.node]
                    for o in step.operands]
            names.append(f"n{len(names)}")
            lines.append(f"{names[-1]} = {_call(step.op, args)}")
        return "; ".join(lines)

    def __repr__(self) -> str:
        return f"RandomGraph: {self.code()}"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        """How hypothesis shows a falsifying example: the one-line reproduction."""
        printer.text(repr(self))


_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def _call(op: Op, args: list[str]) -> str:
    if op.arity == 2 and op.name in _OPERATORS:
        return f"{args[0]} {_OPERATORS[op.name]} {args[1]}"
    if op.arity == 1:
        return f"{args[0]}.{op.name}()"
    return f"apply(OPS[{op.name!r}], {', '.join(args)})"


def values_in(ranges: Ranges, digits: int = 3) -> st.SearchStrategy[float]:
    """Numbers from a union of intervals, rounded so counterexamples read well (whole ones as int)."""
    def pick(interval: tuple[float, float]) -> st.SearchStrategy[float]:
        lo, hi = interval
        scale = 10 ** digits
        return st.integers(math.ceil(lo * scale), math.floor(hi * scale)).map(lambda k: k / scale)

    return st.one_of(*(pick(i) for i in ranges))


@st.composite
def graphs(draw, ops: Sequence[str] | None = None, max_leaves: int = 3, max_steps: int = 30,
           constants: bool = True, values: Sequence[float] | None = None) -> RandomGraph:
    """Random graphs over every op of the table (or `ops`): shared nodes, constants on either
    side, and each op's inputs shifted into the ranges where the op states it is safe.
    `values` fixes the leaves' values (to build several graphs over the same leaves)."""
    table = [OPS[name] for name in ops] if ops else list(OPS.values())
    if values is None:
        values = draw(st.lists(values_in(REALS), min_size=1, max_size=max_leaves))
    values = list(values)
    nodes = [v for v in values]  # the value of each node so far
    steps: list[Step] = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(table))
        constant_at = draw(st.sampled_from([None, 0, 1])) if constants and op.arity == 2 else None
        operands = []
        for position, ranges in enumerate(op.safe):
            if position == constant_at:
                operands.append(Operand(constant=_whole(draw(values_in(ranges, digits=2)))))
                continue
            index = len(nodes) - 1 - draw(st.integers(0, len(nodes) - 1))  # recent nodes first
            value = nodes[index]
            shift = 0.0
            if not any(lo <= value <= hi for lo, hi in ranges):
                shift = _whole(round(draw(values_in(ranges, digits=2)) - value, 3))
            operands.append(Operand(node=index, shift=shift))
        step = Step(op, tuple(operands))
        steps.append(step)
        args = [o.constant if o.node is None else nodes[o.node] + o.shift for o in operands]
        nodes.append(apply(op, *[Scalar(a) for a in args]).data)
    return RandomGraph(values, steps)


def _whole(x: float) -> float:
    return int(x) if x == int(x) else x


# -- independent oracles -----------------------------------------------------------------------
# sympy.diff's DiracDelta only ever appears here at points kept off the step, where it is 0.
_MPMATH = [{**MPMATH_MODULES[0], "DiracDelta": lambda x, *order: 0}, "mpmath"]


def value_of(expr: sympy.Expr, values: dict) -> float:
    """A closed form evaluated by mpmath through lambdify: no nanograd code involved."""
    symbols = list(values)
    return float(sympy.lambdify(symbols, expr, modules=_MPMATH)(*values.values()))


def central_difference(f: Callable[[list[float]], float], values: list[float], i: int) -> float:
    h = STEP * max(1.0, abs(values[i]))
    up, down = list(values), list(values)
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2 * h)


def _kink(f: Callable[[list[float]], float], values: list[float], i: int) -> bool:
    """Whether f's one-sided slopes in input i differ at `values` by more than curvature can."""
    h = STEP * max(1.0, abs(values[i]))
    up, down = list(values), list(values)
    up[i] += h
    down[i] -= h
    here = f(values)
    return not close((f(up) - here) / h, (here - f(down)) / h, (1e-3, 1e-4))


def _report(graph: RandomGraph, what: str, got: float, expected: float) -> str:
    out = graph.out
    return (f"{what}: {got!r} != {expected!r}\n  graph: {graph.code()}\n"
            f"  values: {dict(zip((f'x{i}' for i in range(len(graph.values))), graph.values))}\n"
            f"  out = {out.expr}")


def _backprop(graph: RandomGraph) -> RandomGraph:
    for node in graph.nodes:
        node.grad = 0.0
    graph.out.backward()
    return graph


def _assert_close(graph: RandomGraph, what: str, got: float, expected: float,
                  tolerance: tuple[float, float] = EXACT) -> None:
    assert close(got, expected, tolerance), _report(graph, what, got, expected)


# -- the properties ----------------------------------------------------------------------------
def check_forward(graph: RandomGraph) -> None:
    """1. out.data equals out.expr evaluated at the leaf values."""
    out = graph.out
    _assert_close(graph, "forward value vs closed form", out.data, value_of(out.expr, leaf_values(out)))


def check_leaf_gradients(graph: RandomGraph) -> None:
    """2. Every leaf's backprop gradient equals its grad_expr evaluated."""
    _backprop(graph)
    at = leaf_values(graph.out)
    for leaf, expr in zip(graph.leaves, grad_expr(graph.out, wrt=graph.leaves)):
        _assert_close(graph, f"d out/d {leaf.label}: backprop vs grad_expr", leaf.grad, value_of(expr, at))


def check_against_sympy_diff(graph: RandomGraph, symbolic: bool = True) -> None:
    """3. grad_expr agrees with sympy.diff: numerically, and symbolically where that is cheap
    (small graphs without kinks, where sympy.simplify settles it quickly)."""
    out = graph.out
    at = leaf_values(out)
    full = out.expr
    cheap = symbolic and len(graph.steps) <= 6 and not any(
        s.op.name in ("relu", "abs", "heaviside", "sign") for s in graph.steps)
    for leaf, ours in zip(graph.leaves, grad_expr(out, wrt=graph.leaves)):
        theirs = _steps_are_flat(sympy.diff(full, leaf.expr))
        _assert_close(graph, f"d out/d {leaf.label}: grad_expr vs sympy.diff",
                      value_of(ours, at), value_of(theirs, at))
        if cheap and sympy.simplify(ours - theirs) != 0:
            # simplify cannot always prove an identity (powers with a symbolic exponent, say);
            # then the two formulas must at least agree at nearby points, inside every domain
            # because the safe ranges keep 0.25 from each edge.
            for offset in (-0.1, 0.05, 0.1):
                near = {symbol: value + offset for symbol, value in at.items()}
                _assert_close(graph, f"d out/d {leaf.label} at {near}: grad_expr vs sympy.diff",
                              value_of(ours, near), value_of(theirs, near))


def _steps_are_flat(expr: sympy.Expr) -> sympy.Expr:
    """sympy.diff leaves d/dx sign(u) unevaluated when it cannot tell u is real; the strategies
    keep every input of a step at least 0.25 from it, where that derivative is 0."""
    return expr.replace(
        lambda e: isinstance(e, sympy.Derivative) and e.expr.func in (sympy.sign, sympy.Heaviside),
        lambda e: sympy.Integer(0))


def check_against_finite_differences(graph: RandomGraph) -> None:
    """4. Backprop and the closed form agree with central finite differences."""
    _backprop(graph)
    at = leaf_values(graph.out)
    exprs = grad_expr(graph.out, wrt=graph.leaves)
    f = lambda values: graph.build(values)[1][-1].data  # noqa: E731
    for i, (leaf, expr) in enumerate(zip(graph.leaves, exprs)):
        numeric = central_difference(f, graph.values, i)
        _assert_close(graph, f"d out/d {leaf.label}: backprop vs finite differences", leaf.grad,
                      numeric, FINITE_DIFFERENCE)
        _assert_close(graph, f"d out/d {leaf.label}: grad_expr vs finite differences",
                      value_of(expr, at), numeric, FINITE_DIFFERENCE)


def check_intermediate_adjoints(graph: RandomGraph) -> None:
    """5. Every node's backprop gradient equals grad_expr(out, wrt=node) evaluated."""
    _backprop(graph)
    nodes = topological_order(graph.out)
    at = leaf_values(graph.out)
    for node, expr in zip(nodes, grad_expr(graph.out, wrt=nodes)):
        _assert_close(graph, f"d out/d {node.label}: backprop vs grad_expr", node.grad, value_of(expr, at))


def check_hessian(graph: RandomGraph) -> None:
    """6. hessian_expr agrees with finite differences of the backprop gradients."""
    hessian = hessian_expr(graph.out, wrt=graph.leaves)
    at = leaf_values(graph.out)

    def gradient(values: list[float], i: int) -> float:
        leaves, nodes = graph.build(values)
        for node in nodes:
            node.grad = 0.0
        nodes[-1].backward()
        return leaves[i].grad

    for i in range(len(graph.leaves)):
        for j in range(len(graph.leaves)):
            numeric = central_difference(lambda v: gradient(v, i), graph.values, j)
            _assert_close(graph, f"d2 out/d x{i} d x{j}: hessian_expr vs finite differences",
                          value_of(hessian[i, j], at), numeric, FINITE_DIFFERENCE)


def check_round_trip(graph: RandomGraph) -> None:
    """7. from_sympy(out.expr) rebuilds a graph with the same value and gradients."""
    _backprop(graph)
    rebuilt, leaves = from_sympy(graph.out.expr, leaf_values(graph.out))
    _assert_close(graph, "value after from_sympy", rebuilt.data, graph.out.data)
    rebuilt.backward()
    for leaf in graph.leaves:
        twin = leaves.get(leaf.expr)
        _assert_close(graph, f"d out/d {leaf.label} after from_sympy",
                      twin.grad if twin is not None else 0.0, leaf.grad)



# -- for users ---------------------------------------------------------------------------------
Domain = Union[tuple[float, float], Ranges]


class GradientCheckError(AssertionError):
    """A user's function whose gradients disagree; the message holds a minimal counterexample."""


@dataclass
class GradientReport:
    examples: int  # points where every check ran (points at a kink are skipped)


def check_gradients(fn: Callable[..., Scalar], domain: Domain | list[Domain] = REALS,
                    max_examples: int = 100) -> GradientReport:
    """Property-test `fn`, a function of Scalars: at points drawn from `domain`, backprop, the
    closed form, sympy.diff and central finite differences must agree. Returns a report, or
    raises GradientCheckError with the smallest failing point hypothesis finds. Points at a kink
    of fn (relu or abs at 0, where the one-sided slopes differ) are skipped.

    A domain is an interval `(lo, hi)` or a tuple of intervals; a list gives one per input.
    """
    names = list(inspect.signature(fn).parameters)
    domains = _domains(domain, len(names))
    symbols = [sympy.Symbol(n, real=True) for n in names]
    examples = 0

    def f(values: list[float]) -> float:
        return fn(*(Scalar(v) for v in values)).data

    @settings(max_examples=max_examples, deadline=None, database=None)
    @given(st.tuples(*(values_in(d) for d in domains)))
    def run(point: tuple[float, ...]) -> None:
        nonlocal examples
        values = list(point)
        leaves = [Scalar(v, sym=n) for v, n in zip(values, names)]
        out = fn(*leaves)
        out.backward()
        at = dict(zip(symbols, values))
        closed = out.expr
        for i, (leaf, ours) in enumerate(zip(leaves, grad_expr(out, wrt=leaves))):
            # At a kink (relu or abs at 0) the slopes from the left and the right differ, and
            # the answers legitimately disagree (backprop takes PyTorch's 0, sympy.diff and
            # central differences the mean): such a point checks nothing.
            assume(not _kink(f, values, i))
            answers = {"backprop": leaf.grad, "grad_expr": value_of(ours, at),
                       "sympy.diff": value_of(sympy.diff(closed, symbols[i]), at),
                       "finite differences": central_difference(f, values, i)}
            agree = all(close(answers["backprop"], v, FINITE_DIFFERENCE if k == "finite differences"
                                                       else EXACT) for k, v in answers.items())
            if not agree:
                raise GradientCheckError(
                    f"d {fn.__name__}/d {names[i]} at {dict(zip(names, values))} disagrees: "
                    + ", ".join(f"{k} {v!r}" for k, v in answers.items())
                    + f"\n  {fn.__name__} = {closed}\n  d/d{names[i]} = {ours}")
        examples += 1  # a point counts once every input was checked there

    run()
    return GradientReport(examples)


def _ranges(domain: Domain) -> Ranges:
    """(lo, hi) or a union of such intervals, as a union."""
    if len(domain) == 2 and all(isinstance(v, (int, float)) for v in domain):
        return (tuple(domain),)
    return tuple(tuple(interval) for interval in domain)


def _domains(domain: Domain | list[Domain], n: int) -> list[Ranges]:
    if not isinstance(domain, list):  # one domain for every input
        return [_ranges(domain)] * n
    if len(domain) != n:
        raise ValueError(f"domain gives {len(domain)} ranges for a function of {n} inputs")
    return [_ranges(d) for d in domain]
