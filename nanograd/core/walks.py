"""Walks over a computation graph: topological order and numeric backprop.

Every walk here is iterative (an explicit stack), so a chain of a million nodes is fine.
"""
from __future__ import annotations

import math
from typing import TypeVar

from ..errors import NonFiniteError, derivative_error, node_name
from .collector import pause_collector, resume_collector
from .node import Node
from .ops import REAL

_INF = math.inf
N = TypeVar("N", bound=Node)


def topological_order(out: N) -> list[N]:
    """Every node `out` depends on, each after all of its inputs (first input first); `out` last."""
    if not isinstance(out, Node):
        raise TypeError(f"expected a Scalar, got {type(out).__name__}")
    order: list[N] = []
    seen = {out}
    stack = [out]
    # Bound methods in locals: this loop runs once per node and again per input.
    see, push, pop, emit, is_a = seen.add, stack.append, stack.pop, order.append, isinstance
    while stack:  # depth first: a node leaves the stack once both its inputs are ordered
        node = stack[-1]
        a = node._a
        if is_a(a, Node) and a not in seen:
            see(a)
            push(a)
            continue
        b = node._b
        if is_a(b, Node) and b not in seen:
            see(b)
            push(b)
            continue
        emit(pop())
    return order


def backward(out: Node) -> None:
    """Reverse-mode autodiff: after it, `node.grad` is d out / d node for every node.

    Non-leaf gradients are recomputed on each call; leaf gradients accumulate, as in PyTorch.
    """
    pause_collector()  # the walk makes no reference cycles, so the collector would only slow it down
    try:
        _all_or_nothing(out)
    finally:
        resume_collector()


def zero_grad(out: Node) -> None:
    """Set the gradient of every node of `out`'s graph, leaves included, to 0.

    `backward()` adds to leaf gradients (as PyTorch does); call this first for the gradients of
    one pass alone, as a model's or optimizer's `zero_grad()` does for its parameters.
    """
    for node in topological_order(out):
        node.grad = 0.0


def _all_or_nothing(out: Node) -> None:
    """The whole pass, or, if it fails half way (a derivative undefined, Ctrl-C), none of it:
    every gradient of the graph is put back as it was, so no leaf keeps half an accumulation."""
    order = topological_order(out)
    before = [node.grad for node in order]
    try:
        _propagate(start_backward(out, order))
    except BaseException:
        for node, grad in zip(order, before):
            node.grad = grad
        raise


def start_backward(out: N, order: list[N] | None = None) -> list[N]:
    """The start of every backward pass (whole or step by step), so both keep the same semantics:
    non-leaf gradients reset, leaf gradients kept to accumulate, out seeded. Returns the order
    (`order`, when the caller has it already)."""
    if order is None:
        order = topological_order(out)
    for node in order:
        if node.op is not None:
            node.grad = 0.0
    out.grad += 1.0
    return order


def gradient_overflow(node: Node) -> NonFiniteError:
    """The error for a gradient that reached `node` as inf or nan (the caller tests it inline:
    the test runs once per node)."""
    return NonFiniteError(f"the gradient at {node_name(node)} overflowed to {node.grad}")


def _propagate(order: list[Node]) -> None:
    """The chain rule, node by node from the output: each input gains grad * local derivative."""
    node = None
    real, scalar, inf, is_a = REAL, Node, _INF, isinstance  # locals: read once per node
    try:
        for node in reversed(order):
            g = node.grad
            if not -inf < g < inf:
                raise gradient_overflow(node)
            op = node.op
            if op is None:
                continue
            a, z = node._a, node.data
            a_is_node = is_a(a, scalar)
            x = a.data if a_is_node else a
            if op.arity == 1:
                a.grad += g * op.partials[0](real, x, z)
                continue
            b = node._b
            b_is_node = is_a(b, scalar)
            y = b.data if b_is_node else b
            if a_is_node:
                a.grad += g * op.partials[0](real, x, y, z)
            if b_is_node:
                b.grad += g * op.partials[1](real, x, y, z)
    except (ArithmeticError, ValueError) as error:
        if isinstance(error, NonFiniteError):
            raise
        raise derivative_error(node, error) from None
