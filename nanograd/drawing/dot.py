"""A graph of Scalars drawn with graphviz: a record per Scalar (label | data | grad) and a node per
operation, optionally with closed forms, local derivatives and highlights.

Drawings are `graphviz.Digraph`s that Jupyter shows inline through nanograd's renderer, so they
show on machines without the Graphviz programs too (see `nanograd.drawing.backends`).
"""
from __future__ import annotations

import warnings

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import LargeGraphWarning
from ..teaching.local import derivative_label, local_derivatives, local_formula, node_names, step_formula
from ..teaching.notation import formula_text
from ..teaching.paths import paths_down
from .backends import Digraph
from .blocks import Block, layer_blocks, link, nearest, neuron_blocks

MAX_NODES = 200  # more Scalars than this and only those nearest the output are drawn: past a few
# hundred records a drawing is a hairball (one MLP's loss has 65,000), and slow to lay out
CHAIN = 16  # a graph this many operations deep, and over 3 times deeper than wide, runs top down
EXPR_WIDTH = 40  # closed forms longer than this are written one step deep, then cut in the middle
_SMALL = 40  # a node whose expression tree has more operations than this is never printed whole

# colours: the paths to a highlighted variable, and the node a step-by-step frame is at
_PATH = {"color": "#c0392b", "penwidth": "2"}
_TARGET = {"style": "filled", "fillcolor": "#f6d5d1"}
_FOCUS = {"style": "filled", "fillcolor": "#ffe08a"}
_FLOW = {"color": "#1f6feb", "penwidth": "2"}


# How a label shows a character literally: Graphviz reads backslash escapes (\N is the node's
# name, \l a line break) and & entities (&lt; would show as <) in every label, and records give
# {}|<> a meaning too.
_PLAIN = {"\\": "\\\\", '"': '\\"', "&": "&amp;"}
_RECORD = {**_PLAIN, **{ch: "\\" + ch for ch in "{}|<>"}}


def escape(text: str) -> str:
    """`text` shown literally in a field of a record label."""
    return "".join(_RECORD.get(ch, ch) for ch in text)


def plain_text(text: str) -> str:
    """`text` shown literally in a label that is not a record (an edge's, a graph's title)."""
    return "".join(_PLAIN.get(ch, ch) for ch in text)


def abbreviate(text: str, width: int = EXPR_WIDTH) -> str:
    """`text` cut to `width` characters in the middle, where a formula is least telling."""
    if len(text) <= width:
        return text
    head = (width - 1) * 2 // 3
    return text[:head] + "…" + text[len(text) - (width - 1 - head):]


def draw_dot(out: Scalar, rankdir: str = "auto", *, show_expr: bool = False,
             show_local: bool = False, highlight: Scalar | None = None,
             focus: Scalar | None = None, max_nodes: int | None = MAX_NODES,
             expr_width: int = EXPR_WIDTH) -> Digraph:
    """The graph of `out` as a graphviz.Digraph (Jupyter shows it inline).

    show_expr: each result's closed form (written one step deep, in its inputs' names, when the
    whole would be longer than `expr_width`); show_local: each edge's local derivative, as a
    formula and a number; highlight: the paths from `out` back to that Scalar, in colour;
    focus: one node marked (the step-by-step frames use it). rankdir "auto" draws left to
    right, or top to bottom a long chain (which would be a thin strip across). Every node is
    named as `explain` and the steps name it: its label, a leaf's symbol, `out` for an
    unlabelled output, v1, v2, ... for the other results (the drawing shows each one's
    operation). Past `max_nodes` Scalars, a graph built by nanograd.nn modules is drawn with a
    block for each neuron applied to an input (each layer, if that is still too many), and past
    `max_nodes` of those only the ones nearest the output are drawn, with a LargeGraphWarning;
    None draws every node.
    """
    for name, node in (("highlight", highlight), ("focus", focus)):
        if node is not None and not isinstance(node, Scalar):
            raise TypeError(f"draw_dot: {name} must be a Scalar of the graph, not "
                            f"{type(node).__name__}: {node!r}")
    full = topological_order(out)
    items: list = list(full)
    owner: dict[Scalar, Block] = {}
    shown, hidden = None, 0
    if max_nodes is not None and len(full) > max_nodes:
        items, owner, what = _collapsed(full, max_nodes)
        if len(items) > max_nodes:
            hidden = len(items) - max_nodes
            shown = nearest(out, max_nodes, owner)
            items = [item for item in items if item in shown]
            what += f", the {len(items)} nearest the output"
        warnings.warn(LargeGraphWarning(
            f"draw_dot: the graph of {out.label or 'the output'} has {len(full)} nodes, too many "
            f"to read or lay out; drawing {what} (raise max_nodes, or pass max_nodes=None, to "
            "draw every node)"), stacklevel=2)
    order = [item for item in items if isinstance(item, Scalar)]
    drawn = set(order)
    # the Scalars just past the drawing's edge or a block's get names too: formulas mention them
    edge = list(dict.fromkeys(i for n in order for i in n.inputs
                              if isinstance(i, Scalar) and i not in drawn))
    names = node_names(order + edge, out)
    forms = _forms(order, names, expr_width) if show_expr else None
    down = paths_down(full, highlight) if highlight is not None else {}

    if rankdir == "auto":
        rankdir = "TB" if _is_long_chain(order) else "LR"
    dot = Digraph(format="svg", graph_attr={"rankdir": rankdir})
    cut = False
    for item in items:
        if isinstance(item, Block):
            on = any(down.get(m) for m in item.members)
            dot.node(str(id(item)), label=_block_label(item), shape="Mrecord",
                     **{"style": "filled", "fillcolor": "#e8eef7", **(_PATH if on else {})})
            for inp in item.inputs:
                cut |= _edge(dot, inp, str(id(item)), shown, {})
            continue
        node = item
        uid = str(id(node))
        fields = [escape(names[node]), f"data {node.data:.4f}", f"grad {node.grad:.4f}"]
        if forms and node in forms:
            fields.append(escape(forms[node]))
        style = {**(_PATH if down.get(node) else {}), **(_TARGET if node is highlight else {}),
                 **(_FOCUS if node is focus else {})}
        dot.node(uid, label="{ " + " | ".join(fields) + " }", shape="record", **style)
        if node.op is None:
            continue
        on_path = down.get(node, 0) > 0 and node is not highlight
        dot.node(uid + "op", label=escape(node.op.symbol), shape="ellipse",
                 **(_PATH if on_path else {}), **(_FOCUS if node is focus else {}))
        dot.edge(uid + "op", uid, **(_PATH if on_path else {}))
        locals_ = _edge_labels(node, names, expr_width) if show_local else {}
        for position, inp in enumerate(node.inputs):
            if isinstance(inp, Scalar):
                style = {**(_PATH if on_path and down.get(inp) else {}),
                         **(_FLOW if node is focus else {})}
                if position in locals_:
                    style["label"] = locals_[position]
                cut |= _edge(dot, owner.get(inp, inp), uid + "op", shown, style)
            else:  # a constant operand: a small node of its own
                const = f"{uid}c{position}"
                dot.node(const, label=plain_text(repr(inp)), shape="plaintext")
                dot.edge(const, uid + "op")
    if cut:
        more = "blocks and nodes" if owner else "nodes"
        dot.node("more", label=f"… {hidden} more {more}\\n(max_nodes={max_nodes})", shape="note")
    return dot


