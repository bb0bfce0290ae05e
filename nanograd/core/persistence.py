"""Saving graphs: pickle and deepcopy of a node, iteratively, so a deep graph saves as well as a
shallow one (the default reduction recurses once per node: a long chain hits the limit).

A leaf saves as itself (no inputs, nothing to recurse into), so leaves are shared by identity
within one pickle: a model's parameters stay the ones its loss was built from. An operation's
node saves its whole graph as a flat list, each row naming its inputs by position; an
intermediate node pickled separately from an output that depends on it comes back as a copy.
"""
from __future__ import annotations

from typing import Any

from .node import Node
from .walks import topological_order

_NO_INPUT = -1


def reduce_node(node: Node) -> tuple:
    """`__reduce__` for a node: how to build it again (see the module's docstring)."""
    cls = type(node)
    if node.op is None:
        return _leaf, (cls, node.data, node.grad, node.label, node.sym)
    position: dict[Node, int] = {}
    rows: list[Any] = []
    for n in topological_order(node):
        position[n] = len(rows)
        if n.op is None:
            rows.append(n)
            continue
        a, b = n._a, n._b
        a_at = position[a] if isinstance(a, Node) else _NO_INPUT
        b_at = position[b] if isinstance(b, Node) else _NO_INPUT
        rows.append((n.op, n.data, n.grad, n.label, n.sym,
                     None if a_at >= 0 else a, a_at, None if b_at >= 0 else b, b_at))
    return _graph, (cls, rows)


def _leaf(cls: type, data: float, grad: float, label: str, sym: Any) -> Node:
    node: Node = object.__new__(cls)
    node.data, node.grad, node.label, node.sym, node.op, node._a, node._b = (
        data, grad, label, sym, None, None, None)
    return node


def _graph(cls: type, rows: list) -> Node:
    nodes: list[Node] = []
    for row in rows:
        if isinstance(row, Node):
            nodes.append(row)
            continue
        op, data, grad, label, sym, a, a_at, b, b_at = row
        node: Node = object.__new__(cls)
        node.data, node.grad, node.label, node.sym, node.op = data, grad, label, sym, op
        node._a = nodes[a_at] if a_at != _NO_INPUT else a
        node._b = nodes[b_at] if b_at != _NO_INPUT else b
        nodes.append(node)
    return nodes[-1]
