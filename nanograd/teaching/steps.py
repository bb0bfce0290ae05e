"""Backprop one node at a time: `backward_steps(out)` is `backward()` with a pause after each node.

Each step shows what the chain rule does at one node: its gradient (final by then, since every
node that uses it came earlier), the local derivative for each input, read from the table, and
the product added to that input's gradient. The arithmetic is `backward()`'s, in its order, so
running every step leaves the very same gradients as `zero_grad(out); out.backward()`: a lesson
shows the gradients of this pass, never sums left over from an earlier one.
"""
from __future__ import annotations

import math
from functools import cache
from typing import Callable, Iterator, NamedTuple

from ..core.scalar import Scalar
from ..core.walks import gradient_overflow, start_backward, zero_grad
from .local import definition, local_derivatives, node_names


class Contribution(NamedTuple):
    """What one edge adds: input.grad += grad * local."""

    input: Scalar
    position: int  # which operand of the node the input is
    local: float  # d node / d input
    added: float  # grad * local


class Step(NamedTuple):
    """One node of the reverse walk and what it passed on to its inputs."""

    number: int  # 1 for the output, then onwards in reverse topological order
    node: Scalar
    grad: float  # d out / d node
    contributions: tuple[Contribution, ...]
    names: Callable[[], dict[Scalar, str]]  # the graph's node names, as explain() writes them;
    # a call, made once for all steps and only when a step is printed (naming leaves needs sympy)

    def __str__(self) -> str:
        """`step 2: v1 = tanh(h) (tanh), grad 1: h.grad += 1 x 0.42 = +0.42`: the node defined by
        its operation, its gradient, and what each input's gradient gains."""
        names = self.names()
        if self.node.op is None:
            return f"step {self.number}: {names[self.node]} (leaf), grad {self.grad:.6g}: nothing to pass on"
        seed = " (the seed; every other gradient starts at 0)" if self.number == 1 else ""
        parts = [f"{names[c.input]}.grad += {self.grad:.6g} x {c.local:.6g} = {c.added:+.6g}"
                 for c in self.contributions]
        return (f"step {self.number}: {definition(self.node, names)} ({self.node.op.name}), "
                f"grad {self.grad:.6g}{seed}: " + "; ".join(parts))

    def __repr__(self) -> str:
        return f"<S{str(self)[1:]}>"  # <Step 2: v1 = tanh(h) ...>


def backward_steps(out: Scalar) -> Iterator[Step]:
    """`backward()` one node at a time, as a generator: each `next()` processes one node.

    Every gradient of the graph, leaves included, is set to 0 first (`zero_grad(out)`), so the
    steps show this pass's gradients even after an earlier `backward()`, and at the end each
    `.grad` is d out / d node, as `explain(out, wrt=node).total` says. The gradients change as
    you iterate; stopping early leaves them part-way.
    """
    zero_grad(out)
    order = start_backward(out)
    names = cache(lambda: node_names(order, out))
    for number, node in enumerate(reversed(order), 1):
        g = node.grad
        if not -math.inf < g < math.inf:
            raise gradient_overflow(node)
        contributions = []
        for position, inp, local in local_derivatives(node):
            added = g * local
            inp.grad += added
            contributions.append(Contribution(inp, position, local, added))
        yield Step(number, node, g, tuple(contributions), names)
