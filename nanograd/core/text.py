"""The graph as nested, indented text: data, grad, label, op and inputs of every node.

An iterative walk (an explicit stack), bounded in lines, so a deep or wide graph stays readable.
"""
from __future__ import annotations

from .node import Node

MAX_INDENT = 40  # levels of indentation in format_tree; deeper lines say their depth instead
# rich.print(out) indents 8 columns a level and gives every field its line once a node does not
# fit on one: it shows fewer nodes and levels than format_tree, for about as many lines.
RICH_NODES, RICH_LEVELS = 60, 8


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


class _Shown:
    """One node as `rich` shows it: its fields, its inputs already cut to the bounds."""

    __slots__ = ("fields", "inputs")

    def __init__(self, node: Node) -> None:
        self.fields = _fields(node)
        self.inputs: list = []

    def __rich_repr__(self):
        yield from self.fields
        if self.inputs:
            yield "inputs", tuple(self.inputs)


_Shown.__name__ = _Shown.__qualname__ = "Scalar"  # rich writes the class name: Scalar(data=...)


def _fields(node: Node) -> list:
    """(name, value, default) triples: rich leaves out a field at its default (no label, no sym)."""
    return [("data", node.data), ("grad", node.grad), ("label", node.label, ""),
            ("sym", node.sym, None), ("op", node.op.symbol if node.op else None, None)]


def rich_fields(out: Node, max_nodes: int = RICH_NODES, max_levels: int = RICH_LEVELS) -> list:
    """What `rich.print(out)` shows: out's fields and its inputs, nested, bounded as
    `format_tree` is (at most `max_nodes` nodes, a node used twice written twice, and no more
    than `max_levels` levels), so one MLP's loss or a chain of diamonds prints at once."""
    top = _Shown(out)
    stack: list = [(inp, 1, top.inputs) for inp in reversed(out.inputs)]
    written, elided = 1, False
    while stack:
        item, depth, into = stack.pop()
        if not isinstance(item, Node):  # a constant operand
            into.append(item)
        elif written >= max_nodes or depth > max_levels:  # each input cut off leaves a mark
            into.append("..." if elided else f"... more than {max_nodes} nodes or {max_levels} "
                        "levels: format_tree(out, max_nodes=...) shows more")
            elided = True
        else:
            written += 1
            shown = _Shown(item)
            into.append(shown)
            stack.extend((inp, depth + 1, shown.inputs) for inp in reversed(item.inputs))
    return list(top.__rich_repr__())
