"""The data of a graph node, apart from its arithmetic: what the walks over a graph read.

`Scalar` (in `scalar.py`) adds the operators and methods; the walks (`walks.py`) need only this,
so the class that does arithmetic and the walks it calls do not import each other.
"""
from __future__ import annotations

from typing import Any

from .ops import Op


class Node:
    """A value, its gradient, how it was computed (`op` on operands `_a`, `_b`) and its names."""

    # Slots, not a __dict__, and the operands in two slots rather than a tuple: a node is one
    # object for the garbage collector to track, about 110 bytes (a micrograd Value: about 580).
    __slots__ = ("data", "grad", "label", "sym", "op", "_a", "_b")

    data: float
    grad: float
    label: str
    sym: Any  # the leaf's symbolic identity; see nanograd.symbolic
    op: Op | None
    _a: Any  # the first operand: a node, or a plain number used as a constant
    _b: Any  # the second operand of a binary op; None otherwise

    @property
    def is_leaf(self) -> bool:
        return self.op is None

    @property
    def inputs(self) -> tuple:
        """The operands in written order: nodes, and plain numbers where constants were used."""
        if self.op is None:
            return ()
        return (self._a,) if self.op.arity == 1 else (self._a, self._b)


class PositionLabel(str):
    """A label given by position rather than by a person: a module's `L1.N0.w2`. Two models in
    one graph give the same ones, so closed forms tell such leaves apart (`L1.N0.w2_2`) where a
    person's label used twice would be refused as a clash."""

    __slots__ = ()
