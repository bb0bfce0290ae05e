"""The two sweeps of automatic differentiation, generic over the number system the rules run in.

The forward sweep carries a tangent with every value (d node along a direction: forward mode,
dual numbers); the reverse sweep carries an adjoint back from the output (d out / d node: reverse
mode). Both read only the table's partials. Run over `REAL` they give floats; over `SCALAR` they
give Scalars, nodes of a new graph that can be differentiated again. Both are loops over a
topological order (never recursion), return the values and how many local derivatives they
evaluated (each one multiply-add): the measured cost that `jacobian` reports.
"""
from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from typing import Any, Iterator, Mapping, Sequence

from ..errors import NonFiniteError, derivative_error, node_name
from .node import Node
from .ops import REAL
from .walks import topological_order

_INF = math.inf


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic collector off for the length of a sweep: sweeps make no reference cycles, and a
    sweep over a million nodes would otherwise trigger hundreds of full collections."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def joint_order(outputs: Sequence[Node]) -> list[Node]:
    """Every node any of `outputs` depends on, each once and after its inputs.

    One walk: `topological_order` of a scaffold of bare nodes whose operands are the outputs,
    scaffold then removed.
    """
    if len(outputs) == 1:
        return topological_order(outputs[0])
    scaffold: set[Node] = set()
    join: Any = None
    for out in outputs:
        if not isinstance(out, Node):
            raise TypeError(f"expected Scalars, got {type(out).__name__}")
        node = Node()
        node.op, node._a, node._b = None, join, out
        scaffold.add(node)
        join = node
    return [n for n in topological_order(join) if n not in scaffold]


def _overflow(node: Node, what: str) -> NonFiniteError:
    return NonFiniteError(f"the {what} at {node_name(node)} overflowed (is not a finite float)")


def forward_sweep(order: Sequence[Any], seeds: Mapping[Any, Any], m: Any = REAL) -> tuple[dict, int]:
    """Tangents: d node along the direction `seeds` (leaf -> its tangent) for every node of
    `order` that depends on a seeded leaf; nodes that do not are left out (their tangent is 0)."""
    tangent: dict = dict(seeds)
    lifted = m is not REAL  # over Scalars the rules take the nodes themselves, not their data
    evaluated = 0
    node = overflowed = None
    get, is_a, inf = tangent.get, isinstance, _INF
    try:
        with no_collection():
            for node in order:
                op = node.op
                if op is None:
                    continue
                a, b = node._a, node._b
                ta = get(a) if is_a(a, Node) else None
                tb = get(b) if is_a(b, Node) else None
                if ta is None and tb is None:
                    continue
                z = node if lifted else node.data
                x = a.data if not lifted and is_a(a, Node) else a
                if op.arity == 1:
                    t = ta * op.partials[0](m, x, z)
                    evaluated += 1
                else:
                    y = b.data if not lifted and is_a(b, Node) else b
                    t = None if ta is None else ta * op.partials[0](m, x, y, z)
                    if tb is not None:
                        dt = tb * op.partials[1](m, x, y, z)
                        t = dt if t is None else t + dt
                    evaluated += (ta is not None) + (tb is not None)
                if t.__class__ is float and not -inf < t < inf:
                    overflowed = node
                    break
                tangent[node] = t
    except (ArithmeticError, ValueError) as error:
        raise derivative_error(node, error) from None
    if overflowed is not None:
        raise _overflow(overflowed, "tangent")
    return tangent, evaluated


def reverse_sweep(order: Sequence[Any], m: Any = REAL) -> tuple[dict, int]:
    """Adjoints: d out / d node for every node of `order`, whose last node is `out`."""
    adjoint: dict = {order[-1]: 1.0}
    lifted = m is not REAL
    evaluated = 0
    node = overflowed = None
    get, is_a, inf = adjoint.get, isinstance, _INF
    try:
        with no_collection():
            for node in reversed(order):
                g = adjoint[node]
                if g.__class__ is float and not -inf < g < inf:
                    overflowed = node
                    break
                op = node.op
                if op is None:
                    continue
                a, z = node._a, (node if lifted else node.data)
                a_is_node = is_a(a, Node)
                x = a.data if a_is_node and not lifted else a
                if op.arity == 1:
                    local = g * op.partials[0](m, x, z)
                    previous = get(a)
                    adjoint[a] = local if previous is None else previous + local
                    evaluated += 1
                    continue
                b = node._b
                b_is_node = is_a(b, Node)
                y = b.data if b_is_node and not lifted else b
                if a_is_node:
                    local = g * op.partials[0](m, x, y, z)
                    previous = get(a)
                    adjoint[a] = local if previous is None else previous + local
                    evaluated += 1
                if b_is_node:
                    local = g * op.partials[1](m, x, y, z)
                    previous = get(b)
                    adjoint[b] = local if previous is None else previous + local
                    evaluated += 1
    except (ArithmeticError, ValueError) as error:
        raise derivative_error(node, error) from None
    if overflowed is not None:
        raise _overflow(overflowed, "gradient")
    return adjoint, evaluated
