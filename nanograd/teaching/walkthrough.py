"""The frames of a lesson on one graph: forward evaluation node by node, then backprop node by
node, each frame with the arithmetic of its step written out and every value and gradient as
it stands. Plain data (lists, dicts, strings, floats), ready for a page to play; the stepper
page (`nanograd.drawing.stepper`) draws it.
"""
from __future__ import annotations

from typing import Any

from ..core.scalar import Scalar
from ..core.walks import topological_order
from ..errors import InputError
from .local import definition, local_formula, node_names
from .notation import formula_text
from .steps import backward_steps

MAX_STEPS = 400  # nodes: each frame holds every gradient, so the page grows as the square


def walkthrough(out: Scalar, max_nodes: int = MAX_STEPS) -> dict[str, Any]:
    """Forward and backward frames for `out`'s graph (see the module's docstring).

    Runs `backward_steps(out)`: afterwards every `.grad` is this pass's d out / d node (earlier
    gradients are set to 0 first). Nodes are numbered by their place in the topological order.
    """
    if not isinstance(out, Scalar):
        raise TypeError(f"walkthrough: out must be a Scalar, not {type(out).__name__}: {out!r}")
    order = topological_order(out)
    if len(order) > max_nodes:
        raise InputError(f"the graph has {len(order)} nodes, too many to step through one by one "
                         f"(at most {max_nodes}); step through a smaller part of it, such as one "
                         "neuron, or pass max_nodes")
    steps = list(backward_steps(out))
    names = node_names(order, out)
    index = {node: i for i, node in enumerate(order)}
    nodes = [{"name": names[n], "data": n.data, "op": n.op.name if n.op else None,
              "definition": definition(n, names) if n.op else None,
              "inputs": [index[i] for i in n.inputs if isinstance(i, Scalar)]} for n in order]
    frames = [_forward_frame(k, node, names, index) for k, node in enumerate(order)]
    grads = [0.0] * len(order)
    for step in steps:
        frames.append(_backward_frame(step, names, index, grads, len(order)))
    return {"output": names[out], "nodes": nodes, "frames": frames}


def _number(value: Any) -> str:
    return f"{float(value):.4g}"


def _forward_frame(k: int, node: Scalar, names: dict[Scalar, str],
                   index: dict[Scalar, int]) -> dict[str, Any]:
    """Node k's value: an input's as given, a result's from its inputs' values."""
    name = names[node]
    if node.op is None:
        lines = [f"{name} = {_number(node.data)}, an input: given, not computed"]
    else:
        shown = [(f"{names[i]}" if isinstance(i, Scalar) else repr(i)) for i in node.inputs]
        values = [_number(i.data) if isinstance(i, Scalar) else repr(i) for i in node.inputs]
        op = node.op
        if op.arity == 2:
            with_numbers = f"{values[0]} {op.symbol} {values[1]}"
        else:
            with_numbers = f"{op.symbol}{values[0]}" if op.name == "neg" else f"{op.name}({values[0]})"
        lines = [f"{definition(node, names)}",
                 f"{name} = {with_numbers} = {_number(node.data)}",
                 "from " + ", ".join(f"{s} = {v}" for s, v in zip(shown, values))]
    return {"phase": "forward", "node": index[node], "known": k + 1, "lines": lines,
            "grads": None}


def _backward_frame(step: Any, names: dict[Scalar, str], index: dict[Scalar, int],
                    grads: list[float], count: int) -> dict[str, Any]:
    """One step of backprop: the node's gradient, and what each input's gradient gains."""
    node, g = step.node, step.grad
    name = names[node]
    grads[index[node]] = g
    if step.number == 1:
        lines = [f"d {name}/d {name} = 1: the output's gradient starts at 1, every other at 0"]
    else:
        lines = [f"{name}.grad = {_number(g)} is final: every node that uses {name} is done"]
    if node.op is None:
        lines.append(f"{name} is an input: nothing to pass on")
    else:
        lines.insert(0, definition(node, names))
        for c in step.contributions:
            inp = names[c.input]
            formula = formula_text(local_formula(node, c.position, names))
            product = (f"{_number(g)} × {_number(c.local)}" if _is_number(formula)
                       else f"{_number(g)} × ({formula}) = {_number(g)} × {_number(c.local)}")
            grads[index[c.input]] += c.added
            lines.append(f"{inp}.grad += {name}.grad × ∂{name}/∂{inp} = {product} = "
                         f"{c.added:+.4g}, so {inp}.grad = {_number(grads[index[c.input]])}")
    return {"phase": "backward", "node": index[node], "known": count, "lines": lines,
            "grads": list(grads)}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
