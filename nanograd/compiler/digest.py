"""A digest of a graph as compiled, to tell whether another graph is the one compiled."""
from __future__ import annotations

import hashlib
from typing import Sequence

from ..core.node import Node


def signature(order: Sequence[Node], inputs: Sequence[Node],
              leaf_values: dict[int, float] | None = None) -> str:
    """A digest of a graph (its topological order) as compiled: its operations, how they connect,
    its constants, and the values of the leaves that are not inputs (`leaf_values` by position,
    else their current `.data`). Two graphs with one digest compute the same."""
    index = {id(node): i for i, node in enumerate(order)}
    input_at = {id(leaf): k for k, leaf in enumerate(inputs)}
    digest = hashlib.sha256()
    words: list[str] = []
    for i, node in enumerate(order):
        op = node.op
        if op is None:
            k = input_at.get(id(node))
            value = node.data if leaf_values is None else leaf_values.get(i)
            words.append(f"in{k}" if k is not None else f"leaf{value!r}")
        else:
            words.append(op.name)
            for operand in node.inputs:
                words.append(f"@{index[id(operand)]}" if isinstance(operand, Node)
                             else f"{type(operand).__name__}{operand!r}")
        if len(words) > 4096:
            digest.update(" ".join(words).encode())
            words.clear()
    digest.update(" ".join(words).encode())
    return digest.hexdigest()
