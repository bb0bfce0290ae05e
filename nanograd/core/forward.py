"""Forward mode, and Jacobians by either mode.

`jvp` carries a tangent along with every value from the leaves to the outputs, by the table's
partials (dual numbers, not finite differences): one sweep gives the derivative of every output
along one direction. Reverse mode (`backward`, `grad`) gives the derivative of one output along
every input. So a Jacobian of m outputs by n inputs takes n forward sweeps or m reverse ones, each
evaluating about one local derivative per edge of the graph: reverse mode wins for many inputs
and one output (a loss), forward mode for one input and many outputs. `jacobian` reports the
sweeps and the local derivatives it evaluated, so the difference can be measured, not asserted.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from ..errors import InputError, node_name
from .node import Node
from .ops import REAL
from .scalar import Scalar
from .scalar_system import SCALAR
from .sweeps import forward_sweep, joint_order, reverse_sweep

MODES = ("forward", "reverse")


def as_nodes(value: Any, what: str) -> tuple[list[Scalar], bool]:
    """(the Scalars, whether one was given alone): the `wrt`, `outputs` or `inputs` argument."""
    alone = isinstance(value, Node)
    nodes = [value] if alone else list(value)
    for node in nodes:
        if not isinstance(node, Node):
            raise TypeError(f"{what} must be Scalars, got {type(node).__name__}: {node!r}")
    return nodes, alone


def as_result(value: Any, create_graph: bool) -> Any:
    """A derivative as the caller asked for it: a float, or with `create_graph` always a Scalar
    (a constant derivative, such as 2 for 2 * x, becomes a leaf)."""
    if not create_graph:
        return float(value)
    return value if isinstance(value, Node) else Scalar(value)


def seeds_of(direction: Mapping[Any, Any], create_graph: bool) -> dict[Any, Any]:
    """The direction checked: leaves to tangents (numbers; with `create_graph` Scalars too)."""
    if not isinstance(direction, Mapping):
        raise TypeError("the direction must be a dict of leaf Scalars to tangents, "
                        f"got {type(direction).__name__}")
    seeds = {}
    for leaf, tangent in direction.items():
        if not isinstance(leaf, Node):
            raise TypeError(f"a direction's keys must be Scalars, got {type(leaf).__name__}: {leaf!r}")
        if leaf.op is not None:
            raise InputError(f"a direction is given on leaves, but {node_name(leaf)} is computed "
                             f"by {leaf.op.name}: give its leaves' tangents instead")
        if not (create_graph and isinstance(tangent, Node)):
            tangent = Scalar(tangent).data  # checks it is a finite real number, as Scalar does
        seeds[leaf] = tangent
    return seeds


def jvp(outputs: Scalar | Sequence[Scalar], direction: Mapping[Scalar, Any],
        create_graph: bool = False) -> Any:
    """The derivative of `outputs` along `direction` ({leaf: tangent}, other leaves 0), by one
    forward sweep: a float (a list of them for several outputs); Scalars with `create_graph`.

    Equals the gradient dotted with the direction, without computing the gradient.
    """
    outs, alone = as_nodes(outputs, "outputs")
    tangent, _ = forward_sweep(joint_order(outs), seeds_of(direction, create_graph),
                               SCALAR if create_graph else REAL)
    results = [as_result(tangent.get(out, 0.0), create_graph) for out in outs]
    return results[0] if alone else results


class Jacobian(list):
    """The Jacobian as rows (one per output, one entry per input), and what computing it cost:
    the number of sweeps and of local derivatives (table partials) they evaluated."""

    def __init__(self, rows: list[list[float]], mode: str, sweeps: int, local_derivatives: int) -> None:
        super().__init__(rows)
        self.mode = mode
        self.sweeps = sweeps
        self.local_derivatives = local_derivatives

    def __repr__(self) -> str:
        return (f"Jacobian({list(self)!r}, mode={self.mode!r}, sweeps={self.sweeps}, "
                f"local_derivatives={self.local_derivatives})")


def jacobian(outputs: Scalar | Sequence[Scalar], inputs: Scalar | Sequence[Scalar],
             mode: str = "reverse") -> Jacobian:
    """d output_i / d input_j as rows: one forward sweep per input (`mode="forward"`) or one
    reverse sweep per output (`"reverse"`); the two agree, and differ in cost (see `Jacobian`)."""
    if mode not in MODES:
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
    outs, _ = as_nodes(outputs, "outputs")
    ins, _ = as_nodes(inputs, "inputs")
    total = 0
    if mode == "forward":
        order = joint_order(outs)
        columns = []
        for leaf in ins:
            tangent, evaluated = forward_sweep(order, seeds_of({leaf: 1.0}, False))
            total += evaluated
            columns.append([float(tangent.get(out, 0.0)) for out in outs])
        rows = [list(row) for row in zip(*columns)] if ins else [[] for _ in outs]
        return Jacobian(rows, mode, len(ins), total)
    rows = []
    for out in outs:
        adjoint, evaluated = reverse_sweep(joint_order([out]))
        total += evaluated
        rows.append([float(adjoint.get(leaf, 0.0)) for leaf in ins])
    return Jacobian(rows, mode, len(outs), total)
