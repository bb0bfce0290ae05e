"""A network drawn as blocks: a box per layer, a block per neuron with its weights and bias."""
from __future__ import annotations

from typing import Any

import graphviz

from .backends import Digraph
from .dot import escape


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
    # ordering=out keeps each layer's units in their order; edges leave a block on its east side
    # and enter the next on its west side, so none runs through a layer's title
    dot = Digraph(format="svg", graph_attr={"rankdir": rankdir, "compound": "true",
                                            "ordering": "out"},
                  node_attr={"shape": "record"}, edge_attr=_PORTS[rankdir])
    nin = len(layers[0].neurons[0].weights)
    flip = rankdir in ("LR", "RL")
    if nin > max_neurons:
        previous = _units(dot, "in", [], 0, f"{nin} inputs")
    else:  # one block with a field per input: the fields keep their order, as nodes would not
        dot.node("in", label="|".join(f"<x{i}> x{i}" for i in range(nin)))
        previous = [f"in:x{i}" for i in range(nin)]
    for k, layer in enumerate(layers):
        neurons = list(layer.neurons)
        count = sum(len(n.weights) + 1 for n in neurons)
        with dot.subgraph(name=f"cluster_{k}") as box:
            box.attr(label=f"layer {k}: {_plural(len(neurons), 'neuron')}, {count} parameters",
                     style="rounded", color="#7f8c8d")
            units = _units(box, f"L{k}", [_neuron_label(j, n) for j, n in enumerate(neurons)],
                           max_neurons, f"{len(neurons)} neurons{_activation(neurons[0])}", flip)
        for tail in _declared(previous, flip):
            for head in _declared(units, flip):  # in the order the units were declared
                dot.edge(tail, head)
        previous = units
    dot.node("out", label="output", shape="plaintext")
    for tail in previous:
        dot.edge(tail, "out")
    return dot


def _units(graph: graphviz.Digraph, prefix: str, labels: list[str], limit: int,
           block: str, flip: bool = False) -> list[str]:
    """A node per label, or one block node when there are more than `limit`; their ids."""
    if not labels or len(labels) > limit:
        graph.node(prefix, label=escape(block))
        return [prefix]
    ids = [f"{prefix}_{i}" for i in range(len(labels))]
    for uid, label in _declared(list(zip(ids, labels)), flip):
        graph.node(uid, label=label)
    return ids


def _declared(items: list, flip: bool) -> list:
    """Items in the order to declare them: last first when `flip`, since Graphviz's left-to-right
    order within a rank becomes bottom to top once turned for rankdir=LR: unit 0 ends on top."""
    return items[::-1] if flip else items


_PORTS = {"LR": {"tailport": "e", "headport": "w"}, "RL": {"tailport": "w", "headport": "e"},
          "TB": {"tailport": "s", "headport": "n"}, "BT": {"tailport": "n", "headport": "s"}}


def _neuron_label(index: int, neuron: Any) -> str:
    """neuron j (activation) | w ... | b ... | and, once backward() has run, their gradients."""
    weights, bias = list(neuron.weights), neuron.bias
    fields = [f"neuron {index}{_activation(neuron)}"]
    for what, value in (("", lambda p: p.data), ("grad ", lambda p: p.grad)):
        if what and not any(p.grad for p in [*weights, bias]):
            break
        w = (", ".join(f"{value(p):.3g}" for p in weights) if len(weights) <= 6
             else f"{len(weights)} weights")
        fields += [f"{what}w {w}", f"{what}b {value(bias):.3g}"]
    return " | ".join(escape(f) for f in fields)  # no braces: fields stack across the flow


def _activation(neuron: Any) -> str:
    if not hasattr(neuron, "activation"):
        return ""
    return f" ({neuron.activation or 'linear'})"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
