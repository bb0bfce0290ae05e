"""A network drawn as blocks: a box per layer, a block per neuron with its weights and bias."""
from __future__ import annotations

import html
from typing import Any

from .backends import Digraph


def draw_model(model: Any, rankdir: str = "LR", max_neurons: int = 16) -> Digraph:
    """A network as blocks: a box per layer holding a block per neuron (its weights, bias,
    activation, and gradients once they are not all zero), fully connected to the next layer.
    Layers wider than `max_neurons` are one block.

    Reads `model.layers`, each layer's `neurons`, and each neuron's `weights` and `bias` (and
    `activation` if it has one), so any model with those attributes can be drawn.
    """
    layers = list(model.layers)
    if not layers:
        raise ValueError(f"draw_model: {model!r} has no layers to draw")
    if rankdir not in _SIDES:
        raise ValueError(f"draw_model: rankdir must be one of {', '.join(_SIDES)}, not {rankdir!r}")
    # Graphviz reorders separate nodes to shorten edges, even chained within a cluster. So when
    # edges run across, a layer is one node, a table with a cell per neuron (cells keep their
    # order) under its title; when they run down (where edges into cells loop badly), a rank of
    # its own: the title, then the neurons, chained in order by invisible edges. Edges leave a
    # block on the side facing the next layer and enter on the side facing the previous one, so
    # none runs through a title.
    across = rankdir in ("LR", "RL")
    # rows are wide: more room between them keeps a full layer's edges apart
    dot = Digraph(format="svg", graph_attr={"rankdir": rankdir,
                                            **({} if across else {"ranksep": "0.8"})})
    tail_side, head_side = _SIDES[rankdir]
    nin = len(layers[0].neurons[0].weights)
    if nin > max_neurons:
        dot.node("in", label=f"{nin} inputs", shape="box")
        previous = ["in"]
    else:  # a record with a field per input, turned by rankdir as the layers are
        dot.node("in", label="|".join(f"<x{i}> x{i}" for i in range(nin)), shape="record")
        previous = [f"in:x{i}" for i in range(nin)]
    for k, layer in enumerate(layers):
        neurons = list(layer.neurons)
        count = sum(len(n.weights) + 1 for n in neurons)
        title = f"layer {k}: {_plural(len(neurons), 'neuron')}, {count} parameters"
        if len(neurons) > max_neurons:
            cells = [_table([f"{len(neurons)} neurons{_activation(neurons[0])}"])]
        else:
            cells = [_table(_neuron_fields(j, n)) for j, n in enumerate(neurons)]
        units = (_layer_column if across else _layer_row)(dot, f"L{k}", title, cells)
        for tail in previous:
            for head in units:
                dot.edge(f"{tail}:{tail_side}", f"{head}:{head_side}")
        previous = units
    dot.node("out", label="output", shape="plaintext")
    for tail in previous:
        dot.edge(f"{tail}:{tail_side}", f"out:{head_side}")
    return dot


# the compass sides edges leave and enter by, for each rankdir
_SIDES = {"LR": ("e", "w"), "RL": ("w", "e"), "TB": ("s", "n"), "BT": ("n", "s")}


def _layer_column(dot: Digraph, uid: str, title: str, cells: list[str]) -> list[str]:
    """The layer as one node: a rounded box, the title above a column of cells; their ports."""
    rows = "".join(f'<TR><TD PORT="n{j}">{cell}</TD></TR>' for j, cell in enumerate(cells))
    dot.node(uid, shape="plain", label=(
        f'<<TABLE STYLE="rounded" COLOR="#7f8c8d" BORDER="1" CELLBORDER="0" CELLSPACING="10">'
        f"<TR><TD>{html.escape(title)}</TD></TR>{rows}</TABLE>>"))
    return [f"{uid}:n{j}" for j in range(len(cells))]


def _layer_row(dot: Digraph, uid: str, title: str, cells: list[str]) -> list[str]:
    """The layer as a rank: its title, then a node per cell, chained in that order by invisible
    edges (a chain Graphviz keeps outside clusters); the cells' ids."""
    ids = [f"{uid}_{j}" for j in range(len(cells))]
    with dot.subgraph() as row:
        row.attr(rank="same")
        row.node(f"{uid}_title", label=title.replace(": ", "\\n"), shape="plaintext")
        for cell_id, cell in zip(ids, cells):
            row.node(cell_id, label=f"<{cell}>", shape="plain")
        chain = [f"{uid}_title", *ids]
        for tail, head in zip(chain, chain[1:]):
            row.edge(tail, head, style="invis")
    return ids


def _table(fields: list[str]) -> str:
    """Fields one under another, each in a ruled cell."""
    rows = "".join(f"<TR><TD>{html.escape(f)}</TD></TR>" for f in fields)
    return f'<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">{rows}</TABLE>'


def _neuron_fields(index: int, neuron: Any) -> list[str]:
    """neuron j (activation), w ..., b ..., and once backward() has run their gradients."""
    weights, bias = list(neuron.weights), neuron.bias
    fields = [f"neuron {index}{_activation(neuron)}"]
    for what, value in (("", lambda p: p.data), ("grad ", lambda p: p.grad)):
        if what and not any(p.grad for p in [*weights, bias]):
            break
        w = (", ".join(f"{value(p):.3g}" for p in weights) if len(weights) <= 6
             else f"{len(weights)} weights")
        fields += [f"{what}w {w}", f"{what}b {value(bias):.3g}"]
    return fields


def _activation(neuron: Any) -> str:
    if not hasattr(neuron, "activation"):
        return ""
    return f" ({neuron.activation or 'linear'})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
