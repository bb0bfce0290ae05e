"""Paths through a graph from its output back to one node: counted, and walked one at a time.

A path is a sequence of edges, so `x * x` gives two paths to x, one per operand. Counting is
dynamic programming over the topological order (a chain of 60 diamonds has 2**60 paths and is
counted in 60 steps); walking is an explicit stack, so a path a million nodes long is fine.
"""
from __future__ import annotations

from typing import Iterator

from ..core.scalar import Scalar

Edge = tuple[Scalar, int, Scalar]  # (node, position of the input, input)


def paths_down(order: list[Scalar], target: Scalar) -> dict[Scalar, int]:
    """For each node of `order` (a topological order), the number of paths from it to `target`.

    Nodes with a nonzero count are exactly those on some path from the output to `target`.
    """
    down: dict[Scalar, int] = {}
    for node in order:
        if node is target:
            down[node] = 1
        else:
            down[node] = sum(down[i] for i in node.inputs if isinstance(i, Scalar))
    return down


def walk_paths(out: Scalar, target: Scalar, down: dict[Scalar, int]) -> Iterator[list[Edge]]:
    """Every path from `out` to `target`, as its edges from `out` down, depth first, in operand order.

    `down` is `paths_down` for this graph: branches that never reach `target` are not entered.
    """
    if down.get(out, 0) == 0:
        return
    path: list[Edge] = []
    # One frame per node on the current path: the node and the next operand position to try.
    stack: list[list] = [[out, 0]]
    while stack:
        frame = stack[-1]
        node, position = frame
        if node is target:
            yield list(path)
            stack.pop()
            if path:
                path.pop()
            continue
        inputs = node.inputs
        while position < len(inputs) and down.get(inputs[position], 0) == 0:
            position += 1
        if position == len(inputs):
            stack.pop()
            if path:
                path.pop()
            continue
        frame[1] = position + 1
        child = inputs[position]
        path.append((node, position, child))
        stack.append([child, 0])
