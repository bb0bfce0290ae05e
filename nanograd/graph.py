"""Walks over a computation graph: topological order, numeric backprop, and the nested text view.

Every walk here is iterative (an explicit stack), so a chain of a million nodes is fine.
"""
from __future__ import annotations

import gc
import math

from .errors import NonFiniteError, derivative_error, node_name
from .ops import REAL
from .scalar import Scalar

_INF = math.inf


def topological_order(out: Scalar) -> list[Scalar]:
    """Every node `out` depends on, each after all of its inputs (first input first); `out` last."""
    if not isinstance(out, Scalar):
        raise TypeError(f"expected a Scalar, got {type(out).__name__}")
    order: list[Scalar] = []
    seen = {out}
    stack = [out]
    # Bound methods in locals: this loop runs once per node and again per input.
    see, push, pop, emit, is_a = seen.add, stack.append, stack.pop, order.append, isinstance
    while stack:  # depth first: a node leaves the stack once both its inputs are ordered
        node = stack[-1]
        a = node._a
        if is_a(a, Scalar) and a not in seen:
            see(a)
            push(a)
            continue
        b = node._b
        if is_a(b, Scalar) and b not in seen:
            see(b)
            push(b)
            continue
        emit(pop())
    return order


def backward(out: Scalar) -> None:
    """Reverse-mode autodiff: after it, `node.grad` is d out / d node for every node.

    Non-leaf gradients are recomputed on each call; leaf gradients accumulate, as in PyTorch.
    """
    gc_was_on = gc.isenabled()
    gc.disable()  # the walk makes no reference cycles, so the collector would only slow it down
    try:
        _propagate(start_backward(out))
    finally:
        if gc_was_on:
            gc.enable()


def start_backward(out: Scalar) -> list[Scalar]:
    """The start of every backward pass (whole or step by step), so both keep the same semantics:
    non-leaf gradients reset, leaf gradients kept to accumulate, out seeded. Returns the order."""
    order = topological_order(out)
    for node in order:
        if node.op is not None:
            node.grad = 0.0
    out.grad += 1.0
    return order


def gradient_overflow(node: Scalar) -> NonFiniteError:
    """The error for a gradient that reached `node` as inf or nan (the caller tests it inline:
    the test runs once per node)."""
    return NonFiniteError(f"the gradient at {node_name(node)} overflowed to {node.grad}")


def _propagate(order: list[Scalar]) -> None:
    """The chain rule, node by node from the output: each input gains grad * local derivative."""
    node = None
    real, scalar, inf, is_a = REAL, Scalar, _INF, isinstance  # locals: read once per node
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


MAX_INDENT = 40  # levels of indentation in format_tree; deeper lines say their depth instead


def _indent(depth: int) -> str:
    """Four spaces a level up to MAX_INDENT levels, then `[depth N]`: a deep chain's text then
    grows linearly with its depth, not quadratically."""
    if depth <= MAX_INDENT:
        return "    " * depth
    return f"{'    ' * MAX_INDENT}[depth {depth}] "


def format_tree(out: Scalar, max_nodes: int = 200) -> str:
    """The graph as nested, indented text, the second seed's view: data, grad, label, op, inputs.

    A node used twice is written twice, as in the seed; past `max_nodes` nodes the rest is elided.
    """
    lines: list[str] = []
    stack: list = [(out, 0, "")]
    written, elided = 0, False
    while stack:
        item, depth, tail = stack.pop()
        pad = _indent(depth)
        if isinstance(item, str):  # the closing line of a node with inputs
            lines.append(pad + item)
        elif not isinstance(item, Scalar):  # a constant operand
            lines.append(f"{pad}{item!r}{tail}")
        elif written == max_nodes:
            if not elided:
                lines.append(f"{pad}...  (more than {max_nodes} nodes; raise max_nodes to see them)")
                elided = True
        else:
            written += 1
            head = f"{pad}Scalar(data={item.data!r}, grad={item.grad!r}, label={item.label!r}"
            if item.op is None:
                lines.append(f"{head}){tail}")
                continue
            lines.append(f"{head}, op={item.op.symbol!r}, inputs=(")
            stack.append(("))" + tail, depth, ""))
            for inp in reversed(item.inputs):
                stack.append((inp, depth + 1, ","))
    return "\n".join(lines)
