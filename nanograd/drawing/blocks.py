"""A big graph built by `nanograd.nn` modules, drawn as blocks: each neuron applied to an input
(or, when that is still too many, each layer applied to an input) becomes one block.

A neuron is recognised from the graph alone, by its parameters' labels (`L1.N3.w0`, `N3.b`: the
modules label them so) and the shape `nn` builds: b + w0*x0 + w1*x1 + ... with one add per
weight, then its activation. No module object is needed, so a loss built anywhere collapses.
"""
from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field

from ..core.scalar import Scalar

_PARAMETER = re.compile(r"((?:L\d+\.)?N\d+)\.(w\d+|b)")
_ACTIVATIONS = frozenset({"tanh", "relu", "sigmoid"})


@dataclass(eq=False)
class Block:
    """Nodes drawn as one: a neuron applied to one input (name `L1.N3`), or a layer (`L1`)."""

    name: str
    members: list[Scalar]
    outputs: list[Scalar]
    activation: str | None
    layer: bool = False  # a layer's block, not a neuron's
    inputs: list = field(default_factory=list)  # the Scalars and Blocks feeding it, once linked


def neuron_blocks(order: list[Scalar]) -> list[Block]:
    """Each neuron application found in `order` (topological) as a Block; [] when none."""
    params: dict[Scalar, tuple[str, str]] = {}
    for node in order:
        found = _PARAMETER.fullmatch(node.label or "") if node.op is None else None
        if found:
            params[node] = (found.group(1), found.group(2))
    if not params:
        return []
    width = Counter(neuron for neuron, kind in params.values() if kind != "b")
    product: dict[Scalar, str] = {}  # w * x: the neuron whose weight it is
    chain: dict[Scalar, tuple[str, int, list[Scalar]]] = {}  # b + w*x + ...: neuron, terms, nodes
    blocks = []
    ends: dict[Scalar, Block] = {}  # a complete sum, not yet activated: its block
    for node in order:
        if node.op is None:
            continue
        ins = [i for i in node.inputs if isinstance(i, Scalar)]
        if node.op.name == "mul":  # w * x, where x may be a number rather than a Scalar
            owners = [params[i][0] for i in ins if i in params and params[i][1] != "b"]
            if len(owners) == 1:
                product[node] = owners[0]
        elif node.op.name == "add" and len(ins) == 2 and ins[1] in product:
            neuron, total = product[ins[1]], ins[0]
            if params.get(total) == (neuron, "b"):
                chain[node] = (neuron, 1, [ins[1], node])
            elif total in chain and chain[total][0] == neuron and chain[total][1] < width[neuron]:
                _, terms, nodes = chain[total]
                chain[node] = (neuron, terms + 1, [*nodes, ins[1], node])
            if node in chain and chain[node][1] == width[neuron]:
                blocks.append(Block(neuron, chain[node][2], [node], None))
                ends[node] = blocks[-1]
        elif node.op.name in _ACTIVATIONS and len(ins) == 1 and ins[0] in ends:
            block = ends.pop(ins[0])
            block.members.append(node)
            block.outputs, block.activation = [node], node.op.name
    return blocks


def layer_blocks(blocks: list[Block]) -> list[Block]:
    """The neuron blocks of one layer applied to the same inputs merged into one block each (a
    layer whose inputs are numbers, not Scalars, starts a new application when a neuron recurs)."""
    open_: dict[tuple, list[Block]] = {}
    groups: list[list[Block]] = []
    for block in blocks:
        layer = block.name.rsplit(".", 1)[0] if "." in block.name else "layer"
        key = (layer, frozenset(id(i) for i in _sources(block)))
        group = open_.get(key)
        if group is None or any(b.name == block.name for b in group):
            group = open_[key] = []
            groups.append(group)
        group.append(block)
    return [Block(group[0].name.rsplit(".", 1)[0] if "." in group[0].name else "layer",
                  [m for b in group for m in b.members], [o for b in group for o in b.outputs],
                  group[0].activation, layer=True) for group in groups]


def _sources(block: Block) -> list[Scalar]:
    """The Scalars a block reads that are neither its members nor labelled parameters."""
    inside = set(block.members)
    return [i for m in block.members for i in m.inputs if isinstance(i, Scalar) and i not in inside
            and not _PARAMETER.fullmatch(i.label or "")]


def link(order: list[Scalar], blocks: list[Block]) -> tuple[list, dict[Scalar, Block]]:
    """The items to draw in topological order (Scalars outside every block, and the blocks, each
    where its last output falls) with each block's `inputs` filled in; and each member's block.
    A parameter is drawn only where something outside the blocks reads it."""
    owner = {m: b for b in blocks for m in b.members}
    for block in blocks:
        block.inputs = list(dict.fromkeys(owner.get(i, i) for i in _sources(block)))
    read = {i for n in order if n not in owner for i in n.inputs if isinstance(i, Scalar)}
    items: list = []
    for node in order:
        if node in owner:
            if node is owner[node].outputs[-1]:
                items.append(owner[node])
        elif node.op is not None or node in read or not _PARAMETER.fullmatch(node.label or ""):
            items.append(node)
    return items, owner


def nearest(out: Scalar, limit: int, owner: dict[Scalar, Block]) -> set:
    """The `limit` items (Scalars outside blocks, and blocks) closest to `out`, breadth first."""
    start = owner.get(out, out)
    seen = {start}
    queue = deque([start])
    while queue and len(seen) < limit:
        item = queue.popleft()
        ins = item.inputs if isinstance(item, Block) else [owner.get(i, i) for i in item.inputs]
        for inp in ins:
            if isinstance(inp, (Scalar, Block)) and inp not in seen and len(seen) < limit:
                seen.add(inp)
                queue.append(inp)
    return seen
