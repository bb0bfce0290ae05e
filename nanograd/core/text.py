"""The graph as nested, indented text: data, grad, label, op and inputs of every node.

An iterative walk (an explicit stack), bounded in lines, so a deep or wide graph stays readable.
"""
from __future__ import annotations

from .node import Node

MAX_INDENT = 40  # levels of indentation in format_tree; deeper lines say their depth instead


def _indent(depth: int) -> str:
    """Four spaces a level up to MAX_INDENT levels, then `[depth N]`: a deep chain's text then
    grows linearly with its depth, not quadratically."""
    if depth <= MAX_INDENT:
        return "    " * depth
    return f"{'    ' * MAX_INDENT}[depth {depth}] "


def format_tree(out: Node, max_nodes: int = 200) -> str:
    """The graph as nested, indented text: data, grad, label, op and inputs of each node.

    A node used twice is written twice, once where each use is; past `max_nodes` nodes the rest
    is elided.
    """
    lines: list[str] = []
    stack: list = [(out, 0, "")]
    written, elided = 0, False
    while stack:
        item, depth, tail = stack.pop()
        pad = _indent(depth)
        if isinstance(item, str):  # the closing line of a node with inputs
            lines.append(pad + item)
        elif not isinstance(item, Node):  # a constant operand
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
