"""Drawing a graph with graphviz: a record per Scalar (label | data | grad) and a node per operation."""
from __future__ import annotations

import graphviz

from .graph import topological_order
from .scalar import Scalar


def _escape(text: str) -> str:
    """Record labels give {}|<> and backslash a meaning; show them literally."""
    return "".join("\\" + ch if ch in '{}|<>\\"' else ch for ch in text)


def draw_dot(out: Scalar, rankdir: str = "LR") -> graphviz.Digraph:
    """The graph of `out` as a graphviz.Digraph (Jupyter shows it inline)."""
    dot = graphviz.Digraph(format="svg", graph_attr={"rankdir": rankdir})
    for node in topological_order(out):
        uid = str(id(node))
        dot.node(uid, label=f"{{ {_escape(node.label)} | data {node.data:.4f} | grad {node.grad:.4f} }}",
                 shape="record")
        if node.op is None:
            continue
        dot.node(uid + "op", label=_escape(node.op.symbol), shape="ellipse")
        dot.edge(uid + "op", uid)
        for position, inp in enumerate(node.inputs):
            if isinstance(inp, Scalar):
                dot.edge(str(id(inp)), uid + "op")
            else:  # a constant operand: a small node of its own
                const = f"{uid}c{position}"
                dot.node(const, label=_escape(repr(inp)), shape="plaintext")
                dot.edge(const, uid + "op")
    return dot