def _collapsed(full: list[Scalar], limit: int) -> tuple[list, dict[Scalar, Block], str]:
    """The items to draw for a big graph: a block per neuron applied (from nanograd.nn), or per
    layer applied when that is still more than `limit`; the graph's nodes when it has none."""
    neurons = neuron_blocks(full)
    if not neurons:
        return list(full), {}, "its nodes"
    items, owner = link(full, neurons)
    what = f"each of its {len(neurons)} neuron applications as a block"
    if len(items) > limit:
        layers = layer_blocks(neurons)
        items, owner = link(full, layers)
        what = f"each of its {len(layers)} layer applications as a block"
    return items, owner, what


def _edge(dot: Digraph, source: Scalar | Block, head: str, shown: set | None,
          style: dict[str, str]) -> bool:
    """An edge from `source` into `head`, or from the `more` note when `source` is not drawn;
    whether it was the note."""
    if shown is not None and source not in shown:
        dot.edge("more", head, style="dashed")
        return True
    dot.edge(str(id(source)), head, **style)
    return False


def _block_label(block: Block) -> str:
    """A neuron's block: its name, activation, and its output's value and gradient; a layer's:
    its name, neurons and activation."""
    activation = f" ({block.activation or 'linear'})"
    if not block.layer:
        out = block.outputs[0]
        return (f"{{ neuron {escape(block.name)}{activation} | data {out.data:.4f} | "
                f"grad {out.grad:.4f} }}")
    count = len(block.outputs)
    return f"{{ layer {escape(block.name)} | {count} neuron{'' if count == 1 else 's'}{activation} }}"


def _is_long_chain(order: list[Scalar]) -> bool:
    """Whether the drawing is at least CHAIN operations deep and over 3 times deeper than its
    widest level is wide: it then reads better top to bottom."""
    level: dict[Scalar, int] = {}
    for node in order:
        level[node] = 1 + max((level.get(i, 0) for i in node.inputs if isinstance(i, Scalar)),
                              default=-1)
    if not level:
        return False
    depth = max(level.values())
    widths: dict[int, int] = {}
    for value in level.values():
        widths[value] = widths.get(value, 0) + 1
    return depth >= CHAIN and depth > 3 * max(widths.values())


def _forms(order: list[Scalar], names: dict[Scalar, str], width: int) -> dict[Scalar, str]:
    """Each result's closed form as text: whole if it is short, else one step deep (e = tanh(d))."""
    from ..symbolic.backprop import node_exprs  # sympy: loaded on first use

    # The size of each node's expression tree, capped: deep ones are never built or printed whole
    # (printing a deep sympy expression recurses, and its text would be cut anyway).
    size: dict[Scalar, int] = {}
    for node in order:
        size[node] = min(_SMALL + 1, 1 + sum(size.get(i, _SMALL + 1) for i in node.inputs
                                             if isinstance(i, Scalar)))
    small = [n for n in order if size[n] <= _SMALL]
    exprs = node_exprs(small)
    forms = {}
    for node in order:
        if node.op is None:
            continue
        text = formula_text(exprs[node]) if node in exprs else ""
        if not text or len(text) > width:
            text = formula_text(step_formula(node, names))
        forms[node] = abbreviate(text, width)
    return forms


def _edge_labels(node: Scalar, names: dict[Scalar, str], width: int) -> dict[int, str]:
    """d node / d input on each input edge: `∂e/∂d = 1 - e**2 = 0.0266`."""
    labels = {}
    for position, inp, value in local_derivatives(node):
        formula = local_formula(node, position, names)
        head = plain_text(f"{derivative_label(names[node], names[inp], '∂')} = ")
        labels[position] = head + (f"{value:.4g}" if formula.is_Number else
                                   f"{plain_text(abbreviate(formula_text(formula), width))}\\n= {value:.4g}")
    return labels
