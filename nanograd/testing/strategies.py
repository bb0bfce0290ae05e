"""Hypothesis strategies for random graphs over the whole table of operations, and the test
profiles (`ci`, `dev`, `thorough`) chosen by the environment variable NANOGRAD_PROFILE."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Sequence

try:
    from hypothesis import settings
    from hypothesis import strategies as st
except ImportError as missing:  # hypothesis comes with the test extra
    raise ImportError("nanograd.testing needs hypothesis: pip install 'nanograd[test]'") from missing

from ..core.ops import OPS, REALS, Op, Ranges
from ..core.scalar import Scalar, apply


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
class GraphStep:
    """One operation of a random graph: which row of the table, on which operands."""

    op: Op
    operands: tuple[Operand, ...]


@dataclass
class RandomGraph:
    """A graph made by replaying `steps` on leaves x0, x1, ...; `out` is the last node."""

    values: list[float]
    steps: list[GraphStep]
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
    """Numbers from a union of intervals, rounded so counterexamples read well: to `digits`
    decimals, or more where an interval is narrow, so that each holds about 10 ** digits of them."""
    def pick(interval: tuple[float, float]) -> st.SearchStrategy[float]:
        lo, hi = interval
        places = digits - math.floor(math.log10(hi - lo)) if hi > lo else digits
        places = max(digits, places)
        if places > 300:  # an interval too narrow for decimals: any float in it
            return st.floats(lo, hi)
        scale = 10 ** places
        low, high = math.ceil(lo * scale), math.floor(hi * scale)
        if low > high:  # a single point, between two of the rounded numbers
            return st.just(float(lo))
        # k / scale rounds to the nearest float, which may step just outside [lo, hi]
        return st.integers(low, high).map(lambda k: min(max(k / scale, lo), hi))

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
    steps: list[GraphStep] = []
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
        step = GraphStep(op, tuple(operands))
        steps.append(step)
        args = [o.constant if o.node is None else nodes[o.node] + o.shift for o in operands]
        nodes.append(apply(op, *[Scalar(a) for a in args if a is not None]).data)
    return RandomGraph(values, steps)


def _whole(x: float) -> float:
    return int(x) if x == int(x) else x
